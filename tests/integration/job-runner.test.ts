import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/domain/clock.js';
import { openDatabase } from '../../src/db/database.js';
import { createJobRunner, JOB_LOCK_KEY, type Job, type JobLogger, type JobReport } from '../../src/services/jobs/job-runner.js';
import { expireIdempotencyKeys } from '../../src/services/jobs/expire-idempotency-keys.js';
import { purgeDeletedUsers } from '../../src/services/jobs/purge-deleted-users.js';
import { adminUrl, testEngine } from '../support/engine.js';
import { createLicensingTenant, MS, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, TEST_NOW, type TestApp } from '../support/test-app.js';

/**
 * The job runner purges users 30 days after their soft delete, exactly once, whatever runs it:
 * reruns are no-ops, a failing job does not stop the others, and on PostgreSQL two processes
 * (two pools) never work at the same time (the advisory lock).
 */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ poolSize: 12 });
});
afterAll(async () => {
  await t.close();
});

const at = (days: number, ms = 0) => new Date(TEST_NOW.getTime() + days * DAY_MS + ms);

const runner = (jobs: readonly Job[], options: { chunkSize?: number; logger?: JobLogger; db?: TestApp['handle']['db'] } = {}) =>
  createJobRunner({ db: options.db ?? t.handle.db, clock: t.clock, jobs, intervalMs: 60_000, chunkSize: options.chunkSize ?? 2, ...(options.logger ? { logger: options.logger } : {}) });

const forTenant = (reports: readonly JobReport[], tenant: LicensingTenant, job = 'purgeDeletedUsers') =>
  reports.filter((report) => report.tenantId === tenant.tenantId && report.job === job);

const affected = (reports: readonly JobReport[]) => reports.reduce((sum, report) => sum + report.affected, 0);

const hardDeletes = (tenant: LicensingTenant) =>
  t.handle.db
    .selectFrom('audit_log')
    .select(['target_id', 'actor_type', 'actor_id', 'occurred_at'])
    .where('tenant_id', '=', tenant.tenantId)
    .where('activity', '=', 'Hard delete user')
    .orderBy('target_id')
    .execute();

const deletedIds = async (tenant: LicensingTenant) => (await t.services.users.listDeletedUsers(tenant.context)).map((user) => user.userId).sort();

