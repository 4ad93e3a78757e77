/**
 * The live event stream (an emulator extension): server-sent events of one customer's item
 * quantities and product list. Writes append rows to `payments_live_events` in the same
 * transaction as the change, so every process sharing the database sees them in order.
 *
 * One {@link LiveStreamHub} per emulator serves every open stream: it polls the table for all
 * watched customers in one query, checks time-based changes once per customer (not per
 * stream), and runs its queries one at a time, so however many streams are open the API's own
 * requests wait behind at most one of them. Streams are capped per caller and in total, and a
 * client's stream ends once its caller loses access to the customer.
 * `Last-Event-ID` resumes a stream.
 */
import type { ItemResponse, LiveEvent, PaymentsConfig, ProductsListResponse } from "../core/schemas/index.js";
import type { AccessChange } from "./access-changes.js";
import { emulatorNow } from "./clock.js";
import type { Db, SqlExecutor } from "./db.js";
import { listCustomerProducts, readItem } from "./payments/customer-state.js";
import { resolveItem } from "./payments/products.js";
import {
  expiringItemIds,
  insertLiveEvent,
  lastLiveEventPayload,
  loadPurchases,
  lockCustomer,
  type CustomerRef,
} from "./payments/store.js";
import { getProjectConfig } from "./project-config.js";

/** How often the hub looks for new events. */
const POLL_MILLIS = 100;
/** How often a customer is checked for changes that come from time passing (expiries, period ends). */
const TIME_CHECK_MILLIS = 500;
/** How often an idle stream sends a comment so proxies keep it open. */
const HEARTBEAT_MILLIS = 15_000;
/** How often a stream re-checks its access (a client's caller, any stream's key) while no event needs it. */
export const ACCESS_CHECK_MILLIS = 5_000;
/** Events read per poll (the rest follow on the next). */
const EVENTS_PER_POLL = 1000;
/**
 * How long one write may wait on a reader that does not read before its stream is dropped, so a
 * stuck or vanished reader cannot hold a place under the caps for ever.
 */
const STALLED_WRITE_MILLIS = 60_000;
/** `Retry-After` of a refused stream, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

/** Caps on open event streams (see `CreateEmulatorOptions.liveStreams`). */
export interface LiveStreamLimits {
  /** Open streams of one caller: a signed-in user, or a project's server (or admin) key. Default 20. */
  maxPerCaller: number;
  /** Open streams of the whole emulator. Default 200. */
  maxTotal: number;
}

/** The default {@link LiveStreamLimits}. */
export const DEFAULT_LIVE_STREAM_LIMITS: LiveStreamLimits = { maxPerCaller: 20, maxTotal: 200 };

/**
 * Records that a customer's items and/or product list changed (call inside the write's
 * transaction, after the change). Item events carry the quantity computed in that transaction
 * (`known` passes values the caller already has);
 * product-list events are rendered for each stream's caller when sent (clients see fewer products).
 */
export async function appendCustomerEvents(
  tx: SqlExecutor,
  c: CustomerRef,
  config: PaymentsConfig,
  changes: { itemIds: readonly string[]; products: boolean; known?: readonly ItemResponse[] },
  now: number,
): Promise<void> {
  for (const itemId of changes.itemIds) {
    const item = resolveItem(config, itemId);
    if (!item || item.customerType !== c.customerType) continue;
    const value = changes.known?.find((k) => k.id === itemId) ?? (await readItem(tx, c, item, now));
    await insertLiveEvent(tx, c, { kind: "item", itemId, payload: value, createdAt: now });
  }
  if (changes.products) {
    // The server view is stored to tell later whether time changed the list (see
    // recordTimeBasedChanges); each stream still renders the list for its own caller.
    const payload = await listCustomerProducts(tx, c, config, now, { isClient: false });
    await insertLiveEvent(tx, c, { kind: "products", itemId: null, payload, createdAt: now });
  }
}

