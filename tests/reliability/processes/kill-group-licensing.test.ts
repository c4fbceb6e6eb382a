import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBulkSeedRepository } from '../../../src/db/repositories/bulk-seed.repository.js';
import { jobDoneLines, killWhileGroupInProgress, waitForGroupProcessingComplete } from '../../support/group-license-job.js';
import { killAll, within } from '../../support/server-process.js';
import { createTestDeployment, POSTGRES_SKIP_REASON, startServerOn, type Engine, type TestDeployment } from '../support/engines.js';
import { checkInvariants } from '../support/invariants.js';
import { reliabilitySizing } from '../support/sizing.js';
import { createTenantWithApp, SKU, type ReliabilityTenant } from '../support/tenant.js';

/**
 * Issue 7, part 2, item 2 (group licensing): kill -9 of `allot serve` while its job runner
 * licenses a group of ALLOT_RELIABILITY_GROUP_MEMBERS members chunk by chunk, on each engine
 * (PGlite in its data directory, PostgreSQL when TEST_DATABASE_URL is set). Seats are short, so the
 * last members end in CountViolation. Right after the kill the database holds whole chunks only:
 * every invariant holds except that the job is unfinished, its cursor at a chunk boundary. A
 * restarted server resumes after the cursor and applies exactly the remaining members; then every
 * invariant holds, the earliest members hold the seats, and the job's counts and audit rows are
 * Entra's. (tests/process/group-job-kill.test.ts is the small PGlite version.)
 */
const sizing = reliabilitySizing();
const MEMBERS = sizing.groupMembers;
/** Members who find no seat: the last ones by membership order. */
const SHORT = Math.max(10, Math.round(MEMBERS / 50));
const SEATS = MEMBERS - SHORT;
/** About fifty chunks, so the kill lands between the first and the last. */
const CHUNK = Math.min(500, Math.max(20, Math.round(MEMBERS / 50)));
/** Exchange Online (Plan 2): one service plan, no dependencies. */
const LICENSE = SKU.exchangePlan2;
/** A budget for the job on a loaded two-core machine (PGlite runs it on the server's only connection). */
const JOB_TIMEOUT_MS = Math.max(60_000, MEMBERS * 4);

const engines: { engine: Engine; skip?: string }[] = [{ engine: 'pglite' }, { engine: 'postgres', ...(POSTGRES_SKIP_REASON === undefined ? {} : { skip: POSTGRES_SKIP_REASON }) }];

