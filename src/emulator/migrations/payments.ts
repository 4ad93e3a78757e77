/**
 * The payments tables: append-only records (manual quantity changes, subscriptions, one-time
 * purchases), purchase codes, the per-customer lock rows that serialise writes, and the live
 * events log. Product snapshots are `json`, not `jsonb`, so prices keep their configured order
 * (the first price is the grant's default). Times are milliseconds since the epoch in `double precision` (exact for any
 * date and read back as a JS number by both adapters).
 */
import type { Migration } from "../migrate.js";

/** Payments migrations (`0100_...`), applied after the platform ones. */
export const paymentsMigrations: Migration[] = [
  {
    id: "0100_payments",
    sql: `
CREATE TABLE payments_item_changes (
  id bigserial PRIMARY KEY,
  project_id text NOT NULL,
  customer_type text NOT NULL,
  customer_id text NOT NULL,
  item_id text NOT NULL,
  delta double precision NOT NULL,
  expires_at double precision,
  description text,
  created_at double precision NOT NULL
);
CREATE INDEX payments_item_changes_customer ON payments_item_changes (project_id, customer_type, customer_id, item_id);
CREATE TABLE payments_purchases (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  customer_type text NOT NULL,
  customer_id text NOT NULL,
  kind text NOT NULL,
  product_id text,
  product json NOT NULL,
  price_id text,
  quantity integer NOT NULL,
  created_at double precision NOT NULL,
  status text NOT NULL,
  period_interval json,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  ended_at double precision,
  creation_source text NOT NULL
);
CREATE INDEX payments_purchases_customer ON payments_purchases (project_id, customer_type, customer_id);
CREATE TABLE payments_purchase_codes (
  full_code text PRIMARY KEY,
  project_id text NOT NULL,
  customer_type text NOT NULL,
  customer_id text NOT NULL,
  product_id text,
  product json NOT NULL,
  created_at double precision NOT NULL,
  expires_at double precision NOT NULL,
  used_at double precision
);
CREATE TABLE payments_customer_locks (
  project_id text NOT NULL,
  customer_type text NOT NULL,
  customer_id text NOT NULL,
  version bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, customer_type, customer_id)
);
CREATE TABLE payments_live_events (
  id bigserial PRIMARY KEY,
  project_id text NOT NULL,
  customer_type text NOT NULL,
  customer_id text NOT NULL,
  kind text NOT NULL,
  item_id text,
  payload json,
  created_at double precision NOT NULL
);
CREATE INDEX payments_live_events_customer ON payments_live_events (project_id, customer_type, customer_id, id);
`,
  },
  {
    // A code remembers the project's Stripe account as it was when the URL was created, as the
    // hosted API's validate-code answers it.
    id: "0101_purchase_code_account",
    sql: `
ALTER TABLE payments_purchase_codes ADD COLUMN stripe_account_id text;
ALTER TABLE payments_purchase_codes ADD COLUMN charges_enabled boolean;
`,
  },
];
