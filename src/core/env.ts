/**
 * Environment-variable fallbacks for the app constructors, with the official SDK's names
 * (each `HEXCLAVE_*` name preferred over its `STACK_*` twin, as `@stackframe/js` 2.8.108 does).
 */

/** The values the constructors may take from the environment. */
export interface EnvDefaults {
  projectId: string | undefined;
  publishableClientKey: string | undefined;
  baseUrl: string | undefined;
  extraRequestHeaders: string | undefined;
}

// Each access is spelled out literally: bundlers (Next.js, Vite's define) only inline
// `process.env.NEXT_PUBLIC_*` when the whole expression appears in the source.
function read(get: () => string | undefined): string | undefined {
  try {
    return get() || undefined;
  } catch {
    return undefined; // no `process` in this runtime
  }
}

/**
 * Reads the environment fallbacks; every field is undefined in runtimes without `process.env`. Order
 * as `@stackframe/js` 2.8.108: each `STACK_*` name is read as `HEXCLAVE_*` then `STACK_*`, and
 * `NEXT_PUBLIC_*` pairs come before plain ones. Empty values count as unset.
 */
export function readEnvDefaults(isBrowser: boolean): EnvDefaults {
  return {
    projectId:
      read(() => process.env.NEXT_PUBLIC_HEXCLAVE_PROJECT_ID) ?? read(() => process.env.NEXT_PUBLIC_STACK_PROJECT_ID) ??
      read(() => process.env.HEXCLAVE_PROJECT_ID) ?? read(() => process.env.STACK_PROJECT_ID),
    publishableClientKey:
      read(() => process.env.NEXT_PUBLIC_HEXCLAVE_PUBLISHABLE_CLIENT_KEY) ?? read(() => process.env.NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY) ??
      read(() => process.env.HEXCLAVE_PUBLISHABLE_CLIENT_KEY) ?? read(() => process.env.STACK_PUBLISHABLE_CLIENT_KEY),
    baseUrl:
      (isBrowser
        ? read(() => process.env.NEXT_PUBLIC_BROWSER_HEXCLAVE_API_URL) ?? read(() => process.env.NEXT_PUBLIC_BROWSER_STACK_API_URL) ??
          read(() => process.env.NEXT_PUBLIC_HEXCLAVE_API_URL_BROWSER) ?? read(() => process.env.NEXT_PUBLIC_STACK_API_URL_BROWSER) ??
          read(() => process.env.HEXCLAVE_API_URL_BROWSER) ?? read(() => process.env.STACK_API_URL_BROWSER)
        : read(() => process.env.NEXT_PUBLIC_SERVER_HEXCLAVE_API_URL) ?? read(() => process.env.NEXT_PUBLIC_SERVER_STACK_API_URL) ??
          read(() => process.env.NEXT_PUBLIC_HEXCLAVE_API_URL_SERVER) ?? read(() => process.env.NEXT_PUBLIC_STACK_API_URL_SERVER) ??
          read(() => process.env.HEXCLAVE_API_URL_SERVER) ?? read(() => process.env.STACK_API_URL_SERVER)) ??
      read(() => process.env.NEXT_PUBLIC_HEXCLAVE_API_URL) ?? read(() => process.env.NEXT_PUBLIC_STACK_API_URL) ??
      read(() => process.env.HEXCLAVE_API_URL) ?? read(() => process.env.STACK_API_URL) ??
      read(() => process.env.NEXT_PUBLIC_HEXCLAVE_URL) ?? read(() => process.env.NEXT_PUBLIC_STACK_URL),
    extraRequestHeaders:
      read(() => process.env.NEXT_PUBLIC_HEXCLAVE_EXTRA_REQUEST_HEADERS) ?? read(() => process.env.NEXT_PUBLIC_STACK_EXTRA_REQUEST_HEADERS) ??
      read(() => process.env.HEXCLAVE_EXTRA_REQUEST_HEADERS) ?? read(() => process.env.STACK_EXTRA_REQUEST_HEADERS),
  };
}

/**
 * The secret server key from the environment (`HEXCLAVE_SECRET_SERVER_KEY`, then
 * `STACK_SECRET_SERVER_KEY`). Read by `StackServerApp` only, so a browser bundle never even names
 * these variables.
 */
export function readSecretServerKeyEnv(): string | undefined {
  return read(() => process.env.HEXCLAVE_SECRET_SERVER_KEY) ?? read(() => process.env.STACK_SECRET_SERVER_KEY);
}

/** True in a browser-like global scope (window and document exist). */
export function isBrowserLike(): boolean {
  return typeof window !== "undefined" && typeof document !== "undefined";
}

/**
 * Imports an optional peer (e.g. `next/headers`) at run time, hidden from bundlers: a literal
 * `import("next/headers")` makes esbuild, Vite and webpack fail to build any app that does not
 * install `next`, even though only Next.js servers ever reach this call. Name the file with its
 * extension (`next/headers.js`): `next` has no exports map, so Node's ESM resolver needs it.
 */
export function importOptional<T>(specifier: string): Promise<T> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<T>;
}
