/**
 * `npm run bench`: issue 7's metrics, each against a baseline measured in the same run (see
 * bench/README.md). On a fresh database it generates a large tenant and a large group in-process,
 * then measures the HTTP metrics on a real `allot serve` child process (autocannon as the load
 * generator) and their baselines on a bare Fastify child process on the same database, in the order
 * bare, allot, bare, so drift falls on both sides alike. Prints a table and writes
 * bench/results/latest.json.
 *
 *   ALLOT_BENCH_DATABASE_URL   PostgreSQL server to use (a fresh database is created and dropped);
 *                              unset = embedded PGlite in a temporary directory
 *   ALLOT_BENCH_USERS          users in the generated tenant (default 1,000,000 on PostgreSQL, 100,000 on PGlite)
 *   ALLOT_BENCH_GROUP_MEMBERS  members of the licensed group (default 100,000, at most ALLOT_BENCH_USERS)
 */
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { sql, type Kysely } from 'kysely';
import { openRuntime, type Runtime } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { createUserListRepository } from '../src/db/repositories/user-list.repository.js';
import type { Database } from '../src/db/schema.js';
import { APP_PERMISSIONS } from '../src/domain/authorization.js';
import { systemClock } from '../src/domain/clock.js';
import type { RequestContext } from '../src/domain/context.js';
import { randomIds } from '../src/domain/ids.js';
import { parseUserQuery } from '../src/domain/odata/user-query.js';
import { DEFAULT_CHUNK_SIZE, generateLargeTenant, LARGE_TENANT_SKUS } from '../src/services/large-tenant.js';
import { assignGroupLicense, baselineInsert, createBaselineTable, dropBaselineTable, settleGroupTables, setUpGroup, verifyGroup } from './group-fanout.js';
import {
  type BenchChild,
  ENGINE,
  fmt,
  load,
  type LoadResult,
  type Measurement,
  median,
  percentile,
  positiveInteger,
  provisionDatabase,
  report,
  seconds,
  startChild,
  stopChildren,
  timed,
} from './support.js';

const USERS = positiveInteger('ALLOT_BENCH_USERS', ENGINE === 'postgres' ? 1_000_000 : 100_000);
const GROUP_MEMBERS = positiveInteger('ALLOT_BENCH_GROUP_MEMBERS', Math.min(100_000, USERS));
const BENCH_DOMAIN = 'benchcorp.onmicrosoft.com';

/** Metric 2: requests in flight (autocannon connections; the direct side's concurrency). */
const ASSIGN_CONNECTIONS = 32;
/** Metric 2: measured requests per side (PGlite runs one transaction at a time), and warm-up requests per process. */
const ASSIGN_REQUESTS = ENGINE === 'postgres' ? 2_000 : 1_000;
const ASSIGN_WARMUP = 100;
/** Metric 2: each request gives one of these, in turn (the SKU row lock is per SKU). */
const ROTATION = [LARGE_TENANT_SKUS.e3, LARGE_TENANT_SKUS.entraP2, LARGE_TENANT_SKUS.businessPremium, LARGE_TENANT_SKUS.e5];
/** Graph's documented limit for license assignment: about 20 writes per second per app and tenant. */
const GRAPH_WRITE_CEILING = 20;

/** Metric 3: connections (= the server's pg pool size), seconds measured per side, warm-up seconds per process. */
const READ_CONNECTIONS = 10;
const READ_SECONDS = 10;
const READ_WARMUP_SECONDS = 2;
const READ_USERS = 1_000;

/** Metric 4: sequential requests (one connection) and warm-up. */
const LATENCY_REQUESTS = 300;
const LATENCY_WARMUP = 30;

/** Metric 5: the first page and this many nextLink pages, read in turn this many times per side (one connection). */
const NEXT_PAGES = 3;
const PAGE_ROUNDS = 40;
const PAGE_SIZE = 100;
const PAGE_SKU = LARGE_TENANT_SKUS.e3;

