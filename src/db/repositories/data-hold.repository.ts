import type { Kysely, Selectable } from 'kysely';
import type { DataHold, DataLifecycleClass } from '../../domain/data-lifecycle.js';
import type { Database, DataHoldTable } from '../schema.js';

/** A hold with its user's name as the holds list shows it (null for a retention policy or a purged user). */
export interface DataHoldListing extends DataHold {
  user: { displayName: string; userPrincipalName: string; deleted: boolean } | null;
}

const toHold = (row: Selectable<DataHoldTable>): DataHold => ({
  holdId: row.hold_id,
  kind: row.kind,
  userId: row.user_id,
  dataClasses: row.data_classes as DataLifecycleClass[],
  name: row.name,
  createdAt: row.created_at,
});

/** Litigation holds (one user) and retention policies (the whole tenant). */
export function createDataHoldRepository(db: Kysely<Database>, tenantId: string) {
  const holds = () => db.selectFrom('data_hold').selectAll().where('tenant_id', '=', tenantId);
  return {
    async list(): Promise<DataHoldListing[]> {
      const rows = await db
        .selectFrom('data_hold as h')
        .leftJoin('directory_user as u', (join) => join.onRef('u.tenant_id', '=', 'h.tenant_id').onRef('u.user_id', '=', 'h.user_id'))
        .selectAll('h')
        .select(['u.display_name', 'u.user_principal_name', 'u.deleted_at'])
        .where('h.tenant_id', '=', tenantId)
        .orderBy('h.created_at')
        .orderBy('h.hold_id')
        .execute();
      return rows.map((row) => ({
        ...toHold(row),
        user: row.display_name === null || row.user_principal_name === null ? null : { displayName: row.display_name, userPrincipalName: row.user_principal_name, deleted: row.deleted_at !== null },
      }));
    },

    /** The user's litigation holds and every retention policy. */
    async listForUser(userId: string): Promise<DataHold[]> {
      const rows = await holds()
        .where((eb) => eb.or([eb('kind', '=', 'retentionPolicy'), eb('user_id', '=', userId)]))
        .orderBy('created_at')
        .orderBy('hold_id')
        .execute();
      return rows.map(toHold);
    },

    async find(holdId: string): Promise<DataHold | undefined> {
      const row = await holds().where('hold_id', '=', holdId).executeTakeFirst();
      return row === undefined ? undefined : toHold(row);
    },

    async insert(hold: DataHold): Promise<void> {
      await db
        .insertInto('data_hold')
        .values({ tenant_id: tenantId, hold_id: hold.holdId, kind: hold.kind, user_id: hold.userId, data_classes: [...hold.dataClasses], name: hold.name, created_at: hold.createdAt })
        .execute();
    },

    async delete(holdId: string): Promise<void> {
      await db.deleteFrom('data_hold').where('tenant_id', '=', tenantId).where('hold_id', '=', holdId).execute();
    },
  };
}

export type DataHoldRepository = ReturnType<typeof createDataHoldRepository>;
