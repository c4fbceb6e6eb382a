/**
 * `npm run bench`: Allot's speed as ratios against baselines measured in the same run (see
 * bench/README.md). Starts a real listening server in-process on a fresh database, generates a
 * large tenant, measures, writes bench/results/latest.json and prints a table.
 *
 *   ALLOT_BENCH_DATABASE_URL  PostgreSQL server to use (a fresh database is created and dropped);
 *                             unset = embedded PGlite in a temporary directory
 *   ALLOT_BENCH_USERS         users in the generated tenant (default 1,000,000 on PostgreSQL, 100,000 on PGlite)
 */
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../src/config.js';
import { APP_PERMISSIONS } from '../src/domain/authorization.js';
import type { Database } from '../src/db/schema.js';
import { systemClock } from '../src/domain/clock.js';
import type { RequestContext } from '../src/domain/context.js';
import { randomIds } from '../src/domain/ids.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Services } from '../src/services/index.js';
import { DEFAULT_CHUNK_SIZE, generateLargeTenant, LARGE_TENANT_SKUS } from '../src/services/large-tenant.js';
import { ENGINE, fmt, type Measurement, percentile, positiveInteger, provisionDatabase, report, seconds, timed } from './support.js';

const USERS = positiveInteger('ALLOT_BENCH_USERS', ENGINE === 'postgres' ? 1_000_000 : 100_000);
/** Metric A: requests in flight at once, and requests measured per side (HTTP, direct). */
const CONCURRENCY = 16;
const ASSIGN_REQUESTS = 2_000;
const ASSIGN_WARMUP = 100;
/** Metric B: sequential requests timed one by one. */
const LATENCY_REQUESTS = 200;
const LATENCY_WARMUP = 20;
const BENCH_DOMAIN = 'benchcorp.onmicrosoft.com';
/** Metric A gives each user one of these, in turn (the SKU row lock is per SKU). */
const ROTATION = [LARGE_TENANT_SKUS.e3, LARGE_TENANT_SKUS.entraP2, LARGE_TENANT_SKUS.businessPremium, LARGE_TENANT_SKUS.e5];

const resultsFile = fileURLToPath(new URL('./results/latest.json', import.meta.url));

/** Runs `count` tasks with at most `concurrency` in flight; returns the elapsed milliseconds. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return performance.now() - started;
}

/** Baseline of the generator: plain INSERT … SELECT generate_series rows (uuid key + text), same chunks. */
async function bareInsertRate(db: Kysely<Database>, rows: number): Promise<number> {
  await sql`CREATE TABLE bench_bare_insert (id uuid PRIMARY KEY, name text NOT NULL)`.execute(db);
  try {
    const { ms } = await timed(async () => {
      for (let first = 1; first <= rows; first += DEFAULT_CHUNK_SIZE) {
        const last = Math.min(rows, first + DEFAULT_CHUNK_SIZE - 1);
        await sql`INSERT INTO bench_bare_insert SELECT md5(g::text)::uuid, 'user ' || g FROM generate_series(${first}::int, ${last}::int) AS g`.execute(db);
      }
    });
    return rows / (ms / 1000);
  } finally {
    await sql`DROP TABLE bench_bare_insert`.execute(db);
  }
}

async function generate(server: RunningServer): Promise<{ tenantId: string; measurement: Measurement }> {
  const { db } = server.runtime.handle;
  const bare = await bareInsertRate(db, USERS);
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'Generating users [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(USERS, 0);
  let generated;
  try {
    generated = await generateLargeTenant(server.runtime.services, { db, clock: systemClock, ids: randomIds }, {
      users: USERS,
      domain: BENCH_DOMAIN,
      displayName: 'BenchCorp',
      onProgress: ({ usersDone }) => bar.update(usersDone),
    });
  } finally {
    bar.stop();
  }
  const rate = generated.usersCreated / (generated.elapsedMs / 1000);
  return {
    tenantId: generated.tenant.tenantId,
    measurement: {
      metric: 'large-tenant generator throughput',
      value: rate,
      unit: 'users/s',
      baseline: bare,
      baselineLabel: 'bare INSERT…SELECT generate_series (uuid PK + text), rows/s',
      notes:
        `${fmt(generated.usersCreated)} users, ${fmt(generated.licensesAssigned)} licenses, ${generated.chunks} chunks of ${fmt(DEFAULT_CHUNK_SIZE)}, ` +
        `${seconds(generated.elapsedMs)} (incl. ANALYZE); node ${process.version}`,
    },
  };
}

