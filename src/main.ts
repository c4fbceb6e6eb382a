import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { loadConfig } from './config.js';
import { openRuntime } from './bootstrap.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { systemClock } from './domain/clock.js';
import { randomIds } from './domain/ids.js';
import { startServer, writeDemoCredentials } from './server.js';
import { APP_PERMISSIONS, ROLE_NAMES, type AppPermission, type RoleName } from './domain/authorization.js';
import { systemPrincipal, type RequestContext } from './domain/context.js';
import { isAppError } from './domain/errors.js';
import { seedDemoTenant } from './services/demo-tenant.js';
import { DEFAULT_CHUNK_SIZE, generateLargeTenant, type GenerateLargeTenantResult } from './services/large-tenant.js';
import { createJobRunner, type DeploymentJob, type Job, type JobLogger, type JobReport } from './services/jobs/job-runner.js';
import { deploymentJobs, lifecycleJobs, tenantJobs } from './services/jobs/index.js';
import { generateSelfSignedCertificate } from './tls.js';

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
    const config = loadConfig();
    const runtime = await openRuntime(config);
    try {
      if (options.users === undefined || options.tenant === undefined) {
        const result = await seedDemoTenant(runtime.services);
        console.log(result.created ? `Seeded ${result.tenant.displayName} (${result.tenant.tenantId}).` : `${result.tenant.displayName} already exists.`);
        if (result.credentials) {
          console.log(`The admin's sign-in and the demo app's client secret are in ${writeDemoCredentials(config.dataDir, result.credentials)} (owner-only).`);
        }
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
    const scope = report.tenantId === null ? 'deployment' : `tenant ${report.tenantId}`;
    if (report.error !== undefined) {
      console.log(`${report.job} (${scope}): failed: ${report.error}`);
    } else if (report.affected > 0) {
      console.log(`${report.job} (${scope}): ${verb} ${report.affected}${report.items.length > 0 ? `: ${report.items.join(', ')}` : ''}`);
    }
    if (report.abandoned === 'locked') {
      console.log('Another Allot process is running the jobs right now; run again later.');
    }
  }
};

/** Shows what the jobs would do as of `--now` and, with `--yes`, runs them once. */
async function runJobsOnce(options: { now?: string; yes?: boolean }, select: (runtime: Awaited<ReturnType<typeof openRuntime>>, config: ReturnType<typeof loadConfig>) => { jobs: readonly Job[]; deploymentJobs: readonly DeploymentJob[] }): Promise<void> {
  const now = options.now === undefined ? systemClock.now() : new Date(options.now);
  if (Number.isNaN(now.getTime())) {
    throw new Error(`--now must be an ISO date such as 2026-12-01T00:00:00Z, not ${options.now}`);
  }
  const config = loadConfig();
  const runtime = await openRuntime(config);
  try {
    const logger: JobLogger = { info: () => undefined, warn: () => undefined, error: (fields, message) => console.error(message, fields) };
    const runner = createJobRunner({ db: runtime.handle.db, clock: systemClock, ...select(runtime, config), intervalMs: config.jobIntervalSeconds * 1000, chunkSize: config.jobChunkSize, logger });
    console.log(`Due as of ${now.toISOString()}:`);
    if (now.getTime() > systemClock.now().getTime() + 60_000) {
      console.log('Warning: --now is in the future. Applied, this is a time machine on real data: purges and deletions cannot be undone.');
    }
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
}

jobs
  .command('run')
  .description('show the jobs that are due (purge of users deleted more than 30 days ago, monthly partitions of the audit log, subscription and data lifecycles) and, with --yes, run them once')
  .option('--now <iso-date>', 'act as if it were this time; with --yes a future date purges for real: users deleted less than 30 days before the real date are gone for good, and so are audit log months past ALLOT_AUDIT_RETENTION_MONTHS')
  .option('--yes', 'apply the changes (without it nothing is changed)')
  .action((options: { now?: string; yes?: boolean }) => runJobsOnce(options, (runtime, config) => ({ jobs: tenantJobs(runtime.deps), deploymentJobs: deploymentJobs(config) })));

program
  .command('lifecycle')
  .description('the lifecycle scheduler (the server runs it every ALLOT_JOB_INTERVAL_SECONDS)')
  .command('run')
  .description('print the subscription and data lifecycle transitions due (renewals, Expired, Disabled, Deleted, over-assignment deadlines, data grace ends) and, with --yes, apply them')
  .option('--now <iso-date>', 'act as if it were this time; with --yes a future date is a time machine: subscriptions expire and data is purged for real, and purges cannot be undone')
  .option('--yes', 'apply the transitions (without it nothing is changed)')
  .action((options: { now?: string; yes?: boolean }) => runJobsOnce(options, (runtime) => ({ jobs: lifecycleJobs(runtime.deps), deploymentJobs: [] })));

/** What the CLI acts as: the system principal (audit entries name it), from no address. */
const cliContext = (tenantId: string): RequestContext => ({ tenantId, principal: systemPrincipal, requestId: `cli-${randomIds()}`, clientAddress: null });

const roleName = (value: string, previous: RoleName[]): RoleName[] => {
  const name = ROLE_NAMES.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase());
  if (name === undefined) {
    throw new InvalidArgumentError(`Expected one of: ${ROLE_NAMES.join(', ')}.`);
  }
  return [...previous, name];
};

