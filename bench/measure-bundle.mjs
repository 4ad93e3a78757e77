// Shared by bench/size.mjs and bench/size-react.mjs: bundles a snippet for the browser with esbuild
// (minified, ESM) and weighs what it ships, min+gzip, two ways:
// - initial: every module the snippet reaches through static imports, in one file: what the page
//   must load before it runs (an app bundler such as Vite/Rollup or webpack puts exactly these in the
//   entry chunk and moves modules reached only through `import()` to chunks fetched on first use);
// - total: everything, `import()` targets included, in one file (imported statically): every byte
//   the SDK can bring.
// (esbuild's own code splitting is not used: it would also split the modules an entry shares with
// its lazy chunks into a chunk of their own, which the bundlers apps use do not do.)
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** `n` bytes as KB (1024 bytes), two decimals. */
export const kb = (n) => `${(n / 1024).toFixed(2)} KB`;

/**
 * Bundles `contents` (resolved from `resolveDir`) and returns `{ initial, total, min, meta }`:
 * min+gzip byte counts of the initial and total bundles (see above), `min` the minified bytes of
 * the initial one, `meta` its esbuild metafile (for `--verbose`).
 */
export async function measureBundle({ contents, resolveDir = root, loader = "ts", external = [] }) {
  // `initialModules`: absolute paths of the modules a dynamic import may take from the initial
  // bundle (undefined: every dynamic import is bundled, the total).
  const bundle = async (initialModules, lazyModules = []) => {
    // The lazy modules are imported statically too for the total: one file, as if nothing were lazy.
    const extra = lazyModules.map((file, i) => `export * as __lazy${i} from ${JSON.stringify(file)};`).join("\n");
    const result = await build({
      stdin: { contents: `${contents}\n${extra}`, resolveDir, loader },
      plugins: initialModules
        ? [
            {
              name: "leave-lazy-out",
              setup(b) {
                b.onResolve({ filter: /.*/ }, async (args) => {
                  if (args.kind !== "dynamic-import" || args.pluginData === "leave-lazy-out") return undefined;
                  const resolved = await b.resolve(args.path, { kind: "import-statement", resolveDir: args.resolveDir, importer: args.importer, pluginData: "leave-lazy-out" });
                  // A module the page loads anyway is no lazy chunk: an app bundler keeps it (its
                  // whole namespace, as `import()` hands it out) in the initial chunk.
                  if (resolved.errors.length === 0 && initialModules.has(resolved.path)) return resolved;
                  return { path: args.path, external: true };
                });
              },
            },
          ]
        : [],
      absWorkingDir: root,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      jsx: "automatic",
      write: false,
      metafile: true,
      logLevel: "error",
      loader: { ".css": "empty" },
      external,
      define: { "process.env.NODE_ENV": '"production"' },
    });
    const code = result.outputFiles[0].contents;
    const modules = new Set(Object.keys(result.metafile.inputs).map((file) => path.resolve(root, file)));
    return { gzip: gzipSync(code, { level: 9 }).length, min: code.length, meta: result.metafile, modules };
  };
  // Grow the initial set until it holds still: a namespace taken in may reach more modules.
  let initial = await bundle(new Set());
  for (let size = 0; initial.modules.size !== size; ) {
    size = initial.modules.size;
    initial = await bundle(initial.modules);
  }
  // Everything: whatever `import()` reaches, without esbuild's wrappers for lazily evaluated modules.
  const reached = await bundle(undefined);
  const total = await bundle(undefined, [...reached.modules].filter((file) => !initial.modules.has(file) && /\.[cm]?[jt]sx?$/.test(file)));
  return { initial: initial.gzip, total: total.gzip, min: initial.min, meta: initial.meta, totalMeta: total.meta };
}

/** Prints the 30 largest inputs of the initial bundle, then what only the total one holds (what `--verbose` shows). */
export function printLargestInputs(measured) {
  const inputsOf = (meta) => Object.values(meta.outputs)[0].inputs;
  const initial = inputsOf(measured.meta);
  for (const [file, info] of Object.entries(initial).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput).slice(0, 30)) {
    console.log(`  ${String(info.bytesInOutput).padStart(7)}  ${file}`);
  }
  const lazy = Object.entries(inputsOf(measured.totalMeta)).filter(([file]) => !(file in initial));
  for (const [file, info] of lazy.sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) console.log(`  ${String(info.bytesInOutput).padStart(7)}  ${file} (loaded on first use)`);
}

/**
 * A directory where `spec` is installed for the baseline (installed once, then reused): for the
 * official packages this repository does not depend on itself. Returns undefined (and says why)
 * when it cannot be installed.
 */
export function baselineDir(name, spec) {
  const dir = path.join(root, "node_modules", ".cache", "stack-payments-bench", `baseline-${name.replace(/[@/]/g, "_")}`);
  if (existsSync(path.join(dir, "node_modules", ...name.split("/"), "package.json"))) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "baseline", version: "1.0.0", private: true }));
  console.log(`installing ${spec} for the baseline into ${path.relative(root, dir)} (once)…`);
  try {
    execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", "--loglevel=error", spec], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    return dir;
  } catch (error) {
    console.log(`${spec} could not be installed for the baseline: ${String(error.message).split("\n")[0]}`);
    return undefined;
  }
}

/** Admin code (StackAdminApp and what only it uses), which no browser bundle may hold: it is for servers with the admin key. */
const ADMIN_CODE = /^src\/(core\/admin\/|apps\/admin-app\.ts$|react\/(use-admin-app|admin-query-options)\.ts$)/;

/** The admin modules among everything `measured` can load (its lazy chunks included): [] when there are none, as there must be. */
export function adminInputs(measured) {
  return Object.keys(Object.values(measured.totalMeta.outputs)[0].inputs).filter((file) => ADMIN_CODE.test(file));
}
