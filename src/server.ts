import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import { openRuntime, type Runtime } from './bootstrap.js';
import type { Config } from './config.js';
import { systemClock } from './domain/clock.js';
import { seedDemoTenant } from './services/demo-tenant.js';
import { createJobRunner, type JobRunner } from './services/jobs/job-runner.js';
import { defaultJobs } from './services/jobs/index.js';

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  jobs: JobRunner;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the admin center: open and migrate the database, seed the demo tenant on a fresh embedded
 * database (or with ALLOT_DEMO=1), listen, start the job runner. `stop()` stops the job runner
 * (after its current chunk) and finishes in-flight requests, then closes the database and releases
 * the data directory's lock.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await openRuntime(config);
  let app: FastifyInstance | undefined;
  try {
    const isEmbedded = config.databaseUrl === undefined;
    if ((isEmbedded && runtime.isFreshDatabase) || config.forceDemo) {
      await seedDemoTenant(runtime.services);
    }
    app = await buildApp({
      services: runtime.services,
      publicUrl: config.publicUrl,
      trustProxy: config.trustProxy,
      isReady: () => runtime.isReady(),
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    });
    const url = await app.listen({ port: config.port, host: config.host });
    const listening = app;
    const jobs = createJobRunner({
      db: runtime.handle.db,
      clock: systemClock,
      jobs: defaultJobs,
      intervalMs: config.jobIntervalSeconds * 1000,
      logger: listening.log,
    });
    jobs.start();
    let stopping: Promise<void> | undefined;
    return {
      app: listening,
      runtime,
      jobs,
      url,
      stop: () => {
        stopping ??= (async () => {
          try {
            await jobs.stop();
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