/** Prints a generated secret once: as JSON with --json, else with a line saying it is shown only now. */
const printSecret = (json: boolean, result: Record<string, unknown>, lines: string[]): void => {
  console.log(json ? JSON.stringify(result, null, 2) : lines.join('\n'));
};

const tenants = program.command('tenants').description('tenants (organizations) of this Allot');

tenants
  .command('create')
  .description('create a tenant with its first Global Administrator, whose generated password is printed once and must be changed at the first sign-in')
  .requiredOption('--domain <domain>', 'the initial domain, e.g. fabrikam.onmicrosoft.com')
  .requiredOption('--name <name>', 'display name of the organization')
  .requiredOption('--admin-upn <upn>', 'user principal name of the first Global Administrator, in --domain (e.g. admin@fabrikam.onmicrosoft.com)')
  .option('--admin-name <name>', "the administrator's display name", 'Global Administrator')
  .option('--usage-location <code>', "the tenant's default usage location (ISO 3166-1 alpha-2, e.g. NL)")
  .option('--json', 'print the result as JSON')
  .action(async (options: { domain: string; name: string; adminUpn: string; adminName: string; usageLocation?: string; json?: boolean }) => {
    const domain = options.domain.trim().toLowerCase();
    // Checked before anything is written, so a typo leaves no tenant without an administrator.
    if (options.adminUpn.split('@')[1]?.toLowerCase() !== domain || !/^[^\s@]+@[^\s@]+$/.test(options.adminUpn)) {
      throw new Error(`--admin-upn must be alias@${domain}.`);
    }
    const runtime = await openRuntime(loadConfig());
    try {
      const tenant = await runtime.services.tenants.createTenant(cliContext(randomIds()), {
        displayName: options.name,
        domain,
        defaultUsageLocation: options.usageLocation?.toUpperCase() ?? null,
      });
      const admin = await runtime.services.admins.create(cliContext(tenant.tenantId), { userPrincipalName: options.adminUpn, displayName: options.adminName, roles: ['Global Administrator'] });
      printSecret(options.json === true, { tenantId: tenant.tenantId, domain, admin: { userId: admin.userId, userPrincipalName: admin.userPrincipalName, password: admin.password } }, [
        `Created ${tenant.displayName} (${tenant.tenantId}), domain ${domain}.`,
        `Global Administrator: ${admin.userPrincipalName}`,
        `Password (shown only now; it must be changed at the first sign-in): ${admin.password}`,
      ]);
    } finally {
      await runtime.close();
    }
  });

const admins = program.command('admins').description('admins: users with a password and directory roles');

admins
  .command('create')
  .description('create an admin with a generated password (printed once, changed at the first sign-in)')
  .requiredOption('--tenant <domain>', "the tenant's domain (or id)")
  .requiredOption('--upn <upn>', 'user principal name, in one of the tenant\'s domains')
  .requiredOption('--role <role>', `a role (repeatable): ${ROLE_NAMES.join(', ')}`, roleName, [])
  .option('--display-name <name>', 'display name (default: the UPN)')
  .option('--json', 'print the result as JSON')
  .action(async (options: { tenant: string; upn: string; role: RoleName[]; displayName?: string; json?: boolean }) => {
    const runtime = await openRuntime(loadConfig());
    try {
      const tenant = await runtime.services.tenants.findTenant(options.tenant);
      if (!tenant) {
        throw new Error(`No tenant has the domain or id ${options.tenant}.`);
      }
      const admin = await runtime.services.admins.create(cliContext(tenant.tenantId), { userPrincipalName: options.upn, displayName: options.displayName ?? options.upn, roles: options.role });
      printSecret(options.json === true, { tenantId: tenant.tenantId, userId: admin.userId, userPrincipalName: admin.userPrincipalName, roles: options.role, password: admin.password }, [
        `Created ${admin.userPrincipalName} (${options.role.join(', ')}) in ${tenant.displayName}.`,
        `Password (shown only now; it must be changed at the first sign-in): ${admin.password}`,
      ]);
    } finally {
      await runtime.close();
    }
  });