/** Metric 6: start-ups timed per side (median reported). */
const STARTUP_SAMPLES = 3;

const resultsFile = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const MB = 1_000_000;

const benchContext = (tenantId: string): RequestContext => ({ tenantId, principal: { kind: 'system', id: 'bench', displayName: 'Bench' }, requestId: 'bench', clientAddress: null });

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

/** Hands out list items in order; throws when they run out. */
function cursor<T>(items: readonly T[], what: string): () => T {
  let index = 0;
  return () => {
    const item = items[index];
    index += 1;
    if (item === undefined) {
      throw new Error(`ran out of ${what}`);
    }
    return item;
  };
}

// ---------------------------------------------------------------------------------------------
// In-process: generation, the group fan-out, the fixture, the direct baselines.

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

async function generate(runtime: Runtime): Promise<{ tenantId: string; measurement: Measurement }> {
  const { db } = runtime.handle;
  const bare = await bareInsertRate(db, USERS);
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'Generating users [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(USERS, 0);
  let generated;
  try {
    generated = await generateLargeTenant(runtime.services, { db, clock: systemClock, ids: randomIds }, {
      users: USERS,
      domain: BENCH_DOMAIN,
      displayName: 'BenchCorp',
      onProgress: ({ usersDone }) => bar.update(usersDone),
    });
  } finally {
    bar.stop();
  }
  return {
    tenantId: generated.tenant.tenantId,
    measurement: {
      metric: 'large-tenant generator throughput',
      value: generated.usersCreated / (generated.elapsedMs / 1000),
      unit: 'users/s',
      baseline: bare,
      baselineLabel: 'plain INSERT … SELECT generate_series (uuid primary key + text) in the same chunks, rows/s',
      notes:
        `${fmt(generated.usersCreated)} users, ${fmt(generated.licensesAssigned)} licenses, ${generated.chunks} chunks of ${fmt(DEFAULT_CHUNK_SIZE)}, ` +
        `${seconds(generated.elapsedMs)} (incl. ANALYZE); node ${process.version}`,
    },
  };
}

/** Metric 1: Graph's group assignLicense on a GROUP_MEMBERS-member group vs one INSERT … SELECT of as many rows. */
async function groupFanOut(runtime: Runtime): Promise<Measurement> {
  const { db } = runtime.handle;
  const setup = await timed(() => setUpGroup(db, runtime.services, GROUP_MEMBERS));
  const group = setup.result;
  await createBaselineTable(db);
  try {
    await settleGroupTables(db);
    const insertMs = await baselineInsert(group);
    const { ms } = await timed(() => assignGroupLicense(group));
    await verifyGroup(group, true);
    return {
      metric: `group assignLicense, ${fmt(GROUP_MEMBERS)} members`,
      value: ms,
      unit: 'ms',
      baseline: insertMs,
      baselineLabel: `one INSERT … SELECT of the ${fmt(GROUP_MEMBERS)} rows from group_member into a table shaped like license_assignment (primary key only), just before, ms`,
      goal: { of: 'ratio', op: '<=', target: 3 },
      notes:
        `services.groupLicensing.assignLicense adding E3 to a group of ${fmt(GROUP_MEMBERS)} unlicensed direct members (own tenant), one transaction, after a VACUUM (ANALYZE); ` +
        `set-up ${seconds(setup.ms)}; the per-statement view is npm run bench:groups`,
    };
  } finally {
    await dropBaselineTable(db);
  }
}

interface Fixture {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Distinct unlicensed users: direct warm-up + half, HTTP warm-up + all (+ spare), direct warm-up + rest. */
  directFirst: string[];
  http: string[];
  directSecond: string[];
  assignRequests: number;
  /** Licensed users, in random order (metric 3). */
  licensed: string[];
  /** Last user id of pages 1…NEXT_PAGES of metric 5's query (the bare route's `after`). */
  pageCursors: string[];
}

