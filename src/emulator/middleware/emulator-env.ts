/**
 * The Hono environment the emulator's middleware share: the services every request may use and
 * the values each step leaves for the next (request id, parsed body, authentication, context).
 */
import type { Db } from "../db.js";
import type { AccessType, RequestContext, RequestUser } from "../http.js";
import type { LiveStreamHub } from "../live-events.js";
import type { ProjectRecord } from "../projects/store.js";

/** What the app is built over. */
export interface AppServices {
  db: Db;
  /** Real time; each project's stored clock offset is added on top. */
  realNow: () => number;
  /** The project of this emulator: its clock serves requests without project auth. */
  defaultProjectId: string;
  /** Check every JSON answer against its route's answer schema (a mismatch is a 500, reported to `reportError`). */
  checkAnswers: boolean;
  /**
   * The base URL the emulator is reached at (checkout links, token issuers), without a trailing
   * slash; null to use the origin each request was made to (in-process emulators).
   */
  publicUrl: string | null;
  /** Receives every unexpected error (a 500 answer): its details go here, never to the caller. */
  reportError(error: unknown, request: UnexpectedErrorRequest): void;
  /** The open event streams of this app. */
  liveStreams: LiveStreamHub;
}

/** The request an unexpected error happened on (see `AppServices.reportError`). */
export interface UnexpectedErrorRequest {
  /** The id sent back in `x-stack-request-id` and the 500 answer. */
  requestId: string;
  method: string;
  /** Path and query. */
  path: string;
}

/** A request's project authentication (all null without the `x-stack-access-type` header). */
export interface ProjectAuth {
  accessType: AccessType | null;
  project: ProjectRecord | null;
  user: RequestUser | null;
}

/** Reads a header by its `x-stack-*` name, also accepting the `x-hexclave-*` spelling. */
export type HeaderReader = (name: string) => string | null;

/** The Hono `Env` of the emulator's app. */
export interface EmulatorEnv {
  Variables: {
    services: AppServices;
    requestId: string;
    header: HeaderReader;
    body: unknown;
    bodyText: string;
    auth: ProjectAuth;
    ctx: RequestContext;
  };
}

/** A reader of `headers` that treats `x-stack-*` and `x-hexclave-*` as one header. */
export function headerReader(headers: Headers): HeaderReader {
  return (name) => {
    const lower = name.toLowerCase();
    const direct = headers.get(lower);
    if (direct !== null) return direct;
    if (lower.startsWith("x-stack-")) return headers.get(`x-hexclave-${lower.slice("x-stack-".length)}`);
    if (lower.startsWith("x-hexclave-")) return headers.get(`x-stack-${lower.slice("x-hexclave-".length)}`);
    return null;
  };
}
