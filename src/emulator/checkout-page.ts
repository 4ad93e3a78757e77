/**
 * The test-mode checkout page (`GET /purchase/{full_code}`): what the URL from
 * create-purchase-url opens. Plain HTML with a few lines of inline script, usable by a person and
 * by a browser test (stable `data-testid`s): it shows the product and its prices, lets the buyer
 * pick a price and a quantity (stackable products), completes the purchase through
 * `POST /api/v1/internal/payments/test-mode-purchase-session` and returns to `return_url`.
 */
import type { ValidateCodeResponse } from "../core/schemas/index.js";
import type { RequestContext } from "./http.js";
import type { PurchaseCodeRecord } from "./payments/store.js";
import { isTrustedReturnUrl, type ProjectConfig } from "./project-config.js";

/** What the page needs about a valid code. */
export interface CheckoutPageData {
  code: PurchaseCodeRecord;
  config: ProjectConfig;
  description: ValidateCodeResponse;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** JSON safe to embed in a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

function page(title: string, body: string, status: number): Response {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#111}
.badge{display:inline-block;background:#fde68a;border-radius:.25rem;padding:.1rem .4rem;font-size:.8rem}
fieldset{border:1px solid #ddd;border-radius:.5rem;margin:1rem 0}
label{display:block;margin:.4rem 0}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#111;color:#fff;cursor:pointer}
button[disabled]{opacity:.5}
.error{color:#b91c1c}.success{color:#15803d}
</style>
</head>
<body>
${body}
</body>
</html>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store, max-age=0" },
  });
}

/** A readable error page (404 for unknown, used or expired codes). */
export function checkoutErrorPage(message: string, status: number): Response {
  return page(
    "Checkout unavailable",
    `<h1>Checkout unavailable</h1>\n<p class="error" data-testid="checkout-error" id="checkout-error">${escapeHtml(message)}</p>`,
    status,
  );
}

function formatPrice(price: ValidateCodeResponse["product"]["prices"][string]): string {
  const amounts = Object.entries(price)
    .filter(([k, v]) => k !== "interval" && k !== "free_trial" && typeof v === "string")
    .map(([currency, amount]) => `${String(amount)} ${currency}`)
    .join(" / ");
  const interval = price.interval;
  if (!interval) return `${amounts} (one-time)`;
  const [n, unit] = interval;
  return `${amounts} every ${n === 1 ? unit : `${n} ${unit}s`}`;
}

/**
 * Answers `GET /purchase/{full_code}`: the checkout form, or an error page (404 when the code is
 * unknown, used or expired; 400 when `return_url` is not trusted).
 */
export async function checkoutPage(
  ctx: RequestContext,
  load: (fullCode: string) => Promise<CheckoutPageData | null>,
): Promise<Response> {
  const fullCode = ctx.params.full_code ?? "";
  const data = await load(fullCode);
  if (!data) return checkoutErrorPage("This checkout link is invalid, has expired or has already been used.", 404);
  const returnUrl = ctx.url.searchParams.get("return_url");
  if (returnUrl !== null && !isTrustedReturnUrl(data.config, returnUrl))
    return checkoutErrorPage("The return URL of this checkout link is not a trusted domain of the project.", 400);
  const { product } = data.description;
  const priceIds = Object.keys(product.prices);
  const radios = priceIds
    .map(
      (id, i) =>
        `<label><input type="radio" name="price" value="${escapeHtml(id)}" id="checkout-price-${escapeHtml(id)}" data-testid="checkout-price-${escapeHtml(id)}"${i === 0 ? " checked" : ""}> ${escapeHtml(formatPrice(product.prices[id]!))}</label>`,
    )
    .join("\n");
  const quantity = product.stackable
    ? `<label>Quantity <input type="number" min="1" step="1" value="1" id="checkout-quantity" data-testid="checkout-quantity"></label>`
    : "";
  const notes: string[] = [];
  if (data.description.already_bought_non_stackable) notes.push("You already own this product.");
  if (data.description.conflicting_products.length > 0)
    notes.push(`This replaces: ${data.description.conflicting_products.map((p) => p.display_name).join(", ")}.`);
  const body = `<p><span class="badge">Test mode</span> No payment is taken.</p>
<h1 id="checkout-product-name" data-testid="checkout-product-name">${escapeHtml(product.display_name)}</h1>
${notes.map((n) => `<p>${escapeHtml(n)}</p>`).join("\n")}
<form id="checkout-form">
<fieldset><legend>Price</legend>
${priceIds.length > 0 ? radios : "<p>This product has no prices.</p>"}
</fieldset>
${quantity}
<p><button type="submit" id="checkout-submit" data-testid="checkout-submit"${priceIds.length === 0 ? " disabled" : ""}>Complete test purchase</button></p>
</form>
<p class="error" id="checkout-error" data-testid="checkout-error" role="alert" hidden></p>
<p class="success" id="checkout-success" data-testid="checkout-success" hidden>Purchase complete. You can close this page.</p>
<script>
(function () {
  var fullCode = ${scriptJson(fullCode)};
  var returnUrl = ${scriptJson(returnUrl)};
  var endpoint = ${scriptJson(`${ctx.baseUrl}/api/v1/internal/payments/test-mode-purchase-session`)};
  var form = document.getElementById("checkout-form");
  var submit = document.getElementById("checkout-submit");
  var error = document.getElementById("checkout-error");
  var success = document.getElementById("checkout-success");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = form.querySelector('input[name="price"]:checked');
    var qty = document.getElementById("checkout-quantity");
    var body = { full_code: fullCode, price_id: chosen ? chosen.value : "", quantity: qty ? Number(qty.value) : 1 };
    submit.disabled = true;
    error.hidden = true;
    fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (res) {
        return res.text().then(function (text) {
          if (res.ok) {
            if (returnUrl) { window.location.assign(returnUrl); return; }
            form.hidden = true;
            success.hidden = false;
            return;
          }
          var message = text;
          try { message = JSON.parse(text).error || text; } catch (e) {}
          throw new Error(message);
        });
      })
      .catch(function (e) {
        error.textContent = e && e.message ? e.message : String(e);
        error.hidden = false;
        submit.disabled = false;
      });
  });
})();
</script>`;
  return page(`Checkout: ${product.display_name}`, body, 200);
}
