// Attack probe: the STACK_PAYMENTS_CACHE_DIR warning names the real problem for odd values, never
// throws, and never uses a folder another user controls.
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { defaultSnapshotCacheDir } from "../../../src/emulator/pglite-snapshot.js";

const root = mkdtempSync(join(tmpdir(), "stack-payments-cache-attack-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The cache folder chosen for `value`, and the warnings emitted about it. */
async function withEnv(value: string): Promise<{ dir: string | null; warnings: string[] }> {
  const saved = process.env.STACK_PAYMENTS_CACHE_DIR;
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => void (w.code === "STACK_PAYMENTS_CACHE_DIR" && warnings.push(w.message));
  process.on("warning", onWarning);
  process.env.STACK_PAYMENTS_CACHE_DIR = value;
  let dir: string | null;
  try {
    dir = defaultSnapshotCacheDir();
  } finally {
    if (saved === undefined) delete process.env.STACK_PAYMENTS_CACHE_DIR;
    else process.env.STACK_PAYMENTS_CACHE_DIR = saved;
  }
  await new Promise((r) => setImmediate(r));
  process.off("warning", onWarning);
  return { dir, warnings };
}

test("a file in the folder's place: the warning says it is not a folder", async () => {
  const file = join(root, "a-file");
  writeFileSync(file, "x");
  const { dir, warnings } = await withEnv(file);
  expect(dir).toBeNull();
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("it is not a folder");
});

test("a path through a file: the warning says a part of its path is not a folder", async () => {
  const file = join(root, "another-file");
  writeFileSync(file, "x");
  const { dir, warnings } = await withEnv(join(file, "cache"));
  expect(dir).toBeNull();
  expect(warnings[0]).toContain("a part of its path is not a folder");
});

test("a dangling link is not followed to make its target", async () => {
  const target = join(root, "never-made");
  const link = join(root, "dangling");
  symlinkSync(target, link);
  const { dir, warnings } = await withEnv(link);
  expect(dir).toBeNull();
  expect(warnings).toHaveLength(1);
  expect(() => rmSync(target)).toThrow(/ENOENT/);
});

test("a link to a folder others may write to is refused, and the warning says so", async () => {
  const link = join(root, "to-shared");
  const real = mkdtempSync(join(root, "shared-"));
  chmodSync(real, 0o777);
  symlinkSync(real, link);
  const { dir, warnings } = await withEnv(link);
  expect(dir).toBeNull();
  expect(warnings[0]).toContain("other users may write to it (mode 777; chmod go-w fixes that)");
});

test("a very long or odd value warns, never throws", async () => {
  const { dir, warnings } = await withEnv(join(root, "x".repeat(5000)));
  expect(dir).toBeNull();
  expect(warnings[0]).toMatch(/cannot be made or written \(ENAMETOOLONG\)/);
});

test("the ways of writing 'no' turn the cache off, without a warning or a folder of that name", async () => {
  for (const value of ["0", "off", "OFF", " off ", "false", "False", "no"]) {
    const { dir, warnings } = await withEnv(value);
    expect([value, dir, warnings]).toEqual([value, null, []]);
  }
  expect(existsSync(join(process.cwd(), "false"))).toBe(false);
});
