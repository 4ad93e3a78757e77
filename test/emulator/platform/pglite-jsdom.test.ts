// @vitest-environment jsdom
// The emulator's storage in a test environment that imitates a browser (React apps test in jsdom
// and start the emulator in the same process). jsdom's File and Blob have no arrayBuffer(), which
// PGlite needs when it makes a new database in a folder: CI caught a React test file whose emulator
// was the first to start (no prepared copy yet) failing with "r.arrayBuffer is not a function".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { createPgliteDb } from "../../../src/emulator/pglite-db.js";

const cacheDir = mkdtempSync(join(tmpdir(), "stack-payments-jsdom-cache-"));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

test("a database is made from nothing (initdb, then the prepared copies) and used, and jsdom's classes are left in place", async () => {
  const before = { File: globalThis.File, Blob: globalThis.Blob };
  // The situation this guards against is real here: jsdom's File cannot be read as PGlite reads it.
  expect(typeof (File.prototype as { arrayBuffer?: unknown }).arrayBuffer).not.toBe("function");
  const db = await createPgliteDb({ migrations: [{ id: "0001_notes", sql: "CREATE TABLE notes (body text)" }], cacheDir });
  await db.query("INSERT INTO notes (body) VALUES ($1)", ["hello"]);
  expect(await db.query("SELECT body FROM notes")).toEqual([{ body: "hello" }]);
  await db.close();
  expect({ File: globalThis.File, Blob: globalThis.Blob }).toEqual(before);
}, 120_000);
