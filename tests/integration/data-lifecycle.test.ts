import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/domain/clock.js';
import { advanceDataLifecycle } from '../../src/services/jobs/advance-data-lifecycle.js';
import { createJobRunner } from '../../src/services/jobs/job-runner.js';
import { testEngine } from '../support/engine.js';
import { createLicensingTenant, licensingSnapshot, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, TEST_NOW, type TestApp } from '../support/test-app.js';

/**
 * What happens to a user's mailbox and files when licenses go (graph-licensing.md §5.3), on a clock
 * that only moves forward: grace clocks, holds, the job that settles them, restore and re-licensing.
 */

/** Exchange Online (Plan 1): a mailbox and no files. */
const EXO1 = '4b9405b0-7788-4568-add1-99614e613b69';

interface RecordBody {
  dataClass: 'mailbox' | 'files';
  state: string;
  since: string;
  graceUntil: string | null;
  searchable: boolean;
  lastSkuId: string | null;
  holds: { id: string }[];
  afterGrace: string | null;
}

let t: TestApp;
let tenant: LicensingTenant;

const at = (days: number, ms = 0) => new Date(TEST_NOW.getTime() + days * DAY_MS + ms);
const iso = (days: number, ms = 0) => at(days, ms).toISOString();

const request = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => t.inject({ method, url, tenant: tenant.tenantId, ...(payload ? { payload } : {}) });

async function assign(userId: string, add: readonly string[], remove: readonly string[] = []): Promise<void> {
  const response = await request('POST', `/v1.0/users/${userId}/assignLicense`, { addLicenses: add.map((skuId) => ({ skuId, disabledPlans: [] })), removeLicenses: remove });
  expect(response.statusCode, response.body).toBe(200);
}

/** The user's records by class (a class without a record reads as an empty object, failing the matchers). */
async function data(userId: string): Promise<Record<'mailbox' | 'files', RecordBody>> {
  const response = await request('GET', `/admin/users/${userId}/data`);
  expect(response.statusCode, response.body).toBe(200);
  const records = response.json<{ value: RecordBody[] }>().value;
  const of = (dataClass: string) => records.find((record) => record.dataClass === dataClass) ?? ({} as RecordBody);
  return { mailbox: of('mailbox'), files: of('files') };
}

const jobs = () => createJobRunner({ db: t.handle.db, clock: t.clock, jobs: [advanceDataLifecycle(t.deps)], intervalMs: 60_000, chunkSize: 2 });

/** Runs the job at `now` (the clock moves there) and returns what it reported for this tenant. */
async function tick(now: Date): Promise<string[]> {
  t.clock.set(now);
  const reports = await jobs().runOnce(now);
  const mine = reports.filter((report) => report.tenantId === tenant.tenantId);
  expect(mine.every((report) => report.error === undefined), JSON.stringify(mine)).toBe(true);
  return mine.flatMap((report) => report.items);
}

