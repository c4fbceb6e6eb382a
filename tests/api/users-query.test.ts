import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoTenant } from '../../src/services/demo-tenant.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { expectGraphError } from '../support/graph-error.js';

/**
 * GET /v1.0/users query options over HTTP against the seeded demo tenant (Contoso: 58 members, the MOD Administrator included, and
 * 3 guests, see src/services/demo-tenant.ts). Expectations are the seed's known data.
 */

const BASE = 'https://allot.test';
const ADVANCED = { consistencylevel: 'eventual' } as const;
const BUSINESS_PREMIUM = 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46';

const TOTAL_USERS = 61;
const GUESTS = ['Ahmed El Amrani', 'Megan Bowen', 'Pieter Bakx'];
const BUSINESS_PREMIUM_USERS = [
  'Anna de Vries', 'Bram Jansen', "Daan van 't Hek", 'Emma Bakker', 'Finn Visser', 'Julia Smit',
  'Lars Meijer', 'Noor de Boer', 'Sem Mulder', 'Tess de Groot', 'Lucas Bos', 'Sophie Vos',
];
const UNLICENSED_MEMBERS = [
  'Max Prins', 'Vera Huisman', 'Koen Post', 'Jasmijn Kuipers', 'Mees van Wijk', 'Charlotte Walker', 'George Wright',
  'Sophia Green', 'Willem Boersma', 'Ilse Veenstra', 'Hugo Verhoeven', 'Evi Kramer', 'Luuk van Beek', 'Nina Maas',
  "Joris d'Ancona", 'Hannah Lewis', 'MOD Administrator',
];
const MEMBERS_WITHOUT_LOCATION = ['Willem Boersma', 'Ilse Veenstra', 'Hugo Verhoeven', 'Evi Kramer'];
const GB = ['James Wilson', 'Olivia Taylor', 'Oliver Brown', 'Amelia Davies', 'Emily Clarke', 'Harry Evans', 'Charlotte Walker', 'Hannah Lewis'];
const US = ['Grace Thomas', 'Jack Roberts', 'George Wright', 'Sophia Green'];
const BE = ['Stijn Vermeulen'];
const NL_COUNT = TOTAL_USERS - GB.length - US.length - BE.length - MEMBERS_WITHOUT_LOCATION.length - GUESTS.length;
/** Disabled in beforeAll so accountEnabled has something to find. */
const DISABLED_USER = 'Evi Kramer';
const DISABLED_UPN = 'evi.kramer@contoso.onmicrosoft.com';

const sorted = (names: readonly string[]): string[] => [...names].sort();

interface UserListBody {
  '@odata.context': string;
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}


/** Query string with each value percent-encoded (keys keep their literal `$`). */
const qs = (params: Record<string, string>): string =>
  Object.entries(params)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');

let t: TestApp;

async function get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'GET', url, headers });
}

