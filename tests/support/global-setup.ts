import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { adminUrl } from './engine.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** pglite: path of a migrated data-dir dump; postgres: name of the migrated template database. */
    databaseTemplate: string;
  }
}

/** Migrates one template per run; every test file then clones it (cheap) instead of migrating. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The project's `env` reaches test workers, not global setup: the project name says the engine.
  const engine = project.name === 'postgres' ? 'postgres' : 'pglite';
  if (engine === 'pglite') {
    const directory = mkdtempSync(path.join(tmpdir(), 'allot-template-'));
    const handle = await openDatabase({ engine: 'pglite' });
    await migrateToLatest(handle.db);
    const pglite = await dumpPglite(handle);
    const file = path.join(directory, 'template.tar');
    writeFileSync(file, pglite);
    await handle.close();
    project.provide('databaseTemplate', file);
    return () => {
      rmSync(directory, { recursive: true, force: true });
      return Promise.resolve();
    };
  }
  const template = `allot_template_${process.pid}`;
  const admin = await openDatabase({ engine: 'postgres', url: adminUrl(), poolSize: 1 });
  await sql.raw(`DROP DATABASE IF EXISTS ${template}`).execute(admin.db);
  await sql.raw(`CREATE DATABASE ${template}`).execute(admin.db);
  const handle = await openDatabase({ engine: 'postgres', url: adminUrl(template), poolSize: 1 });
  await migrateToLatest(handle.db);
  await handle.close();
  project.provide('databaseTemplate', template);
  return async () => {
    await sql.raw(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).execute(admin.db);
    await admin.close();
  };
}

async function dumpPglite(handle: Awaited<ReturnType<typeof openDatabase>>): Promise<Uint8Array> {
  const pglite = handle.pglite;
  if (!pglite) {
    throw new Error('expected an embedded database');
  }
  const dump = await pglite.dumpDataDir('none');
  return new Uint8Array(await dump.arrayBuffer());
}
