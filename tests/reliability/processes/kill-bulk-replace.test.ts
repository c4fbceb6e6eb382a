import type { ChildProcess } from 'node:child_process';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/schema.js';
import { DIRECT_SOURCE } from '../../../src/domain/ids.js';
import { generateLargeTenant } from '../../../src/services/large-tenant.js';
import { killAll, within } from '../../support/server-process.js';
import { createTestDeployment, POSTGRES_SKIP_REASON, startServerOn, type Engine, type TestDeployment } from '../support/engines.js';
import { send } from '../support/http.js';
import { checkInvariants } from '../support/invariants.js';
import { reliabilitySizing } from '../support/sizing.js';
import { createTenantWithApp, SKU, type ReliabilityTenant } from '../support/tenant.js';

/**
 * Issue 7, part 2, item 2 (bulk licensing): kill -9 of `allot serve` in the middle of Manage
 * product licenses in Replace mode (POST /admin/users/manage-licenses, 1,000 users per request,
 * all or nothing), on each engine. A tenant generated the way `allot seed --users` does (users
 * with a realistic mix of direct licenses) gets ALLOT_RELIABILITY_BULK_BATCHES batches replaced by
 * Exchange Online (Plan 2), sent by two concurrent clients, with seats for all but half a batch.
 * The first batch, sent alone, gives a batch's duration; the server is killed half that time after
 * the others were sent (on PostgreSQL, once one of its transactions is seen open). Afterwards
 * every batch is either wholly applied (each user holds exactly the new license, one audit row
 * each) or untouched (the users' direct licenses as before, no audit row): every batch answered 200
 * applied, every refused or unsent one untouched, the ones in flight either. Every invariant holds; a restarted
 * server takes the batches again and applies all that fit, refusing the last for want of seats.
 */
const sizing = reliabilitySizing();
const BATCH = 1_000;
const BATCHES = sizing.bulkBatches;
const STREAMS = 2;
const LICENSE = SKU.exchangePlan2;
/** Seats for all batches but half of one: the last to come is refused whole. */
const SEATS = (BATCHES - 1) * BATCH + BATCH / 2;

/** Wholly applied, untouched, or a description of the half-applied state found. */
type Fate = 'applied' | 'untouched' | `half-applied: ${string}`;

/** Jobs tick once an hour: on PostgreSQL, an open transaction during the run is a batch's. */
const serverEnv = { LOG_LEVEL: 'warn', ALLOT_JOB_INTERVAL_SECONDS: '3600' };

const engines: { engine: Engine; skip?: string }[] = [{ engine: 'pglite' }, { engine: 'postgres', ...(POSTGRES_SKIP_REASON === undefined ? {} : { skip: POSTGRES_SKIP_REASON }) }];

