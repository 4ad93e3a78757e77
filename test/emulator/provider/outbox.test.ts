/**
 * The payment emails outbox: who receives the hosted API's receipt and failure emails (a user's
 * primary email; a team's admins; nobody for custom customers; a user without an email gets a
 * skipped row), the route's filters and pages, and the live stream of new emails.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { checkoutSecret, confirm, liveHarness, newBuyer, outbox } from "./live.js";

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

it("a team's receipt goes to each team admin, not to plain members", async () => {
  const admin = await newBuyer(h, "Admin");
  const second = await newBuyer(h, "Second admin");
  const member = await newBuyer(h, "Member");
  const team = await h.call("POST", "/teams", { body: { display_name: "Acme", creator_user_id: admin.id } });
  const teamId = team.json.id as string;
  for (const u of [second, member]) expect((await h.call("POST", `/team-memberships/${teamId}/${u.id}`, { body: {} })).status).toBeLessThan(300);
  expect((await h.call("POST", `/team-permissions/${teamId}/${second.id}/team_admin`, { body: {} })).status).toBeLessThan(300);
  const customer = { type: "team", id: teamId };
  await confirm(h, await checkoutSecret(h, customer, "team_plan", "monthly"), { number: "4242424242424242" });
  const emails = await outbox(h, customer);
  expect(emails.map((e) => e.to.email).sort()).toEqual([admin.email, second.email].sort());
  for (const e of emails) expect(e).toMatchObject({ kind: "payment_receipt", product_name: "Team plan", amount: "$50.00", customer_type: "team", customer_id: teamId });
  expect(emails.find((e) => e.to.email === admin.email).html).toContain("Hi, Admin!");
});

it("custom customers get no email; a user without a primary email gets a skipped one", async () => {
  const c = { type: "custom", id: `c-${crypto.randomUUID()}` };
  await confirm(h, await checkoutSecret(h, c, "custom_pack", "once"), { number: "4242424242424242" });
  expect(await outbox(h, c)).toEqual([]);
  const anon = await h.call("POST", "/users", { body: {} });
  const u = { type: "user", id: anon.json.id as string };
  await confirm(h, await checkoutSecret(h, u, "credit_pack", "once"), { number: "4242424242424242" });
  const [skipped] = await outbox(h, u);
  expect(skipped).toMatchObject({ to: { user_id: u.id, email: null }, status: "skipped", skipped_reason: "The user has no primary email address." });
});

it("filters by kind, recipient and customer, pages with a cursor, validates its query, and is admin only", async () => {
  const buyer = await newBuyer(h);
  const customer = { type: "user", id: buyer.id };
  const secret = await checkoutSecret(h, customer, "credit_pack", "once");
  await confirm(h, secret, { number: "4000000000000002" });
  await confirm(h, secret, { number: "4000000000009995" });
  await confirm(h, secret, { number: "4242424242424242" });
  const base = `/internal/emulator/outbox?customer_type=user&customer_id=${buyer.id}`;
  const failed = await h.call("GET", `${base}&kind=payment_failed`, { access: "admin" });
  expect(failed.json.items.map((e: { variables: { failureReason: string } }) => e.variables.failureReason)).toEqual(["Your card has insufficient funds.", "Your card was declined."]);
  const byRecipient = await h.call("GET", `/internal/emulator/outbox?to=${encodeURIComponent(buyer.email.toUpperCase())}`, { access: "admin" });
  expect(byRecipient.json.items).toHaveLength(3);
  const first = await h.call("GET", `${base}&limit=2`, { access: "admin" });
  expect(first.json.items.map((e: { kind: string }) => e.kind)).toEqual(["payment_receipt", "payment_failed"]);
  const rest = await h.call("GET", `${base}&limit=2&cursor=${first.json.next_cursor}`, { access: "admin" });
  expect(rest.json.items.map((e: { kind: string }) => e.kind)).toEqual(["payment_failed"]);
  expect(rest.json.next_cursor).toBeNull();
  for (const q of ["?kind=receipt", "?limit=abc", "?cursor=x", "?customer_type=robot", "?extra=1"]) expect((await h.call("GET", `/internal/emulator/outbox${q}`, { access: "admin" })).json.code, q).toBe("SCHEMA_ERROR");
  expect((await h.call("GET", "/internal/emulator/outbox", { access: "server" })).json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
});

it("streams new emails as server-sent events", async () => {
  const p = h.emulator.project;
  const controller = new AbortController();
  const res = await h.emulator.fetch(
    new Request("http://emulator.test/api/v1/internal/emulator/outbox/events", {
      headers: { "x-stack-project-id": p.id, "x-stack-access-type": "admin", "x-stack-super-secret-admin-key": p.superSecretAdminKey },
      signal: controller.signal,
    }),
  );
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = res.body!.getReader();
  const buyer = await newBuyer(h, "Streamed");
  await confirm(h, await checkoutSecret(h, { type: "user", id: buyer.id }, "credit_pack", "once"), { number: "4242424242424242" });
  let text = "";
  const deadline = Date.now() + 10_000;
  while (!text.includes(buyer.email) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  await reader.cancel().catch(() => undefined);
  const event = text.split("\n\n").find((block) => block.includes(buyer.email))!;
  expect(event).toContain("event: email");
  const data = JSON.parse(event.split("\n").find((l) => l.startsWith("data: "))!.slice(6));
  expect(data).toMatchObject({ kind: "payment_receipt", to: { email: buyer.email }, amount: "$5.00" });
});
