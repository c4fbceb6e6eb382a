import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { APP_PERMISSIONS, type AppPermission, type RoleName } from '../../src/domain/authorization.js';
import { fixedClock } from '../../src/domain/clock.js';
import type { RequestContext } from '../../src/domain/context.js';
import { randomIds } from '../../src/domain/ids.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { loadMicrosoftCatalogue } from '../../src/db/microsoft-catalogue.loader.js';
import { createServices, type ServiceDeps, type Services } from '../../src/services/index.js';
import { createTestDatabase } from './test-db.js';

export const TEST_NOW = new Date('2026-11-01T09:00:00Z');

/** The password the tests give their admins (meets the complexity rule). */
export const TEST_PASSWORD = 'Correct-Horse-Battery-9';

export type TestInjectOptions = InjectOptions & {
  /** Tenant (id) whose all-permissions test app sends the request; default: the first tenant. */
  tenant?: string;
};

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  deps: ServiceDeps;
  handle: DatabaseHandle;
  clock: ReturnType<typeof fixedClock>;
  /**
   * `app.inject` authenticated as an app holding every application permission in `options.tenant`
   * (or the first tenant), for tests that are not about authorization. Headers given win; with a
   * cookie header the request goes as that signed-in admin alone.
   */
  inject(options: TestInjectOptions): Promise<LightMyRequestResponse>;
  /** Bearer headers of a new app registration with these permissions, through the real token endpoint. */
  appHeaders(tenantId: string, permissions?: readonly AppPermission[]): Promise<Record<string, string>>;
  /** Cookie and CSRF headers of a new admin with these roles, signed in through POST /auth/sign-in. */
  adminHeaders(tenantId: string, roles: readonly RoleName[]): Promise<{ headers: Record<string, string>; userId: string; userPrincipalName: string }>;
  close(): Promise<void>;
}

/** The real application on a fresh database with a fixed clock; requests go through `app.inject()`. */
export async function createTestApp(options: { poolSize?: number; groupInlineLimit?: number } = {}): Promise<TestApp> {
  const handle = await createTestDatabase(options);
  const clock = fixedClock(TEST_NOW);
  const deps = { db: handle.db, clock, ids: randomIds, microsoftCatalogue: loadMicrosoftCatalogue(), ...(options.groupInlineLimit === undefined ? {} : { groupInlineLimit: options.groupInlineLimit }) };
  const services = createServices(deps);
  const app = await buildApp({ services, isReady: () => Promise.resolve(true), publicUrl: 'https://allot.test' });

  const appHeaders = async (tenantId: string, permissions: readonly AppPermission[] = APP_PERMISSIONS): Promise<Record<string, string>> => {
    const context = testContext(tenantId);
    const registration = await services.apps.create(context, { displayName: 'Test client', permissions: [...permissions] });
    const secret = await services.apps.addSecret(context, registration.appId, {});
    const response = await app.inject({
      method: 'POST',
      url: `/${tenantId}/oauth2/v2.0/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: registration.appId,
        client_secret: secret.secretText,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    });
    if (response.statusCode !== 200) {
      throw new Error(`Token request failed: ${response.statusCode} ${response.body}`);
    }
    return { authorization: `Bearer ${response.json<{ access_token: string }>().access_token}` };
  };

  const operatorHeaders = new Map<string, Promise<Record<string, string>>>();
  const inject = async ({ tenant, ...options }: TestInjectOptions): Promise<LightMyRequestResponse> => {
    const tenantId = tenant ?? (await services.tenants.listTenants())[0]?.tenantId;
    if (tenantId === undefined) {
      throw new Error('No tenant: create one before sending requests.');
    }
    // Tokens expire on the test clock: a test that moves the clock gets a fresh one.
    const key = `${tenantId}@${clock.now().getTime()}`;
    let headers = operatorHeaders.get(key);
    if (headers === undefined) {
      headers = appHeaders(tenantId);
      operatorHeaders.set(key, headers);
    }
    // A request that carries a session cookie is sent as that signed-in admin only.
    const signedIn = options.headers !== undefined && 'cookie' in options.headers;
    return app.inject({ ...options, headers: { ...(signedIn ? {} : await headers), ...options.headers } });
  };

  const adminHeaders = async (tenantId: string, roles: readonly RoleName[]) => {
    const tenant = await services.tenants.getTenant(tenantId);
    const userPrincipalName = `admin-${randomIds().slice(0, 8)}@${tenant.domains[0]?.domain ?? ''}`;
    const admin = await services.admins.create(testContext(tenantId), {
      userPrincipalName,
      displayName: `Admin (${roles.join(', ')})`,
      roles: [...roles],
      password: TEST_PASSWORD,
      forceChangePasswordNextSignIn: false,
    });
    const response = await app.inject({ method: 'POST', url: '/auth/sign-in', payload: { userPrincipalName, password: TEST_PASSWORD } });
    if (response.statusCode !== 200) {
      throw new Error(`Sign-in failed: ${response.statusCode} ${response.body}`);
    }
    const cookie = response.cookies.find((entry) => entry.name === 'allot_session');
    const { csrfToken } = response.json<{ csrfToken: string }>();
    return { headers: { cookie: `allot_session=${cookie?.value ?? ''}`, 'x-csrf-token': csrfToken }, userId: admin.userId, userPrincipalName };
  };

  return {
    app,
    services,
    deps,
    handle,
    clock,
    inject,
    appHeaders,
    adminHeaders,
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
