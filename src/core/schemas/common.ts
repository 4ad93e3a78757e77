import * as z from "zod/mini";

/** `user`, `team` or `custom`: the three kinds of payments customer. */
export const customerTypeSchema = z.enum(["user", "team", "custom"]);
export type CustomerType = z.infer<typeof customerTypeSchema>;

/** `[count, unit]`, e.g. `[1, "month"]`. */
export const dayIntervalSchema = z.tuple([
  z.int().check(z.minimum(0)),
  z.enum(["day", "week", "month", "year"]),
]);
export type DayInterval = z.infer<typeof dayIntervalSchema>;

/** Product, price, item and product-line ids: `^[a-zA-Z0-9_][a-zA-Z0-9_-]*$`, at most 63 characters. */
export const configIdSchema = z.string().check(z.regex(/^[a-zA-Z0-9_][a-zA-Z0-9_-]*$/), z.maxLength(63));

/** Money in major units: digits, optional `.` and at most 2 decimals, no leading zeros. */
export const moneySchema = z.string().check(z.regex(/^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/));

export const CURRENCIES = ["USD", "EUR", "GBP", "JPY", "INR", "AUD", "CAD"] as const;

/** Any JSON value (metadata fields). */
export const jsonSchema = z.unknown();
