/**
 * All platform routes (auth, sessions, users, teams, config, current project); each acts on the
 * request's project.
 */
import type { Route } from "../http.js";
import { configRoutes } from "./config-routes.js";
import { sessionRoutes } from "./sessions.js";
import { teamRoutes } from "./teams.js";
import { userRoutes } from "./user-routes.js";

/** The auth, users, teams, sessions, config and project routes of the emulator. */
export const authRoutes: Route[] = [...sessionRoutes, ...userRoutes, ...teamRoutes, ...configRoutes];
