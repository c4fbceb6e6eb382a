/**
 * `npm run bench:groups`: licensing a generated N-member group (Graph's group assignLicense,
 * `services.groupLicensing.assignLicense`) and removing the license again, each timed against a
 * plain INSERT … SELECT (and DELETE) of the same N rows measured in the same run (see
 * bench/README.md). Runs on a fresh database that it drops at the end, also on Ctrl-C.
 *
 *   ALLOT_BENCH_DATABASE_URL     PostgreSQL server to use (a fresh database is created and dropped);
 *                                unset = embedded PGlite in a temporary directory
 *   ALLOT_BENCH_GROUP_MEMBERS    members of the group (default 100,000)
 *   ALLOT_BENCH_GROUP_ROUNDS     assign + remove rounds, each after a VACUUM (ANALYZE) (default 3)
 */
import { fileURLToPath } from 'node:url';
import { Kysely, PGliteDialect, PostgresDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { loadMicrosoftCatalogue } from '../src/db/microsoft-catalogue.loader.js';
import { createBulkSeedRepository } from '../src/db/repositories/bulk-seed.repository.js';
import type { Database } from '../src/db/schema.js';
import { systemClock } from '../src/domain/clock.js';
import type { RequestContext } from '../src/domain/context.js';
import { randomIds } from '../src/domain/ids.js';
import { INLINE_GROUP_LIMIT } from '../src/services/group-licensing.service.js';
import { createServices, type Services } from '../src/services/index.js';
import { ensureAuditPartitions } from '../src/services/jobs/audit-partitions.js';
import { LARGE_TENANT_SKUS } from '../src/services/large-tenant.js';
import { ENGINE, fmt, median, positiveInteger, printTable, provisionDatabase, report, seconds, timed, type Measurement } from './support.js';

const MEMBERS = positiveInteger('ALLOT_BENCH_GROUP_MEMBERS', 100_000);
const ROUNDS = positiveInteger('ALLOT_BENCH_GROUP_ROUNDS', 3);
const E3 = LARGE_TENANT_SKUS.e3;
const DOMAIN = 'groupbench.onmicrosoft.com';
const CHUNK = 50_000;
const resultsFile = fileURLToPath(new URL('./results/group-licensing.json', import.meta.url));

const principal = { kind: 'system' as const, id: 'bench', displayName: 'Bench' };

// ---------------------------------------------------------------------------------------------
// Statement timings: every query the services run goes through Kysely's log hook, so a measured
// call splits into time in the driver per statement (server, protocol, row parsing) and the time
// between statements (JavaScript: planning, building parameters, mapping rows).

interface Step {
  label: string;
  kind: 'sql' | 'js';
  ms: number;
}

class StatementRecorder {
  private events: { sql: string; startedAt: number; ms: number }[] = [];
  private recording = false;

  readonly log = (event: LogEvent): void => {
    if (this.recording) {
      const ms = event.queryDurationMillis;
      this.events.push({ sql: event.query.sql, startedAt: performance.now() - ms, ms });
    }
  };

  /** Runs `work` recording its statements; returns its result, wall time and the steps in order. */
  async record<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; steps: Step[] }> {
    this.events = [];
    this.recording = true;
    const started = performance.now();
    try {
      const result = await work();
      const ended = performance.now();
      const steps: Step[] = [];
      let cursor = started;
      for (const event of this.events) {
        const label = statementLabel(event.sql);
        if (event.startedAt - cursor > 0.05) {
          steps.push({ label: `before ${label}`, kind: 'js', ms: event.startedAt - cursor });
        }
        steps.push({ label, kind: 'sql', ms: event.ms });
        cursor = event.startedAt + event.ms;
      }
      steps.push({ label: 'after the last statement', kind: 'js', ms: ended - cursor });
      return { result, ms: ended - started, steps };
    } finally {
      this.recording = false;
    }
  }
}

