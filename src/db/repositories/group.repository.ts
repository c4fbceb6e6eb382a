import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { GROUP_TYPES, type DirectoryGroup, type GroupLicense, type GroupMembership, type GroupProperties, type GroupType, type MemberType } from '../../domain/group.js';
import type { GroupFilter } from '../../domain/odata/group-query.js';
import type { Database, DirectoryGroupTable } from '../schema.js';
import { escapeLike } from './user-query.sql.js';

const groupColumns = [
  'group_id',
  'display_name',
  'description',
  'mail_nickname',
  'mail_enabled',
  'security_enabled',
  'group_types',
  'membership_rule',
  'membership_rule_processing_state',
  'license_processing_state',
  'created_at',
] as const;

type GroupRow = Pick<Selectable<DirectoryGroupTable>, (typeof groupColumns)[number]>;

const toDirectoryGroup = (row: GroupRow): DirectoryGroup => ({
  groupId: row.group_id,
  displayName: row.display_name,
  description: row.description,
  mailNickname: row.mail_nickname,
  mailEnabled: row.mail_enabled,
  securityEnabled: row.security_enabled,
  groupTypes: row.group_types.filter((type): type is GroupType => (GROUP_TYPES as readonly string[]).includes(type)),
  membershipRule: row.membership_rule,
  membershipRuleProcessingState: row.membership_rule_processing_state,
  licenseProcessingState: row.license_processing_state,
  createdAt: new Date(row.created_at),
});

const toColumns = (properties: Partial<GroupProperties>) => ({
  ...(properties.displayName === undefined ? {} : { display_name: properties.displayName }),
  ...(properties.description === undefined ? {} : { description: properties.description }),
  ...(properties.mailNickname === undefined ? {} : { mail_nickname: properties.mailNickname }),
  ...(properties.mailEnabled === undefined ? {} : { mail_enabled: properties.mailEnabled }),
  ...(properties.securityEnabled === undefined ? {} : { security_enabled: properties.securityEnabled }),
  ...(properties.groupTypes === undefined ? {} : { group_types: [...properties.groupTypes] }),
  ...(properties.membershipRule === undefined ? {} : { membership_rule: properties.membershipRule }),
  ...(properties.membershipRuleProcessingState === undefined ? {} : { membership_rule_processing_state: properties.membershipRuleProcessingState }),
});

const STRING_COLUMNS = { displayName: 'g.display_name', mailNickname: 'g.mail_nickname' } as const;
const BOOLEAN_COLUMNS = { securityEnabled: 'g.security_enabled', mailEnabled: 'g.mail_enabled' } as const;

/** The parsed $filter as SQL over `directory_group g`; every literal is a bind parameter. */
function filterToSql(filter: GroupFilter): RawBuilder<boolean> {
  switch (filter.kind) {
    case 'and':
      return sql<boolean>`(${sql.join(filter.operands.map(filterToSql), sql` AND `)})`;
    case 'or':
      return sql<boolean>`(${sql.join(filter.operands.map(filterToSql), sql` OR `)})`;
    case 'stringEq':
      return sql<boolean>`(lower(${sql.ref(STRING_COLUMNS[filter.property])}) = ${filter.value.toLowerCase()})`;
    case 'startsWith':
      return sql<boolean>`(lower(${sql.ref(STRING_COLUMNS[filter.property])}) LIKE ${`${escapeLike(filter.value.toLowerCase())}%`} ESCAPE '\\')`;
    case 'idEq':
      return sql<boolean>`(g.group_id = ${filter.value})`;
    case 'booleanEq':
      return sql<boolean>`(${sql.ref(BOOLEAN_COLUMNS[filter.property])} = ${filter.value})`;
    case 'groupTypeAny':
      return sql<boolean>`(${filter.groupType} = ANY (g.group_types))`;
    case 'hasMembersWithLicenseErrors':
      return sql<boolean>`EXISTS (SELECT 1 FROM license_assignment la WHERE la.tenant_id = g.tenant_id AND la.source_id = g.group_id AND la.state = 'Error')`;
    case 'assignedLicenseAny': {
      const sku = filter.skuId === undefined ? sql`` : sql` AND gl.sku_id = ${filter.skuId}`;
      return sql<boolean>`EXISTS (SELECT 1 FROM group_license gl WHERE gl.tenant_id = g.tenant_id AND gl.group_id = g.group_id${sku})`;
    }
  }
}

