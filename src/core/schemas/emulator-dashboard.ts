/**
 * Wire shapes of the emulator's own admin routes that its dashboard reads (extensions, under
 * `/api/v1/internal/emulator/`): the admin-session exchange, the activity log and the admin event
 * stream, and the custom customers the ledger knows.
 */
import * as z from "zod/mini";
import { customerTypeSchema } from "./common.js";

/** `POST /internal/emulator/admin-session` answer: a session of an internal-project user who manages the project. */
export const adminSessionResponseSchema = z.object({
  /** The internal project's id: where the refresh token is renewed (`/auth/oauth/token`) and revoked. */
  internal_project_id: z.string(),
  user_id: z.string(),
  access_token: z.string(),
  refresh_token: z.string(),
  project: z.object({ id: z.string(), display_name: z.string() }),
});
export type AdminSessionResponse = z.infer<typeof adminSessionResponseSchema>;

/** One API request the emulator answered (no keys, tokens, query strings or bodies). */
export const activityEntrySchema = z.object({
  seq: z.number(),
  at_millis: z.number(),
  method: z.string(),
  path: z.string(),
  access_type: z.nullable(z.enum(["client", "server", "admin"])),
  status: z.number(),
  known_error: z.nullable(z.string()),
  duration_ms: z.number(),
  request_id: z.string(),
  source: z.enum(["app", "dashboard"]),
});
export type ActivityEntryWire = z.infer<typeof activityEntrySchema>;

/** One change of a customer's payments state (an item's quantity or the product list). */
export const paymentsEventSchema = z.object({
  id: z.number(),
  customer_type: customerTypeSchema,
  customer_id: z.string(),
  kind: z.enum(["item", "products"]),
  item_id: z.nullable(z.string()),
  /** Emulator time of the change. */
  created_at_millis: z.number(),
  /** Item events: the item's display name and new quantity. */
  item: z.optional(z.object({ display_name: z.string(), quantity: z.number() })),
  /** Product-list events: what the customer owns now. */
  products: z.optional(z.array(z.object({ id: z.nullable(z.string()), display_name: z.string(), quantity: z.number() }))),
});
export type PaymentsEventWire = z.infer<typeof paymentsEventSchema>;

/** `GET /internal/emulator/activity` answer: the kept log, oldest first, and where the live stream resumes. */
export const activityResponseSchema = z.object({
  requests: z.array(activityEntrySchema),
  payments_events: z.array(paymentsEventSchema),
  /** Send as `Last-Event-ID` to `GET /internal/emulator/admin-events` to get what follows. */
  resume_id: z.string(),
});
export type ActivityResponse = z.infer<typeof activityResponseSchema>;

/** `GET /internal/emulator/custom-customers` query. */
export const customCustomersQuerySchema = z.strictObject({
  /** Part of the id, any case. */
  query: z.optional(z.string().check(z.maxLength(200))),
  limit: z.optional(z.string().check(z.regex(/^[1-9][0-9]{0,2}$/, "must be an integer from 1 to 500"))),
});

/** `GET /internal/emulator/custom-customers` answer: custom customers of the ledger, most recently active first. */
export const customCustomersResponseSchema = z.object({
  items: z.array(z.object({ id: z.string(), last_activity_millis: z.number() })),
});
export type CustomCustomersResponse = z.infer<typeof customCustomersResponseSchema>;