/** "select license_assignment", "insert user_license", "update directory_user", "… for update". */
function statementLabel(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const lower = flat.toLowerCase();
  const table = (pattern: RegExp) => pattern.exec(lower)?.[1]?.replaceAll('"', '') ?? '?';
  let label: string;
  if (/^(begin|commit|rollback)/.test(lower)) {
    label = lower.split(' ')[0] ?? lower;
  } else if (lower.startsWith('insert')) {
    label = `insert ${table(/^insert into ("?\w+"?)/)}`;
  } else if (lower.startsWith('update')) {
    label = `update ${table(/^update ("?\w+"?)/)}`;
  } else if (lower.startsWith('delete')) {
    label = `delete ${table(/^delete from ("?\w+"?)/)}`;
  } else if (lower.startsWith('select') || lower.startsWith('with')) {
    label = `select ${table(/ from ("?\w+"?)/)}`;
  } else {
    label = flat.slice(0, 40);
  }
  if (/ for update$/.test(lower)) {
    label += ' for update';
  } else if (/ for (no key )?share$/.test(lower)) {
    label += ' for share';
  }
  return label;
}

/** The steps of a recorded call, statements numbered in order; the heaviest first. */
function printSteps(title: string, totalMs: number, steps: readonly Step[]): void {
  const sqlMs = steps.filter((step) => step.kind === 'sql').reduce((sum, step) => sum + step.ms, 0);
  console.log(`\n${title}: ${fmt(totalMs, 0)} ms = ${fmt(sqlMs, 0)} ms in ${steps.filter((step) => step.kind === 'sql').length} statements + ${fmt(totalMs - sqlMs, 0)} ms between them (JavaScript)`);
  const numbered = steps.map((step, index) => ({ ...step, index: index + 1 }));
  const heaviest = [...numbered].sort((a, b) => b.ms - a.ms).filter((step) => step.ms >= Math.max(1, totalMs * 0.01));
  printTable([['#', 'step', 'ms', 'share'], ...heaviest.map((step) => [String(step.index), step.kind === 'sql' ? step.label : `(js) ${step.label}`, fmt(step.ms, 1), `${((step.ms / totalMs) * 100).toFixed(1)}%`])]);
}

// ---------------------------------------------------------------------------------------------

interface Bench {
  db: Kysely<Database>;
  services: Services;
  recorder: StatementRecorder;
  context: RequestContext;
  groupId: string;
}

async function setUp(db: Kysely<Database>, services: Services, recorder: StatementRecorder): Promise<Bench> {
  const base = { principal, requestId: 'bench', clientAddress: null };
  const tenant = await services.tenants.createTenant(base, { displayName: 'GroupBench', domain: DOMAIN, defaultUsageLocation: 'NL' });
  const context: RequestContext = { ...base, tenantId: tenant.tenantId };
  await services.subscriptions.recordSubscription(context, { skuId: E3, totalLicenses: Math.ceil((MEMBERS * 11) / 10) });
  const bulk = createBulkSeedRepository(db, tenant.tenantId);
  const groupId = randomIds();
  const at = new Date(Date.UTC(2026, 0, 1));
  await bulk.insertGroup({ groupId, displayName: `All ${fmt(MEMBERS)} members`, mailNickname: 'allmembers', at });
  let created = 0;
  for (let first = 1; first <= MEMBERS; first += CHUNK) {
    created += await bulk.insertUnlicensedMembers({ groupId, first, last: Math.min(MEMBERS, first + CHUNK - 1), domain: DOMAIN, usageLocation: 'NL', at });
  }
  if (created !== MEMBERS) {
    throw new Error(`created ${created} members, expected ${MEMBERS}`);
  }
  await bulk.analyze();
  await bulk.analyzeGroups();
  return { db, services, recorder, context, groupId };
}

/** A scratch table shaped like license_assignment (same columns and primary key, no other index or foreign key). */
async function createBaselineTable(db: Kysely<Database>): Promise<void> {
  await sql`CREATE TABLE bench_group_baseline (
      tenant_id uuid NOT NULL, user_id uuid NOT NULL, sku_id uuid NOT NULL, source_id uuid NOT NULL,
      disabled_plans uuid[] NOT NULL DEFAULT '{}', state text NOT NULL, error text,
      assigned_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, user_id, sku_id, source_id))`.execute(db);
}

async function baselineInsert(bench: Bench): Promise<number> {
  const { db, context, groupId } = bench;
  const { result, ms } = await timed(() =>
    sql`INSERT INTO bench_group_baseline (tenant_id, user_id, sku_id, source_id, disabled_plans, state, error, assigned_at, updated_at)
        SELECT m.tenant_id, m.member_id, ${E3}::uuid, m.group_id, '{}', 'Active', NULL, now(), now()
        FROM group_member m WHERE m.tenant_id = ${context.tenantId} AND m.group_id = ${groupId}`.execute(db),
  );
  if (Number(result.numAffectedRows) !== MEMBERS) {
    throw new Error(`baseline inserted ${String(result.numAffectedRows)} rows, expected ${MEMBERS}`);
  }
  return ms;
}

