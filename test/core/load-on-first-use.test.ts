// The loader of the parts the SDK imports on first use: the module when it loads, NETWORK_ERROR
// naming the part when it cannot (a chunk the browser could not fetch), and a new try next time.
import { describe, expect, it } from "vitest";
import { isStackPaymentsError } from "../../src/core/errors.js";
import { loadOnFirstUse } from "../../src/core/load-on-first-use.js";

describe("loadOnFirstUse", () => {
  it("resolves the loaded module", async () => {
    const load = loadOnFirstUse(async () => ({ answer: 42 }), "answers");
    expect(await load()).toEqual({ answer: 42 });
  });

  it("turns a failed load into NETWORK_ERROR naming the part, and tries again on the next call", async () => {
    let attempts = 0;
    const load = loadOnFirstUse(async () => {
      attempts++;
      if (attempts === 1) throw new TypeError("Failed to fetch dynamically imported module: https://app.example/assets/products-x1.js");
      return { ok: true };
    }, "product operations");
    const error = await load().catch((e: unknown) => e);
    expect(isStackPaymentsError(error, "NETWORK_ERROR")).toBe(true);
    expect(error).toMatchObject({ message: expect.stringContaining("product operations"), details: { part: "product operations" } });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(await load()).toEqual({ ok: true });
    expect(attempts).toBe(2);
  });
});
