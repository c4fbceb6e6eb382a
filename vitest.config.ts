import { defineConfig } from 'vitest/config';

/**
 * Test tiers (see docs/ARCHITECTURE.md): `unit` runs the pure code next to it (src/**\/*.test.ts);
 * the database tiers run tests/** once per engine, each test file on a fresh database cloned from
 * a template migrated once per run. PostgreSQL joins when TEST_DATABASE_URL is set (.ci/run sets it).
 */
const databaseTier = (engine: 'pglite' | 'postgres') => ({
  test: {
    name: engine,
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/process/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    env: { ALLOT_TEST_ENGINE: engine, TZ: 'UTC' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], env: { TZ: 'UTC' } } },
      // Whole processes (lock file, kill -9, SIGTERM) on the embedded engine; engine-independent.
      { test: { name: 'process', include: ['tests/process/**/*.test.ts'], env: { TZ: 'UTC' }, testTimeout: 120_000, hookTimeout: 120_000 } },
      databaseTier('pglite'),
      ...(process.env.TEST_DATABASE_URL ? [databaseTier('postgres')] : []),
    ],
  },
});
