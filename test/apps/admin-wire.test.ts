/**
 * Wire shape of every `StackAdminApp` payments call, asserted with msw: each call compared with
 * the official SDK's admin app (`@stackframe/js` 2.8.108) in order (method, path, query, body)
 * and in result; our headers (admin access type and both keys, which no hook can change); the
 * answers the admin app turns into null; bad arguments refused before anything is sent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HttpResponse } from "msw";
import { StackAdminApp as OfficialAdminApp } from "@stackframe/js";
import { createWireRecorder, type SeenRequest } from "../fixtures/wire-recorder.js";
import { StackAdminApp, isStackPaymentsError } from "../../src/server.js";
import { knownErrorBody, type KnownErrorCode } from "../../src/core/known-errors.js";

const BASE = "http://admin-wire.test";
const PID = "11111111-2222-4333-8444-555555555555";
const UID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const TID = "99999999-8888-4777-8666-555555555555";

const wire = createWireRecorder(BASE);
beforeAll(() => wire.server.listen({ onUnhandledRequest: "error" }));
afterEach(() => wire.reset());
afterAll(() => wire.server.close());

const product = {
  display_name: "Premium",
  customer_type: "user",
  stackable: false,
  server_only: false,
  included_items: { credits: { quantity: 50, repeat: "never", expires: "never" } },
  client_metadata: null,
  client_read_only_metadata: null,
  server_metadata: null,
  prices: { once: { USD: "10" } },
};
const base = { adjusted_transaction_id: null, adjusted_entry_index: null };
/** A page with every entry type, as 2.8.108's API sends it. */
const transactionsPage = {
  transactions: [
    {
      id: "otp_1",
      created_at_millis: 1700000000000,
      effective_at_millis: 1700000000000,
      type: "purchase",
      customer_type: "user",
      customer_id: UID,
      entries: [
        { type: "product_grant", ...base, customer_type: "user", customer_id: UID, product_id: "prod_premium", product, price_id: "once", quantity: 1, one_time_purchase_id: "otp_1" },
        { type: "money_transfer", ...base, customer_type: "user", customer_id: UID, charged_amount: { USD: "10" }, net_amount: { USD: "10" } },
        { type: "item_quantity_change", ...base, customer_type: "user", customer_id: UID, item_id: "credits", quantity: 50 },
      ],
      adjusted_by: [{ transaction_id: "otp_1:refund", entry_index: 0 }],
      test_mode: false,
    },
    {
      id: "otp_1:refund",
      created_at_millis: 1700000001000,
      effective_at_millis: 1700000001000,
      type: "refund",
      customer_type: "user",
      customer_id: UID,
      entries: [
        { type: "product_revocation", adjusted_transaction_id: "otp_1", adjusted_entry_index: 0, quantity: 1 },
        { type: "money_transfer", ...base, customer_type: "user", customer_id: UID, charged_amount: { USD: "-10" }, net_amount: { USD: "-10" } },
        { type: "product_revocation_reversal", adjusted_transaction_id: "otp_1:refund", adjusted_entry_index: 0, quantity: 0 },
      ],
      adjusted_by: [],
      test_mode: false,
    },
  ],
  next_cursor: "eyJvIjoyfQ",
};
const adminProject = {
  id: PID,
  display_name: "Acme",
  description: "Our app",
  created_at_millis: 1700000000000,
  is_production_mode: false,
  owner_team_id: null,
  onboarding_status: "completed",
  logo_url: null,
  config: {
    allow_localhost: true,
    client_team_creation_enabled: false,
    client_user_deletion_enabled: false,
    sign_up_enabled: true,
    oauth_account_merge_strategy: "link_method",
    create_team_on_sign_up: false,
    credential_enabled: true,
    magic_link_enabled: false,
    passkey_enabled: false,
    oauth_providers: [],
    enabled_oauth_providers: [],
    domains: [],
    email_config: { type: "shared" },
    email_theme: "1df07ae6-abf3-4a40-83a5-a1a2cbe336ac",
    team_creator_default_permissions: [],
    team_member_default_permissions: [],
    user_default_permissions: [],
    allow_user_api_keys: false,
    allow_team_api_keys: false,
  },
};
const renderedConfig = { payments: { testMode: true, blockNewPurchases: false, items: { credits: { displayName: "Credits", customerType: "user" } } }, auth: { allowSignUp: true } };
const methodConfigs = {
  config_id: "pmc_1",
  methods: [
    { id: "card", name: "Credit/Debit Card", enabled: true, available: true, overridable: true },
    { id: "ideal", name: "iDEAL", enabled: false, available: false, overridable: true },
  ],
};
const accountInfo = { account_id: "acct_1", charges_enabled: true, details_submitted: true, payouts_enabled: true };

