/**
 * What the query cache holds for reads whose app method returns SDK objects (the signed-in user,
 * teams, product pages other than the first): the wire body the object was made from, as the API
 * sent it (the core keeps it beside the object), in the client's view. So the cache, and what a
 * server render hands to the browser, holds one format for everything, exactly what the browser
 * would read itself; the hooks map it back in `select`.
 *
 * Items and the first product page need none of this: the app publishes their exact wire bodies on
 * its live bus, where the query functions take them.
 *
 * Runtime code here must stay free of React and react-query: `stack-payments/server` re-exports it.
 */
import { StackPaymentsError } from "../core/errors.js";
import type { ClientTeamWire, ClientUserWire } from "../core/schemas/auth.js";
import type { ProductsListResponse } from "../core/schemas/payments.js";
import { wireBodyOf } from "../core/wire-body.js";
import { pickShape, type ShapeDesc } from "../core/wire-shape.js";

/** A team as cached: the client view of `GET /teams` (never server fields). */
export type TeamWire = ClientTeamWire;

/** The signed-in user as cached: the client view of `GET /users/me` (never server fields). */
export type UserWire = ClientUserWire;

/** A page of owned products as cached: the body of `GET /payments/products/{type}/{id}`. */
export type ProductsPageWire = ProductsListResponse;

/**
 * The wire body `object` was made from, in the view `clientShape` describes (a server app's users
 * and teams carry server fields, which are left out). Throws for an object no SDK app made.
 */
export function cachedWireOf<W extends object>(object: object, clientShape?: ShapeDesc): W {
  const body = wireBodyOf<W>(object);
  if (!body) {
    throw new StackPaymentsError({ code: "CONFIGURATION_ERROR", message: "The query options need objects read through a stack-payments app." });
  }
  return keepObjectOf((clientShape ? pickShape(clientShape, body) : body) as W, object);
}

/**
 * The SDK object a query function read together with a wire body, so that the hooks' objects
 * forward `createCheckoutUrl`, `listTeams`, ... to it without reading the user again. Keyed by the
 * body itself: an entry lives exactly as long as that body is held by a cache, so no session's
 * objects outlive its data. Bodies that arrived otherwise (hydrated from a server render) have none,
 * and the hooks read the object once, on the first such call.
 */
const objectsReadWith = new WeakMap<object, object>();

/** Notes that `object` was read along with `wire`; returns `wire`. */
export function keepObjectOf<W extends object>(wire: W, object: object): W {
  objectsReadWith.set(wire, object);
  return wire;
}

/** The object read along with `wire`, if this process read it. */
export function objectReadWith<T>(wire: object): T | undefined {
  return objectsReadWith.get(wire) as T | undefined;
}
