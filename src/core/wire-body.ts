/**
 * The wire body each SDK object was made from (users, teams, product lists), kept beside the
 * object: code that needs the API's own JSON for an object (the React layer's query cache, which
 * also crosses from a server render to the browser) takes the body as the API sent it, instead of
 * rebuilding it field by field from the object.
 */

const bodies = new WeakMap<object, object>();

/** Notes that `object` was made from `body`; returns `object`. */
export function keepWireBody<T extends object>(object: T, body: object): T {
  bodies.set(object, body);
  return object;
}

/** The wire body `object` was made from, if an SDK app made it. */
export function wireBodyOf<W extends object>(object: object): W | undefined {
  return bodies.get(object) as W | undefined;
}
