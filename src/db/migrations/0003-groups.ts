import { sql, type Kysely } from 'kysely';

/**
 * Groups and group-based licensing. A group's licenses (group_license) reach its direct user
 * members as license_assignment rows whose source_id is the group id, each with its own state
 * (Active, or Error with Graph's error code), so one user can hold a SKU from several sources and
 * still consume one seat (user_license). Frozen once merged.
 */
const statements = [
  `CREATE TABLE directory_group (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     group_id uuid NOT NULL,
     display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 256),
     description text,
     mail_nickname text NOT NULL,
     mail_enabled boolean NOT NULL DEFAULT false,
     security_enabled boolean NOT NULL DEFAULT true,
     group_types text[] NOT NULL DEFAULT '{}',
     membership_rule text,
     membership_rule_processing_state text CHECK (membership_rule_processing_state IN ('On', 'Paused')),
     license_processing_state text CHECK (license_processing_state IN ('QueuedForProcessing', 'ProcessingInProgress', 'ProcessingComplete', 'ProcessingFailed')),
     created_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, group_id)
   )`,
  `CREATE INDEX directory_group_display_name_idx ON directory_group (tenant_id, lower(display_name), group_id)`,

  // Direct members only: a group member of a group is listed, but licenses reach direct user members (as in Entra).
  `CREATE TABLE group_member (
     tenant_id uuid NOT NULL,
     group_id uuid NOT NULL,
     member_id uuid NOT NULL,
     member_type text NOT NULL CHECK (member_type IN ('user', 'group')),
     added_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, group_id, member_id),
     FOREIGN KEY (tenant_id, group_id) REFERENCES directory_group ON DELETE CASCADE
   )`,
  `CREATE INDEX group_member_member_idx ON group_member (tenant_id, member_id)`,
  // Seats go to the earliest members first: the order of a group's members for licensing.
  `CREATE INDEX group_member_order_idx ON group_member (tenant_id, group_id, added_at, member_id)`,

  `CREATE TABLE group_license (
     tenant_id uuid NOT NULL,
     group_id uuid NOT NULL,
     sku_id uuid NOT NULL,
     disabled_plans uuid[] NOT NULL DEFAULT '{}',
     -- Members waiting in CountViolation get seats as they free up (Allot's opt-in waitlist).
     waitlist boolean NOT NULL DEFAULT false,
     assigned_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, group_id, sku_id),
     FOREIGN KEY (tenant_id, group_id) REFERENCES directory_group ON DELETE CASCADE
   )`,
  `CREATE INDEX group_license_sku_idx ON group_license (tenant_id, sku_id)`,

  // A group too large for one transaction is licensed by a resumable job, chunk by chunk in member order.
  `CREATE TABLE group_license_job (
     tenant_id uuid NOT NULL,
     job_id uuid NOT NULL,
     group_id uuid NOT NULL,
     state text NOT NULL CHECK (state IN ('QueuedForProcessing', 'ProcessingInProgress', 'ProcessingComplete')),
     total integer NOT NULL,
     processed integer NOT NULL DEFAULT 0,
     succeeded integer NOT NULL DEFAULT 0,
     failed integer NOT NULL DEFAULT 0,
     -- The last member (added_at, member_id) applied: the next chunk starts after it.
     cursor_added_at timestamptz,
     cursor_member_id uuid,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, job_id),
     FOREIGN KEY (tenant_id, group_id) REFERENCES directory_group ON DELETE CASCADE
   )`,
  `CREATE INDEX group_license_job_open_idx ON group_license_job (tenant_id, state) WHERE state <> 'ProcessingComplete'`,
  // Users in error for some source: GET /groups/{id}/membersWithLicenseErrors and hasMembersWithLicenseErrors.
  `CREATE INDEX license_assignment_errors_idx ON license_assignment (tenant_id, source_id, user_id) WHERE state = 'Error'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['group_license_job', 'group_license', 'group_member', 'directory_group']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table} CASCADE`).execute(db);
  }
  await sql.raw('DROP INDEX IF EXISTS license_assignment_errors_idx').execute(db);
}