async function prepare(runtime: Runtime, tenantId: string): Promise<Fixture> {
  const { db } = runtime.handle;
  const { services } = runtime;
  const context = benchContext(tenantId);
  const app = await services.apps.create(context, { displayName: 'Bench client', permissions: [...APP_PERMISSIONS] });
  const secret = await services.apps.addSecret(context, app.appId, {});

  // autocannon builds each connection's next request before it knows it is done: keep spare users.
  const spare = 2 * ASSIGN_CONNECTIONS + 10;
  const unlicensed = (
    await sql<{ user_id: string }>`
      SELECT user_id FROM directory_user u
      WHERE tenant_id = ${tenantId} AND deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM license_assignment a WHERE a.tenant_id = u.tenant_id AND a.user_id = u.user_id)
      ORDER BY user_id LIMIT ${3 * ASSIGN_WARMUP + 2 * ASSIGN_REQUESTS + spare}`.execute(db)
  ).rows.map((row) => row.user_id);
  const assignRequests = Math.min(ASSIGN_REQUESTS, Math.floor((unlicensed.length - 3 * ASSIGN_WARMUP - spare) / 2));
  if (assignRequests < ASSIGN_CONNECTIONS) {
    throw new Error(`Only ${unlicensed.length} unlicensed users: raise ALLOT_BENCH_USERS (10% of generated users are unlicensed).`);
  }
  const half = Math.floor(assignRequests / 2);
  const directFirst = unlicensed.splice(0, ASSIGN_WARMUP + half);
  const directSecond = unlicensed.splice(0, ASSIGN_WARMUP + assignRequests - half);
  const http = unlicensed;

  // Enough free seats for every request, whatever the generator left.
  const perSku = Math.ceil((directFirst.length + directSecond.length + http.length) / ROTATION.length) + 10;
  for (const view of await services.subscriptions.listSubscribedSkus(context)) {
    const free = view.prepaidUnits.enabled + view.prepaidUnits.warning - view.consumedUnits;
    const subscription = view.subscriptions.find((candidate) => candidate.channel === 'admin' && candidate.status === 'Enabled');
    if (ROTATION.includes(view.sku.skuId as (typeof ROTATION)[number]) && free < perSku && subscription) {
      await services.subscriptions.changeLicenseCount(context, subscription.subscriptionId, perSku - free);
    }
  }

  const licensed = (
    await sql<{ user_id: string }>`
      SELECT user_id FROM directory_user u
      WHERE tenant_id = ${tenantId} AND deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM user_license l WHERE l.tenant_id = u.tenant_id AND l.user_id = u.user_id)
      ORDER BY random() LIMIT ${READ_USERS}`.execute(db)
  ).rows.map((row) => row.user_id);

  const query = parseUserQuery({ filter: `assignedLicenses/any(x:x/skuId eq ${PAGE_SKU})`, top: String(PAGE_SIZE) });
  const userList = createUserListRepository(db, tenantId);
  const pageCursors: string[] = [];
  for (let page = 0; page < NEXT_PAGES; page += 1) {
    const after = pageCursors.at(-1);
    const result = await userList.page({
      ...(query.filter ? { filter: query.filter } : {}),
      orderBy: query.orderBy,
      top: query.top,
      ...(after === undefined ? {} : { after: { keys: [], userId: after } }),
    });
    if (result.next === undefined) {
      throw new Error(`Only ${page + 1} page(s) of ${PAGE_SIZE} E3 holders: raise ALLOT_BENCH_USERS.`);
    }
    pageCursors.push(result.next.userId);
  }
  return { tenantId, clientId: app.appId, clientSecret: secret.secretText, directFirst, http, directSecond, assignRequests, licensed, pageCursors };
}

