/**
 * Wire shape of the customer's payment-method calls, `createPaymentMethodSetupIntent()` and
 * `setDefaultPaymentMethodFromSetupIntent()`: the same requests as the official SDK
 * (`@stackframe/js` 2.8.108) for a user and a team, the same results from the same answers, and
 * a bad setup intent id refused before any request.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { HttpResponse } from "msw";
import { StackClientApp as OfficialClientApp } from "@stackframe/js";
import { clientUserWire, createWireRecorder } from "../fixtures/wire-recorder.js";
import { StackClientApp, isStackPaymentsError } from "../../src/index.js";

const BASE = "http://payment-method-wire.test";
const PID = "11111111-2222-4333-8444-555555555555";
const UID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const TID = "99999999-8888-4777-8666-555555555555";

const wire = createWireRecorder(BASE);
beforeAll(() => wire.server.listen({ onUnhandledRequest: "error" }));
afterEach(() => wire.reset());
afterAll(() => wire.server.close());

const card = { id: "pm_1", brand: "visa", last4: "4242", exp_month: 12, exp_year: 2034 };

async function answer(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname.replace(/^\/api\/v1/, "");
  if (path === "/users/me") return HttpResponse.json(clientUserWire(UID));
  const team = { id: TID, display_name: "Acme", profile_image_url: null, client_metadata: null, client_read_only_metadata: null };
  if (path === "/teams") return HttpResponse.json({ items: [team], is_paginated: false });
  if (path === `/teams/${TID}`) return HttpResponse.json(team);
  if (path.endsWith("/setup-intent")) return HttpResponse.json({ client_secret: "seti_1_secret_x", stripe_account_id: "acct_1" });
  if (path.endsWith("/set-default")) return HttpResponse.json({ success: true, default_payment_method: card });
  return new HttpResponse(`no route ${req.method} ${path}`, { status: 500 });
}

function officialAccessToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const claims = {
    iss: `${BASE}/api/v1/projects/${PID}`,
    aud: PID,
    sub: UID,
    iat: now,
    exp: now + 3600,
    project_id: PID,
    branch_id: "main",
    refresh_token_id: "rt-row-1",
    role: "authenticated",
    name: "Ada",
    email: "ada@example.com",
    email_verified: true,
    selected_team_id: null,
    signed_up_at: now,
    is_anonymous: false,
    is_restricted: false,
    restricted_reason: null,
    requires_totp_mfa: false,
  };
  return `${part({ alg: "ES256", kid: "kid012345678" })}.${part(claims)}.c2lnbmF0dXJl`;
}

interface PaymentMethodCustomer {
  createPaymentMethodSetupIntent(): Promise<unknown>;
  setDefaultPaymentMethodFromSetupIntent(id: string): Promise<unknown>;
}
interface AnyUser extends PaymentMethodCustomer {
  getTeam(id: string): Promise<PaymentMethodCustomer | null>;
}

async function run(sdk: "ours" | "official") {
  wire.reset();
  wire.answer = answer;
  const common = { baseUrl: BASE, projectId: PID, publishableClientKey: "pck_wire", tokenStore: { accessToken: officialAccessToken(), refreshToken: "rt_1" } };
  const app = (sdk === "ours" ? new StackClientApp({ ...common, retry: false }) : new OfficialClientApp({ ...common, noAutomaticPrefetch: true })) as unknown as {
    getUser(options: { or: "throw" }): Promise<unknown>;
  };
  const user = (await app.getUser({ or: "throw" })) as AnyUser;
  const results: unknown[] = [];
  results.push(await user.createPaymentMethodSetupIntent());
  results.push(await user.setDefaultPaymentMethodFromSetupIntent("seti_1"));
  const team = (await user.getTeam(TID))!;
  results.push(await team.createPaymentMethodSetupIntent());
  results.push(await team.setDefaultPaymentMethodFromSetupIntent("seti_2"));
  const calls = wire.seen
    .filter((s) => s.path.startsWith("/api/v1/payments/"))
    .map((s) => ({ method: s.method, path: s.path, query: s.query, body: s.body, accessType: s.headers["x-stack-access-type"] ?? s.headers["x-hexclave-access-type"] }));
  return { calls, results };
}

it("sends what the official SDK sends and maps the answers the same way", async () => {
  const official = await run("official");
  const ours = await run("ours");
  expect(official.calls).toEqual([
    { method: "POST", path: `/api/v1/payments/payment-method/user/${UID}/setup-intent`, query: {}, body: {}, accessType: "client" },
    { method: "POST", path: `/api/v1/payments/payment-method/user/${UID}/set-default`, query: {}, body: { setup_intent_id: "seti_1" }, accessType: "client" },
    { method: "POST", path: `/api/v1/payments/payment-method/team/${TID}/setup-intent`, query: {}, body: {}, accessType: "client" },
    { method: "POST", path: `/api/v1/payments/payment-method/team/${TID}/set-default`, query: {}, body: { setup_intent_id: "seti_2" }, accessType: "client" },
  ]);
  expect(ours.calls).toEqual(official.calls);
  expect(ours.results).toEqual(official.results);
  expect(ours.results[0]).toEqual({ clientSecret: "seti_1_secret_x", stripeAccountId: "acct_1" });
  expect(ours.results[1]).toEqual(card);
});

it("refuses an empty setup intent id before any request", async () => {
  wire.answer = answer;
  const app = new StackClientApp({ baseUrl: BASE, projectId: PID, publishableClientKey: "pck_wire", tokenStore: { accessToken: officialAccessToken(), refreshToken: "rt_1" }, retry: false });
  const user = await app.getUser({ or: "throw" });
  wire.seen.length = 0;
  const error = await user.setDefaultPaymentMethodFromSetupIntent("").catch((e: unknown) => e);
  expect(isStackPaymentsError(error, "INVALID_ARGUMENT")).toBe(true);
  expect(String((error as Error).message)).toContain("setupIntentId");
  expect(wire.seen).toEqual([]);
});
