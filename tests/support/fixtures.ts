import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import type { RequestContext } from '../../src/domain/context.js';
import type { Services } from '../../src/services/index.js';
import { testContext } from './test-app.js';

/** Microsoft SKUs and plans the tests use (ids from catalogue/m365-products.csv). */
export const MS = {
  e3: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  e5: 'c7df2760-2c81-4ef7-b578-5b5392b571df',
  audioConferencing: '0c266dff-15dd-4b49-8397-2bb16070ed52',
  planMcoStandard: '0feaeb32-d00e-4d66-bd5a-43b5b83db82c',
  planMcoMeetAdv: '3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40',
  planExchangeEnterprise: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  planTeams: '57ff2da0-773e-42df-b2af-ffb7a2317929',
  powerBiPro: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
} as const;

const demoCatalogue = JSON.parse(readFileSync(new URL('../../catalogue/demo-catalogue.json', import.meta.url), 'utf8')) as {
  products: { skuId: string; skuPartNumber: string; servicePlans: string[] }[];
  servicePlans: { servicePlanId: string; servicePlanName: string }[];
};
const productId = (partNumber: string) => demoCatalogue.products.find((product) => product.skuPartNumber === partNumber)?.skuId ?? '';
const planId = (name: string) => demoCatalogue.servicePlans.find((plan) => plan.servicePlanName === name)?.servicePlanId ?? '';

/** The demo catalogue's Fleet products (mutually exclusive plans, and a dependency). */
export const FLEET = {
  standard: productId('CONTOSO_FLEET_STANDARD'),
  premium: productId('CONTOSO_FLEET_PREMIUM'),
  planStandard: planId('FLEET_STANDARD'),
  planPremium: planId('FLEET_PREMIUM'),
  planAnalytics: planId('FLEET_ANALYTICS'),
};

/** Extra custom products: a tenant-wide one and one whose plan is prohibited in Cuba. */
export const EXTRA = {
  site: 'b1a1e000-0000-4000-8000-000000000001',
  planSite: 'b1a1e000-0000-4000-8000-0000000000a1',
  restricted: 'b1a1e000-0000-4000-8000-000000000002',
  planRestricted: 'b1a1e000-0000-4000-8000-0000000000a2',
  unknown: 'b1a1e000-0000-4000-8000-00000000ffff',
};

export interface LicensingTenant {
  context: RequestContext;
  tenantId: string;
  /** Creates a member with usage location NL (or the given one) and returns its id. */
  user(alias: string, usageLocation?: string | null): Promise<string>;
}

/**
 * A tenant with Microsoft and custom products for rule tests: E3 ×3, E5 ×1, Audio Conferencing ×2,
 * Fleet Standard/Premium ×5, a Company product and a location-restricted product ×5. `seats`
 * overrides quantities.
 */
export async function createLicensingTenant(services: Services, seats: Record<string, number> = {}): Promise<LicensingTenant> {
  const tenant = await services.tenants.createTenant(testContext('00000000-0000-0000-0000-000000000000'), {
    displayName: 'Fabrikam',
    domain: `fabrikam${Math.random().toString(36).slice(2, 8)}.onmicrosoft.com`,
    defaultUsageLocation: 'NL',
  });
  const context = testContext(tenant.tenantId);
  await services.catalogue.importCustomCatalogue(context, JSON.parse(readFileSync(new URL('../../catalogue/demo-catalogue.json', import.meta.url), 'utf8')));
  await services.catalogue.importCustomCatalogue(context, {
    products: [
      { skuId: EXTRA.site, skuPartNumber: 'FABRIKAM_SITE', displayName: 'Fabrikam Site License', appliesTo: 'Company', servicePlans: [EXTRA.planSite] },
      { skuId: EXTRA.restricted, skuPartNumber: 'FABRIKAM_EXPORT', displayName: 'Fabrikam Export Control', servicePlans: [EXTRA.planRestricted] },
    ],
    servicePlans: [
      { servicePlanId: EXTRA.planSite, servicePlanName: 'SITE', friendlyName: 'Site services' },
      { servicePlanId: EXTRA.planRestricted, servicePlanName: 'EXPORT_TOOLS', friendlyName: 'Export tools', prohibitedUsageLocations: ['CU'] },
    ],
    rules: [],
  });
  const quantities: Record<string, number> = {
    [MS.e3]: 3,
    [MS.e5]: 1,
    [MS.audioConferencing]: 2,
    [FLEET.standard]: 5,
    [FLEET.premium]: 5,
    [EXTRA.site]: 1,
    [EXTRA.restricted]: 5,
    ...seats,
  };
  for (const [skuId, totalLicenses] of Object.entries(quantities)) {
    await services.subscriptions.recordSubscription(context, { skuId, totalLicenses });
  }
  const domain = tenant.domains[0]?.domain ?? '';
  return {
    context,
    tenantId: tenant.tenantId,
    user: async (alias, usageLocation = 'NL') => {
      const created = await services.users.createUser(context, {
        userPrincipalName: `${alias}@${domain}`,
        displayName: alias,
        mailNickname: alias,
        mail: null,
        givenName: null,
        surname: null,
        jobTitle: null,
        department: null,
        usageLocation,
        userType: 'Member',
        accountEnabled: true,
      });
      return created.user.userId;
    },
  };
}

/** Everything a license change touches, to prove a refused request changed nothing. */
export async function licensingSnapshot(db: Kysely<Database>, tenantId: string): Promise<unknown> {
  const rows = async (query: string) => (await sql.raw<Record<string, unknown>>(query.replace('$tenant', `'${tenantId}'`)).execute(db)).rows;
  return {
    assignments: await rows(`SELECT user_id, sku_id, source_id, disabled_plans, state FROM license_assignment WHERE tenant_id = $tenant ORDER BY 1, 2, 3`),
    seats: await rows(`SELECT user_id, sku_id, subscription_id FROM user_license WHERE tenant_id = $tenant ORDER BY 1, 2`),
    subscriptions: await rows(`SELECT subscription_id, total_licenses, consumed_units FROM subscription WHERE tenant_id = $tenant ORDER BY 1`),
    counters: await rows(`SELECT sku_id, consumed_units FROM sku_seat WHERE tenant_id = $tenant ORDER BY 1`),
    history: await rows(`SELECT count(*)::int AS n FROM assignment_history WHERE tenant_id = $tenant`),
    // The test client's app registration (made on a tenant's first request) is not a license change.
    audit: await rows(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $tenant AND category <> 'ApplicationManagement'`),
    versions: await rows(`SELECT user_id, license_version FROM directory_user WHERE tenant_id = $tenant ORDER BY 1`),
  };
}
