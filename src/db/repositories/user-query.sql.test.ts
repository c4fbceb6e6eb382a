import { PGlite } from '@electric-sql/pglite';
import {
  DummyDriver,
  Kysely,
  PGliteDialect,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type CompiledQuery,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUserQuery, type UserQueryInput } from '../../domain/odata/user-query.js';
import { escapeLike, filterToSql, orderByColumns, orderBySql, searchToSql } from './user-query.sql.js';

const compiler = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const ADVANCED = { consistencyLevel: 'eventual', count: 'true' } as const;
const SKU = 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46';
const USER = '6e7b768e-07e2-4810-8459-485f84f8f204';

function whereClause(filter: string, extra: UserQueryInput = {}): CompiledQuery {
  const expression = parseUserQuery({ filter, ...extra }).filter;
  if (expression === undefined) {
    throw new Error('no filter');
  }
  return sql`SELECT u.user_id FROM directory_user u WHERE ${filterToSql(expression)}`.compile(compiler);
}

/** The SQL text after WHERE, for readable assertions. */
const where = (query: CompiledQuery): string => query.sql.slice(query.sql.indexOf(' WHERE ') + 7);

/** No bound value may appear in the SQL text. */
function expectParameterised(query: CompiledQuery): void {
  for (const parameter of query.parameters) {
    if (typeof parameter === 'string' && parameter.replace(/[%\\ ]/g, '').length > 0) {
      expect(query.sql).not.toContain(parameter);
    }
  }
}

describe('filterToSql', () => {
  it('escaped quote: the value is a lower-cased parameter', () => {
    const query = whereClause("displayName eq 'van ''t Hek'");
    expect(where(query)).toBe('(lower("u"."display_name") = lower($1))');
    expect(query.parameters).toEqual(["van 't hek"]);
    expect(query.sql).not.toContain('hek');
    expect(query.sql).not.toContain("'t");
  });

  it('hostile literal stays a parameter', () => {
    const query = whereClause("displayName eq 'x''); DROP TABLE directory_user; --'");
    expect(where(query)).toBe('(lower("u"."display_name") = lower($1))');
    expect(query.parameters).toEqual(["x'); drop table directory_user; --"]);
    expect(query.sql).not.toMatch(/drop/i);
  });

  it.each([
    ["userPrincipalName eq 'Ann@Contoso.com'", '(lower("u"."user_principal_name") = lower($1))', ['ann@contoso.com']],
    ["mail ne 'Ann@Contoso.com'", '(lower("u"."mail") <> lower($1))', ['ann@contoso.com']],
    ["userType eq 'Guest'", '(lower("u"."user_type") = lower($1))', ['guest']],
    ["usageLocation eq 'JP'", '(lower("u"."usage_location") = lower($1))', ['jp']],
    [`id eq '${USER.toUpperCase()}'`, '("u"."user_id" = $1)', [USER]],
    [`id ne '${USER}'`, '("u"."user_id" <> $1)', [USER]],
    ['accountEnabled eq true', '("u"."account_enabled" = $1)', [true]],
    ['accountEnabled ne false', '("u"."account_enabled" <> $1)', [false]],
    ['mail eq null', '("u"."mail" IS NULL)', []],
    ['usageLocation ne null', '("u"."usage_location" IS NOT NULL)', []],
    [`id in ('${USER}', '${SKU}')`, '("u"."user_id" IN ($1, $2))', [USER, SKU]],
    ["usageLocation in ('JP', 'nz')", '(lower("u"."usage_location") IN (lower($1), lower($2)))', ['jp', 'nz']],
    ["startswith(displayName,'Wa')", `(lower("u"."display_name") LIKE lower($1) ESCAPE '\\')`, ['wa%']],
    ["endswith(userPrincipalName,'#EXT#@Contoso.com')", `(lower("u"."user_principal_name") LIKE lower($1) ESCAPE '\\')`, ['%#ext#@contoso.com']],
    [
      `assignedLicenses/any(x:x/skuId eq ${SKU})`,
      'EXISTS (SELECT 1 FROM user_license ul WHERE ul.tenant_id = u.tenant_id AND ul.user_id = u.user_id AND ul.sku_id = $1)',
      [SKU],
    ],
    [
      'assignedLicenses/$count eq 0',
      '(NOT EXISTS (SELECT 1 FROM user_license ul WHERE ul.tenant_id = u.tenant_id AND ul.user_id = u.user_id))',
      [],
    ],
    [
      'assignedLicenses/$count ne 0',
      'EXISTS (SELECT 1 FROM user_license ul WHERE ul.tenant_id = u.tenant_id AND ul.user_id = u.user_id)',
      [],
    ],
  ])('%s', (filter, expectedSql, parameters) => {
    const query = whereClause(filter, ADVANCED);
    expect(where(query)).toBe(expectedSql);
    expect(query.parameters).toEqual(parameters);
    expectParameterised(query);
  });

  it('escapes LIKE metacharacters in the value', () => {
    expect(escapeLike('50%_off\\x')).toBe('50\\%\\_off\\\\x');
    const query = whereClause("startswith(displayName,'50%_Off\\')");
    expect(query.parameters).toEqual(['50\\%\\_off\\\\%']);
  });

  it('keeps precedence with explicit parentheses', () => {
    const query = whereClause(
      "not(displayName eq 'Alpha') and (mail eq 'Beta' or accountEnabled eq true)",
      ADVANCED,
    );
    expect(where(query)).toBe(
      '((NOT (lower("u"."display_name") = lower($1))) AND ((lower("u"."mail") = lower($2)) OR ("u"."account_enabled" = $3)))',
    );
    expect(query.parameters).toEqual(['alpha', 'beta', true]);
  });
});

