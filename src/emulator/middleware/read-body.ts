/**
 * Request bodies as the hosted API reads them: a size limit (answering 413 text), then one parse by content type (JSON, form, text, none) shared by validation and the
 * idempotency fingerprint. Bytes that are not UTF-8 and JSON nested beyond any real use are
 * refused here, before anything walks the value.
 */
import { createMiddleware } from "hono/factory";
import { ApiError } from "../http.js";
import type { EmulatorEnv } from "./emulator-env.js";

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Deepest accepted JSON nesting. Validation, error messages and storage walk values
 * recursively; a body nested 100,000 levels deep would exhaust the stack on the way.
 */
export const MAX_JSON_DEPTH = 100;

function tooLarge(): ApiError {
  return ApiError.text(413, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`);
}

/**
 * The body's bytes, at most {@link MAX_BODY_BYTES} (413 beyond: at once when `content-length`
 * says so, else as soon as the stream passes it). Hono's body-limit is not used: it rebuilds the
 * request with `new Request(raw, …)`, which fails on the Node adapter's own request objects, so
 * every chunked body (no `content-length`) was answered 500. The stream is never cancelled: over
 * HTTP that would reset the connection before the 413 is read; the server drops the rest.
 */
async function readLimited(request: Request): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && !request.headers.has("transfer-encoding") && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await reader.read();
    } catch {
      // The client went away mid-body (or sent less than its content-length): its fault, not ours.
      throw ApiError.known("BODY_PARSING_ERROR", { message: "The request body ended before it was complete." });
    }
    const { done, value } = read;
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      reader.releaseLock();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** How deep `text` nests arrays and objects (a linear scan that skips string contents). */
function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return deepest;
}

/**
 * `JSON.parse` for untrusted text: refuses nesting deeper than {@link MAX_JSON_DEPTH} before
 * parsing. Throws a `SyntaxError` (with a readable message) for either problem.
 *
 * @example
 * const value = parseUntrustedJson(body.config_string);
 */
export function parseUntrustedJson(text: string): unknown {
  if (jsonNestingDepth(text) > MAX_JSON_DEPTH) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`);
  return JSON.parse(text) as unknown;
}

/** Parses body text by content type; `BODY_PARSING_ERROR` for invalid JSON or an unknown type. */
export function parseBody(contentType: string | null, text: string): unknown {
  if (text.length === 0) return undefined;
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(text));
  if (type === "text/plain" || type === "application/octet-stream") return text;
  if (type === "application/json" || type === "" || type.endsWith("+json")) {
    try {
      return parseUntrustedJson(text);
    } catch (error) {
      throw ApiError.known("BODY_PARSING_ERROR", {
        message: `Request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  throw ApiError.known("BODY_PARSING_ERROR", { message: `Unsupported content type: ${type}` });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The body's bytes as text; `BODY_PARSING_ERROR` when they are not UTF-8 (rather than silently replacing them). */
function decodeBody(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw ApiError.known("BODY_PARSING_ERROR", { message: "Request body is not valid UTF-8." });
  }
}

/**
 * Reads the body once within {@link MAX_BODY_BYTES} (413 text beyond it, before anything else
 * reads it), and parses it, leaving `body` and `bodyText` for the later steps.
 */
export function readBody() {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const text = decodeBody(await readLimited(c.req.raw));
    c.set("bodyText", text);
    c.set("body", parseBody(c.req.header("content-type") ?? null, text));
    await next();
  });
}