/** Known error answers in both header families (the official SDK reads `x-hexclave-*`). */
function knownError(code: KnownErrorCode, details?: Record<string, unknown>) {
  const e = knownErrorBody(code, details);
  return HttpResponse.json(e.body, {
    headers: { "x-stack-actual-status": String(e.status), "x-stack-known-error": code, "x-hexclave-actual-status": String(e.status), "x-hexclave-known-error": code },
  });
}

/** One answer for every admin route both SDKs call; `noAccount` answers as a project before payments setup. */
function answerAdmin(options: { noAccount?: boolean } = {}) {
  return (req: Request): Response => {
    const path = new URL(req.url).pathname.replace(/^\/api\/v1/, "");
    const key = `${req.method} ${path}`;
    if (key === "GET /internal/payments/transactions") return HttpResponse.json(transactionsPage);
    if (key === "POST /internal/payments/transactions/refund") return HttpResponse.json({ success: true, refund_transaction_id: "otp_1:refund" });
    if (path.endsWith("/update-quantity")) return HttpResponse.json({});
    if (key === "POST /internal/payments/setup") return HttpResponse.json({ url: "https://connect.test/onboarding/acct_1" });
    if (key === "GET /internal/payments/stripe/account-info") return options.noAccount ? knownError("STRIPE_ACCOUNT_INFO_NOT_FOUND") : HttpResponse.json(accountInfo);
    if (key === "GET /internal/payments/method-configs") return options.noAccount ? knownError("STRIPE_ACCOUNT_INFO_NOT_FOUND") : HttpResponse.json(methodConfigs);
    if (key === "PATCH /internal/payments/method-configs") return HttpResponse.json({ success: true });
    if (key === "POST /internal/payments/stripe-widgets/account-session") return HttpResponse.json({ client_secret: "accs_secret_1" });
    if (key === "GET /internal/projects/current") return HttpResponse.json(adminProject);
    if (key === "GET /internal/config") return HttpResponse.json({ config_string: JSON.stringify(renderedConfig) });
    if (key === "GET /internal/config/override/environment") return HttpResponse.json({ config_string: JSON.stringify({ "payments.testMode": true }) });
    if (key === "PATCH /internal/config/override/environment") return HttpResponse.json({ success: true });
    if (key === "POST /internal/config/override/environment/reset-keys") return HttpResponse.json({ success: true });
    return new HttpResponse(`no route ${key}`, { status: 500 });
  };
}

/** What both admin apps share, typed loosely so one scenario drives either. */
interface SharedAdminApp {
  listTransactions(options?: object): Promise<unknown>;
  refundTransaction(options: object): Promise<unknown>;
  createItemQuantityChange(options: object): Promise<unknown>;
  setupPayments(): Promise<unknown>;
  getStripeAccountInfo(): Promise<unknown>;
  getPaymentMethodConfigs(): Promise<unknown>;
  updatePaymentMethodConfigs(configId: string, updates: object): Promise<unknown>;
  createStripeWidgetAccountSession(): Promise<unknown>;
  getProject(): Promise<{
    id: string;
    displayName: string;
    createdAt: Date;
    getConfig(): Promise<unknown>;
    updateConfig(o: object): Promise<void>;
    getConfigOverride(level: string): Promise<unknown>;
    resetConfigOverrideKeys(level: string, keys: string[]): Promise<void>;
  }>;
}

type Sdk = "ours" | "official";
const common = { baseUrl: BASE, projectId: PID, publishableClientKey: "pck_wire", secretServerKey: "ssk_wire", superSecretAdminKey: "sak_wire" };
const adminApp = (sdk: Sdk): SharedAdminApp =>
  sdk === "ours"
    ? (new StackAdminApp({ ...common, tokenStore: null, retry: false }) as unknown as SharedAdminApp)
    : (new OfficialAdminApp({ ...common, tokenStore: null, noAutomaticPrefetch: true } as never) as unknown as SharedAdminApp);

