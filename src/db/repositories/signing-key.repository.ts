import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A token signing key: JWKs as stored (RS256). */
export interface SigningKeyRecord {
  keyId: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
  retiredAt: Date | null;
}

export interface PublishedKey {
  keyId: string;
  publicJwk: Record<string, unknown>;
  retiredAt: Date | null;
}

// jsonb arrives parsed from pg and PGlite; a string would mean a driver that does not parse it.
const asObject = (value: unknown): Record<string, unknown> => (typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : (value as Record<string, unknown>));

/**
 * The tenant's token signing keys. At most one is active (a partial unique index); retired keys
 * stay until they can no longer verify a live token.
 */
export function createSigningKeyRepository(db: Kysely<Database>, tenantId: string) {
  return {
    async findActive(): Promise<SigningKeyRecord | undefined> {
      const row = await db
        .selectFrom('signing_key')
        .select(['key_id', 'private_jwk', 'public_jwk', 'created_at', 'retired_at'])
        .where('tenant_id', '=', tenantId)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      return (
        row && {
          keyId: row.key_id,
          privateJwk: asObject(row.private_jwk),
          publicJwk: asObject(row.public_jwk),
          createdAt: new Date(row.created_at),
          retiredAt: null,
        }
      );
    },

    /**
     * Inserts a new active key unless one already is (a concurrent first use or rotation won the
     * partial unique index); returns whether this one was stored.
     */
    async insertActive(key: { keyId: string; privateJwk: Record<string, unknown>; publicJwk: Record<string, unknown>; createdAt: Date }): Promise<boolean> {
      const inserted = await db
        .insertInto('signing_key')
        .values({
          tenant_id: tenantId,
          key_id: key.keyId,
          private_jwk: JSON.stringify(key.privateJwk),
          public_jwk: JSON.stringify(key.publicJwk),
          created_at: key.createdAt,
          retired_at: null,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('key_id')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    /** Retires the active key; returns its id (undefined when there was none). */
    async retireActive(at: Date): Promise<string | undefined> {
      const row = await db
        .updateTable('signing_key')
        .set({ retired_at: at })
        .where('tenant_id', '=', tenantId)
        .where('retired_at', 'is', null)
        .returning('key_id')
        .executeTakeFirst();
      return row?.key_id;
    },

    /** Public keys that still verify tokens: the active one and those retired after `retiredAfter`. */
    async listPublished(retiredAfter: Date): Promise<PublishedKey[]> {
      const rows = await db
        .selectFrom('signing_key')
        .select(['key_id', 'public_jwk', 'retired_at'])
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map((row) => ({ keyId: row.key_id, publicJwk: asObject(row.public_jwk), retiredAt: row.retired_at === null ? null : new Date(row.retired_at) }));
    },

    /** Forgets keys retired before `before` (they verify no live token any more). */
    async deleteRetiredBefore(before: Date): Promise<number> {
      const result = await db.deleteFrom('signing_key').where('tenant_id', '=', tenantId).where('retired_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SigningKeyRepository = ReturnType<typeof createSigningKeyRepository>;