export interface GroupListQuery {
  filter?: GroupFilter;
  /** Only the groups this user is a direct member of (GET /users/{id}/memberOf). */
  memberOfUserId?: string;
  top: number;
  /** The last row of the previous page: lower(displayName) and id (keyset paging). */
  after?: GroupCursor;
}

export interface GroupCursor {
  name: string;
  groupId: string;
}

/**
 * Where a member page ends: added_at as stored (ISO text with microseconds, so no precision is
 * lost through a JavaScript Date) and the member id.
 */
export interface MemberCursor {
  addedAt: string;
  memberId: string;
}

/** Groups and their direct members (group_member: users and groups; no FK on member_id). */
export function createGroupRepository(db: Kysely<Database>, tenantId: string) {
  const groups = () => db.selectFrom('directory_group').select(groupColumns).where('tenant_id', '=', tenantId);
  const members = () => db.selectFrom('group_member').where('tenant_id', '=', tenantId);
  /** Users that are soft-deleted keep their membership rows (Entra restores them) but are not members meanwhile. */
  const activeMember = sql<boolean>`(gm.member_type = 'group' OR EXISTS (SELECT 1 FROM directory_user u WHERE u.tenant_id = gm.tenant_id AND u.user_id = gm.member_id AND u.deleted_at IS NULL))`;

  return {
    async insert(groupId: string, properties: GroupProperties, createdAt: Date): Promise<DirectoryGroup> {
      const row = await db
        .insertInto('directory_group')
        .values({
          tenant_id: tenantId,
          group_id: groupId,
          display_name: properties.displayName,
          description: properties.description,
          mail_nickname: properties.mailNickname,
          mail_enabled: properties.mailEnabled,
          security_enabled: properties.securityEnabled,
          group_types: [...properties.groupTypes],
          membership_rule: properties.membershipRule,
          membership_rule_processing_state: properties.membershipRuleProcessingState,
          license_processing_state: null,
          created_at: createdAt,
        })
        .returning(groupColumns)
        .executeTakeFirstOrThrow();
      return toDirectoryGroup(row);
    },

    async find(groupId: string): Promise<DirectoryGroup | undefined> {
      const row = await groups().where('group_id', '=', groupId).executeTakeFirst();
      return row && toDirectoryGroup(row);
    },

    async findMany(groupIds: readonly string[]): Promise<DirectoryGroup[]> {
      if (groupIds.length === 0) {
        return [];
      }
      const rows = await groups().where('group_id', 'in', [...groupIds]).execute();
      return rows.map(toDirectoryGroup);
    },

    /**
     * Locks a group's row FOR UPDATE, for every change of the group or its members: the same lock
     * group-based licensing takes on a group whose licenses or members change (groups come right
     * after the tenant's admin guard in the lock order, before SKU counters and users), so a
     * membership change that goes on to re-evaluate licenses never has to upgrade its lock.
     */
    async lock(groupId: string): Promise<DirectoryGroup | undefined> {
      const row = await groups().where('group_id', '=', groupId).forUpdate().executeTakeFirst();
      return row && toDirectoryGroup(row);
    },

    /** A page of groups ordered by lower(displayName), then id (the directory_group_display_name_idx order). */
    async page(query: GroupListQuery): Promise<{ groups: DirectoryGroup[]; next?: GroupCursor }> {
      const conditions: RawBuilder<unknown>[] = [sql`g.tenant_id = ${tenantId}`];
      if (query.filter !== undefined) {
        conditions.push(filterToSql(query.filter));
      }
      if (query.memberOfUserId !== undefined) {
        conditions.push(sql`EXISTS (SELECT 1 FROM group_member gm WHERE gm.tenant_id = g.tenant_id AND gm.group_id = g.group_id AND gm.member_id = ${query.memberOfUserId})`);
      }
      if (query.after !== undefined) {
        conditions.push(sql`(lower(g.display_name), g.group_id) > (${query.after.name}, ${query.after.groupId}::uuid)`);
      }
      const result = await sql<GroupRow & { sort_name: string }>`
        SELECT ${sql.join(groupColumns.map((column) => sql.ref(`g.${column}`)))}, lower(g.display_name) AS sort_name
        FROM directory_group g
        WHERE ${sql.join(conditions, sql` AND `)}
        ORDER BY lower(g.display_name), g.group_id
        LIMIT ${query.top + 1}`.execute(db);
      const rows = result.rows.slice(0, query.top);
      const last = rows.at(-1);
      return {
        groups: rows.map(toDirectoryGroup),
        ...(result.rows.length > query.top && last !== undefined ? { next: { name: last.sort_name, groupId: last.group_id } } : {}),
      };
    },

    async update(groupId: string, properties: Partial<GroupProperties>): Promise<void> {
      const columns = toColumns(properties);
      if (Object.keys(columns).length === 0) {
        return;
      }
      await db.updateTable('directory_group').set(columns).where('tenant_id', '=', tenantId).where('group_id', '=', groupId).execute();
    },

    /**
     * Deletes a group: its members, licenses and license jobs go with it (FK cascade), and so do
     * its own memberships in other groups. Returns how many members it had.
     */
    async delete(groupId: string): Promise<{ membersRemoved: number }> {
      const counted = await members().select(sql<number>`count(*)::int`.as('n')).where('group_id', '=', groupId).executeTakeFirst();
      await db.deleteFrom('group_member').where('tenant_id', '=', tenantId).where('member_id', '=', groupId).execute();
      await db.deleteFrom('directory_group').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).execute();
      return { membersRemoved: counted?.n ?? 0 };
    },

    /** The licenses the groups carry (assignedLicenses), by group id. */
    async licensesOf(groupIds: readonly string[]): Promise<Map<string, GroupLicense[]>> {
      const result = new Map<string, GroupLicense[]>(groupIds.map((groupId) => [groupId, []]));
      if (groupIds.length === 0) {
        return result;
      }
      const rows = await db
        .selectFrom('group_license')
        .select(['group_id', 'sku_id', 'disabled_plans'])
        .where('tenant_id', '=', tenantId)
        .where('group_id', 'in', [...groupIds])
        .orderBy('group_id')
        .orderBy('sku_id')
        .execute();
      for (const row of rows) {
        result.get(row.group_id)?.push({ skuId: row.sku_id, disabledPlans: [...row.disabled_plans] });
      }
      return result;
    },

    async hasLicenses(groupId: string): Promise<boolean> {
      const row = await db.selectFrom('group_license').select('sku_id').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).limit(1).executeTakeFirst();
      return row !== undefined;
    },

    /** A page of a group's members (active users and groups), in the order they were added. */
    async memberPage(groupId: string, top: number, after?: MemberCursor): Promise<{ members: GroupMembership[]; next?: MemberCursor }> {
      const afterCondition = after === undefined ? sql`TRUE` : sql`(gm.added_at, gm.member_id) > (${after.addedAt}::timestamptz, ${after.memberId}::uuid)`;
      const result = await sql<{ member_id: string; member_type: MemberType; added_at: Date | string; cursor_time: string }>`
        SELECT gm.member_id, gm.member_type, gm.added_at,
               to_char(gm.added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time
        FROM group_member gm
        WHERE gm.tenant_id = ${tenantId} AND gm.group_id = ${groupId} AND ${activeMember} AND ${afterCondition}
        ORDER BY gm.added_at, gm.member_id
        LIMIT ${top + 1}`.execute(db);
      const rows = result.rows.slice(0, top);
      const last = rows.at(-1);
      return {
        members: rows.map((row) => ({ memberId: row.member_id, memberType: row.member_type, addedAt: new Date(row.added_at) })),
        ...(result.rows.length > top && last !== undefined ? { next: { addedAt: last.cursor_time, memberId: last.member_id } } : {}),
      };
    },

    /** The membership rows of these objects in the group (soft-deleted users included). */
    async findMemberships(groupId: string, memberIds: readonly string[]): Promise<GroupMembership[]> {
      if (memberIds.length === 0) {
        return [];
      }
      const rows = await members().select(['member_id', 'member_type', 'added_at']).where('group_id', '=', groupId).where('member_id', 'in', [...memberIds]).execute();
      return rows.map((row) => ({ memberId: row.member_id, memberType: row.member_type, addedAt: new Date(row.added_at) }));
    },

    /**
     * Adds members in one statement. A row that is already there is left alone and not returned,
     * so the caller sees a concurrent add of the same member too.
     * @returns the ids actually added
     */
    async addMembers(groupId: string, added: readonly { memberId: string; memberType: MemberType }[], addedAt: Date): Promise<string[]> {
      if (added.length === 0) {
        return [];
      }
      const rows = await db
        .insertInto('group_member')
        .values(added.map((member) => ({ tenant_id: tenantId, group_id: groupId, member_id: member.memberId, member_type: member.memberType, added_at: addedAt })))
        .onConflict((conflict) => conflict.columns(['tenant_id', 'group_id', 'member_id']).doNothing())
        .returning('member_id')
        .execute();
      return rows.map((row) => row.member_id);
    },

    /** @returns whether the member was there */
    async removeMember(groupId: string, memberId: string): Promise<boolean> {
      const result = await db.deleteFrom('group_member').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).where('member_id', '=', memberId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** Every membership of these objects, in any group (a purged user's). */
    async removeMemberships(memberIds: readonly string[]): Promise<number> {
      if (memberIds.length === 0) {
        return 0;
      }
      const result = await db.deleteFrom('group_member').where('tenant_id', '=', tenantId).where('member_id', 'in', [...memberIds]).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /**
     * A group's direct user members that are not soft-deleted, earliest first, ordered by
     * (added_at, member_id) over group_member_order_idx: the order in which group-based licensing
     * hands out seats. `after` continues from a member (exclusive), `limit` bounds a chunk.
     */
    async membersInOrder(groupId: string, options: { after?: { addedAt: Date | string; memberId: string }; limit?: number } = {}): Promise<{ userId: string; addedAt: Date }[]> {
      const { after, limit } = options;
      const afterCondition = after === undefined ? sql`TRUE` : sql`(gm.added_at, gm.member_id) > (${after.addedAt}::timestamptz, ${after.memberId}::uuid)`;
      const result = await sql<{ member_id: string; added_at: Date | string }>`
        SELECT gm.member_id, gm.added_at
        FROM group_member gm
        JOIN directory_user u ON u.tenant_id = gm.tenant_id AND u.user_id = gm.member_id AND u.deleted_at IS NULL
        WHERE gm.tenant_id = ${tenantId} AND gm.group_id = ${groupId} AND gm.member_type = 'user' AND ${afterCondition}
        ORDER BY gm.added_at, gm.member_id
        ${limit === undefined ? sql`` : sql`LIMIT ${limit}`}`.execute(db);
      return result.rows.map((row) => ({ userId: row.member_id, addedAt: new Date(row.added_at) }));
    },
  };
}

export type GroupRepository = ReturnType<typeof createGroupRepository>;