describe('searchToSql', () => {
  it('matches a word prefix per term, OR/AND combined, all values bound', () => {
    const search = parseUserQuery({
      search: '"displayName:Wa" OR "mail:b%c" AND "userPrincipalName:d"',
      consistencyLevel: 'eventual',
    }).search;
    if (search === undefined) {
      throw new Error('no search');
    }
    const query = sql`SELECT 1 FROM directory_user u WHERE ${searchToSql(search)}`.compile(compiler);
    const term = (column: string, n: number): string =>
      `(lower("u"."${column}") LIKE lower($${n}) ESCAPE '\\' OR lower("u"."${column}") LIKE lower($${n + 1}) ESCAPE '\\')`;
    expect(where(query)).toBe(`(${term('display_name', 1)} OR (${term('mail', 3)} AND ${term('user_principal_name', 5)}))`);
    expect(query.parameters).toEqual(['wa%', '% wa%', 'b\\%c%', '% b\\%c%', 'd%', '% d%']);
  });
});

describe('orderByColumns / orderBySql', () => {
  it('maps properties to whitelisted lower(column) keys plus a user_id tie-breaker', () => {
    const { orderBy } = parseUserQuery({ orderby: 'displayName desc,userPrincipalName' });
    expect(orderByColumns(orderBy).map(({ column, direction }) => [column, direction])).toEqual([
      ['display_name', 'desc'],
      ['user_principal_name', 'asc'],
    ]);
    const query = sql`SELECT 1 FROM directory_user u ORDER BY ${orderBySql(orderBy)}`.compile(compiler);
    expect(query.sql).toBe(
      'SELECT 1 FROM directory_user u ORDER BY lower("u"."display_name") DESC, lower("u"."user_principal_name") ASC, "u"."user_id" ASC',
    );
    expect(query.parameters).toEqual([]);
  });
});

