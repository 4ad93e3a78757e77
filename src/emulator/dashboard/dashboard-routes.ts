/**
 * The dashboard's parts of the emulator, gathered for registration: its API routes (the admin
 * session exchange, the activity log, the admin event stream, the custom customers listing), its
 * page routes and its migrations (ids 0600-0699).
 */
import type { Route } from "../http.js";
import type { Migration } from "../migrate.js";
import { adminEventRoutes } from "./admin-events.js";
import { adminSessionRoutes } from "./admin-session.js";

export { dashboardPageRoutes } from "./dashboard-page.js";
export { recordActivity } from "./activity-recorder.js";

/** The dashboard's routes below `/api/v1` and `/api/latest`. */
export const dashboardApiRoutes: Route[] = [...adminSessionRoutes, ...adminEventRoutes];

/** The dashboard's migrations. */
export const dashboardMigrations: Migration[] = [
  {
    // The admin event stream reads a project's payments events in order, across its customers.
    id: "0600_dashboard_project_events",
    sql: "CREATE INDEX IF NOT EXISTS payments_live_events_project ON payments_live_events (project_id, id);",
  },
];