const callOf = (s: SeenRequest) => ({ method: s.method, path: s.path, query: s.query, body: s.body });
const plain = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

async function runBoth(scenario: (app: SharedAdminApp) => Promise<unknown>, answer = answerAdmin()) {
  const out = {} as Record<Sdk, { calls: ReturnType<typeof callOf>[]; result: unknown }>;
  for (const sdk of ["official", "ours"] as const) {
    wire.reset();
    wire.answer = answer;
    const result = await scenario(adminApp(sdk));
    out[sdk] = { calls: wire.seen.map(callOf), result: plain(result) };
  }
  return out;
}

const scenarios: Array<[string, (app: SharedAdminApp) => Promise<unknown>, ReturnType<typeof answerAdmin>?]> = [
  [
    "listTransactions: no filter, every filter, and a next page",
    // (The official SDK needs the options object; ours also takes none.)
    async (app) => [
      await app.listTransactions({}),
      await app.listTransactions({ cursor: "eyJvIjoyfQ", limit: 5, type: "purchase", customerType: "user", customerId: UID }),
      await app.listTransactions({ type: "manual-item-quantity-change", customerType: "custom", customerId: "acme corp/eu" }),
      await app.listTransactions({ limit: 200 }),
    ],
  ],
  [
    "refundTransaction: a one-time purchase, and a subscription's invoice with an end action",
    async (app) => [
      await app.refundTransaction({ type: "one-time-purchase", id: "otp_1", amountUsd: "10" }),
      await app.refundTransaction({ type: "subscription", id: "sub_1", invoiceId: "in_1", amountUsd: "9.99", endAction: "at-period-end" }),
      await app.refundTransaction({ type: "subscription", id: "sub_2", amountUsd: "0", endAction: "now" }),
    ],
  ],
  [
    "createItemQuantityChange: each customer type, with and without expiry and description",
    async (app) => [
      await app.createItemQuantityChange({ userId: UID, itemId: "credits", quantity: 100, expiresAt: "2030-01-01T00:00:00.000Z", description: "Goodwill" }),
      await app.createItemQuantityChange({ teamId: TID, itemId: "seats", quantity: -2 }),
      await app.createItemQuantityChange({ customCustomerId: "acme", itemId: "api_calls", quantity: 0, description: "" }),
    ],
  ],
  [
    "payments setup, Stripe account, payment methods and the widget session",
    async (app) => [
      await app.setupPayments(),
      await app.getStripeAccountInfo(),
      await app.getPaymentMethodConfigs(),
      await app.updatePaymentMethodConfigs("pmc_1", { card: "on", link: "off" }),
      await app.updatePaymentMethodConfigs("pmc_1", {}),
      await app.createStripeWidgetAccountSession(),
    ],
  ],
  [
    "before payments setup: no Stripe account reads as null",
    async (app) => [await app.getStripeAccountInfo(), await app.getPaymentMethodConfigs()],
    answerAdmin({ noAccount: true }),
  ],
  [
    "getProject, its config, and the environment override",
    async (app) => {
      const project = await app.getProject();
      const results: unknown[] = [project.id, project.displayName, project.createdAt.getTime()];
      results.push(await project.getConfig());
      await project.updateConfig({ "payments.testMode": false, "payments.items.credits": { displayName: "Credits", customerType: "user" } });
      await project.updateConfig({ payments: { blockNewPurchases: true } });
      results.push(await project.getConfigOverride("environment"));
      await project.resetConfigOverrideKeys("environment", ["payments.testMode"]);
      return results;
    },
  ],
];

describe("admin payments calls match the official SDK's, in order", () => {
  it.each(scenarios)("%s", async (_, scenario, answer) => {
    const { ours, official } = await runBoth(scenario, answer);
    expect(official.calls.length).toBeGreaterThan(0);
    expect(ours.calls).toEqual(official.calls);
    expect(ours.result).toEqual(official.result);
  });

  it("the app-level config shortcuts send what the project's methods send", async () => {
    wire.answer = answerAdmin();
    const app = new StackAdminApp({ ...common, tokenStore: null, retry: false });
    const project = await app.getProject();
    wire.reset();
    wire.answer = answerAdmin();
    expect(await project.getConfig()).toEqual(await app.getProjectConfig());
    await project.updateConfig({ "payments.blockNewPurchases": true });
    await app.updateProjectConfig({ "payments.blockNewPurchases": true });
    const calls = wire.seen.map(callOf);
    expect(calls[0]).toEqual(calls[1]);
    expect(calls[2]).toEqual(calls[3]);
    expect(calls[2]).toEqual({ method: "PATCH", path: "/api/v1/internal/config/override/environment", query: {}, body: { config_override_string: '{"payments.blockNewPurchases":true}' } });
  });
});

