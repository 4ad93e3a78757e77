/** The payments configuration (camelCase, as stored in project config and in `payments.json`). */
import * as z from "zod/mini";
import { configIdSchema, customerTypeSchema, dayIntervalSchema, moneySchema } from "./common.js";

export const configPriceSchema = z.strictObject({
  USD: z.optional(moneySchema),
  EUR: z.optional(moneySchema),
  GBP: z.optional(moneySchema),
  JPY: z.optional(moneySchema),
  INR: z.optional(moneySchema),
  AUD: z.optional(moneySchema),
  CAD: z.optional(moneySchema),
  interval: z.optional(dayIntervalSchema),
  serverOnly: z.optional(z.boolean()),
  freeTrial: z.optional(dayIntervalSchema),
});

export const configIncludedItemSchema = z.strictObject({
  quantity: z.optional(z.number()),
  repeat: z.optional(z.union([dayIntervalSchema, z.literal("never")])),
  expires: z.optional(z.enum(["never", "when-purchase-expires", "when-repeated"])),
});

export const configProductSchema = z.strictObject({
  displayName: z.optional(z.string()),
  productLineId: z.optional(configIdSchema),
  isAddOnTo: z.optional(z.union([z.literal(false), z.record(z.string(), z.literal(true))])),
  customerType: z.optional(customerTypeSchema),
  freeTrial: z.optional(dayIntervalSchema),
  serverOnly: z.optional(z.boolean()),
  stackable: z.optional(z.boolean()),
  prices: z.optional(z.union([z.literal("include-by-default"), z.record(configIdSchema, configPriceSchema)])),
  includedItems: z.optional(z.record(configIdSchema, configIncludedItemSchema)),
});
export type ConfigProduct = z.infer<typeof configProductSchema>;

export const configItemSchema = z.strictObject({
  displayName: z.optional(z.string()),
  customerType: z.optional(customerTypeSchema),
});

export const configProductLineSchema = z.strictObject({
  displayName: z.optional(z.string()),
  customerType: customerTypeSchema,
});

/** `payments` in project config. */
export const paymentsConfigSchema = z.strictObject({
  blockNewPurchases: z.optional(z.boolean()),
  testMode: z.optional(z.boolean()),
  autoPay: z.optional(z.object({ interval: dayIntervalSchema })),
  productLines: z.optional(z.record(configIdSchema, configProductLineSchema)),
  products: z.optional(z.record(configIdSchema, configProductSchema)),
  items: z.optional(z.record(configIdSchema, configItemSchema)),
});
export type PaymentsConfig = z.infer<typeof paymentsConfigSchema>;
