import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditPartitionRepository, createAuditRepository } from '../../src/db/repositories/audit.repository.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { randomIds } from '../../src/domain/ids.js';
import { createJobRunner, JOB_LOCK_KEY } from '../../src/services/jobs/job-runner.js';
import { ensureAuditPartitions, maintainAuditPartitions } from '../../src/services/jobs/audit-partitions.js';
import { fixedClock } from '../../src/domain/clock.js';
import { adminUrl, testEngine } from '../support/engine.js';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase } from '../support/test-db.js';
import { testContext } from '../support/test-app.js';

/**
 * The audit log is partitioned by month: the job creates the coming months' partitions, retention
 * detaches and drops whole months (never single rows), and the database refuses to rewrite audit
 * rows (UPDATE, DELETE, TRUNCATE), on the partitioned table and on each partition.
 */
let handle: DatabaseHandle;
const tenantId = '7e4a0000-0000-4000-8000-000000000001';

beforeAll(async () => {
  handle = await createTestDatabase({ poolSize: 4 });
});
afterAll(async () => {
  await handle.close();
});

const partitions = () => createAuditPartitionRepository(handle.db);
const names = async () => (await partitions().listMonthly()).map((partition) => partition.name);

/** Writes one audit row at `at` (tenant id need not exist: audit_log has no foreign key). */
const writeAt = async (at: string, activity = 'Update user') => {
  await createAuditRepository(handle.db, tenantId).record(
    { ...testContext(tenantId), authorizedVia: 'User Administrator' },
    [{ category: 'UserManagement', activity, target: { type: 'User', id: randomIds(), name: 'someone' }, changes: [{ property: 'jobTitle', before: null, after: 'Auditor' }] }],
    new Date(at),
    randomIds,
  );
};

