/**
 * The context every API call of the core runs in, and the checks every call's input passes first:
 * the customer reference, argument checks, and path building from checked, encoded segments.
 *
 * `customer.ts`, `item.ts`, `products.ts`, `users.ts` and `app-core.ts` build on this module and
 * never on each other's internals, so the core's import graph has no cycles (a test keeps it so).
 * The rules these checks enforce are written down in `docs/wire-contract.md`.
 */
import { invalidArgument } from "./errors.js";
import type { LiveBus } from "./live/bus.js";
import type { CustomerType } from "./schemas/common.js";
import type { AccessType, CallOptions, HttpMethod, Transport, TransportSession } from "./transport.js";
import type { Shape } from "./wire-shape.js";

/** Identifies a payments customer on the wire: `{ type: "user" | "team" | "custom", id }`. */
export interface CustomerRef {
  readonly type: CustomerType;
  readonly id: string;
}

/** App-level customer selector: exactly one of `userId`, `teamId`, `customCustomerId`. */
export type CustomerSelector =
  | { userId: string; teamId?: undefined; customCustomerId?: undefined }
  | { teamId: string; userId?: undefined; customCustomerId?: undefined }
  | { customCustomerId: string; userId?: undefined; teamId?: undefined };

/** Shows a refused value in an error message: strings quoted and escaped (control characters visible), long ones cut. */
function describe(value: unknown): string {
  if (typeof value === "string") {
    const shown = JSON.stringify(value);
    return shown.length > 80 ? `${shown.slice(0, 77)}…"` : shown;
  }
  if (typeof value === "number") return String(value);
  return value === null ? "null" : typeof value;
}

/** Fails with `INVALID_ARGUMENT` unless `value` is a non-empty string (emails, display names, URLs). */
export function requireText(name: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw invalidArgument(name, `expected a non-empty string, got ${describe(value)}`);
  return value;
}

// Characters no id may hold: `/` and `\` would split a path segment (URL parsers read `\` as `/`),
// `?` and `#` would end the path, and control characters (NUL included) have no place in an id.
const FORBIDDEN_IN_ID = /[/\\?#\u0000-\u001f\u007f-\u009f]/;

/**
 * Fails with `INVALID_ARGUMENT` unless `value` can be an id: a non-empty string that is one whole
 * path segment. Refused: `/`, `\`, `?`, `#`, NUL and other control characters, and the ids `.` and
 * `..` (URL parsers resolve them as steps up the path, even when encoded). Anything else is
 * allowed and is percent-encoded wherever it goes into a path.
 */
export function requireId(name: string, value: unknown): string {
  const id = requireText(name, value);
  const bad = FORBIDDEN_IN_ID.exec(id);
  if (bad) {
    const shown = bad[0] < " " || (bad[0] >= "\u007f" && bad[0] <= "\u009f") ? `control character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}` : `"${bad[0]}"`;
    throw invalidArgument(name, `${describe(id)} contains ${shown}, which an id cannot hold (an id is one path segment); nothing was sent`);
  }
  if (id === "." || id === "..") throw invalidArgument(name, `${describe(id)} is not an id (a URL would resolve it as a path step); nothing was sent`);
  return id;
}

/** Fails with `INVALID_ARGUMENT` unless `value` is a finite integer ≥ `min`. */
export function requireCount(name: string, value: unknown, min: number): number {
  // `Number.isInteger` is false for non-numbers, NaN and ±Infinity too.
  if (!Number.isInteger(value) || (value as number) < min) {
    throw invalidArgument(name, `expected an integer ≥ ${min}, got ${describe(value)}`);
  }
  return value as number;
}

/** Fails with `INVALID_ARGUMENT` unless `value` is an object (an options argument). */
export function requireOptions<T extends object>(value: T | null | undefined, expected: string): T {
  if (typeof value !== "object" || value === null) throw invalidArgument("options", `expected ${expected}, got ${describe(value)}`);
  return value;
}

/** Turns an app-level selector into a {@link CustomerRef}, refusing zero, several, or unknown keys, and ids that are not ids. */
export function customerRefFrom(selector: unknown): CustomerRef {
  if (typeof selector !== "object" || selector === null) throw invalidArgument("options", "expected an object with userId, teamId or customCustomerId");
  const s = selector as Record<string, unknown>;
  const given = (["userId", "teamId", "customCustomerId"] as const).filter((k) => s[k] !== undefined);
  if (given.length !== 1) {
    const customerType = s.customerType ?? s.customer_type;
    const extra = customerType !== undefined ? ` (unknown customer type ${describe(customerType)})` : "";
    throw invalidArgument("customer", `give exactly one of userId, teamId or customCustomerId, got ${given.length ? given.join(", ") : "none"}${extra}`);
  }
  const key = given[0]!;
  const id = requireId(key, s[key]);
  return { type: key === "userId" ? "user" : key === "teamId" ? "team" : "custom", id };
}

/** A wire customer type guard that refuses anything but user/team/custom. */
export function requireCustomerType(value: unknown): CustomerType {
  if (value === "user" || value === "team" || value === "custom") return value;
  throw invalidArgument("customerType", `expected "user", "team" or "custom", got ${describe(value)}`);
}

declare const apiPathBrand: unique symbol;

/**
 * A path under `/api/v1` whose every variable segment was checked and percent-encoded. Only
 * {@link apiPath} makes one, so no call can reach the wire with a raw id in its path.
 */
export type ApiPath = string & { readonly [apiPathBrand]: true };

/**
 * Builds an {@link ApiPath}: each interpolated value must pass {@link requireId} and is encoded
 * with `encodeURIComponent`. Callers check their arguments by name first, so the error names the
 * argument; the check here stops anything that was not (a value from a server answer, say).
 *
 * @example
 * apiPath`/payments/items/${ref.type}/${ref.id}/${itemId}` // "/payments/items/custom/a%20b/credits"
 */
export function apiPath(strings: TemplateStringsArray, ...segments: string[]): ApiPath {
  let path = strings[0]!;
  segments.forEach((segment, i) => {
    path += encodeURIComponent(requireId("path segment", segment)) + strings[i + 1]!;
  });
  return path as ApiPath;
}

/** One call made through an {@link ApiContext}: the context adds the access type and session. */
export interface ApiCall<T> {
  method: HttpMethod;
  path: ApiPath;
  query?: Record<string, string | undefined> | undefined;
  body?: unknown;
  /** The expected answer (a shape generated from the zod schemas). */
  schema: Shape<T>;
  options?: CallOptions | undefined;
}

/** Everything a call needs: how to send, as whom, and where to publish what it learns. */
export interface ApiContext {
  /** `client` calls act for the session's user; `server` calls carry the secret server key. */
  readonly accessType: AccessType;
  /** Where reads and writes publish the values they learn. */
  readonly live: LiveBus;
  /** Sends `request` with this context's access type and session. */
  call<T>(request: ApiCall<T>): Promise<T>;
  /** Opens a long-lived GET (an event stream) with this context's credentials; the raw response. */
  openStream(request: { path: ApiPath; query?: Record<string, string | undefined> | undefined }, signal: AbortSignal): Promise<Response>;
}

/** Binds a transport, an access type and a session (null: no user, e.g. server calls) into an {@link ApiContext}. */
export function createApiContext(init: { transport: Transport; accessType: AccessType; session: TransportSession | null; live: LiveBus }): ApiContext {
  const { transport, accessType, session, live } = init;
  return {
    accessType,
    live,
    call: (request) => transport.request({ ...request, accessType, session }),
    openStream: (request, signal) => transport.openStream({ ...request, accessType, session }, signal),
  };
}
