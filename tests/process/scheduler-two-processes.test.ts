import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { DAY_MS } from '../../src/domain/clock.js';
import { systemPrincipal, type RequestContext } from '../../src/domain/context.js';
import { killAll, startAllotServer } from '../support/server-process.js';

/**
 * Issue 5, Done-when: "Two server processes on one PostgreSQL: the scheduler acts once per tick."
 * Two real `allot serve` processes share one database and tick every second. Forty subscriptions
 * are past their term end: each expires (Enabled → Warning) exactly once, with one audit entry and
 * one event, whichever process got to it, and later ticks of both find nothing more to do.
 */
const SUBSCRIPTIONS = 40;
const POWER_BI_PRO = 'f8a1db68-be16-40ed-86d5-cb42ce701560';
const base = process.env.TEST_DATABASE_URL;
const database = `allot_scheduler_${randomUUID().replaceAll('-', '')}`;
const spawned: ChildProcess[] = [];
const dataDirs: string[] = [];
let url: string;
let observer: DatabaseHandle;
let tenantId: string;

const urlOf = (name: string): string => {
  const parsed = new URL(base ?? '');
  parsed.pathname = `/${name}`;
  return parsed.toString();
};

describe.skipIf(base === undefined)('the lifecycle scheduler with two processes on one PostgreSQL', () => {
  beforeAll(async () => {
    const admin = await openDatabase({ engine: 'postgres', url: urlOf('postgres'), poolSize: 1 });
    await sql.raw(`CREATE DATABASE ${database}`).execute(admin.db);
    await admin.close();
    url = urlOf(database);
    // Migrate and record the due subscriptions through the real services, then let the servers tick.
    const runtime = await openRuntime(loadConfig({ ...process.env, DATABASE_URL: url }));
    try {
      const tenant = await runtime.services.tenants.createTenant({ principal: systemPrincipal, requestId: 'setup', clientAddress: null }, {
        displayName: 'Northwind',
        domain: 'northwind.onmicrosoft.com',
        defaultUsageLocation: 'NL',
      });
      tenantId = tenant.tenantId;
      const context: RequestContext = { tenantId, principal: systemPrincipal, requestId: 'setup', clientAddress: null };
      const ended = new Date(Date.now() - DAY_MS);
      for (let index = 0; index < SUBSCRIPTIONS; index += 1) {
        await runtime.services.subscriptions.recordSubscription(context, { skuId: POWER_BI_PRO, totalLicenses: 5, createdAt: new Date(ended.getTime() - 30 * DAY_MS), termEndAt: ended, recurringBilling: false });
      }
    } finally {
      await runtime.close();
    }
    observer = await openDatabase({ engine: 'postgres', url, poolSize: 1 });
  });

  afterAll(async () => {
    await killAll(spawned);
    await observer?.close();
    const admin = await openDatabase({ engine: 'postgres', url: urlOf('postgres'), poolSize: 1 });
    await sql.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).execute(admin.db);
    await admin.close();
    for (const dir of dataDirs) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('expires each due subscription once, whichever process ticks first', async () => {
    const servers = await Promise.all(
      [0, 1].map(() => {
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'allot-scheduler-'));
        dataDirs.push(dataDir);
        return startAllotServer({ DATABASE_URL: url, ALLOT_DATA_DIR: dataDir, ALLOT_JOB_INTERVAL_SECONDS: '1', ALLOT_JOB_CHUNK_SIZE: '5', LOG_LEVEL: 'warn' }, spawned);
      }),
    );
    const statuses = () => observer.db.selectFrom('subscription').select(['subscription_id', 'status']).where('tenant_id', '=', tenantId).execute();
    const deadline = Date.now() + 60_000;
    while ((await statuses()).some((row) => row.status !== 'Warning')) {
      expect(Date.now() < deadline, servers.map((server) => server.output()).join('\n')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Both keep ticking; nothing more is due for a month.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const audit = await observer.db
      .selectFrom('audit_log')
      .select(['target_id', sql<number>`count(*)::int`.as('entries')])
      .where('tenant_id', '=', tenantId)
      .where('activity', '=', 'Change subscription status')
      .groupBy('target_id')
      .execute();
    expect(audit).toHaveLength(SUBSCRIPTIONS);
    expect(audit.every((row) => row.entries === 1)).toBe(true);
    const events = await observer.db.selectFrom('event_outbox').select(sql<number>`count(*)::int`.as('n')).where('tenant_id', '=', tenantId).where('type', '=', 'subscription.lifecycleChanged').executeTakeFirstOrThrow();
    expect(events.n).toBe(SUBSCRIPTIONS);
    expect((await statuses()).every((row) => row.status === 'Warning')).toBe(true);
    await Promise.all(servers.map((server) => server.stop()));
  });
});
