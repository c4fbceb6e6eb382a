import { sql, type Kysely } from 'kysely';

/**
 * Subscriptions' lifecycle, self-service policy, what happens to a user's data when a license goes,
 * events and webhooks, and product activity for reclaiming unused seats. Frozen once merged.
 */
const statements = [
  // The subscription's term and lifecycle. next_lifecycle_at (0001) is when the status moves on.
  `ALTER TABLE subscription
     ADD COLUMN term_start_at timestamptz,
     ADD COLUMN term_end_at timestamptz,
     ADD COLUMN recurring_billing boolean NOT NULL DEFAULT true,
     ADD COLUMN cancellation_window_days integer NOT NULL DEFAULT 7 CHECK (cancellation_window_days BETWEEN 0 AND 365),
     ADD COLUMN warning_days integer NOT NULL DEFAULT 30 CHECK (warning_days BETWEEN 0 AND 3650),
     ADD COLUMN suspended_days integer NOT NULL DEFAULT 90 CHECK (suspended_days BETWEEN 0 AND 3650),
     ADD COLUMN trial_extended boolean NOT NULL DEFAULT false,
     ADD COLUMN refund_eligible boolean NOT NULL DEFAULT false,
     ADD COLUMN cancelled_at timestamptz,
     ADD COLUMN status_changed_at timestamptz,
     ADD COLUMN lifecycle_cause text,
     ADD COLUMN over_assigned_since timestamptz`,
  `UPDATE subscription SET term_start_at = created_at, status_changed_at = created_at`,
  `ALTER TABLE subscription ALTER COLUMN term_start_at SET NOT NULL, ALTER COLUMN status_changed_at SET NOT NULL`,
  // What the scheduler looks at: subscriptions with a date to act on.
  `CREATE INDEX subscription_due_idx ON subscription (tenant_id, next_lifecycle_at) WHERE next_lifecycle_at IS NOT NULL`,

  // Per product: self-service purchase policy, low-seat alert threshold, reclaim's inactivity window.
  `CREATE TABLE product_setting (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     sku_id uuid NOT NULL,
     self_service_policy text NOT NULL DEFAULT 'allow' CHECK (self_service_policy IN ('allow', 'trialsOnly', 'deny')),
     low_seat_threshold integer CHECK (low_seat_threshold >= 0),
     low_seat_alerted_at timestamptz,
     inactivity_days integer NOT NULL DEFAULT 30 CHECK (inactivity_days BETWEEN 1 AND 3650),
     -- What one seat costs per month: reclaim reports the money unassigning inactive users frees.
     monthly_price numeric(12, 2) CHECK (monthly_price >= 0),
     currency char(3),
     updated_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, sku_id)
   )`,

  // Days a plan's data is kept after the user loses it; null: the data class's default (mailbox 30
  // days after the license goes, files 30 days after the user is deleted).
  `ALTER TABLE catalogue_service_plan ADD COLUMN data_retention_days integer CHECK (data_retention_days BETWEEN 0 AND 3650)`,
  // A user's data per class (mailbox, files), not per plan: one row once the user ever held a plan of
  // the class. No foreign key to directory_user: an inactive mailbox outlives its user.
  `CREATE TABLE user_data (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     user_id uuid NOT NULL,
     data_class text NOT NULL CHECK (data_class IN ('mailbox', 'files')),
     state text NOT NULL CHECK (state IN ('Licensed', 'Unlicensed', 'Grace', 'Retained', 'Inactive', 'Purged')),
     since timestamptz NOT NULL,
     grace_until timestamptz,
     last_sku_id uuid,
     PRIMARY KEY (tenant_id, user_id, data_class),
     CHECK ((state = 'Grace') = (grace_until IS NOT NULL))
   )`,
  `CREATE INDEX user_data_due_idx ON user_data (tenant_id, grace_until) WHERE grace_until IS NOT NULL`,
  `CREATE INDEX user_data_state_idx ON user_data (tenant_id, state, user_id)`,
  // Litigation holds (one user) and retention policies (user_id null: the whole tenant).
  `CREATE TABLE data_hold (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     hold_id uuid NOT NULL,
     kind text NOT NULL CHECK (kind IN ('litigationHold', 'retentionPolicy')),
     user_id uuid,
     data_classes text[] NOT NULL,
     name text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
     created_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, hold_id),
     CHECK ((kind = 'litigationHold') = (user_id IS NOT NULL))
   )`,
  `CREATE INDEX data_hold_user_idx ON data_hold (tenant_id, user_id)`,

  // Events, written in the transaction of the change they describe (the outbox).
  `CREATE TABLE event_outbox (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     event_id uuid NOT NULL,
     sequence bigint GENERATED ALWAYS AS IDENTITY,
     type text NOT NULL,
     occurred_at timestamptz NOT NULL,
     payload jsonb NOT NULL,
     PRIMARY KEY (tenant_id, event_id)
   )`,
  `CREATE INDEX event_outbox_sequence_idx ON event_outbox (tenant_id, sequence)`,
  `CREATE TABLE webhook (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     webhook_id uuid NOT NULL,
     url text NOT NULL,
     event_types text[] NOT NULL,
     description text,
     -- The HMAC key: the signer needs it in clear (a hash cannot sign); shown once at creation.
     signing_secret text NOT NULL,
     enabled boolean NOT NULL DEFAULT true,
     created_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, webhook_id)
   )`,
  `CREATE TABLE webhook_delivery (
     tenant_id uuid NOT NULL,
     delivery_id uuid NOT NULL,
     webhook_id uuid NOT NULL,
     event_id uuid NOT NULL,
     state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
     attempts integer NOT NULL DEFAULT 0,
     next_attempt_at timestamptz,
     created_at timestamptz NOT NULL,
     delivered_at timestamptz,
     PRIMARY KEY (tenant_id, delivery_id),
     FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhook ON DELETE CASCADE,
     FOREIGN KEY (tenant_id, event_id) REFERENCES event_outbox ON DELETE CASCADE
   )`,
  `CREATE UNIQUE INDEX webhook_delivery_event_uq ON webhook_delivery (tenant_id, webhook_id, event_id)`,
  `CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (tenant_id, next_attempt_at) WHERE state = 'pending'`,
  `CREATE TABLE webhook_attempt (
     tenant_id uuid NOT NULL,
     attempt_id uuid NOT NULL,
     delivery_id uuid NOT NULL,
     attempted_at timestamptz NOT NULL,
     status_code integer,
     error text,
     duration_ms integer NOT NULL,
     PRIMARY KEY (tenant_id, attempt_id),
     FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_delivery ON DELETE CASCADE
   )`,
  `CREATE INDEX webhook_attempt_delivery_idx ON webhook_attempt (tenant_id, delivery_id, attempted_at)`,

  // Last activity per user and service plan, posted by product backends (reclaim unused seats).
  `CREATE TABLE plan_activity (
     tenant_id uuid NOT NULL,
     user_id uuid NOT NULL,
     service_plan_id uuid NOT NULL,
     last_active_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, user_id, service_plan_id),
     FOREIGN KEY (tenant_id, user_id) REFERENCES directory_user ON DELETE CASCADE
   )`,
  `ALTER TABLE directory_user ADD COLUMN last_sign_in_at timestamptz`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['plan_activity', 'webhook_attempt', 'webhook_delivery', 'webhook', 'event_outbox', 'data_hold', 'user_data', 'product_setting']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table} CASCADE`).execute(db);
  }
  await sql.raw('DROP INDEX IF EXISTS subscription_due_idx').execute(db);
  await sql
    .raw(
      `ALTER TABLE subscription DROP COLUMN term_start_at, DROP COLUMN term_end_at, DROP COLUMN recurring_billing,
         DROP COLUMN cancellation_window_days, DROP COLUMN warning_days, DROP COLUMN suspended_days, DROP COLUMN trial_extended,
         DROP COLUMN refund_eligible, DROP COLUMN cancelled_at, DROP COLUMN status_changed_at, DROP COLUMN lifecycle_cause,
         DROP COLUMN over_assigned_since`,
    )
    .execute(db);
  await sql.raw('ALTER TABLE directory_user DROP COLUMN last_sign_in_at').execute(db);
  await sql.raw('ALTER TABLE catalogue_service_plan DROP COLUMN data_retention_days').execute(db);
}
