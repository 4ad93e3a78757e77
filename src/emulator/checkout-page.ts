/**
 * The emulator's checkout page (`GET /purchase/{full_code}`): what the URL from
 * create-purchase-url opens. Plain, self-contained HTML (no external script, style or font) with
 * one inline script, usable by a person and by a browser test (stable `data-testid`s).
 *
 * Both modes show an "Emulator: no real payment" banner, the order summary (product, price,
 * quantity for stackable products, formatted total) and a link back to the app's `return_url`.
 *
 * - Test mode (`payments.testMode`, the default): one click completes the purchase through
 *   `POST /api/v1/internal/payments/test-mode-purchase-session`, free and instant.
 * - Live mode: a card form (number, expiry, CVC, name). "Pay" starts the payment once
 *   (`purchase-session`, which answers a client secret) and confirms it with the card through the
 *   emulator's payment provider; the test card decides the outcome. A declined card shows why and
 *   lets the buyer try another card on the same payment; a 3-D Secure card shows an
 *   authentication step to approve or fail; a success returns to the app.
 */
import type { ValidateCodeResponse } from "../core/schemas/index.js";
import type { RequestContext } from "./http.js";
import type { PurchaseCodeRecord } from "./payments/store.js";
import { isTrustedReturnUrl, type ProjectConfig } from "./project-config.js";
import { formatUsd, MAX_CHARGE_CENTS, toCents } from "./provider/money.js";

/** What the page needs about a valid code. */
export interface CheckoutPageData {
  code: PurchaseCodeRecord;
  config: ProjectConfig;
  description: ValidateCodeResponse;
  /** The project's clock (ms), so the card form judges expiry dates as the provider will. */
  now: number;
}

/**
 * The largest quantity the page offers for a price without a USD amount (a USD price is bounded by
 * the largest card charge instead); the test-mode purchase route refuses more too.
 */
export const MAX_CHECKOUT_QUANTITY = 1_000_000;