const inject = (tenant: LicensingTenant, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.inject({ method, url, tenant: tenant.tenantId, ...(payload ? { payload } : {}) });

/** Users deleted at the given days after TEST_NOW (the clock is left at the last one). */
async function deletedUsers(tenant: LicensingTenant, prefix: string, days: readonly number[]): Promise<string[]> {
  t.clock.set(TEST_NOW);
  const ids: string[] = [];
  for (const index of days.keys()) {
    ids.push(await tenant.user(`${prefix}${index}`));
  }
  for (const [index, day] of days.entries()) {
    t.clock.set(at(day));
    await t.services.users.deleteUser(tenant.context, ids[index] as string);
  }
  return ids;
}

describe(`job runner on ${testEngine()}`, () => {
  it('purges users exactly 30 days after their soft delete, once, with an audit entry each', async () => {
    const tenant = await createLicensingTenant(t.services);
    t.clock.set(TEST_NOW);
    const licensed = await tenant.user('licensed');
    expect((await inject(tenant, 'POST', `/v1.0/users/${licensed}/assignLicense`, { addLicenses: [{ skuId: MS.e3, disabledPlans: [] }], removeLicenses: [] })).statusCode).toBe(200);
    await t.services.users.deleteUser(tenant.context, licensed);
    const [early1, early2, late] = await deletedUsers(tenant, 'gone', [0, 0, 2]);
    const active = await tenant.user('stays');
    const jobs = runner([purgeDeletedUsers]);

    t.clock.set(at(29));
    expect(affected(forTenant(await jobs.runOnce(), tenant))).toBe(0);
    t.clock.set(at(30));
    expect(affected(forTenant(await jobs.runOnce(), tenant))).toBe(0);
    expect(await deletedIds(tenant)).toHaveLength(4);

    t.clock.set(at(30, 1000));
    const dryRun = forTenant(await jobs.runOnce(undefined, { apply: false }), tenant);
    expect(affected(dryRun)).toBe(3);
    expect(await deletedIds(tenant)).toHaveLength(4);
    const reports = forTenant(await jobs.runOnce(), tenant);
    expect(reports).toEqual([expect.objectContaining({ affected: 3 })]);
    expect(reports[0]?.error).toBeUndefined();

    expect(await deletedIds(tenant)).toEqual([late]);
    const audit = await hardDeletes(tenant);
    expect(audit.map((row) => row.target_id)).toEqual([licensed, early1, early2].sort());
    expect(audit.every((row) => row.actor_type === 'system' && row.actor_id === 'allot-system')).toBe(true);
    expect((await inject(tenant, 'POST', `/v1.0/directory/deletedItems/${early1}/restore`)).statusCode).toBe(404);
    expect((await inject(tenant, 'GET', `/v1.0/directory/deletedItems/${late}`)).statusCode).toBe(200);
    expect((await inject(tenant, 'GET', `/v1.0/users/${active}`)).statusCode).toBe(200);
    expect(await t.services.subscriptions.verifyCounters(tenant.context)).toEqual({ mismatches: [] });

    // Running again for the same time (or a bit later) is a no-op.
    expect(affected(forTenant(await jobs.runOnce(), tenant))).toBe(0);
    t.clock.advance(60_000);
    expect(affected(forTenant(await jobs.runOnce(), tenant))).toBe(0);
    expect(await hardDeletes(tenant)).toHaveLength(3);

    t.clock.set(at(32, 1000));
    expect(affected(forTenant(await jobs.runOnce(), tenant))).toBe(1);
    expect(await deletedIds(tenant)).toEqual([]);
    expect(await hardDeletes(tenant)).toHaveLength(4);
  });

  it('forgets Idempotency-Key answers after 24 hours', async () => {
    const tenant = await createLicensingTenant(t.services);
    t.clock.set(TEST_NOW);
    expect(await t.services.idempotency.begin(tenant.context, 'old-key', 'hash')).toBeUndefined();
    await t.services.idempotency.complete(tenant.context, 'old-key', { status: 200, body: '{"ok":true}' });
    expect(await t.services.idempotency.begin(tenant.context, 'old-key', 'hash')).toEqual({ status: 200, body: { ok: true } });
    const keys = () => t.handle.db.selectFrom('idempotency_record').select('idempotency_key').where('tenant_id', '=', tenant.tenantId).execute();

    expect(affected(forTenant(await runner([expireIdempotencyKeys]).runOnce(at(0.5)), tenant, 'expireIdempotencyKeys'))).toBe(0);
    expect(await keys()).toHaveLength(1);
    expect(affected(forTenant(await runner([expireIdempotencyKeys]).runOnce(at(1, 1)), tenant, 'expireIdempotencyKeys'))).toBe(1);
    expect(await keys()).toEqual([]);
  });

  it('logs a failing job and still runs the others, for every tenant', async () => {
    const tenant = await createLicensingTenant(t.services);
    await deletedUsers(tenant, 'failing', [0, 0, 0]);
    const errors: string[] = [];
    const logger: JobLogger = { info: () => undefined, warn: () => undefined, error: (_fields, message) => errors.push(message) };
    const failing: Job = { name: 'failing', run: () => Promise.reject(new Error('boom')) };
    const failingForThisTenant: Job = {
      name: 'failingForThisTenant',
      run: async (ctx) => {
        if (ctx.tenantId === tenant.tenantId) {
          await ctx.transaction(() => Promise.reject(new Error('tenant boom')));
        }
      },
    };

    t.clock.set(at(31));
    const reports = await runner([failing, failingForThisTenant, purgeDeletedUsers], { logger }).runOnce();

    expect(forTenant(reports, tenant, 'failing')).toEqual([expect.objectContaining({ error: 'boom', affected: 0 })]);
    expect(forTenant(reports, tenant, 'failingForThisTenant')).toEqual([expect.objectContaining({ error: 'tenant boom' })]);
    expect(reports.filter((report) => report.job === 'failingForThisTenant' && report.error === undefined).length).toBeGreaterThan(0);
    expect(forTenant(reports, tenant)).toEqual([expect.objectContaining({ affected: 3 })]);
    expect(await deletedIds(tenant)).toEqual([]);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it('ticks on its own once started, and stop() waits for the running tick', async () => {
    const tenant = await createLicensingTenant(t.services);
    await deletedUsers(tenant, 'timer', [0, 0, 0]);
    t.clock.set(at(31));
    let ticks = 0;
    const counter: Job = {
      name: 'counter',
      run: (ctx) => {
        if (ctx.tenantId === tenant.tenantId) {
          ticks += 1;
        }
        return Promise.resolve();
      },
    };
    const jobs = createJobRunner({ db: t.handle.db, clock: t.clock, jobs: [purgeDeletedUsers, counter], intervalMs: 20, chunkSize: 2 });
    jobs.start();
    await expect.poll(() => ticks, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await jobs.stop();
    const stoppedAt = ticks;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ticks).toBe(stoppedAt);
    expect(await deletedIds(tenant)).toEqual([]);
    await expect(jobs.runOnce()).rejects.toThrow(/stopped/);
  });

  it('gives timers and I/O a turn between chunks (PGlite runs every query on this thread)', async () => {
    const tenant = await createLicensingTenant(t.services);
    let fired = false;
    let chunks = 0;
    // Chunks until a timer set before the run has fired (at most 200): a request arriving during a
    // long job is I/O and waits for the event loop just as the timer does.
    const untilTimer: Job = {
      name: 'untilTimer',
      async run(ctx) {
        while (ctx.tenantId === tenant.tenantId && !fired && chunks < 200) {
          await ctx.transaction(async (_repos, trx) => {
            await sql`SELECT 1`.execute(trx);
            chunks += 1;
          });
        }
      },
    };
    const ran = runner([untilTimer]).runOnce();
    setTimeout(() => (fired = true), 1);
    await ran;
    expect({ fired, capped: chunks === 200 }).toEqual({ fired: true, capped: false });
  });
});

describe.runIf(testEngine() === 'postgres')('job runner across processes on PostgreSQL', () => {
  /** A second pool on the same database: another Allot process. */
  const otherProcess = async () => {
    const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(t.handle.db);
    return openDatabase({ engine: 'postgres', url: adminUrl(rows[0]?.name), poolSize: 4 });
  };

  it('purges once when two processes run the same tick at the same time', async () => {
    const tenant = await createLicensingTenant(t.services);
    const users = await deletedUsers(tenant, 'race', Array.from({ length: 24 }, () => 0));
    const other = await otherProcess();
    try {
      t.clock.set(at(31));
      const [first, second] = await Promise.all([runner([purgeDeletedUsers], { chunkSize: 3 }).runOnce(), runner([purgeDeletedUsers], { chunkSize: 3, db: other.db }).runOnce()]);

      expect(affected(forTenant(first, tenant)) + affected(forTenant(second, tenant))).toBe(users.length);
      expect(await hardDeletes(tenant)).toHaveLength(users.length);
      expect(new Set((await hardDeletes(tenant)).map((row) => row.target_id)).size).toBe(users.length);
      expect(await deletedIds(tenant)).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('never runs chunks of two processes at the same time, and skips a tick while another process holds the lock', async () => {
    const tenant = await createLicensingTenant(t.services);
    let inFlight = 0;
    let maxInFlight = 0;
    const probe: Job = {
      name: 'probe',
      run: async (ctx) => {
        if (ctx.tenantId !== tenant.tenantId) {
          return;
        }
        for (let chunk = 0; chunk < 10; chunk += 1) {
          await ctx.transaction(async () => {
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 15));
            inFlight -= 1;
          });
          ctx.affect(1);
        }
      },
    };
    const other = await otherProcess();
    try {
      const [first, second] = await Promise.all([runner([probe]).runOnce(), runner([probe], { db: other.db }).runOnce()]);
      expect(maxInFlight).toBe(1);
      expect(forTenant([...first, ...second], tenant, 'probe').some((report) => report.abandoned === 'locked')).toBe(true);

      // Another process in the middle of a chunk: this tick gives up and changes nothing.
      await deletedUsers(tenant, 'held', [0, 0]);
      t.clock.set(at(31));
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const holder = other.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${sql.lit(JOB_LOCK_KEY)}::bigint)`.execute(trx);
        holding();
        await released;
      });
      await held;
      const blocked = await runner([purgeDeletedUsers]).runOnce();
      release();
      await holder;
      expect(blocked[0]?.abandoned).toBe('locked');
      expect(await deletedIds(tenant)).toHaveLength(2);

      expect(affected(forTenant(await runner([purgeDeletedUsers]).runOnce(), tenant))).toBe(2);
      expect(await deletedIds(tenant)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