admins
  .command('reset-password')
  .description('break-glass for a stopped server: give an admin a new generated password (printed once, changed at the first sign-in) and end its sessions')
  .requiredOption('--upn <upn>', 'user principal name of the admin (its domain names the tenant)')
  .option('--json', 'print the result as JSON')
  .action(async (options: { upn: string; json?: boolean }) => {
    const runtime = await openRuntime(loadConfig());
    try {
      const tenant = await runtime.services.tenants.findTenant(options.upn.split('@')[1] ?? '');
      if (!tenant) {
        throw new Error(`No tenant has the domain of ${options.upn}.`);
      }
      const reset = await runtime.services.admins.resetPassword(cliContext(tenant.tenantId), options.upn);
      printSecret(options.json === true, { tenantId: tenant.tenantId, userId: reset.userId, userPrincipalName: reset.userPrincipalName, password: reset.password }, [
        `New password for ${reset.userPrincipalName} (shown only now; it must be changed at the first sign-in; its sessions have ended): ${reset.password}`,
      ]);
    } finally {
      await runtime.close();
    }
  });

const permissionName = (value: string, previous: AppPermission[]): AppPermission[] => {
  const name = APP_PERMISSIONS.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase());
  if (name === undefined) {
    throw new InvalidArgumentError(`Expected one of: ${APP_PERMISSIONS.join(', ')}.`);
  }
  return [...previous, name];
};

const apps = program.command('apps').description('app registrations: the OAuth clients that call the API with a bearer token');

apps
  .command('create')
  .description('register an application with a generated client secret (printed once)')
  .requiredOption('--tenant <domain>', "the tenant's domain (or id)")
  .requiredOption('--name <name>', "the application's display name")
  .option('--permission <permission>', `an application permission (repeatable): ${APP_PERMISSIONS.join(', ')}`, permissionName, [])
  .option('--secret-days <days>', 'lifetime of the client secret in days (default 180, at most 730)', positiveInteger)
  .option('--json', 'print the result as JSON')
  .action(async (options: { tenant: string; name: string; permission: AppPermission[]; secretDays?: number; json?: boolean }) => {
    const config = loadConfig();
    const runtime = await openRuntime(config);
    try {
      const tenant = await runtime.services.tenants.findTenant(options.tenant);
      if (!tenant) {
        throw new Error(`No tenant has the domain or id ${options.tenant}.`);
      }
      const context = cliContext(tenant.tenantId);
      const app = await runtime.services.apps.create(context, { displayName: options.name, permissions: options.permission });
      const secret = await runtime.services.apps.addSecret(context, app.appId, {
        displayName: 'Created by allot apps create',
        ...(options.secretDays === undefined ? {} : { expiresAt: new Date(systemClock.now().getTime() + options.secretDays * 24 * 3600_000) }),
      });
      // Where the running server would answer (the CLI cannot know a proxy's name without ALLOT_PUBLIC_URL).
      const host = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
      const tokenEndpoint = `${config.publicUrl ?? `${config.tls ? 'https' : 'http'}://${host}:${config.port}`}/${tenant.tenantId}/oauth2/v2.0/token`;
      printSecret(
        options.json === true,
        { tenantId: tenant.tenantId, clientId: app.appId, clientSecret: secret.secretText, secretExpiresAt: secret.expiresAt.toISOString(), permissions: app.permissions, tokenEndpoint },
        [
          `Registered ${app.displayName} in ${tenant.displayName} (${tenant.tenantId}) with ${app.permissions.length === 0 ? 'no permissions' : app.permissions.join(', ')}.`,
          `Client ID:      ${app.appId}`,
          `Client secret:  ${secret.secretText}`,
          `                (shown only now; expires ${secret.expiresAt.toISOString()})`,
          `Token endpoint: ${tokenEndpoint}`,
        ],
      );
    } finally {
      await runtime.close();
    }
  });

const dataClassName = (value: string, previous: ('mailbox' | 'files')[]): ('mailbox' | 'files')[] => {
  const name = value.trim().toLowerCase();
  if (name !== 'mailbox' && name !== 'files') {
    throw new InvalidArgumentError('Expected mailbox or files.');
  }
  return [...previous, name];
};

/** Opens the runtime for one tenant (by domain or id), runs `work`, and closes it. */
async function withTenant(tenantKey: string, work: (runtime: Awaited<ReturnType<typeof openRuntime>>, context: RequestContext) => Promise<void>): Promise<void> {
  const runtime = await openRuntime(loadConfig());
  try {
    const tenant = await runtime.services.tenants.findTenant(tenantKey);
    if (!tenant) {
      throw new Error(`No tenant has the domain or id ${tenantKey}.`);
    }
    await work(runtime, cliContext(tenant.tenantId));
  } finally {
    await runtime.close();
  }
}

