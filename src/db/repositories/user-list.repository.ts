import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { FilterExpression, SearchExpression, UserOrderBy } from '../../domain/odata/user-query.js';
import type { DirectoryUser } from '../../domain/user.js';
import type { Database } from '../schema.js';
import { filterToSql, orderByColumns, orderBySql, searchToSql } from './user-query.sql.js';
import { toDirectoryUser, type UserRow } from './user.repository.js';

export interface UserListQuery {
  filter?: FilterExpression;
  search?: SearchExpression;
  orderBy: readonly UserOrderBy[];
  /** Page size (1–999). */
  top: number;
  /** Sort-key values of the last row of the previous page (keyset paging). */
  after?: { keys: string[]; userId: string };
}

export interface UserPage {
  users: DirectoryUser[];
  /** Set when another page exists: the sort keys of this page's last row. */
  next?: { keys: string[]; userId: string };
}

/** GET /users: a filtered, ordered page of active users, keyset-paged so deep pages stay cheap. */
export function createUserListRepository(db: Kysely<Database>, tenantId: string) {
  const where = (query: Pick<UserListQuery, 'filter' | 'search'>): RawBuilder<unknown> => {
    const conditions: RawBuilder<unknown>[] = [sql`u.tenant_id = ${tenantId}`, sql`u.deleted_at IS NULL`];
    if (query.filter) {
      conditions.push(filterToSql(query.filter));
    }
    if (query.search) {
      conditions.push(searchToSql(query.search));
    }
    return sql.join(conditions, sql` AND `);
  };

  return {
    async page(query: UserListQuery): Promise<UserPage> {
      const keys = orderByColumns(query.orderBy);
      let afterCondition: RawBuilder<unknown> = sql`TRUE`;
      if (query.after) {
        const { keys: values, userId } = query.after;
        // (k1 > v1) OR (k1 = v1 AND k2 > v2) … OR (all equal AND user_id > id), per key direction.
        const alternatives: RawBuilder<unknown>[] = [];
        keys.forEach((key, index) => {
          const equalBefore = keys.slice(0, index).map((previous, j) => sql`${previous.expression} = ${values[j] ?? ''}`);
          const step = key.direction === 'asc' ? sql`${key.expression} > ${values[index] ?? ''}` : sql`${key.expression} < ${values[index] ?? ''}`;
          alternatives.push(sql`(${sql.join([...equalBefore, step], sql` AND `)})`);
        });
        const allEqual = keys.map((key, j) => sql`${key.expression} = ${values[j] ?? ''}`);
        alternatives.push(sql`(${sql.join([...allEqual, sql`u.user_id > ${userId}`], sql` AND `)})`);
        afterCondition = sql`(${sql.join(alternatives, sql` OR `)})`;
      }
      const sortKeys = keys.length > 0 ? sql`, ${sql.join(keys.map((key, index) => sql`${key.expression} AS ${sql.ref(`sort_key_${index}`)}`))}` : sql``;
      const result = await sql<UserRow & Record<string, unknown>>`
        SELECT u.user_id, u.user_principal_name, u.display_name, u.mail, u.mail_nickname, u.given_name, u.surname,
               u.job_title, u.department, u.user_type, u.account_enabled, u.usage_location, u.creation_type,
               u.external_user_state, u.external_user_state_changed_at, u.created_at, u.deleted_at, u.license_version${sortKeys}
        FROM directory_user u
        WHERE ${where(query)} AND ${afterCondition}
        ORDER BY ${orderBySql(query.orderBy)}
        LIMIT ${query.top + 1}`.execute(db);
      const rows = result.rows.slice(0, query.top);
      const last = rows.at(-1);
      const hasMore = result.rows.length > query.top;
      return {
        users: rows.map((row) => toDirectoryUser(row)),
        ...(hasMore && last ? { next: { keys: keys.map((_, index) => String(last[`sort_key_${index}`])), userId: last.user_id } } : {}),
      };
    },

    async count(query: Pick<UserListQuery, 'filter' | 'search'>): Promise<number> {
      const result = await sql<{ count: number }>`SELECT count(*)::int AS count FROM directory_user u WHERE ${where(query)}`.execute(db);
      return result.rows[0]?.count ?? 0;
    },
  };
}

export type UserListRepository = ReturnType<typeof createUserListRepository>;
