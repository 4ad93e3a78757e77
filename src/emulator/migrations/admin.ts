/**
 * Tables of the admin payments routes: each project's payment-method preferences (what its Stripe
 * account's payment-method configuration says about each method, once an admin changed it).
 */
import type { Migration } from "../migrate.js";

/** Admin payments migrations (`0150_...`), applied after the payments ones. */
export const adminMigrations: Migration[] = [
  {
    id: "0150_payment_method_preferences",
    sql: `
CREATE TABLE payments_method_preferences (
  project_id text NOT NULL,
  method_id text NOT NULL,
  preference text NOT NULL CHECK (preference IN ('on', 'off')),
  PRIMARY KEY (project_id, method_id)
);
`,
  },
];
