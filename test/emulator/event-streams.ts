// Reading the emulator's event streams (`GET /payments/events/...`, server-sent events) in tests.

/** An event stream being read in the background. */
export interface OpenStream {
  status: number;
  /** `data:` payloads received so far, parsed. */
  events: any[];
  /** Comment lines received so far (`: connected`, `: closed: <why>`, heartbeats). */
  comments: string[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  isEnded(): boolean;
  /** Stops reading (and aborts the request, given its controller). */
  close(): Promise<void>;
}

/** Reads an event-stream answer in the background. */
export function readEventStream(res: Response, controller?: AbortController): OpenStream {
  const events: any[] = [];
  const comments: string[] = [];
  let ended = false;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const done = (async () => {
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) return;
      buffer += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buffer.indexOf("\n\n")) >= 0) {
        for (const line of buffer.slice(0, i).split("\n")) {
          if (line.startsWith("data: ")) events.push(JSON.parse(line.slice(6)));
          else if (line.startsWith(":")) comments.push(line);
        }
        buffer = buffer.slice(i + 2);
      }
    }
  })()
    .catch(() => {})
    .finally(() => (ended = true));
  return {
    status: res.status,
    events,
    comments,
    ended: done,
    isEnded: () => ended,
    async close() {
      await reader.cancel().catch(() => {});
      controller?.abort();
      await done;
    },
  };
}

/** Waits until `condition` holds, failing after `millis` with what was awaited. */
export async function until(condition: () => boolean, what: string, millis = 5000): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > millis) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