const benchContext = (tenantId: string): RequestContext => ({ tenantId, principal: { kind: 'system', id: 'bench', displayName: 'Bench' }, requestId: 'bench', clientAddress: null });

/** A bearer token of an app holding every permission, fetched from the server's token endpoint as a client would. */
async function bearerHeader(server: RunningServer, tenantId: string): Promise<string> {
  const { services } = server.runtime;
  const app = await services.apps.create(benchContext(tenantId), { displayName: 'Bench client', permissions: [...APP_PERMISSIONS] });
  const secret = await services.apps.addSecret(benchContext(tenantId), app.appId, {});
  const response = await fetch(`${server.url}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.appId, client_secret: secret.secretText, scope: 'https://graph.microsoft.com/.default' }),
  });
  if (response.status !== 200) {
    throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
  }
  return `Bearer ${((await response.json()) as { access_token: string }).access_token}`;
}

/** Metric B: GET /v1.0/subscribedSkus latency vs SELECT 1 over the app's own database handle, interleaved. */
async function subscribedSkusLatency(server: RunningServer, tenantId: string, authorization: string): Promise<Measurement[]> {
  const { db } = server.runtime.handle;
  const get = async () => {
    const response = await fetch(`${server.url}/v1.0/subscribedSkus`, { headers: { authorization } });
    const body = await response.text();
    if (response.status !== 200) {
      throw new Error(`GET /v1.0/subscribedSkus answered ${response.status}: ${body.slice(0, 300)}`);
    }
  };
  const selectOne = async () => {
    await sql`SELECT 1`.execute(db);
  };
  for (let index = 0; index < LATENCY_WARMUP; index += 1) {
    await get();
    await selectOne();
  }
  const http: number[] = [];
  const baseline: number[] = [];
  for (let index = 0; index < LATENCY_REQUESTS; index += 1) {
    http.push((await timed(get)).ms);
    baseline.push((await timed(selectOne)).ms);
  }
  const notes = `${LATENCY_REQUESTS} sequential requests on a ${fmt(USERS)}-user tenant, interleaved with the baseline; ${LATENCY_WARMUP} warm-up each`;
  const baselineLabel = (p: string) => `SELECT 1 round-trip ${p} (same database handle)`;
  return [
    { metric: 'GET /v1.0/subscribedSkus p50', value: percentile(http, 50), unit: 'ms', baseline: percentile(baseline, 50), baselineLabel: baselineLabel('p50'), notes },
    { metric: 'GET /v1.0/subscribedSkus p99', value: percentile(http, 99), unit: 'ms', baseline: percentile(baseline, 99), baselineLabel: baselineLabel('p99'), notes },
  ];
}

/** Metric A: assignLicense over HTTP vs the same service call made directly, same concurrency. */
async function assignLicenseThroughput(server: RunningServer, tenantId: string, authorization: string): Promise<Measurement> {
  const { db } = server.runtime.handle;
  const services: Services = server.runtime.services;
  const wanted = 2 * (ASSIGN_REQUESTS + ASSIGN_WARMUP);
  const users = (
    await sql<{ user_id: string }>`
      SELECT user_id FROM directory_user u
      WHERE tenant_id = ${tenantId} AND deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM license_assignment a WHERE a.tenant_id = u.tenant_id AND a.user_id = u.user_id)
      ORDER BY user_id LIMIT ${wanted}`.execute(db)
  ).rows.map((row) => row.user_id);
  const requests = Math.min(ASSIGN_REQUESTS, Math.floor((users.length - 2 * ASSIGN_WARMUP) / 2));
  if (requests < CONCURRENCY) {
    throw new Error(`Only ${users.length} unlicensed users: raise ALLOT_BENCH_USERS (10% of generated users are unlicensed).`);
  }
  const context = benchContext(tenantId);
  // Enough free seats for every request, whatever the generator left.
  const perSku = Math.ceil((2 * (requests + ASSIGN_WARMUP)) / ROTATION.length) + 10;
  for (const view of await services.subscriptions.listSubscribedSkus(context)) {
    const free = view.prepaidUnits.enabled + view.prepaidUnits.warning - view.consumedUnits;
    const subscription = view.subscriptions.find((candidate) => candidate.channel === 'admin' && candidate.status === 'Enabled');
    if (ROTATION.includes(view.sku.skuId as (typeof ROTATION)[number]) && free < perSku && subscription) {
      await services.subscriptions.changeLicenseCount(context, subscription.subscriptionId, perSku - free);
    }
  }

  let cursor = 0;
  const nextUser = () => {
    const userId = users[cursor];
    cursor += 1;
    if (userId === undefined) {
      throw new Error('ran out of unlicensed users');
    }
    return { userId, skuId: ROTATION[cursor % ROTATION.length] as string };
  };
  const viaHttp = async () => {
    const { userId, skuId } = nextUser();
    const response = await fetch(`${server.url}/v1.0/users/${userId}/assignLicense`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] }),
    });
    const body = await response.text();
    if (response.status !== 200) {
      throw new Error(`assignLicense answered ${response.status}: ${body.slice(0, 300)}`);
    }
  };
  const direct = async () => {
    const { userId, skuId } = nextUser();
    await services.licensing.assignLicense(context, { userKey: userId, add: [{ skuId, disabledPlans: [] }], remove: [] });
  };

  await pool(ASSIGN_WARMUP, CONCURRENCY, direct);
  await pool(ASSIGN_WARMUP, CONCURRENCY, viaHttp);
  // A-B-B-A halves, so drift (a growing database, a warming JIT) falls on both sides equally.
  const half = Math.floor(requests / 2);
  const rest = requests - half;
  let directMs = await pool(half, CONCURRENCY, direct);
  let httpMs = await pool(half, CONCURRENCY, viaHttp);
  httpMs += await pool(rest, CONCURRENCY, viaHttp);
  directMs += await pool(rest, CONCURRENCY, direct);
  const httpRate = requests / (httpMs / 1000);
  const directRate = requests / (directMs / 1000);
  const poolSize = ENGINE === 'postgres' ? ', pg pool of 10 connections' : ', one embedded connection';
  return {
    metric: `assignLicense throughput over HTTP (concurrency ${CONCURRENCY})`,
    value: httpRate,
    unit: 'req/s',
    baseline: directRate,
    baselineLabel: `services.licensing.assignLicense called directly (no HTTP), concurrency ${CONCURRENCY}, req/s`,
    notes:
      `${fmt(requests)} requests per side (A-B-B-A halves, ${ASSIGN_WARMUP} warm-up each), each one SKU to a distinct unlicensed user of the ` +
      `${fmt(USERS)}-user tenant, SKUs in rotation; HTTP via fetch to the listening server in the same process${poolSize}`,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = await provisionDatabase();
  console.log(`Allot bench on ${database.label}: ${fmt(USERS)} users`);
  let server: RunningServer | undefined;
  // Ctrl-C: close the server's connections first (a dropped database's connections would error), then drop.
  const interrupted = () => {
    console.error('\nInterrupted: removing the bench database');
    void (async () => {
      await server?.stop().catch(() => undefined);
      await database.drop().catch((error: unknown) => console.error(error));
      process.exit(130);
    })();
  };
  process.once('SIGINT', interrupted);
  try {
    const running = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...database.env }));
    server = running;
    const { tenantId, measurement: generation } = await generate(running);
    console.log(`Generated: ${generation.notes}`);
    // Settle before measuring, so (auto)vacuum of the freshly loaded tables does not run during it.
    const settle = await timed(() =>
      sql`VACUUM (ANALYZE) directory_user, license_assignment, user_license, assignment_history, subscription, sku_seat`.execute(running.runtime.handle.db),
    );
    console.log(`VACUUM (ANALYZE) of the loaded tables: ${seconds(settle.ms)}`);
    const authorization = await bearerHeader(running, tenantId);
    const latency = await subscribedSkusLatency(running, tenantId, authorization);
    console.log('Measured GET /v1.0/subscribedSkus latency');
    const assign = await assignLicenseThroughput(running, tenantId, authorization);
    console.log('Measured assignLicense throughput');
    report([assign, ...latency, generation], resultsFile);
    console.log(`Total ${seconds(performance.now() - started)}`);
  } finally {
    process.off('SIGINT', interrupted);
    await server?.stop();
    await database.drop();
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