const deferred = () => {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

/** Which table each of this tenant's rows sits in, by time. */
const placement = async () =>
  (
    await sql<{ at: string; partition: string }>`
      SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS at, tableoid::regclass::text AS partition
      FROM audit_log WHERE tenant_id = ${tenantId} ORDER BY occurred_at`.execute(handle.db)
  ).rows;

describe(`audit log partitions on ${testEngine()}`, () => {
  it('creates the partitions of the current and the next months, once, with the actor authorization in the rows', async () => {
    expect(await partitions().ensureMonthlyPartitions(new Date('2030-01-15T12:00:00Z'), 2)).toEqual({
      created: ['audit_log_y2030m01', 'audit_log_y2030m02', 'audit_log_y2030m03'],
      blocked: [],
    });
    expect(await partitions().ensureMonthlyPartitions(new Date('2030-02-01T00:00:00Z'), 2)).toEqual({ created: ['audit_log_y2030m04'], blocked: [] });
    expect(await partitions().ensureMonthlyPartitions(new Date('2030-03-31T23:59:59Z'), 1)).toEqual({ created: [], blocked: [] });

    await writeAt('2030-01-01T00:00:00Z');
    await writeAt('2030-02-28T23:59:59.999Z');
    await writeAt('2030-03-01T00:00:00Z');
    expect(await placement()).toEqual([
      { at: '2030-01-01', partition: 'audit_log_y2030m01' },
      { at: '2030-02-28', partition: 'audit_log_y2030m02' },
      { at: '2030-03-01', partition: 'audit_log_y2030m03' },
    ]);
    const row = await handle.db.selectFrom('audit_log').select(['actor_type', 'actor_authorization']).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    expect(row).toEqual({ actor_type: 'system', actor_authorization: 'User Administrator' });
  });

  it('skips a month whose rows already sit in the default partition, and says so', async () => {
    await writeAt('2031-06-10T00:00:00Z');
    expect(await partitions().ensureMonthlyPartitions(new Date('2031-06-01T00:00:00Z'), 1)).toEqual({ created: ['audit_log_y2031m07'], blocked: ['audit_log_y2031m06'] });
    expect(await names()).not.toContain('audit_log_y2031m06');
    expect((await placement()).find((row) => row.at === '2031-06-10')).toEqual({ at: '2031-06-10', partition: 'audit_log_default' });
  });

  it('drops whole months before the cutoff and leaves newer months and their rows', async () => {
    await partitions().ensureMonthlyPartitions(new Date('2029-10-01T00:00:00Z'), 2);
    await writeAt('2029-10-05T00:00:00Z');
    await writeAt('2029-12-31T23:59:59Z');
    const before = await placement();

    expect(await partitions().dropPartitionsBefore(new Date('2030-01-20T00:00:00Z'))).toEqual(['audit_log_y2029m10', 'audit_log_y2029m11', 'audit_log_y2029m12']);

    expect(await names()).toEqual(['audit_log_y2030m01', 'audit_log_y2030m02', 'audit_log_y2030m03', 'audit_log_y2030m04', 'audit_log_y2031m07']);
    expect(await placement()).toEqual(before.filter((row) => !row.at.startsWith('2029')));
    // The default partition is never dropped, whatever its rows' age.
    expect(await partitions().dropPartitionsBefore(new Date('2040-01-01T00:00:00Z'))).toHaveLength(5);
    expect(await placement()).toEqual([{ at: '2031-06-10', partition: 'audit_log_default' }]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows, through the parent and on each partition', async () => {
    await partitions().ensureMonthlyPartitions(new Date('2032-03-01T00:00:00Z'), 0);
    await writeAt('2032-03-02T00:00:00Z', 'Delete user');
    const refused = [
      sql`UPDATE audit_log SET activity = 'Nothing happened' WHERE tenant_id = ${tenantId}`,
      sql`DELETE FROM audit_log WHERE tenant_id = ${tenantId}`,
      sql`TRUNCATE audit_log`,
      sql`UPDATE audit_log_y2032m03 SET activity = 'Nothing happened'`,
      sql`DELETE FROM audit_log_y2032m03`,
      sql`TRUNCATE audit_log_y2032m03`,
      sql`UPDATE audit_log_default SET activity = 'Nothing happened'`,
      sql`DELETE FROM audit_log_default`,
      sql`TRUNCATE audit_log_default`,
    ];
    for (const statement of refused) {
      await expect(statement.execute(handle.db)).rejects.toThrow(/append-only/);
    }
    expect((await placement()).map((row) => row.at)).toEqual(['2031-06-10', '2032-03-02']);
    const activities = await handle.db.selectFrom('audit_log').select('activity').where('tenant_id', '=', tenantId).orderBy('occurred_at').execute();
    expect(activities.map((row) => row.activity)).toEqual(['Update user', 'Delete user']);
  });
});

describe(`audit partition job on ${testEngine()}`, () => {
  const clock = fixedClock(new Date('2033-05-10T08:00:00Z'));
  const runner = (retentionMonths: number, db = handle.db) =>
    createJobRunner({ db, clock, jobs: [], deploymentJobs: [maintainAuditPartitions(retentionMonths)], intervalMs: 60_000 });

  it('creates the coming months and drops those past the retention, once per tick; a dry run changes nothing', async () => {
    await partitions().ensureMonthlyPartitions(new Date('2031-03-01T00:00:00Z'), 2);
    await writeAt('2031-04-03T00:00:00Z');
    await writeAt('2031-05-01T00:00:00Z');
    const dryRun = await runner(24).runOnce(undefined, { apply: false });
    expect(dryRun).toEqual([
      {
        job: 'maintainAuditPartitions',
        tenantId: null,
        affected: 5,
        items: ['create audit_log_y2033m05', 'create audit_log_y2033m06', 'create audit_log_y2033m07', 'drop audit_log_y2031m03', 'drop audit_log_y2031m04'],
      },
    ]);
    expect(await names()).not.toContain('audit_log_y2033m05');

    // Retention 24: May 2031 and later stay (every entry is kept at least 24 whole months).
    const [report] = await runner(24).runOnce();
    expect(report).toMatchObject({ tenantId: null, affected: 5, items: ['created audit_log_y2033m05', 'created audit_log_y2033m06', 'created audit_log_y2033m07', 'dropped audit_log_y2031m03', 'dropped audit_log_y2031m04'] });
    expect(await names()).toEqual(['audit_log_y2031m05', 'audit_log_y2032m03', 'audit_log_y2033m05', 'audit_log_y2033m06', 'audit_log_y2033m07']);
    expect((await placement()).map((row) => row.at)).toEqual(['2031-05-01', '2031-06-10', '2032-03-02']);
    expect((await runner(24).runOnce())[0]).toMatchObject({ affected: 0, items: [] });

    // 0 keeps everything.
    clock.set(new Date('2040-01-01T00:00:00Z'));
    const [keepAll] = await runner(0).runOnce();
    expect(keepAll?.items).toEqual(['created audit_log_y2040m01', 'created audit_log_y2040m02', 'created audit_log_y2040m03']);
    expect(await names()).toContain('audit_log_y2031m05');
  });

  it('leaves a month whose rows sit in the default partition there, and warns about it once', async () => {
    await writeAt('2037-04-02T00:00:00Z');
    clock.set(new Date('2037-04-15T00:00:00Z'));
    const warnings: unknown[] = [];
    const jobs = createJobRunner({
      db: handle.db,
      clock,
      jobs: [],
      deploymentJobs: [maintainAuditPartitions(0)],
      intervalMs: 60_000,
      logger: { info: () => undefined, warn: (fields) => warnings.push(fields), error: () => undefined },
    });
    expect((await jobs.runOnce())[0]).toMatchObject({ affected: 2, items: ['created audit_log_y2037m05', 'created audit_log_y2037m06'] });
    const [again] = await jobs.runOnce();
    expect(again?.affected).toBe(0);
    expect(again?.error).toBeUndefined();
    expect(warnings).toEqual([{ partitions: ['audit_log_y2037m04'] }]);
  });

  it('at startup creates the partitions under the job lock', async () => {
    expect(await ensureAuditPartitions(handle.db, new Date('2034-08-31T23:00:00Z'))).toEqual({
      created: ['audit_log_y2034m08', 'audit_log_y2034m09', 'audit_log_y2034m10'],
      blocked: [],
      busy: false,
    });
  });

  it.runIf(testEngine() === 'postgres')('gives up after the lock timeout while the audit log is in use, instead of queueing writers behind it', async () => {
    const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(handle.db);
    const other = await openDatabase({ engine: 'postgres', url: adminUrl(rows[0]?.name), poolSize: 1 });
    try {
      const { promise: held, resolve: release } = deferred();
      const { promise: holding, resolve: locked } = deferred();
      // A long reader of the default partition (attaching a partition must check it).
      const reader = other.db.transaction().execute(async (trx) => {
        await sql`SELECT count(*) FROM audit_log_default`.execute(trx);
        locked();
        await held;
      });
      await holding;
      expect(await ensureAuditPartitions(handle.db, new Date('2035-02-01T00:00:00Z'))).toEqual({ created: [], blocked: [], busy: true });
      release();
      await reader;
      expect((await ensureAuditPartitions(handle.db, new Date('2035-02-01T00:00:00Z'))).created).toHaveLength(3);
    } finally {
      await other.close();
    }
  });

  it.runIf(testEngine() === 'postgres')('abandons the tick while another process holds the job lock', async () => {
    const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(handle.db);
    const other = await openDatabase({ engine: 'postgres', url: adminUrl(rows[0]?.name), poolSize: 1 });
    try {
      clock.set(new Date('2036-01-01T00:00:00Z'));
      const { promise: held, resolve: release } = deferred();
      const { promise: holding, resolve: locked } = deferred();
      const holder = other.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${sql.lit(JOB_LOCK_KEY)}::bigint)`.execute(trx);
        locked();
        await held;
      });
      await holding;
      expect(await runner(24).runOnce()).toEqual([expect.objectContaining({ job: 'maintainAuditPartitions', abandoned: 'locked', affected: 0 })]);
      expect(await names()).not.toContain('audit_log_y2036m01');
      release();
      await holder;
      expect((await runner(24).runOnce())[0]?.items).toContain('created audit_log_y2036m01');
    } finally {
      await other.close();
    }
  });
});
