/**
 * Translates the parsed `GET /users` query (domain/odata/user-query.ts) into PostgreSQL fragments
 * over `directory_user u`. Every literal becomes a bind parameter; column names come only from
 * the fixed maps below, so no client text ever reaches the SQL string.
 *
 * Semantics:
 * - string eq/ne/in/startsWith/endsWith and $search are case-insensitive: `lower(col)` against
 *   `lower($n)` (the parameter is also lower-cased in JS, so the bound value shows it);
 * - NULL: a comparison with a NULL column is unknown, so `mail ne 'x'` — and `not(mail eq 'x')` —
 *   do NOT return users whose mail is null (Graph's `ne` behaves the same way). Only
 *   `mail eq null` / `ne null` match on nullness;
 * - `assignedLicenses` is the seat table `user_license` (direct and group-inherited, deduplicated).
 */
import { sql, type RawBuilder } from 'kysely';
import type {
  FilterExpression,
  SearchExpression,
  SearchProperty,
  StringComparison,
  UserOrderBy,
  UserOrderByProperty,
  UserStringFilterProperty,
} from '../../domain/odata/user-query.js';

const STRING_COLUMNS: Record<UserStringFilterProperty, string> = {
  id: 'user_id',
  userPrincipalName: 'user_principal_name',
  mail: 'mail',
  displayName: 'display_name',
  userType: 'user_type',
  usageLocation: 'usage_location',
};

const SEARCH_COLUMNS: Record<SearchProperty, string> = {
  displayName: 'display_name',
  mail: 'mail',
  userPrincipalName: 'user_principal_name',
};

const ORDER_COLUMNS: Record<UserOrderByProperty, 'display_name' | 'user_principal_name'> = {
  displayName: 'display_name',
  userPrincipalName: 'user_principal_name',
};

const column = (name: string): RawBuilder<unknown> => sql.ref(`u.${name}`);

/** Case-folded column; `user_id` is a uuid and compares as such. */
const folded = (name: string): RawBuilder<unknown> => sql`lower(${column(name)})`;

/** LIKE treats `%`, `_` and the escape character itself specially; the value must not. */
export const escapeLike = (value: string): string => value.replace(/[\\%_]/g, '\\$&');

const like = (name: string, pattern: string): RawBuilder<boolean> =>
  sql<boolean>`${folded(name)} LIKE lower(${pattern}) ESCAPE '\\'`;

const EQUALITY = { eq: sql`=`, ne: sql`<>` } as const;

/** The user holds a seat (of `skuId`, when given) in its own tenant. */
function licenseExists(skuId?: string): RawBuilder<boolean> {
  const sku = skuId === undefined ? sql`` : sql` AND ul.sku_id = ${skuId}`;
  return sql<boolean>`EXISTS (SELECT 1 FROM user_license ul WHERE ul.tenant_id = u.tenant_id AND ul.user_id = u.user_id${sku})`;
}

function stringComparison(expression: StringComparison): RawBuilder<boolean> {
  const name = STRING_COLUMNS[expression.property];
  if (expression.value === null) {
    return expression.operator === 'eq'
      ? sql<boolean>`(${column(name)} IS NULL)`
      : sql<boolean>`(${column(name)} IS NOT NULL)`;
  }
  if (expression.property === 'id') {
    return sql<boolean>`(${column(name)} ${EQUALITY[expression.operator]} ${expression.value})`;
  }
  return sql<boolean>`(${folded(name)} ${EQUALITY[expression.operator]} lower(${expression.value.toLowerCase()}))`;
}

export function filterToSql(expression: FilterExpression): RawBuilder<boolean> {
  switch (expression.kind) {
    case 'and':
      return sql<boolean>`(${sql.join(expression.operands.map(filterToSql), sql` AND `)})`;
    case 'or':
      return sql<boolean>`(${sql.join(expression.operands.map(filterToSql), sql` OR `)})`;
    case 'not':
      return sql<boolean>`(NOT ${filterToSql(expression.operand)})`;
    case 'stringComparison':
      return stringComparison(expression);
    case 'booleanComparison':
      return sql<boolean>`(${column('account_enabled')} ${EQUALITY[expression.operator]} ${expression.value})`;
    case 'in': {
      const name = STRING_COLUMNS[expression.property];
      if (expression.property === 'id') {
        return sql<boolean>`(${column(name)} IN (${sql.join(expression.values)}))`;
      }
      const values = expression.values.map((value) => sql`lower(${value.toLowerCase()})`);
      return sql<boolean>`(${folded(name)} IN (${sql.join(values)}))`;
    }
    case 'startsWith':
    case 'endsWith': {
      const value = escapeLike(expression.value.toLowerCase());
      const pattern = expression.kind === 'startsWith' ? `${value}%` : `%${value}`;
      return sql<boolean>`(${like(STRING_COLUMNS[expression.property], pattern)})`;
    }
    case 'assignedLicenseAny':
      return licenseExists(expression.skuId);
    case 'assignedLicenseCount':
      // `$count eq 0` = holds no seat; `ne 0` = holds at least one.
      return expression.operator === 'eq' ? sql<boolean>`(NOT ${licenseExists()})` : licenseExists();
  }
}

/**
 * A term matches when a word of the column starts with it: at the start of the value or after a
 * space (`'% term%'`). Words are only space-separated here; `mail:doe` does not match
 * `john.doe@…` (Graph's tokeniser would).
 */
export function searchToSql(search: SearchExpression): RawBuilder<boolean> {
  switch (search.kind) {
    case 'and':
      return sql<boolean>`(${sql.join(search.operands.map(searchToSql), sql` AND `)})`;
    case 'or':
      return sql<boolean>`(${sql.join(search.operands.map(searchToSql), sql` OR `)})`;
    case 'term': {
      const name = SEARCH_COLUMNS[search.property];
      const term = escapeLike(search.value.toLowerCase());
      return sql<boolean>`(${like(name, `${term}%`)} OR ${like(name, `% ${term}%`)})`;
    }
  }
}

export interface OrderByColumn {
  property: UserOrderByProperty;
  column: 'display_name' | 'user_principal_name';
  /** `lower(u.<column>)`: case-insensitive order, matching the lower(display_name) index. */
  expression: RawBuilder<string>;
  direction: 'asc' | 'desc';
}

export function orderByColumns(orderBy: readonly UserOrderBy[]): OrderByColumn[] {
  return orderBy.map(({ property, direction }) => {
    const name = ORDER_COLUMNS[property];
    return { property, column: name, expression: sql<string>`lower(${column(name)})`, direction };
  });
}

/**
 * The whole ORDER BY list (without the keywords), ending with `u.user_id` as a tie-breaker so
 * pages are stable for keyset ($skiptoken) paging. Empty $orderby orders by user_id only.
 */
export function orderBySql(orderBy: readonly UserOrderBy[]): RawBuilder<unknown> {
  const keys = orderByColumns(orderBy).map(({ expression, direction }) =>
    direction === 'asc' ? sql`${expression} ASC` : sql`${expression} DESC`,
  );
  keys.push(sql`${column('user_id')} ASC`);
  return sql.join(keys);
}
