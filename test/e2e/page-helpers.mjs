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

/**
 * The page has an icon a browser can load: each `<link rel="icon">` is inline (a data: URL) or
 * answers 200 with an image, and without one, /favicon.ico does (browsers ask for it otherwise, and
 * a 404 there shows as an error on every page load).
 */
export async function assertPageIcon(page) {
  const hrefs = await page.$$eval('link[rel~="icon"]', (links) => links.map((link) => link.href));
  const targets = hrefs.length > 0 ? hrefs : [new URL("/favicon.ico", page.url()).href];
  for (const href of targets) {
    if (href.startsWith("data:image/")) continue;
    const response = await page.request.get(href);
    assert.equal(response.status(), 200, `the page's icon ${href} answered ${response.status()}`);
    assert.match(response.headers()["content-type"] ?? "", /^image\//, `the page's icon ${href} is not an image`);
  }
}
