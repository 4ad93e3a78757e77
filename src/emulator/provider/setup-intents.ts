/**
 * Saving a card for later (Stripe's setup intents), as `createPaymentMethodSetupIntent()` and the
 * card form behind it do: the test card decides whether it saves (the card that only fails when
 * charged saves fine), needs a 3-D Secure step, or is declined. A saved card belongs to the
 * customer; `set-default` makes it the card on file that renewals and plan changes charge.
 */
import type { SetupIntentView } from "../../core/schemas/index.js";
import { emulatorNow } from "../clock.js";
import type { Db, SqlExecutor } from "../db.js";
import { readCardOrRefuse, saveCard, unknownSecret } from "./payment-intents.js";
import { ProviderRequestError } from "./provider-request-error.js";
import {
  attachPaymentMethod,
  getPaymentMethod,
  insertSetupIntent,
  lockSetupIntentBySecret,
  providerId,
  updateSetupIntent,
  type ProviderCustomer,
  type ProviderPaymentMethod,
  type ProviderSetupIntent,
} from "./provider-store.js";
import { AUTHENTICATION_FAILED, setupOutcome, type CardInput, type ChargeOutcome } from "./test-cards.js";

/** A card's summary as billing and set-default answer it. */
export function cardSummary(pm: ProviderPaymentMethod): { id: string; brand: string | null; last4: string | null; exp_month: number | null; exp_year: number | null } {
  return { id: pm.id, brand: pm.brand, last4: pm.last4, exp_month: pm.expMonth, exp_year: pm.expYear };
}

/** Creates a setup intent for a customer (`usage: off_session`, cards only). */
export async function createSetupIntent(tx: SqlExecutor, customer: ProviderCustomer, now: number): Promise<ProviderSetupIntent> {
  const id = providerId("seti");
  const si: ProviderSetupIntent = {
    id,
    projectId: customer.projectId,
    providerCustomerId: customer.id,
    clientSecret: `${id}_secret_${providerId("s").slice(2)}`,
    status: "requires_payment_method",
    paymentMethodId: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
  };
  await insertSetupIntent(tx, si);
  return si;
}

/** A setup intent as a card form reads it. */
export async function setupIntentView(tx: SqlExecutor, si: ProviderSetupIntent): Promise<SetupIntentView> {
  const pm = si.status === "succeeded" ? await getPaymentMethod(tx, si.paymentMethodId) : null;
  const error = si.lastError;
  return {
    id: si.id,
    status: si.status,
    payment_method: pm ? cardSummary(pm) : null,
    last_setup_error: error === null ? null : { type: "card_error", code: error.code, ...(error.decline_code === undefined ? {} : { decline_code: error.decline_code }), message: error.message },
    next_action: si.status === "requires_action" ? { type: "three_d_secure" } : null,
  };
}

async function settle(tx: SqlExecutor, si: ProviderSetupIntent, pm: ProviderPaymentMethod, outcome: ChargeOutcome, now: number): Promise<void> {
  si.paymentMethodId = pm.id;
  si.updatedAt = now;
  if (outcome.kind === "succeeded") {
    si.status = "succeeded";
    si.lastError = null;
    await attachPaymentMethod(tx, pm.id, si.providerCustomerId);
  } else if (outcome.kind === "requires_action") {
    si.status = "requires_action";
    si.lastError = null;
  } else {
    si.status = "requires_payment_method";
    si.lastError = outcome.error;
  }
  await updateSetupIntent(tx, si);
}

async function lockForChange(tx: SqlExecutor, clientSecret: string): Promise<ProviderSetupIntent> {
  const si = await lockSetupIntentBySecret(tx, clientSecret);
  if (!si) throw unknownSecret("setup");
  return si;
}

/** Reads a setup intent by client secret. */
export async function readSetupIntent(db: Db, clientSecret: string): Promise<SetupIntentView> {
  return db.transaction(async (tx) => setupIntentView(tx, await lockForChange(tx, clientSecret)));
}

/** Saves a card on the setup intent's customer (a setup intent that already succeeded is answered as is). */
export async function confirmSetupIntent(db: Db, clientSecret: string, card: CardInput, realNow: () => number): Promise<SetupIntentView> {
  return db.transaction(
    async (tx) => {
      const si = await lockForChange(tx, clientSecret);
      if (si.status === "succeeded") return setupIntentView(tx, si);
      const now = await emulatorNow(tx, si.projectId, realNow);
      const pm = await saveCard(tx, si.projectId, readCardOrRefuse(card, now), now);
      await settle(tx, si, pm, setupOutcome(pm.behavior), now);
      return setupIntentView(tx, si);
    },
    { isolation: "read committed" },
  );
}

/** The buyer's answer to a setup intent's 3-D Secure step. */
export async function authenticateSetupIntent(db: Db, clientSecret: string, outcome: "approve" | "fail", realNow: () => number): Promise<SetupIntentView> {
  return db.transaction(
    async (tx) => {
      const si = await lockForChange(tx, clientSecret);
      if (si.status === "succeeded") return setupIntentView(tx, si);
      if (si.status !== "requires_action")
        throw new ProviderRequestError(400, "invalid_request_error", "setup_intent_unexpected_state", "This setup intent is not waiting for a 3-D Secure authentication.");
      const now = await emulatorNow(tx, si.projectId, realNow);
      const pm = (await getPaymentMethod(tx, si.paymentMethodId))!;
      await settle(tx, si, pm, outcome === "approve" ? { kind: "succeeded" } : { kind: "failed", error: AUTHENTICATION_FAILED }, now);
      return setupIntentView(tx, si);
    },
    { isolation: "read committed" },
  );
}