describe.each(engines)('kill -9 while a group is licensed chunk by chunk, on $engine', ({ engine, skip }) => {
  const spawned: ChildProcess[] = [];
  const env = { LOG_LEVEL: 'info', ALLOT_GROUP_INLINE_LIMIT: '100', ALLOT_JOB_INTERVAL_SECONDS: '1', ALLOT_JOB_CHUNK_SIZE: String(CHUNK) };
  let deployment: TestDeployment;
  let tenant: ReliabilityTenant;
  let groupId: string;
  let processedAtKill: number;

  beforeAll(async () => {
    if (skip === undefined) {
      deployment = await createTestDeployment(engine, 'group-kill');
    }
  });
  afterAll(async () => {
    await killAll(spawned);
    await deployment?.dispose();
  });

  it.skipIf(skip !== undefined)(`seeds a group of ${MEMBERS.toLocaleString('en-US')} unlicensed members and ${SEATS.toLocaleString('en-US')} seats${skip === undefined ? '' : ` (skipped: ${skip})`}`, async () => {
    const runtime = await deployment.openRuntime();
    try {
      tenant = await createTenantWithApp(runtime, { displayName: 'Northwind', domain: 'northwind.onmicrosoft.com' });
      await runtime.services.subscriptions.recordSubscription(tenant.context, { skuId: LICENSE, totalLicenses: SEATS });
      const group = await runtime.services.groups.createGroup(tenant.context, { displayName: 'Everyone', mailNickname: 'everyone', mailEnabled: false, securityEnabled: true });
      groupId = group.group.groupId;
      const bulk = createBulkSeedRepository(runtime.handle.db, tenant.tenantId);
      expect(await bulk.insertUnlicensedMembers({ groupId, first: 1, last: MEMBERS, domain: tenant.domain, usageLocation: 'NL', at: new Date(Date.UTC(2026, 0, 1)) })).toBe(MEMBERS);
      await bulk.analyze();
      await bulk.analyzeGroups();
    } finally {
      await runtime.close();
    }
  });

  it.skipIf(skip !== undefined)('queues the group (202) and is killed with SIGKILL between two chunks of the job', async () => {
    const { server, authorization } = await startServerOn(deployment, tenant, env, spawned);
    const assigned = await fetch(`${server.url}/v1.0/groups/${groupId}/assignLicense`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ addLicenses: [{ skuId: LICENSE, disabledPlans: [] }], removeLicenses: [] }),
      signal: AbortSignal.timeout(60_000),
    });
    expect(assigned.status, await assigned.clone().text()).toBe(202);
    await killWhileGroupInProgress(server, authorization, groupId, JOB_TIMEOUT_MS);
    expect(jobDoneLines(server, tenant.tenantId)).toEqual([]);

    // What the kill left: whole chunks, consistent, the cursor at a chunk boundary.
    await deployment.withDatabase(async (db) => {
      const job = await sql<{ state: string; processed: number }>`
        SELECT state, processed FROM group_license_job WHERE tenant_id = ${tenant.tenantId} AND group_id = ${groupId}`.execute(db);
      expect(job.rows).toHaveLength(1);
      processedAtKill = job.rows[0]?.processed ?? 0;
      expect(job.rows[0]?.state).toBe('ProcessingInProgress');
      expect(processedAtKill).toBeGreaterThan(0);
      expect(processedAtKill).toBeLessThan(MEMBERS);
      expect(processedAtKill % CHUNK).toBe(0);
      const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND source_id = ${groupId}`.execute(db);
      expect(rows.rows[0]?.n).toBe(processedAtKill);
      // Mid-job, the members after the cursor have no row yet: exactly those, and the open job.
      const report = await checkInvariants(db, { tenantIds: [tenant.tenantId] });
      expect(report.map((entry) => entry.split('\n')[0]?.replace(/ \(and \d+ more\)$/, ''))).toEqual([
        `live member of a licensed group without the group row (or with other disabled plans): ${MEMBERS - processedAtKill}`,
        'group licensing job not finished: 1',
      ]);
    });
  });

  it.skipIf(skip !== undefined)('restarted, resumes after the cursor and applies exactly the remaining members', async () => {
    const { server, authorization } = await startServerOn(deployment, tenant, env, spawned);
    await waitForGroupProcessingComplete(server, authorization, groupId, JOB_TIMEOUT_MS);
    await server.stop();
    expect(jobDoneLines(server, tenant.tenantId)).toEqual([{ affected: MEMBERS - processedAtKill }]);
    expect(await within(server.exited, 1_000, 'exit')).toEqual({ code: 0, signal: null });
  });

  it.skipIf(skip !== undefined)('holds every invariant: seats to the earliest members, the rest in CountViolation, one finish entry', async () => {
    await deployment.withDatabase(async (db) => {
      expect(await checkInvariants(db, { tenantIds: [tenant.tenantId] })).toEqual([]);
      const states = await sql<{ state: string; error: string | null; n: number }>`
        SELECT state, error, count(*)::int AS n FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND source_id = ${groupId}
        GROUP BY state, error ORDER BY state`.execute(db);
      expect(states.rows).toEqual([
        { state: 'Active', error: null, n: SEATS },
        { state: 'Error', error: 'CountViolation', n: SHORT },
      ]);
      const holders = await sql<{ last: number; n: number }>`
        SELECT max(substr(u.mail_nickname, 7)::int) AS last, count(*)::int AS n
        FROM user_license s JOIN directory_user u ON u.tenant_id = s.tenant_id AND u.user_id = s.user_id
        WHERE s.tenant_id = ${tenant.tenantId} AND s.sku_id = ${LICENSE}`.execute(db);
      expect(holders.rows).toEqual([{ last: SEATS, n: SEATS }]);
      const job = await sql<{ total: number; processed: number; succeeded: number; failed: number }>`
        SELECT total, processed, succeeded, failed FROM group_license_job WHERE tenant_id = ${tenant.tenantId} AND group_id = ${groupId}`.execute(db);
      expect(job.rows).toEqual([{ total: MEMBERS, processed: MEMBERS, succeeded: SEATS, failed: SHORT }]);
      const finish = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND target_id = ${groupId} AND activity = 'Finish applying group based license to users'`.execute(db);
      expect(finish.rows[0]?.n).toBe(1);
    });
  });
});