describe("admin headers", () => {
  it("admin calls carry the admin access type and both keys; server calls of the same app stay server calls", async () => {
    wire.answer = (req) =>
      new URL(req.url).pathname.startsWith("/api/v1/users/") ? knownError("USER_NOT_FOUND") : answerAdmin()(req);
    const app = new StackAdminApp({ ...common, tokenStore: null, retry: false, extraRequestHeaders: { "x-trace": "t1" } });
    await app.listTransactions();
    expect(await app.getUser(UID)).toBeNull();
    const [admin, server] = wire.seen;
    expect(admin!.headers).toMatchObject({
      "x-stack-access-type": "admin",
      "x-stack-project-id": PID,
      "x-stack-publishable-client-key": "pck_wire",
      "x-stack-secret-server-key": "ssk_wire",
      "x-stack-super-secret-admin-key": "sak_wire",
      "x-stack-override-error-status": "true",
      "x-trace": "t1",
    });
    expect(server!.headers).toMatchObject({ "x-stack-access-type": "server", "x-stack-secret-server-key": "ssk_wire", "x-trace": "t1" });
    expect(server!.headers).not.toHaveProperty("x-stack-super-secret-admin-key");
  });

  it("the keys given to the app win over extra headers of the same names", async () => {
    wire.answer = answerAdmin();
    const extra = { "x-stack-super-secret-admin-key": "from-extra", "x-stack-secret-server-key": "from-extra" };
    await new StackAdminApp({ ...common, tokenStore: null, retry: false, extraRequestHeaders: extra }).listTransactions();
    expect(wire.seen[0]!.headers).toMatchObject({ "x-stack-super-secret-admin-key": "sak_wire", "x-stack-secret-server-key": "ssk_wire" });
  });

  it("no hook can change or remove the admin key", async () => {
    wire.answer = answerAdmin();
    const app = new StackAdminApp({
      ...common,
      tokenStore: null,
      retry: false,
      hooks: {
        beforeRequest: [
          (request) => {
            request.headers.set("x-stack-super-secret-admin-key", "stolen");
            request.headers.delete("x-stack-secret-server-key");
          },
        ],
      },
    });
    await app.getStripeAccountInfo();
    expect(wire.seen[0]!.headers).toMatchObject({ "x-stack-super-secret-admin-key": "sak_wire", "x-stack-secret-server-key": "ssk_wire" });
  });

  it("writes carry an idempotency key, so a retried refund cannot apply twice", async () => {
    const app = new StackAdminApp({ ...common, tokenStore: null, retry: { attempts: 3, baseDelayMs: 1 } });
    // A first answer teaches the app that this server honours idempotency keys (the emulator does).
    wire.answer = () => HttpResponse.json(transactionsPage, { headers: { "x-stack-idempotency-supported": "true" } });
    await app.listTransactions();
    wire.reset();
    let attempts = 0;
    // The first attempt fails after reaching the server: only a repeat with the same key is safe.
    wire.answer = () => (++attempts === 1 ? new HttpResponse("upstream failed", { status: 503 }) : HttpResponse.json({ success: true, refund_transaction_id: "r_1" }));
    expect(await app.refundTransaction({ type: "one-time-purchase", id: "otp_1", amountUsd: "10" })).toEqual({ refundTransactionId: "r_1" });
    expect(wire.seen).toHaveLength(2);
    const keys = wire.seen.map((s) => s.headers["idempotency-key"]);
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
  });
});

