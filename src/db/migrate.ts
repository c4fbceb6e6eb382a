import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import * as initial from './migrations/0001-initial.js';
import * as identity from './migrations/0002-identity.js';
import * as groups from './migrations/0003-groups.js';
import * as lifecycle from './migrations/0004-lifecycle.js';

/**
 * Migrations are listed here explicitly (not read from disk) so the same list runs under tsx, in
 * tests and from any working directory. Append new ones; never edit a merged one.
 */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-identity': identity,
  '0003-groups': groups,
  '0004-lifecycle': lifecycle,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** Applies every pending migration; Kysely's advisory lock keeps concurrent starts safe. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Applies migrations up to and including `name` (tests of a migration over existing data). */
export async function migrateTo(db: Kysely<Database>, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) {
    throw new Error(`Migration to ${name} failed`, { cause: error });
  }
}
