/** The LICENSE file (which npm always packs) states the license package.json declares. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

it("LICENSE is the MIT license that package.json names", () => {
  const { license } = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { license: string };
  expect(license).toBe("MIT");
  const text = readFileSync(`${root}LICENSE`, "utf8");
  expect(text.split("\n")[0]).toBe("MIT License");
  expect(text).toMatch(/^Copyright \(c\) \d{4} \S/m);
  expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
});