describe("answers", () => {
  it("a refund answer without an id (servers before 2.8.108) gives a null id", async () => {
    wire.answer = () => HttpResponse.json({ success: true });
    const app = new StackAdminApp({ ...common, tokenStore: null, retry: false });
    expect(await app.refundTransaction({ type: "one-time-purchase", id: "otp_1", amountUsd: "1" })).toEqual({ refundTransactionId: null });
  });

  it("transactions are typed by entry type and checked: an unknown entry type is a validation error", async () => {
    const app = new StackAdminApp({ ...common, tokenStore: null, retry: false });
    wire.answer = answerAdmin();
    const { transactions, nextCursor } = await app.listTransactions();
    expect(nextCursor).toBe("eyJvIjoyfQ");
    const grant = transactions[0]!.entries[0]!;
    // The union narrows on `type`: these reads type-check only inside the branch.
    if (grant.type !== "product_grant") throw new Error("expected a product grant");
    expect([grant.product.display_name, grant.one_time_purchase_id, grant.quantity]).toEqual(["Premium", "otp_1", 1]);
    const transfer = transactions[1]!.entries[1]!;
    if (transfer.type !== "money_transfer") throw new Error("expected a money transfer");
    expect(transfer.net_amount.USD).toBe("-10");

    const bad = structuredClone(transactionsPage);
    (bad.transactions[0]!.entries[0] as { type: string }).type = "surprise";
    wire.answer = () => HttpResponse.json(bad);
    await expect(app.listTransactions()).rejects.toMatchObject({ code: "RESPONSE_VALIDATION_ERROR" });
  });

  it("a config_string that is not a JSON object is a validation error", async () => {
    const app = new StackAdminApp({ ...common, tokenStore: null, retry: false });
    wire.answer = () => HttpResponse.json({ config_string: "[1,2]" });
    await expect(app.getProjectConfig()).rejects.toMatchObject({ code: "RESPONSE_VALIDATION_ERROR" });
    wire.answer = () => HttpResponse.json({ config_string: "{nope" });
    await expect(app.getProjectConfig()).rejects.toMatchObject({ code: "RESPONSE_VALIDATION_ERROR" });
  });

  const errorCases: Array<[KnownErrorCode, Record<string, unknown> | undefined, (app: StackAdminApp) => Promise<unknown>]> = [
    ["INSUFFICIENT_ACCESS_TYPE", { actual_access_type: "server", allowed_access_types: ["admin"] }, (app) => app.listTransactions()],
    ["ADMIN_AUTHENTICATION_REQUIRED", undefined, (app) => app.setupPayments()],
    ["INVALID_SUPER_SECRET_ADMIN_KEY", { project_id: PID }, (app) => app.getProject()],
    ["TEST_MODE_PURCHASE_NON_REFUNDABLE", undefined, (app) => app.refundTransaction({ type: "one-time-purchase", id: "otp_1", amountUsd: "1" })],
    ["ONE_TIME_PURCHASE_NOT_FOUND", { one_time_purchase_id: "otp_x" }, (app) => app.refundTransaction({ type: "one-time-purchase", id: "otp_x", amountUsd: "1" })],
    ["SUBSCRIPTION_INVOICE_NOT_FOUND", { subscription_invoice_id: "sub_x" }, (app) => app.refundTransaction({ type: "subscription", id: "sub_x", amountUsd: "1" })],
    ["ITEM_NOT_FOUND", { item_id: "nope" }, (app) => app.createItemQuantityChange({ userId: UID, itemId: "nope", quantity: 1 })],
    ["SCHEMA_ERROR", { message: "Request validation failed on GET /api/v1/internal/payments/transactions:\n  - bad" }, (app) => app.listTransactions({ cursor: "x" })],
  ];
  it.each(errorCases)("known error %s keeps its code, status, message and details", async (code, details, call) => {
    const e = knownErrorBody(code, details);
    wire.answer = () => knownError(code, details);
    const error = await call(new StackAdminApp({ ...common, tokenStore: null, retry: false })).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isStackPaymentsError(error, code)).toBe(true);
    expect(error).toMatchObject({ code, status: e.status, message: e.body.error });
  });

  it("a plain-text refusal (no Stripe account for the widget session) keeps its status and text", async () => {
    wire.answer = () => new HttpResponse("Stripe account ID is not set", { status: 200, headers: { "x-stack-actual-status": "400", "content-type": "text/plain" } });
    const app = new StackAdminApp({ ...common, tokenStore: null, retry: false });
    await expect(app.createStripeWidgetAccountSession()).rejects.toMatchObject({ code: "HTTP_ERROR", status: 400, message: expect.stringContaining("Stripe account ID is not set") });
  });
});