async function hold(body: object): Promise<string> {
  const response = await request('POST', '/admin/data/holds', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

const events = async () =>
  (await sql<{ payload: { cause: string; transitions: { userId: string; dataClass: string; from: string; to: string; graceUntil: string | null }[] } }>`
    SELECT payload FROM event_outbox WHERE tenant_id = ${tenant.tenantId} AND type = 'data.lifecycleChanged' ORDER BY sequence`.execute(t.handle.db)).rows.map((row) => row.payload);

const userDataRows = async () =>
  (await sql`SELECT user_id, data_class, state, since, grace_until, last_sku_id FROM user_data WHERE tenant_id = ${tenant.tenantId} ORDER BY 1, 2`.execute(t.handle.db)).rows;

beforeAll(async () => {
  t = await createTestApp();
});
// A tenant per test: the job settles every due record of its tenant.
beforeEach(async () => {
  t.clock.set(TEST_NOW);
  tenant = await createLicensingTenant(t.services, { [MS.e3]: 10 });
  await t.services.subscriptions.recordSubscription(tenant.context, { skuId: EXO1, totalLicenses: 10 });
});
afterAll(async () => {
  await t.close();
});

describe(`data lifecycle on ${testEngine()}`, () => {
  it('starts the mailbox grace when the last mailbox license goes; files wait for a deletion; nothing is searchable unlicensed', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('unassigned');
    await assign(user, [MS.e3]);
    const licensed = await data(user);
    expect(licensed.mailbox).toMatchObject({ state: 'Licensed', searchable: true, graceUntil: null, lastSkuId: MS.e3 });
    expect(licensed.files).toMatchObject({ state: 'Licensed', searchable: true });
    // Licensed is implicit: a held class has no row.
    expect(await userDataRows()).toEqual([]);

    t.clock.set(at(1));
    await assign(user, [], [MS.e3]);
    const unlicensed = await data(user);
    expect(unlicensed.mailbox).toMatchObject({ state: 'Grace', since: iso(1), graceUntil: iso(31), searchable: false, afterGrace: 'Purged' });
    expect(unlicensed.files).toMatchObject({ state: 'Unlicensed', since: iso(1), graceUntil: null, searchable: false });
    expect((await events()).at(-1)).toEqual({
      cause: 'direct',
      transitions: [
        { userId: user, dataClass: 'mailbox', from: 'Licensed', to: 'Grace', graceUntil: iso(31) },
        { userId: user, dataClass: 'files', from: 'Licensed', to: 'Unlicensed', graceUntil: null },
      ],
    });
  });

  it('keeps the mailbox when Exchange Online (Plan 1) is swapped for E3: no clock, per class not per plan', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('swapped');
    await assign(user, [EXO1]);
    expect((await data(user)).mailbox).toMatchObject({ state: 'Licensed', since: iso(0), lastSkuId: EXO1 });
    const before = (await events()).length;

    t.clock.set(at(2));
    await assign(user, [MS.e3], [EXO1]);
    const swapped = await data(user);
    expect(swapped.mailbox).toMatchObject({ state: 'Licensed', since: iso(0), graceUntil: null, lastSkuId: MS.e3 });
    expect(swapped.files).toMatchObject({ state: 'Licensed', since: iso(2) });
    expect(await events()).toHaveLength(before);
  });

  it('never purges before the grace ends, purges at its end once, and audits it as the system', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('purged');
    await assign(user, [EXO1]);
    await assign(user, [], [EXO1]);
    expect((await data(user)).mailbox).toMatchObject({ state: 'Grace', graceUntil: iso(30) });

    expect(await tick(at(30, -1))).toEqual([]);
    expect((await data(user)).mailbox.state).toBe('Grace');
    expect(await tick(at(30))).toEqual([expect.stringMatching(/^purged@\S+ mailbox: Grace → Purged$/)]);
    expect((await data(user)).mailbox).toMatchObject({ state: 'Purged', since: iso(30), graceUntil: null, searchable: false });
    expect(await tick(at(31))).toEqual([]);

    const audit = await sql<{ activity: string; actor_type: string; changes: unknown }>`
      SELECT activity, actor_type, changes FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND target_id = ${user} AND activity = 'Purge user data'`.execute(t.handle.db);
    expect(audit.rows).toEqual([{ activity: 'Purge user data', actor_type: 'system', changes: [{ property: 'DataState.mailbox', before: 'Grace', after: 'Purged' }] }]);
    expect((await events()).at(-1)).toEqual({ cause: 'job', transitions: [{ userId: user, dataClass: 'mailbox', from: 'Grace', to: 'Purged', graceUntil: null }] });

    // Re-licensing a purged class starts over: Licensed, with nothing of the old data.
    t.clock.set(at(32));
    await assign(user, [EXO1]);
    expect((await data(user)).mailbox).toMatchObject({ state: 'Licensed', since: iso(32), searchable: true });
  });

  it('retains data under a litigation hold past its grace, and purges it at the next tick once the hold goes', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('held');
    await assign(user, [EXO1]);
    await assign(user, [], [EXO1]);
    const holdId = await hold({ kind: 'litigationHold', userId: user, dataClasses: ['mailbox'], name: 'Case 17' });
    expect((await data(user)).mailbox).toMatchObject({ state: 'Grace', afterGrace: 'Retained', holds: [{ id: holdId }] });

    await tick(at(30));
    expect((await data(user)).mailbox).toMatchObject({ state: 'Retained', since: iso(30), graceUntil: null, searchable: false });
    expect(await tick(at(40))).toEqual([]);

    expect((await request('DELETE', `/admin/data/holds/${holdId}`)).statusCode).toBe(204);
    expect((await data(user)).mailbox.state).toBe('Retained');
    await tick(at(41));
    expect((await data(user)).mailbox).toMatchObject({ state: 'Purged', since: iso(41) });
  });

  it('ends the grace when the user is licensed again in time', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('relicensed');
    await assign(user, [EXO1]);
    await assign(user, [], [EXO1]);
    t.clock.set(at(10));
    await assign(user, [MS.e3]);
    expect((await data(user)).mailbox).toMatchObject({ state: 'Licensed', since: iso(10), graceUntil: null, searchable: true, lastSkuId: MS.e3 });
    expect((await events()).at(-1)?.transitions).toEqual([{ userId: user, dataClass: 'mailbox', from: 'Grace', to: 'Licensed', graceUntil: null }]);
    expect(await userDataRows()).toEqual([]);
    expect(await tick(at(30))).toEqual([]);
    expect((await data(user)).mailbox.state).toBe('Licensed');
  });

  it('starts the files clock only at the deletion; the mailbox keeps its grace; a restore stops the files clock', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('deleted-later');
    await assign(user, [MS.e3]);
    await assign(user, [], [MS.e3]);
    expect((await data(user)).files).toMatchObject({ state: 'Unlicensed', graceUntil: null });
    expect(await tick(at(10))).toEqual([]);

    t.clock.set(at(20));
    await t.services.users.deleteUser(tenant.context, user);
    const deleted = await data(user);
    expect(deleted.mailbox).toMatchObject({ state: 'Grace', graceUntil: iso(30) });
    expect(deleted.files).toMatchObject({ state: 'Grace', since: iso(20), graceUntil: iso(50) });

    t.clock.set(at(25));
    await t.services.users.restoreUser(tenant.context, user);
    const restored = await data(user);
    expect(restored.mailbox).toMatchObject({ state: 'Grace', graceUntil: iso(30) });
    expect(restored.files).toMatchObject({ state: 'Unlicensed', since: iso(25), graceUntil: null });
  });

  it('puts a licensed user back to Licensed on restore, whatever the deletion started', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('restored');
    await assign(user, [MS.e3]);
    await t.services.users.deleteUser(tenant.context, user);
    const deleted = await data(user);
    expect(deleted.mailbox).toMatchObject({ state: 'Grace', graceUntil: iso(30) });
    expect(deleted.files).toMatchObject({ state: 'Grace', graceUntil: iso(30) });
    expect((await events()).at(-1)?.cause).toBe('userDeleted');

    t.clock.set(at(3));
    await t.services.users.restoreUser(tenant.context, user);
    const restored = await data(user);
    expect(restored.mailbox).toMatchObject({ state: 'Licensed', since: iso(3), searchable: true });
    expect(restored.files).toMatchObject({ state: 'Licensed', since: iso(3) });
    expect(await tick(at(31))).toEqual([]);
  });

  it('makes the held mailbox of a deleted E3 user inactive; a non-Enterprise mailbox and files are retained', async () => {
    t.clock.set(TEST_NOW);
    const enterprise = await tenant.user('enterprise');
    const basic = await tenant.user('basic');
    await assign(enterprise, [MS.e3]);
    await assign(basic, [EXO1]);
    const policy = await hold({ kind: 'retentionPolicy', name: 'Keep everything' });
    await t.services.users.deleteUser(tenant.context, enterprise);
    await t.services.users.deleteUser(tenant.context, basic);
    expect((await data(enterprise)).mailbox.afterGrace).toBe('Inactive');

    await tick(at(30));
    expect((await data(enterprise)).mailbox).toMatchObject({ state: 'Inactive', searchable: false });
    expect((await data(enterprise)).files.state).toBe('Retained');
    expect((await data(basic)).mailbox.state).toBe('Retained');

    // The user is purged after 30 days; its inactive mailbox outlives it, until the policy goes.
    await t.services.users.purgeDeletedUser(tenant.context, enterprise);
    expect((await data(enterprise)).mailbox.state).toBe('Inactive');
    expect((await request('DELETE', `/admin/data/holds/${policy}`)).statusCode).toBe(204);
    await tick(at(31));
    expect((await data(enterprise)).mailbox.state).toBe('Purged');
    expect((await data(basic)).mailbox.state).toBe('Purged');
  });

  it('keeps a plan\'s own retention days (custom catalogue)', async () => {
    t.clock.set(TEST_NOW);
    const skuId = randomUUID();
    const planId = randomUUID();
    await t.services.catalogue.importCustomCatalogue(tenant.context, {
      products: [{ skuId, skuPartNumber: 'CONTOSO_ARCHIVE', displayName: 'Contoso Archive', servicePlans: [planId] }],
      servicePlans: [{ servicePlanId: planId, servicePlanName: 'ARCHIVE_FILES', friendlyName: 'Archive', dataClass: 'files', dataRetentionDays: 90 }],
      rules: [],
    });
    await t.services.subscriptions.recordSubscription(tenant.context, { skuId, totalLicenses: 5 });
    const products = await request('GET', '/admin/catalogue/products');
    const plans = products.json<{ servicePlans: { servicePlanId: string; dataRetentionDays: number | null }[] }>().servicePlans;
    expect(plans.find((plan) => plan.servicePlanId === planId)?.dataRetentionDays).toBe(90);
    expect(plans.every((plan) => plan.dataRetentionDays === null || plan.servicePlanId === planId)).toBe(true);

    const user = await tenant.user('archived');
    await assign(user, [skuId]);
    await assign(user, [], [skuId]);
    await t.services.users.deleteUser(tenant.context, user);
    expect((await data(user)).files).toMatchObject({ state: 'Grace', graceUntil: iso(90) });
  });

  it('lists the data clocks a bulk change would start, and changes nothing', async () => {
    t.clock.set(TEST_NOW);
    const first = await tenant.user('dry-first');
    const second = await tenant.user('dry-second');
    await assign(first, [MS.e3]);
    await assign(second, [EXO1, MS.e3]);
    const before = { licensing: await licensingSnapshot(t.handle.db, tenant.tenantId), data: await userDataRows(), events: (await events()).length };

    t.clock.set(at(5));
    const response = await request('POST', '/admin/users/manage-licenses', { userIds: [first, second], mode: 'removeAll', dryRun: true });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ applied: boolean; canApply: boolean; dataClocks: { userId: string; dataClass: string; graceUntil: string }[] }>();
    expect(body).toMatchObject({ applied: false, canApply: true });
    expect(body.dataClocks).toEqual([first, second].sort().map((userId) => ({ userId, dataClass: 'mailbox', graceUntil: iso(35) })));
    expect({ licensing: await licensingSnapshot(t.handle.db, tenant.tenantId), data: await userDataRows(), events: (await events()).length }).toEqual(before);

    // Removing E3 alone from the second user starts no clock: Exchange Online (Plan 1) keeps the mailbox.
    const partial = await request('POST', `/admin/licenses/${MS.e3}/unassign`, { userIds: [second], dryRun: true });
    expect(partial.json<{ dataClocks: unknown[] }>().dataClocks).toEqual([]);
  });

  it('previews a deletion from the real one rolled back: seats freed and each class\'s dates', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('preview');
    await assign(user, [MS.e3, EXO1]);
    const before = { licensing: await licensingSnapshot(t.handle.db, tenant.tenantId), data: await userDataRows(), events: (await events()).length };
    t.clock.set(at(2));
    const response = await request('POST', `/admin/users/${user}/delete/preview`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      userId: user,
      seatsFreed: 2,
      deletedDateTime: iso(2),
      permanentDeletionDateTime: iso(32),
      data: [
        { dataClass: 'mailbox', state: 'Grace', graceUntil: iso(32), searchable: false, afterGrace: 'Purged' },
        { dataClass: 'files', state: 'Grace', graceUntil: iso(32), searchable: false, afterGrace: 'Purged' },
      ],
    });
    expect({ licensing: await licensingSnapshot(t.handle.db, tenant.tenantId), data: await userDataRows(), events: (await events()).length }).toEqual(before);
    expect((await t.services.users.listDeletedUsers(tenant.context)).some((deleted) => deleted.userId === user)).toBe(false);
  });

  it('changes nothing when a request is refused', async () => {
    t.clock.set(TEST_NOW);
    const user = await tenant.user('refused');
    await assign(user, [MS.e3]);
    const before = { licensing: await licensingSnapshot(t.handle.db, tenant.tenantId), data: await userDataRows(), events: (await events()).length };
    // An unknown product refuses the whole request, the removal of E3 with it.
    const refused = await request('POST', `/v1.0/users/${user}/assignLicense`, { addLicenses: [{ skuId: randomUUID(), disabledPlans: [] }], removeLicenses: [MS.e3] });
    expect(refused.statusCode).toBe(400);
    const badHold = await request('POST', '/admin/data/holds', { kind: 'litigationHold', dataClasses: ['mailbox'], name: 'No user' });
    expect(badHold.statusCode).toBe(400);
    expect({ licensing: await licensingSnapshot(t.handle.db, tenant.tenantId), data: await userDataRows(), events: (await events()).length }).toEqual(before);
    expect((await data(user)).mailbox.state).toBe('Licensed');
  });
});
