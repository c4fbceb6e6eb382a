import { sql, type Kysely, type Selectable } from 'kysely';
import type { AppRegistrationTable, AppSecretTable, Database } from '../schema.js';

/** A client secret as shown to admins: never its hash. */
export interface AppSecretRecord {
  keyId: string;
  displayName: string | null;
  hint: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface AppRegistrationRecord {
  appId: string;
  displayName: string;
  permissions: string[];
  createdAt: Date;
}

export interface AppRecord extends AppRegistrationRecord {
  secrets: AppSecretRecord[];
}

export interface NewAppSecret {
  keyId: string;
  displayName: string | null;
  hint: string;
  secretHash: string;
  createdAt: Date;
  expiresAt: Date;
}

// The hash is read only by `findUsableSecretHashes` (client authentication), never listed.
const secretColumns = ['app_id', 'key_id', 'display_name', 'hint', 'created_at', 'expires_at', 'revoked_at'] as const;

const toSecret = (row: Pick<Selectable<AppSecretTable>, (typeof secretColumns)[number]>): AppSecretRecord => ({
  keyId: row.key_id,
  displayName: row.display_name,
  hint: row.hint,
  createdAt: new Date(row.created_at),
  expiresAt: new Date(row.expires_at),
  revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
});

// text[] travels as jsonb: one parameter form that both drivers (pg, PGlite) encode the same way.
const textArray = (values: readonly string[]) => sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

/** App registrations (OAuth clients) and their client secrets. */
export function createAppRepository(db: Kysely<Database>, tenantId: string) {
  const toRegistration = (row: Selectable<AppRegistrationTable>): AppRegistrationRecord => ({
    appId: row.app_id,
    displayName: row.display_name,
    permissions: row.permissions,
    createdAt: new Date(row.created_at),
  });
  const withSecrets = async (rows: Selectable<AppRegistrationTable>[]): Promise<AppRecord[]> => {
    if (rows.length === 0) {
      return [];
    }
    const secrets = await db
      .selectFrom('app_secret')
      .select(secretColumns)
      .where('tenant_id', '=', tenantId)
      .where(
        'app_id',
        'in',
        rows.map((row) => row.app_id),
      )
      .orderBy('created_at')
      .orderBy('key_id')
      .execute();
    return rows.map((row) => ({ ...toRegistration(row), secrets: secrets.filter((secret) => secret.app_id === row.app_id).map(toSecret) }));
  };
  const apps = () => db.selectFrom('app_registration').selectAll().where('tenant_id', '=', tenantId);

  return {
    async list(): Promise<AppRecord[]> {
      return withSecrets(await apps().orderBy('display_name').orderBy('app_id').execute());
    },

    /** The app with its secrets; `forUpdate` locks the registration for the rest of the transaction. */
    async find(appId: string, options: { forUpdate?: boolean } = {}): Promise<AppRecord | undefined> {
      const query = apps().where('app_id', '=', appId);
      return (await withSecrets(await (options.forUpdate === true ? query.forUpdate() : query).execute()))[0];
    },

    /** The registration alone (token verification reads it on every request). */
    async findRegistration(appId: string): Promise<AppRegistrationRecord | undefined> {
      const row = await apps().where('app_id', '=', appId).executeTakeFirst();
      return row && toRegistration(row);
    },

    async insert(app: { appId: string; displayName: string; permissions: readonly string[]; createdAt: Date }): Promise<void> {
      await db
        .insertInto('app_registration')
        .values({ tenant_id: tenantId, app_id: app.appId, display_name: app.displayName, permissions: textArray(app.permissions), created_at: app.createdAt })
        .execute();
    },

    async update(appId: string, changes: { displayName?: string; permissions?: readonly string[] }): Promise<void> {
      await db
        .updateTable('app_registration')
        .set({
          ...(changes.displayName === undefined ? {} : { display_name: changes.displayName }),
          ...(changes.permissions === undefined ? {} : { permissions: textArray(changes.permissions) }),
        })
        .where('tenant_id', '=', tenantId)
        .where('app_id', '=', appId)
        .execute();
    },

    /** Deletes the app and (by cascade) its secrets; false when it did not exist. */
    async delete(appId: string): Promise<boolean> {
      const result = await db.deleteFrom('app_registration').where('tenant_id', '=', tenantId).where('app_id', '=', appId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async insertSecret(appId: string, secret: NewAppSecret): Promise<void> {
      await db
        .insertInto('app_secret')
        .values({
          tenant_id: tenantId,
          app_id: appId,
          key_id: secret.keyId,
          display_name: secret.displayName,
          hint: secret.hint,
          secret_hash: secret.secretHash,
          created_at: secret.createdAt,
          expires_at: secret.expiresAt,
          revoked_at: null,
        })
        .execute();
    },

    /** Marks a secret revoked; false when it does not exist or was revoked before. */
    async revokeSecret(appId: string, keyId: string, at: Date): Promise<boolean> {
      const result = await db
        .updateTable('app_secret')
        .set({ revoked_at: at })
        .where('tenant_id', '=', tenantId)
        .where('app_id', '=', appId)
        .where('key_id', '=', keyId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Hashes of the app's secrets that can authenticate at `at` (neither revoked nor expired). */
    async findUsableSecretHashes(appId: string, at: Date): Promise<string[]> {
      const rows = await db
        .selectFrom('app_secret')
        .select('secret_hash')
        .where('tenant_id', '=', tenantId)
        .where('app_id', '=', appId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', at)
        .execute();
      return rows.map((row) => row.secret_hash);
    },
  };
}

export type AppRepository = ReturnType<typeof createAppRepository>;
