/** The payments config the route tests share (one emulator per file; tests use fresh customers). */
import type { PaymentsConfig } from "../../../src/core/schemas/index.js";

export const TEST_CONFIG: PaymentsConfig = {
  items: {
    credits: { displayName: "Credits", customerType: "user" },
    i1: { customerType: "user" },
    team_credits: { displayName: "Team credits", customerType: "team" },
    custom_credits: { customerType: "custom" },
  },
  productLines: { plans: { displayName: "Plans", customerType: "user" } },
  products: {
    starter: {
      displayName: "Starter",
      productLineId: "plans",
      prices: { monthly: { USD: "10", interval: [1, "month"] }, annual_plan: { USD: "100", EUR: "90", interval: [1, "year"] } },
      includedItems: { credits: { quantity: 100, repeat: [1, "month"], expires: "when-repeated" } },
    },
    base: {
      displayName: "Base",
      productLineId: "plans",
      prices: { monthly: { USD: "5", interval: [1, "month"] } },
      includedItems: { i1: { quantity: 2, expires: "when-purchase-expires" } },
    },
    premium: {
      displayName: "Premium",
      productLineId: "plans",
      prices: { monthly: { USD: "20", interval: [1, "month"] }, once: { USD: "500" } },
      includedItems: { i1: { quantity: 3, expires: "when-purchase-expires" } },
    },
    lifetime: { displayName: "Lifetime", productLineId: "plans", prices: { once: { USD: "1000" } } },
    addon: { displayName: "Add-on", isAddOnTo: { base: true }, prices: { once: { USD: "3" } } },
    credit_pack: {
      displayName: "Credit pack",
      stackable: true,
      prices: { once: { USD: "5" } },
      includedItems: { credits: { quantity: 50, expires: "never" } },
    },
    secret: { displayName: "Secret", serverOnly: true, prices: { once: { USD: "1" } } },
    legacy_free: { displayName: "Free", prices: "include-by-default" },
    team_plan: {
      displayName: "Team plan",
      customerType: "team",
      prices: { monthly: { USD: "50", interval: [1, "month"] } },
      includedItems: { team_credits: { quantity: 10, expires: "when-purchase-expires" } },
    },
    custom_pack: {
      customerType: "custom",
      stackable: true,
      prices: { once: { USD: "1" } },
      includedItems: { custom_credits: { quantity: 10, expires: "never" } },
    },
  },
};
