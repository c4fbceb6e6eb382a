import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner, type JobReport } from '../../src/services/jobs/job-runner.js';
import { lowSeatAlerts } from '../../src/services/jobs/low-seat-alerts.js';
import { testEngine } from '../support/engine.js';
import { createLicensingTenant, FLEET, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The low-seat job: one seats.low event per dip to the threshold, cleared when seats come back. */
let t: TestApp;
let tenant: LicensingTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services, { [FLEET.standard]: 5 });
});
afterAll(async () => {
  await t.close();
});

const run = async (apply = true): Promise<JobReport[]> =>
  (await createJobRunner({ db: t.handle.db, clock: t.clock, jobs: [lowSeatAlerts(t.deps)], intervalMs: 60_000 }).runOnce(undefined, { apply })).filter((report) => report.tenantId === tenant.tenantId);

const events = async () =>
  (await sql<{ type: string; payload: Record<string, unknown> }>`SELECT type, payload FROM event_outbox WHERE tenant_id = ${tenant.tenantId} AND type = 'seats.low' ORDER BY sequence`.execute(t.handle.db)).rows;

const alertedAt = async () =>
  (await t.handle.db.selectFrom('product_setting').select('low_seat_alerted_at').where('tenant_id', '=', tenant.tenantId).where('sku_id', '=', FLEET.standard).executeTakeFirstOrThrow()).low_seat_alerted_at;

const audit = async () =>
  (await sql<{ activity: string; actor_type: string; target_id: string }>`SELECT activity, actor_type, target_id FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND activity LIKE '%low seat alert' ORDER BY activity`.execute(t.handle.db)).rows;

const assign = (userIds: string[]) => t.inject({ method: 'POST', url: `/admin/licenses/${FLEET.standard}/assign`, tenant: tenant.tenantId, payload: { userIds } });
const unassign = (userIds: string[]) => t.inject({ method: 'POST', url: `/admin/licenses/${FLEET.standard}/unassign`, tenant: tenant.tenantId, payload: { userIds } });

describe(`low-seat alerts on ${testEngine()}`, () => {
  it('emits seats.low once when free seats reach the threshold, clears above it, and alerts again on the next dip', async () => {
    await t.inject({ method: 'PATCH', url: `/admin/products/${FLEET.standard}/settings`, tenant: tenant.tenantId, payload: { lowSeatThreshold: 2 } });
    const users = await Promise.all(['a', 'b', 'c', 'd'].map((name) => tenant.user(name)));
    await assign(users.slice(0, 2));
    expect((await run())[0]?.affected).toBe(0);
    expect(await events()).toEqual([]);

    await assign([users[2] as string]);
    // A dry run says what it would do and does nothing.
    expect((await run(false))[0]).toMatchObject({ affected: 1, items: ['alert CONTOSO_FLEET_STANDARD'] });
    expect(await events()).toEqual([]);

    expect((await run())[0]?.affected).toBe(1);
    expect((await events()).map((event) => event.payload)).toEqual([{ skuId: FLEET.standard, skuPartNumber: 'CONTOSO_FLEET_STANDARD', free: 2, threshold: 2, assigned: 3, total: 5 }]);
    expect(await alertedAt()).not.toBeNull();
    // Still low, lower even: no second event while the alert is open.
    await assign([users[3] as string]);
    expect((await run())[0]?.affected).toBe(0);
    expect(await events()).toHaveLength(1);

    await unassign(users.slice(2, 4));
    expect((await run())[0]).toMatchObject({ affected: 1, items: ['clear CONTOSO_FLEET_STANDARD'] });
    expect(await alertedAt()).toBeNull();
    expect(await events()).toHaveLength(1);

    await assign(users.slice(2, 4));
    await run();
    expect((await events()).map((event) => event.payload.free)).toEqual([2, 1]);
    // The fixed clock gives every row one time: compared as a set.
    expect(await audit()).toEqual([
      { activity: 'Clear low seat alert', actor_type: 'system', target_id: FLEET.standard },
      { activity: 'Raise low seat alert', actor_type: 'system', target_id: FLEET.standard },
      { activity: 'Raise low seat alert', actor_type: 'system', target_id: FLEET.standard },
    ]);
  });

  it('closes the open alert when the threshold is removed, and leaves products without a threshold alone', async () => {
    await t.inject({ method: 'PATCH', url: `/admin/products/${FLEET.standard}/settings`, tenant: tenant.tenantId, payload: { lowSeatThreshold: null } });
    expect(await alertedAt()).toBeNull();
    await t.inject({ method: 'PATCH', url: `/admin/products/${MS.e5}/settings`, tenant: tenant.tenantId, payload: { inactivityDays: 60 } });
    expect((await run())[0]?.affected).toBe(0);
    expect(await events()).toHaveLength(2);
  });
});
