/**
 * StackAdminApp against the real emulator, in process: manual quantity changes with an expiry
 * (honoured by the ledger as the test clock moves) and a description, the transactions listing and
 * its pages, payments setup and settings, the project's config, and switching a project out of
 * test mode.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackAdminApp, StackServerApp, isStackPaymentsError } from "../../src/server.js";
import type { EmulatorProject } from "../../src/emulator/defaults.js";
import { BASE_URL, setupEmulator } from "../fixtures/emulator-app.js";

const HOUR = 60 * 60 * 1000;
const env = setupEmulator();
const server = env.serverApp();
const adminFor = (project: EmulatorProject = env.emulator.project) =>
  new StackAdminApp({
    baseUrl: BASE_URL,
    projectId: project.id,
    publishableClientKey: project.publishableClientKey,
    secretServerKey: project.secretServerKey,
    superSecretAdminKey: project.superSecretAdminKey,
    tokenStore: null,
    fetch: env.fetch,
    retry: { attempts: 2, baseDelayMs: 1 },
  });
const admin = adminFor();

beforeAll(async () => {
  await env.emulator.ready;
});
afterAll(async () => {
  await env.emulator.close();
});

/** Moves the project's test clock forward (the emulator's clock route). */
async function advanceClock(millis: number): Promise<number> {
  const p = env.emulator.project;
  const res = await env.fetch(`${BASE_URL}/api/v1/internal/emulator/clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-stack-access-type": "server", "x-stack-project-id": p.id, "x-stack-secret-server-key": p.secretServerKey },
    body: JSON.stringify({ advance_millis: millis }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { now_millis: number }).now_millis;
}

async function emulatorNow(): Promise<number> {
  return advanceClock(1);
}

const credits = async (userId: string) => (await server.getItem({ userId, itemId: "credits" })).quantity;

describe("manual item quantity changes", () => {
  it("an expiring grant counts until the test clock passes its expiry; the description is kept", async () => {
    const user = await server.createUser({});
    const now = await emulatorNow();
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 100, expiresAt: new Date(now + HOUR).toISOString(), description: "Launch-week goodwill" });
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 5 });
    expect(await credits(user.id)).toBe(105);
    await advanceClock(HOUR / 2);
    expect(await credits(user.id)).toBe(105);
    await advanceClock(HOUR);
    expect(await credits(user.id)).toBe(5);
    // No wire field carries the description; the emulator keeps it with the change for its
    // transactions listing and dashboard.
    const rows = await env.emulator.db.query<{ delta: number; description: string | null }>(
      "SELECT delta, description FROM payments_item_changes WHERE project_id = $1 AND customer_id = $2 ORDER BY id",
      [env.emulator.project.id, user.id],
    );
    expect(rows.map((r) => [Number(r.delta), r.description])).toEqual([
      [100, "Launch-week goodwill"],
      [5, null],
    ]);
  });

  it("spending takes from the grant that expires first; an expiry already past counts as nothing; removals may go negative", async () => {
    const user = await server.createUser({});
    const now = await emulatorNow();
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 10, expiresAt: new Date(now + HOUR) });
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 5 });
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 50, expiresAt: "2000-01-01T00:00:00Z" });
    expect(await credits(user.id)).toBe(15);
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: -12, description: "Usage" });
    expect(await credits(user.id)).toBe(3);
    await advanceClock(2 * HOUR);
    // The 10 expiring credits were spent first, so their expiry takes nothing away.
    expect(await credits(user.id)).toBe(3);
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: -8 });
    expect(await credits(user.id)).toBe(-5);
  });

  it("any customer type; the emulator's errors for an unknown item or a wrong customer type", async () => {
    await admin.createItemQuantityChange({ customCustomerId: "acme corp", itemId: "api_calls", quantity: 7 });
    expect((await server.getItem({ customCustomerId: "acme corp", itemId: "api_calls" })).quantity).toBe(7);
    const team = await server.createTeam({ displayName: "Acme" });
    await admin.createItemQuantityChange({ teamId: team.id, itemId: "team_credits", quantity: 3 });
    expect((await server.getItem({ teamId: team.id, itemId: "team_credits" })).quantity).toBe(3);
    const user = await server.createUser({});
    await expect(admin.createItemQuantityChange({ userId: user.id, itemId: "nope", quantity: 1 })).rejects.toMatchObject({ code: "ITEM_NOT_FOUND" });
    await expect(admin.createItemQuantityChange({ teamId: team.id, itemId: "credits", quantity: 1 })).rejects.toMatchObject({ code: "ITEM_CUSTOMER_TYPE_DOES_NOT_MATCH" });
    expect(await credits(user.id)).toBe(0);
  });

  it("tells the app's live bus that the item changed, so readers re-read it", async () => {
    const user = await server.createUser({});
    const seen: unknown[] = [];
    const off = admin.live.subscribe(`item:user:${user.id}:credits`, (value) => seen.push(value));
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 2 });
    off();
    expect(seen).toEqual([undefined]);
  });
});

describe("transactions", () => {
  it("lists manual changes and purchases, newest first, filtered, in pages that cover everything once", async () => {
    const user = await server.createUser({});
    for (const quantity of [1, 2, 3]) await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity });
    await server.grantProduct({ userId: user.id, productId: "prod_starter" });

    const manual = await admin.listTransactions({ type: "manual-item-quantity-change", customerType: "user", limit: 200 });
    const mine = manual.transactions.filter((t) => t.entries.some((e) => e.type === "item_quantity_change" && e.customer_id === user.id));
    expect(mine.map((t) => t.entries[0]!.type === "item_quantity_change" && t.entries[0]!.quantity)).toEqual([3, 2, 1]);
    expect(mine.every((t) => t.type === "manual-item-quantity-change")).toBe(true);

    const purchases = await admin.listTransactions({ type: "purchase", limit: 200 });
    const grant = purchases.transactions.flatMap((t) => t.entries).find((e) => e.type === "product_grant" && e.customer_id === user.id);
    expect(grant).toMatchObject({ type: "product_grant", product_id: "prod_starter", quantity: 1, product: { display_name: "Starter" } });

    const all = await admin.listTransactions({ limit: 200 });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.listTransactions({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.transactions.length).toBeLessThanOrEqual(2);
      ids.push(...page.transactions.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(ids).toEqual(all.transactions.map((t) => t.id));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("payments setup and settings", () => {
  let bare: EmulatorProject;
  beforeAll(async () => {
    bare = await env.emulator.createProject({ payments: "not-set-up" });
  });
  afterAll(async () => {
    await env.emulator.deleteProject(bare.id);
  });

  it("a project before setup has no account and no payment methods; setup creates the account, onboarding completes it", async () => {
    const app = adminFor(bare);
    expect(await app.getStripeAccountInfo()).toBeNull();
    expect(await app.getPaymentMethodConfigs()).toBeNull();
    await expect(app.createStripeWidgetAccountSession()).rejects.toMatchObject({ code: "HTTP_ERROR", status: 400, message: expect.stringContaining("Stripe account ID is not set") });
    const { url } = await app.setupPayments();
    expect(url).toMatch(/\/stripe-onboarding\/acct_/);
    const info = await app.getStripeAccountInfo();
    expect(info).toMatchObject({ charges_enabled: false, details_submitted: false, payouts_enabled: false });
    // A second call continues the same account's onboarding.
    expect((await app.setupPayments()).url).toBe(url);
    const onboarding = await env.fetch(url, { method: "POST" });
    expect(onboarding.status).toBe(200);
    expect(await app.getStripeAccountInfo()).toEqual({ ...info, charges_enabled: true, details_submitted: true, payouts_enabled: true });
    expect((await app.createStripeWidgetAccountSession()).client_secret).toMatch(/^accs_secret__/);
  });

  it("payment methods: read, turn off and on, refused before sending when unknown", async () => {
    const configs = await admin.getPaymentMethodConfigs();
    expect(configs!.methods.find((m) => m.id === "link")).toMatchObject({ name: "Link", enabled: true, available: true });
    await admin.updatePaymentMethodConfigs(configs!.configId, { link: "off", cashapp: "on" });
    const after = await admin.getPaymentMethodConfigs();
    expect(after!.methods.filter((m) => m.id === "link" || m.id === "cashapp").map((m) => [m.id, m.enabled])).toEqual([
      ["cashapp", true],
      ["link", false],
    ]);
    await admin.updatePaymentMethodConfigs(configs!.configId, { link: "on", cashapp: "off" });
    expect(await admin.getPaymentMethodConfigs()).toEqual(configs);
    await expect(admin.updatePaymentMethodConfigs("pmc_other", { link: "off" })).rejects.toMatchObject({ code: "HTTP_ERROR", status: 404 });
  });
});

describe("project and config", () => {
  it("getProject: the project's fields; getConfig renders the payments config with its defaults", async () => {
    const project = await admin.getProject();
    expect(project).toMatchObject({ id: env.emulator.project.id, displayName: "Test project", isProductionMode: false });
    expect(project.createdAt).toBeInstanceOf(Date);
    const config = await project.getConfig();
    expect(config.payments).toMatchObject({ testMode: true, blockNewPurchases: false, items: { credits: { displayName: "Credits", customerType: "user" } } });
    expect(await admin.getProjectConfig()).toEqual(config);
  });

  it("updateConfig merges dotted paths into the environment override; a refused config changes nothing", async () => {
    const project = await admin.getProject();
    await project.updateConfig({ "payments.items.gems": { displayName: "Gems", customerType: "user" } });
    const user = await server.createUser({});
    await admin.createItemQuantityChange({ userId: user.id, itemId: "gems", quantity: 4 });
    expect((await server.getItem({ userId: user.id, itemId: "gems" })).quantity).toBe(4);
    expect((await project.getConfigOverride("environment"))["payments.items.gems"]).toEqual({ displayName: "Gems", customerType: "user" });

    const before = await project.getConfig();
    const refused = await project.updateConfig({ "payments.products.bad": { customerType: "user", productLineId: "missing_line" } }).catch((e: unknown) => e);
    expect(isStackPaymentsError(refused, "HTTP_ERROR")).toBe(true);
    expect(refused).toMatchObject({ status: 400, message: expect.stringContaining("missing_line") });
    expect(await project.getConfig()).toEqual(before);

    await project.resetConfigOverrideKeys("environment", ["payments.items.gems"]);
    expect((await project.getConfig()).payments.items).not.toHaveProperty("gems");
  });

  it("a project switched out of test mode reports live mode and refuses test-mode checkout; switched back, it takes it again", async () => {
    const user = await server.createUser({});
    const url = await server.createCheckoutUrl({ userId: user.id, productId: "prod_starter" });
    const fullCode = new URL(url).pathname.split("/").pop()!;
    const noAuth = (path: string, body: unknown) =>
      env.fetch(`${BASE_URL}/api/v1${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

    await admin.updateProjectConfig({ "payments.testMode": false });
    try {
      expect((await admin.getProjectConfig()).payments.testMode).toBe(false);
      const validate = await noAuth("/payments/purchases/validate-code", { full_code: fullCode });
      expect(((await validate.json()) as { test_mode: boolean }).test_mode).toBe(false);
      const testPurchase = await noAuth("/internal/payments/test-mode-purchase-session", { full_code: fullCode, price_id: "once" });
      expect([testPurchase.status, await testPurchase.text()]).toEqual([403, "Test mode is not enabled for this project"]);
      expect(await credits(user.id)).toBe(0);
    } finally {
      await admin.updateProjectConfig({ "payments.testMode": true });
    }
    const done = await noAuth("/internal/payments/test-mode-purchase-session", { full_code: fullCode, price_id: "once" });
    expect(done.status).toBe(200);
    expect(await credits(user.id)).toBe(10);
  });

  it("block new purchases: checkout is refused until it is lifted", async () => {
    const user = await server.createUser({});
    await admin.updateProjectConfig({ "payments.blockNewPurchases": true });
    try {
      await expect(server.createCheckoutUrl({ userId: user.id, productId: "prod_starter" })).rejects.toMatchObject({ code: "NEW_PURCHASES_BLOCKED", status: 403 });
    } finally {
      await admin.updateProjectConfig({ "payments.blockNewPurchases": false });
    }
    expect(await server.createCheckoutUrl({ userId: user.id, productId: "prod_starter" })).toMatch(/\/purchase\//);
  });

  it("admin writes report what they changed to onAdminChange listeners", async () => {
    const changes: unknown[] = [];
    const off = admin.onAdminChange((c) => changes.push(c));
    const user = await server.createUser({});
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 1 });
    await admin.updateProjectConfig({ "payments.blockNewPurchases": false });
    const configs = await admin.getPaymentMethodConfigs();
    await admin.updatePaymentMethodConfigs(configs!.configId, {});
    // A failed write reports nothing.
    await admin.createItemQuantityChange({ userId: user.id, itemId: "nope", quantity: 1 }).catch(() => {});
    off();
    await admin.createItemQuantityChange({ userId: user.id, itemId: "credits", quantity: 1 });
    expect(changes).toEqual([
      { kind: "item-quantity", customer: { type: "user", id: user.id }, itemId: "credits" },
      { kind: "config" },
      { kind: "payment-settings" },
    ]);
  });
});

describe("keys", () => {
  it("an admin app with the server key in place of the admin key is refused by the emulator", async () => {
    const p = env.emulator.project;
    const wrong = new StackAdminApp({ baseUrl: BASE_URL, projectId: p.id, secretServerKey: p.secretServerKey, superSecretAdminKey: p.secretServerKey, tokenStore: null, fetch: env.fetch, retry: false });
    await expect(wrong.listTransactions()).rejects.toMatchObject({ code: "INVALID_SUPER_SECRET_ADMIN_KEY", status: 401 });
    // Its server calls still work: they carry the server key only.
    expect(await wrong.getUser("00000000-0000-4000-8000-000000000000")).toBeNull();
    expect(wrong).toBeInstanceOf(StackServerApp);
  });
});
