/**
 * Every payments method StackAdminApp shares with the official admin app (`@stackframe/js`
 * 2.8.108) takes every argument list the official one takes: code written for the official SDK
 * type-checks here (checked by `tsc --noEmit`, which covers test/).
 */
import type { StackAdminApp as OfficialAdminApp } from "@stackframe/js";
import { describe, expectTypeOf, it } from "vitest";
import type { StackAdminApp } from "../../src/server.js";

type PaymentsMethods =
  | "listTransactions"
  | "refundTransaction"
  | "createItemQuantityChange"
  | "setupPayments"
  | "getStripeAccountInfo"
  | "getPaymentMethodConfigs"
  | "updatePaymentMethodConfigs"
  | "createStripeWidgetAccountSession"
  | "getProject";
type Fn = (...args: never[]) => unknown;
/** The methods whose official argument lists are not all accepted here (should be none). */
type Narrower = { [K in PaymentsMethods]: Parameters<Extract<OfficialAdminApp[K], Fn>> extends Parameters<Extract<StackAdminApp[K], Fn>> ? never : K }[PaymentsMethods];

describe("admin signatures shared with the official SDK", () => {
  it("accept every argument list the official ones accept", () => {
    expectTypeOf<Narrower>().toEqualTypeOf<never>();
    // Field names and values as the official SDK's callers write them.
    expectTypeOf<Parameters<OfficialAdminApp["createItemQuantityChange"]>[0]>().toMatchTypeOf<Parameters<StackAdminApp["createItemQuantityChange"]>[0]>();
    expectTypeOf<Parameters<OfficialAdminApp["refundTransaction"]>[0]>().toMatchTypeOf<Parameters<StackAdminApp["refundTransaction"]>[0]>();
    // A config override as the docs write it; a wrong type for a known payments switch is refused.
    type Override = Parameters<Awaited<ReturnType<StackAdminApp["getProject"]>>["updateConfig"]>[0];
    expectTypeOf<{ "payments.testMode": false; "payments.items.credits": { customerType: "user" } }>().toMatchTypeOf<Override>();
    expectTypeOf<{ "payments.testMode": "no" }>().not.toMatchTypeOf<Override>();
  });
});
