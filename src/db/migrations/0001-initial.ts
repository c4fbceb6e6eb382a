import { sql, type Kysely } from 'kysely';

/**
 * The licensing core's schema. Frozen once merged: change the schema with a new migration.
 *
 * Every table of tenant data has `tenant_id` as the leading column of its primary key and of every
 * index, so the schema can be distributed by tenant (Citus). `tenant` and `tenant_domain` are the
 * routing directory (small, global: Citus reference tables).
 */
const statements = [
  `CREATE TABLE tenant (
     tenant_id uuid PRIMARY KEY,
     display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 256),
     default_usage_location char(2),
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE tenant_domain (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     domain text NOT NULL CHECK (domain = lower(domain)),
     is_default boolean NOT NULL DEFAULT false,
     is_initial boolean NOT NULL DEFAULT false,
     PRIMARY KEY (tenant_id, domain)
   )`,
  // A verified domain belongs to one tenant: this global index is what routes a domain to it.
  `CREATE UNIQUE INDEX tenant_domain_domain_uq ON tenant_domain (domain)`,

  `CREATE TABLE directory_user (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     user_id uuid NOT NULL,
     user_principal_name text NOT NULL,
     display_name text NOT NULL,
     mail text,
     mail_nickname text NOT NULL,
     given_name text,
     surname text,
     job_title text,
     department text,
     user_type text NOT NULL DEFAULT 'Member' CHECK (user_type IN ('Member', 'Guest')),
     account_enabled boolean NOT NULL DEFAULT true,
     usage_location char(2),
     creation_type text,
     external_user_state text,
     created_at timestamptz NOT NULL DEFAULT now(),
     deleted_at timestamptz,
     license_version integer NOT NULL DEFAULT 1,
     PRIMARY KEY (tenant_id, user_id)
   )`,
  // A soft-deleted user frees its userPrincipalName (Entra does the same; restore checks for a clash).
  `CREATE UNIQUE INDEX directory_user_upn_uq ON directory_user (tenant_id, lower(user_principal_name))
     WHERE deleted_at IS NULL`,
  `CREATE INDEX directory_user_display_name_idx ON directory_user (tenant_id, lower(display_name), user_id)`,
  `CREATE INDEX directory_user_mail_idx ON directory_user (tenant_id, lower(mail))`,
  `CREATE INDEX directory_user_deleted_idx ON directory_user (tenant_id, deleted_at) WHERE deleted_at IS NOT NULL`,

  // Custom catalogue. Microsoft's catalogue ships with the code (catalogue/) and is not copied per tenant.
  `CREATE TABLE catalogue_sku (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     sku_id uuid NOT NULL,
     sku_part_number text NOT NULL,
     display_name text NOT NULL,
     applies_to text NOT NULL DEFAULT 'User' CHECK (applies_to IN ('User', 'Company')),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, sku_id)
   )`,
  `CREATE UNIQUE INDEX catalogue_sku_part_number_uq ON catalogue_sku (tenant_id, sku_part_number)`,
  `CREATE TABLE catalogue_service_plan (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     service_plan_id uuid NOT NULL,
     service_plan_name text NOT NULL,
     friendly_name text NOT NULL,
     applies_to text NOT NULL DEFAULT 'User' CHECK (applies_to IN ('User', 'Company')),
     service text NOT NULL,
     data_class text NOT NULL DEFAULT 'none',
     prohibited_usage_locations text[] NOT NULL DEFAULT '{}',
     PRIMARY KEY (tenant_id, service_plan_id)
   )`,
  `CREATE TABLE catalogue_sku_plan (
     tenant_id uuid NOT NULL,
     sku_id uuid NOT NULL,
     service_plan_id uuid NOT NULL,
     PRIMARY KEY (tenant_id, sku_id, service_plan_id),
     FOREIGN KEY (tenant_id, sku_id) REFERENCES catalogue_sku ON DELETE CASCADE,
     FOREIGN KEY (tenant_id, service_plan_id) REFERENCES catalogue_service_plan ON DELETE CASCADE
   )`,
  `CREATE TABLE catalogue_rule (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     rule_id uuid NOT NULL,
     kind text NOT NULL CHECK (kind IN ('mutuallyExclusive', 'requiresOneOf')),
     service_plan_id uuid,
     related_plan_ids uuid[] NOT NULL,
     description text,
     PRIMARY KEY (tenant_id, rule_id),
     CHECK ((kind = 'requiresOneOf') = (service_plan_id IS NOT NULL))
   )`,

  `CREATE TABLE subscription (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     subscription_id uuid NOT NULL,
     commerce_subscription_id uuid NOT NULL,
     sku_id uuid NOT NULL,
     total_licenses integer NOT NULL CHECK (total_licenses >= 0),
     consumed_units integer NOT NULL DEFAULT 0 CHECK (consumed_units >= 0),
     status text NOT NULL CHECK (status IN ('Enabled', 'Warning', 'Suspended', 'LockedOut', 'Deleted')),
     is_trial boolean NOT NULL DEFAULT false,
     channel text NOT NULL CHECK (channel IN ('admin', 'selfService')),
     purchased_by_user_id uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     next_lifecycle_at timestamptz,
     PRIMARY KEY (tenant_id, subscription_id),
     CHECK ((channel = 'selfService') = (purchased_by_user_id IS NOT NULL))
   )`,
  `CREATE UNIQUE INDEX subscription_commerce_uq ON subscription (tenant_id, commerce_subscription_id)`,
  `CREATE INDEX subscription_sku_idx ON subscription (tenant_id, sku_id)`,
  // The per-SKU seat counter. Its row lock guards every seat counter of the SKU: any change to seats
  // or to a subscription of the SKU locks this row first (in skuId order when there are several).
  `CREATE TABLE sku_seat (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     sku_id uuid NOT NULL,
     consumed_units integer NOT NULL DEFAULT 0 CHECK (consumed_units >= 0),
     PRIMARY KEY (tenant_id, sku_id)
   )`,

  // One row per user × SKU × source (direct = the nil uuid, or a group id).
  `CREATE TABLE license_assignment (
     tenant_id uuid NOT NULL,
     user_id uuid NOT NULL,
     sku_id uuid NOT NULL,
     source_id uuid NOT NULL,
     disabled_plans uuid[] NOT NULL DEFAULT '{}',
     state text NOT NULL DEFAULT 'Active' CHECK (state IN ('Active', 'ActiveWithError', 'Disabled', 'Error')),
     error text CHECK (error IN ('CountViolation', 'MutuallyExclusiveViolation', 'DependencyViolation',
                                 'ProhibitedInUsageLocationViolation', 'UniquenessViolation', 'Other')),
     assigned_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, user_id, sku_id, source_id),
     FOREIGN KEY (tenant_id, user_id) REFERENCES directory_user ON DELETE CASCADE
   )`,
  `CREATE INDEX license_assignment_source_idx ON license_assignment (tenant_id, source_id, sku_id)`,
  // The seat: a user holds at most one per SKU, drawn from one subscription, whatever the sources.
  `CREATE TABLE user_license (
     tenant_id uuid NOT NULL,
     user_id uuid NOT NULL,
     sku_id uuid NOT NULL,
     subscription_id uuid NOT NULL,
     assigned_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, user_id, sku_id),
     FOREIGN KEY (tenant_id, user_id) REFERENCES directory_user ON DELETE CASCADE,
     FOREIGN KEY (tenant_id, subscription_id) REFERENCES subscription
   )`,
  `CREATE INDEX user_license_sku_idx ON user_license (tenant_id, sku_id, user_id)`,
  `CREATE INDEX user_license_subscription_idx ON user_license (tenant_id, subscription_id)`,

  `CREATE TABLE assignment_history (
     tenant_id uuid NOT NULL,
     history_id bigint GENERATED ALWAYS AS IDENTITY,
     user_id uuid NOT NULL,
     sku_id uuid NOT NULL,
     source_id uuid NOT NULL,
     disabled_plans uuid[] NOT NULL,
     valid_from timestamptz NOT NULL,
     valid_to timestamptz,
     PRIMARY KEY (tenant_id, history_id),
     CHECK (valid_to IS NULL OR valid_to >= valid_from)
   )`,
  `CREATE INDEX assignment_history_open_idx ON assignment_history (tenant_id, user_id, sku_id, source_id)
     WHERE valid_to IS NULL`,
  `CREATE INDEX assignment_history_sku_idx ON assignment_history (tenant_id, sku_id, valid_from)`,

  `CREATE TABLE audit_log (
     tenant_id uuid NOT NULL,
     audit_id uuid NOT NULL,
     occurred_at timestamptz NOT NULL,
     category text NOT NULL,
     activity text NOT NULL,
     result text NOT NULL DEFAULT 'success',
     actor_type text NOT NULL,
     actor_id text NOT NULL,
     actor_name text,
     target_type text NOT NULL,
     target_id text,
     target_name text,
     changes jsonb NOT NULL DEFAULT '[]',
     details jsonb,
     request_id text,
     client_address text,
     PRIMARY KEY (tenant_id, audit_id)
   )`,
  `CREATE INDEX audit_log_time_idx ON audit_log (tenant_id, occurred_at)`,
  `CREATE INDEX audit_log_target_idx ON audit_log (tenant_id, target_id, occurred_at)`,
  // The record is append-only: the database itself refuses to rewrite it.
  `CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'audit_log is append-only';
   END
   $$`,
  `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
     FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`,

  `CREATE TABLE idempotency_record (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     principal_id text NOT NULL,
     idempotency_key text NOT NULL,
     request_hash text NOT NULL,
     response_status integer,
     response_body jsonb,
     created_at timestamptz NOT NULL,
     expires_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, principal_id, idempotency_key)
   )`,
  `CREATE INDEX idempotency_record_expiry_idx ON idempotency_record (tenant_id, expires_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = [
    'idempotency_record',
    'audit_log',
    'assignment_history',
    'user_license',
    'license_assignment',
    'sku_seat',
    'subscription',
    'catalogue_rule',
    'catalogue_sku_plan',
    'catalogue_service_plan',
    'catalogue_sku',
    'directory_user',
    'tenant_domain',
    'tenant',
  ];
  for (const table of tables) {
    await sql.raw(`DROP TABLE IF EXISTS ${table} CASCADE`).execute(db);
  }
  await sql.raw('DROP FUNCTION IF EXISTS audit_log_refuse_change()').execute(db);
}
