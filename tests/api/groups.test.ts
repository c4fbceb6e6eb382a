import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/domain/clock.js';
import { createJobRunner } from '../../src/services/jobs/job-runner.js';
import { createRepositories } from '../../src/db/repositories/index.js';
import { purgeDeletedUsers } from '../../src/services/jobs/purge-deleted-users.js';
import { createLicensingTenant, MS, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, TEST_NOW, testContext, type TestApp } from '../support/test-app.js';

/**
 * Graph's groups over HTTP (graph-licensing.md §1.10, §2.13): CRUD, $filter/$select/paging,
 * members and memberOf, dynamic groups, the delete refused while licensed, tenant isolation and
 * the permission table. Licensing of members is group-licensing's and tested there.
 */

const BASE = 'https://allot.test';
const MEMBER_EXISTS = "One or more added object references already exist for the following modified properties: 'members'.";
const INSUFFICIENT = 'Insufficient privileges to complete the operation.';
const notFoundMessage = (id: string): string => `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`;
const ref = (id: string, set = 'directoryObjects'): string => `https://graph.microsoft.com/v1.0/${set}/${id}`;

type GroupBody = Record<string, unknown> & { id: string; displayName: string };
type Collection = { '@odata.context': string; '@odata.nextLink'?: string; value: (Record<string, unknown> & { id: string })[] };

let t: TestApp;
let tenant: LicensingTenant;
let foreign: LicensingTenant;

const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, options: { tenant?: string; headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> =>
  t.inject({
    method,
    url,
    tenant: options.tenant ?? tenant.tenantId,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

const securityGroup = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  displayName: name,
  mailNickname: name.replace(/\W/g, '').toLowerCase() || 'group',
  mailEnabled: false,
  securityEnabled: true,
  ...extra,
});

async function createGroup(name: string, extra: Record<string, unknown> = {}, tenantId = tenant.tenantId): Promise<string> {
  const response = await send('POST', '/v1.0/groups', securityGroup(name, extra), { tenant: tenantId });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<GroupBody>().id;
}

const uniqueName = (prefix: string): string => `${prefix} ${Math.random().toString(36).slice(2, 8)}`;

async function memberIds(groupId: string): Promise<string[]> {
  const response = await send('GET', `/v1.0/groups/${groupId}/members?$select=id`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Collection>().value.map((member) => member.id).sort();
}

const auditRows = (targetId: string, activity: string) =>
  t.handle.db.selectFrom('audit_log').selectAll().where('tenant_id', '=', tenant.tenantId).where('target_id', '=', targetId).where('activity', '=', activity).execute();

async function membershipRows(groupId: string): Promise<string[]> {
  const rows = await t.handle.db.selectFrom('group_member').select('member_id').where('tenant_id', '=', tenant.tenantId).where('group_id', '=', groupId).execute();
  return rows.map((row) => row.member_id).sort();
}

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services);
  foreign = await createLicensingTenant(t.services);
});

afterAll(async () => {
  await t.close();
});

