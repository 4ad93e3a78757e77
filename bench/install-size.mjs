#!/usr/bin/env node
// What `npm install stack-payments` puts in an app's node_modules: packs this package (`npm pack`,
// from the built dist/), installs the tarball into an empty temp project, and sums the bytes of
// every file under node_modules (file sizes, as `du --apparent-size`; MB = 1024 × 1024 bytes; the
// disk space, which depends on the file system's block size, is printed too). The emulator's database
// (@electric-sql/pglite) is an optional peer, so an app that uses only the SDK must not get it.
// Baseline of the same run: `@stackframe/js` at the version this repository tests against,
// installed the same way (`--no-baseline` skips it). `--check` exits 1 over the 10 MB budget, or
// when PGlite was installed.
//
// Needs `npm run build` first and the npm registry (or npm's cache) for the dependencies.
// Usage: node bench/install-size.mjs [--check] [--no-baseline]
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BUDGET_BYTES = 10 * 1024 * 1024;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const check = process.argv.includes("--check");

if (!existsSync(path.join(root, "dist", "index.js"))) {
  console.error("dist/ is missing: run `npm run build` first (the tarball is packed from it).");
  process.exit(1);
}

/** Sum of the sizes of every file below `dir` (symlinks counted as links, not followed). */
function bytesUnder(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(full) : lstatSync(full).size;
  }
  return total;
}

/** Disk space of everything below `dir` (what `du` reports: whole blocks, directories included). */
function diskUnder(dir) {
  let total = lstatSync(dir).blocks * 512;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? diskUnder(full) : lstatSync(full).blocks * 512;
  }
  return total;
}

/** Installs `specs` into an empty project; returns node_modules' total and its packages' sizes. */
function installInto(specs) {
  const dir = mkdtempSync(path.join(tmpdir(), "stack-payments-install-"));
  try {
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "install-size", version: "1.0.0", private: true }));
    execFileSync(npm, ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", "--loglevel=error", ...specs], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const modules = path.join(dir, "node_modules");
    const packages = [];
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const names = entry.name.startsWith("@") ? readdirSync(path.join(modules, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name];
      for (const name of names) packages.push({ name, bytes: bytesUnder(path.join(modules, name)) });
    }
    return { total: bytesUnder(modules), disk: diskUnder(modules), packages: packages.sort((a, b) => b.bytes - a.bytes) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;

const packDir = mkdtempSync(path.join(tmpdir(), "stack-payments-pack-"));
let ours;
try {
  const out = execFileSync(npm, ["pack", "--json", "--pack-destination", packDir, "--loglevel=error"], { cwd: root, encoding: "utf8" });
  const [{ filename, size, unpackedSize }] = JSON.parse(out);
  console.log(`npm pack: ${filename}, ${mb(size)} packed, ${mb(unpackedSize)} unpacked`);
  ours = installInto([path.join(packDir, filename)]);
} finally {
  rmSync(packDir, { recursive: true, force: true });
}

const officialVersion = pkg.devDependencies?.["@stackframe/js"];
let theirs;
if (!process.argv.includes("--no-baseline") && officialVersion) {
  try {
    theirs = installInto([`@stackframe/js@${officialVersion}`]);
  } catch (error) {
    console.log(`@stackframe/js could not be installed for the baseline: ${String(error.message).split("\n")[0]}`);
  }
}

console.log(`npm install stack-payments       node_modules ${mb(ours.total).padStart(10)}  (${ours.packages.length} packages; ${mb(ours.disk)} on disk)`);
for (const p of ours.packages) console.log(`  ${mb(p.bytes).padStart(10)}  ${p.name}`);
if (theirs) {
  console.log(`npm install @stackframe/js@${officialVersion}  node_modules ${mb(theirs.total).padStart(10)}  (${theirs.packages.length} packages; ${mb(theirs.disk)} on disk)`);
  console.log(`ratio (theirs / ours): ${(theirs.total / ours.total).toFixed(1)}x`);
}
const withDatabase = ours.packages.some((p) => p.name === "@electric-sql/pglite");
if (withDatabase) console.log("@electric-sql/pglite was installed: it must stay an optional peer (the emulator's database), not a dependency.");
console.log(`budget ${mb(BUDGET_BYTES)}: ${ours.total <= BUDGET_BYTES ? "within" : "OVER"} (${mb(BUDGET_BYTES - ours.total)} left)`);
if (check && (ours.total > BUDGET_BYTES || withDatabase)) process.exit(1);