/** The same fragments executed by a real PostgreSQL (PGlite) over a tiny fixture. */
describe('execution on PostgreSQL', () => {
  const T = '11111111-1111-4111-8111-111111111111';
  const OTHER_T = '22222222-2222-4222-8222-222222222222';
  const id = (n: number): string => `00000000-0000-4000-8000-00000000000${n}`;
  let pglite: PGlite;
  let db: Kysely<unknown>;

  beforeAll(async () => {
    pglite = await PGlite.create();
    db = new Kysely<unknown>({ dialect: new PGliteDialect({ pglite }) });
    await pglite.exec(`
      CREATE TABLE directory_user (
        tenant_id uuid NOT NULL, user_id uuid NOT NULL, user_principal_name text NOT NULL,
        display_name text NOT NULL, mail text, user_type text NOT NULL, account_enabled boolean NOT NULL,
        usage_location char(2), PRIMARY KEY (tenant_id, user_id));
      CREATE TABLE user_license (tenant_id uuid NOT NULL, user_id uuid NOT NULL, sku_id uuid NOT NULL);
      INSERT INTO directory_user VALUES
        ('${T}', '${id(1)}', 'ann@contoso.com', 'Ann Walker', 'Ann@Contoso.com', 'Member', true, 'US'),
        ('${T}', '${id(2)}', 'bob_x#EXT#@contoso.com', 'van ''t Hek', NULL, 'Guest', false, NULL),
        ('${T}', '${id(3)}', 'wally@contoso.com', '50% Off', 'wally@contoso.com', 'Member', true, 'GB'),
        ('${T}', '${id(4)}', 'zed@contoso.com', 'Zoë Ward', NULL, 'Member', true, 'DE');
      INSERT INTO user_license VALUES ('${T}', '${id(1)}', '${SKU}'), ('${OTHER_T}', '${id(3)}', '${SKU}'),
        ('${T}', '${id(4)}', '${USER}');
    `);
  }, 120_000); // PGlite's first start can be slow on a busy machine

  afterAll(async () => {
    await db.destroy(); // the dialect may close PGlite itself
    if (!pglite.closed) {
      await pglite.close();
    }
  });

  async function ids(input: UserQueryInput): Promise<number[]> {
    const query = parseUserQuery({ ...input, ...ADVANCED });
    const conditions = [sql<boolean>`u.tenant_id = ${T}`];
    if (query.filter !== undefined) {
      conditions.push(filterToSql(query.filter));
    }
    if (query.search !== undefined) {
      conditions.push(searchToSql(query.search));
    }
    const result = await sql<{ user_id: string }>`
      SELECT u.user_id FROM directory_user u WHERE ${sql.join(conditions, sql` AND `)}
      ORDER BY ${orderBySql(query.orderBy)}`.execute(db);
    return result.rows.map((row) => Number(row.user_id.slice(-1)));
  }

  it.each<[UserQueryInput, number[]]>([
    [{ filter: "displayName eq 'VAN ''T HEK'" }, [2]],
    [{ filter: "mail eq 'ann@contoso.com'" }, [1]],
    [{ filter: "mail ne 'ann@contoso.com'" }, [3]], // null mail is not returned
    [{ filter: "not(mail eq 'ann@contoso.com')" }, [3]],
    [{ filter: 'mail eq null' }, [2, 4]],
    [{ filter: "userType eq 'guest'" }, [2]],
    [{ filter: 'accountEnabled eq false' }, [2]],
    [{ filter: "usageLocation in ('us','GB')" }, [1, 3]],
    [{ filter: `id in ('${id(1)}','${id(4)}')` }, [1, 4]],
    [{ filter: "startswith(displayName,'50%')" }, [3]],
    [{ filter: "startswith(displayName,'5_%')" }, []], // '_' is literal, not a wildcard
    [{ filter: "startswith(usageLocation,'d')" }, [4]],
    [{ filter: "endswith(userPrincipalName,'#ext#@contoso.com')" }, [2]],
    [{ filter: `assignedLicenses/any(x:x/skuId eq ${SKU})` }, [1]], // the other tenant's seat does not count
    [{ filter: 'assignedLicenses/$count eq 0' }, [2, 3]],
    [{ filter: 'assignedLicenses/$count ne 0' }, [1, 4]],
    [{ filter: "displayName eq 'x'' or ''1''=''1'" }, []],
    [{ search: '"displayName:wa"' }, [1, 4]],
    [{ search: '"displayName:wa" OR "mail:wally"' }, [1, 3, 4]],
    [{ search: '"displayName:wa" AND "displayName:zo"' }, [4]],
    [{ search: '"displayName:hek"' }, [2]],
    [{ search: '"displayName:50%"' }, [3]],
    [{ search: '"displayName:%"' }, []], // '%' is literal: no word starts with it
    [{ filter: "startswith(displayName,'')", orderby: 'displayName desc' }, [4, 2, 1, 3]],
  ])('%j', async (input, expected) => {
    expect(await ids(input)).toEqual(expected);
  });
});