/**
 * What time alone may have changed for a customer: values that differ from their last event;
 * `dependsOnTime` is false when nothing of the customer can change with time (no purchases, no
 * expiring grants), which only a new write (and so a new event) can alter.
 */
async function timeBasedChanges(
  db: SqlExecutor,
  c: CustomerRef,
  config: PaymentsConfig,
  now: number,
): Promise<{ items: ItemResponse[]; products: boolean; dependsOnTime: boolean }> {
  const [purchases, expiring] = await Promise.all([loadPurchases(db, c), expiringItemIds(db, c)]);
  const itemIds = new Set(expiring);
  for (const p of purchases) for (const id of Object.keys(p.includedItems)) itemIds.add(id);
  const items: ItemResponse[] = [];
  for (const id of itemIds) {
    const item = resolveItem(config, id);
    if (!item || item.customerType !== c.customerType) continue;
    const value = await readItem(db, c, item, now);
    const last = (await lastLiveEventPayload(db, c, "item", id)) as ItemResponse | undefined;
    if (last?.quantity !== value.quantity) items.push(value);
  }
  let products = false;
  if (purchases.length > 0) {
    const list = await listCustomerProducts(db, c, config, now, { isClient: false });
    products = JSON.stringify(list) !== JSON.stringify(await lastLiveEventPayload(db, c, "products", null));
  }
  return { items, products, dependsOnTime: purchases.length > 0 || expiring.length > 0 };
}

/**
 * Appends events for changes that come from time passing (grant expiries, repeats, subscription
 * ends, period roll-overs), e.g. after the test clock moved. The hub calls it as it polls; the
 * check runs again under the customer's lock before writing, so concurrent hubs (or processes)
 * neither duplicate an event nor write a stale value after a newer write. Resolves to whether
 * anything of the customer depends on time.
 */
export async function recordTimeBasedChanges(db: Db, c: CustomerRef, config: PaymentsConfig, now: number): Promise<boolean> {
  const first = await timeBasedChanges(db, c, config, now);
  if (first.items.length === 0 && !first.products) return first.dependsOnTime;
  await db.transaction(
    async (tx) => {
      await lockCustomer(tx, c);
      const changes = await timeBasedChanges(tx, c, config, now);
      if (changes.items.length === 0 && !changes.products) return;
      await appendCustomerEvents(tx, c, config, { itemIds: changes.items.map((i) => i.id), products: changes.products, known: changes.items }, now);
    },
    { isolation: "read committed" },
  );
  return true;
}

/** A stored event as the hub reads it. */
interface StoredEvent {
  id: number;
  kind: "item" | "products";
  itemId: string | null;
  payload: unknown;
}

/** One open stream, as the hub drives it. */
export interface Subscriber {
  readonly customer: CustomerRef;
  readonly isClient: boolean;
  /** The signed-in user of a client's stream (null for server and admin keys). */
  readonly callerUserId: string | null;
  /** Id of the last event sent (or skipped as older than the stream). */
  lastId: number;
  /** A write is in progress (a slow reader): the subscriber is skipped until it finishes. */
  busy: boolean;
  /** When the pending write started (meaningful while `busy`). */
  busySince: number;
  lastSent: number;
  lastAccessCheck: number;
  /** Whether the caller may still read the customer (for server and admin keys: their key is still valid). */
  hasAccess(): Promise<boolean>;
  write(text: string): Promise<void>;
  /** Ends the stream, with a comment saying why. */
  end(reason: string): void;
  /** Ends the stream at once, without writing (its reader does not read). */
  abort(): void;
}

/** The streams watching one customer. */
interface CustomerGroup {
  customer: CustomerRef;
  subscribers: Set<Subscriber>;
  lastTimeCheck: number;
  /** null until the first time check. */
  dependsOnTime: boolean | null;
  /** An event arrived since the last time check (a write may have made the customer depend on time). */
  changedSinceTimeCheck: boolean;
}

