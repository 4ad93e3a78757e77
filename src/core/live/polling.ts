/**
 * Adaptive polling, the live source of last resort (servers without an event stream): each open
 * topic is re-read on an interval that pauses while the tab is hidden or offline, fires at once on
 * focus, visibility and reconnect, backs off on network errors, stretches while other sources keep
 * the topic fresh, and turns fast for a customer returning from checkout until the purchase shows.
 */
import { isStackPaymentsError } from "../errors.js";
import type { CustomerType } from "../schemas/common.js";
import { productsTopic, type LiveTopic, type LiveValue } from "./bus.js";

/** What the poller needs to know about the page it runs in. */
export interface PollerEnvironment {
  isHidden(): boolean;
  isOnline(): boolean;
  /** Subscribes to `wake` (tab shown, focused, back online) and `sleep` (tab hidden, offline). */
  on(event: "wake" | "sleep", listener: () => void): () => void;
}

/**
 * The environment of a browser page (`document.visibilityState`, `navigator.onLine`, focus,
 * `online`/`offline`); outside a browser, an always-visible, always-online page without events.
 */
export function createBrowserEnvironment(): PollerEnvironment {
  const doc = typeof document === "undefined" ? undefined : document;
  const win = typeof window === "undefined" ? undefined : window;
  const nav = typeof navigator === "undefined" ? undefined : navigator;
  return {
    isHidden: () => doc?.visibilityState === "hidden",
    isOnline: () => nav?.onLine !== false,
    on(event, listener) {
      if (!win || !doc) return () => {};
      const onVisibility = () => {
        if ((doc.visibilityState === "hidden") === (event === "sleep")) listener();
      };
      const windowEvents = event === "wake" ? ["focus", "online"] : ["offline"];
      doc.addEventListener("visibilitychange", onVisibility);
      for (const name of windowEvents) win.addEventListener(name, listener);
      return () => {
        doc.removeEventListener("visibilitychange", onVisibility);
        for (const name of windowEvents) win.removeEventListener(name, listener);
      };
    },
  };
}

/** Options of {@link createPoller}. */
export interface PollerOptions {
  /** Reads the current wire value of a topic (throws on failure). */
  read(topic: LiveTopic): Promise<LiveValue<LiveTopic>>;
  /** Called with a value that differs from the last one known for the topic. */
  publish(topic: LiveTopic, value: LiveValue<LiveTopic>): void;
  /** Normal interval per topic. Default 10 s. */
  intervalMs?: number;
  /** Interval while a customer is hurried (after checkout). Default 1 s. */
  fastIntervalMs?: number;
  /** Longest wait between attempts after errors. Default 2 min. */
  maxBackoffMs?: number;
  /** How long a hurry lasts at most. Default 2 min. */
  hurryCapMs?: number;
  /** Default {@link createBrowserEnvironment}. */
  environment?: PollerEnvironment;
  /** Called when reads start or stop failing with network/server errors. */
  onFailingChange?(failing: boolean, error?: unknown): void;
}

/** Options of {@link Poller.hurry}. */
export interface HurryOptions {
  /** Ends the hurry early when true for a value seen (e.g. the bought product is listed). */
  landed?(topic: LiveTopic, value: LiveValue<LiveTopic>): boolean;
  /** Known value of the customer's products before the purchase (ends the hurry when it changes). */
  productsBefore?: LiveValue<LiveTopic>;
  /** Default the poller's `hurryCapMs`. */
  capMs?: number;
  /** Called once when the hurry ends (`landed` true: the data changed; false: the cap passed). */
  onDone?(landed: boolean): void;
}