/** The baseline of metric 4: SELECT 1 round trips over the app's own kind of database handle, ms. */
async function selectOneLatencies(db: Kysely<Database>): Promise<number[]> {
  for (let index = 0; index < LATENCY_WARMUP; index += 1) {
    await sql`SELECT 1`.execute(db);
  }
  const samples: number[] = [];
  for (let index = 0; index < LATENCY_REQUESTS; index += 1) {
    samples.push((await timed(() => sql`SELECT 1`.execute(db))).ms);
  }
  return samples;
}

/** The direct side of metric 2: the service call, no HTTP, ASSIGN_CONNECTIONS in flight; warm-up first. Returns { requests, ms }. */
async function directAssign(runtime: Runtime, tenantId: string, users: readonly string[]): Promise<{ requests: number; ms: number }> {
  const context = benchContext(tenantId);
  const next = cursor(users, 'unlicensed users (direct)');
  let sent = 0;
  const task = async () => {
    const userId = next();
    const skuId = ROTATION[sent++ % ROTATION.length] as string;
    await runtime.services.licensing.assignLicense(context, { userKey: userId, add: [{ skuId, disabledPlans: [] }], remove: [] });
  };
  await pool(ASSIGN_WARMUP, ASSIGN_CONNECTIONS, task);
  const requests = users.length - ASSIGN_WARMUP;
  return { requests, ms: await pool(requests, ASSIGN_CONNECTIONS, task) };
}

// ---------------------------------------------------------------------------------------------
// Over HTTP, with autocannon: the same requests against `allot serve` and the bare server.

