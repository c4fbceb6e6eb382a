import path from 'node:path';
import { sql } from 'kysely';
import type { Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { randomIds } from './domain/ids.js';
import { acquireDataDirLock, type DataDirLock } from './db/data-dir-lock.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { loadMicrosoftCatalogue } from './db/microsoft-catalogue.loader.js';
import { INLINE_GROUP_LIMIT } from './services/group-licensing.service.js';
import { createServices, type ServiceDeps, type Services } from './services/index.js';
import { ensureAuditPartitions } from './services/jobs/audit-partitions.js';

/** An opened Allot: the database (migrated), its lock, and the services built on it. */
export interface Runtime {
  handle: DatabaseHandle;
  services: Services;
  /** What the services were built from (the job runner's jobs need it too). */
  deps: ServiceDeps;
  /** True when this start created the database (an empty embedded database: seed the demo). */
  isFreshDatabase: boolean;
  /** Audit log partitions created at start, months left in the default partition, or `busy` (logged by the server). */
  auditPartitions: { created: string[]; blocked: string[]; busy: boolean };
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

/** The composition root: the only place that sees config, database, services and clock together. */
export async function openRuntime(config: Config, options: { clock?: Clock } = {}): Promise<Runtime> {
  let lock: DataDirLock | undefined;
  let handle: DatabaseHandle;
  if (config.databaseUrl === undefined) {
    lock = acquireDataDirLock(config.dataDir);
    try {
      handle = await openDatabase({ engine: 'pglite', dataDir: path.join(config.dataDir, 'pglite') });
    } catch (error) {
      lock.release();
      throw error;
    }
  } else {
    handle = await openDatabase({ engine: 'postgres', url: config.databaseUrl });
  }
  try {
    const applied = await migrateToLatest(handle.db);
    const clock = options.clock ?? systemClock;
    const auditPartitions = await ensureAuditPartitions(handle.db, clock.now());
    const deps: ServiceDeps = {
      db: handle.db,
      clock,
      ids: randomIds,
      microsoftCatalogue: loadMicrosoftCatalogue(),
      groupInlineLimit: config.groupInlineLimit ?? INLINE_GROUP_LIMIT[handle.engine],
      webhookAllowPrivateNetworks: config.webhookAllowPrivateNetworks,
    };
    const services = createServices(deps);
    return {
      handle,
      services,
      deps,
      isFreshDatabase: applied.includes('0001-initial'),
      auditPartitions,
      isReady: async () => {
        await sql`SELECT 1`.execute(handle.db);
        return true;
      },
      close: async () => {
        try {
          await handle.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    await handle.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
}
