import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicensingTenant, FLEET, MS, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, TEST_NOW, type TestApp } from '../support/test-app.js';

/**
 * GET /admin/audit: who did what, with which role or permission, to what, when — filtered and
 * keyset-paged; and GET /admin/licenses/holders: who held which product at a given moment, from the
 * assignment history.
 */
interface AuditEntryBody {
  id: string;
  activityDateTime: string;
  category: string;
  activityDisplayName: string;
  result: string;
  initiatedBy: { type: string; id: string; displayName: string | null; authorization: string | null };
  target: { type: string; id: string | null; displayName: string | null };
  modifiedProperties: { displayName: string; oldValue: unknown; newValue: unknown }[];
  additionalDetails: Record<string, unknown>;
  requestId: string | null;
  clientAddress: string | null;
}

interface AuditPageBody {
  '@odata.nextLink'?: string;
  value: AuditEntryBody[];
}

interface HoldersBody {
  at: string;
  '@odata.nextLink'?: string;
  value: {
    userId: string;
    userPrincipalName: string | null;
    displayName: string | null;
    skuId: string;
    skuPartNumber: string | null;
    skuDisplayName: string | null;
    sources: ({ type: 'direct'; disabledPlans: string[] } | { type: 'group'; groupId: string; disabledPlans: string[] })[];
  }[];
}

let t: TestApp;
let tenant: LicensingTenant;
let licenseAdmin: Awaited<ReturnType<TestApp['adminHeaders']>>;
let reader: Awaited<ReturnType<TestApp['adminHeaders']>>;

// Seconds after TEST_NOW: the admins' sessions stay within their idle timeout.
const at = (seconds: number) => new Date(TEST_NOW.getTime() + seconds * 1000);

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services, { [MS.e3]: 50 });
  licenseAdmin = await t.adminHeaders(tenant.tenantId, ['License Administrator']);
  reader = await t.adminHeaders(tenant.tenantId, ['Global Reader']);
});
afterAll(async () => {
  await t.close();
});

