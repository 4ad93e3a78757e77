/**
 * The dashboard, served by the emulator itself at `/dashboard`: an HTML shell and its bundle
 * (React on the SDK's own `StackAdminApp`, built into `dist/dashboard/` by `npm run build`).
 * When the emulator runs from its sources (tests), the bundle is built on first request with
 * esbuild; when neither is there, the page says how to build it.
 */
import { DEFAULT_PROJECT } from "../defaults.js";
import { defineRoute, textResponse, type RequestContext, type Route } from "../http.js";
import { honoContextOf } from "../middleware/authenticate.js";
import { isValidProjectKey } from "../projects/store.js";

/** One built file of the dashboard. */
interface Asset {
  body: string;
  type: string;
  /** A hash of the content: assets are cached for a year under `?v=<hash>`. */
  hash: string;
}

/** The bundle, or why there is none. */
type Bundle = { js: Asset; css: Asset } | { missing: string };

/** The page's config, read by the bundle at start (no secret beyond the documented development key). */
export interface DashboardPageConfig {
  /** The emulator's development project, shown first. */
  defaultProjectId: string;
  /** Its admin key when it is the documented one (pre-filled in the sign-in form); else null. */
  documentedAdminKey: string | null;
}

const ICON =
  "data:image/svg+xml," +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1a56db"/><path d="M9 21V11h5.5a3.5 3.5 0 0 1 0 7H12" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/><circle cx="21.5" cy="20" r="3" fill="#fbbf24"/></svg>',
  );

/** Where this module's file is (the bundle is looked for next to it). */
function moduleFile(fileURLToPath: (url: string) => string): string | null {
  // CJS bundles have __filename; ESM bundles and sources have import.meta.url.
  if (typeof __filename === "string") return __filename;
  try {
    return fileURLToPath(import.meta.url);
  } catch {
    return null;
  }
}

/** Imports a module bundlers must leave alone (it exists only next to the sources). */
function importAtRunTime(specifier: string): Promise<unknown> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
}

async function hashOf(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function asset(body: string, type: string): Promise<Asset> {
  return { body, type, hash: await hashOf(body) };
}

/**
 * Finds the bundle: built files next to the emulator's code (`dist/dashboard/`), else a build of
 * `src/dashboard/main.tsx` with esbuild when running from the sources.
 */
async function loadBundle(): Promise<Bundle> {
  let fs: typeof import("node:fs/promises");
  let path: typeof import("node:path");
  let file: string | null;
  try {
    fs = await import("node:fs/promises");
    path = await import("node:path");
    file = moduleFile((await import("node:url")).fileURLToPath);
  } catch {
    return { missing: "The dashboard is served only when the emulator runs on Node.js." };
  }
  if (file === null) return { missing: "The emulator cannot tell where its files are, so it cannot find the dashboard's bundle." };
  const here = path.dirname(file);
  const built = path.join(here, "dashboard");
  try {
    const [js, css] = await Promise.all([fs.readFile(path.join(built, "app.js"), "utf8"), fs.readFile(path.join(built, "app.css"), "utf8")]);
    return { js: await asset(js, "text/javascript; charset=utf-8"), css: await asset(css, "text/css; charset=utf-8") };
  } catch {
    // Not built next to this file: the sources, or a build without the dashboard.
  }
  const entry = path.resolve(here, "../../dashboard/main.tsx");
  try {
    await fs.access(entry);
  } catch {
    return { missing: "The dashboard is not built. Run `npm run build` (it writes dist/dashboard/), then reload." };
  }
  try {
    // A devDependency, present wherever the sources are; named through a variable so that no
    // bundler of the emulator tries to bundle it.
    const esbuild = (await importAtRunTime("esbuild")) as typeof import("esbuild");
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      outdir: "out",
      entryNames: "app",
      format: "esm",
      platform: "browser",
      target: "es2020",
      minify: false,
      jsx: "automatic",
      define: { "process.env.NODE_ENV": '"development"' },
      logLevel: "silent",
    });
    const js = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text ?? "";
    const css = result.outputFiles.find((f) => f.path.endsWith(".css"))?.text ?? "";
    return { js: await asset(js, "text/javascript; charset=utf-8"), css: await asset(css, "text/css; charset=utf-8") };
  } catch (error) {
    return { missing: `The dashboard could not be built from its sources (${error instanceof Error ? error.message.split("\n")[0] : String(error)}). Run \`npm run build\`.` };
  }
}

let bundle: Promise<Bundle> | undefined;
/** The bundle, loaded (or built) once per process; looked for again while there is none. */
async function getBundle(): Promise<Bundle> {
  bundle ??= loadBundle();
  const found = await bundle;
  // A build may be on its way (`npm run build` in another terminal): do not remember its absence.
  if ("missing" in found) bundle = undefined;
  return found;
}

const escapeJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

/** The HTML shell: the config for the bundle, the bundle's files by hash, a no-script note. */
function page(config: DashboardPageConfig, js: Asset, css: Asset): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payments dashboard · stack-payments emulator</title>
<link rel="icon" href="${ICON}">
<link rel="stylesheet" href="/dashboard/assets/app.css?v=${css.hash}">
<script type="application/json" id="dashboard-config">${escapeJson(config)}</script>
<script type="module" src="/dashboard/assets/app.js?v=${js.hash}"></script>
</head>
<body>
<div id="root"></div>
<noscript>The payments dashboard needs JavaScript.</noscript>
</body>
</html>
`;
}

/**
 * What the page may do: its own scripts and the emulator's API only; inline styles for the email
 * previews (sandboxed frames without scripts); never framed by another site.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async function pageConfig(ctx: RequestContext): Promise<DashboardPageConfig> {
  const defaultProjectId = honoContextOf(ctx).var.services.defaultProjectId;
  const documented =
    defaultProjectId === DEFAULT_PROJECT.id && (await isValidProjectKey(ctx.db, defaultProjectId, "super_secret_admin_key", DEFAULT_PROJECT.superSecretAdminKey, Date.now()));
  return { defaultProjectId, documentedAdminKey: documented ? DEFAULT_PROJECT.superSecretAdminKey : null };
}

/** `GET /dashboard` and its assets. */
export const dashboardPageRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/dashboard",
    access: "none",
    async handler(ctx) {
      const built = await getBundle();
      if ("missing" in built) return textResponse(503, built.missing);
      return new Response(page(await pageConfig(ctx), built.js, built.css), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          // The shell names the assets by hash: it must be revalidated, they never need to be.
          "cache-control": "no-cache",
          "content-security-policy": CONTENT_SECURITY_POLICY,
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
        },
      });
    },
  }),
  defineRoute({
    method: "GET",
    path: "/dashboard/assets/:file",
    access: "none",
    async handler(ctx) {
      const name = ctx.params.file;
      const built = await getBundle();
      if ("missing" in built) return textResponse(503, built.missing);
      const file = name === "app.js" ? built.js : name === "app.css" ? built.css : null;
      if (!file) return textResponse(404, `Not found: ${ctx.url.pathname}`);
      const etag = `"${file.hash}"`;
      const cacheControl = ctx.url.searchParams.get("v") === file.hash ? "public, max-age=31536000, immutable" : "no-cache";
      if (ctx.header("if-none-match") === etag) return new Response(null, { status: 304, headers: { etag, "cache-control": cacheControl } });
      return new Response(file.body, { headers: { "content-type": file.type, "cache-control": cacheControl, etag, "x-content-type-options": "nosniff" } });
    },
  }),
];
