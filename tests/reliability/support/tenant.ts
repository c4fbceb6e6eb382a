import type { Runtime } from '../../../src/bootstrap.js';
import { APP_PERMISSIONS } from '../../../src/domain/authorization.js';
import { systemPrincipal, type RequestContext } from '../../../src/domain/context.js';
import type { DemoCredentials } from '../../../src/services/demo-tenant.js';

/** Microsoft products the reliability runs license (ids from catalogue/m365-products.csv). */
export const SKU = {
  e3: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  e5: 'c7df2760-2c81-4ef7-b578-5b5392b571df',
  /** Audio Conferencing: its plan needs Teams or Skype for Business Online (Plan 2) from another license. */
  audioConferencing: '0c266dff-15dd-4b49-8397-2bb16070ed52',
  exchangePlan1: '4b9405b0-7788-4568-add1-99614e613b69',
  /** Exchange Online (Plan 2): one service plan. */
  exchangePlan2: '19ec0d23-8335-4cbd-94ac-6050e30712fa',
  powerBiPro: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
} as const;

/** Service plans of E3 that nothing depends on (disabling them is always allowed) and Teams (Audio Conferencing needs it or MCOSTANDARD). */
export const PLAN = {
  sway: 'a23b959c-7ce8-4e57-9140-b90eb88a9e97',
  todo: 'c87f142c-d1e9-4363-8630-aaea9c4d9ae5',
  teams: '57ff2da0-773e-42df-b2af-ffb7a2317929',
  mcoStandard: '0feaeb32-d00e-4d66-bd5a-43b5b83db82c',
} as const;

export interface ReliabilityTenant {
  tenantId: string;
  domain: string;
  /** The system principal in the tenant, for setting it up through the services. */
  context: RequestContext;
  /** An app registration holding every application permission, for the clients' bearer tokens. */
  app: DemoCredentials['app'];
}

/** A tenant (default usage location NL) with an app registration holding every permission, made through the services. */
export async function createTenantWithApp(runtime: Runtime, options: { displayName: string; domain: string }): Promise<ReliabilityTenant> {
  const setup = { principal: systemPrincipal, requestId: 'reliability-setup', clientAddress: null };
  const tenant = await runtime.services.tenants.createTenant(setup, { displayName: options.displayName, domain: options.domain, defaultUsageLocation: 'NL' });
  const context: RequestContext = { ...setup, tenantId: tenant.tenantId };
  const app = await runtime.services.apps.create(context, { displayName: 'Reliability client', permissions: [...APP_PERMISSIONS] });
  const secret = await runtime.services.apps.addSecret(context, app.appId, { displayName: 'reliability' });
  return { tenantId: tenant.tenantId, domain: options.domain, context, app: { clientId: app.appId, clientSecret: secret.secretText } };
}