const holds = program.command('holds').description("litigation holds and retention policies: they keep users' data past its grace");

holds
  .command('list')
  .description('list the holds of a tenant')
  .requiredOption('--tenant <domain>', "the tenant's domain (or id)")
  .option('--json', 'print the result as JSON')
  .action(async (options: { tenant: string; json?: boolean }) => {
    await withTenant(options.tenant, async (runtime, context) => {
      const list = await runtime.services.dataLifecycle.listHolds(context);
      console.log(
        options.json === true
          ? JSON.stringify(list, null, 2)
          : list.map((hold) => `${hold.holdId}  ${hold.kind}  ${hold.userId ?? 'whole tenant'}  ${hold.dataClasses.join(',')}  ${hold.name}`).join('\n') || 'No holds.',
      );
    });
  });

holds
  .command('add')
  .description('place a litigation hold on a user (--user) or add a retention policy for the whole tenant')
  .requiredOption('--tenant <domain>', "the tenant's domain (or id)")
  .requiredOption('--name <name>', 'what the hold is for, e.g. "Case 2026-17"')
  .option('--user <id>', "the user's object id (a litigation hold); without it, a retention policy")
  .option('--data <class>', 'a data class to keep (repeatable): mailbox, files (default both)', dataClassName, [])
  .option('--json', 'print the result as JSON')
  .action(async (options: { tenant: string; name: string; user?: string; data: ('mailbox' | 'files')[]; json?: boolean }) => {
    await withTenant(options.tenant, async (runtime, context) => {
      const dataClasses = options.data.length === 0 ? (['mailbox', 'files'] as const) : options.data;
      const hold = await runtime.services.dataLifecycle.createHold(
        context,
        options.user === undefined ? { kind: 'retentionPolicy', dataClasses, name: options.name } : { kind: 'litigationHold', userId: options.user.toLowerCase(), dataClasses, name: options.name },
      );
      console.log(options.json === true ? JSON.stringify(hold, null, 2) : `Added ${hold.kind} ${hold.holdId} (${hold.dataClasses.join(', ')}).`);
    });
  });

holds
  .command('remove')
  .description('remove a hold (data it kept past its grace is purged at the next job run)')
  .requiredOption('--tenant <domain>', "the tenant's domain (or id)")
  .requiredOption('--id <holdId>', 'the hold')
  .action(async (options: { tenant: string; id: string }) => {
    await withTenant(options.tenant, async (runtime, context) => {
      await runtime.services.dataLifecycle.deleteHold(context, options.id.toLowerCase());
      console.log(`Removed hold ${options.id}.`);
    });
  });

const tls = program.command('tls').description('HTTPS: ALLOT_TLS_CERT and ALLOT_TLS_KEY name a certificate and its private key (PEM)');

tls
  .command('generate')
  .description('write a self-signed certificate (cert.pem) and private key (key.pem, owner-only) for local HTTPS, for localhost, 127.0.0.1, ::1 and --host names')
  .option('--out <dir>', 'directory to write to (default: <ALLOT_DATA_DIR>/tls)')
  .option('--host <name>', 'another DNS name or IP address the certificate covers (repeatable)', (value: string, previous: string[]) => [...previous, value], [])
  .option('--days <days>', 'validity in days', positiveInteger, 365)
  .option('--force', 'replace existing files')
  .action(async (options: { out?: string; host: string[]; days: number; force?: boolean }) => {
    const generated = await generateSelfSignedCertificate({ outDir: options.out ?? path.join(loadConfig().dataDir, 'tls'), hosts: options.host, days: options.days, force: options.force === true });
    console.log(
      [
        `Wrote a self-signed certificate for ${generated.names.join(', ')}, valid until ${generated.notAfter.toISOString()} (SHA-1 ${generated.fingerprint}):`,
        `  ${generated.certFile}`,
        `  ${generated.keyFile} (private key, owner-only)`,
        'Serve HTTPS with:',
        `  ALLOT_TLS_CERT=${generated.certFile}`,
        `  ALLOT_TLS_KEY=${generated.keyFile}`,
        `Clients trust it with NODE_EXTRA_CA_CERTS=${generated.certFile} (Node.js) or curl --cacert ${generated.certFile}.`,
      ].join('\n'),
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof DataDirLockedError) {
    console.error(`allot: ${error.message}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? `allot: ${error.message}` : error);
  if (isAppError(error)) {
    for (const detail of error.details) {
      console.error(`  ${detail.message}`);
    }
  }
  process.exit(1);
}