/** A running poller; see {@link createPoller}. */
export interface Poller {
  /** Starts polling a topic (idempotent). */
  add(topic: LiveTopic): void;
  /** Stops polling a topic. */
  remove(topic: LiveTopic): void;
  /** Records a value seen from any source: change detection and freshness (delays the next poll). */
  note(topic: LiveTopic, value: LiveValue<LiveTopic> | undefined): void;
  /** Polls the topics (all by default) now. */
  pollNow(filter?: (topic: LiveTopic) => boolean): Promise<void>;
  /** Polls a customer fast (its products and its open topics) until its data changes or the cap. */
  hurry(customerType: CustomerType, customerId: string, options?: HurryOptions): void;
  /** True while the last read failed with a network or server error. */
  readonly failing: boolean;
  /** Stops everything. */
  close(): void;
}

interface TopicState {
  due: number;
  /** Consecutive failures of this topic (4xx answers back off per topic, network errors globally). */
  failures: number;
  inFlight: boolean;
  /** When a value of this topic was last seen (any source). */
  seenAt: number;
}

interface Hurry {
  until: number;
  baseline: Map<LiveTopic, string>;
  options: HurryOptions;
}

/** The customer prefix of a topic: `<type>:<id>` (customer ids may contain `:`, item ids may not). */
function customerOf(topic: LiveTopic): string {
  if (topic.startsWith("products:")) return topic.slice("products:".length);
  const rest = topic.slice("item:".length);
  return rest.slice(0, rest.lastIndexOf(":"));
}