async function listUsers(params: Record<string, string>, headers: Record<string, string> = {}): Promise<UserListBody> {
  const response = await get(`/v1.0/users?${qs(params)}`, headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<UserListBody>();
}

/** Display names of one page of GET /users with `$filter` (advanced headers when asked). */
async function filterNames(filter: string, advanced = false): Promise<string[]> {
  const body = await listUsers({ $filter: filter, $top: '999', ...(advanced ? { $count: 'true' } : {}) }, advanced ? ADVANCED : {});
  expect(body['@odata.nextLink']).toBeUndefined();
  const names = body.value.map((user) => user.displayName as string);
  if (advanced) {
    expect(body['@odata.count']).toBe(names.length);
  }
  return sorted(names);
}


async function userRowCount(): Promise<number> {
  const row = await t.handle.db.selectFrom('directory_user').select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow();
  return row.count;
}

beforeAll(async () => {
  t = await createTestApp();
  await seedDemoTenant(t.services);
  const response = await t.inject({ method: 'PATCH', url: `/v1.0/users/${DISABLED_UPN}`, payload: { accountEnabled: false } });
  expect(response.statusCode, response.body).toBe(204);
});

afterAll(async () => {
  await t.close();
});

describe('GET /v1.0/users without options', () => {
  it('returns every user of the tenant with the default properties and context', async () => {
    const body = await listUsers({});
    expect(body['@odata.context']).toBe(`${BASE}/v1.0/$metadata#users`);
    expect(body.value).toHaveLength(TOTAL_USERS);
    expect(body['@odata.nextLink']).toBeUndefined();
    expect(body['@odata.count']).toBeUndefined();
    expect(Object.keys(body.value[0] ?? {}).sort()).toEqual(
      ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'].sort(),
    );
    expect(new Set(body.value.map((user) => user.id)).size).toBe(TOTAL_USERS);
  });
});

describe('$filter forms', () => {
  it("userType eq 'Guest' finds exactly the 3 guests (basic query)", async () => {
    expect(await filterNames("userType eq 'Guest'")).toEqual(sorted(GUESTS));
  });

  it("userType eq 'member' is case-insensitive and finds the 58 members", async () => {
    const names = await filterNames("userType eq 'member'");
    expect(names).toHaveLength(TOTAL_USERS - GUESTS.length);
    expect(names).not.toContain('Megan Bowen');
  });

  it("userType ne 'Member' (advanced) finds the guests", async () => {
    expect(await filterNames("userType ne 'Member'", true)).toEqual(sorted(GUESTS));
  });

  it('assignedLicenses/any(x:x/skuId eq <GUID>) finds exactly the 12 Business Premium users', async () => {
    const body = await listUsers({ $filter: `assignedLicenses/any(x:x/skuId eq ${BUSINESS_PREMIUM})`, $select: 'displayName,assignedLicenses' });
    expect(body['@odata.context']).toBe(`${BASE}/v1.0/$metadata#users(displayName,assignedLicenses)`);
    expect(sorted(body.value.map((user) => user.displayName as string))).toEqual(sorted(BUSINESS_PREMIUM_USERS));
    for (const user of body.value) {
      expect((user.assignedLicenses as { skuId: string }[]).map((license) => license.skuId)).toContain(BUSINESS_PREMIUM);
    }
  });

  it('assignedLicenses/any with an upper-case quoted GUID and another variable name finds the same users', async () => {
    expect(await filterNames(`assignedLicenses/any(lic:lic/skuId eq '${BUSINESS_PREMIUM.toUpperCase()}')`)).toEqual(sorted(BUSINESS_PREMIUM_USERS));
  });

  it('assignedLicenses/$count eq 0 (advanced) finds the 17 unlicensed members and the 3 guests', async () => {
    const body = await listUsers({ $filter: 'assignedLicenses/$count eq 0', $count: 'true', $top: '999' }, ADVANCED);
    expect(body['@odata.count']).toBe(UNLICENSED_MEMBERS.length + GUESTS.length);
    expect(sorted(body.value.map((user) => user.displayName as string))).toEqual(sorted([...UNLICENSED_MEMBERS, ...GUESTS]));
  });

  it('assignedLicenses/$count ne 0 (advanced) finds the other 41', async () => {
    const names = await filterNames('assignedLicenses/$count ne 0', true);
    expect(names).toHaveLength(TOTAL_USERS - UNLICENSED_MEMBERS.length - GUESTS.length);
    expect(names).toEqual(expect.arrayContaining(BUSINESS_PREMIUM_USERS));
    expect(names.filter((name) => UNLICENSED_MEMBERS.includes(name) || GUESTS.includes(name))).toEqual([]);
  });

  it('assignedLicenses/$count eq 0 without the advanced headers is Unsupported Query', async () => {
    const response = await get(`/v1.0/users?${qs({ $filter: 'assignedLicenses/$count eq 0' })}`);
    const body = expectGraphError(response, 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
    expect(body.error.details?.[0]?.message).toMatch(/ConsistencyLevel: eventual/);
  });

  it('startswith on displayName is case-insensitive', async () => {
    expect(await filterNames("startswith(displayName,'da')")).toEqual(sorted(["Daan van 't Hek", 'Daniel van Dijk']));
    expect(await filterNames("startsWith(displayName,'DA')")).toEqual(sorted(["Daan van 't Hek", 'Daniel van Dijk']));
  });

  it('startswith on mail, userPrincipalName and usageLocation', async () => {
    expect(await filterNames("startswith(mail,'j')")).toEqual(
      sorted(['Julia Smit', 'James Wilson', 'Jesse Brouwer', 'Jack Roberts', 'Jan Jacobs', 'Jasmijn Kuipers', "Joris d'Ancona"]),
    );
    expect(await filterNames("startswith(userPrincipalName,'sophi')")).toEqual(sorted(['Sophie Vos', 'Sophia Green']));
    expect(await filterNames("startswith(usageLocation,'G')")).toEqual(sorted(GB));
  });

  it('startswith treats LIKE wildcards as data', async () => {
    expect(await filterNames("startswith(displayName,'%')")).toEqual([]);
    expect(await filterNames("startswith(userPrincipalName,'_')")).toEqual([]);
  });

  it("endswith(userPrincipalName,'%23EXT%23@…') with the advanced headers finds the guests", async () => {
    // Written exactly as Graph's docs do: '#' is sent as %23.
    const response = await get("/v1.0/users?$filter=endswith(userPrincipalName,'%23EXT%23@contoso.onmicrosoft.com')&$count=true", ADVANCED);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<UserListBody>();
    expect(body['@odata.count']).toBe(3);
    expect(sorted(body.value.map((user) => user.displayName as string))).toEqual(sorted(GUESTS));
    expect(body.value.every((user) => (user.userPrincipalName as string).endsWith('#EXT#@contoso.onmicrosoft.com'))).toBe(true);
  });

  it('endswith on mail finds the one guest from fabrikam.com', async () => {
    expect(await filterNames("endsWith(mail,'@FABRIKAM.com')", true)).toEqual(['Pieter Bakx']);
  });

  it('endswith without the advanced headers is Unsupported Query', async () => {
    const response = await get(`/v1.0/users?${qs({ $filter: "endswith(mail,'@fabrikam.com')" })}`);
    expectGraphError(response, 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
  });

  it('usageLocation eq: every user is in exactly one bucket', async () => {
    expect(await filterNames("usageLocation eq 'GB'")).toEqual(sorted(GB));
    expect(await filterNames("usageLocation eq 'us'")).toEqual(sorted(US));
    expect(await filterNames("usageLocation eq 'BE'")).toEqual(sorted(BE));
    expect(await filterNames("usageLocation eq 'NL'")).toHaveLength(NL_COUNT);
    expect(NL_COUNT).toBe(41);
  });

  it('usageLocation eq null finds the 4 members without one and the 3 guests', async () => {
    expect(await filterNames('usageLocation eq null')).toEqual(sorted([...MEMBERS_WITHOUT_LOCATION, ...GUESTS]));
  });

  it('usageLocation ne null and ne a value (advanced; ne never matches a null location)', async () => {
    expect(await filterNames('usageLocation ne null', true)).toHaveLength(TOTAL_USERS - MEMBERS_WITHOUT_LOCATION.length - GUESTS.length);
    expect(await filterNames("usageLocation ne 'NL'", true)).toEqual(sorted([...GB, ...US, ...BE]));
  });

  it('and binds tighter than or; parentheses override', async () => {
    // US or (GB and G*) = the 4 US users; (US or GB) and G* = Grace and George.
    expect(await filterNames("usageLocation eq 'US' or usageLocation eq 'GB' and startswith(displayName,'G')")).toEqual(sorted(US));
    expect(await filterNames("(usageLocation eq 'US' or usageLocation eq 'GB') and startswith(displayName,'G')")).toEqual(
      sorted(['Grace Thomas', 'George Wright']),
    );
    expect(await filterNames("usageLocation eq 'BE' or usageLocation eq 'US' or userType eq 'Guest'")).toEqual(sorted([...BE, ...US, ...GUESTS]));
  });

  it('not binds tighter than and/or (advanced)', async () => {
    // (not NL) or Guest: the 13 non-NL located users plus the 3 guests (null locations never match `not eq`).
    expect(await filterNames("not usageLocation eq 'NL' or userType eq 'Guest'", true)).toEqual(sorted([...GB, ...US, ...BE, ...GUESTS]));
    // not (NL or Guest): only the 13.
    expect(await filterNames("not (usageLocation eq 'NL' or userType eq 'Guest')", true)).toEqual(sorted([...GB, ...US, ...BE]));
    expect(await filterNames("not(usageLocation eq 'GB') and startswith(usageLocation,'U')", true)).toEqual(sorted(US));
  });

  it('not without the advanced headers is Unsupported Query', async () => {
    expectGraphError(await get(`/v1.0/users?${qs({ $filter: "not(usageLocation eq 'NL')" })}`), 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
  });

  it('in', async () => {
    expect(await filterNames("usageLocation in ('BE', 'us')")).toEqual(sorted([...BE, ...US]));
    expect(
      await filterNames("userPrincipalName in ('anna.devries@contoso.onmicrosoft.com','BRAM.JANSEN@contoso.onmicrosoft.com','nobody@contoso.onmicrosoft.com')"),
    ).toEqual(['Anna de Vries', 'Bram Jansen']);
  });

  it('id eq and id in', async () => {
    const all = await listUsers({ $filter: "startswith(displayName,'S')", $select: 'id,displayName' });
    const [first, second] = all.value;
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    const one = await listUsers({ $filter: `id eq '${String(first?.id).toUpperCase()}'` });
    expect(one.value.map((user) => user.id)).toEqual([first?.id]);
    const two = await listUsers({ $filter: `id in ('${String(first?.id)}','${String(second?.id)}')` });
    expect(sorted(two.value.map((user) => user.id as string))).toEqual(sorted([first?.id as string, second?.id as string]));
  });

  it('accountEnabled eq false / true', async () => {
    expect(await filterNames('accountEnabled eq false')).toEqual([DISABLED_USER]);
    const enabled = await filterNames('accountEnabled eq true');
    expect(enabled).toHaveLength(TOTAL_USERS - 1);
    expect(enabled).not.toContain(DISABLED_USER);
    expect(await filterNames('accountEnabled ne true', true)).toEqual([DISABLED_USER]);
  });

  it("a doubled quote in a literal: displayName eq 'Daan van ''t Hek' (URL-encoded)", async () => {
    const response = await get('/v1.0/users?$filter=displayName%20eq%20%27Daan%20van%20%27%27t%20Hek%27&$select=displayName,userPrincipalName');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<UserListBody>().value).toEqual([{ displayName: "Daan van 't Hek", userPrincipalName: 'daan.vanthek@contoso.onmicrosoft.com' }]);
    expect(await filterNames("startswith(displayName,'Joris d''A')")).toEqual(["Joris d'Ancona"]);
    // A single quote inside the literal ends it: the rest is a syntax error, not a second condition.
    expectGraphError(await get(`/v1.0/users?${qs({ $filter: "displayName eq 'Daan van 't Hek'" })}`), 400, 'Request_BadRequest', /^Invalid filter clause: /);
  });
});

describe('$select', () => {
  it('shapes every object and the context, in the order asked', async () => {
    const body = await listUsers({ $select: 'displayName,id', $filter: "userType eq 'Guest'" });
    expect(body['@odata.context']).toBe(`${BASE}/v1.0/$metadata#users(displayName,id)`);
    expect(body.value).toHaveLength(3);
    for (const user of body.value) {
      expect(Object.keys(user)).toEqual(['displayName', 'id']);
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('is case-insensitive, canonicalises names and returns non-default properties', async () => {
    const body = await listUsers({ $select: 'USAGELOCATION,userType,accountEnabled', $filter: `userPrincipalName eq '${DISABLED_UPN}'` });
    expect(body['@odata.context']).toBe(`${BASE}/v1.0/$metadata#users(usageLocation,userType,accountEnabled)`);
    expect(body.value).toEqual([{ usageLocation: null, userType: 'Member', accountEnabled: false }]);
  });

  it('an unknown property is a 400 with Graph text', async () => {
    const response = await get(`/v1.0/users?${qs({ $select: 'displayName,shoeSize' })}`);
    expectGraphError(response, 400, 'Request_BadRequest', "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.");
  });
});

describe('$top and paging', () => {
  it('$top bounds: 0 and 1000 are refused with Graph text, 1 and 999 accepted', async () => {
    expectGraphError(await get('/v1.0/users?$top=0'), 400, 'Request_BadRequest', "Invalid page size specified: '0'. Must be between 1 and 999 inclusive.");
    expectGraphError(await get('/v1.0/users?$top=1000'), 400, 'Request_BadRequest', "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.");
    expectGraphError(await get('/v1.0/users?$top=-1'), 400, 'Request_BadRequest', /^Invalid page size specified/);
    expectGraphError(await get('/v1.0/users?$top=abc'), 400, 'Request_BadRequest', /^Invalid page size specified/);
    const one = await listUsers({ $top: '1' });
    expect(one.value).toHaveLength(1);
    expect(one['@odata.nextLink']).toBeDefined();
    const all = await listUsers({ $top: '999' });
    expect(all.value).toHaveLength(TOTAL_USERS);
    expect(all['@odata.nextLink']).toBeUndefined();
  });

  /** Follows @odata.nextLink from `first`, checking each link; returns every page. */
  async function walk(first: string, headers: Record<string, string> = {}): Promise<UserListBody[]> {
    const pages: UserListBody[] = [];
    let url: string | undefined = first;
    while (url !== undefined) {
      const response = await get(url, headers);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<UserListBody>();
      pages.push(body);
      const next = body['@odata.nextLink'];
      if (next === undefined) {
        url = undefined;
      } else {
        expect(next.startsWith(`${BASE}/v1.0/users?`)).toBe(true);
        const parsed = new URL(next);
        expect(parsed.searchParams.get('$top')).toBe('7');
        expect(parsed.searchParams.get('$skiptoken')).toBeTruthy();
        url = `${parsed.pathname}${parsed.search}`;
      }
      expect(pages.length).toBeLessThan(20);
    }
    return pages;
  }

  it('$top=7 walks every user exactly once via absolute nextLinks', async () => {
    const pages = await walk('/v1.0/users?$top=7&$select=id,displayName');
    expect(pages.map((page) => page.value.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 5]);
    const ids = pages.flatMap((page) => page.value.map((user) => user.id as string));
    expect(new Set(ids).size).toBe(TOTAL_USERS);
    const all = await listUsers({ $top: '999', $select: 'id' });
    expect(sorted(ids)).toEqual(sorted(all.value.map((user) => user.id as string)));
    // $select is kept in every link.
    expect(pages.every((page) => page['@odata.context'] === `${BASE}/v1.0/$metadata#users(id,displayName)`)).toBe(true);
    expect(pages.at(-1)?.['@odata.nextLink']).toBeUndefined();
  });

  it('$top=7 with $orderby=displayName desc, ConsistencyLevel and $count: same order as one page, count on every page', async () => {
    const pages = await walk(`/v1.0/users?${qs({ $top: '7', $orderby: 'displayName desc', $count: 'true', $select: 'id,displayName' })}`, ADVANCED);
    expect(pages).toHaveLength(9);
    expect(pages.every((page) => page['@odata.count'] === TOTAL_USERS)).toBe(true);
    const paged = pages.flatMap((page) => page.value.map((user) => user.displayName as string));
    expect(new Set(paged).size).toBe(TOTAL_USERS);
    const single = await listUsers({ $top: '999', $orderby: 'displayName desc', $select: 'displayName' });
    expect(paged).toEqual(single.value.map((user) => user.displayName));
    // Collation-independent anchors of the descending order.
    expect(paged[0]).toBe('Zoë Koster');
    expect(paged.at(-1)).toBe('Ahmed El Amrani');
  });

  it('paging a filtered, ordered query keeps the filter', async () => {
    const pages = await walk(`/v1.0/users?${qs({ $top: '7', $filter: "usageLocation eq 'NL'", $orderby: 'userPrincipalName', $count: 'true' })}`, ADVANCED);
    expect(pages.map((page) => page.value.length)).toEqual([7, 7, 7, 7, 7, 6]);
    const upns = pages.flatMap((page) => page.value.map((user) => user.userPrincipalName as string));
    expect(new Set(upns).size).toBe(NL_COUNT);
    // The order is the database's collation: compare with the same query in one page.
    const single = await listUsers({ $top: '999', $filter: "usageLocation eq 'NL'", $orderby: 'userPrincipalName', $count: 'true' }, ADVANCED);
    expect(upns).toEqual(single.value.map((user) => user.userPrincipalName));
  });

  it('a tampered or foreign $skiptoken is a 400', async () => {
    const first = await listUsers({ $top: '7' });
    const next = new URL(first['@odata.nextLink'] ?? '');
    const token = next.searchParams.get('$skiptoken') ?? '';
    const message = 'The $skiptoken is invalid or belongs to another query. Request the first page again.';
    // Garbage.
    expectGraphError(await get('/v1.0/users?$top=7&$skiptoken=not-a-token'), 400, 'Request_BadRequest', message);
    // A decodable token whose content was edited.
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { userId: string };
    const edited = Buffer.from(JSON.stringify({ ...decoded, userId: "x' OR '1'='1" })).toString('base64url');
    expectGraphError(await get(`/v1.0/users?$top=7&$skiptoken=${edited}`), 400, 'Request_BadRequest', message);
    // A valid token replayed on another query.
    expectGraphError(await get(`/v1.0/users?${qs({ $top: '7', $filter: "userType eq 'Guest'", $skiptoken: token })}`), 400, 'Request_BadRequest', message);
    // The genuine token still works.
    expect((await get(`/v1.0/users?$top=7&$skiptoken=${token}`)).statusCode).toBe(200);
  });
});

describe('$count', () => {
  it('$count=true with ConsistencyLevel: eventual gives @odata.count', async () => {
    const body = await listUsers({ $count: 'true', $top: '5' }, ADVANCED);
    expect(body['@odata.count']).toBe(TOTAL_USERS);
    expect(body.value).toHaveLength(5);
    const guests = await listUsers({ $count: 'true', $filter: "userType eq 'Guest'" }, ADVANCED);
    expect(guests['@odata.count']).toBe(3);
  });

  it('$count=true without the header is ignored, as Graph does', async () => {
    const body = await listUsers({ $count: 'true', $top: '5' });
    expect(body['@odata.count']).toBeUndefined();
    expect(body.value).toHaveLength(5);
  });

  it('a malformed $count is a 400', async () => {
    expectGraphError(await get('/v1.0/users?$count=yes'), 400, 'Request_BadRequest', "Invalid value 'yes' for the $count query option. Valid values are 'true' and 'false'.");
  });

  it('GET /users/$count with the header answers text/plain', async () => {
    const response = await get('/v1.0/users/$count', ADVANCED);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe(String(TOTAL_USERS));
    const guests = await get(`/v1.0/users/$count?${qs({ $filter: "userType eq 'Guest'" })}`, ADVANCED);
    expect(guests.body).toBe('3');
    const noLocation = await get(`/v1.0/users/$count?${qs({ $filter: 'usageLocation eq null' })}`, ADVANCED);
    expect(noLocation.body).toBe('7');
  });

  it('GET /users/$count without the header is 400 Request_UnsupportedQuery', async () => {
    expectGraphError(await get('/v1.0/users/$count'), 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
  });
});

describe('$search', () => {
  it('"displayName:van" with the header matches words starting with van', async () => {
    const body = await listUsers({ $search: '"displayName:van"', $count: 'true', $top: '999' }, ADVANCED);
    const expected = ["Daan van 't Hek", 'Daniel van Dijk', 'Sanne van der Meer', 'Thijs van der Linden', 'Lieke van den Heuvel', 'Mila van Leeuwen', 'Mees van Wijk', 'Luuk van Beek'];
    expect(sorted(body.value.map((user) => user.displayName as string))).toEqual(sorted(expected));
    expect(body['@odata.count']).toBe(expected.length);
  });

  it('AND / OR and combination with $filter', async () => {
    const both = await listUsers({ $search: '"displayName:van" AND "displayName:der"' }, ADVANCED);
    expect(sorted(both.value.map((user) => user.displayName as string))).toEqual(['Sanne van der Meer', 'Thijs van der Linden']);
    const either = await listUsers({ $search: '"displayName:wilson" OR "mail:megan"' }, ADVANCED);
    expect(sorted(either.value.map((user) => user.displayName as string))).toEqual(['James Wilson', 'Megan Bowen']);
    const filtered = await listUsers({ $search: '"displayName:van"', $filter: "startswith(displayName,'M')", $count: 'true' }, ADVANCED);
    expect(sorted(filtered.value.map((user) => user.displayName as string))).toEqual(['Mees van Wijk', 'Mila van Leeuwen']);
  });

  it('without the header is Unsupported Query', async () => {
    expectGraphError(await get(`/v1.0/users?${qs({ $search: '"displayName:van"' })}`), 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
  });
});

describe('malformed and hostile options', () => {
  const deep = `${'('.repeat(100)}displayName eq 'x'${')'.repeat(100)}`;
  const badFilters: [string, string, RegExp][] = [
    ["displayName eq 'x' or 1 eq 1", 'Request_BadRequest', /^Invalid filter clause: Syntax error: expected a property name, a function or '\(' but found '1' at position 22\.$/],
    ["displayName eq 'x'); DROP TABLE directory_user; --", 'Request_BadRequest', /^Invalid filter clause: Syntax error: unexpected '\)'.* at position 18\.$/],
    ["displayName eq 'x'; DELETE FROM audit_log", 'Request_BadRequest', /^Invalid filter clause: Syntax error: character ';' is not valid at position 18\.$/],
    ["displayName eq 'x' -- comment", 'Request_BadRequest', /^Invalid filter clause: .*'-'.* at position 19\.$/],
    ["(displayName eq 'x'", 'Request_BadRequest', /^Invalid filter clause: Syntax error: expected '\)' .*the end of the clause at position 19\.$/],
    ["displayName eq 'x')", 'Request_BadRequest', /^Invalid filter clause: Syntax error: unexpected '\)'/],
    ["displayName eq 'x", 'Request_BadRequest', /^Invalid filter clause: Syntax error: unterminated string literal at position 15\.$/],
    ["displayName eq 'a'' or ''1''=''1", 'Request_BadRequest', /unterminated string literal/],
    ["shoeSize eq 'x'", 'Request_BadRequest', /^Invalid filter clause: Could not find a property named 'shoeSize' on type 'microsoft\.graph\.user' at position 0\.$/],
    ["frobnicate(displayName,'x')", 'Request_BadRequest', /^Invalid filter clause: Unknown function 'frobnicate' at position 0\.$/],
    [deep, 'Request_BadRequest', /^Invalid filter clause: The expression is nested more than 32 levels deep at position 32\.$/],
    ["contains(displayName,'x')", 'Request_UnsupportedQuery', /^Unsupported Query\.$/],
    ["displayName gt 'x'", 'Request_UnsupportedQuery', /^Unsupported Query\.$/],
    ['accountEnabled eq 1', 'Request_BadRequest', /incompatible types/],
    ["eq 'x'", 'Request_BadRequest', /^Invalid filter clause: Syntax error/],
  ];

  it.each(badFilters)('$filter=%s → 400 %s', async (filter, code, message) => {
    const response = await get(`/v1.0/users?${qs({ $filter: filter, $count: 'true' })}`, ADVANCED);
    expectGraphError(response, 400, code, message);
  });

  const badOrderBy: [string, string, RegExp][] = [
    ['displayName; DROP TABLE directory_user', 'Request_BadRequest', /^Invalid \$orderby clause: 'displayName; DROP TABLE directory_user' is not a valid sort key\.$/],
    ['shoeSize', 'Request_BadRequest', /^Could not find a property named 'shoeSize' on type 'microsoft\.graph\.user'\.$/],
    ['displayName sideways', 'Request_BadRequest', /^Invalid \$orderby clause: expected 'asc' or 'desc' after 'displayName' but found 'sideways'\.$/],
    ['displayName,displayName desc', 'Request_BadRequest', /^Duplicate property named 'displayName'/],
    ['jobTitle', 'Request_UnsupportedQuery', /^Unsupported Query\.$/],
    ["displayName asc)--", 'Request_BadRequest', /not a valid sort key/],
  ];

  it.each(badOrderBy)('$orderby=%s → 400 %s', async (orderby, code, message) => {
    expectGraphError(await get(`/v1.0/users?${qs({ $orderby: orderby })}`, ADVANCED), 400, code, message);
  });

  const badSearch: [string, string, RegExp][] = [
    ['displayName:van', 'Request_BadRequest', /^Invalid \$search clause: search terms must be enclosed in double quotes/],
    ['"displayName:van', 'Request_BadRequest', /^Invalid \$search clause: unterminated quoted term at position 0\.$/],
    ['"shoeSize:42"', 'Request_BadRequest', /^Could not find a property named 'shoeSize' on type 'microsoft\.graph\.user'\.$/],
    ['"displayName:x" OR 1=1 --', 'Request_BadRequest', /^Invalid \$search clause: unexpected character/],
    ["\"displayName:x'); DROP TABLE directory_user; --\" AND", 'Request_BadRequest', /^Invalid \$search clause: expected a quoted term but found the end of the clause/],
    ['("displayName:van")', 'Request_UnsupportedQuery', /^Unsupported Query\.$/],
  ];

  it.each(badSearch)('$search=%s → 400 %s', async (search, code, message) => {
    expectGraphError(await get(`/v1.0/users?${qs({ $search: search })}`, ADVANCED), 400, code, message);
  });

  it('SQL-looking text inside a literal is data: it matches nothing and breaks nothing', async () => {
    expect(await filterNames("displayName eq 'x''); DROP TABLE directory_user; --'")).toEqual([]);
    expect(await filterNames("displayName eq 'x'' or ''1''=''1'")).toEqual([]);
    const search = await listUsers({ $search: '"displayName:\'; DROP TABLE directory_user; --"' }, ADVANCED);
    expect(search.value).toEqual([]);
  });

  it('leaves the users table intact', async () => {
    expect(await userRowCount()).toBe(TOTAL_USERS);
    const response = await get('/v1.0/users/$count', ADVANCED);
    expect(response.body).toBe(String(TOTAL_USERS));
    const audit = await t.handle.db.selectFrom('audit_log').select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow();
    expect(audit.count).toBeGreaterThan(TOTAL_USERS);
  });
});

describe('unsupported query options', () => {
  it('refuses $skip and $expand instead of ignoring them', async () => {
    expectGraphError(await get('/v1.0/users?$skip=5'), 400, 'Request_BadRequest', "Query option '$skip' is not supported on users.");
    expectGraphError(await get('/v1.0/users?$expand=manager'), 400, 'Request_BadRequest', "Query option '$expand' is not supported on users.");
    // Parameters that are not OData options are not Graph's business either way.
    expect((await get('/v1.0/users?$top=1&tracking=1')).statusCode).toBe(200);
  });
});
