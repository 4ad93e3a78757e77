/**
 * Errors of the emulator-only provider API (the checkout page's card confirmation): answered as
 * Stripe answers its own API, `{ "error": { type, code, message, param? } }` with a 4xx status, so a
 * card form can show the message next to the field it names.
 */

/** A refused provider API request; nothing was changed. */
export class ProviderRequestError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly type: "card_error" | "invalid_request_error",
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }

  /** The JSON body of the answer. */
  body(): { error: { type: string; code: string; message: string; param?: string } } {
    return { error: { type: this.type, code: this.code, message: this.message, ...(this.param === undefined ? {} : { param: this.param }) } };
  }
}
