/**
 * Request bodies as the hosted API reads them: a size limit (Hono's body-limit, answering 413
 * text), then one parse by content type (JSON, form, text, none) shared by validation and the
 * idempotency fingerprint.
 */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { ApiError, textResponse } from "../http.js";
import type { EmulatorEnv } from "./emulator-env.js";

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Refuses bodies over {@link MAX_BODY_BYTES} with 413 text, before anything reads them. */
export function limitBody() {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => textResponse(413, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`),
  });
}

/** Parses body text by content type; `BODY_PARSING_ERROR` for invalid JSON or an unknown type. */
export function parseBody(contentType: string | null, text: string): unknown {
  if (text.length === 0) return undefined;
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(text));
  if (type === "text/plain" || type === "application/octet-stream") return text;
  if (type === "application/json" || type === "" || type.endsWith("+json")) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw ApiError.known("BODY_PARSING_ERROR", {
        message: `Request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  throw ApiError.known("BODY_PARSING_ERROR", { message: `Unsupported content type: ${type}` });
}

/** Reads and parses the body once, leaving `body` and `bodyText` for the later steps. */
export function readBody() {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const text = c.req.raw.body ? await c.req.text() : "";
    c.set("bodyText", text);
    c.set("body", parseBody(c.req.header("content-type") ?? null, text));
    await next();
  });
}