async function baselineDelete(bench: Bench): Promise<number> {
  const { db, context, groupId } = bench;
  const { result, ms } = await timed(() => sql`DELETE FROM bench_group_baseline WHERE tenant_id = ${context.tenantId} AND source_id = ${groupId}`.execute(db));
  if (Number(result.numAffectedRows) !== MEMBERS) {
    throw new Error(`baseline deleted ${String(result.numAffectedRows)} rows, expected ${MEMBERS}`);
  }
  return ms;
}

/** The group's rows and seats and the counters, as they must be after an assignment (`licensed`) or a removal. */
async function verify(bench: Bench, licensed: boolean): Promise<void> {
  const { db, context, groupId, services } = bench;
  const rows = await sql<{ state: string; count: number }>`
    SELECT state, count(*)::int AS count FROM license_assignment
    WHERE tenant_id = ${context.tenantId} AND source_id = ${groupId} GROUP BY state`.execute(db);
  const seats = await sql<{ count: number }>`SELECT count(*)::int AS count FROM user_license WHERE tenant_id = ${context.tenantId} AND sku_id = ${E3}`.execute(db);
  const active = rows.rows.find((row) => row.state === 'Active')?.count ?? 0;
  const other = rows.rows.filter((row) => row.state !== 'Active').reduce((sum, row) => sum + row.count, 0);
  const seatCount = seats.rows[0]?.count ?? 0;
  const expected = licensed ? MEMBERS : 0;
  const { mismatches } = await services.subscriptions.verifyCounters(context);
  if (active !== expected || other !== 0 || seatCount !== expected || mismatches.length > 0) {
    throw new Error(
      `after ${licensed ? 'assigning' : 'removing'}: ${active} Active rows and ${other} others of the group, ${seatCount} E3 seats (expected ${expected}); counter mismatches: ${mismatches.join('; ') || 'none'}`,
    );
  }
}

const settle = (db: Kysely<Database>) =>
  timed(() => sql`VACUUM (ANALYZE) directory_user, license_assignment, user_license, assignment_history, subscription, sku_seat, group_member, group_license, bench_group_baseline`.execute(db));

interface Round {
  assignMs: number;
  removeMs: number;
  insertMs: number;
  deleteMs: number;
  assignSteps: Step[];
  removeSteps: Step[];
}

async function round(bench: Bench): Promise<Round> {
  const { services, context, groupId, recorder } = bench;
  const insertMs = await baselineInsert(bench);
  const assigned = await recorder.record(() => services.groupLicensing.assignLicense(context, groupId, { add: [{ skuId: E3, disabledPlans: [] }], remove: [] }));
  if (assigned.result.processed !== MEMBERS || assigned.result.succeeded !== MEMBERS) {
    throw new Error(`assignLicense processed ${assigned.result.processed} and licensed ${assigned.result.succeeded} of ${MEMBERS} members${assigned.result.queued ? ' (queued for the job runner)' : ''}`);
  }
  await verify(bench, true);
  const deleteMs = await baselineDelete(bench);
  const removed = await recorder.record(() => services.groupLicensing.assignLicense(context, groupId, { add: [], remove: [E3] }));
  if (removed.result.queued) {
    throw new Error('removing the license was queued for the job runner instead of applied');
  }
  await verify(bench, false);
  return { assignMs: assigned.ms, removeMs: removed.ms, insertMs, deleteMs, assignSteps: assigned.steps, removeSteps: removed.steps };
}