describe('create, read, update, delete', () => {
  it('creates a security group in Graph\'s shape, with Location and an "Add group" audit row', async () => {
    const response = await send('POST', '/v1.0/groups', securityGroup('Sales team', { description: 'Everyone in sales' }));
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json<GroupBody>();
    expect(response.headers.location).toBe(`${BASE}/v1.0/groups/${body.id}`);
    expect(body).toMatchObject({
      '@odata.context': `${BASE}/v1.0/$metadata#groups/$entity`,
      displayName: 'Sales team',
      description: 'Everyone in sales',
      mailNickname: 'salesteam',
      mailEnabled: false,
      securityEnabled: true,
      groupTypes: [],
      membershipRule: null,
      membershipRuleProcessingState: null,
      createdDateTime: TEST_NOW.toISOString().replace('.000Z', 'Z'),
    });
    // assignedLicenses and licenseProcessingState only on $select, as in Graph.
    expect(body).not.toHaveProperty('assignedLicenses');
    expect(body).not.toHaveProperty('licenseProcessingState');
    const [audit] = await auditRows(body.id, 'Add group');
    expect(audit).toMatchObject({ category: 'GroupManagement', target_type: 'Group', target_name: 'Sales team' });
    expect(audit?.changes).toContainEqual({ property: 'displayName', before: null, after: 'Sales team' });
  });

  it('creates a Microsoft 365 group', async () => {
    const response = await send('POST', '/v1.0/groups', { displayName: 'Project X', mailNickname: 'projectx', mailEnabled: true, securityEnabled: false, groupTypes: ['Unified'] });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json<GroupBody>()).toMatchObject({ groupTypes: ['Unified'], mailEnabled: true, securityEnabled: false });
  });

  it('refuses what Graph refuses, with Graph\'s texts', async () => {
    const { mailNickname: _omitted, ...withoutNickname } = securityGroup('No nickname');
    expectGraphError(await send('POST', '/v1.0/groups', withoutNickname), 400, 'Request_BadRequest', "A value is required for property 'mailNickname' of resource 'Group'.");
    expectGraphError(
      await send('POST', '/v1.0/groups', securityGroup('Mail security', { mailEnabled: true })),
      400,
      'Request_BadRequest',
      'The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset or is set to false.',
    );
    expectGraphError(await send('POST', '/v1.0/groups', securityGroup('Odd type', { groupTypes: ['Distribution'] })), 400, 'Request_BadRequest', "Invalid value specified for property 'groupTypes' of resource 'Group'.");
    expectGraphError(await send('POST', '/v1.0/groups', securityGroup('Rule on static', { membershipRule: 'user.department -eq "Sales"' })), 400, 'Request_BadRequest', "Invalid value specified for property 'membershipRule' of resource 'Group'.");
    expectGraphError(await send('POST', '/v1.0/groups', securityGroup('Extra', { visibility: 'Private' })), 400, 'Request_BadRequest');
  });

  it('gets a group, with $select, and answers unknown and malformed ids as Graph', async () => {
    const id = await createGroup(uniqueName('Readable'));
    const full = await send('GET', `/v1.0/groups/${id}`);
    expect(full.statusCode).toBe(200);
    expect(full.json<GroupBody>()).toMatchObject({ '@odata.context': `${BASE}/v1.0/$metadata#groups/$entity`, id });
    const selected = await send('GET', `/v1.0/groups/${id}?$select=id,assignedLicenses,licenseProcessingState`);
    expect(selected.json()).toEqual({ '@odata.context': `${BASE}/v1.0/$metadata#groups(id,assignedLicenses,licenseProcessingState)/$entity`, id, assignedLicenses: [], licenseProcessingState: null });
    expectGraphError(await send('GET', `/v1.0/groups/${id}?$select=id,bogus`), 400, 'Request_BadRequest', "Could not find a property named 'bogus' on type 'microsoft.graph.group'.");
    const unknown = randomUUID();
    expectGraphError(await send('GET', `/v1.0/groups/${unknown}`), 404, 'Request_ResourceNotFound', notFoundMessage(unknown));
    expectGraphError(await send('GET', '/v1.0/groups/not-a-guid'), 400, 'Request_BadRequest', "Invalid object identifier 'not-a-guid'.");
  });

  it('updates properties (204) with an "Update group" audit row of what changed, and nothing for a no-op', async () => {
    const id = await createGroup('Before rename');
    const response = await send('PATCH', `/v1.0/groups/${id}`, { displayName: 'After rename', description: 'Renamed' });
    expect(response.statusCode, response.body).toBe(204);
    expect((await send('GET', `/v1.0/groups/${id}`)).json()).toMatchObject({ displayName: 'After rename', description: 'Renamed' });
    const [audit] = await auditRows(id, 'Update group');
    expect(audit?.changes).toEqual([
      { property: 'displayName', before: 'Before rename', after: 'After rename' },
      { property: 'description', before: null, after: 'Renamed' },
    ]);
    expect((await send('PATCH', `/v1.0/groups/${id}`, { displayName: 'After rename' })).statusCode).toBe(204);
    expect(await auditRows(id, 'Update group')).toHaveLength(1);
    expectGraphError(await send('PATCH', `/v1.0/groups/${id}`, { groupTypes: ['Unified'], mailEnabled: true }), 400, 'Request_BadRequest', "Invalid value specified for property 'groupTypes' of resource 'Group'.");
  });

  it('deletes a group (204) with its memberships, and a "Delete group" audit row', async () => {
    const user = await tenant.user(`deleted-group-member-${randomUUID().slice(0, 6)}`);
    const parent = await createGroup(uniqueName('Parent'));
    const id = await createGroup(uniqueName('Doomed'), { 'members@odata.bind': [ref(user)] });
    expect((await send('POST', `/v1.0/groups/${parent}/members/$ref`, { '@odata.id': ref(id) })).statusCode).toBe(204);
    expect((await send('DELETE', `/v1.0/groups/${id}`)).statusCode).toBe(204);
    expectGraphError(await send('GET', `/v1.0/groups/${id}`), 404, 'Request_ResourceNotFound', notFoundMessage(id));
    expect(await membershipRows(id)).toEqual([]);
    expect(await membershipRows(parent)).toEqual([]);
    const [audit] = await auditRows(id, 'Delete group');
    expect(audit?.details).toEqual({ membersRemoved: 1 });
    expectGraphError(await send('DELETE', `/v1.0/groups/${id}`), 404, 'Request_ResourceNotFound', notFoundMessage(id));
  });

  it('refuses to delete a group that carries licenses, and leaves it as it was', async () => {
    const id = await createGroup(uniqueName('Licensed'));
    await sql`INSERT INTO group_license (tenant_id, group_id, sku_id, disabled_plans, assigned_at) VALUES (${tenant.tenantId}, ${id}, ${MS.e3}, ${sql`ARRAY[${MS.planTeams}]::uuid[]`}, ${TEST_NOW})`.execute(t.handle.db);
    const selected = await send('GET', `/v1.0/groups/${id}?$select=assignedLicenses`);
    expect(selected.json()).toMatchObject({ assignedLicenses: [{ skuId: MS.e3, disabledPlans: [MS.planTeams] }] });
    const refused = expectGraphError(
      await send('DELETE', `/v1.0/groups/${id}`),
      400,
      'Request_BadRequest',
      'Unable to delete the group because there is a product license assigned to the group. To delete this group, remove any product licenses first.',
    );
    expect(refused.error.details?.[0]?.code).toBe('GroupHasLicenses');
    expect((await send('GET', `/v1.0/groups/${id}`)).statusCode).toBe(200);
    expect(await auditRows(id, 'Delete group')).toEqual([]);
    await sql`DELETE FROM group_license WHERE tenant_id = ${tenant.tenantId} AND group_id = ${id}`.execute(t.handle.db);
    expect((await send('DELETE', `/v1.0/groups/${id}`)).statusCode).toBe(204);
  });
});

