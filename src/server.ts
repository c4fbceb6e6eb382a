import type { FastifyInstance } from 'fastify';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './api/app.js';
import { openRuntime, type Runtime } from './bootstrap.js';
import { isLoopbackHost, type Config } from './config.js';
import { systemClock } from './domain/clock.js';
import { seedDemoTenant, type DemoCredentials } from './services/demo-tenant.js';
import { createJobRunner, type JobRunner } from './services/jobs/job-runner.js';
import { deploymentJobs, tenantJobs } from './services/jobs/index.js';
import { createWebhookDeliveryWorker, type WebhookDeliveryWorker } from './services/webhook-delivery.js';
import { readTlsFiles } from './tls.js';

/**
 * Writes the demo's generated secrets to `<dataDir>/demo-credentials.json`, readable by the owner
 * only, and returns the file's path (the log names the file, never a secret).
 */
export function writeDemoCredentials(dataDir: string, credentials: DemoCredentials): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'demo-credentials.json');
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // The mode of writeFileSync applies only when it creates the file.
  chmodSync(file, 0o600);
  return file;
}

/** The built admin center (`npm run build:web`; `npm start` builds it when it is missing or stale). */
export const WEB_ROOT = fileURLToPath(new URL('../dist/web', import.meta.url));

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  jobs: JobRunner;
  webhookDeliveries: WebhookDeliveryWorker;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the admin center: open and migrate the database, seed the demo tenant on a fresh embedded
 * database (or with ALLOT_DEMO=1), listen, start the job runner and the webhook delivery worker.
 * `stop()` stops the job runner (after its current chunk) and the delivery worker (abandoning its
 * requests in flight, which are sent again later) and finishes in-flight requests, then closes the
 * database and releases the data directory's lock.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  // Read before the database is opened, so a wrong path fails fast and holds no lock.
  const https = config.tls && readTlsFiles(config.tls);
  const runtime = await openRuntime(config);
  let app: FastifyInstance | undefined;
  try {
    const isEmbedded = config.databaseUrl === undefined;
    let demoCredentialsFile: string | undefined;
    if ((isEmbedded && runtime.isFreshDatabase) || config.forceDemo) {
      const seeded = await seedDemoTenant(runtime.services);
      demoCredentialsFile = seeded.credentials && writeDemoCredentials(config.dataDir, seeded.credentials);
    }
    app = await buildApp({
      services: runtime.services,
      publicUrl: config.publicUrl,
      trustProxy: config.trustProxy,
      isReady: () => runtime.isReady(),
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
      https,
      webRoot: WEB_ROOT,
    });
    if (demoCredentialsFile !== undefined) {
      app.log.info({ file: demoCredentialsFile }, 'demo tenant seeded: its admin sign-in and app client secret are in this file (owner-only); the admin changes the password at first sign-in');
    }
    const { created, blocked, busy } = runtime.auditPartitions;
    if (busy) {
      app.log.warn('audit log: too busy to add monthly partitions at startup; the job runner tries again on its first tick');
    }
    if (created.length > 0) {
      app.log.info({ partitions: created }, 'audit log: monthly partitions created');
    }
    if (blocked.length > 0) {
      app.log.warn({ partitions: blocked }, 'audit log: these months already have rows in the default partition and keep them there (no monthly partition)');
    }
    const url = await app.listen({ port: config.port, host: config.host });
    const listening = app;
    // Beyond loopback, plain HTTP carries passwords, session cookies and tokens in clear; a
    // trusted proxy (ALLOT_TRUST_PROXY) is taken to terminate TLS in front.
    if (!isLoopbackHost(config.host) && config.tls === undefined && !config.trustProxy) {
      listening.log.warn(
        { host: config.host },
        'listening beyond loopback over plain HTTP: sign-in passwords, session cookies and tokens cross the network unencrypted; set ALLOT_TLS_CERT and ALLOT_TLS_KEY (or serve Allot behind an HTTPS proxy with ALLOT_TRUST_PROXY=1)',
      );
    }
    const jobs = createJobRunner({
      db: runtime.handle.db,
      clock: systemClock,
      jobs: tenantJobs(runtime.deps),
      deploymentJobs: deploymentJobs(config),
      intervalMs: config.jobIntervalSeconds * 1000,
      chunkSize: config.jobChunkSize,
      logger: listening.log,
    });
    jobs.start();
    const webhookDeliveries = createWebhookDeliveryWorker({
      db: runtime.handle.db,
      clock: systemClock,
      ids: runtime.deps.ids,
      allowPrivateNetworks: config.webhookAllowPrivateNetworks,
      intervalMs: config.webhookIntervalSeconds * 1000,
      logger: listening.log,
    });
    webhookDeliveries.start();
    let stopping: Promise<void> | undefined;
    return {
      app: listening,
      runtime,
      jobs,
      webhookDeliveries,
      url,
      stop: () => {
        stopping ??= (async () => {
          try {
            await Promise.all([jobs.stop(), webhookDeliveries.stop()]);
            await listening.close();
          } finally {
            await runtime.close();
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await runtime.close();
    throw error;
  }
}
