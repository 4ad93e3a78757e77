/**
 * The emulator's activity log: every API request it answered, kept per project in a bounded ring
 * buffer in memory (method, path, access type, status, known error, duration), for the dashboard's
 * Activity section and its live stream. Nothing secret is kept: no keys, no tokens, no query
 * string, no bodies. Each emulator process keeps its own log.
 */
import { createMiddleware } from "hono/factory";
import type { Db } from "../db.js";
import type { AppServices, EmulatorEnv } from "../middleware/emulator-env.js";

/** One answered API request. */
export interface ActivityEntry {
  /** Increases with every entry of the recorder (all projects). */
  seq: number;
  /** When it was answered (real time, ms since the epoch). */
  at_millis: number;
  method: string;
  /** The path only (`/api/v1/...`): the query string can hold codes and is left out. */
  path: string;
  access_type: "client" | "server" | "admin" | null;
  /** The status the caller saw (the real one when the error-status override turned it into 200). */
  status: number;
  /** The known error's code (`ITEM_NOT_FOUND`, ...), if the answer was one. */
  known_error: string | null;
  duration_ms: number;
  request_id: string;
  /** `dashboard` for the dashboard's own requests (the page marks them), else `app`. */
  source: "app" | "dashboard";
}

/** The request header the dashboard marks its own requests with. */
export const DASHBOARD_REQUEST_HEADER = "x-stack-emulator-dashboard";

/** Entries kept per project. */
export const ACTIVITY_LIMIT_PER_PROJECT = 500;
/** Projects kept (by latest activity): requests naming made-up project ids must not grow memory. */
const PROJECT_LIMIT = 200;

type Listener = (projectId: string, entry: ActivityEntry) => void;

/** The log of one emulator: a ring buffer per project, and listeners told of each new entry. */
export class ActivityRecorder {
  #seq = 0;
  readonly #projects = new Map<string, ActivityEntry[]>();
  readonly #listeners = new Set<Listener>();

  /** Appends an entry for `projectId` (its `seq` is assigned here) and tells the listeners. */
  record(projectId: string, entry: Omit<ActivityEntry, "seq">): ActivityEntry {
    const full: ActivityEntry = { seq: ++this.#seq, ...entry };
    let list = this.#projects.get(projectId);
    if (list) this.#projects.delete(projectId);
    else list = [];
    // Re-inserted: the Map's order is the projects' order of latest activity.
    this.#projects.set(projectId, list);
    list.push(full);
    if (list.length > ACTIVITY_LIMIT_PER_PROJECT) list.splice(0, list.length - ACTIVITY_LIMIT_PER_PROJECT);
    if (this.#projects.size > PROJECT_LIMIT) this.#projects.delete(this.#projects.keys().next().value!);
    for (const listener of [...this.#listeners]) listener(projectId, full);
    return full;
  }

  /** A project's entries after `afterSeq` (all kept ones by default), oldest first. */
  list(projectId: string, afterSeq = 0): ActivityEntry[] {
    return (this.#projects.get(projectId) ?? []).filter((e) => e.seq > afterSeq);
  }

  /** The newest `seq` handed out (0 before any). */
  get latestSeq(): number {
    return this.#seq;
  }

  /** Calls `listener` for every new entry; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Forgets a project's entries (the project was deleted). */
  forget(projectId: string): void {
    this.#projects.delete(projectId);
  }
}

// One log per storage: the emulators of one process that share a database (tests) share it too,
// and each entry is filed under its project anyway.
const recorders = new WeakMap<Db, ActivityRecorder>();

/** The activity log of the emulator over `db`. */
export function activityRecorderFor(db: Db): ActivityRecorder {
  let recorder = recorders.get(db);
  if (!recorder) recorders.set(db, (recorder = new ActivityRecorder()));
  return recorder;
}

/**
 * Records every answered `/api/` request of a project in the activity log. Runs outermost, so it
 * sees the final answer (error handler included) and the status the caller asked to be overridden.
 */
export function recordActivity(services: AppServices) {
  const recorder = activityRecorderFor(services.db);
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const started = services.realNow();
    await next();
    const path = new URL(c.req.url).pathname;
    if (!path.startsWith("/api/")) return;
    const headers = c.req.raw.headers;
    // The authenticated project, else the one the request named (a refused key is worth seeing too).
    const projectId = c.var.auth?.project?.id ?? headers.get("x-stack-project-id") ?? headers.get("x-hexclave-project-id");
    // Made-up project ids of refused requests are kept too, but not unbounded ones.
    if (!projectId || projectId.length > 100) return;
    const accessHeader = headers.get("x-stack-access-type") ?? headers.get("x-hexclave-access-type");
    const actual = Number(c.res.headers.get("x-stack-actual-status"));
    recorder.record(projectId, {
      at_millis: services.realNow(),
      method: c.req.method,
      path: path.length > 500 ? `${path.slice(0, 499)}…` : path,
      access_type: accessHeader === "client" || accessHeader === "server" || accessHeader === "admin" ? accessHeader : null,
      status: Number.isInteger(actual) && actual > 0 ? actual : c.res.status,
      known_error: c.res.headers.get("x-stack-known-error"),
      duration_ms: Math.max(0, services.realNow() - started),
      request_id: c.res.headers.get("x-stack-request-id") ?? "",
      source: headers.get(DASHBOARD_REQUEST_HEADER) === "1" ? "dashboard" : "app",
    });
  });
}
