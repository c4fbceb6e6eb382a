/**
 * What the bench scripts share: environment parsing, a fresh database per run (created and dropped
 * by the script), timing helpers and the result table / JSON file every script writes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type DatabaseOptions, type Engine } from '../src/db/database.js';

export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  baseline: number | null;
  baselineLabel: string;
  /** value / baseline: the number to compare between runs and machines. */
  ratio: number | null;
  engine: Engine;
  machine: { cpus: number; model: string; memory: number };
  date: string;
  notes: string;
}

export type Measurement = Omit<BenchResult, 'engine' | 'machine' | 'date' | 'ratio'>;

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

export function machineInfo(): BenchResult['machine'] {
  const cpus = os.cpus();
  return { cpus: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown', memory: os.totalmem() };
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

/** Adds engine, machine, date and ratio to the measurements, writes them to `file` as JSON and prints the table. */
export function report(measurements: readonly Measurement[], file: string): BenchResult[] {
  const machine = machineInfo();
  const date = new Date().toISOString();
  const results = measurements.map(
    (measurement): BenchResult => ({
      metric: measurement.metric,
      value: measurement.value,
      unit: measurement.unit,
      baseline: measurement.baseline,
      baselineLabel: measurement.baselineLabel,
      ratio: measurement.baseline === null || measurement.baseline === 0 ? null : measurement.value / measurement.baseline,
      engine: ENGINE,
      machine,
      date,
      notes: measurement.notes,
    }),
  );
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  console.log(`\nengine ${ENGINE}, ${machine.cpus} × ${machine.model}, ${fmt(machine.memory / 2 ** 30, 1)} GiB, ${date}`);
  printTable([
    ['metric', 'value', 'in-run baseline', 'ratio'],
    ...results.map((result) => [
      result.metric,
      `${fmt(result.value, result.unit === 'ms' ? 2 : 0)} ${result.unit}`,
      result.baseline === null ? '-' : `${fmt(result.baseline, result.unit === 'ms' ? 2 : 0)} ${result.unit}`,
      result.ratio === null ? '-' : result.ratio.toFixed(3),
    ]),
  ]);
  console.log(`\nWrote ${path.relative(process.cwd(), file)}`);
  return results;
}