function customerKey(c: CustomerRef): string {
  return JSON.stringify([c.projectId, c.customerType, c.customerId]);
}

/** The `data:` JSON of a stored event for one stream (`products` is rendered for its caller). */
function eventData(e: StoredEvent, products: () => Promise<ProductsListResponse>): Promise<LiveEvent> | LiveEvent {
  if (e.kind === "item") return { kind: "item", item_id: e.itemId ?? "", item: e.payload as Extract<LiveEvent, { kind: "item" }>["item"] };
  return products().then((list) => ({ kind: "products", products: list }));
}

/**
 * The emulator's open event streams: admission (caps per caller and in total), one polling loop
 * for all of them, and their ends. Every query of the loop runs after the previous one, so the
 * loop adds at most one query to the database's queue at any moment.
 */
export class LiveStreamHub {
  readonly #db: Db;
  readonly #realNow: () => number;
  readonly #limits: LiveStreamLimits;
  readonly #perCaller = new Map<string, number>();
  #total = 0;
  readonly #groups = new Map<string, CustomerGroup>();
  /** Checks of streams the hub does not drive, by project (see `onProjectAccessChange`). */
  readonly #projectWatchers = new Map<string, Set<() => void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;

  constructor(db: Db, realNow: () => number, limits: Partial<LiveStreamLimits> = {}) {
    this.#db = db;
    this.#realNow = realNow;
    this.#limits = { ...DEFAULT_LIVE_STREAM_LIMITS, ...limits };
  }

  /**
   * Reserves a stream for `caller`, or answers why not: the refusal text of a 429. The
   * reservation's `release` must be called once the stream ends.
   */
  admit(caller: string): { release(): void } | { refusal: string } {
    const mine = this.#perCaller.get(caller) ?? 0;
    if (mine >= this.#limits.maxPerCaller)
      return {
        refusal: `Too many open event streams: this caller already has ${mine}, the most one caller may have open at once. Close one (or let one end) and retry.`,
      };
    if (this.#total >= this.#limits.maxTotal)
      return { refusal: `Too many open event streams: the emulator already serves ${this.#total}, the most it keeps open at once. Retry later.` };
    this.#perCaller.set(caller, mine + 1);
    this.#total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#perCaller.get(caller) ?? 1) - 1;
        if (left === 0) this.#perCaller.delete(caller);
        else this.#perCaller.set(caller, left);
      },
    };
  }