describe("bad arguments are refused before anything is sent", () => {
  const app = () => new StackAdminApp({ ...common, tokenStore: null, retry: false });
  const cases: Array<[string, (a: StackAdminApp) => Promise<unknown>, string]> = [
    ["listTransactions: unknown option", (a) => a.listTransactions({ customer_type: "user" } as never), "customer_type"],
    ["listTransactions: unknown type", (a) => a.listTransactions({ type: "purchases" as never }), "type"],
    ["listTransactions: limit 0", (a) => a.listTransactions({ limit: 0 }), "limit"],
    ["listTransactions: limit 2.5", (a) => a.listTransactions({ limit: 2.5 }), "limit"],
    ["listTransactions: customer type", (a) => a.listTransactions({ customerType: "org" as never }), "customerType"],
    ["listTransactions: empty cursor", (a) => a.listTransactions({ cursor: "" }), "cursor"],
    ["refundTransaction: type", (a) => a.refundTransaction({ type: "purchase" as never, id: "x", amountUsd: "1" }), "type"],
    ["refundTransaction: amount as a number", (a) => a.refundTransaction({ type: "one-time-purchase", id: "x", amountUsd: 5 as never }), "amountUsd"],
    ["refundTransaction: amount with 3 decimals", (a) => a.refundTransaction({ type: "one-time-purchase", id: "x", amountUsd: "1.999" }), "amountUsd"],
    ["refundTransaction: negative amount", (a) => a.refundTransaction({ type: "one-time-purchase", id: "x", amountUsd: "-1" }), "amountUsd"],
    ["refundTransaction: end action", (a) => a.refundTransaction({ type: "subscription", id: "x", amountUsd: "1", endAction: "later" as never }), "endAction"],
    ["refundTransaction: refund_entries (the older body) is no option", (a) => a.refundTransaction({ type: "one-time-purchase", id: "x", amountUsd: "1", refund_entries: [] } as never), "refund_entries"],
    ["createItemQuantityChange: two customers", (a) => a.createItemQuantityChange({ userId: UID, teamId: TID, itemId: "credits", quantity: 1 } as never), "customer"],
    ["createItemQuantityChange: item id with a slash", (a) => a.createItemQuantityChange({ userId: UID, itemId: "a/b", quantity: 1 }), "itemId"],
    ["createItemQuantityChange: fractional quantity", (a) => a.createItemQuantityChange({ userId: UID, itemId: "credits", quantity: 1.5 }), "quantity"],
    ["createItemQuantityChange: expiry without a zone", (a) => a.createItemQuantityChange({ userId: UID, itemId: "credits", quantity: 1, expiresAt: "2030-01-01T00:00:00" }), "expiresAt"],
    ["createItemQuantityChange: invalid Date", (a) => a.createItemQuantityChange({ userId: UID, itemId: "credits", quantity: 1, expiresAt: new Date("nope") }), "expiresAt"],
    ["createItemQuantityChange: description", (a) => a.createItemQuantityChange({ userId: UID, itemId: "credits", quantity: 1, description: 5 as never }), "description"],
    ["updatePaymentMethodConfigs: unknown method", (a) => a.updatePaymentMethodConfigs("pmc_1", { paypal: "on" } as never), "updates.paypal"],
    ["updatePaymentMethodConfigs: bad value", (a) => a.updatePaymentMethodConfigs("pmc_1", { card: "enabled" as never }), "updates.card"],
    ["updatePaymentMethodConfigs: no config id", (a) => a.updatePaymentMethodConfigs("", { card: "on" }), "configId"],
    ["updateProjectConfig: not an object", (a) => a.updateProjectConfig([] as never), "override"],
    ["updateProjectConfig: empty path segment", (a) => a.updateProjectConfig({ "payments..testMode": true }), 'override["payments..testMode"]'],
    ["updateProjectConfig: test mode not a boolean", (a) => a.updateProjectConfig({ "payments.testMode": "no" as never }), "payments.testMode"],
  ];
  it.each(cases)("%s", async (_, call, argument) => {
    wire.answer = answerAdmin();
    await expect(call(app())).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument } });
    expect(wire.seen).toHaveLength(0);
  });

  it("a Date expiry is sent as an ISO date-time", async () => {
    wire.answer = answerAdmin();
    await app().createItemQuantityChange({ userId: UID, itemId: "credits", quantity: 3, expiresAt: new Date(Date.UTC(2031, 0, 2)) });
    expect(wire.seen[0]!.body).toEqual({ delta: 3, expires_at: "2031-01-02T00:00:00.000Z" });
  });
});
