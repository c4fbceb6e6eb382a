import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createBulkSeedRepository } from '../../src/db/repositories/bulk-seed.repository.js';
import { systemPrincipal, type RequestContext } from '../../src/domain/context.js';
import type { DemoCredentials } from '../../src/services/demo-tenant.js';
import { getJson, jobDoneLines, killWhileGroupInProgress, waitForGroupProcessingComplete } from '../support/group-license-job.js';
import { demoAppAuthorization, killAll, lockHolderPid, readDemoCredentials, startAllotServer, within, type ServerProcess } from '../support/server-process.js';

/**
 * Issue 4, Done-when: "A kill -9 during a chunked job over a large group resumes after restart;
 * invariants hold." A real `allot serve` on an embedded data directory queues the licensing of a
 * group too large for one request (ALLOT_GROUP_INLINE_LIMIT=100), is killed with SIGKILL while
 * the job runner is between (or inside) chunks, and a restarted server takes over the stale lock
 * and finishes the job from its cursor: every member processed once, seats and counters agree,
 * one "Finish applying group based license to users" audit row. Seeing the job in progress at all
 * relies on the job runner giving the event loop a turn between chunks (PGlite runs queries on the
 * server's thread).
 */

const READY_TIMEOUT_MS = 100_000;
const MEMBERS = 3_000;
/** 100 seats short: the last 100 members by membership order wait in CountViolation, across the restart too. */
const SEATS = 2_900;
/**
 * Members per chunk transaction (ALLOT_JOB_CHUNK_SIZE). The default, 500, makes six short chunks, too
 * few to be sure a poll (whose queries wait for the chunk in progress on PGlite's one connection)
 * kills the job before its last one; 60 chunks leave a wide margin.
 */
const CHUNK = 50;
/** Exchange Online (Plan 2): a Microsoft SKU the demo tenant does not own, one service plan. */
const SKU = '19ec0d23-8335-4cbd-94ac-6050e30712fa';
const FINISH = 'Finish applying group based license to users';

const spawned: ChildProcess[] = [];
let dataDir: string;
let lockFile: string;
let demo: DemoCredentials;
let groupId: string;

/** `allot serve` on the test's data directory, ready to answer; info logs (the job runner's "job done"). */
const startServer = (): Promise<ServerProcess> =>
  startAllotServer({ ALLOT_DATA_DIR: dataDir, LOG_LEVEL: 'info', ALLOT_GROUP_INLINE_LIMIT: '100', ALLOT_JOB_INTERVAL_SECONDS: '1', ALLOT_JOB_CHUNK_SIZE: String(CHUNK) }, spawned, READY_TIMEOUT_MS);

/** A bearer token of the demo app (its secret is in demo-credentials.json, written by the first start). */
const authorizationOf = (server: ServerProcess): Promise<string> => demoAppAuthorization(server.url, demo);

const consumedUnits = async (server: ServerProcess, authorization: string): Promise<number | undefined> =>
  (await getJson<{ value: { skuId: string; consumedUnits: number }[] }>(server, authorization, '/v1.0/subscribedSkus')).value.find((sku) => sku.skuId === SKU)?.consumedUnits;

/** The runtime opened in this process, as the CLI does (the server must be stopped). */
const openDirectly = (): Promise<Runtime> => openRuntime(loadConfig({ ALLOT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));

const contextOf = (tenantId: string): RequestContext => ({ tenantId, principal: systemPrincipal, requestId: 'group-job-kill-test', clientAddress: null });

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'allot-group-job-kill-'));
  lockFile = path.join(dataDir, 'allot.lock');
});

