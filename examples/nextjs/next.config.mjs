import { fileURLToPath } from "node:url";

// `stack-payments` resolves to this repository's build output, so the example runs without a publish.
const dist = fileURLToPath(new URL("../../dist/", import.meta.url));

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The package's build lives outside this folder.
  experimental: { externalDir: true },
  // `next build` writes here, so a build for the browser tests never collides with `next dev`.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  webpack(config) {
    config.resolve.alias = {
      ...config.resolve.alias,
      "stack-payments$": `${dist}index.js`,
      "stack-payments/server$": `${dist}server.js`,
      "stack-payments/react$": `${dist}react.js`,
    };
    return config;
  },
};

export default nextConfig;
