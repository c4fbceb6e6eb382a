/**
 * The baseline server of `npm run bench` (bench/README.md): a bare Fastify app (no plugins, no
 * logger, no authentication, no validation, no presentation) on the same database, opened as
 * `allot serve` opens it (the pg pool of 10 connections, or the embedded engine with its data
 * directory's lock), whose routes run the same repository SELECTs Allot's routes run for the data
 * they return. Started by bench/run.ts as a child process like `allot serve`, so both sides are
 * measured the same way (its start-up and memory are baselines too).
 *
 *   PORT, HOST, DATABASE_URL or ALLOT_DATA_DIR   as for `allot serve`
 *   ALLOT_BENCH_TENANT_ID                        the tenant the routes read
 */
import path from 'node:path';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { acquireDataDirLock } from '../src/db/data-dir-lock.js';
import { openDatabase } from '../src/db/database.js';
import { createAssignmentRepository } from '../src/db/repositories/assignment.repository.js';
import { createUserListRepository } from '../src/db/repositories/user-list.repository.js';
import { parseUserQuery } from '../src/domain/odata/user-query.js';

const tenantId = process.env.ALLOT_BENCH_TENANT_ID;
if (tenantId === undefined) {
  throw new Error('ALLOT_BENCH_TENANT_ID is required');
}
const config = loadConfig();
const lock = config.databaseUrl === undefined ? acquireDataDirLock(config.dataDir) : undefined;
const handle = await openDatabase(
  config.databaseUrl === undefined ? { engine: 'pglite', dataDir: path.join(config.dataDir, 'pglite') } : { engine: 'postgres', url: config.databaseUrl },
);
const { db } = handle;
const assignments = createAssignmentRepository(db, tenantId);
const userList = createUserListRepository(db, tenantId);

const app = Fastify();

// As Allot's /readyz: one round trip to the database.
app.get('/readyz', async () => {
  await sql`SELECT 1`.execute(db);
  return 'ok';
});

// GET /v1.0/users/{id}/licenseDetails reads the user's license assignments with this SELECT.
app.get<{ Params: { id: string } }>('/users/:id/licenseDetails', async (request) => ({ value: await assignments.listForUsers([request.params.id]) }));

// GET /v1.0/users?$filter=assignedLicenses/any(x:x/skuId eq {sku})&$top={top}: the page's SELECT;
// `after` is the last user id of the previous page (what Allot's $skiptoken carries).
app.get<{ Querystring: { sku: string; top: string; after?: string } }>('/users', async (request) => {
  const { sku, top, after } = request.query;
  const query = parseUserQuery({ filter: `assignedLicenses/any(x:x/skuId eq ${sku})`, top });
  const page = await userList.page({
    ...(query.filter ? { filter: query.filter } : {}),
    orderBy: query.orderBy,
    top: query.top,
    ...(after === undefined ? {} : { after: { keys: [], userId: after } }),
  });
  return { value: page.users, next: page.next?.userId ?? null };
});

await app.listen({ port: config.port, host: config.host });

const stop = () => {
  void (async () => {
    try {
      await app.close();
      await handle.close();
    } finally {
      lock?.release();
      process.exit(0);
    }
  })();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
