/**
 * Live updates of the dashboard: the emulator's admin event stream (the project's payments events
 * and its activity log) feeds TanStack Query's cache. Activity is appended to the cached log;
 * anything an app changed makes the queries it touches stale (the customer's items and products at
 * once, lists and transactions a moment later, in one batch), so every open section re-reads it.
 */
import type { QueryClient, QueryKey } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { createEventStream, type EventStreamState } from "../core/live/event-stream.js";
import { customerSelector } from "../core/live/read-topic.js";
import type { ActivityEntryWire, ActivityResponse, PaymentsEventWire } from "../core/schemas/emulator-dashboard.js";
import { adminQueryKeys } from "../react/admin-query-options.js";
import { stackQueryKeys } from "../react/stack-query-keys.js";
import type { DashboardSession } from "./admin-session.js";

/** Entries of each kind the cached log keeps. */
const KEPT = 500;

/** The dashboard's own query keys, under the project's (so a config change or sign-out covers them). */
export const dashboardKeys = {
  all: (projectId: string): QueryKey => [...stackQueryKeys.project(projectId), "dashboard"],
  activity: (projectId: string): QueryKey => [...dashboardKeys.all(projectId), "activity"],
  customers: (projectId: string, type: string, query: string): QueryKey => [...dashboardKeys.all(projectId), "customers", type, query],
  outbox: (projectId: string, kind: string, cursor: string | null): QueryKey => [...dashboardKeys.all(projectId), "outbox", kind, cursor],
  clock: (projectId: string): QueryKey => [...dashboardKeys.all(projectId), "clock"],
  /** A customer's products as an admin sees them (server-only ones included). */
  customerProducts: (projectId: string, type: "user" | "team" | "custom", id: string): QueryKey => [
    ...stackQueryKeys.customer(projectId, customerSelector(type, id)),
    "admin-products",
  ],
};

/** The query options of the activity log. */
export function activityQuery(session: DashboardSession) {
  return { queryKey: dashboardKeys.activity(session.projectId), queryFn: () => session.api.getActivity(), staleTime: Infinity, retry: false } as const;
}

function append<T>(list: readonly T[], value: T): T[] {
  const next = [...list, value];
  return next.length > KEPT ? next.slice(next.length - KEPT) : next;
}

/**
 * Keeps the project's queries live from the admin event stream while mounted; returns the
 * stream's state (for the header's indicator).
 */
export function useAdminEventStream(session: DashboardSession, queryClient: QueryClient): EventStreamState {
  const [state, setState] = useState<EventStreamState>("connecting");
  useEffect(() => {
    const { projectId } = session;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Lists, transactions, settings and emails: re-read once per burst of changes.
    const staleSoon = () => {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        void queryClient.invalidateQueries({ queryKey: adminQueryKeys.admin(projectId) });
        void queryClient.invalidateQueries({
          queryKey: dashboardKeys.all(projectId),
          predicate: (query) => query.queryKey[3] !== "activity",
        });
      }, 150);
    };
    const onActivity = (entry: ActivityEntryWire) => {
      queryClient.setQueryData<ActivityResponse>(dashboardKeys.activity(projectId), (log) => log && { ...log, requests: append(log.requests, entry) });
      // What the dashboard itself changed is re-read by the admin app's own change feed.
      if (entry.source === "app" && entry.method !== "GET" && entry.status < 400) staleSoon();
    };
    const onPayments = (event: PaymentsEventWire) => {
      queryClient.setQueryData<ActivityResponse>(dashboardKeys.activity(projectId), (log) => log && { ...log, payments_events: append(log.payments_events, event) });
      void queryClient.invalidateQueries({ queryKey: stackQueryKeys.customer(projectId, customerSelector(event.customer_type, event.customer_id)) });
      staleSoon();
    };
    let stream: ReturnType<typeof createEventStream> | undefined;
    let closed = false;
    // Resume where the loaded log ends, so nothing falls between the two.
    void queryClient.fetchQuery(activityQuery(session)).then(
      (log) => start(log.resume_id),
      () => start(undefined),
    );
    function start(resumeId: string | undefined) {
      if (closed) return;
      let first = true;
      stream = createEventStream({
        open: (init) => session.api.openAdminEvents({ ...init, lastEventId: init.lastEventId ?? (first ? resumeId : undefined) }).finally(() => (first = false)),
        onEvent(event) {
          try {
            const data = JSON.parse(event.data) as unknown;
            if (event.event === "activity") onActivity(data as ActivityEntryWire);
            else if (event.event === "payments") onPayments(data as PaymentsEventWire);
          } catch {
            // Not an event of ours: ignore it.
          }
        },
        onStateChange: (next) => setState(next),
        initialDelayMs: 500,
        maxDelayMs: 10_000,
        idleTimeoutMs: 45_000,
      });
    }
    return () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      stream?.close();
    };
  }, [session, queryClient]);
  return state;
}
