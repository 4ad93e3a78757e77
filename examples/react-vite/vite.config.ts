import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";
import { FAVICON_DATA_URL } from "../shared/favicon.mjs";

// `stack-payments` resolves to this repository's build output, so the example runs without a publish.
const dist = fileURLToPath(new URL("../../dist/", import.meta.url));
const apiPort = process.env.API_PORT ?? "5174";

/** Puts the examples' icon inline in the page, so browsers never ask the server for /favicon.ico. */
const inlineFavicon: Plugin = {
  name: "inline-favicon",
  transformIndexHtml: () => [{ tag: "link", attrs: { rel: "icon", href: FAVICON_DATA_URL }, injectTo: "head" }],
};

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react(), inlineFavicon],
  resolve: {
    alias: [
      { find: /^stack-payments$/, replacement: `${dist}index.js` },
      { find: /^stack-payments\/(react|server|emulator|testing)$/, replacement: `${dist}$1.js` },
    ],
    dedupe: ["react", "react-dom", "@tanstack/react-query"],
  },
  // `npx vite examples/react-vite` (hot reload) sends /api to `node examples/react-vite/server.mjs`.
  server: { port: 5173, proxy: { "/api": `http://localhost:${apiPort}` } },
  build: { outDir: "dist", emptyOutDir: true },
});
