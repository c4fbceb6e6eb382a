import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { openRuntime, type Runtime } from '../../../src/bootstrap.js';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/database.js';
import type { Database } from '../../../src/db/schema.js';
import type { DemoCredentials } from '../../../src/services/demo-tenant.js';
import { adminUrl } from '../../support/engine.js';
import { demoAppAuthorization, startAllotServer, type ServerProcess } from '../../support/server-process.js';

export type Engine = 'pglite' | 'postgres';

/** Why a PostgreSQL run is skipped, or undefined when it can run. */
export const POSTGRES_SKIP_REASON = process.env.TEST_DATABASE_URL === undefined ? 'TEST_DATABASE_URL is unset (e.g. postgres://postgres@127.0.0.1:5432/postgres)' : undefined;

/**
 * A database of its own for one reliability test, on either engine, and what `allot serve` needs to
 * use it. PGlite: a fresh ALLOT_DATA_DIR (one server at a time; `openRuntime` and `withDatabase`
 * need the server stopped, as the CLI does). PostgreSQL: a fresh database created from
 * TEST_DATABASE_URL and dropped by `dispose`; every server gets its own ALLOT_DATA_DIR.
 */
export interface TestDeployment {
  engine: Engine;
  /** Environment of an `allot serve` on this database (add PORT etc. through startAllotServer). */
  serverEnv(): Record<string, string>;
  /** Opens and migrates the database in this process, as the CLI does. */
  openRuntime(): Promise<Runtime>;
  /** Runs `work` on a connection of this process (opened and closed around it). */
  withDatabase<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

/** ALLOT_RELIABILITY_KEEP=1 keeps every database and data directory for inspection (their names are printed). */
const keep = process.env.ALLOT_RELIABILITY_KEEP === '1';

export async function createTestDeployment(engine: Engine, label: string): Promise<TestDeployment> {
  const directories: string[] = [];
  const newDirectory = (): string => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), `allot-${label}-`));
    directories.push(directory);
    return directory;
  };
  const removeDirectories = () => {
    if (keep) {
      console.info(`ALLOT_RELIABILITY_KEEP: kept ${directories.join(', ')}`);
      return;
    }
    for (const directory of directories) {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  };
  if (engine === 'pglite') {
    const dataDir = newDirectory();
    const open = () => openRuntime(loadConfig({ ALLOT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
    return {
      engine,
      serverEnv: () => ({ ALLOT_DATA_DIR: dataDir }),
      openRuntime: open,
      withDatabase: async (work) => {
        const runtime = await open();
        try {
          return await work(runtime.handle.db);
        } finally {
          await runtime.close();
        }
      },
      dispose: () => Promise.resolve(removeDirectories()),
    };
  }
  const name = `allot_${label.replaceAll('-', '_')}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = await openDatabase({ engine: 'postgres', url: adminUrl(), poolSize: 1 });
  try {
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
  } finally {
    await admin.close();
  }
  const url = adminUrl(name);
  return {
    engine,
    serverEnv: () => ({ DATABASE_URL: url, ALLOT_DATA_DIR: newDirectory() }),
    openRuntime: () => openRuntime(loadConfig({ DATABASE_URL: url, ALLOT_DATA_DIR: newDirectory(), LOG_LEVEL: 'silent' })),
    withDatabase: async (work) => {
      const handle = await openDatabase({ engine: 'postgres', url, poolSize: 2 });
      try {
        return await work(handle.db);
      } finally {
        await handle.close();
      }
    },
    dispose: async () => {
      if (keep) {
        console.info(`ALLOT_RELIABILITY_KEEP: kept database ${url}`);
        removeDirectories();
        return;
      }
      const cleanup = await openDatabase({ engine: 'postgres', url: adminUrl(), poolSize: 1 });
      try {
        await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(cleanup.db);
      } finally {
        await cleanup.close();
        removeDirectories();
      }
    },
  };
}

/** A started `allot serve` on a deployment, with a bearer token of the tenant's app. */
export interface RunningServer {
  server: ServerProcess;
  authorization: string;
}

/**
 * Starts `allot serve` on the deployment (its output kept for failure messages) and gets a token
 * of `tenant`'s app from it. The child is added to `spawned` for the file's afterAll to kill.
 */
export async function startServerOn(
  deployment: TestDeployment,
  tenant: { tenantId: string; app: DemoCredentials['app'] },
  env: Record<string, string>,
  spawned: ChildProcess[],
): Promise<RunningServer> {
  const server = await startAllotServer({ ...deployment.serverEnv(), ...env }, spawned, 120_000);
  return { server, authorization: await demoAppAuthorization(server.url, tenant) };
}
