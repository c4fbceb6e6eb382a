/**
 * What the bench scripts share: environment parsing, a fresh database per run (created and dropped
 * by the script), timing helpers, child processes (`allot serve` and the bare baseline server),
 * autocannon runs, and the result table / JSON file every script writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { openDatabase, type DatabaseOptions, type Engine } from '../src/db/database.js';
import { freePort, isRunning, repoRoot } from '../tests/support/server-process.js';

/** A goal of issue 7: on the ratio (value / baseline) or on the value itself (in its unit). */
export interface Goal {
  of: 'ratio' | 'value';
  op: '<' | '<=' | '>=';
  target: number;
}

export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  baseline: number | null;
  baselineLabel: string;
  /** value / baseline: the number to compare between runs and machines. */
  ratio: number | null;
  /** "ratio ≤ 3", "value < 20 ms"; null when the metric has no goal. */
  goal: string | null;
  met: boolean | null;
  engine: Engine;
  machine: Machine;
  date: string;
  notes: string;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
}

export type Measurement = Omit<BenchResult, 'engine' | 'machine' | 'date' | 'ratio' | 'goal' | 'met'> & { goal?: Goal };

export const positiveInteger = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive whole number, not ${raw}`);
  }
  return value;
};

/** `ALLOT_BENCH_DATABASE_URL`: a PostgreSQL server to bench on; unset = embedded PGlite. */
export const ADMIN_URL = process.env.ALLOT_BENCH_DATABASE_URL || undefined;
export const ENGINE: Engine = ADMIN_URL === undefined ? 'pglite' : 'postgres';

export const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

export interface BenchDatabase {
  /** Environment for `loadConfig` (startServer). */
  env: Record<string, string>;
  /** What `openDatabase` needs to open the same database directly. */
  options: DatabaseOptions;
  label: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for the run: a new PostgreSQL database `<prefix>_<pid>_<time>` on the server of
 * ALLOT_BENCH_DATABASE_URL, or an empty PGlite directory. `drop()` removes it.
 */
export async function provisionDatabase(prefix = 'allot_bench'): Promise<BenchDatabase> {
  if (ADMIN_URL === undefined) {
    const directory = mkdtempSync(path.join(os.tmpdir(), `${prefix.replaceAll('_', '-')}-`));
    return {
      env: { ALLOT_DATA_DIR: directory },
      // The server opens ALLOT_DATA_DIR/pglite (bootstrap.ts); a direct open uses the same place.
      options: { engine: 'pglite', dataDir: path.join(directory, 'pglite') },
      label: `PGlite in ${directory}`,
      drop: () => {
        rmSync(directory, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const adminUrl = ADMIN_URL;
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = await openDatabase({ engine: 'postgres', url: adminUrl, poolSize: 1 });
  try {
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
  } finally {
    await admin.close();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { ALLOT_DATA_DIR: os.tmpdir(), DATABASE_URL: url.toString() },
    options: { engine: 'postgres', url: url.toString() },
    label: `PostgreSQL database ${name} on ${url.host}`,
    drop: async () => {
      const cleanup = await openDatabase({ engine: 'postgres', url: adminUrl, poolSize: 1 });
      try {
        // pg's pool.end() does not wait for its connections to close: a plain DROP waits (up to 5 s)
        // for those backends to exit, where FORCE would terminate them and their client would log it.
        await sql.raw(`DROP DATABASE IF EXISTS ${name}`).execute(cleanup.db);
      } catch {
        await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(cleanup.db);
      } finally {
        await cleanup.close();
      }
    },
  };
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  let distribution = '';
  try {
    distribution = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // Not Linux, or no os-release: the kernel below says enough.
  }
  const kernel = `${os.type()} ${os.release()} ${os.arch()}`;
  return { cpuModel: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memoryBytes: os.totalmem(), os: distribution === '' ? kernel : `${distribution} (${kernel})` };
}

const OPERATORS = { '<': '<', '<=': '≤', '>=': '≥' } as const;

/** "ratio ≤ 3" or "< 20 ms". */
export const goalLabel = (goal: Goal, unit: string): string =>
  goal.of === 'ratio' ? `ratio ${OPERATORS[goal.op]} ${goal.target}` : `${OPERATORS[goal.op]} ${fmt(goal.target)} ${unit}`;

function isMet(goal: Goal, value: number, ratio: number | null): boolean | null {
  const actual = goal.of === 'ratio' ? ratio : value;
  if (actual === null || !Number.isFinite(actual)) {
    return null;
  }
  return goal.op === '<' ? actual < goal.target : goal.op === '<=' ? actual <= goal.target : actual >= goal.target;
}

/** Prints rows as an aligned table (first column left-aligned, the others right-aligned). */
export function printTable(table: readonly (readonly string[])[]): void {
  const columns = Math.max(...table.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ');
  console.log(line(table[0] ?? []));
  console.log(widths.map((width) => '-'.repeat(width)).join('-|-'));
  for (const row of table.slice(1)) {
    console.log(line(row));
  }
}

const formatValue = (value: number, unit: string) => `${fmt(value, unit === 'ms' || value < 10 ? 2 : 0)} ${unit}`;

/**
 * Adds engine, machine, date, ratio and whether the goal is met to the measurements, writes them to
 * `file` as JSON and prints the table, then what each baseline is.
 */
export function report(measurements: readonly Measurement[], file: string): BenchResult[] {
  const machine = machineInfo();
  const date = new Date().toISOString();
  const results = measurements.map((measurement): BenchResult => {
    const ratio = measurement.baseline === null || measurement.baseline === 0 ? null : measurement.value / measurement.baseline;
    return {
      metric: measurement.metric,
      value: measurement.value,
      unit: measurement.unit,
      baseline: measurement.baseline,
      baselineLabel: measurement.baselineLabel,
      ratio,
      goal: measurement.goal === undefined ? null : goalLabel(measurement.goal, measurement.unit),
      met: measurement.goal === undefined ? null : isMet(measurement.goal, measurement.value, ratio),
      engine: ENGINE,
      machine,
      date,
      notes: measurement.notes,
    };
  });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  console.log(`\nengine ${ENGINE}; ${machine.cores} × ${machine.cpuModel}, ${fmt(machine.memoryBytes / 2 ** 30, 1)} GiB, ${machine.os}; ${date}`);
  printTable([
    ['metric', 'value', 'baseline', 'ratio', 'goal', 'met?'],
    ...results.map((result) => [
      result.metric,
      formatValue(result.value, result.unit),
      result.baseline === null ? '-' : formatValue(result.baseline, result.unit),
      result.ratio === null ? '-' : result.ratio.toFixed(3),
      result.goal ?? '-',
      result.met === null ? '-' : result.met ? 'yes' : 'NO',
    ]),
  ]);
  console.log('\nBaselines:');
  for (const result of results) {
    console.log(`  ${result.metric}: ${result.baselineLabel}`);
  }
  console.log(`\nWrote ${path.relative(process.cwd(), file)}`);
  return results;
}

// ---------------------------------------------------------------------------------------------
// Child processes: `allot serve` and the bare baseline server, each on its own free port.

export interface BenchChild {
  pid: number;
  url: string;
  /** From spawn until /readyz first answered 200, ms. */
  startupMs: number;
  /** VmRSS and VmHWM (peak) of the process from /proc/<pid>/status, bytes; undefined where there is no /proc. */
  memory(): { rss: number; peak: number } | undefined;
  /** The last lines it printed (for error messages). */
  output(): string;
  /** SIGTERM, then waits until it exited (SIGKILL after 30 s). */
  stop(): Promise<void>;
}

/** Children still running, with the promise of their closing. */
const running = new Map<ChildProcess, Promise<void>>();
// A bench that dies leaves no server behind (they would hold the database and its lock).
process.on('exit', () => {
  for (const child of running.keys()) {
    child.kill('SIGKILL');
  }
});

/** SIGTERM, then SIGKILL if it has not exited after 30 s; resolves once it closed. */
async function terminate(child: ChildProcess, closed: Promise<void>): Promise<void> {
  if (isRunning(child)) {
    child.kill('SIGTERM');
  }
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await closed;
  clearTimeout(killer);
}

/** Stops every child still running (Ctrl-C). */
export async function stopChildren(): Promise<void> {
  await Promise.all([...running].map(([child, closed]) => terminate(child, closed)));
}

/**
 * Runs `script` (a TypeScript file of this repository, through tsx, as `npm start` does) with
 * `args` on a free loopback port, with only `env` and the basics of this environment (so a
 * DATABASE_URL or LOG_LEVEL of the shell cannot change what is measured), and waits until its
 * /readyz answers 200, polling every 20 ms.
 */
export async function startChild(script: string, args: readonly string[], env: Record<string, string>, readyTimeoutMs = 180_000): Promise<BenchChild> {
  const port = await freePort();
  const basics = Object.fromEntries(['PATH', 'HOME', 'TMPDIR', 'LANG'].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { ...basics, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: string) => {
    tail = (tail + chunk).slice(-4_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      running.delete(child);
      resolve();
    }),
  );
  running.set(child, closed);
  const url = `http://127.0.0.1:${port}`;
  const deadline = started + readyTimeoutMs;
  for (;;) {
    if (!isRunning(child)) {
      throw new Error(`${script} exited before it was ready (code ${child.exitCode}, signal ${child.signalCode}):\n${tail}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) {
      break;
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} not ready after ${seconds(readyTimeoutMs)}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const startupMs = performance.now() - started;
  const pid = child.pid as number;
  return {
    pid,
    url,
    startupMs,
    memory: () => {
      let status: string;
      try {
        status = readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        return undefined;
      }
      const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
      return { rss: kilobytes('VmRSS'), peak: kilobytes('VmHWM') };
    },
    output: () => tail,
    stop: () => terminate(child, closed),
  };
}

// ---------------------------------------------------------------------------------------------
// Load generation: autocannon, with the bench's own clock and latency samples (autocannon's own
// histogram has whole milliseconds and its duration ends on its next one-second tick).

export interface LoadOptions {
  url: string;
  /** Concurrent connections, one request in flight on each. */
  connections: number;
  /** Stop after this many requests; else run for `durationSeconds`. */
  amount?: number;
  durationSeconds?: number;
  headers?: Record<string, string>;
  /** Sent in turn on every connection (setupRequest may make each one different). */
  requests: autocannon.Request[];
}

export interface LoadResult {
  /** 2xx responses. */
  ok: number;
  /** From the start until the last response, ms. */
  elapsedMs: number;
  /** ok / elapsed, per second. */
  rate: number;
  /** Response times of the 2xx responses, ms. */
  latencies: number[];
}

/** Runs autocannon; throws with the first answers when any request failed or was not 2xx. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const failures: string[] = [];
  const requests = options.requests.map(
    (request): autocannon.Request => ({
      ...request,
      onResponse: (status, body, context, headers) => {
        if ((status < 200 || status >= 300) && failures.length < 3) {
          failures.push(`${status} ${body.slice(0, 300)}`);
        }
        request.onResponse?.(status, body, context, headers);
      },
    }),
  );
  const latencies: number[] = [];
  let last = 0;
  const started = performance.now();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.durationSeconds ?? 10 } : { amount: options.amount }),
    timeout: 60,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    requests,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      latencies.push(responseTime);
    }
    last = performance.now();
  });
  const result = await instance;
  if (result.errors > 0 || result.non2xx > 0 || failures.length > 0) {
    throw new Error(
      `${options.url}: ${result.errors} connection errors (${result.timeouts} timeouts), ${result.non2xx} answers not 2xx` + (failures.length > 0 ? `; first: ${failures.join(' | ')}` : ''),
    );
  }
  const elapsedMs = last - started;
  return { ok: latencies.length, elapsedMs, rate: latencies.length / (elapsedMs / 1000), latencies };
}
