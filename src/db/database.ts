import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Engine = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: Engine;
  /** The embedded engine itself (tests dump it as a template); undefined on PostgreSQL. */
  pglite?: PGlite;
  /** Closes the pool or the embedded engine (flushing it to its directory). */
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { engine: 'postgres'; url: string; poolSize?: number }
  /** `dataDir` undefined = in memory; `loadDataDir` = start from a dump (tests clone a template). */
  | { engine: 'pglite'; dataDir?: string; loadDataDir?: Blob };

// int8 (count(*), identity ids) arrives as a string from pg; Allot's int8 values fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.engine === 'postgres') {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle client the server drops (restart, failover) emits 'error' on the pool; without a
    // listener Node would crash. The pool discards that client and connects anew on next use.
    pool.on('error', (error) => {
      process.emitWarning(`PostgreSQL connection lost: ${error.message}`);
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  // Loaded only for the embedded engine: a PostgreSQL server process saves its memory (about 40 MB) and load time.
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
    parsers: { 20: (value: string) => Number.parseInt(value, 10) },
  });
  // Kysely's own PGlite dialect serialises transactions behind PGlite's single connection
  // (shared/docs/stack.md: the kysely-pglite package does not, and over-assigns seats).
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    engine: 'pglite',
    pglite,
    close: async () => {
      await db.destroy();
      if (!pglite.closed) {
        await pglite.close();
      }
    },
  };
}

