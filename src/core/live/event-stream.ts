/**
 * A server-sent-events reader built on fetch: `EventSource` cannot send the Stack auth headers, so
 * the stream is opened with an ordinary request and parsed here. It reconnects with a jittered
 * exponential backoff, resumes with `Last-Event-ID`, and gives up (state `unsupported`) when the
 * server has no such route, so the caller can fall back to polling.
 */
import { isStackPaymentsError } from "../errors.js";
import { ACTUAL_STATUS_HEADER } from "../wire-constants.js";

/** One event read from the stream (WHATWG fields; `event` defaults to `message`). */
export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Incremental parser of the `text/event-stream` format: feed it decoded text in any chunking and
 * it calls `onEvent` per complete event and `onRetry` per `retry:` field.
 */
export function createSseParser(
  onEvent: (event: ServerSentEvent) => void,
  onRetry: (ms: number) => void = () => {},
): { push(text: string): void } {
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let id: string | undefined;
  let sawId = false;
  const line = (l: string) => {
    if (l === "") {
      // A blank line dispatches; a block with no data (e.g. only an id) dispatches nothing.
      if (data.length > 0) onEvent({ id: sawId ? id : undefined, event: event || "message", data: data.join("\n") });
      data = [];
      event = "";
      sawId = false;
      return;
    }
    if (l.startsWith(":")) return;
    const colon = l.indexOf(":");
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? "" : l.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) {
      id = value;
      sawId = true;
    } else if (field === "retry" && /^\d+$/.test(value)) onRetry(Number(value));
  };
  return {
    push(text) {
      buffer += text;
      // Lines end in CRLF, LF or CR; a trailing CR may be the first half of a CRLF, so keep it.
      for (;;) {
        const match = /\r\n|\n|\r(?=[^\n])/.exec(buffer);
        if (!match) break;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
  };
}

/** Where a stream stands: opening, delivering, waiting to reconnect, refused for good, or closed by us. */
export type EventStreamState = "connecting" | "open" | "retrying" | "unsupported" | "closed";

/** Options of {@link createEventStream}. */
export interface EventStreamOptions {
  /** Sends the request (with auth headers); `lastEventId` is to be sent as `Last-Event-ID` when defined. */
  open(init: { lastEventId: string | undefined; signal: AbortSignal }): Promise<Response>;
  /** Called per event, in order. */
  onEvent(event: ServerSentEvent): void;
  /** Called on every state change; `error` is what caused a `retrying` or `unsupported`. */
  onStateChange?(state: EventStreamState, error?: unknown): void;
  /** First reconnect delay (doubled per consecutive failure, jittered). Default 500 ms. */
  initialDelayMs?: number;
  /** Longest reconnect delay. Default 30 s. */
  maxDelayMs?: number;
  /** Reconnect when no byte arrived for this long (a silent dead connection). Default: never. */
  idleTimeoutMs?: number;
}

/** A running stream; see {@link createEventStream}. */
export interface EventStream {
  readonly state: EventStreamState;
  /** Id of the last event delivered, sent as `Last-Event-ID` on reconnect. */
  readonly lastEventId: string | undefined;
  /** Drops the current connection (if any) and connects again now, resuming from the last id. */
  reconnect(): void;
  /** Stops for good. */
  close(): void;
}

/** An error that means "this server has no event stream for us": retrying will not help. */
function isUnsupportedStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;
}

/** Opens and keeps open a server-sent-events stream; see the module comment. */
export function createEventStream(options: EventStreamOptions): EventStream {
  const initialDelay = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  let state: EventStreamState = "connecting";
  let lastEventId: string | undefined;
  let failures = 0;
  let serverRetry: number | undefined;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  const setState = (next: EventStreamState, error?: unknown) => {
    if (state === next && next !== "retrying") return;
    state = next;
    options.onStateChange?.(next, error);
  };

  const scheduleRetry = (error: unknown) => {
    if (state === "closed" || state === "unsupported") return;
    const base = Math.max(serverRetry ?? 0, Math.min(maxDelay, initialDelay * 2 ** failures));
    failures++;
    // Full jitter in [0.5, 1.5) so that many tabs do not reconnect in lockstep after an outage.
    const delay = Math.min(maxDelay, base * (0.5 + Math.random()));
    setState("retrying", error);
    timer = setTimeout(() => connect(), delay);
  };

  const connect = async () => {
    timer = undefined;
    const mine = ++generation;
    controller?.abort();
    const ctl = (controller = new AbortController());
    if (state !== "connecting") setState("connecting");
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      if (options.idleTimeoutMs === undefined) return;
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => ctl.abort(new Error("event stream idle")), options.idleTimeoutMs);
    };
    try {
      const response = await options.open({ lastEventId, signal: ctl.signal });
      if (mine !== generation) return;
      // An `open` that asked for 200-with-real-status-in-a-header on 4xx gets the real status here.
      const status = Number(response.headers.get(ACTUAL_STATUS_HEADER) ?? response.status);
      const type = response.headers.get("content-type") ?? "";
      if (status < 200 || status >= 300 || !type.includes("text/event-stream") || !response.body) {
        const body = await response.text().catch(() => "");
        const error = new Error(`event stream answered ${status} ${type}: ${body.slice(0, 200)}`);
        if (isUnsupportedStatus(status) || (status >= 200 && status < 300)) {
          setState("unsupported", error);
          return;
        }
        scheduleRetry(error);
        return;
      }
      setState("open");
      armIdle();
      const parser = createSseParser(
        (event) => {
          if (event.id !== undefined) lastEventId = event.id;
          failures = 0;
          options.onEvent(event);
        },
        (ms) => (serverRetry = ms),
      );
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (mine !== generation) return;
        if (done) break;
        armIdle();
        // An open connection that delivers bytes is healthy, even before the first event.
        failures = 0;
        parser.push(decoder.decode(value, { stream: true }));
      }
      scheduleRetry(new Error("event stream ended"));
    } catch (error) {
      if (mine !== generation) return;
      // A redirect will not go away by reconnecting (and is never followed): fall back to polling.
      if (isStackPaymentsError(error, "UNEXPECTED_REDIRECT")) return setState("unsupported", error);
      scheduleRetry(error);
    } finally {
      if (idle !== undefined) clearTimeout(idle);
    }
  };

  void connect();

  return {
    get state() {
      return state;
    },
    get lastEventId() {
      return lastEventId;
    },
    reconnect() {
      if (state === "closed") return;
      if (timer !== undefined) clearTimeout(timer);
      failures = 0;
      state = "connecting";
      options.onStateChange?.("connecting");
      void connect();
    },
    close() {
      if (state === "closed") return;
      generation++;
      if (timer !== undefined) clearTimeout(timer);
      controller?.abort();
      setState("closed");
    },
  };
}
