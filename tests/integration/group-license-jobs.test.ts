import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner } from '../../src/services/jobs/job-runner.js';
import { processGroupLicenseJobs } from '../../src/services/jobs/process-group-license-jobs.js';
import { createLicensingTenant, FLEET } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * A group larger than the inline limit is queued and applied by the job runner chunk by chunk,
 * each chunk one transaction that moves the job's cursor with its writes.
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ groupInlineLimit: 5 });
});
afterAll(async () => {
  await t.close();
});

describe('chunked group licensing', () => {
  it('queues a large group, applies it in chunks earliest members first, and completes with Entra’s counts', async () => {
    // Fleet Standard has 8 seats for 12 members: the last 4 members wait in CountViolation.
    const tenant = await createLicensingTenant(t.services, { [FLEET.standard]: 8 });
    const users = [];
    for (let index = 0; index < 12; index += 1) {
      users.push(await tenant.user(`member${String(index).padStart(2, '0')}`));
    }
    const groupId = randomUUID();
    await sql`INSERT INTO directory_group (tenant_id, group_id, display_name, mail_nickname, created_at) VALUES (${tenant.tenantId}, ${groupId}, 'Big', 'big', now())`.execute(t.handle.db);
    await sql`INSERT INTO group_member (tenant_id, group_id, member_id, member_type, added_at)
              SELECT ${tenant.tenantId}, ${groupId}, u, 'user', timestamptz '2026-01-01' + (ord * interval '1 minute')
              FROM unnest(${users}::uuid[]) WITH ORDINALITY AS m(u, ord)`.execute(t.handle.db);

    const response = await t.inject({ method: 'POST', url: `/v1.0/groups/${groupId}/assignLicense`, tenant: tenant.tenantId, payload: { addLicenses: [{ skuId: FLEET.standard, disabledPlans: [] }], removeLicenses: [] } });
    expect(response.statusCode).toBe(202);
    const state = async () => (await sql<{ s: string }>`SELECT license_processing_state AS s FROM directory_group WHERE group_id = ${groupId}`.execute(t.handle.db)).rows[0]?.s;
    expect(await state()).toBe('QueuedForProcessing');
    const seats = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM user_license WHERE tenant_id = ${tenant.tenantId} AND sku_id = ${FLEET.standard}`.execute(t.handle.db)).rows[0]?.n;
    expect(await seats()).toBe(0);

    const runner = createJobRunner({ db: t.handle.db, clock: t.clock, jobs: [processGroupLicenseJobs(t.deps)], intervalMs: 60_000, chunkSize: 5 });
    const dry = await runner.runOnce(undefined, { apply: false });
    expect(dry.find((report) => report.tenantId === tenant.tenantId)?.items).toEqual([groupId]);
    const reports = await runner.runOnce();
    expect(reports.find((report) => report.tenantId === tenant.tenantId)).toMatchObject({ affected: 12 });
    expect(await state()).toBe('ProcessingComplete');
    expect(await seats()).toBe(8);
    const holders = await sql<{ user_id: string }>`SELECT user_id FROM user_license WHERE tenant_id = ${tenant.tenantId} ORDER BY user_id`.execute(t.handle.db);
    expect(holders.rows.map((row) => row.user_id).sort()).toEqual(users.slice(0, 8).sort());
    const job = await sql<{ state: string; processed: number; succeeded: number; failed: number }>`SELECT state, processed, succeeded, failed FROM group_license_job WHERE group_id = ${groupId}`.execute(t.handle.db);
    expect(job.rows).toEqual([{ state: 'ProcessingComplete', processed: 12, succeeded: 8, failed: 4 }]);
    const finish = await sql<{ details: { summary: string } }>`SELECT details FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND target_id = ${groupId} AND activity = 'Finish applying group based license to users'`.execute(t.handle.db);
    expect(finish.rows.map((row) => row.details.summary)).toEqual(['[Users successfully assigned licenses: 8, Users for whom license assignment failed: 4.]']);
    // A rerun finds nothing to do.
    expect((await runner.runOnce()).find((report) => report.tenantId === tenant.tenantId)).toMatchObject({ affected: 0 });
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });
  });
});