/** A bearer token of the bench app, from the server's token endpoint as a client would get it. */
async function bearerHeader(server: BenchChild, fixture: Fixture): Promise<string> {
  const response = await fetch(`${server.url}/${fixture.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: fixture.clientId, client_secret: fixture.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  if (response.status !== 200) {
    throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
  }
  return `Bearer ${((await response.json()) as { access_token: string }).access_token}`;
}

/** Metric 3's load: GET of one licensed user's licenses after another, READ_CONNECTIONS at once. */
async function readLicenseDetails(server: BenchChild, path: (userId: string) => string, licensed: readonly string[], durationSeconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  let index = 0;
  return load({
    url: server.url,
    connections: READ_CONNECTIONS,
    durationSeconds,
    headers,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path(licensed[index++ % licensed.length] as string) }) }],
  });
}

/** Metric 5's load: the given pages in turn, one connection; returns latencies in request order. */
const readPages = (server: BenchChild, paths: readonly string[], rounds: number, headers: Record<string, string> = {}): Promise<LoadResult> =>
  load({ url: server.url, connections: 1, amount: rounds * paths.length, headers, requests: paths.map((path) => ({ method: 'GET', path })) });

interface BareRun {
  licenseDetails: LoadResult;
  pages: LoadResult;
  startupMs: number;
  rssBytes: number | undefined;
}

/** One stint of the bare server: licenseDetails for `readSeconds`, then `pageRounds` rounds of pages. */
async function bareStint(env: Record<string, string>, fixture: Fixture, readSeconds: number, pageRounds: number): Promise<BareRun> {
  const bare = await startChild('bench/bare-server.ts', [], { ...env, ALLOT_BENCH_TENANT_ID: fixture.tenantId });
  try {
    const path = (userId: string) => `/users/${userId}/licenseDetails`;
    await readLicenseDetails(bare, path, fixture.licensed, READ_WARMUP_SECONDS);
    const licenseDetails = await readLicenseDetails(bare, path, fixture.licensed, readSeconds);
    const base = `/users?sku=${PAGE_SKU}&top=${PAGE_SIZE}`;
    const paths = [base, ...fixture.pageCursors.map((after) => `${base}&after=${after}`)];
    await readPages(bare, paths, 1);
    const pages = await readPages(bare, paths, pageRounds);
    return { licenseDetails, pages, startupMs: bare.startupMs, rssBytes: bare.memory()?.rss };
  } finally {
    await bare.stop();
  }
}

interface AllotRun {
  assign: LoadResult;
  licenseDetails: LoadResult;
  subscribedSkus: LoadResult;
  pages: LoadResult;
  startupMs: number;
  memory: { rss: number; peak: number } | undefined;
}

/** `allot serve` on the seeded database: every HTTP metric, then its memory. */
async function allotStint(env: Record<string, string>, fixture: Fixture): Promise<AllotRun> {
  const allot = await startChild('src/main.ts', ['serve'], { ...env, LOG_LEVEL: 'warn' });
  try {
    const authorization = await bearerHeader(allot, fixture);
    const headers = { authorization };

    // Metric 2: each request gives one SKU to a distinct unlicensed user.
    const nextUser = cursor(fixture.http, 'unlicensed users (HTTP)');
    let sent = 0;
    const assignRequest = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request: { path?: string; body?: string | Buffer }) => ({
        ...request,
        path: `/v1.0/users/${nextUser()}/assignLicense`,
        body: JSON.stringify({ addLicenses: [{ skuId: ROTATION[sent++ % ROTATION.length], disabledPlans: [] }], removeLicenses: [] }),
      }),
    };
    await load({ url: allot.url, connections: ASSIGN_CONNECTIONS, amount: ASSIGN_WARMUP, headers, requests: [assignRequest] });
    const assign = await load({ url: allot.url, connections: ASSIGN_CONNECTIONS, amount: fixture.assignRequests, headers, requests: [assignRequest] });
    console.log(`  assignLicense over HTTP: ${fmt(assign.rate, 1)} req/s`);

    const path = (userId: string) => `/v1.0/users/${userId}/licenseDetails`;
    await readLicenseDetails(allot, path, fixture.licensed, READ_WARMUP_SECONDS, headers);
    const licenseDetails = await readLicenseDetails(allot, path, fixture.licensed, READ_SECONDS, headers);
    console.log(`  licenseDetails over HTTP: ${fmt(licenseDetails.rate, 1)} req/s`);

    const skus = { method: 'GET', path: '/v1.0/subscribedSkus' };
    await load({ url: allot.url, connections: 1, amount: LATENCY_WARMUP, headers, requests: [skus] });
    const subscribedSkus = await load({ url: allot.url, connections: 1, amount: LATENCY_REQUESTS, headers, requests: [skus] });

    // Metric 5: the first page, then the nextLinks Allot gives (followed once here).
    const filter = encodeURIComponent(`assignedLicenses/any(x:x/skuId eq ${PAGE_SKU})`);
    const paths = [`/v1.0/users?$filter=${filter}&$top=${PAGE_SIZE}`];
    while (paths.length <= NEXT_PAGES) {
      const response = await fetch(`${allot.url}${paths.at(-1) as string}`, { headers });
      const body = (await response.json()) as { '@odata.nextLink'?: string };
      if (response.status !== 200 || body['@odata.nextLink'] === undefined) {
        throw new Error(`GET ${paths.at(-1) as string} answered ${response.status} without a nextLink: ${JSON.stringify(body).slice(0, 300)}`);
      }
      const next = new URL(body['@odata.nextLink']);
      paths.push(`${next.pathname}${next.search}`);
    }
    await readPages(allot, paths, 1, headers);
    const pages = await readPages(allot, paths, PAGE_ROUNDS, headers);
    return { assign, licenseDetails, subscribedSkus, pages, startupMs: allot.startupMs, memory: allot.memory() };
  } finally {
    await allot.stop();
  }
}

/** Spawns `script` on the seeded database until it answers, then stops it: one start-up sample, ms. */
async function startupSample(script: string, args: readonly string[], env: Record<string, string>): Promise<number> {
  const child = await startChild(script, args, env);
  await child.stop();
  return child.startupMs;
}

// ---------------------------------------------------------------------------------------------

const pagesOf = (result: LoadResult, first: boolean) => result.latencies.filter((_, index) => (index % (NEXT_PAGES + 1) === 0) === first);

function measurements(fixture: Fixture, direct: { requests: number; ms: number }, selectOne: number[], allot: AllotRun, bare: BareRun[], startups: { allot: number[]; bare: number[] }): Measurement[] {
  const httpRate = allot.assign.rate;
  const directRate = direct.requests / (direct.ms / 1000);
  const dbConnections = ENGINE === 'postgres' ? 'a pg pool of 10 connections in each server process' : 'the one embedded connection';
  const bareDetails = bare.flatMap((run) => run.licenseDetails.latencies);
  const bareDetailsOk = bare.reduce((sum, run) => sum + run.licenseDetails.ok, 0);
  const bareDetailsRate = bareDetailsOk / (bare.reduce((sum, run) => sum + run.licenseDetails.elapsedMs, 0) / 1000);
  const readNotes = `autocannon, ${READ_CONNECTIONS} connections, ${READ_SECONDS} s per side after ${READ_WARMUP_SECONDS} s warm-up (the bare side in two halves, before and after Allot), ${fmt(fixture.licensed.length)} random licensed users in turn; ${dbConnections}`;
  const barePages = bare.flatMap((run) => run.pages.latencies);
  const rssBare = bare.map((run) => run.rssBytes).filter((value) => value !== undefined);
  const pageNotes =
    `${PAGE_ROUNDS} rounds of the first page and ${NEXT_PAGES} nextLink pages, one connection (autocannon), no ConsistencyLevel needed; ` +
    `Allot first page p50 ${fmt(percentile(pagesOf(allot.pages, true), 50), 1)} ms, nextLink pages p50 ${fmt(percentile(pagesOf(allot.pages, false), 50), 1)} ms, p99 ${fmt(percentile(allot.pages.latencies, 99), 1)} ms`;
  const list: Measurement[] = [
    {
      metric: `assignLicense over HTTP, ${ASSIGN_CONNECTIONS} concurrent`,
      value: httpRate,
      unit: 'req/s',
      baseline: directRate,
      baselineLabel: `services.licensing.assignLicense called directly (same SQL transactions, no HTTP), ${ASSIGN_CONNECTIONS} in flight, same database, req/s`,
      goal: { of: 'ratio', op: '>=', target: 0.5 },
      notes:
        `${fmt(fixture.assignRequests)} requests per side (direct in two halves, before and after the HTTP side; ${ASSIGN_WARMUP} warm-up requests per process), each one SKU to a distinct unlicensed user of the ` +
        `${fmt(USERS)}-user tenant, SKUs in rotation; HTTP: autocannon, ${ASSIGN_CONNECTIONS} connections, to allot serve (bearer token of an app); ${dbConnections}; ` +
        `HTTP p50 ${fmt(percentile(allot.assign.latencies, 50), 1)} ms, p99 ${fmt(percentile(allot.assign.latencies, 99), 1)} ms`,
    },
    {
      metric: 'assignLicense over HTTP vs Graph write ceiling',
      value: httpRate,
      unit: 'req/s',
      baseline: GRAPH_WRITE_CEILING,
      baselineLabel: "Graph's documented throttling ceiling for license assignment, about 20 writes/s per app and tenant (a constant, not measured)",
      notes: 'the same run as the row above; the ratio is how many times Graph allows',
    },
    {
      metric: `GET licenseDetails throughput, ${READ_CONNECTIONS} connections`,
      value: allot.licenseDetails.rate,
      unit: 'req/s',
      baseline: bareDetailsRate,
      baselineLabel: `bare Fastify route (no plugins, auth or presenter), same database, running the repository's license-assignment SELECT (assignment.repository listForUsers), ${READ_CONNECTIONS} connections, req/s`,
      goal: { of: 'ratio', op: '>=', target: 0.7 },
      notes: readNotes,
    },
    {
      metric: `GET licenseDetails p50, ${READ_CONNECTIONS} connections`,
      value: percentile(allot.licenseDetails.latencies, 50),
      unit: 'ms',
      baseline: percentile(bareDetails, 50),
      baselineLabel: 'the bare route above, p50 ms',
      notes: readNotes,
    },
    {
      metric: `GET licenseDetails p99, ${READ_CONNECTIONS} connections`,
      value: percentile(allot.licenseDetails.latencies, 99),
      unit: 'ms',
      baseline: percentile(bareDetails, 99),
      baselineLabel: 'the bare route above, p99 ms',
      notes: readNotes,
    },
    {
      metric: 'GET subscribedSkus p50',
      value: percentile(allot.subscribedSkus.latencies, 50),
      unit: 'ms',
      baseline: percentile(selectOne, 50),
      baselineLabel: "SELECT 1 round trip over Allot's own kind of database handle (the pg pool over TCP, or PGlite in-process), p50 ms",
      goal: { of: 'value', op: '<', target: 20 },
      notes: `${LATENCY_REQUESTS} sequential requests (autocannon, one connection) after ${LATENCY_WARMUP} warm-up, on the ${fmt(USERS)}-user tenant`,
    },
    {
      metric: 'GET subscribedSkus p99',
      value: percentile(allot.subscribedSkus.latencies, 99),
      unit: 'ms',
      baseline: percentile(selectOne, 99),
      baselineLabel: 'SELECT 1 round trip, p99 ms',
      notes: `as above`,
    },
    {
      metric: `GET users?$filter=assignedLicenses/any(…)&$top=${PAGE_SIZE} p50`,
      value: percentile(allot.pages.latencies, 50),
      unit: 'ms',
      baseline: percentile(barePages, 50),
      baselineLabel: `bare Fastify route running the user-list repository's page SELECT for the same filter and pages (keyset 'after'), p50 ms`,
      goal: { of: 'value', op: '<', target: 100 },
      notes: pageNotes,
    },
  ];
  if (allot.memory !== undefined && rssBare.length > 0) {
    list.push({
      metric: 'allot serve RSS after the HTTP metrics',
      value: allot.memory.rss / MB,
      unit: 'MB',
      baseline: median(rssBare) / MB,
      baselineLabel: 'RSS of the bare server process after its share of the same load (node, tsx, Fastify, the same database driver), MB',
      ...(ENGINE === 'postgres' ? { goal: { of: 'value', op: '<', target: 300 } as const } : {}),
      notes: `VmRSS of the allot serve child from /proc/<pid>/status after metrics 2–5; its peak (VmHWM) ${fmt(allot.memory.peak / MB)} MB${ENGINE === 'pglite' ? '; PGlite runs the database inside the server process, so its RSS includes the database (goal is for PostgreSQL)' : ''}`,
    });
  }
  list.push({
    metric: 'allot serve start-up to ready, existing data',
    value: median(startups.allot) / 1000,
    unit: 's',
    baseline: median(startups.bare) / 1000,
    baselineLabel: 'the same for the bare server: node + tsx, open the same database, Fastify listening, /readyz answered, s',
    goal: { of: 'value', op: '<', target: 5 },
    notes: `median of ${startups.allot.length} (${startups.allot.map((ms) => seconds(ms)).join(', ')}; bare ${startups.bare.map((ms) => seconds(ms)).join(', ')}), from spawn to the first 200 of /readyz (polled every 20 ms) on the seeded ${fmt(USERS)}-user database`,
  });
  return list;
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = await provisionDatabase();
  console.log(`Allot bench on ${database.label}: ${fmt(USERS)} users, a group of ${fmt(GROUP_MEMBERS)}`);
  let runtime: Runtime | undefined;
  // Ctrl-C: stop the servers and close our connections first (a dropped database's connections would error), then drop.
  const interrupted = () => {
    console.error('\nInterrupted: stopping the servers and removing the bench database');
    void (async () => {
      await stopChildren().catch(() => undefined);
      await runtime?.close().catch(() => undefined);
      await database.drop().catch((error: unknown) => console.error(error));
      process.exit(130);
    })();
  };
  process.once('SIGINT', interrupted);
  // The in-process runtime licenses the large group inline (the server would queue it for the job runner).
  const config = loadConfig({ ...database.env, LOG_LEVEL: 'silent', ALLOT_GROUP_INLINE_LIMIT: String(GROUP_MEMBERS) });
  try {
    runtime = await openRuntime(config);
    const { tenantId, measurement: generation } = await generate(runtime);
    console.log(`Generated: ${generation.notes}`);
    const fanOut = await groupFanOut(runtime);
    console.log(`Group fan-out: ${fmt(fanOut.value)} ms (INSERT … SELECT ${fmt(fanOut.baseline ?? 0)} ms)`);
    const fixture = await prepare(runtime, tenantId);
    // Settle before measuring, so (auto)vacuum of the freshly loaded tables does not run during it.
    const settle = await timed(() =>
      sql`VACUUM (ANALYZE) directory_user, license_assignment, user_license, assignment_history, subscription, sku_seat, group_member, group_license`.execute(
        (runtime as Runtime).handle.db,
      ),
    );
    console.log(`VACUUM (ANALYZE) of the loaded tables: ${seconds(settle.ms)}`);
    const selectOne = await selectOneLatencies(runtime.handle.db);
    const directFirst = await directAssign(runtime, tenantId, fixture.directFirst);
    console.log(`Direct assignLicense, first half: ${fmt(directFirst.requests / (directFirst.ms / 1000), 1)} req/s`);
    await runtime.close();
    runtime = undefined;

    // The HTTP metrics: bare, allot serve, bare (PGlite: one process at a time holds the data directory).
    const env = database.env;
    const bareFirst = await bareStint(env, fixture, READ_SECONDS / 2, PAGE_ROUNDS / 2);
    console.log(`Bare server, first half: licenseDetails ${fmt(bareFirst.licenseDetails.rate, 1)} req/s`);
    console.log('allot serve:');
    const allot = await allotStint(env, fixture);
    const allotStartups = [allot.startupMs];
    while (allotStartups.length < STARTUP_SAMPLES) {
      allotStartups.push(await startupSample('src/main.ts', ['serve'], { ...env, LOG_LEVEL: 'warn' }));
    }
    const bareSecond = await bareStint(env, fixture, READ_SECONDS / 2, PAGE_ROUNDS / 2);
    console.log(`Bare server, second half: licenseDetails ${fmt(bareSecond.licenseDetails.rate, 1)} req/s`);
    const bareStartups = [bareFirst.startupMs, bareSecond.startupMs];
    while (bareStartups.length < STARTUP_SAMPLES) {
      bareStartups.push(await startupSample('bench/bare-server.ts', [], { ...env, ALLOT_BENCH_TENANT_ID: tenantId }));
    }

    runtime = await openRuntime(config);
    const directSecond = await directAssign(runtime, tenantId, fixture.directSecond);
    console.log(`Direct assignLicense, second half: ${fmt(directSecond.requests / (directSecond.ms / 1000), 1)} req/s`);
    const { mismatches } = await runtime.services.subscriptions.verifyCounters(benchContext(tenantId));
    if (mismatches.length > 0) {
      throw new Error(`seat counters differ from a recount after the run: ${mismatches.join('; ')}`);
    }
    const direct = { requests: directFirst.requests + directSecond.requests, ms: directFirst.ms + directSecond.ms };
    report([fanOut, ...measurements(fixture, direct, selectOne, allot, [bareFirst, bareSecond], { allot: allotStartups, bare: bareStartups }), generation], resultsFile);
    console.log(`Total ${seconds(performance.now() - started)}`);
  } finally {
    process.off('SIGINT', interrupted);
    await stopChildren();
    await runtime?.close();
    await database.drop();
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
