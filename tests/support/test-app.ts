import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { fixedClock } from '../../src/domain/clock.js';
import type { RequestContext } from '../../src/domain/context.js';
import { randomIds } from '../../src/domain/ids.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { loadMicrosoftCatalogue } from '../../src/db/microsoft-catalogue.loader.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createTestDatabase } from './test-db.js';

export const TEST_NOW = new Date('2026-11-01T09:00:00Z');

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  handle: DatabaseHandle;
  clock: ReturnType<typeof fixedClock>;
  close(): Promise<void>;
}

/** The real application on a fresh database with a fixed clock; requests go through `app.inject()`. */
export async function createTestApp(options: { poolSize?: number } = {}): Promise<TestApp> {
  const handle = await createTestDatabase(options);
  const clock = fixedClock(TEST_NOW);
  const services = createServices({ db: handle.db, clock, ids: randomIds, microsoftCatalogue: loadMicrosoftCatalogue() });
  const app = await buildApp({ services, isReady: () => Promise.resolve(true), publicUrl: 'https://allot.test' });
  return {
    app,
    services,
    handle,
    clock,
    close: async () => {
      await app.close();
      await handle.close();
    },
  };
}

export const testContext = (tenantId: string): RequestContext => ({
  tenantId,
  principal: { kind: 'system', id: 'test', displayName: 'Test' },
  requestId: 'test-request',
  clientAddress: null,
});
