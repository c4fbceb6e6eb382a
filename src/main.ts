import { Command } from 'commander';
import { loadConfig } from './config.js';
import { openRuntime } from './bootstrap.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { startServer } from './server.js';
import { seedDemoTenant } from './services/demo-tenant.js';

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

program
  .command('seed')
  .description('create the Contoso demo tenant (skipped when it exists)')
  .action(async () => {
    const runtime = await openRuntime(loadConfig());
    try {
      const result = await seedDemoTenant(runtime.services);
      console.log(result.created ? `Seeded ${result.tenant.displayName} (${result.tenant.tenantId}).` : `${result.tenant.displayName} already exists.`);
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
