/**
 * `refundTransaction({ refundEntries })`: the API's per-entry refund form (a quantity to take back
 * and an amount to give back per product grant), which the dashboard uses for partial refunds.
 * The request is the contract's body; bad arguments are refused before anything is sent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HttpResponse } from "msw";
import { createWireRecorder } from "../fixtures/wire-recorder.js";
import { StackAdminApp } from "../../src/server.js";

const BASE = "http://refund-entries.test";
const wire = createWireRecorder(BASE);
beforeAll(() => wire.server.listen({ onUnhandledRequest: "error" }));
afterEach(() => wire.reset());
afterAll(() => wire.server.close());

const admin = () => new StackAdminApp({ baseUrl: BASE, projectId: "p", secretServerKey: "ssk_x", superSecretAdminKey: "sak_x", retry: false });

describe("refundTransaction with refundEntries", () => {
  it("sends { type, id, refund_entries } with each entry's index, quantity and USD amount", async () => {
    wire.answer = () => HttpResponse.json({ success: true, refund_transaction_id: "otp_1:refund" });
    const result = await admin().refundTransaction({
      type: "one-time-purchase",
      id: "otp_1",
      refundEntries: [{ entryIndex: 0, quantity: 2, amountUsd: "5.50" }],
    });
    expect(result).toEqual({ refundTransactionId: "otp_1:refund" });
    expect(wire.seen.map((r) => [r.method, r.path, r.body])).toEqual([
      ["POST", "/api/v1/internal/payments/transactions/refund", { type: "one-time-purchase", id: "otp_1", refund_entries: [{ entry_index: 0, quantity: 2, amount_usd: "5.50" }] }],
    ]);
  });

  it("refuses bad entries and mixed forms, naming the argument, before sending anything", async () => {
    const app = admin();
    const cases: Array<[object, string]> = [
      [{ refundEntries: [] }, "refundEntries"],
      [{ refundEntries: [{ entryIndex: -1, quantity: 1, amountUsd: "1" }] }, "refundEntries[0].entryIndex"],
      [{ refundEntries: [{ entryIndex: 0, quantity: 1.5, amountUsd: "1" }] }, "refundEntries[0].quantity"],
      [{ refundEntries: [{ entryIndex: 0, quantity: 1, amountUsd: "1.005" }] }, "refundEntries[0].amountUsd"],
      [{ refundEntries: [{ entryIndex: 0, quantity: 1, amountUsd: "1", amount_usd: "1" }] }, "amount_usd"],
      [{ refundEntries: [{ entryIndex: 0, quantity: 1, amountUsd: "1" }], amountUsd: "1" }, "amountUsd"],
      [{ refundEntries: [{ entryIndex: 0, quantity: 1, amountUsd: "1" }], endAction: "now" }, "endAction"],
    ];
    for (const [extra, argument] of cases) {
      await expect(app.refundTransaction({ type: "one-time-purchase", id: "otp_1", ...extra } as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { argument } });
    }
    expect(wire.seen).toHaveLength(0);
  });
});