describe('$filter, $select and paging', () => {
  const prefix = `Flt${Math.random().toString(36).slice(2, 6)}`;
  const ids: Record<string, string> = {};
  const names = (response: LightMyRequestResponse): string[] => response.json<Collection>().value.map((group) => String(group.displayName));
  const list = (query: string) => send('GET', `/v1.0/groups?${query}`);
  const filtered = (filter: string) => list(`$filter=${encodeURIComponent(filter)}`);

  beforeAll(async () => {
    ids.alpha = await createGroup(`${prefix} Alpha`);
    ids.beta = await createGroup(`${prefix} beta`);
    ids.gamma = await createGroup(`${prefix} Gamma`);
    const unified = await send('POST', '/v1.0/groups', { displayName: `${prefix} Delta`, mailNickname: `${prefix}delta`, mailEnabled: true, securityEnabled: false, groupTypes: ['Unified'] });
    ids.delta = unified.json<GroupBody>().id;
    ids.epsilon = await createGroup(`${prefix} Epsilon`, { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"' });
  });

  it('lists in displayName order (case-insensitive), with Graph\'s context', async () => {
    const response = await filtered(`startswith(displayName,'${prefix}')`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<Collection>()['@odata.context']).toBe(`${BASE}/v1.0/$metadata#groups`);
    expect(names(response)).toEqual(['Alpha', 'beta', 'Delta', 'Epsilon', 'Gamma'].map((name) => `${prefix} ${name}`));
  });

  it('filters on displayName, securityEnabled, mailEnabled and groupTypes', async () => {
    expect(names(await filtered(`displayName eq '${prefix.toUpperCase()} ALPHA'`))).toEqual([`${prefix} Alpha`]);
    expect(names(await filtered(`startswith(displayName,'${prefix}') and securityEnabled eq false`))).toEqual([`${prefix} Delta`]);
    expect(names(await filtered(`startswith(displayName,'${prefix}') and mailEnabled eq true`))).toEqual([`${prefix} Delta`]);
    expect(names(await filtered(`startswith(displayName,'${prefix}') and groupTypes/any(c:c eq 'Unified')`))).toEqual([`${prefix} Delta`]);
    expect(names(await filtered(`startswith(displayName,'${prefix}') and groupTypes/any(c:c eq 'DynamicMembership')`))).toEqual([`${prefix} Epsilon`]);
    expect(names(await filtered(`startswith(displayName,'${prefix}') and (displayName eq '${prefix} Gamma' or displayName eq '${prefix} beta')`))).toEqual([`${prefix} beta`, `${prefix} Gamma`]);
  });

  it('finds groups with members in license error, and licensed groups', async () => {
    const user = await tenant.user(`license-error-${randomUUID().slice(0, 6)}`);
    await sql`INSERT INTO license_assignment (tenant_id, user_id, sku_id, source_id, state, error, assigned_at, updated_at)
              VALUES (${tenant.tenantId}, ${user}, ${MS.e5}, ${ids.gamma}, 'Error', 'CountViolation', ${TEST_NOW}, ${TEST_NOW})`.execute(t.handle.db);
    await sql`INSERT INTO group_license (tenant_id, group_id, sku_id, assigned_at) VALUES (${tenant.tenantId}, ${ids.beta}, ${MS.e5}, ${TEST_NOW})`.execute(t.handle.db);
    try {
      expect(names(await filtered(`startswith(displayName,'${prefix}') and hasMembersWithLicenseErrors eq true`))).toEqual([`${prefix} Gamma`]);
      expect(names(await filtered(`startswith(displayName,'${prefix}') and assignedLicenses/any()`))).toEqual([`${prefix} beta`]);
      expect(names(await filtered(`startswith(displayName,'${prefix}') and assignedLicenses/any(x:x/skuId eq ${MS.e5})`))).toEqual([`${prefix} beta`]);
      expect(names(await filtered(`startswith(displayName,'${prefix}') and assignedLicenses/any(x:x/skuId eq ${MS.e3})`))).toEqual([]);
    } finally {
      await sql`DELETE FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND source_id = ${ids.gamma}`.execute(t.handle.db);
      await sql`DELETE FROM group_license WHERE tenant_id = ${tenant.tenantId} AND group_id = ${ids.beta}`.execute(t.handle.db);
    }
  });

  it('selects properties', async () => {
    const response = await list(`$filter=${encodeURIComponent(`displayName eq '${prefix} Alpha'`)}&$select=id,displayName`);
    const body = response.json<Collection>();
    expect(body['@odata.context']).toBe(`${BASE}/v1.0/$metadata#groups(id,displayName)`);
    expect(body.value).toEqual([{ id: ids.alpha, displayName: `${prefix} Alpha` }]);
  });

  it('pages with an absolute @odata.nextLink carrying $skiptoken, keeping the other options', async () => {
    const seen: string[] = [];
    let url: string | undefined = `/v1.0/groups?$filter=${encodeURIComponent(`startswith(displayName,'${prefix}')`)}&$top=2&$select=displayName`;
    let pages = 0;
    while (url !== undefined) {
      const response = await send('GET', url.replace(BASE, ''));
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<Collection>();
      seen.push(...body.value.map((group) => String(group.displayName)));
      url = body['@odata.nextLink'];
      if (url !== undefined) {
        expect(url.startsWith(`${BASE}/v1.0/groups?`)).toBe(true);
        const params = new URL(url).searchParams;
        expect(params.get('$top')).toBe('2');
        expect(params.get('$select')).toBe('displayName');
        expect(params.get('$skiptoken')).toBeTruthy();
      }
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['Alpha', 'beta', 'Delta', 'Epsilon', 'Gamma'].map((name) => `${prefix} ${name}`));
  });

  it('answers unsupported and malformed queries as Graph does', async () => {
    expectGraphError(await filtered(`displayName ne 'x'`), 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
    expectGraphError(await filtered('hasMembersWithLicenseErrors eq false'), 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
    expectGraphError(await filtered(`displayName eq 'x' and`), 400, 'Request_BadRequest', /^Invalid filter clause: .* at position 22\.$/);
    expectGraphError(await filtered(`nickname eq 'x'`), 400, 'Request_BadRequest', "Invalid filter clause: Could not find a property named 'nickname' on type 'microsoft.graph.group' at position 0.");
    expectGraphError(await filtered('securityEnabled eq 1'), 400, 'Request_BadRequest', /incompatible types/);
    expectGraphError(await list('$expand=members'), 400, 'Request_BadRequest', "Query option '$expand' is not supported on groups.");
    expectGraphError(await list('$top=1000'), 400, 'Request_BadRequest', "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.");
    expectGraphError(await list('$orderby=createdDateTime'), 400, 'Request_UnsupportedQuery', 'Unsupported Query.');
    expect((await list('$orderby=displayName&$top=1')).statusCode).toBe(200);
    expectGraphError(await list('$skiptoken=garbage'), 400, 'Request_BadRequest', 'The $skiptoken is invalid or belongs to another query. Request the first page again.');
  });
});

describe('members', () => {
  it('creates a group with members@odata.bind (directoryObjects and users URLs) and lists them typed', async () => {
    const [ann, bob] = [await tenant.user(`ann-${randomUUID().slice(0, 6)}`), await tenant.user(`bob-${randomUUID().slice(0, 6)}`)];
    const id = await createGroup(uniqueName('With members'), { 'members@odata.bind': [ref(ann), ref(bob, 'users')] });
    const response = await send('GET', `/v1.0/groups/${id}/members`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<Collection>();
    expect(body['@odata.context']).toBe(`${BASE}/v1.0/$metadata#directoryObjects`);
    expect(body.value.map((member) => member.id).sort()).toEqual([ann, bob].sort());
    expect(body.value.every((member) => member['@odata.type'] === '#microsoft.graph.user')).toBe(true);
    const audits = await auditRows(ann, 'Add member to group');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ category: 'GroupManagement', target_type: 'User' });
    expect(audits[0]?.changes).toContainEqual({ property: 'Group.ObjectID', before: null, after: id });
  });

  it('adds a member through $ref (204), refuses a member already there with Graph\'s message, and unknown objects with 404', async () => {
    const id = await createGroup(uniqueName('Ref'));
    const user = await tenant.user(`ref-${randomUUID().slice(0, 6)}`);
    expect((await send('POST', `/v1.0/groups/${id}/members/$ref`, { '@odata.id': ref(user) })).statusCode).toBe(204);
    expectGraphError(await send('POST', `/v1.0/groups/${id}/members/$ref`, { '@odata.id': ref(user) }), 400, 'Request_BadRequest', MEMBER_EXISTS);
    const unknown = randomUUID();
    expectGraphError(await send('POST', `/v1.0/groups/${id}/members/$ref`, { '@odata.id': ref(unknown) }), 404, 'Request_ResourceNotFound', notFoundMessage(unknown));
    expectGraphError(await send('POST', `/v1.0/groups/${id}/members/$ref`, { '@odata.id': 'https://example.test/nothing' }), 400, 'Request_BadRequest', "Invalid object identifier 'https://example.test/nothing'.");
    expectGraphError(await send('POST', `/v1.0/groups/${id}/members/$ref`, { '@odata.id': ref(id) }), 400, 'Request_BadRequest', 'A group cannot be a member of itself.');
    expect(await memberIds(id)).toEqual([user]);
  });

  it('lists groups among members, with $select applying per type, and pages', async () => {
    const id = await createGroup(uniqueName('Mixed'));
    const nested = await createGroup(uniqueName('Nested'));
    const users: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      users.push(await tenant.user(`mixed-${index}-${randomUUID().slice(0, 6)}`));
    }
    expect((await send('PATCH', `/v1.0/groups/${id}`, { 'members@odata.bind': [...users.map((user) => ref(user)), ref(nested, 'groups')] })).statusCode).toBe(204);
    const selected = await send('GET', `/v1.0/groups/${id}/members?$select=id,userPrincipalName,securityEnabled`);
    const body = selected.json<Collection>();
    expect(body['@odata.context']).toBe(`${BASE}/v1.0/$metadata#directoryObjects(id,userPrincipalName,securityEnabled)`);
    const group = body.value.find((member) => member.id === nested);
    expect(group).toEqual({ '@odata.type': '#microsoft.graph.group', id: nested, securityEnabled: true });
    const user = body.value.find((member) => member.id === users[0]);
    expect(Object.keys(user ?? {}).sort()).toEqual(['@odata.type', 'id', 'userPrincipalName']);

    const seen: string[] = [];
    let url: string | undefined = `/v1.0/groups/${id}/members?$top=3&$select=id`;
    while (url !== undefined) {
      const page: Collection = (await send('GET', url.replace(BASE, ''))).json<Collection>();
      expect(page.value.length).toBeLessThanOrEqual(3);
      seen.push(...page.value.map((member) => member.id));
      url = page['@odata.nextLink'];
    }
    expect(seen.sort()).toEqual([...users, nested].sort());
    expectGraphError(await send('GET', `/v1.0/groups/${id}/members?$filter=id eq '${nested}'`), 400, 'Request_BadRequest', "Query option '$filter' is not supported on members.");
  });

  it('removes a member (204, audited), and answers 404 for an object that is not a member', async () => {
    const user = await tenant.user(`removed-${randomUUID().slice(0, 6)}`);
    const other = await tenant.user(`never-${randomUUID().slice(0, 6)}`);
    const id = await createGroup(uniqueName('Removal'), { 'members@odata.bind': [ref(user)] });
    expect((await send('DELETE', `/v1.0/groups/${id}/members/${user}/$ref`)).statusCode).toBe(204);
    expect(await memberIds(id)).toEqual([]);
    const [audit] = await auditRows(user, 'Remove member from group');
    expect(audit?.changes).toContainEqual({ property: 'Group.ObjectID', before: id, after: null });
    expectGraphError(await send('DELETE', `/v1.0/groups/${id}/members/${user}/$ref`), 404, 'Request_ResourceNotFound', notFoundMessage(user));
    expectGraphError(await send('DELETE', `/v1.0/groups/${id}/members/${other}/$ref`), 404, 'Request_ResourceNotFound', notFoundMessage(other));
  });

  it('takes at most 20 members per request, and adds all or none', async () => {
    const users: string[] = [];
    for (let index = 0; index < 21; index += 1) {
      users.push(await tenant.user(`bulk-${index}-${randomUUID().slice(0, 6)}`));
    }
    const id = await createGroup(uniqueName('Bulk'));
    expectGraphError(await send('PATCH', `/v1.0/groups/${id}`, { 'members@odata.bind': users.map((user) => ref(user)) }), 400, 'Request_BadRequest', 'A resource cannot contain more than 20 link changes.');
    expectGraphError(await send('POST', '/v1.0/groups', securityGroup(uniqueName('Too many'), { 'members@odata.bind': users.map((user) => ref(user)) })), 400, 'Request_BadRequest', 'A resource cannot contain more than 20 link changes.');
    expect((await send('PATCH', `/v1.0/groups/${id}`, { 'members@odata.bind': users.slice(0, 20).map((user) => ref(user)) })).statusCode).toBe(204);
    expect(await memberIds(id)).toEqual(users.slice(0, 20).sort());
    // One member already there: nothing of the request happens (the new member, the rename).
    const last = users[20] ?? '';
    expectGraphError(await send('PATCH', `/v1.0/groups/${id}`, { displayName: 'Renamed in vain', 'members@odata.bind': [ref(last), ref(users[0] ?? '')] }), 400, 'Request_BadRequest', MEMBER_EXISTS);
    expect(await memberIds(id)).not.toContain(last);
    expect((await send('GET', `/v1.0/groups/${id}`)).json<GroupBody>().displayName).not.toBe('Renamed in vain');
  });

  it('lists a user\'s memberOf (by id or userPrincipalName), typed as groups', async () => {
    const alias = `member-of-${randomUUID().slice(0, 6)}`;
    const user = await tenant.user(alias);
    const first = await createGroup(`MemberOf A ${alias}`, { 'members@odata.bind': [ref(user)] });
    const second = await createGroup(`MemberOf B ${alias}`, { 'members@odata.bind': [ref(user)] });
    const response = await send('GET', `/v1.0/users/${user}/memberOf`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<Collection>();
    expect(body.value.map((group) => group.id)).toEqual([first, second]);
    expect(body.value.every((group) => group['@odata.type'] === '#microsoft.graph.group')).toBe(true);
    const upn = (await t.services.tenants.getTenant(tenant.tenantId)).domains[0]?.domain ?? '';
    const byUpn = await send('GET', `/v1.0/users/${alias}@${upn}/memberOf?$select=displayName&$top=1`);
    const page = byUpn.json<Collection>();
    expect(page.value).toEqual([{ '@odata.type': '#microsoft.graph.group', displayName: `MemberOf A ${alias}` }]);
    const next = new URL(page['@odata.nextLink'] ?? '');
    expect(`${next.origin}${next.pathname}`).toBe(`${BASE}/v1.0/users/${alias}@${upn}/memberOf`);
    expect(next.searchParams.get('$skiptoken')).toBeTruthy();
    const rest = (await send('GET', next.href.replace(BASE, ''))).json<Collection>();
    expect(rest.value).toEqual([{ '@odata.type': '#microsoft.graph.group', displayName: `MemberOf B ${alias}` }]);
    expect(rest['@odata.nextLink']).toBeUndefined();
    const unknown = randomUUID();
    expectGraphError(await send('GET', `/v1.0/users/${unknown}/memberOf`), 404, 'Request_ResourceNotFound', notFoundMessage(unknown));
  });

  it('keeps a soft-deleted user\'s memberships (hidden until restored) and drops them at purge', async () => {
    const user = await tenant.user(`soft-${randomUUID().slice(0, 6)}`);
    const id = await createGroup(uniqueName('Soft'), { 'members@odata.bind': [ref(user)] });
    expect((await send('DELETE', `/v1.0/users/${user}`)).statusCode).toBe(204);
    expect(await memberIds(id)).toEqual([]);
    expect(await membershipRows(id)).toEqual([user]);
    expect((await send('POST', `/v1.0/directory/deletedItems/${user}/restore`)).statusCode).toBe(200);
    expect(await memberIds(id)).toEqual([user]);
    expect((await send('DELETE', `/v1.0/users/${user}`)).statusCode).toBe(204);
    await t.services.users.purgeDeletedUser(testContext(tenant.tenantId), user);
    expect(await membershipRows(id)).toEqual([]);
  });
});

describe('members in licensing order', () => {
  it('lists active user members by (added_at, member_id), from a cursor, in chunks', async () => {
    const id = await createGroup(uniqueName('Ordered'));
    const nested = await createGroup(uniqueName('Nested in ordered'));
    const users: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      users.push(await tenant.user(`ordered-${index}-${randomUUID().slice(0, 6)}`));
    }
    const [late, early, tieA, tieB] = users as [string, string, string, string];
    const [first, second] = [tieA, tieB].sort();
    const at = (seconds: number) => new Date(TEST_NOW.getTime() + seconds * 1000);
    const rows = [
      [late, 'user', at(30)],
      [early, 'user', at(10)],
      [tieA, 'user', at(20)],
      [tieB, 'user', at(20)],
      [nested, 'group', at(5)],
    ] as const;
    for (const [memberId, memberType, addedAt] of rows) {
      await sql`INSERT INTO group_member (tenant_id, group_id, member_id, member_type, added_at) VALUES (${tenant.tenantId}, ${id}, ${memberId}, ${memberType}, ${addedAt})`.execute(t.handle.db);
    }
    const groups = createRepositories(t.handle.db, tenant.tenantId).groups;
    const ordered = await groups.membersInOrder(id);
    expect(ordered).toEqual([
      { userId: early, addedAt: at(10) },
      { userId: first, addedAt: at(20) },
      { userId: second, addedAt: at(20) },
      { userId: late, addedAt: at(30) },
    ]);
    expect((await groups.membersInOrder(id, { after: { addedAt: at(20), memberId: first ?? '' }, limit: 1 })).map((member) => member.userId)).toEqual([second]);
    expect((await send('DELETE', `/v1.0/users/${early}`)).statusCode).toBe(204);
    expect((await groups.membersInOrder(id)).map((member) => member.userId)).toEqual([first, second, late]);
  });
});

describe('dynamic groups', () => {
  it('needs a valid membershipRule, stores it, and processes it (On) by default', async () => {
    expectGraphError(
      await send('POST', '/v1.0/groups', securityGroup('Dynamic without rule', { groupTypes: ['DynamicMembership'] })),
      400,
      'Request_BadRequest',
      "Invalid value specified for property 'membershipRule' of resource 'Group'.",
    );
    expectGraphError(await send('POST', '/v1.0/groups', securityGroup('Dynamic bad rule', { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq' })), 400, 'Request_BadRequest', /^Invalid membership rule: .* at position \d+\.$/);
    const response = await send('POST', '/v1.0/groups', securityGroup('Sales dynamic', { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"' }));
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json<GroupBody>()).toMatchObject({ groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"', membershipRuleProcessingState: 'On' });
    const id = response.json<GroupBody>().id;
    expectGraphError(await send('PATCH', `/v1.0/groups/${id}`, { membershipRule: 'user.department -eq' }), 400, 'Request_BadRequest', /^Invalid membership rule: /);
    expect((await send('PATCH', `/v1.0/groups/${id}`, { membershipRuleProcessingState: 'Paused' })).statusCode).toBe(204);
    expect((await send('GET', `/v1.0/groups/${id}?$select=membershipRuleProcessingState`)).json()).toMatchObject({ membershipRuleProcessingState: 'Paused' });
  });

  it('refuses manual member changes as Graph does (403)', async () => {
    const id = await createGroup(uniqueName('Dynamic'), { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"' });
    const user = await tenant.user(`dyn-${randomUUID().slice(0, 6)}`);
    const refused = expectGraphError(await send('POST', `/v1.0/groups/${id}/members/$ref`, { '@odata.id': ref(user) }), 403, 'Authorization_RequestDenied', INSUFFICIENT);
    expect(refused.error.details?.[0]?.code).toBe('DynamicMembership');
    expectGraphError(await send('PATCH', `/v1.0/groups/${id}`, { 'members@odata.bind': [ref(user)] }), 403, 'Authorization_RequestDenied', INSUFFICIENT);
    expectGraphError(await send('DELETE', `/v1.0/groups/${id}/members/${user}/$ref`), 403, 'Authorization_RequestDenied', INSUFFICIENT);
    expectGraphError(await send('POST', '/v1.0/groups', securityGroup('Dynamic with members', { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"', 'members@odata.bind': [ref(user)] })), 403, 'Authorization_RequestDenied', INSUFFICIENT);
    expect(await membershipRows(id)).toEqual([]);
  });

  it('turns static (keeping members, dropping the rule)', async () => {
    const id = await createGroup(uniqueName('Was dynamic'), { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"' });
    expect((await send('PATCH', `/v1.0/groups/${id}`, { groupTypes: [], membershipRuleProcessingState: 'Paused' })).statusCode).toBe(204);
    expect((await send('GET', `/v1.0/groups/${id}`)).json()).toMatchObject({ groupTypes: [], membershipRule: null, membershipRuleProcessingState: null });
  });
});

describe('tenant isolation', () => {
  it('answers another tenant\'s groups and users as unknown, and leaves them unchanged', async () => {
    const foreignUser = await foreign.user(`foreign-${randomUUID().slice(0, 6)}`);
    const foreignGroup = await createGroup('Foreign group', { 'members@odata.bind': [ref(foreignUser)] }, foreign.tenantId);
    const own = await createGroup(uniqueName('Own'));
    const ownUser = await tenant.user(`own-${randomUUID().slice(0, 6)}`);
    const missing = notFoundMessage(foreignGroup);
    expectGraphError(await send('GET', `/v1.0/groups/${foreignGroup}`), 404, 'Request_ResourceNotFound', missing);
    expectGraphError(await send('PATCH', `/v1.0/groups/${foreignGroup}`, { displayName: 'Hijacked' }), 404, 'Request_ResourceNotFound', missing);
    expectGraphError(await send('DELETE', `/v1.0/groups/${foreignGroup}`), 404, 'Request_ResourceNotFound', missing);
    expectGraphError(await send('GET', `/v1.0/groups/${foreignGroup}/members`), 404, 'Request_ResourceNotFound', missing);
    expectGraphError(await send('POST', `/v1.0/groups/${foreignGroup}/members/$ref`, { '@odata.id': ref(ownUser) }), 404, 'Request_ResourceNotFound', missing);
    expectGraphError(await send('DELETE', `/v1.0/groups/${foreignGroup}/members/${foreignUser}/$ref`), 404, 'Request_ResourceNotFound', missing);
    expectGraphError(await send('POST', `/v1.0/groups/${own}/members/$ref`, { '@odata.id': ref(foreignUser) }), 404, 'Request_ResourceNotFound', notFoundMessage(foreignUser));
    expectGraphError(await send('POST', `/v1.0/groups/${own}/members/$ref`, { '@odata.id': ref(foreignGroup) }), 404, 'Request_ResourceNotFound', notFoundMessage(foreignGroup));
    expectGraphError(await send('GET', `/v1.0/users/${foreignUser}/memberOf`), 404, 'Request_ResourceNotFound', notFoundMessage(foreignUser));
    const listed = await send('GET', `/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'Foreign group'")}`);
    expect(listed.json<Collection>().value).toEqual([]);
    const stillThere = await send('GET', `/v1.0/groups/${foreignGroup}/members?$select=id`, undefined, { tenant: foreign.tenantId });
    expect(stillThere.json<Collection>().value.map((member) => member.id)).toEqual([foreignUser]);
    expect((await send('GET', `/v1.0/groups/${foreignGroup}`, undefined, { tenant: foreign.tenantId })).json<GroupBody>().displayName).toBe('Foreign group');
  });
});

describe('authorization', () => {
  it('lets a Global Reader read and not write', async () => {
    const { headers } = await t.adminHeaders(tenant.tenantId, ['Global Reader']);
    expect((await send('GET', '/v1.0/groups', undefined, { headers })).statusCode).toBe(200);
    const refused = expectGraphError(await send('POST', '/v1.0/groups', securityGroup('By reader'), { headers }), 403, 'Authorization_RequestDenied', INSUFFICIENT);
    expect(refused.error.details?.[0]?.code).toBe('MissingRole');
  });

  it('lets a User Administrator manage groups, recorded as such in the audit log', async () => {
    const { headers } = await t.adminHeaders(tenant.tenantId, ['User Administrator']);
    const response = await send('POST', '/v1.0/groups', securityGroup(uniqueName('By user admin')), { headers });
    expect(response.statusCode, response.body).toBe(201);
    const [audit] = await auditRows(response.json<GroupBody>().id, 'Add group');
    expect(audit?.actor_authorization).toBe('User Administrator');
    const { headers: licenseAdmin } = await t.adminHeaders(tenant.tenantId, ['License Administrator']);
    const user = await tenant.user(`la-${randomUUID().slice(0, 6)}`);
    expectGraphError(await send('POST', `/v1.0/groups/${response.json<GroupBody>().id}/members/$ref`, { '@odata.id': ref(user) }, { headers: licenseAdmin }), 403, 'Authorization_RequestDenied', INSUFFICIENT);
  });

  it('keeps an app with Group.Read.All to reads', async () => {
    const id = await createGroup(uniqueName('Read only'));
    const headers = await t.appHeaders(tenant.tenantId, ['Group.Read.All']);
    expect((await send('GET', `/v1.0/groups/${id}`, undefined, { headers })).statusCode).toBe(200);
    const refused = expectGraphError(await send('PATCH', `/v1.0/groups/${id}`, { displayName: 'Changed' }, { headers }), 403, 'Authorization_RequestDenied', INSUFFICIENT);
    expect(refused.error.details?.[0]?.code).toBe('MissingPermission');
    expectGraphError(await send('DELETE', `/v1.0/groups/${id}`, undefined, { headers }), 403, 'Authorization_RequestDenied', INSUFFICIENT);
  });

  it('lets an app with GroupMember.ReadWrite.All change members only', async () => {
    const id = await createGroup(uniqueName('Members by app'));
    const [first, second] = [await tenant.user(`app-a-${randomUUID().slice(0, 6)}`), await tenant.user(`app-b-${randomUUID().slice(0, 6)}`)];
    const headers = await t.appHeaders(tenant.tenantId, ['GroupMember.ReadWrite.All']);
    expect((await send('POST', `/v1.0/groups/${id}/members/$ref`, { '@odata.id': ref(first) }, { headers })).statusCode).toBe(204);
    expect((await send('PATCH', `/v1.0/groups/${id}`, { 'members@odata.bind': [ref(second)] }, { headers })).statusCode).toBe(204);
    expect((await send('DELETE', `/v1.0/groups/${id}/members/${first}/$ref`, undefined, { headers })).statusCode).toBe(204);
    expect((await send('GET', `/v1.0/groups/${id}/members`, undefined, { headers })).statusCode).toBe(200);
    expectGraphError(await send('PATCH', `/v1.0/groups/${id}`, { displayName: 'Renamed by member app', 'members@odata.bind': [ref(first)] }, { headers }), 403, 'Authorization_RequestDenied', INSUFFICIENT);
    expectGraphError(await send('POST', '/v1.0/groups', securityGroup('By member app'), { headers }), 403, 'Authorization_RequestDenied', INSUFFICIENT);
    expect(await memberIds(id)).toEqual([second]);
    const [audit] = await auditRows(second, 'Add member to group');
    expect(audit?.actor_authorization).toBe('GroupMember.ReadWrite.All');
  });
});

// Last: it moves the test clock past the retention of deleted users.
describe('the purge job', () => {
  it('drops the memberships of the users it purges', async () => {
    const user = await tenant.user(`purged-by-job-${randomUUID().slice(0, 6)}`);
    const kept = await tenant.user(`kept-${randomUUID().slice(0, 6)}`);
    const id = await createGroup(uniqueName('Purge job'), { 'members@odata.bind': [ref(user), ref(kept)] });
    expect((await send('DELETE', `/v1.0/users/${user}`)).statusCode).toBe(204);
    t.clock.advance(31 * DAY_MS);
    await createJobRunner({ db: t.handle.db, clock: t.clock, jobs: [purgeDeletedUsers], intervalMs: 60_000, chunkSize: 50 }).runOnce();
    expect(await membershipRows(id)).toEqual([kept]);
  });
});