const API = "/api/v1";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** JSON safe to embed in a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:34rem;margin:0 auto;padding:0 1rem 3rem;color:#111;background:#fafafa}
.banner{margin:0 -1rem 1.5rem;padding:.6rem 1rem;background:#fde68a;color:#422006;font-size:.9rem;border-bottom:1px solid #f59e0b}
.banner strong{font-weight:700}
.card{background:#fff;border:1px solid #e5e5e5;border-radius:.6rem;padding:1rem 1.2rem;margin:1rem 0}
h1{font-size:1.4rem;margin:.2rem 0 .6rem}
h2{font-size:1rem;margin:0 0 .6rem}
fieldset{border:0;margin:0;padding:0}
legend{font-weight:600;margin-bottom:.3rem}
label{display:block;margin:.5rem 0;font-size:.95rem}
.field{display:block;width:100%;margin-top:.2rem;padding:.5rem .6rem;font-size:1rem;border:1px solid #ccc;border-radius:.4rem}
.row{display:flex;gap:.8rem}.row label{flex:1}
.total{display:flex;justify-content:space-between;font-size:1.1rem;font-weight:700;border-top:1px solid #eee;margin-top:.6rem;padding-top:.6rem}
.muted{color:#555;font-size:.85rem}
button{font-size:1rem;padding:.65rem 1.2rem;border-radius:.4rem;border:0;background:#111;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#111;border:1px solid #111}
button[disabled]{opacity:.5;cursor:not-allowed}
.pay{width:100%}
.error{color:#b91c1c}.success{color:#15803d;font-weight:600}
.three-ds{border-color:#2563eb}
.three-ds .buttons{display:flex;gap:.6rem}
a.back{display:inline-block;margin-top:.5rem;color:#1d4ed8}
`;

function securityHeaders(nonce: string): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store, max-age=0",
    // Only this page's own inline script and style run; it talks to its own origin only.
    "content-security-policy": [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "img-src data:",
      "form-action 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-frame-options": "DENY",
    // The URL holds the purchase code: it must not leak to the app as a Referer.
    "referrer-policy": "no-referrer",
  };
}

function page(title: string, body: string, status: number, nonce = crypto.randomUUID().replace(/-/g, "")): Response {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<p class="banner" role="note" data-testid="checkout-banner"><strong>Emulator: no real payment.</strong> This checkout is served by the local Stack payments emulator; no money moves and no card is charged.</p>
${body}
</body>
</html>`;
  return new Response(html, { status, headers: securityHeaders(nonce) });
}

/** A readable error page (404 for unknown, used or expired codes). */
export function checkoutErrorPage(message: string, status: number): Response {
  return page(
    "Checkout unavailable",
    `<h1>Checkout unavailable</h1>\n<p class="error" data-testid="checkout-error" id="checkout-error">${escapeHtml(message)}</p>`,
    status,
  );
}

type Price = ValidateCodeResponse["product"]["prices"][string];

/** A price's amounts in cents by currency (amounts that are not money are left out). */
function amountsOf(price: Price): [currency: string, cents: number][] {
  return Object.entries(price)
    .filter(([k, v]) => k !== "interval" && k !== "free_trial" && typeof v === "string")
    .map(([currency, amount]) => [currency, toCents(String(amount))] as [string, number | null])
    .filter((entry): entry is [string, number] => entry[1] !== null);
}

/** An amount for people: `$10.00` for USD, `90.00 EUR` otherwise. */
function formatAmount(currency: string, cents: number): string {
  if (currency === "USD") return formatUsd(cents);
  return `${formatUsd(cents).slice(1)} ${currency}`;
}

function intervalText(interval: Price["interval"]): string {
  if (!interval) return "one-time";
  const [n, unit] = interval;
  return `every ${n === 1 ? unit : `${n} ${unit}s`}`;
}

/** The price as the summary lists it: `$10.00 every month`, `$100.00 / 90.00 EUR every year`. */
function priceLabel(price: Price): string {
  const amounts = amountsOf(price)
    .map(([currency, cents]) => formatAmount(currency, cents))
    .join(" / ");
  return `${amounts || "No amount"} ${intervalText(price.interval)}`;
}

/** What the page's script needs about a price: the charged currency, unit cents, largest quantity. */
interface PriceInfo {
  currency: string | null;
  unitCents: number;
  maxQuantity: number;
  recurring: boolean;
}

function priceInfo(price: Price, stackable: boolean): PriceInfo {
  const amounts = amountsOf(price);
  // A card pays USD; test mode shows the first currency when a price has no USD amount.
  const [currency, unitCents] = amounts.find(([c]) => c === "USD") ?? amounts[0] ?? [null, 0];
  const byCharge = currency === "USD" && unitCents > 0 ? Math.floor(MAX_CHARGE_CENTS / unitCents) : MAX_CHECKOUT_QUANTITY;
  return { currency, unitCents, maxQuantity: stackable ? Math.max(1, Math.min(MAX_CHECKOUT_QUANTITY, byCharge)) : 1, recurring: Boolean(price.interval) };
}

/**
 * Answers `GET /purchase/{full_code}`: the checkout page, or an error page (404 when the code is
 * unknown, used or expired, from which the tab that started a card payment can resume it; 400
 * when `return_url` is not trusted). `clockOf` reads the clock of a code's project.
 */
export async function checkoutPage(
  ctx: RequestContext,
  load: (fullCode: string) => Promise<CheckoutPageData | null>,
  clockOf: (fullCode: string) => Promise<number>,
): Promise<Response> {
  const fullCode = ctx.params.full_code ?? "";
  const data = await load(fullCode);
  if (!data) return resumablePage(fullCode, await clockOf(fullCode));
  const returnUrl = ctx.url.searchParams.get("return_url");
  if (returnUrl !== null && !isTrustedReturnUrl(data.config, returnUrl))
    return checkoutErrorPage("The return URL of this checkout link is not a trusted domain of the project.", 400);
  const live = !data.config.payments.testMode;
  const { product } = data.description;
  const prices = product.prices;
  const priceIds = Object.keys(prices);
  const infos = Object.fromEntries(priceIds.map((id) => [id, priceInfo(prices[id]!, product.stackable)]));
  const first = priceIds[0];
  const firstInfo = first === undefined ? null : infos[first]!;
  const initialTotal = firstInfo?.currency ? formatAmount(firstInfo.currency, firstInfo.unitCents) : "—";

  const radios = priceIds
    .map((id, i) => {
      const safe = escapeHtml(id);
      return `<label><input type="radio" name="price" value="${safe}" id="checkout-price-${safe}" data-testid="checkout-price-${safe}"${i === 0 ? " checked" : ""}> ${escapeHtml(priceLabel(prices[id]!))}</label>`;
    })
    .join("\n");
  const quantity = product.stackable
    ? `<label>Quantity <input class="field" type="number" inputmode="numeric" min="1" max="${firstInfo?.maxQuantity ?? MAX_CHECKOUT_QUANTITY}" step="1" value="1" id="checkout-quantity" data-testid="checkout-quantity"></label>
<p class="error" id="checkout-quantity-error" data-testid="checkout-quantity-error" role="alert" hidden></p>`
    : "";
  const notes: string[] = [];
  if (data.description.already_bought_non_stackable) notes.push("You already own this product.");
  if (data.description.conflicting_products.length > 0)
    notes.push(`This replaces: ${data.description.conflicting_products.map((p) => p.display_name).join(", ")}.`);
  if (live && !data.description.charges_enabled) notes.push("The project's payments onboarding is not finished, so it cannot take card payments yet.");

  const back =
    returnUrl === null ? "" : `<p><a class="back" href="${escapeHtml(returnUrl)}" id="checkout-back" data-testid="checkout-back">← Back to the app</a></p>`;
  const summary = `<section class="card" aria-label="Order summary">
<h2>Order summary</h2>
<h1 id="checkout-product-name" data-testid="checkout-product-name">${escapeHtml(product.display_name)}</h1>
${notes.map((n) => `<p class="muted" data-testid="checkout-note">${escapeHtml(n)}</p>`).join("\n")}
<fieldset><legend>Price</legend>
${priceIds.length > 0 ? radios : "<p>This product has no prices.</p>"}
</fieldset>
${quantity}
<div class="total"><span id="checkout-total-label">Total${firstInfo?.recurring ? " due today" : ""}</span><span id="checkout-total" data-testid="checkout-total">${escapeHtml(initialTotal)}</span></div>
</section>`;

  const submitDisabled = priceIds.length === 0 || (live && !data.description.charges_enabled);
  const submitText = live ? `Pay ${initialTotal}` : "Complete test purchase";
  const body = checkoutBody({
    summary,
    payment: live ? CARD_FORM : `<p class="muted"><span data-testid="checkout-mode">Test mode</span>: the purchase is free and instant.</p>`,
    submit: `<button type="submit" class="pay" id="checkout-submit" data-testid="checkout-submit"${submitDisabled ? " disabled" : ""}>${escapeHtml(submitText)}</button>`,
    back,
    error: null,
  });
  return scriptedPage(`Checkout: ${product.display_name}`, body, 200, { live, resume: false, blocked: submitDisabled, fullCode, returnUrl, now: data.now, prices: infos });
}

const CARD_FORM = `<section class="card" aria-label="Payment">
<h2>Card details</h2>
<p class="muted">Use a test card: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, 4000 0027 6000 3184 asks for 3-D Secure. Any future expiry and any CVC.</p>
<label>Card number <input class="field" id="checkout-card-number" data-testid="checkout-card-number" name="cardnumber" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" maxlength="23"></label>
<div class="row">
<label>Expiry <input class="field" id="checkout-card-expiry" data-testid="checkout-card-expiry" name="exp-date" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" maxlength="9"></label>
<label>CVC <input class="field" id="checkout-card-cvc" data-testid="checkout-card-cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" maxlength="4"></label>
</div>
<label>Name on card <input class="field" id="checkout-card-name" data-testid="checkout-card-name" name="ccname" autocomplete="cc-name" maxlength="200"></label>
</section>`;

/** The page's parts around the summary: payment fields, "Pay", the 3-D Secure step, messages, back link. */
function checkoutBody(parts: { summary: string; payment: string; submit: string; back: string; error: string | null }): string {
  return `<form id="checkout-form" novalidate${parts.error === null ? "" : " hidden"}>
${parts.summary}
${parts.payment}
<p>${parts.submit}</p>
</form>
<section class="card three-ds" id="checkout-3ds" data-testid="checkout-3ds" hidden>
<h2>Authenticate this payment</h2>
<p>Your bank asks you to confirm this payment (3-D Secure test: choose the outcome).</p>
<div class="buttons"><button type="button" id="checkout-3ds-approve" data-testid="checkout-3ds-approve">Complete authentication</button>
<button type="button" class="secondary" id="checkout-3ds-fail" data-testid="checkout-3ds-fail">Fail authentication</button></div>
</section>
${parts.error === null ? "" : "<h1 id=\"checkout-unavailable\">Checkout unavailable</h1>\n"}<p class="error" id="checkout-error" data-testid="checkout-error" role="alert"${parts.error === null ? " hidden" : ""}>${escapeHtml(parts.error ?? "")}</p>
<p class="success" id="checkout-success" data-testid="checkout-success" role="status" hidden></p>
${parts.back}`;
}

interface ScriptConfig {
  live: boolean;
  /** The page of a code already used: it shows the payment this tab started, if it started one. */
  resume: boolean;
  /** Nothing can be bought here (no price; live mode before the project's payments onboarding). */
  blocked: boolean;
  fullCode: string;
  returnUrl: string | null;
  now: number;
  prices: Record<string, PriceInfo>;
}

function scriptedPage(title: string, body: string, status: number, config: ScriptConfig): Response {
  const endpoints = {
    testMode: `${API}/internal/payments/test-mode-purchase-session`,
    session: `${API}/payments/purchases/purchase-session`,
    read: `${API}/internal/emulator/provider/payment-intents`,
    confirm: `${API}/internal/emulator/provider/payment-intents/confirm`,
    authenticate: `${API}/internal/emulator/provider/payment-intents/authenticate`,
  };
  const nonce = crypto.randomUUID().replace(/-/g, "");
  return page(title, `${body}\n<script nonce="${nonce}">\nvar CHECKOUT = ${scriptJson({ ...config, endpoints })};\n${CLIENT_SCRIPT}</script>`, status, nonce);
}

/**
 * The answer for a code that is unknown, expired or used: a 404 error page. The purchase code is
 * used up when the payment starts, so a reload in the middle of a card payment (after a declined
 * card, at the 3-D Secure step) lands here; the tab that started the payment kept its client
 * secret, and the page's script shows that payment again to finish it.
 */
function resumablePage(fullCode: string, now: number): Response {
  const summary = `<section class="card" aria-label="Order summary">
<h2>Order summary</h2>
<h1 id="checkout-product-name" data-testid="checkout-product-name"></h1>
<p id="checkout-quantity-fixed" data-testid="checkout-quantity-fixed"></p>
<div class="total"><span>Total</span><span id="checkout-total" data-testid="checkout-total"></span></div>
</section>`;
  const body = checkoutBody({
    summary,
    payment: CARD_FORM,
    submit: `<button type="submit" class="pay" id="checkout-submit" data-testid="checkout-submit" disabled>Pay</button>`,
    back: `<p><a class="back" id="checkout-back" data-testid="checkout-back" hidden>← Back to the app</a></p>`,
    error: "This checkout link is invalid, has expired or has already been used.",
  });
  return scriptedPage("Checkout unavailable", body, 404, { live: true, resume: true, blocked: false, fullCode, returnUrl: null, now, prices: {} });
}

/**
 * The page's behaviour. Plain ES5-style JavaScript so any browser runs it as is. The payment is
 * started at most once per page (its client secret kept for the next tries), "Pay" is disabled
 * while a request is out, and card input is checked here before anything is sent, so a typo never
 * starts a payment.
 */
const CLIENT_SCRIPT = `(function () {
  var $ = function (id) { return document.getElementById(id); };
  var form = $("checkout-form"), submit = $("checkout-submit"), error = $("checkout-error"), success = $("checkout-success");
  var qty = $("checkout-quantity"), qtyError = $("checkout-quantity-error"), total = $("checkout-total"), threeDs = $("checkout-3ds");
  var busy = false;
  var clientSecret = null;
  var NO_USD = "This price has no USD amount; only USD prices can be paid by card.";

  function formatAmount(currency, cents) {
    var whole = String(Math.floor(cents / 100)).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ",");
    var text = whole + "." + String(cents % 100).padStart(2, "0");
    return currency === "USD" ? "$" + text : text + " " + currency;
  }
  function chosenPriceId() {
    var chosen = form.querySelector('input[name="price"]:checked');
    return chosen ? chosen.value : "";
  }
  // The quantity as a whole number, or an error message naming what is wrong with it.
  function readQuantity(info) {
    if (!qty) return { value: 1 };
    var raw = String(qty.value).trim();
    if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) return { error: "Quantity must be a whole number of at least 1." };
    var n = Number(raw);
    if (info && n > info.maxQuantity) return { error: "Quantity can be at most " + info.maxQuantity.toLocaleString("en-US") + (info.currency === "USD" ? " (the largest card payment is $999,999.99)." : ".") };
    return { value: n };
  }
  // What this tab needs to show its payment again after a reload: the purchase code is used up by then.
  var STORE_KEY = "stack-payments-emulator:checkout:" + CHECKOUT.fullCode;
  function remember() {
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify({ clientSecret: clientSecret, returnUrl: CHECKOUT.returnUrl })); } catch (e) {}
  }
  function forget() {
    try { sessionStorage.removeItem(STORE_KEY); } catch (e) {}
  }
  function refresh() {
    if (CHECKOUT.resume) { submit.disabled = busy || clientSecret === null; return; }
    var info = CHECKOUT.prices[chosenPriceId()];
    if (qty && info) qty.max = String(info.maxQuantity);
    var q = readQuantity(info);
    if (qtyError) { qtyError.hidden = !q.error; qtyError.textContent = q.error || ""; }
    var text = info && info.currency && q.value ? formatAmount(info.currency, info.unitCents * q.value) : "—";
    total.textContent = text;
    if (CHECKOUT.live) submit.textContent = "Pay " + text;
    var noUsd = CHECKOUT.live && info && info.currency !== "USD";
    submit.disabled = CHECKOUT.blocked || busy || !info || Boolean(q.error) || noUsd;
    var label = $("checkout-total-label");
    if (label && info) label.textContent = info.recurring ? "Total due today" : "Total";
    if (noUsd) showError(NO_USD);
    else if (error.textContent === NO_USD) clearError();
  }
  function showError(message) { error.textContent = message; error.hidden = false; }
  function clearError() { error.hidden = true; error.textContent = ""; }
  function setBusy(value) {
    busy = value;
    refresh();
    var fields = form.querySelectorAll("input");
    // Once a payment exists its price and quantity are fixed; the card can still change.
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      var isCard = f.id.indexOf("checkout-card-") === 0;
      f.disabled = value || (!isCard && clientSecret !== null);
    }
  }
  // The message of any error answer: a known error ({ code, error }), Stripe's shape ({ error: { message } }) or text.
  function messageOf(text) {
    try {
      var json = JSON.parse(text);
      if (json && typeof json.error === "string") return json.error;
      if (json && json.error && typeof json.error.message === "string") return json.error.message;
    } catch (e) {}
    return text || "The request failed.";
  }
  function post(url, body) {
    return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(function (res) {
      return res.text().then(function (text) {
        if (!res.ok) throw new Error(messageOf(text));
        return JSON.parse(text);
      });
    });
  }
  function done(message) {
    forget();
    form.hidden = true;
    threeDs.hidden = true;
    success.textContent = message;
    success.hidden = false;
    if (CHECKOUT.returnUrl) window.location.assign(CHECKOUT.returnUrl);
  }

  // ---- card checks, as the provider makes them (so bad input never starts a payment) ----
  function luhn(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }
  function readCard() {
    var number = $("checkout-card-number").value.replace(/[\\s-]/g, "");
    if (number === "") return { error: "Enter your card number." };
    if (!/^[0-9]{13,19}$/.test(number)) return { error: "Your card number is invalid: it must be 13 to 19 digits." };
    if (!luhn(number)) return { error: "Your card number is incorrect." };
    var expiry = $("checkout-card-expiry").value.trim();
    var m = /^(\\d{1,2})\\s*\\/\\s*(\\d{2}|\\d{4})$/.exec(expiry);
    if (!m) return { error: "Enter the expiry date as MM / YY." };
    var month = Number(m[1]), year = Number(m[2]);
    if (month < 1 || month > 12) return { error: "Your card's expiration month is invalid." };
    if (year < 100) year += 2000;
    var now = new Date(CHECKOUT.now);
    if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1)) return { error: "Your card's expiration date is in the past." };
    var cvc = $("checkout-card-cvc").value.trim();
    var amex = /^3[47]/.test(number);
    if (!(amex ? /^[0-9]{4}$/ : /^[0-9]{3}$/).test(cvc)) return { error: "Your card's security code is invalid: it must be " + (amex ? "4" : "3") + " digits." };
    var name = $("checkout-card-name").value.trim();
    var card = { number: number, exp_month: month, exp_year: year, cvc: cvc };
    if (name !== "") card.name = name;
    return { card: card };
  }

  // ---- the payment's answers ----
  function handlePayment(payment) {
    if (payment.status === "succeeded") return done("Payment complete: " + payment.amount_formatted + " paid.");
    if (payment.status === "requires_action") {
      threeDs.hidden = false;
      $("checkout-3ds-approve").focus();
      return;
    }
    threeDs.hidden = true;
    if (payment.status === "canceled") {
      showError("This payment was canceled. Start a new checkout from the app.");
      busy = true;
      submit.disabled = true;
      return;
    }
    setBusy(false);
    var failure = payment.last_payment_error;
    if (failure) showError(failure.message + " Try another card.");
  }
  function payLive(quantity) {
    var read = readCard();
    if (read.error) { showError(read.error); return; }
    setBusy(true);
    var started = clientSecret !== null
      ? Promise.resolve(clientSecret)
      : post(CHECKOUT.endpoints.session, { full_code: CHECKOUT.fullCode, price_id: chosenPriceId(), quantity: quantity }).then(function (r) {
          clientSecret = r.client_secret;
          remember();
          return clientSecret;
        });
    started
      .then(function (secret) { return post(CHECKOUT.endpoints.confirm, { client_secret: secret, card: read.card }); })
      .then(handlePayment)
      .catch(function (e) { setBusy(false); showError(e && e.message ? e.message : String(e)); });
  }
  function answer3ds(outcome) {
    if (threeDs.hidden || clientSecret === null) return;
    $("checkout-3ds-approve").disabled = true;
    $("checkout-3ds-fail").disabled = true;
    post(CHECKOUT.endpoints.authenticate, { client_secret: clientSecret, outcome: outcome })
      .then(handlePayment)
      .catch(function (e) { setBusy(false); threeDs.hidden = true; showError(e && e.message ? e.message : String(e)); })
      .then(function () { $("checkout-3ds-approve").disabled = false; $("checkout-3ds-fail").disabled = false; });
  }
  function payTestMode(quantity) {
    setBusy(true);
    post(CHECKOUT.endpoints.testMode, { full_code: CHECKOUT.fullCode, price_id: chosenPriceId(), quantity: quantity })
      .then(function () { done("Purchase complete. You can close this page."); })
      .catch(function (e) { setBusy(false); showError(e && e.message ? e.message : String(e)); });
  }

  form.addEventListener("input", function (event) { if (event.target.name === "price" || event.target === qty) refresh(); });
  form.addEventListener("change", refresh);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // A second click while the first is out does nothing (the button is disabled too).
    if (busy) return;
    clearError();
    if (CHECKOUT.resume) { if (clientSecret !== null) payLive(1); return; }
    var info = CHECKOUT.prices[chosenPriceId()];
    var q = readQuantity(info);
    if (!info || q.error) { showError(q.error || "Choose a price."); return; }
    if (CHECKOUT.live) payLive(q.value);
    else payTestMode(q.value);
  });
  $("checkout-3ds-approve").addEventListener("click", function () { answer3ds("approve"); });
  $("checkout-3ds-fail").addEventListener("click", function () { answer3ds("fail"); });
  // A used code: show the payment this tab started, if any (the error message stays otherwise).
  function resume() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null"); } catch (e) {}
    if (!saved || typeof saved.clientSecret !== "string") return;
    fetch(CHECKOUT.endpoints.read + "?client_secret=" + encodeURIComponent(saved.clientSecret))
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (payment) {
        if (!payment) return;
        clientSecret = saved.clientSecret;
        CHECKOUT.returnUrl = typeof saved.returnUrl === "string" ? saved.returnUrl : null;
        var back = $("checkout-back");
        if (CHECKOUT.returnUrl) { back.href = CHECKOUT.returnUrl; back.hidden = false; }
        $("checkout-unavailable").hidden = true;
        $("checkout-product-name").textContent = payment.purchase ? payment.purchase.product_display_name : "";
        $("checkout-quantity-fixed").textContent = payment.purchase && payment.purchase.quantity > 1 ? "Quantity: " + payment.purchase.quantity : "";
        total.textContent = payment.amount_formatted;
        submit.textContent = "Pay " + payment.amount_formatted;
        document.title = "Checkout: " + (payment.purchase ? payment.purchase.product_display_name : "");
        clearError();
        form.hidden = false;
        setBusy(true);
        handlePayment(payment);
      })
      .catch(function () {});
  }
  if (CHECKOUT.resume) resume();
  else refresh();
})();
`;
