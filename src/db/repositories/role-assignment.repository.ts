import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A directory role held by a user over the whole tenant (Graph's unifiedRoleAssignment, scope "/"). */
export interface RoleAssignment {
  id: string;
  /** The user holding the role. */
  principalId: string;
  /** Entra's role template id. */
  roleDefinitionId: string;
  createdAt: Date;
}

const columns = ['r.assignment_id', 'r.user_id', 'r.role_id', 'r.created_at'] as const;

const toRoleAssignment = (row: { assignment_id: string; user_id: string; role_id: string; created_at: Date | string }): RoleAssignment => ({
  id: row.assignment_id,
  principalId: row.user_id,
  roleDefinitionId: row.role_id,
  createdAt: new Date(row.created_at),
});

/** Role assignments of a tenant. Assignments of soft-deleted users are kept (a restore brings them back) but not listed. */
export function createRoleAssignmentRepository(db: Kysely<Database>, tenantId: string) {
  const ofActiveUsers = () =>
    db
      .selectFrom('role_assignment as r')
      .innerJoin('directory_user as u', (join) => join.onRef('u.tenant_id', '=', 'r.tenant_id').onRef('u.user_id', '=', 'r.user_id'))
      .select(columns)
      .where('r.tenant_id', '=', tenantId)
      .where('u.deleted_at', 'is', null);
  return {
    async list(filter: { principalId?: string; roleDefinitionId?: string }): Promise<RoleAssignment[]> {
      let query = ofActiveUsers();
      if (filter.principalId !== undefined) {
        query = query.where('r.user_id', '=', filter.principalId);
      }
      if (filter.roleDefinitionId !== undefined) {
        query = query.where('r.role_id', '=', filter.roleDefinitionId);
      }
      const rows = await query.orderBy('r.created_at').orderBy('r.assignment_id').execute();
      return rows.map(toRoleAssignment);
    },

    async find(assignmentId: string): Promise<RoleAssignment | undefined> {
      const row = await ofActiveUsers().where('r.assignment_id', '=', assignmentId).executeTakeFirst();
      return row && toRoleAssignment(row);
    },

    /** Inserts the assignment; undefined when the user already holds the role. */
    async insert(assignment: RoleAssignment): Promise<RoleAssignment | undefined> {
      const row = await db
        .insertInto('role_assignment')
        .values({ tenant_id: tenantId, assignment_id: assignment.id, user_id: assignment.principalId, role_id: assignment.roleDefinitionId, created_at: assignment.createdAt })
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'role_id']).doNothing())
        .returning(['assignment_id', 'user_id', 'role_id', 'created_at'])
        .executeTakeFirst();
      return row && toRoleAssignment(row);
    },

    async delete(assignmentId: string): Promise<void> {
      await db.deleteFrom('role_assignment').where('tenant_id', '=', tenantId).where('assignment_id', '=', assignmentId).execute();
    },

    /**
     * The tenant's admin guard: its tenant row, locked FOR NO KEY UPDATE (which does not block the
     * foreign-key checks of inserts referencing the tenant). Every change that can take away a
     * Global Administrator takes it first, so two of them never decide on the same count.
     */
    async lockAdminGuard(): Promise<void> {
      await db.selectFrom('tenant').select('tenant_id').where('tenant_id', '=', tenantId).forNoKeyUpdate().execute();
    },

    /**
     * Whether another user than `userId` holds `roleId` and can sign in: active, enabled, with a
     * password credential.
     */
    async hasOtherSignInCapableHolder(roleId: string, userId: string): Promise<boolean> {
      const row = await db
        .selectFrom('role_assignment as r')
        .innerJoin('directory_user as u', (join) => join.onRef('u.tenant_id', '=', 'r.tenant_id').onRef('u.user_id', '=', 'r.user_id'))
        .innerJoin('user_credential as c', (join) => join.onRef('c.tenant_id', '=', 'r.tenant_id').onRef('c.user_id', '=', 'r.user_id'))
        .select(sql<number>`1`.as('found'))
        .where('r.tenant_id', '=', tenantId)
        .where('r.role_id', '=', roleId)
        .where('r.user_id', '!=', userId)
        .where('u.deleted_at', 'is', null)
        .where('u.account_enabled', '=', true)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type RoleAssignmentRepository = ReturnType<typeof createRoleAssignmentRepository>;
