import { sql, type Kysely } from 'kysely';

/**
 * Identity and access: admin credentials and roles, sign-in sessions, app registrations with
 * client secrets, token signing keys, guest invitations, tenant settings, and the audit log
 * partitioned by month. Frozen once merged.
 *
 * Secrets are never stored: passwords as argon2id hashes, client secrets, session and invitation
 * secrets as SHA-256 of a 256-bit random value (high-entropy values need no slow hash).
 */
const statements = [
  // The rule "only a Global Administrator licenses a guest" is a tenant setting, on by default.
  `ALTER TABLE tenant ADD COLUMN guest_licensing_requires_global_admin boolean NOT NULL DEFAULT true`,

  `ALTER TABLE directory_user ADD COLUMN external_user_state_changed_at timestamptz`,

  `CREATE TABLE user_credential (
     tenant_id uuid NOT NULL,
     user_id uuid NOT NULL,
     password_hash text NOT NULL,
     must_change boolean NOT NULL DEFAULT true,
     changed_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, user_id),
     FOREIGN KEY (tenant_id, user_id) REFERENCES directory_user ON DELETE CASCADE
   )`,

  // Directory role assignments (scope "/": the whole tenant). role_id is Entra's role template id.
  `CREATE TABLE role_assignment (
     tenant_id uuid NOT NULL,
     assignment_id uuid NOT NULL,
     user_id uuid NOT NULL,
     role_id uuid NOT NULL,
     created_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, assignment_id),
     FOREIGN KEY (tenant_id, user_id) REFERENCES directory_user ON DELETE CASCADE
   )`,
  `CREATE UNIQUE INDEX role_assignment_user_role_uq ON role_assignment (tenant_id, user_id, role_id)`,
  `CREATE INDEX role_assignment_role_idx ON role_assignment (tenant_id, role_id)`,

  `CREATE TABLE sign_in_session (
     tenant_id uuid NOT NULL,
     session_id uuid NOT NULL,
     user_id uuid NOT NULL,
     secret_hash text NOT NULL,
     csrf_token text NOT NULL,
     created_at timestamptz NOT NULL,
     last_seen_at timestamptz NOT NULL,
     expires_at timestamptz NOT NULL,
     client_address text,
     PRIMARY KEY (tenant_id, session_id),
     FOREIGN KEY (tenant_id, user_id) REFERENCES directory_user ON DELETE CASCADE
   )`,
  `CREATE INDEX sign_in_session_user_idx ON sign_in_session (tenant_id, user_id)`,
  `CREATE INDEX sign_in_session_expiry_idx ON sign_in_session (tenant_id, expires_at)`,

  // app_id is the OAuth client_id (Graph's application.appId).
  `CREATE TABLE app_registration (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     app_id uuid NOT NULL,
     display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 256),
     permissions text[] NOT NULL DEFAULT '{}',
     created_at timestamptz NOT NULL,
     PRIMARY KEY (tenant_id, app_id)
   )`,
  `CREATE TABLE app_secret (
     tenant_id uuid NOT NULL,
     app_id uuid NOT NULL,
     key_id uuid NOT NULL,
     display_name text,
     hint text NOT NULL,
     secret_hash text NOT NULL,
     created_at timestamptz NOT NULL,
     expires_at timestamptz NOT NULL,
     revoked_at timestamptz,
     PRIMARY KEY (tenant_id, app_id, key_id),
     FOREIGN KEY (tenant_id, app_id) REFERENCES app_registration ON DELETE CASCADE
   )`,

  // Per-tenant token signing keys (RS256). One is active; retired keys stay published until they
  // can no longer verify a live token.
  `CREATE TABLE signing_key (
     tenant_id uuid NOT NULL REFERENCES tenant ON DELETE CASCADE,
     key_id text NOT NULL,
     private_jwk jsonb NOT NULL,
     public_jwk jsonb NOT NULL,
     created_at timestamptz NOT NULL,
     retired_at timestamptz,
     PRIMARY KEY (tenant_id, key_id)
   )`,
  `CREATE UNIQUE INDEX signing_key_active_uq ON signing_key (tenant_id) WHERE retired_at IS NULL`,

  `CREATE TABLE invitation (
     tenant_id uuid NOT NULL,
     invitation_id uuid NOT NULL,
     user_id uuid NOT NULL,
     invited_email text NOT NULL,
     redirect_url text NOT NULL,
     redeem_secret_hash text NOT NULL,
     status text NOT NULL DEFAULT 'PendingAcceptance' CHECK (status IN ('PendingAcceptance', 'Completed')),
     created_at timestamptz NOT NULL,
     redeemed_at timestamptz,
     PRIMARY KEY (tenant_id, invitation_id),
     FOREIGN KEY (tenant_id, user_id) REFERENCES directory_user ON DELETE CASCADE
   )`,
  `CREATE INDEX invitation_user_idx ON invitation (tenant_id, user_id)`,

  // The audit log becomes a table partitioned by month, so retention drops whole months and never
  // deletes a row. The partition key must be part of the primary key.
  `ALTER TABLE audit_log RENAME TO audit_log_v1`,
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
     actor_authorization text,
     target_type text NOT NULL,
     target_id text,
     target_name text,
     changes jsonb NOT NULL DEFAULT '[]',
     details jsonb,
     request_id text,
     client_address text,
     PRIMARY KEY (tenant_id, occurred_at, audit_id)
   ) PARTITION BY RANGE (occurred_at)`,
  // Rows outside every monthly partition land here (a clock far in the past or future); the
  // partition job creates months ahead so normal rows never do.
  `CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT`,
  `CREATE INDEX audit_log_time_idx2 ON audit_log (tenant_id, occurred_at DESC, audit_id DESC)`,
  `CREATE INDEX audit_log_target_idx2 ON audit_log (tenant_id, target_id, occurred_at)`,
  `CREATE INDEX audit_log_actor_idx ON audit_log (tenant_id, actor_id, occurred_at)`,
  // The default partition is a table of its own: TRUNCATE triggers are not inherited.
  `CREATE TRIGGER audit_log_default_no_truncate BEFORE TRUNCATE ON audit_log_default
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`,
  // Existing rows get their own monthly partitions (UTC months), so retention can drop them whole.
  `DO $$ DECLARE month timestamp; name text; BEGIN
     FOR month IN SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') FROM audit_log_v1 ORDER BY 1 LOOP
       name := 'audit_log_' || to_char(month, '"y"YYYY"m"MM');
       EXECUTE format('CREATE TABLE %I (LIKE audit_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
       EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()', name || '_no_truncate', name);
       EXECUTE format('ALTER TABLE audit_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, month AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC');
     END LOOP; END $$`,
  `INSERT INTO audit_log (tenant_id, audit_id, occurred_at, category, activity, result, actor_type, actor_id, actor_name,
     target_type, target_id, target_name, changes, details, request_id, client_address)
   SELECT tenant_id, audit_id, occurred_at, category, activity, result, actor_type, actor_id, actor_name,
     target_type, target_id, target_name, changes, details, request_id, client_address FROM audit_log_v1`,
  `DROP TABLE audit_log_v1`,
  // A BEFORE ROW trigger on the partitioned table applies to every partition, present and future.
  `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
     FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`,
  `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0002-identity cannot be reverted: it repartitions the audit log.'));
}
