/** Assertions on what a page shows, shared by the browser test suites. */
import assert from "node:assert/strict";

/** Waits until the element's text equals `expected` (the page updates on its own, never reloaded here). */
export async function expectText(page, testId, expected, timeout = 15_000) {
  const locator = page.getByTestId(testId);
  // A string must match the whole text ("0" must not match "100").
  const pattern = typeof expected === "string" ? new RegExp(`^\\s*${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`) : expected;
  try {
    await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
  } catch {
    const actual = await locator.first().textContent({ timeout: 1_000 }).catch(() => "(element not found)");
    throw new Error(`[data-testid=${testId}] should read ${typeof expected === "string" ? JSON.stringify(expected) : String(expected)} but reads ${JSON.stringify(actual)}`);
  }
}

/** A marker that disappears if the page reloads: proves an update arrived live. */
export const markPage = (page) => page.evaluate(() => (window.__e2eNoReload = true));
export const assertNotReloaded = async (page) =>
  assert.equal(await page.evaluate(() => window.__e2eNoReload === true), true, "the page reloaded, but the update should have arrived live");
