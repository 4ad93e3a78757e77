/**
 * The dashboard's calls that the SDK has no method for: the emulator's own routes (sign-in,
 * activity, the admin event stream, custom customers, the payment emails outbox, the simulated
 * paid purchase, the test clock) and the user and team listings. Each call carries the project
 * owner's admin access token, never a key.
 */
import { StackPaymentsError } from "../core/errors.js";
import type { CustomerType } from "../core/schemas/common.js";
import type { ActivityResponse, AdminSessionResponse, CustomCustomersResponse } from "../core/schemas/emulator-dashboard.js";
import type { OutboxEmailWire, outboxListResponseSchema, simulatePurchaseResponseSchema } from "../core/schemas/emulator-provider.js";
import type * as z from "zod/mini";

/** The header the emulator's activity log tells the dashboard's own requests by. */
export const DASHBOARD_REQUEST_HEADER = "x-stack-emulator-dashboard";

/** A user as the server listing shows it (the fields the dashboard reads). */
export interface ListedUser {
  id: string;
  display_name: string | null;
  primary_email: string | null;
  is_anonymous: boolean;
  signed_up_at_millis: number;
}

/** A team as the server listing shows it. */
export interface ListedTeam {
  id: string;
  display_name: string;
  created_at_millis: number;
}

/** One email of the emulator's outbox (what the hosted API would have sent). */
export type OutboxEmail = OutboxEmailWire;

/** A page of the outbox, newest first. */
export type OutboxPage = z.infer<typeof outboxListResponseSchema>;

/** What a simulated paid purchase made. */
export type SimulatedPurchase = z.infer<typeof simulatePurchaseResponseSchema>;

/** The error of an answer: the API's known error (code and message), or its plain text. */
async function answerError(response: Response, what: string): Promise<StackPaymentsError> {
  const text = await response.text().catch(() => "");
  const code = response.headers.get("x-stack-known-error");
  if (code) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // keep the text
    }
    return new StackPaymentsError({ code, status: response.status, message });
  }
  return new StackPaymentsError({ code: "HTTP_ERROR", status: response.status, message: text || `${what} answered ${response.status}.` });
}

async function send<T>(request: Request, what: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(request);
  } catch (cause) {
    throw new StackPaymentsError({ code: "NETWORK_ERROR", message: `${what} failed: the emulator could not be reached. Is it still running?`, cause });
  }
  if (!response.ok) throw await answerError(response, what);
  return (await response.json()) as T;
}

/**
 * Exchanges a project's super secret admin key for an admin session (an internal-project user who
 * manages the project). The key is sent once, here, and kept nowhere.
 */
export function exchangeAdminKey(baseUrl: string, projectId: string, adminKey: string): Promise<AdminSessionResponse> {
  return send(
    new Request(`${baseUrl}/api/v1/internal/emulator/admin-session`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-stack-access-type": "admin",
        "x-stack-project-id": projectId,
        "x-stack-super-secret-admin-key": adminKey,
        [DASHBOARD_REQUEST_HEADER]: "1",
      },
      body: "{}",
    }),
    "Signing in",
  );
}

/** The emulator routes and listings of one project, called as its owner. */
export class EmulatorApi {
  readonly #baseUrl: string;
  readonly #projectId: string;
  readonly #token: () => Promise<string | null>;

  constructor(baseUrl: string, projectId: string, adminAccessToken: () => Promise<string | null>) {
    this.#baseUrl = baseUrl;
    this.#projectId = projectId;
    this.#token = adminAccessToken;
  }

  async #request(method: string, path: string, init: { query?: Record<string, string | undefined>; body?: unknown; signal?: AbortSignal } = {}): Promise<Request> {
    const query = Object.entries(init.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "");
    const url = `${this.#baseUrl}/api/v1${path}${query.length > 0 ? `?${new URLSearchParams(query).toString()}` : ""}`;
    const headers: Record<string, string> = {
      "x-stack-access-type": "admin",
      "x-stack-project-id": this.#projectId,
      [DASHBOARD_REQUEST_HEADER]: "1",
    };
    const token = await this.#token();
    if (token) headers["x-stack-admin-access-token"] = token;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    return new Request(url, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.signal ? { signal: init.signal } : {}),
      cache: "no-store",
    });
  }

  #call<T>(method: string, path: string, what: string, init?: { query?: Record<string, string | undefined>; body?: unknown }): Promise<T> {
    return this.#request(method, path, init).then((request) => send<T>(request, what));
  }

  /** Users, newest first; `query` matches an id exactly, or part of a name or email. Anonymous users included. */
  async listUsers(query: string): Promise<ListedUser[]> {
    const answer = await this.#call<{ items: ListedUser[] }>("GET", "/users", "Listing users", {
      query: { include_anonymous: "true", order_by: "signed_up_at", desc: "true", limit: "100", query: query.trim() },
    });
    return answer.items;
  }

  /** Every team of the project (oldest first). */
  async listTeams(): Promise<ListedTeam[]> {
    return (await this.#call<{ items: ListedTeam[] }>("GET", "/teams", "Listing teams")).items;
  }

  /** Custom customer ids the ledger knows, most recently active first. */
  listCustomCustomers(query: string): Promise<CustomCustomersResponse> {
    return this.#call("GET", "/internal/emulator/custom-customers", "Listing custom customers", { query: { query: query.trim() } });
  }

  /** The activity log kept so far and where its live stream resumes. */
  getActivity(): Promise<ActivityResponse> {
    return this.#call("GET", "/internal/emulator/activity", "Reading the activity log");
  }

  /** Opens the admin event stream (raw response, for the event-stream reader). */
  async openAdminEvents(init: { lastEventId: string | undefined; signal: AbortSignal }): Promise<Response> {
    const request = await this.#request("GET", "/internal/emulator/admin-events", { signal: init.signal });
    request.headers.set("accept", "text/event-stream");
    if (init.lastEventId !== undefined) request.headers.set("last-event-id", init.lastEventId);
    return fetch(request);
  }

  /** A page of the payment emails outbox, newest first. */
  listOutbox(options: { kind?: string | undefined; cursor?: string | undefined }): Promise<OutboxPage> {
    return this.#call("GET", "/internal/emulator/outbox", "Reading the outbox", { query: { kind: options.kind, cursor: options.cursor, limit: "25" } });
  }

  /** A paid (live-mode) purchase with the test card 4242, as a buyer would make at checkout. */
  simulatePurchase(body: { customer_type: CustomerType; customer_id: string; product_id: string; price_id?: string; quantity?: number }): Promise<SimulatedPurchase> {
    return this.#call("POST", "/internal/emulator/simulate-purchase", "Simulating a purchase", { body });
  }

  /** The project's emulator clock. */
  getClock(): Promise<{ now_millis: number }> {
    return this.#call("GET", "/internal/emulator/clock", "Reading the test clock");
  }

  /** Moves the project's clock forward. */
  advanceClock(millis: number): Promise<{ now_millis: number }> {
    return this.#call("POST", "/internal/emulator/clock/advance", "Moving the test clock", { body: { advance_millis: millis } });
  }
}
