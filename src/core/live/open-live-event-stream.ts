/**
 * Opening a customer's live event stream (`GET /payments/events/{type}/{id}`, an emulator
 * extension) with an app's credentials. Only the live channel opens one, so apps load this module
 * on first use, as the channel itself is.
 */
import { apiPath, requireCustomerType, requireId, type ApiContext } from "../api-context.js";
import type { CustomerType } from "../schemas/common.js";

/** Opens the stream of `customer` through `ctx`; the raw response, for the live channel. */
export function openLiveEventStream(
  ctx: ApiContext,
  customer: { type: CustomerType; id: string },
  init: { lastEventId?: string | undefined; signal: AbortSignal },
): Promise<Response> {
  const type = requireCustomerType(customer.type);
  const id = requireId("customerId", customer.id);
  return ctx.openStream({ path: apiPath`/payments/events/${type}/${id}`, query: { last_event_id: init.lastEventId } }, init.signal);
}
