/**
 * The admin payments routes around the project's Stripe account that no other module serves:
 * its payment-method configuration (`GET`/`PATCH /internal/payments/method-configs`) and the
 * session of Stripe's embedded components (`POST /internal/payments/stripe-widgets/account-session`).
 * The configuration is a model of the one Stripe gives a new connected account: every method
 * Stripe knows, those a US account can offer available, card, wallets and Link on; what an admin
 * turns on or off is kept per project.
 */
import { randomBytes } from "node:crypto";
import {
  PAYMENT_METHOD_IDS,
  paymentMethodConfigsResponseSchema,
  stripeWidgetAccountSessionResponseSchema,
  successResponseSchema,
  updatePaymentMethodConfigsBodySchema,
  type PaymentMethodId,
} from "../../core/schemas/index.js";
import { ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { findProject, type StripeAccountRecord } from "../projects/store.js";

/** Each method's display name, whether a new (US) account can offer it, and whether it starts on. */
const METHODS: Record<PaymentMethodId, { name: string; available: boolean; on: boolean }> = {
  card: { name: "Credit/Debit Card", available: true, on: true },
  cartes_bancaires: { name: "Cartes Bancaires", available: false, on: false },
  apple_pay: { name: "Apple Pay", available: true, on: true },
  google_pay: { name: "Google Pay", available: true, on: true },
  link: { name: "Link", available: true, on: true },
  amazon_pay: { name: "Amazon Pay", available: true, on: false },
  cashapp: { name: "Cash App", available: true, on: false },
  klarna: { name: "Klarna", available: true, on: false },
  affirm: { name: "Affirm", available: true, on: false },
  afterpay_clearpay: { name: "Afterpay / Clearpay", available: true, on: false },
  zip: { name: "Zip", available: false, on: false },
  ideal: { name: "iDEAL", available: false, on: false },
  bancontact: { name: "Bancontact", available: false, on: false },
  eps: { name: "EPS", available: false, on: false },
  p24: { name: "Przelewy24", available: false, on: false },
  blik: { name: "BLIK", available: false, on: false },
  alipay: { name: "Alipay", available: false, on: false },
  wechat_pay: { name: "WeChat Pay", available: false, on: false },
  sepa_debit: { name: "SEPA Direct Debit", available: false, on: false },
  bacs_debit: { name: "Bacs Direct Debit", available: false, on: false },
  acss_debit: { name: "ACSS Debit", available: false, on: false },
  us_bank_account: { name: "US Bank Account", available: true, on: false },
  multibanco: { name: "Multibanco", available: false, on: false },
  customer_balance: { name: "Customer Balance", available: false, on: false },
};

/** The project's Stripe account, or `STRIPE_ACCOUNT_INFO_NOT_FOUND` before payments setup. */
async function requireAccount(ctx: RequestContext): Promise<StripeAccountRecord> {
  const account = (await findProject(ctx.db, ctx.projectId!))?.stripeAccount;
  if (!account) throw ApiError.known("STRIPE_ACCOUNT_INFO_NOT_FOUND");
  return account;
}

/** The id of an account's payment-method configuration: fixed for the account, like Stripe's. */
function configIdOf(account: StripeAccountRecord): string {
  return `pmc_${account.id.replace(/^acct_/, "")}`;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The admin payments routes of this module. */
export const adminPaymentsRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/internal/payments/method-configs",
    access: "admin",
    response: paymentMethodConfigsResponseSchema,
    async handler(ctx) {
      const account = await requireAccount(ctx);
      const rows = await ctx.db.query<{ method_id: string; preference: string }>(
        "SELECT method_id, preference FROM payments_method_preferences WHERE project_id = $1",
        [ctx.projectId!],
      );
      const chosen = new Map(rows.map((r) => [r.method_id, r.preference === "on"]));
      const methods = PAYMENT_METHOD_IDS.map((id) => ({
        id,
        name: METHODS[id].name,
        enabled: chosen.get(id) ?? METHODS[id].on,
        available: METHODS[id].available,
        overridable: true,
      }))
        // Available methods first, then by name, as the hosted API lists them.
        .sort((a, b) => (a.available !== b.available ? (a.available ? -1 : 1) : byString(a.name, b.name)));
      return { config_id: configIdOf(account), methods };
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/internal/payments/method-configs",
    access: "admin",
    body: updatePaymentMethodConfigsBodySchema,
    response: successResponseSchema,
    async handler(ctx, { body }) {
      const unknown = Object.keys(body.updates).filter((id) => !(PAYMENT_METHOD_IDS as readonly string[]).includes(id));
      if (unknown.length > 0) throw ApiError.schema(ctx.method, ctx.url.pathname, [`body.updates must be one of the following values: ${PAYMENT_METHOD_IDS.join(", ")}`]);
      // As hosted: nothing to change succeeds before the account is even looked at.
      if (Object.keys(body.updates).length === 0) return { success: true as const };
      const account = await requireAccount(ctx);
      if (body.config_id !== configIdOf(account)) {
        throw ApiError.text(404, `No such payment method configuration: '${body.config_id}' (this project's Stripe account has '${configIdOf(account)}').`);
      }
      await ctx.db.transaction(async (tx) => {
        for (const [id, preference] of Object.entries(body.updates)) {
          await tx.query(
            `INSERT INTO payments_method_preferences (project_id, method_id, preference) VALUES ($1, $2, $3)
             ON CONFLICT (project_id, method_id) DO UPDATE SET preference = EXCLUDED.preference`,
            [ctx.projectId!, id, preference],
          );
        }
      });
      return { success: true as const };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/internal/payments/stripe-widgets/account-session",
    access: "admin",
    // No body schema, as hosted: the official SDK sends `{}`, and any body is ignored.
    response: stripeWidgetAccountSessionResponseSchema,
    async handler(ctx) {
      const account = (await findProject(ctx.db, ctx.projectId!))?.stripeAccount;
      if (!account) throw ApiError.text(400, "Stripe account ID is not set");
      // A fresh secret per session, in Stripe's format; nothing reads it back.
      return { client_secret: `accs_secret__${randomBytes(18).toString("base64url")}` };
    },
  }),
];
