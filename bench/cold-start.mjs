#!/usr/bin/env node
// `npm start` on a fresh clone, timed from the command to the URL it prints (install, build, the
// emulator and the React example's server all included), then the page is fetched to check that
// the URL really answers. Each clone gets free ports from the OS and is stopped and deleted after.
//
//   node bench/cold-start.mjs [--baseline <commit>] [--cache warm|cold|<dir>] [--keep]
//
// --cache cold   (default) a fresh, empty npm cache per clone: every package comes from the registry
// --cache warm   one npm cache for this run, filled by an untimed install first, so only the
//                unpacking and linking are timed
// --baseline     also time that commit in the same run (first), and print the ratio
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values: args } = parseArgs({
  options: {
    baseline: { type: "string" },
    cache: { type: "string", default: "cold" },
    keep: { type: "boolean", default: false },
    "timeout-s": { type: "string", default: "600" },
  },
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function git(...argv) {
  const result = spawnSync("git", argv, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${argv.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Clones the repository at `commit` into a temp dir (a real clone: no node_modules, no dist). */
function cloneAt(commit) {
  const dir = mkdtempSync(join(tmpdir(), "stack-payments-cold-"));
  git("clone", "--quiet", "--no-hardlinks", ROOT, dir);
  git("-C", dir, "checkout", "--quiet", commit);
  return dir;
}

// Milestones in npm start's output, timed from the command, to show where the time goes.
const MILESTONES = [
  ["install done", /added \d+ packages/],
  ["package build started", /Building the package/],
  ["React example build started", /Building the React example/],
  ["emulator listening", /\[emulator\] Stack payments emulator running/],
  ["example server listening", /\[react-vite\] react-vite example:/],
];

/** Runs `npm start` in `dir`; resolves with the seconds until it printed the URL. */
async function timeStart(dir, cache) {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const started = Date.now();
  // Its own process group, so everything it started can be stopped even if the launcher leaks.
  const child = spawn("npm", ["start", "--", "--port", String(port), "--emulator-port", String(emulatorPort)], {
    cwd: dir,
    detached: true,
    env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: "false", CI: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const reached = new Map();
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within ${args["timeout-s"]} s`)), Number(args["timeout-s"]) * 1000);
      const onData = (chunk) => {
        output += chunk;
        for (const [name, pattern] of MILESTONES) if (!reached.has(name) && pattern.test(output)) reached.set(name, (Date.now() - started) / 1000);
        const match = output.match(/Open (http:\/\/\S+)/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", (code) => reject(new Error(`npm start exited (${code}) before printing a URL`)));
    });
    const seconds = (Date.now() - started) / 1000;
    const page = await fetch(url);
    if (!page.ok) throw new Error(`${url} answered ${page.status}`);
    const steps = [...reached].sort((a, b) => a[1] - b[1]).map(([name, at]) => `${name} ${at.toFixed(1)} s`);
    console.log(`  (${steps.join(", ")}, URL ${seconds.toFixed(1)} s)`);
    return seconds;
  } catch (error) {
    error.message += `\nLast output:\n${output.split("\n").slice(-30).join("\n")}`;
    throw error;
  } finally {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 3000));
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
}

async function measure(label, commit) {
  const dir = cloneAt(commit);
  const cache = args.cache === "cold" || args.cache === "warm" ? mkdtempSync(join(tmpdir(), "stack-payments-npm-cache-")) : args.cache;
  try {
    if (args.cache === "warm") {
      // Fill the cache from a throw-away install of the same lockfile, untimed.
      const filler = cloneAt(commit);
      spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: filler, env: { ...process.env, npm_config_cache: cache }, stdio: "ignore" });
      rmSync(filler, { recursive: true, force: true });
    }
    const seconds = await timeStart(dir, cache);
    console.log(`${label} (${commit.slice(0, 10)}, ${args.cache} npm cache): ${seconds.toFixed(1)} s to the printed URL`);
    return seconds;
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    if (cache !== args.cache) rmSync(cache, { recursive: true, force: true });
  }
}

const head = git("-C", ROOT, "rev-parse", "HEAD");
const baseline = args.baseline ? await measure("baseline", git("-C", ROOT, "rev-parse", args.baseline)) : undefined;
const current = await measure("current ", head);
if (baseline !== undefined) console.log(`ratio: ${(baseline / current).toFixed(1)}x faster (${baseline.toFixed(1)} s → ${current.toFixed(1)} s)`);