const audit = async (query: string, headers = reader.headers) => {
  const response = await t.app.inject({ method: 'GET', url: `/admin/audit${query}`, headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<AuditPageBody>();
};

const assign = (userId: string, add: string[], remove: string[] = [], headers = licenseAdmin.headers) =>
  t.app.inject({
    method: 'POST',
    url: `/v1.0/users/${userId}/assignLicense`,
    headers,
    payload: { addLicenses: add.map((skuId) => ({ skuId, disabledPlans: [] })), removeLicenses: remove },
  });

describe('GET /admin/audit', () => {
  it('records who changed what with which role, the values before and after, the request and the address', async () => {
    t.clock.set(at(1));
    const user = await tenant.user('audited');
    const response = await assign(user, [MS.e3]);
    expect(response.statusCode, response.body).toBe(200);

    const page = await audit(`?target=${user}&activity=${encodeURIComponent('Change user license')}`);
    expect(page['@odata.nextLink']).toBeUndefined();
    expect(page.value).toHaveLength(1);
    const [entry] = page.value;
    expect(entry).toMatchObject({
      activityDateTime: at(1).toISOString(),
      category: 'UserManagement',
      activityDisplayName: 'Change user license',
      result: 'success',
      initiatedBy: { type: 'user', id: licenseAdmin.userId, authorization: 'License Administrator' },
      target: { type: 'User', id: user, displayName: expect.stringMatching(/^audited@/) },
      requestId: response.headers['request-id'],
      clientAddress: '127.0.0.1',
      additionalDetails: {},
    });
    expect(entry?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(entry?.initiatedBy.displayName).toBe('Admin (License Administrator)');
    expect(entry?.modifiedProperties).toEqual([{ displayName: 'AssignedLicense', oldValue: expect.anything(), newValue: expect.anything() }]);
    expect(JSON.stringify(entry?.modifiedProperties[0]?.newValue)).toContain(MS.e3);
    expect(JSON.stringify(entry?.modifiedProperties[0]?.oldValue)).not.toContain(MS.e3);
  });

  it('names the application permission an app acted through', async () => {
    t.clock.set(at(2));
    const user = await tenant.user('by-app');
    const app = await t.appHeaders(tenant.tenantId, ['LicenseAssignment.ReadWrite.All', 'User.Read.All']);
    expect((await assign(user, [MS.e3], [], app)).statusCode).toBe(200);
    const [entry] = (await audit(`?target=${user}&activity=${encodeURIComponent('Change user license')}`)).value;
    expect(entry?.initiatedBy).toMatchObject({ type: 'app', displayName: 'Test client', authorization: 'LicenseAssignment.ReadWrite.All' });
  });

  it('filters by actor, target, activity, category and time range, exactly', async () => {
    const first = await tenant.user('filter-one');
    const second = await tenant.user('filter-two');
    t.clock.set(at(60));
    expect((await assign(first, [MS.e3])).statusCode).toBe(200);
    t.clock.set(at(61));
    expect((await assign(second, [MS.e3])).statusCode).toBe(200);
    t.clock.set(at(62));
    expect((await assign(first, [], [MS.e3])).statusCode).toBe(200);

    const ids = (page: AuditPageBody) => page.value.map((entry) => `${entry.target.id === first ? 'first' : 'second'}@${entry.activityDateTime}`);
    expect(ids(await audit(`?actor=${licenseAdmin.userId}&from=${at(60).toISOString()}`))).toEqual([`first@${at(62).toISOString()}`, `second@${at(61).toISOString()}`, `first@${at(60).toISOString()}`]);
    expect(ids(await audit(`?target=${first}&category=UserManagement&activity=${encodeURIComponent('Change user license')}`))).toEqual([`first@${at(62).toISOString()}`, `first@${at(60).toISOString()}`]);
    // from is inclusive, to exclusive; offsets other than Z are understood.
    expect(ids(await audit(`?actor=${licenseAdmin.userId}&from=${at(61).toISOString()}&to=${encodeURIComponent('2026-11-01T10:01:02+01:00')}`))).toEqual([`second@${at(61).toISOString()}`]);
    expect((await audit(`?target=${first}&activity=change%20user%20license`)).value).toEqual([]);
    expect((await audit(`?target=${first}&category=GroupManagement`)).value).toEqual([]);
    expect((await audit(`?actor=${reader.userId}&activity=${encodeURIComponent('Change user license')}`)).value).toEqual([]);
  });

  it('pages newest first with an absolute nextLink that keeps the filters, also through equal times', async () => {
    t.clock.set(at(120));
    const users = [];
    for (let index = 0; index < 5; index += 1) {
      users.push(await tenant.user(`paged-${index}`));
    }
    for (const user of users) {
      expect((await assign(user, [MS.e3])).statusCode).toBe(200);
      expect((await assign(user, [], [MS.e3])).statusCode).toBe(200);
    }
    // Ten entries at the very same time: the id breaks the tie.
    const query = `?activity=${encodeURIComponent('Change user license')}&from=${at(120).toISOString()}&to=${at(121).toISOString()}&$top=3`;
    const seen: AuditEntryBody[] = [];
    let next: string | undefined = `https://allot.test/admin/audit${query}`;
    let pages = 0;
    while (next !== undefined) {
      expect(next.startsWith('https://allot.test/admin/audit?')).toBe(true);
      const url = new URL(next);
      if (pages > 0) {
        expect(url.searchParams.get('activity')).toBe('Change user license');
        expect(url.searchParams.get('$top')).toBe('3');
        expect(url.searchParams.get('$skiptoken')).toBeTruthy();
      }
      const page = await audit(`${url.search}`);
      expect(page.value.length).toBeLessThanOrEqual(3);
      seen.push(...page.value);
      next = page['@odata.nextLink'];
      pages += 1;
    }
    expect(pages).toBe(4);
    expect(seen).toHaveLength(10);
    expect(new Set(seen.map((entry) => entry.id)).size).toBe(10);
    expect(seen.every((entry) => entry.activityDateTime === at(120).toISOString())).toBe(true);
    expect(seen.map((entry) => entry.id)).toEqual([...seen.map((entry) => entry.id)].sort().reverse());
    const all = await audit(query.replace('$top=3', '$top=999'));
    expect(all.value.map((entry) => entry.id)).toEqual(seen.map((entry) => entry.id));
  });

  it('answers bad filter values with 400 in Graph’s envelope', async () => {
    const bad = async (query: string, message: string | RegExp) =>
      expectGraphError(await t.app.inject({ method: 'GET', url: `/admin/audit${query}`, headers: reader.headers }), 400, 'Request_BadRequest', message);
    await bad('?from=yesterday', 'The from parameter must be an ISO 8601 date-time with a zone, such as 2026-11-01T00:00:00Z.');
    await bad('?to=2026-11-01', 'The to parameter must be an ISO 8601 date-time with a zone, such as 2026-11-01T00:00:00Z.');
    await bad('?from=2026-11-01T00:00:00', /The from parameter must be an ISO 8601 date-time/);
    await bad('?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 'The from time must be earlier than the to time.');
    for (const top of ['0', '1000', 'ten', '1.5']) {
      await bad(`?$top=${top}`, 'The $top parameter must be a whole number from 1 to 999.');
    }
    await bad('?actr=someone', 'Unknown query parameter: actr.');
    await bad('?$skiptoken=not-a-token', /The \$skiptoken is invalid/);
    const page = await audit(`?activity=${encodeURIComponent('Change user license')}&$top=1`);
    const token = new URL(page['@odata.nextLink'] ?? '').searchParams.get('$skiptoken') ?? '';
    // A token belongs to the filters that issued it.
    await bad(`?activity=Sign-in&$top=1&$skiptoken=${token}`, /belongs to another query/);
  });

  it('is for admins and apps allowed to read the audit log, and shows only the caller’s tenant', async () => {
    const inviter = await t.adminHeaders(tenant.tenantId, ['Guest Inviter']);
    expectGraphError(await t.app.inject({ method: 'GET', url: '/admin/audit', headers: inviter.headers }), 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const noAuditApp = await t.appHeaders(tenant.tenantId, ['Directory.Read.All']);
    expectGraphError(await t.app.inject({ method: 'GET', url: '/admin/audit', headers: noAuditApp }), 403, 'Authorization_RequestDenied');
    expectGraphError(await t.app.inject({ method: 'GET', url: '/admin/audit' }), 401, 'InvalidAuthenticationToken');
    const auditApp = await t.appHeaders(tenant.tenantId, ['AuditLog.Read.All']);
    expect((await t.app.inject({ method: 'GET', url: '/admin/audit?$top=1', headers: auditApp })).statusCode).toBe(200);

    const other = await createLicensingTenant(t.services);
    const otherReader = await t.adminHeaders(other.tenantId, ['Global Reader']);
    expect((await audit(`?actor=${licenseAdmin.userId}`, otherReader.headers)).value).toEqual([]);
    const own = (await audit('?$top=999', otherReader.headers)).value;
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((entry) => entry.initiatedBy.id !== licenseAdmin.userId)).toBe(true);
  });
});

describe('GET /admin/licenses/holders', () => {
  const holders = async (query: string) => {
    const response = await t.app.inject({ method: 'GET', url: `/admin/licenses/holders${query}`, headers: reader.headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<HoldersBody>();
  };
  const summary = (body: HoldersBody) => body.value.map((holder) => `${holder.displayName ?? holder.userId}:${holder.skuPartNumber ?? holder.skuId}:${holder.sources.map((source) => source.type).join('+')}`);

  it('answers who held which product at a moment, by source, from the assignment history', async () => {
    const other = await createLicensingTenant(t.services, { [MS.e5]: 5 });
    const admin = await t.adminHeaders(other.tenantId, ['License Administrator']);
    const ann = await other.user('ann');
    const bob = await other.user('bob');
    t.clock.set(at(1000));
    expect((await assign(ann, [MS.e3], [], admin.headers)).statusCode).toBe(200);
    t.clock.set(at(1010));
    expect((await assign(bob, [MS.e5], [], admin.headers)).statusCode).toBe(200);
    expect((await assign(ann, [FLEET.standard], [], admin.headers)).statusCode).toBe(200);
    t.clock.set(at(1020));
    expect((await assign(ann, [], [MS.e3], admin.headers)).statusCode).toBe(200);
    // A group's assignment, as the group issue will write it: the history row carries the group id.
    const group = '9a0b0000-0000-4000-8000-00000000000a';
    await sql`INSERT INTO assignment_history (tenant_id, user_id, sku_id, source_id, disabled_plans, valid_from, valid_to)
              VALUES (${other.tenantId}, ${bob}, ${MS.e5}, ${group}, '{}', ${at(1005)}, ${at(1015)})`.execute(t.handle.db);
    const reader = await t.adminHeaders(other.tenantId, ['Global Reader']);
    const asOf = async (moment: Date, extra = '') => {
      const response = await t.app.inject({ method: 'GET', url: `/admin/licenses/holders?at=${moment.toISOString()}${extra}`, headers: reader.headers });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<HoldersBody>();
    };

    expect((await asOf(at(999))).value).toEqual([]);
    const atStart = await asOf(at(1000));
    expect(atStart.at).toBe(at(1000).toISOString());
    expect(atStart.value).toEqual([
      { userId: ann, userPrincipalName: expect.stringMatching(/^ann@/), displayName: 'ann', skuId: MS.e3, skuPartNumber: 'ENTERPRISEPACK', skuDisplayName: expect.any(String), sources: [{ type: 'direct', disabledPlans: [] }] },
    ]);
    expect(new Set(summary(await asOf(at(1012))))).toEqual(new Set(['ann:ENTERPRISEPACK:direct', 'ann:CONTOSO_FLEET_STANDARD:direct', 'bob:ENTERPRISEPREMIUM:direct+group']));
    expect(new Set(summary(await asOf(at(1020))))).toEqual(new Set(['ann:CONTOSO_FLEET_STANDARD:direct', 'bob:ENTERPRISEPREMIUM:direct']));
    const bobsSources = (await asOf(at(1012), `&skuId=${MS.e5.toUpperCase()}`)).value.find((holder) => holder.userId === bob)?.sources;
    expect(bobsSources).toEqual(expect.arrayContaining([{ type: 'group', groupId: group, disabledPlans: [] }, { type: 'direct', disabledPlans: [] }]));
    expect(summary(await asOf(at(1012), `&skuId=${MS.e3}`))).toEqual(['ann:ENTERPRISEPACK:direct']);

    // Paged by user and product, with an absolute nextLink.
    const first = await asOf(at(1012), '&$top=2');
    expect(first.value).toHaveLength(2);
    const nextLink = first['@odata.nextLink'] ?? '';
    expect(nextLink.startsWith('https://allot.test/admin/licenses/holders?')).toBe(true);
    const rest = await t.app.inject({ method: 'GET', url: nextLink.replace('https://allot.test', ''), headers: reader.headers });
    const second = rest.json<HoldersBody>();
    expect(second['@odata.nextLink']).toBeUndefined();
    expect(new Set([...summary(first), ...summary(second)])).toEqual(new Set(summary(await asOf(at(1012)))));

    // The first tenant's reader sees none of it.
    expect((await holders(`?at=${at(1012).toISOString()}&skuId=${MS.e5}`)).value.filter((holder) => holder.userId === ann || holder.userId === bob)).toEqual([]);
  });

  it('refuses a missing or malformed moment and a malformed product id', async () => {
    const bad = async (query: string, message: string | RegExp) =>
      expectGraphError(await t.app.inject({ method: 'GET', url: `/admin/licenses/holders${query}`, headers: reader.headers }), 400, 'Request_BadRequest', message);
    await bad('', /The at parameter must be an ISO 8601 date-time/);
    await bad('?at=last-week', /The at parameter must be an ISO 8601 date-time/);
    await bad(`?at=${TEST_NOW.toISOString()}&skuId=E3`, "Cannot convert the literal 'E3' to the expected type 'Edm.Guid'.");
    const inviter = await t.adminHeaders(tenant.tenantId, ['Guest Inviter']);
    expectGraphError(await t.app.inject({ method: 'GET', url: `/admin/licenses/holders?at=${TEST_NOW.toISOString()}`, headers: inviter.headers }), 403, 'Authorization_RequestDenied');
  });
});
