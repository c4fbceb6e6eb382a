import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { adminUrl, testEngine } from './engine.js';

/**
 * A fresh, migrated database for one test file (or one test): a clone of the run's template, on
 * the engine of the current vitest project. `close()` drops a PostgreSQL clone.
 */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<DatabaseHandle> {
  const template = inject('databaseTemplate');
  if (testEngine() === 'pglite') {
    return openDatabase({ engine: 'pglite', loadDataDir: new Blob([readFileSync(template)]) });
  }
  const name = `allot_test_${randomUUID().replaceAll('-', '')}`;
  const admin = await openDatabase({ engine: 'postgres', url: adminUrl(), poolSize: 1 });
  try {
    await sql.raw(`CREATE DATABASE ${name} TEMPLATE ${template}`).execute(admin.db);
  } finally {
    await admin.close();
  }
  const handle = await openDatabase({ engine: 'postgres', url: adminUrl(name), poolSize: options.poolSize ?? 10 });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const cleanup = await openDatabase({ engine: 'postgres', url: adminUrl(), poolSize: 1 });
      try {
        await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(cleanup.db);
      } finally {
        await cleanup.close();
      }
    },
  };
}