afterAll(async () => {
  await killAll(spawned);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('a chunked group licensing job killed with SIGKILL', () => {
  let killed: ServerProcess;

  it('seeds the demo tenant, then (server stopped) a group of 3,000 unlicensed users and too few seats', async () => {
    const seeding = await startServer();
    seeding.child.kill('SIGTERM');
    expect(await within(seeding.exited, 15_000, 'SIGTERM exit')).toEqual({ code: 0, signal: null });
    demo = readDemoCredentials(dataDir);

    const runtime = await openDirectly();
    try {
      const context = contextOf(demo.tenantId);
      await runtime.services.subscriptions.recordSubscription(context, { skuId: SKU, totalLicenses: SEATS });
      const group = await runtime.services.groups.createGroup(context, { displayName: 'All 3,000 members', mailNickname: 'allmembers', mailEnabled: false, securityEnabled: true });
      groupId = group.group.groupId;
      const bulk = createBulkSeedRepository(runtime.handle.db, demo.tenantId);
      const created = await bulk.insertUnlicensedMembers({ groupId, first: 1, last: MEMBERS, domain: demo.domain, usageLocation: 'NL', at: new Date(Date.UTC(2026, 0, 1)) });
      expect(created).toBe(MEMBERS);
      await bulk.analyze();
      await bulk.analyzeGroups();
    } finally {
      await runtime.close();
    }
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('queues the group (202, QueuedForProcessing) and is killed with SIGKILL while the job is in progress', async () => {
    killed = await startServer();
    const authorization = await authorizationOf(killed);
    const assigned = await fetch(`${killed.url}/v1.0/groups/${groupId}/assignLicense`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ addLicenses: [{ skuId: SKU, disabledPlans: [] }], removeLicenses: [] }),
      signal: AbortSignal.timeout(30_000),
    });
    expect(assigned.status).toBe(202);
    await killWhileGroupInProgress(killed, authorization, groupId);
    // Killed in the middle of the tick: it never reported its work, and its lock file stays behind.
    expect(jobDoneLines(killed, demo.tenantId)).toEqual([]);
    expect(lockHolderPid(dataDir)).toBe(killed.child.pid);
  });

  it('restarted on the same directory, takes over the stale lock and finishes the job from its cursor', async () => {
    const restarted = await startServer();
    try {
      expect(lockHolderPid(dataDir)).toBe(restarted.child.pid);
      const authorization = await authorizationOf(restarted);
      await waitForGroupProcessingComplete(restarted, authorization, groupId);
      expect(await consumedUnits(restarted, authorization)).toBe(SEATS);
      // The restarted runner applied only the members after the cursor: the chunks committed before
      // the kill (whole ones, at least one) were not applied again.
      const done = jobDoneLines(restarted, demo.tenantId);
      expect(done).toHaveLength(1);
      const resumed = done[0]?.affected ?? 0;
      expect(resumed).toBeGreaterThan(0);
      expect(resumed).toBeLessThan(MEMBERS);
      expect((MEMBERS - resumed) % CHUNK).toBe(0);
    } finally {
      restarted.child.kill('SIGTERM');
    }
    expect(await within(restarted.exited, 15_000, 'SIGTERM exit')).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('invariants hold: counters, one seat per Active group row, job and audit counts', async () => {
    const runtime = await openDirectly();
    try {
      const db = runtime.handle.db;
      const tenantId = demo.tenantId;
      expect(await runtime.services.subscriptions.verifyCounters(contextOf(tenantId))).toEqual({ mismatches: [] });

      const rows = await sql<{ state: string; error: string | null; n: number }>`
        SELECT state, error, count(*)::int AS n FROM license_assignment
        WHERE tenant_id = ${tenantId} AND source_id = ${groupId} AND sku_id = ${SKU} GROUP BY state, error ORDER BY state`.execute(db);
      expect(rows.rows).toEqual([
        { state: 'Active', error: null, n: SEATS },
        { state: 'Error', error: 'CountViolation', n: MEMBERS - SEATS },
      ]);
      // Every Active row of the group has its seat, and every seat of the SKU an Active group row.
      const unseated = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM license_assignment a
        WHERE a.tenant_id = ${tenantId} AND a.source_id = ${groupId} AND a.state = 'Active'
          AND NOT EXISTS (SELECT 1 FROM user_license s WHERE s.tenant_id = a.tenant_id AND s.user_id = a.user_id AND s.sku_id = a.sku_id)`.execute(db);
      const unbacked = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM user_license s
        WHERE s.tenant_id = ${tenantId} AND s.sku_id = ${SKU}
          AND NOT EXISTS (SELECT 1 FROM license_assignment a WHERE a.tenant_id = s.tenant_id AND a.user_id = s.user_id
                            AND a.sku_id = s.sku_id AND a.source_id = ${groupId} AND a.state = 'Active')`.execute(db);
      expect({ unseated: unseated.rows[0]?.n, unbacked: unbacked.rows[0]?.n }).toEqual({ unseated: 0, unbacked: 0 });
      // Earliest members first, across the restart: the seats went to the first 2,900 by membership.
      const holders = await sql<{ last: number; n: number }>`
        SELECT max(substr(u.mail_nickname, 7)::int) AS last, count(*)::int AS n
        FROM user_license s JOIN directory_user u ON u.tenant_id = s.tenant_id AND u.user_id = s.user_id
        WHERE s.tenant_id = ${tenantId} AND s.sku_id = ${SKU}`.execute(db);
      expect(holders.rows).toEqual([{ last: SEATS, n: SEATS }]);

      const jobs = await sql<{ state: string; total: number; processed: number; succeeded: number; failed: number }>`
        SELECT state, total, processed, succeeded, failed FROM group_license_job WHERE tenant_id = ${tenantId} AND group_id = ${groupId}`.execute(db);
      expect(jobs.rows).toEqual([{ state: 'ProcessingComplete', total: MEMBERS, processed: MEMBERS, succeeded: SEATS, failed: MEMBERS - SEATS }]);
      const group = await sql<{ state: string }>`SELECT license_processing_state AS state FROM directory_group WHERE tenant_id = ${tenantId} AND group_id = ${groupId}`.execute(db);
      expect(group.rows).toEqual([{ state: 'ProcessingComplete' }]);

      const finish = await sql<{ details: { summary: string; succeeded: number; failed: number; processed: number } }>`
        SELECT details FROM audit_log WHERE tenant_id = ${tenantId} AND target_id = ${groupId} AND activity = ${FINISH}`.execute(db);
      expect(finish.rows.map((row) => row.details)).toEqual([
        {
          summary: `[Users successfully assigned licenses: ${SEATS}, Users for whom license assignment failed: ${MEMBERS - SEATS}.]`,
          succeeded: SEATS,
          failed: MEMBERS - SEATS,
          processed: MEMBERS,
        },
      ]);
    } finally {
      await runtime.close();
    }
  });
});
