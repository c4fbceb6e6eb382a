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
import { Kysely, PGliteDialect, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { loadMicrosoftCatalogue } from '../src/db/microsoft-catalogue.loader.js';
import type { Database } from '../src/db/schema.js';
import { systemClock } from '../src/domain/clock.js';
import { randomIds } from '../src/domain/ids.js';
import { INLINE_GROUP_LIMIT } from '../src/services/group-licensing.service.js';
import { createServices } from '../src/services/index.js';
import { ensureAuditPartitions } from '../src/services/jobs/audit-partitions.js';
import {
  assignGroupLicense,
  baselineDelete,
  baselineInsert,
  createBaselineTable,
  type GroupFanOut,
  removeGroupLicense,
  settleGroupTables,
  setUpGroup,
  verifyGroup,
} from './group-fanout.js';
import { ENGINE, fmt, median, positiveInteger, printTable, provisionDatabase, report, seconds, timed, type Measurement } from './support.js';

const MEMBERS = positiveInteger('ALLOT_BENCH_GROUP_MEMBERS', 100_000);
const ROUNDS = positiveInteger('ALLOT_BENCH_GROUP_ROUNDS', 3);
const resultsFile = fileURLToPath(new URL('./results/group-licensing.json', import.meta.url));

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

interface Round {
  assignMs: number;
  removeMs: number;
  insertMs: number;
  deleteMs: number;
  assignSteps: Step[];
  removeSteps: Step[];
}

async function round(bench: GroupFanOut, recorder: StatementRecorder): Promise<Round> {
  const insertMs = await baselineInsert(bench);
  const assigned = await recorder.record(() => assignGroupLicense(bench));
  await verifyGroup(bench, true);
  const deleteMs = await baselineDelete(bench);
  const removed = await recorder.record(() => removeGroupLicense(bench));
  await verifyGroup(bench, false);
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

    const setup = await timed(() => setUpGroup(db as Kysely<Database>, services, MEMBERS));
    const bench = setup.result;
    console.log(`Set up: tenant, E3 subscription of ${fmt(Math.ceil((MEMBERS * 11) / 10))}, ${fmt(MEMBERS)} unlicensed users as members of one group, ANALYZE: ${seconds(setup.ms)}`);
    await createBaselineTable(db);

    const rounds: Round[] = [];
    for (let index = 0; index < ROUNDS; index += 1) {
      const settled = await settleGroupTables(db);
      const result = await round(bench, recorder);
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
        goal: { of: 'ratio', op: '<=', target: 3 },
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