/** Creates a poller; see the module comment. */
export function createPoller(options: PollerOptions): Poller {
  const interval = options.intervalMs ?? 10_000;
  const fast = options.fastIntervalMs ?? 1_000;
  const maxBackoff = options.maxBackoffMs ?? 120_000;
  const hurryCap = options.hurryCapMs ?? 120_000;
  const env = options.environment ?? createBrowserEnvironment();
  const topics = new Map<LiveTopic, TopicState>();
  /** Topics polled only because their customer is hurried (not added by a subscriber). */
  const implicit = new Set<LiveTopic>();
  const last = new Map<LiveTopic, string>();
  const hurries = new Map<string, Hurry>();
  let globalFailures = 0;
  let failing = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = Infinity;
  let closed = false;

  const intervalOf = (topic: LiveTopic) => (hurries.has(customerOf(topic)) ? fast : interval);
  const backoff = (base: number, failures: number) =>
    failures === 0 ? base : Math.min(maxBackoff, base * 2 ** failures * (0.75 + Math.random() / 2));

  const setFailing = (next: boolean, error?: unknown) => {
    if (failing === next) return;
    failing = next;
    options.onFailingChange?.(next, error);
  };

  const endHurry = (customer: string, landed: boolean) => {
    const hurry = hurries.get(customer);
    if (!hurry) return;
    hurries.delete(customer);
    for (const topic of [...implicit]) {
      if (customerOf(topic) !== customer) continue;
      implicit.delete(topic);
      topics.delete(topic);
    }
    // Topics that stay open relax back to the normal interval.
    for (const [topic, state] of topics) if (customerOf(topic) === customer) state.due = Date.now() + interval;
    hurry.options.onDone?.(landed);
    schedule();
  };

  const note = (topic: LiveTopic, value: LiveValue<LiveTopic> | undefined) => {
    if (value === undefined) {
      last.delete(topic);
      return;
    }
    const json = JSON.stringify(value);
    last.set(topic, json);
    const hurry = hurries.get(customerOf(topic));
    if (hurry) {
      const before = hurry.baseline.get(topic);
      if (before === undefined) hurry.baseline.set(topic, json);
      if ((before !== undefined && before !== json) || hurry.options.landed?.(topic, value)) {
        endHurry(customerOf(topic), true);
      }
    }
  };

  const pollTopic = async (topic: LiveTopic, state: TopicState) => {
    state.inFlight = true;
    try {
      const value = await options.read(topic);
      if (closed || !topics.has(topic)) return;
      state.failures = 0;
      globalFailures = 0;
      setFailing(false);
      state.seenAt = Date.now();
      const changed = last.get(topic) !== JSON.stringify(value);
      note(topic, value);
      if (changed) options.publish(topic, value);
      state.due = Date.now() + intervalOf(topic);
    } catch (error) {
      if (closed) return;
      const status = isStackPaymentsError(error) ? error.status : undefined;
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        // A definite answer about this topic (not found, forbidden): the server is fine, the topic is not.
        state.failures++;
        state.due = Date.now() + backoff(interval, state.failures);
      } else {
        globalFailures++;
        setFailing(true, error);
        state.due = Date.now() + backoff(intervalOf(topic), globalFailures);
      }
    } finally {
      state.inFlight = false;
    }
  };

  const paused = () => env.isHidden() || !env.isOnline();

  const tick = async (filter?: (topic: LiveTopic) => boolean) => {
    timer = undefined;
    timerAt = Infinity;
    if (closed) return;
    const now = Date.now();
    for (const [customer, hurry] of hurries) if (now >= hurry.until) endHurry(customer, false);
    if (!paused()) {
      const due = [...topics].filter(([t, s]) => !s.inFlight && (filter ? filter(t) : s.due <= now));
      await Promise.all(due.map(([t, s]) => pollTopic(t, s)));
    }
    schedule();
  };

  const schedule = () => {
    if (closed || paused()) return;
    let next = Infinity;
    for (const state of topics.values()) next = Math.min(next, state.due);
    for (const hurry of hurries.values()) next = Math.min(next, hurry.until);
    if (next === Infinity || next >= timerAt) return;
    if (timer !== undefined) clearTimeout(timer);
    timerAt = next;
    timer = setTimeout(() => void tick(), Math.max(0, next - Date.now()));
  };

  // Focus fires on every click into the window: skip topics seen in the last two seconds.
  const offWake = env.on("wake", () => void tick((t) => (topics.get(t)?.seenAt ?? 0) < Date.now() - 2_000));
  const offSleep = env.on("sleep", () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    timerAt = Infinity;
  });

  const addTopic = (topic: LiveTopic, due: number) => {
    if (!topics.has(topic)) topics.set(topic, { due, failures: 0, inFlight: false, seenAt: 0 });
  };

  return {
    add(topic) {
      implicit.delete(topic);
      // The subscriber has just read the value itself: the first poll is one interval away.
      addTopic(topic, Date.now() + intervalOf(topic));
      schedule();
    },
    remove(topic) {
      if (hurries.has(customerOf(topic)) && topic.startsWith("products:")) implicit.add(topic);
      else topics.delete(topic);
    },
    note(topic, value) {
      note(topic, value);
      const state = topics.get(topic);
      // A fresh value from another source makes the next poll of this topic unnecessary for a while.
      if (state && value !== undefined) {
        state.seenAt = Date.now();
        if (!hurries.has(customerOf(topic))) state.due = Math.max(state.due, Date.now() + interval);
      }
    },
    pollNow: (filter) => tick(filter ?? (() => true)),
    hurry(customerType, customerId, hurryOptions = {}) {
      const customer = `${customerType}:${customerId}`;
      const baseline = new Map<LiveTopic, string>();
      const products = productsTopic(customerType, customerId);
      for (const [topic, json] of last) if (customerOf(topic) === customer) baseline.set(topic, json);
      if (hurryOptions.productsBefore !== undefined) baseline.set(products, JSON.stringify(hurryOptions.productsBefore));
      hurries.set(customer, { until: Date.now() + (hurryOptions.capMs ?? hurryCap), baseline, options: hurryOptions });
      if (!topics.has(products)) {
        implicit.add(products);
        addTopic(products, Date.now());
      }
      for (const [topic, state] of topics) if (customerOf(topic) === customer) state.due = Date.now();
      void tick();
    },
    get failing() {
      return failing;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      offWake();
      offSleep();
      topics.clear();
      hurries.clear();
    },
  };
}
