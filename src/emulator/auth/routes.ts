/**
 * All platform routes (auth, sessions, users, teams, config, current project) for one project.
 */
import type { Route } from "../http.js";
import type { EmulatorProject } from "../router.js";
import { createConfigRoutes } from "./config-routes.js";
import { createSessionRoutes } from "./sessions.js";
import { teamRoutes } from "./teams.js";
import { userRoutes } from "./user-routes.js";

/** The auth, users, teams, sessions, config and project routes of the emulator for `project`. */
export function createAuthRoutes(project: EmulatorProject): Route[] {
  return [...createSessionRoutes(project), ...userRoutes, ...teamRoutes, ...createConfigRoutes(project)];
}