/** The services on a Kysely of their own whose log hook feeds the recorder (same engine, same database). */
function instrumentedDatabase(handle: Awaited<ReturnType<typeof openDatabase>>, url: string | undefined, recorder: StatementRecorder): Kysely<Database> {
  if (handle.engine === 'pglite' && handle.pglite !== undefined) {
    return new Kysely<Database>({ dialect: new PGliteDialect({ pglite: handle.pglite }), log: recorder.log });
  }
  if (url === undefined) {
    throw new Error('no database URL');
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) }), log: recorder.log });
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = await provisionDatabase('allot_bench_groups');
  console.log(`Allot group licensing bench on ${database.label}: a group of ${fmt(MEMBERS)} members, ${ROUNDS} round(s)`);
  let handle: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let db: Kysely<Database> | undefined;
  const close = async () => {
    // PGlite: the instrumented Kysely owns the embedded engine too (destroy closes it); close both.
    await db?.destroy().catch(() => undefined);
    await handle?.close().catch(() => undefined);
  };
  const interrupted = () => {
    console.error('\nInterrupted: removing the bench database');
    void (async () => {
      await close();
      await database.drop().catch((error: unknown) => console.error(error));
      process.exit(130);
    })();
  };
  process.once('SIGINT', interrupted);
  try {
    handle = await openDatabase(database.options);
    await migrateToLatest(handle.db);
    await ensureAuditPartitions(handle.db, systemClock.now());
    const recorder = new StatementRecorder();
    db = instrumentedDatabase(handle, database.options.engine === 'postgres' ? database.options.url : undefined, recorder);
    // Measured in the request's transaction, as the server does up to its engine's limit; a larger
    // group is still applied inline here (the server would queue it for the chunked job).
    const inlineLimit = INLINE_GROUP_LIMIT[database.options.engine];
    if (MEMBERS > inlineLimit) {
      console.log(`Note: the server queues groups above ${fmt(inlineLimit)} members on ${ENGINE} for the job runner; this bench applies ${fmt(MEMBERS)} in one transaction`);
    }
    const services = createServices({ db, clock: systemClock, ids: randomIds, microsoftCatalogue: loadMicrosoftCatalogue(), groupInlineLimit: Math.max(MEMBERS, inlineLimit) });

    const setup = await timed(() => setUp(db as Kysely<Database>, services, recorder));
    const bench = setup.result;
    console.log(`Set up: tenant, E3 subscription of ${fmt(Math.ceil((MEMBERS * 11) / 10))}, ${fmt(MEMBERS)} unlicensed users as members of one group, ANALYZE: ${seconds(setup.ms)}`);
    await createBaselineTable(db);

    const rounds: Round[] = [];
    for (let index = 0; index < ROUNDS; index += 1) {
      const settled = await settle(db);
      const result = await round(bench);
      rounds.push(result);
      console.log(
        `Round ${index + 1}: assign ${fmt(result.assignMs)} ms (INSERT … SELECT ${fmt(result.insertMs)} ms), ` +
          `remove ${fmt(result.removeMs)} ms (DELETE ${fmt(result.deleteMs)} ms); VACUUM (ANALYZE) before it ${seconds(settled.ms)}`,
      );
    }
    const first = rounds[0] as Round;
    printSteps('Round 1 assign, by step', first.assignMs, first.assignSteps);
    printSteps('Round 1 remove, by step', first.removeMs, first.removeSteps);

    const list = (values: readonly number[]) => values.map((value) => fmt(value)).join(', ');
    const common = `${fmt(MEMBERS)} members, E3, one transaction; median of ${ROUNDS} round(s), each after a VACUUM (ANALYZE), baseline measured just before`;
    const measurements: Measurement[] = [
      {
        metric: `group assignLicense, ${fmt(MEMBERS)} members`,
        value: median(rounds.map((r) => r.assignMs)),
        unit: 'ms',
        baseline: median(rounds.map((r) => r.insertMs)),
        baselineLabel: `INSERT … SELECT of ${fmt(MEMBERS)} rows from group_member into a table shaped like license_assignment (primary key only), ms`,
        notes: `${common}; rounds ${list(rounds.map((r) => r.assignMs))} ms, baseline ${list(rounds.map((r) => r.insertMs))} ms`,
      },
      {
        metric: `group removeLicense, ${fmt(MEMBERS)} members`,
        value: median(rounds.map((r) => r.removeMs)),
        unit: 'ms',
        baseline: median(rounds.map((r) => r.deleteMs)),
        baselineLabel: `DELETE of the same ${fmt(MEMBERS)} rows from that table, ms`,
        notes: `${common}; rounds ${list(rounds.map((r) => r.removeMs))} ms, baseline ${list(rounds.map((r) => r.deleteMs))} ms`,
      },
    ];
    report(measurements, resultsFile);
    console.log(`Total ${seconds(performance.now() - started)} (engine ${ENGINE})`);
  } finally {
    process.off('SIGINT', interrupted);
    await close();
    await database.drop();
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
