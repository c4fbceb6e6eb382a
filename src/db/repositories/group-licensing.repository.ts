import { sql, type Kysely } from 'kysely';
import type { GroupGrant, LicensedMembership } from '../../domain/group-licensing.js';
import { anyUuid } from '../any-uuid.js';
import type { Database } from '../schema.js';

export interface GroupGrantRecord extends GroupGrant {
  waitlist: boolean;
  assignedAt: Date;
}

export interface GroupLicenseHeader {
  groupId: string;
  displayName: string;
  licenseProcessingState: Database['directory_group']['license_processing_state'];
  groupTypes: string[];
  securityEnabled: boolean;
  createdAt: Date;
}

/** What group-based licensing reads and writes: group licenses, licensed memberships, processing state. */
export function createGroupLicensingRepository(db: Kysely<Database>, tenantId: string) {
  return {
    /**
     * Locks groups in id order (the lock order's step after the admin guard): `update` for changes
     * of a group's licenses or members, `share` for re-evaluating users who are members.
     */
    async lockGroups(groupIds: readonly string[], mode: 'update' | 'share'): Promise<GroupLicenseHeader[]> {
      if (groupIds.length === 0) {
        return [];
      }
      const query = db
        .selectFrom('directory_group')
        .select(['group_id', 'display_name', 'license_processing_state', 'group_types', 'security_enabled', 'created_at'])
        .where('tenant_id', '=', tenantId)
        .where('group_id', '=', anyUuid(groupIds))
        .orderBy('group_id');
      const rows = await (mode === 'update' ? query.forUpdate() : query.forShare()).execute();
      return rows.map((row) => ({
        groupId: row.group_id,
        displayName: row.display_name,
        licenseProcessingState: row.license_processing_state,
        groupTypes: row.group_types,
        securityEnabled: row.security_enabled,
        createdAt: new Date(row.created_at),
      }));
    },

    async grantsOf(groupIds: readonly string[]): Promise<Map<string, GroupGrantRecord[]>> {
      const grants = new Map<string, GroupGrantRecord[]>();
      if (groupIds.length === 0) {
        return grants;
      }
      const rows = await db
        .selectFrom('group_license')
        .select(['group_id', 'sku_id', 'disabled_plans', 'waitlist', 'assigned_at'])
        .where('tenant_id', '=', tenantId)
        .where('group_id', '=', anyUuid(groupIds))
        .orderBy('group_id')
        .orderBy('sku_id')
        .execute();
      for (const row of rows) {
        const list = grants.get(row.group_id) ?? [];
        list.push({ groupId: row.group_id, skuId: row.sku_id, disabledPlans: [...row.disabled_plans].sort(), waitlist: row.waitlist, assignedAt: new Date(row.assigned_at) });
        grants.set(row.group_id, list);
      }
      return grants;
    },

    /** Each user's direct memberships in groups that carry licenses. */
    async licensedMembershipsOf(userIds: readonly string[]): Promise<Map<string, LicensedMembership[]>> {
      const memberships = new Map<string, LicensedMembership[]>();
      if (userIds.length === 0) {
        return memberships;
      }
      const rows = await db
        .selectFrom('group_member as m')
        .select(['m.member_id', 'm.group_id', 'm.added_at'])
        .where('m.tenant_id', '=', tenantId)
        .where('m.member_id', '=', anyUuid(userIds))
        .where('m.member_type', '=', 'user')
        .where((eb) => eb.exists(eb.selectFrom('group_license as l').select('l.sku_id').whereRef('l.tenant_id', '=', 'm.tenant_id').whereRef('l.group_id', '=', 'm.group_id')))
        .execute();
      for (const row of rows) {
        const list = memberships.get(row.member_id) ?? [];
        list.push({ groupId: row.group_id, addedAt: new Date(row.added_at) });
        memberships.set(row.member_id, list);
      }
      return memberships;
    },

    /** Active user members of a group in licensing order (earliest membership first), `limit` after a cursor. */
    async userMembersInOrder(groupId: string, options: { after?: { addedAt: Date; memberId: string }; limit?: number } = {}): Promise<{ userId: string; addedAt: Date }[]> {
      let query = db
        .selectFrom('group_member as m')
        .innerJoin('directory_user as u', (join) => join.onRef('u.tenant_id', '=', 'm.tenant_id').onRef('u.user_id', '=', 'm.member_id'))
        .select(['m.member_id', 'm.added_at'])
        .where('m.tenant_id', '=', tenantId)
        .where('m.group_id', '=', groupId)
        .where('m.member_type', '=', 'user')
        .where('u.deleted_at', 'is', null);
      const after = options.after;
      if (after !== undefined) {
        query = query.where(sql<boolean>`(m.added_at, m.member_id) > (${after.addedAt}, ${after.memberId}::uuid)`);
      }
      query = query.orderBy('m.added_at').orderBy('m.member_id');
      if (options.limit !== undefined) {
        query = query.limit(options.limit);
      }
      return (await query.execute()).map((row) => ({ userId: row.member_id, addedAt: new Date(row.added_at) }));
    },

    /** Users carrying rows of this group (members or not, e.g. contributions kept for a dependency). */
    async usersWithRowsOf(groupId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('license_assignment')
        .select('user_id')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('source_id', '=', groupId)
        .execute();
      return rows.map((row) => row.user_id);
    },

    /** Every user carrying a group-sourced row (a catalogue rule change re-evaluates them). */
    async usersWithGroupRows(): Promise<string[]> {
      const rows = await sql<{ user_id: string }>`
        SELECT DISTINCT user_id FROM license_assignment
        WHERE tenant_id = ${tenantId} AND source_id <> '00000000-0000-0000-0000-000000000000'::uuid
        ORDER BY user_id`.execute(db);
      return rows.rows.map((row) => row.user_id);
    },

    async upsertGrants(groupId: string, grants: readonly { skuId: string; disabledPlans: readonly string[]; waitlist: boolean }[], at: Date): Promise<void> {
      if (grants.length === 0) {
        return;
      }
      await db
        .insertInto('group_license')
        .values(grants.map((grant) => ({ tenant_id: tenantId, group_id: groupId, sku_id: grant.skuId, disabled_plans: [...grant.disabledPlans], waitlist: grant.waitlist, assigned_at: at })))
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'group_id', 'sku_id']).doUpdateSet((eb) => ({ disabled_plans: eb.ref('excluded.disabled_plans'), waitlist: eb.ref('excluded.waitlist') })),
        )
        .execute();
    },

    async deleteGrants(groupId: string, skuIds: readonly string[]): Promise<void> {
      if (skuIds.length === 0) {
        return;
      }
      await db.deleteFrom('group_license').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).where('sku_id', '=', anyUuid(skuIds)).execute();
    },

    async setProcessingState(groupId: string, state: NonNullable<Database['directory_group']['license_processing_state']>): Promise<void> {
      await db.updateTable('directory_group').set({ license_processing_state: state }).where('tenant_id', '=', tenantId).where('group_id', '=', groupId).execute();
    },

    /** Users with an Error row of this group, paged by user id. */
    async membersWithErrors(groupId: string, options: { after?: string; limit: number }): Promise<string[]> {
      let query = db
        .selectFrom('license_assignment')
        .select('user_id')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('source_id', '=', groupId)
        .where('state', '=', 'Error');
      if (options.after !== undefined) {
        query = query.where('user_id', '>', options.after);
      }
      return (await query.orderBy('user_id').limit(options.limit).execute()).map((row) => row.user_id);
    },

    /** Dynamic groups whose rule is processed (membershipRuleProcessingState On), for the user-side trigger. */
    async activeDynamicGroups(): Promise<{ groupId: string; displayName: string; membershipRule: string }[]> {
      const rows = await db
        .selectFrom('directory_group')
        .select(['group_id', 'display_name', 'membership_rule'])
        .where('tenant_id', '=', tenantId)
        .where(sql<boolean>`'DynamicMembership' = ANY(group_types)`)
        .where('membership_rule_processing_state', '=', 'On')
        .where('membership_rule', 'is not', null)
        .orderBy('group_id')
        .execute();
      return rows.map((row) => ({ groupId: row.group_id, displayName: row.display_name, membershipRule: row.membership_rule ?? '' }));
    },

    /** User members of a group (every one, active or soft-deleted). */
    async userMemberIds(groupId: string): Promise<string[]> {
      const rows = await db.selectFrom('group_member').select('member_id').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).where('member_type', '=', 'user').execute();
      return rows.map((row) => row.member_id);
    },

    /** The dynamic groups (of `groupIds`) these users are members of, as user → group ids. */
    async membershipsIn(groupIds: readonly string[], userIds: readonly string[]): Promise<Set<string>> {
      if (groupIds.length === 0 || userIds.length === 0) {
        return new Set();
      }
      const rows = await db
        .selectFrom('group_member')
        .select(['group_id', 'member_id'])
        .where('tenant_id', '=', tenantId)
        .where('group_id', '=', anyUuid(groupIds))
        .where('member_id', '=', anyUuid(userIds))
        .execute();
      return new Set(rows.map((row) => `${row.group_id}:${row.member_id}`));
    },

    /** Adds users to a group in one statement (members already there are skipped). */
    async addUserMembers(groupId: string, userIds: readonly string[], at: Date): Promise<void> {
      if (userIds.length === 0) {
        return;
      }
      await sql`
        INSERT INTO group_member (tenant_id, group_id, member_id, member_type, added_at)
        SELECT ${tenantId}, ${groupId}, u, 'user', ${at} FROM unnest(${[...userIds]}::uuid[]) AS u
        ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING`.execute(db);
    },

    async removeUserMembers(groupId: string, userIds: readonly string[]): Promise<void> {
      if (userIds.length === 0) {
        return;
      }
      await db.deleteFrom('group_member').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).where('member_id', '=', anyUuid(userIds)).execute();
    },

    /** Queues (or restarts) the group's licensing job: chunked processing from its first member. */
    async queueJob(job: { jobId: string; groupId: string; total: number }, at: Date): Promise<void> {
      const open = await db
        .selectFrom('group_license_job')
        .select('job_id')
        .where('tenant_id', '=', tenantId)
        .where('group_id', '=', job.groupId)
        .where('state', '<>', 'ProcessingComplete')
        .forUpdate()
        .executeTakeFirst();
      if (open !== undefined) {
        await db
          .updateTable('group_license_job')
          .set({ state: 'QueuedForProcessing', total: job.total, processed: 0, succeeded: 0, failed: 0, cursor_added_at: null, cursor_member_id: null, updated_at: at })
          .where('tenant_id', '=', tenantId)
          .where('job_id', '=', open.job_id)
          .execute();
        return;
      }
      await db
        .insertInto('group_license_job')
        .values({ tenant_id: tenantId, job_id: job.jobId, group_id: job.groupId, state: 'QueuedForProcessing', total: job.total, created_at: at, updated_at: at })
        .execute();
    },

    async openJobs(): Promise<{ jobId: string; groupId: string }[]> {
      const rows = await db
        .selectFrom('group_license_job')
        .select(['job_id', 'group_id'])
        .where('tenant_id', '=', tenantId)
        .where('state', '<>', 'ProcessingComplete')
        .orderBy('created_at')
        .execute();
      return rows.map((row) => ({ jobId: row.job_id, groupId: row.group_id }));
    },

    async lockJob(jobId: string) {
      const row = await db.selectFrom('group_license_job').selectAll().where('tenant_id', '=', tenantId).where('job_id', '=', jobId).forUpdate().executeTakeFirst();
      return row && {
        jobId: row.job_id,
        groupId: row.group_id,
        state: row.state,
        total: row.total,
        processed: row.processed,
        succeeded: row.succeeded,
        failed: row.failed,
        cursor: row.cursor_added_at === null || row.cursor_member_id === null ? undefined : { addedAt: new Date(row.cursor_added_at), memberId: row.cursor_member_id },
      };
    },

    async advanceJob(
      jobId: string,
      progress: { state: 'ProcessingInProgress' | 'ProcessingComplete'; processed: number; succeeded: number; failed: number; cursor?: { addedAt: Date; memberId: string } },
      at: Date,
    ): Promise<void> {
      await db
        .updateTable('group_license_job')
        .set({
          state: progress.state,
          processed: progress.processed,
          succeeded: progress.succeeded,
          failed: progress.failed,
          ...(progress.cursor === undefined ? {} : { cursor_added_at: progress.cursor.addedAt, cursor_member_id: progress.cursor.memberId }),
          updated_at: at,
        })
        .where('tenant_id', '=', tenantId)
        .where('job_id', '=', jobId)
        .execute();
    },

    async countUserMembers(groupId: string): Promise<number> {
      const row = await db
        .selectFrom('group_member as m')
        .innerJoin('directory_user as u', (join) => join.onRef('u.tenant_id', '=', 'm.tenant_id').onRef('u.user_id', '=', 'm.member_id'))
        .select(sql<number>`count(*)::int`.as('n'))
        .where('m.tenant_id', '=', tenantId)
        .where('m.group_id', '=', groupId)
        .where('m.member_type', '=', 'user')
        .where('u.deleted_at', 'is', null)
        .executeTakeFirstOrThrow();
      return row.n;
    },

    /** Per SKU, the members waiting in CountViolation through a group license (with the waitlist on or not). */
    async waitingPerSku(): Promise<Map<string, { waiting: number; waitlisted: number }>> {
      const rows = await sql<{ sku_id: string; waiting: number; waitlisted: number }>`
        SELECT a.sku_id, count(DISTINCT a.user_id)::int AS waiting,
               count(DISTINCT a.user_id) FILTER (WHERE l.waitlist)::int AS waitlisted
        FROM license_assignment a
        JOIN group_license l ON l.tenant_id = a.tenant_id AND l.group_id = a.source_id AND l.sku_id = a.sku_id
        WHERE a.tenant_id = ${tenantId} AND a.state = 'Error' AND a.error = 'CountViolation'
        GROUP BY a.sku_id`.execute(db);
      return new Map(rows.rows.map((row) => [row.sku_id, { waiting: row.waiting, waitlisted: row.waitlisted }]));
    },

    /** Users waiting for a seat of one of these SKUs through a group license with the waitlist on, earliest first. */
    async waitlisted(skuIds: readonly string[], limit: number): Promise<string[]> {
      if (skuIds.length === 0 || limit <= 0) {
        return [];
      }
      const rows = await sql<{ user_id: string }>`
        SELECT a.user_id, min(m.added_at) AS first
        FROM license_assignment a
        JOIN group_license l ON l.tenant_id = a.tenant_id AND l.group_id = a.source_id AND l.sku_id = a.sku_id AND l.waitlist
        JOIN group_member m ON m.tenant_id = a.tenant_id AND m.group_id = a.source_id AND m.member_id = a.user_id
        WHERE a.tenant_id = ${tenantId} AND a.sku_id = ANY(${[...skuIds]}::uuid[]) AND a.state = 'Error' AND a.error = 'CountViolation'
        GROUP BY a.user_id
        ORDER BY first, a.user_id
        LIMIT ${limit}`.execute(db);
      return rows.rows.map((row) => row.user_id);
    },
  };
}

export type GroupLicensingRepository = ReturnType<typeof createGroupLicensingRepository>;