  /** Adds an open stream to the loop; returns its removal. */
  subscribe(subscriber: Subscriber): () => void {
    const key = customerKey(subscriber.customer);
    let group = this.#groups.get(key);
    if (!group) {
      group = { customer: subscriber.customer, subscribers: new Set(), lastTimeCheck: 0, dependsOnTime: null, changedSinceTimeCheck: false };
      this.#groups.set(key, group);
    }
    group.subscribers.add(subscriber);
    this.#schedule(0);
    return () => {
      group.subscribers.delete(subscriber);
      if (group.subscribers.size === 0 && this.#groups.get(key) === group) this.#groups.delete(key);
    };
  }

  /**
   * Has the streams a committed write may have taken access from re-check it on the next poll
   * rather than at their next periodic check: a client's streams of one user (signed out, a
   * session revoked, deleted, removed from a team or a permission), the client streams watching one
   * team (deleted), or every stream of the project. Only those: a caller who signs out again and
   * again makes one check of their own streams each; however many writes ask, a stream the hub
   * drives is checked at most once per poll, a watched one (`onProjectAccessChange`) at most once
   * at a time.
   */
  recheckAccess(projectId: string, who: AccessChange): void {
    if ("wholeProject" in who) for (const check of this.#projectWatchers.get(projectId) ?? []) check();
    let any = false;
    for (const group of this.#groups.values()) {
      const c = group.customer;
      if (c.projectId !== projectId) continue;
      const watchingTeam = "teamId" in who && c.customerType === "team" && c.customerId === who.teamId;
      for (const s of group.subscribers) {
        const concerned = "wholeProject" in who || (s.isClient && (watchingTeam || ("userId" in who && s.callerUserId === who.userId)));
        if (!concerned) continue;
        s.lastAccessCheck = 0;
        any = true;
      }
    }
    if (any) this.#schedule(0);
  }

  /**
   * Runs `check` whenever a write asks for every stream of `projectId` to re-check its access
   * (see {@link recheckAccess}): for streams the hub does not drive. Returns its removal.
   */
  onProjectAccessChange(projectId: string, check: () => void): () => void {
    let checks = this.#projectWatchers.get(projectId);
    if (!checks) this.#projectWatchers.set(projectId, (checks = new Set()));
    checks.add(check);
    return () => {
      checks.delete(check);
      if (checks.size === 0 && this.#projectWatchers.get(projectId) === checks) this.#projectWatchers.delete(projectId);
    };
  }

  /** Ends every open stream (the emulator is closing). */
  closeAll(): void {
    for (const group of this.#groups.values()) for (const s of group.subscribers) s.end("the emulator is closing");
    this.#groups.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delay: number): void {
    if (this.#timer !== undefined || this.#running || this.#groups.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = true;
      void this.#tick().finally(() => {
        this.#running = false;
        this.#schedule(POLL_MILLIS);
      });
    }, delay);
  }

  async #tick(): Promise<void> {
    try {
      const configs = new Map<string, Promise<PaymentsConfig>>();
      const configOf = (projectId: string) => {
        let config = configs.get(projectId);
        if (!config) configs.set(projectId, (config = getProjectConfig(this.#db, projectId).then((c) => c.payments)));
        return config;
      };
      const nows = new Map<string, Promise<number>>();
      const nowOf = (projectId: string) => {
        let now = nows.get(projectId);
        if (!now) nows.set(projectId, (now = emulatorNow(this.#db, projectId, this.#realNow)));
        return now;
      };
      await this.#checkTime(configOf, nowOf);
      await this.#deliver(configOf, nowOf);
      await this.#keepAlive();
    } catch {
      // The events could not be read (the emulator is closing, or storage failed): end every
      // stream; clients reconnect and resume from their Last-Event-ID.
      for (const group of [...this.#groups.values()]) this.#endGroup(group, "the emulator could not read its events");
    }
  }

  /** Ends the streams of one customer (what failed concerns only them). */
  #endGroup(group: CustomerGroup, reason: string): void {
    for (const s of [...group.subscribers]) s.end(reason);
    if (this.#groups.get(customerKey(group.customer)) === group) this.#groups.delete(customerKey(group.customer));
  }

  async #checkTime(configOf: (p: string) => Promise<PaymentsConfig>, nowOf: (p: string) => Promise<number>): Promise<void> {
    const started = Date.now();
    for (const group of [...this.#groups.values()]) {
      if (started - group.lastTimeCheck < TIME_CHECK_MILLIS) continue;
      if (group.dependsOnTime === false && !group.changedSinceTimeCheck) continue;
      group.lastTimeCheck = started;
      group.changedSinceTimeCheck = false;
      const c = group.customer;
      try {
        group.dependsOnTime = await recordTimeBasedChanges(this.#db, c, await configOf(c.projectId), await nowOf(c.projectId));
      } catch {
        this.#endGroup(group, "the emulator could not compute this customer's changes");
      }
    }
  }

  async #deliver(configOf: (p: string) => Promise<PaymentsConfig>, nowOf: (p: string) => Promise<number>): Promise<void> {
    const groups = [...this.#groups.values()].filter((g) => g.subscribers.size > 0);
    if (groups.length === 0) return;
    const after = groups.map((g) => Math.min(...[...g.subscribers].map((s) => s.lastId)));
    const rows = await this.#db.query<{ id: string; project_id: string; customer_type: string; customer_id: string; kind: "item" | "products"; item_id: string | null; payload: unknown }>(
      `SELECT e.id::text AS id, e.project_id, e.customer_type, e.customer_id, e.kind, e.item_id, e.payload
       FROM payments_live_events e
       JOIN unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS w(project_id, customer_type, customer_id, after_id)
         ON e.project_id = w.project_id AND e.customer_type = w.customer_type AND e.customer_id = w.customer_id AND e.id > w.after_id
       ORDER BY e.id LIMIT ${EVENTS_PER_POLL}`,
      [groups.map((g) => g.customer.projectId), groups.map((g) => g.customer.customerType), groups.map((g) => g.customer.customerId), after],
    );
    const byGroup = new Map<string, StoredEvent[]>();
    for (const r of rows) {
      const key = JSON.stringify([r.project_id, r.customer_type, r.customer_id]);
      const list = byGroup.get(key) ?? [];
      list.push({ id: Number(r.id), kind: r.kind, itemId: r.item_id, payload: typeof r.payload === "string" ? (JSON.parse(r.payload) as unknown) : r.payload });
      byGroup.set(key, list);
    }
    for (const [key, events] of byGroup) {
      const group = this.#groups.get(key);
      if (!group) continue;
      group.changedSinceTimeCheck = true;
      const c = group.customer;
      // Product lists are rendered now (the current list), once per kind of caller.
      const lists = new Map<boolean, Promise<ProductsListResponse>>();
      const productsFor = (isClient: boolean) => () => {
        let list = lists.get(isClient);
        if (!list) lists.set(isClient, (list = Promise.all([configOf(c.projectId), nowOf(c.projectId)]).then(([config, now]) => listCustomerProducts(this.#db, c, config, now, { isClient }))));
        return list;
      };
      for (const s of [...group.subscribers]) {
        if (s.busy) continue;
        const pending = events.filter((e) => e.id > s.lastId);
        if (pending.length === 0) continue;
        let text = "";
        try {
          // Checked before every delivery: a caller removed from the team, deleted or signed out
          // gets nothing more, not even what was written just before.
          if (s.isClient && !(await this.#stillAllowed(s))) continue;
          for (const e of pending) text += `id: ${e.id}\ndata: ${JSON.stringify(await eventData(e, productsFor(s.isClient)))}\n\n`;
        } catch {
          s.end("the emulator could not render this customer's events");
          continue;
        }
        s.lastId = pending.at(-1)!.id;
        s.lastSent = Date.now();
        // Written without waiting: a slow reader holds back only itself (it is skipped while busy).
        this.#write(s, text);
      }
    }
  }

  /** Heartbeats for idle streams, and the periodic access check of every stream. */
  async #keepAlive(): Promise<void> {
    const now = Date.now();
    for (const group of [...this.#groups.values()]) {
      for (const s of [...group.subscribers]) {
        if (s.busy && now - s.busySince >= STALLED_WRITE_MILLIS) {
          s.abort();
          continue;
        }
        // Every stream, server and admin ones included: their key may have been revoked.
        if (now - s.lastAccessCheck >= ACCESS_CHECK_MILLIS && !(await this.#stillAllowed(s).catch(() => false))) continue;
        if (!s.busy && now - s.lastSent >= HEARTBEAT_MILLIS) {
          s.lastSent = now;
          this.#write(s, ": heartbeat\n\n");
        }
      }
    }
  }

  #write(s: Subscriber, text: string): void {
    s.busy = true;
    s.busySince = Date.now();
    void s.write(text).finally(() => (s.busy = false));
  }

  async #stillAllowed(s: Subscriber): Promise<boolean> {
    s.lastAccessCheck = Date.now();
    if (await s.hasAccess()) return true;
    s.end("the caller no longer has access to this customer");
    return false;
  }
}
