/**
 * `set-default` with a setup intent the customer does not own is refused and changes nothing: the
 * caller's billing still says it has no provider customer. (It used to create one before it
 * checked, so a refused call turned `hasCustomer` true.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../payments/harness.js";
import { liveHarness, newBuyer } from "../provider/live.js";

let h: Harness;
beforeAll(async () => {
  h = liveHarness();
  await h.emulator.ready;
});
afterAll(() => h.close());

describe("a refused set-default", () => {
  it("leaves the caller without a provider customer and the owner's default untouched", async () => {
    const owner = await newBuyer(h);
    const other = await newBuyer(h);
    const si = await h.call("POST", `/payments/payment-method/user/${owner.id}/setup-intent`, { access: { token: owner.token }, body: {} });
    const secret = si.json.client_secret as string;
    const saved = await h.call("POST", "/internal/emulator/provider/setup-intents/confirm", {
      access: "none",
      body: { client_secret: secret, card: { number: "4242424242424242", exp_month: 12, exp_year: 2040, cvc: "123" } },
    });
    expect(saved.json.status).toBe("succeeded");
    const id = secret.split("_secret_")[0];

    const asClient = await h.call("POST", `/payments/payment-method/user/${other.id}/set-default`, { access: { token: other.token }, body: { setup_intent_id: id } });
    expect(asClient.status).toBe(403);
    expect(asClient.text).toBe("Setup intent does not belong to this customer.");
    const asServer = await h.call("POST", `/payments/payment-method/user/${other.id}/set-default`, { body: { setup_intent_id: id } });
    expect(asServer.status).toBe(403);
    const unknown = await h.call("POST", `/payments/payment-method/user/${other.id}/set-default`, { body: { setup_intent_id: "seti_nope" } });
    expect(unknown.status).toBe(400);

    expect((await h.call("GET", `/payments/billing/user/${other.id}`, { access: { token: other.token } })).json).toEqual({ has_customer: false, default_payment_method: null });
    const ownerBilling = await h.call("GET", `/payments/billing/user/${owner.id}`, { access: { token: owner.token } });
    expect(ownerBilling.json).toMatchObject({ has_customer: true, default_payment_method: { id: saved.json.payment_method.id, last4: "4242" } });
  });
});
