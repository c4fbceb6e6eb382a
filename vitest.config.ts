import { defineConfig } from 'vitest/config';

/**
 * Test tiers (see docs/ARCHITECTURE.md): `unit` runs the pure code next to it (src/**\/*.test.ts);
 * `browser` drives the built admin center in Chromium (tests/browser); `reliability` races and kills
 * whole server processes (tests/reliability/processes; the in-process fuzzing and model tests in
 * tests/reliability run in the database tiers);
 * the database tiers run tests/** once per engine, each test file on a fresh database cloned from
 * a template migrated once per run. PostgreSQL joins when TEST_DATABASE_URL is set (.ci/run sets it).
 */
const databaseTier = (engine: 'pglite' | 'postgres') => ({
  test: {
    name: engine,
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/process/**', 'tests/browser/**', 'tests/reliability/processes/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    env: { ALLOT_TEST_ENGINE: engine, TZ: 'UTC' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

export default defineConfig({
  test: {
    maxWorkers: 2,
    reporters: ['default', './tests/support/tier-timing-reporter.ts'],
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], env: { TZ: 'UTC' } } },
      // Whole processes (lock file, kill -9, SIGTERM) on the embedded engine; engine-independent.
      { test: { name: 'process', include: ['tests/process/**/*.test.ts'], env: { TZ: 'UTC' }, testTimeout: 120_000, hookTimeout: 120_000 } },
      // Reliability under load and kill -9 (issue 7): whole server processes, sized by ALLOT_RELIABILITY_* (tests/reliability/README.md).
      {
        test: { name: 'reliability', include: ['tests/reliability/processes/**/*.test.ts'], env: { TZ: 'UTC' }, testTimeout: 600_000, hookTimeout: 300_000 },
      },
      // The admin center in Debian's Chromium against a real server (one per file, on a fresh data dir).
      {
        test: { name: 'browser', include: ['tests/browser/**/*.test.ts'], globalSetup: ['tests/support/browser-global-setup.ts'], env: { TZ: 'UTC' }, testTimeout: 60_000, hookTimeout: 180_000 },
      },
      databaseTier('pglite'),
      ...(process.env.TEST_DATABASE_URL ? [databaseTier('postgres')] : []),
    ],
  },
});