describe.each(engines)('kill -9 during bulk Replace batches, on $engine', ({ engine, skip }) => {
  const spawned: ChildProcess[] = [];
  let deployment: TestDeployment;
  let tenant: ReliabilityTenant;
  /** The users of each batch, and their direct licenses before any batch ran. */
  const batches: { userIds: string[]; before: string[] }[] = [];

  const directLicenses = async (db: Kysely<Database>, userIds: readonly string[]): Promise<string[]> =>
    (
      await sql<{ row: string }>`
        SELECT user_id || ' ' || sku_id || ' ' || array_to_string(disabled_plans, ',') AS row FROM license_assignment
        WHERE tenant_id = ${tenant.tenantId} AND source_id = ${DIRECT_SOURCE} AND user_id = ANY(${[...userIds]}::uuid[])
        ORDER BY user_id, sku_id`.execute(db)
    ).rows.map((row) => row.row);

  /** Whether a batch is wholly applied or untouched, from its users' licenses and audit rows; anything else is reported as it is. */
  const fateOf = async (db: Kysely<Database>, index: number): Promise<Fate> => {
    const batch = batches[index] as (typeof batches)[number];
    const now = await directLicenses(db, batch.userIds);
    const audit = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log
      WHERE tenant_id = ${tenant.tenantId} AND activity = 'Change user license' AND details->>'bulkMode' = 'replace'
        AND target_id = ANY(${batch.userIds}::text[])`.execute(db);
    const entries = audit.rows[0]?.n ?? 0;
    const replaced = [...batch.userIds].sort().map((userId) => `${userId} ${LICENSE} `);
    if (entries === BATCH && JSON.stringify(now) === JSON.stringify(replaced)) {
      return 'applied';
    }
    if (entries === 0 && JSON.stringify(now) === JSON.stringify(batch.before)) {
      return 'untouched';
    }
    const holders = now.filter((row) => row.includes(` ${LICENSE} `)).length;
    return `half-applied: ${holders} of ${BATCH} users hold the new license, ${entries} audit rows`;
  };

  /**
   * PostgreSQL only: waits up to `ms` for a transaction of the server (another backend of the
   * database with a transaction open) and says whether it saw one; undefined on PGlite.
   */
  const openTransaction = async (ms: number): Promise<string | undefined> => {
    if (engine !== 'postgres') {
      return undefined;
    }
    return deployment.withDatabase(async (db) => {
      const deadline = Date.now() + ms;
      do {
        const open = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`.execute(db);
        if ((open.rows[0]?.n ?? 0) > 0) {
          return 'killed with a transaction of the server open';
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      } while (Date.now() < deadline);
      return 'no transaction of the server was open at the kill';
    });
  };

  const replace = (url: string, authorization: string, index: number) =>
    send(url, authorization, {
      method: 'POST',
      path: '/admin/users/manage-licenses',
      body: { userIds: batches[index]?.userIds, mode: 'replace', licenses: [{ skuId: LICENSE, disabledPlans: [] }] },
      timeoutMs: 300_000,
    });

  beforeAll(async () => {
    if (skip === undefined) {
      deployment = await createTestDeployment(engine, 'bulk-kill');
    }
  });
  afterAll(async () => {
    await killAll(spawned);
    await deployment?.dispose();
  });

  it.skipIf(skip !== undefined)(`generates a tenant of ${(BATCHES * BATCH).toLocaleString('en-US')} licensed users${skip === undefined ? '' : ` (skipped: ${skip})`}`, async () => {
    const runtime = await deployment.openRuntime();
    try {
      const domain = 'bigcorp.onmicrosoft.com';
      tenant = await createTenantWithApp(runtime, { displayName: 'Bigcorp', domain });
      const generated = await generateLargeTenant(runtime.services, runtime.deps, { users: BATCHES * BATCH, domain });
      expect(generated.tenant.tenantId).toBe(tenant.tenantId);
      await runtime.services.subscriptions.recordSubscription(tenant.context, { skuId: LICENSE, totalLicenses: SEATS });
      const db = runtime.handle.db;
      const users = await sql<{ user_id: string }>`SELECT user_id FROM directory_user WHERE tenant_id = ${tenant.tenantId} ORDER BY user_id`.execute(db);
      expect(users.rows).toHaveLength(BATCHES * BATCH);
      for (let index = 0; index < BATCHES; index += 1) {
        const userIds = users.rows.slice(index * BATCH, (index + 1) * BATCH).map((row) => row.user_id);
        batches.push({ userIds, before: await directLicenses(db, userIds) });
      }
      // The generator's mix leaves one user in ten unlicensed: most users hold something to replace.
      expect(batches.every((batch) => batch.before.length > BATCH / 2)).toBe(true);
    } finally {
      await runtime.close();
    }
  });

  it.skipIf(skip !== undefined)('is killed halfway through a batch: every batch is wholly applied or untouched', async () => {
    const { server, authorization } = await startServerOn(deployment, tenant, serverEnv, spawned);
    const answered: (number | 'in flight' | 'unsent')[] = batches.map(() => 'unsent');
    // The first batch alone tells how long one takes (PGlite answers a request only after the
    // requests ahead of it, so concurrent answers would not).
    const calibrationStart = Date.now();
    const calibration = await replace(server.url, authorization, 0);
    expect(calibration.status, JSON.stringify(calibration)).toBe(200);
    answered[0] = 200;
    const duration = Date.now() - calibrationStart;

    let killed = false;
    const stream = async (offset: number) => {
      for (let index = 1 + offset; index < BATCHES && !killed; index += STREAMS) {
        answered[index] = 'in flight';
        const answer = await replace(server.url, authorization, index);
        if (killed && answer.status === 0) {
          return;
        }
        expect([200, 400], JSON.stringify(answer)).toContain(answer.status);
        answered[index] = answer.status;
      }
    };
    const streams = Array.from({ length: STREAMS }, (_, offset) => stream(offset));
    // Batches wait for one another's locks: the first of them is halfway through after half a batch.
    await new Promise((resolve) => setTimeout(resolve, duration / 2));
    // On PostgreSQL the kill waits for a transaction of the server to be open (at most another half batch).
    const transactionOpen = await openTransaction(duration / 2);
    expect(answered, 'every batch was answered before the kill: raise ALLOT_RELIABILITY_BULK_BATCHES').toContain('in flight');
    killed = true;
    server.child.kill('SIGKILL');
    expect(await within(server.exited, 10_000, 'SIGKILL exit')).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(streams);
    console.info(`bulk Replace on ${engine}: a batch takes ${duration} ms; ${transactionOpen ?? 'no transaction check on PGlite'}; at the kill: ${answered.join(', ')}`);
    expect(transactionOpen).not.toBe('no transaction of the server was open at the kill');

    await deployment.withDatabase(async (db) => {
      const fates = await Promise.all(batches.map((_, index) => fateOf(db, index)));
      const expected = answered.map((answer, index) => (answer === 'in flight' ? (fates[index] === 'applied' ? 'applied' : 'untouched') : answer === 200 ? 'applied' : 'untouched'));
      expect(fates).toEqual(expected);
      expect(await checkInvariants(db, { tenantIds: [tenant.tenantId] })).toEqual([]);
    });
  });

  it.skipIf(skip !== undefined)('restarted, applies the batches that were not, until seats run out', async () => {
    const { server, authorization } = await startServerOn(deployment, tenant, serverEnv, spawned);
    const statuses: number[] = [];
    for (let index = 0; index < BATCHES; index += 1) {
      statuses.push((await replace(server.url, authorization, index)).status);
    }
    await server.stop();
    // Batches applied before the kill answer 200 again and change nothing; one batch finds no seats.
    expect(statuses.filter((status) => status === 400)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(BATCHES - 1);
    await deployment.withDatabase(async (db) => {
      const fates = await Promise.all(batches.map((_, index) => fateOf(db, index)));
      expect(fates.filter((fate) => fate === 'applied')).toHaveLength(BATCHES - 1);
      expect(fates.filter((fate) => fate === 'untouched')).toHaveLength(1);
      expect(await checkInvariants(db, { tenantIds: [tenant.tenantId] })).toEqual([]);
    });
  });
});
