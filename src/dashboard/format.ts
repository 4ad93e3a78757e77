/**
 * How the dashboard writes money, time, intervals and customers: one place, so every section
 * reads alike (`$5.00`, `every month`, `user 4b0e…`).
 */
import type { DayInterval } from "../core/schemas/common.js";

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * A money string in major units as the API sends it (`"5"`, `"-9.5"`) in `currency`:
 * `formatMoney("5", "USD")` is `$5.00`. Unparsable amounts are shown as they are.
 */
export function formatMoney(amount: string | number, currency = "USD"): string {
  const value = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat("en-US", { style: "currency", currency });
    } catch {
      return `${amount} ${currency}`;
    }
    moneyFormats.set(currency, format);
  }
  return format.format(value);
}

/** `1 day`, `2 weeks`, ... */
export function formatDuration([count, unit]: DayInterval): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** A billing interval: `every month`, `every 3 months`. */
export function formatInterval(interval: DayInterval | undefined): string {
  if (!interval) return "one-time";
  const [count, unit] = interval;
  return count === 1 ? `every ${unit}` : `every ${count} ${unit}s`;
}

const dateTime = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** `Jan 5, 2030, 4:05 PM`. */
export function formatDateTime(millis: number): string {
  return dateTime.format(new Date(millis));
}

/** `16:05:09`, for logs. */
export function formatTime(millis: number): string {
  return timeOnly.format(new Date(millis));
}

/** The start of a long id (`4b0e3c1a…`); short ids stay whole. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** `1 item`, `3 items`. */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;
}

/** A quantity with a sign, for changes: `+100`, `−5`. */
export function signed(quantity: number): string {
  return quantity > 0 ? `+${quantity.toLocaleString("en-US")}` : quantity < 0 ? `−${Math.abs(quantity).toLocaleString("en-US")}` : "0";
}

/** Words for a customer type. */
export const CUSTOMER_TYPE_LABELS = { user: "User", team: "Team", custom: "Custom" } as const;
