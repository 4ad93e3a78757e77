/**
 * The payment provider's tables (the emulator's model of the Stripe objects the hosted API relies
 * on: customers, payment methods, setup intents, payment intents, subscriptions, invoices, refunds
 * and the events they send) and the columns and tables the hosted side keeps about them: the
 * Stripe ids and periods of purchases, subscription invoices, refunds and the payment emails.
 * Times are milliseconds since the epoch in `double precision`; money in cents (`bigint`).
 */
import type { Migration } from "../migrate.js";

/** Provider migrations (`0500_...`), applied after the payments ones. */
export const providerMigrations: Migration[] = [
  {
    id: "0500_provider",
    sql: `
CREATE TABLE provider_customers (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  customer_type text NOT NULL,
  customer_id text NOT NULL,
  default_payment_method_id text,
  balance_cents bigint NOT NULL DEFAULT 0,
  created_at double precision NOT NULL,
  UNIQUE (project_id, customer_type, customer_id)
);
CREATE TABLE provider_payment_methods (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  provider_customer_id text,
  brand text NOT NULL,
  last4 text NOT NULL,
  exp_month integer NOT NULL,
  exp_year integer NOT NULL,
  behavior text NOT NULL,
  cardholder_name text,
  created_at double precision NOT NULL
);
CREATE INDEX provider_payment_methods_customer ON provider_payment_methods (provider_customer_id, created_at);
CREATE TABLE provider_setup_intents (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  provider_customer_id text NOT NULL,
  client_secret text NOT NULL UNIQUE,
  status text NOT NULL,
  payment_method_id text,
  last_error json,
  created_at double precision NOT NULL,
  updated_at double precision NOT NULL
);
CREATE TABLE provider_payment_intents (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  provider_customer_id text,
  client_secret text NOT NULL UNIQUE,
  amount_cents bigint NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  payment_method_id text,
  last_error json,
  metadata json NOT NULL,
  invoice_id text,
  amount_received bigint NOT NULL DEFAULT 0,
  amount_refunded bigint NOT NULL DEFAULT 0,
  created_at double precision NOT NULL,
  updated_at double precision NOT NULL
);
CREATE TABLE provider_subscriptions (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  provider_customer_id text NOT NULL,
  status text NOT NULL,
  unit_amount_cents bigint NOT NULL,
  quantity integer NOT NULL,
  price_interval json NOT NULL,
  metadata json NOT NULL,
  current_period_start double precision NOT NULL,
  current_period_end double precision NOT NULL,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  canceled_at double precision,
  ended_at double precision,
  item_changed_at double precision NOT NULL,
  latest_invoice_id text,
  next_due_at double precision,
  created_at double precision NOT NULL
);
CREATE INDEX provider_subscriptions_customer ON provider_subscriptions (provider_customer_id, created_at);
CREATE INDEX provider_subscriptions_due ON provider_subscriptions (project_id, next_due_at);
CREATE TABLE provider_invoices (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  provider_customer_id text NOT NULL,
  subscription_id text NOT NULL,
  status text NOT NULL,
  billing_reason text NOT NULL,
  total_cents bigint NOT NULL,
  amount_due bigint NOT NULL,
  amount_paid bigint NOT NULL DEFAULT 0,
  currency text NOT NULL,
  description text NOT NULL,
  quantity integer NOT NULL,
  period_start double precision NOT NULL,
  period_end double precision NOT NULL,
  payment_intent_id text,
  attempt_count integer NOT NULL DEFAULT 0,
  next_payment_attempt double precision,
  created_at double precision NOT NULL,
  paid_at double precision
);
CREATE INDEX provider_invoices_subscription ON provider_invoices (subscription_id, created_at);
CREATE TABLE provider_refunds (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  payment_intent_id text NOT NULL,
  amount_cents bigint NOT NULL,
  created_at double precision NOT NULL
);
CREATE TABLE provider_events (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  project_id text NOT NULL,
  type text NOT NULL,
  object json NOT NULL,
  created_at double precision NOT NULL
);
CREATE INDEX provider_events_project ON provider_events (project_id, seq);

ALTER TABLE payments_purchases ADD COLUMN stripe_subscription_id text;
ALTER TABLE payments_purchases ADD COLUMN stripe_payment_intent_id text;
ALTER TABLE payments_purchases ADD COLUMN previous_segment_id text;
ALTER TABLE payments_purchases ADD COLUMN current_period_start double precision;
ALTER TABLE payments_purchases ADD COLUMN current_period_end double precision;
ALTER TABLE payments_purchases ADD COLUMN canceled_at double precision;
ALTER TABLE payments_purchases ADD COLUMN revoked_quantity integer NOT NULL DEFAULT 0;
ALTER TABLE payments_purchases ADD COLUMN revoked_at double precision;
CREATE UNIQUE INDEX payments_purchases_payment_intent ON payments_purchases (project_id, stripe_payment_intent_id);
CREATE INDEX payments_purchases_subscription ON payments_purchases (project_id, stripe_subscription_id);

CREATE TABLE payments_subscription_invoices (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  stripe_invoice_id text NOT NULL,
  stripe_subscription_id text NOT NULL,
  is_creation_invoice boolean NOT NULL,
  billing_reason text NOT NULL,
  status text,
  amount_total bigint NOT NULL,
  amount_paid bigint NOT NULL,
  hosted_invoice_url text,
  created_at double precision NOT NULL,
  UNIQUE (project_id, stripe_invoice_id)
);
CREATE INDEX payments_subscription_invoices_subscription ON payments_subscription_invoices (project_id, stripe_subscription_id);
CREATE TABLE payments_refunds (
  id text PRIMARY KEY,
  project_id text NOT NULL,
  customer_type text NOT NULL,
  customer_id text NOT NULL,
  purchase_id text NOT NULL,
  refunded_invoice_key text NOT NULL,
  adjusted_transaction_id text NOT NULL,
  entries json NOT NULL,
  amount_cents bigint NOT NULL,
  created_at double precision NOT NULL,
  UNIQUE (project_id, purchase_id, refunded_invoice_key)
);
CREATE INDEX payments_refunds_adjusted ON payments_refunds (project_id, adjusted_transaction_id);
CREATE TABLE payments_emails (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  project_id text NOT NULL,
  kind text NOT NULL,
  source_event_id text NOT NULL,
  customer_type text NOT NULL,
  customer_id text NOT NULL,
  to_user_id text,
  to_email text,
  status text NOT NULL,
  skipped_reason text,
  subject text NOT NULL,
  product_name text NOT NULL,
  amount text NOT NULL,
  variables json NOT NULL,
  html text NOT NULL,
  body_text text NOT NULL,
  created_at double precision NOT NULL,
  UNIQUE (project_id, source_event_id, kind, to_user_id)
);
CREATE INDEX payments_emails_project ON payments_emails (project_id, seq);
`,
  },
];
