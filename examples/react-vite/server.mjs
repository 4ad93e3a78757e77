/**
 * The React example's server: serves the built page (examples/react-vite/dist), tells it which
 * project and API to use (GET /api/config), and spends credits for the signed-in user
 * (POST /api/spend-credits) with the secret server key, which never reaches the browser.
 *
 *   node examples/react-vite/server.mjs            # PORT (default 5173); serves the built page
 *   API_ONLY=1 PORT=5174 node examples/react-vite/server.mjs   # only /api, for `npx vite examples/react-vite`
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { StackServerApp } from "stack-payments/server";
import { FAVICON_SVG } from "../shared/favicon.mjs";
import { resolveStackEnv } from "../shared/stack-env.mjs";

const stack = resolveStackEnv();
const stackServerApp = new StackServerApp({
  projectId: stack.projectId,
  publishableClientKey: stack.publishableClientKey,
  secretServerKey: stack.secretServerKey,
  baseUrl: stack.apiUrl,
  tokenStore: "memory",
});

const port = Number(process.env.PORT ?? 5173);
const apiOnly = process.env.API_ONLY === "1";
const staticDir = fileURLToPath(new URL("./dist/", import.meta.url));
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json", ".ico": "image/x-icon" };

function sendJson(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : JSON.parse(text);
}

/** POST /api/spend-credits `{ amount }`: the seed's consumeCredits, for the user making the request. */
async function spendCredits(req, res) {
  let body;
  try {
    body = await readJson(req);
  } catch {
    return sendJson(res, 400, { error: "The body must be JSON like {\"amount\": 10}" });
  }
  const amount = body.amount ?? 10;
  if (!Number.isInteger(amount) || amount <= 0) return sendJson(res, 400, { error: `amount must be a positive integer, got ${JSON.stringify(amount)}` });
  // The browser sends its session in the x-stack-auth header (app.getAuthHeaders()).
  if (!req.headers["x-stack-auth"]) return sendJson(res, 401, { error: "Not signed in: send app.getAuthHeaders()" });
  // The page's users are anonymous, and getUser treats anonymous users as absent unless told
  // `or: "anonymous"` (the official SDK's rule).
  const user = await stackServerApp.getUser({ tokenStore: req, or: "anonymous" });
  const credits = await user.getItem("credits");
  // tryDecreaseQuantity is atomic: two concurrent requests can never overdraw the balance.
  const success = await credits.tryDecreaseQuantity(amount);
  if (!success) return sendJson(res, 400, { error: "Insufficient credits" });
  const after = await user.getItem("credits");
  return sendJson(res, 200, { remaining: after.quantity });
}

function serveStatic(req, res) {
  let path;
  try {
    path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^([/\\])+/, "");
  } catch {
    res.writeHead(400, { "content-type": "text/plain" });
    return res.end("Malformed URL\n");
  }
  // The page carries its icon inline; this is for a browser that asks anyway (e.g. on /api/config).
  if (path === "favicon.ico") {
    res.writeHead(200, { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" });
    return res.end(FAVICON_SVG);
  }
  let file = join(staticDir, path);
  const found = file.startsWith(staticDir) && existsSync(file) && !statSync(file).isDirectory();
  // A missing file (a stale asset link) is a 404; any other path is a page of the app.
  if (!found && extname(path) !== "") {
    res.writeHead(404, { "content-type": "text/plain" });
    return res.end(`Not found: /${path}\n`);
  }
  if (!found) file = join(staticDir, "index.html");
  if (!existsSync(file)) {
    res.writeHead(503, { "content-type": "text/plain" });
    return res.end("The page is not built yet: run `npm start` (or `npx vite build examples/react-vite`).\n");
  }
  // Hashed assets can be cached; index.html must not be, so a rebuild shows up on reload.
  const cache = file.includes(`${join(staticDir, "assets")}`) ? "public, max-age=31536000, immutable" : "no-store";
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": cache });
  createReadStream(file).pipe(res);
}

const server = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? "/", "http://x");
  const route =
    req.method === "GET" && pathname === "/api/config"
      ? async () => sendJson(res, 200, { projectId: stack.projectId, publishableClientKey: stack.publishableClientKey, apiUrl: stack.apiUrl, target: stack.target })
      : req.method === "POST" && pathname === "/api/spend-credits"
        ? () => spendCredits(req, res)
        : pathname.startsWith("/api/")
          ? async () => sendJson(res, 404, { error: `No route ${req.method} ${pathname}` })
          : apiOnly
            ? async () => sendJson(res, 404, { error: "API_ONLY=1: the page is served by vite" })
            : async () => serveStatic(req, res);
  route().catch((error) => {
    console.error(error);
    if (!res.headersSent) sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
  });
});

// Only this machine reaches it (its API routes move credits with the server key); HOST=0.0.0.0 opens it up.
server.listen(port, process.env.HOST ?? "127.0.0.1", () => {
  console.log(`react-vite example: http://localhost:${port} (Stack API: ${stack.apiUrl}, ${stack.target})`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
