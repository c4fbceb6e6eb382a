import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from './config.js';
import { openRuntime } from './bootstrap.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { systemClock } from './domain/clock.js';
import { randomIds } from './domain/ids.js';
import { startServer } from './server.js';
import { seedDemoTenant } from './services/demo-tenant.js';
import { DEFAULT_CHUNK_SIZE, generateLargeTenant, type GenerateLargeTenantResult } from './services/large-tenant.js';
import { createJobRunner, type JobLogger, type JobReport } from './services/jobs/job-runner.js';
import { defaultJobs } from './services/jobs/index.js';

/** The `allot` command line. Commands here open the database directly (the server must not run on the same data directory). */
const program = new Command('allot').description('Allot: self-hosted license admin center').showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the admin center API')
  .action(async () => {
    const config = loadConfig();
    const server = await startServer(config);
    const shutdown = (signal: string) => {
      server.app.log.info({ signal }, 'shutting down: finishing requests, closing the database');
      server
        .stop()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          console.error(error);
          process.exit(1);
        });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const runtime = await openRuntime(loadConfig());
    await runtime.close();
    console.log('Database is up to date.');
  });

const positiveInteger = (value: string): number => {
  const parsed = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('Expected a positive whole number.');
  }
  return parsed;
};

program
  .command('seed')
  .description('create the Contoso demo tenant (skipped when it exists); with --users, generate a large tenant')
  .option('--users <count>', 'generate this many users, with subscriptions and licenses, in the tenant named by --tenant', positiveInteger)
  .option('--tenant <domain>', 'initial domain of the tenant to create, or to extend when it exists (e.g. bigcorp.onmicrosoft.com)')
  .option('--display-name <name>', 'display name of a tenant that --users creates (default: from the domain)')
  .option('--chunk-size <count>', 'users per transaction', positiveInteger, DEFAULT_CHUNK_SIZE)
  .action(async (options: { users?: number; tenant?: string; displayName?: string; chunkSize: number }) => {
    if (options.users === undefined && (options.tenant !== undefined || options.displayName !== undefined)) {
      throw new Error('--tenant and --display-name go with --users (without --users, seed creates the demo tenant).');
    }
    if (options.users !== undefined && options.tenant === undefined) {
      throw new Error('--users needs --tenant DOMAIN (the initial domain of the tenant to create or extend).');
    }
    const runtime = await openRuntime(loadConfig());
    try {
      if (options.users === undefined || options.tenant === undefined) {
        const result = await seedDemoTenant(runtime.services);
        console.log(result.created ? `Seeded ${result.tenant.displayName} (${result.tenant.tenantId}).` : `${result.tenant.displayName} already exists.`);
        return;
      }
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: 'Generating users [{bar}] {percentage}% | {value}/{total} | {speed} users/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 4,
        },
        cliProgress.Presets.shades_classic,
      );
      const started = Date.now();
      const speed = (done: number) => Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)).toLocaleString('en-US');
      let barStarted = false;
      let result: GenerateLargeTenantResult;
      try {
        result = await generateLargeTenant(
          runtime.services,
          { db: runtime.handle.db, clock: systemClock, ids: randomIds },
          {
            users: options.users,
            domain: options.tenant,
            chunkSize: options.chunkSize,
            ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
            onProgress: ({ usersDone, usersTotal }) => {
              if (!barStarted) {
                bar.start(usersTotal, usersDone, { speed: '0' });
                barStarted = true;
              } else {
                bar.update(usersDone, { speed: speed(usersDone) });
              }
            },
          },
        );
      } finally {
        bar.stop();
      }
      const { tenant } = result;
      console.log(
        `${result.tenantCreated ? 'Created' : 'Extended'} ${tenant.displayName} (${tenant.tenantId}): ${result.usersCreated.toLocaleString('en-US')} users ` +
          `(numbers ${result.firstIndex}–${result.lastIndex}${result.usersSkipped > 0 ? `, ${result.usersSkipped} skipped: name taken` : ''}), ` +
          `${result.licensesAssigned.toLocaleString('en-US')} licenses for ${result.licensedUsers.toLocaleString('en-US')} users, ` +
          `${result.chunks} chunk${result.chunks === 1 ? '' : 's'} in ${(result.elapsedMs / 1000).toFixed(1)} s.`,
      );
    } finally {
      await runtime.close();
    }
  });

const jobs = program.command('jobs').description('background jobs (the server runs them every ALLOT_JOB_INTERVAL_SECONDS)');

const printReports = (reports: readonly JobReport[], verb: string): void => {
  if (reports.every((report) => report.affected === 0 && report.error === undefined && report.abandoned === undefined)) {
    console.log('Nothing is due.');
  }
  for (const report of reports) {
    if (report.error !== undefined) {
      console.log(`${report.job} (tenant ${report.tenantId}): failed: ${report.error}`);
    } else if (report.affected > 0) {
      console.log(`${report.job} (tenant ${report.tenantId}): ${verb} ${report.affected}${report.items.length > 0 ? `: ${report.items.join(', ')}` : ''}`);
    }
    if (report.abandoned === 'locked') {
      console.log('Another Allot process is running the jobs right now; run again later.');
    }
  }
};

jobs
  .command('run')
  .description('show the jobs that are due (purge of users deleted more than 30 days ago) and, with --yes, run them once')
  .option('--now <iso-date>', 'act as if it were this time; with --yes a future date purges for real: users deleted less than 30 days before the real date are gone for good')
  .option('--yes', 'apply the changes (without it nothing is changed)')
  .action(async (options: { now?: string; yes?: boolean }) => {
    const now = options.now === undefined ? systemClock.now() : new Date(options.now);
    if (Number.isNaN(now.getTime())) {
      throw new Error(`--now must be an ISO date such as 2026-12-01T00:00:00Z, not ${options.now}`);
    }
    const config = loadConfig();
    const runtime = await openRuntime(config);
    try {
      const logger: JobLogger = { info: () => undefined, warn: () => undefined, error: (fields, message) => console.error(message, fields) };
      const runner = createJobRunner({ db: runtime.handle.db, clock: systemClock, jobs: defaultJobs, intervalMs: config.jobIntervalSeconds * 1000, logger });
      console.log(`Due as of ${now.toISOString()}:`);
      printReports(await runner.runOnce(now, { apply: false }), 'would change');
      if (options.yes === true) {
        const applied = await runner.runOnce(now);
        console.log('Applied:');
        printReports(applied, 'changed');
        if (applied.some((report) => report.error !== undefined || report.abandoned !== undefined)) {
          process.exitCode = 1;
        }
      } else {
        console.log('Nothing was changed; run again with --yes to apply.');
      }
      await runner.stop();
    } finally {
      await runtime.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof DataDirLockedError) {
    console.error(`allot: ${error.message}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? `allot: ${error.message}` : error);
  process.exit(1);
}
