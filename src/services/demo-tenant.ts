import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RequestContext } from '../domain/context.js';
import { systemPrincipal } from '../domain/context.js';
import { APP_PERMISSIONS } from '../domain/authorization.js';
import { DAY_MS } from '../domain/clock.js';
import type { Tenant } from '../db/repositories/index.js';
import type { Services } from './index.js';
import type { RecordSubscriptionInput } from './subscription.service.js';

/** The demo tenant's fixed id, so docs and scripts can name it. */
export const DEMO_TENANT_ID = 'c0a7e5d1-2b3f-4e6a-9c8d-0e1f2a3b4c5d';
export const DEMO_DOMAIN = 'contoso.onmicrosoft.com';

const SKU = {
  businessPremium: 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46',
  e3: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  e5: 'c7df2760-2c81-4ef7-b578-5b5392b571df',
  audioConferencing: '0c266dff-15dd-4b49-8397-2bb16070ed52',
  exchangePlan1: '4b9405b0-7788-4568-add1-99614e613b69',
  entraP2: '84a661c4-e949-4bd2-a560-ed7766fcaf2b',
  powerBiPro: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
} as const;

// [given, surname, alias, department, jobTitle, usageLocation ('-' = none), licenses]
const PEOPLE: [string, string, string, string, string, string, string][] = [
  ['Anna', 'de Vries', 'anna.devries', 'Finance', 'Controller', 'NL', 'bp ac'],
  ['Bram', 'Jansen', 'bram.jansen', 'Sales', 'Account manager', 'NL', 'bp ac'],
  ['Daan', "van 't Hek", 'daan.vanthek', 'Operations', 'Fleet planner', 'NL', 'bp fleetp'],
  ['Emma', 'Bakker', 'emma.bakker', 'Marketing', 'Campaign lead', 'NL', 'bp ac'],
  ['Finn', 'Visser', 'finn.visser', 'IT', 'System engineer', 'NL', 'bp p2'],
  ['Julia', 'Smit', 'julia.smit', 'HR', 'HR advisor', 'NL', 'bp'],
  ['Lars', 'Meijer', 'lars.meijer', 'Operations', 'Dispatcher', 'NL', 'bp fleets'],
  ['Noor', 'de Boer', 'noor.deboer', 'Legal', 'Counsel', 'NL', 'bp'],
  ['Sem', 'Mulder', 'sem.mulder', 'Sales', 'Sales director', 'NL', 'bp ac'],
  ['Tess', 'de Groot', 'tess.degroot', 'Finance', 'Accountant', 'NL', 'bp'],
  ['Lucas', 'Bos', 'lucas.bos', 'IT', 'Helpdesk', 'NL', 'bp p2'],
  ['Sophie', 'Vos', 'sophie.vos', 'Marketing', 'Designer', 'NL', 'bp'],
  ['Thomas', 'Peters', 'thomas.peters', 'Management', 'CEO', 'NL', 'e5 p2 pbi'],
  ['Sarah', 'Hendriks', 'sarah.hendriks', 'Management', 'CFO', 'NL', 'e5 p2 pbi'],
  ['James', 'Wilson', 'james.wilson', 'Sales', 'Regional manager UK', 'GB', 'e5'],
  ['Olivia', 'Taylor', 'olivia.taylor', 'Sales', 'Account executive', 'GB', 'e5'],
  ['Oliver', 'Brown', 'oliver.brown', 'IT', 'Security officer', 'GB', 'e5 p2'],
  ['Amelia', 'Davies', 'amelia.davies', 'Legal', 'Compliance officer', 'GB', 'e5'],
  ['Daniel', 'van Dijk', 'daniel.vandijk', 'Operations', 'Warehouse lead', 'NL', 'e3 fleetp'],
  ['Eva', 'Dekker', 'eva.dekker', 'Customer service', 'Team lead', 'NL', 'e3'],
  ['Jesse', 'Brouwer', 'jesse.brouwer', 'Customer service', 'Agent', 'NL', 'e3'],
  ['Lotte', 'de Wit', 'lotte.dewit', 'Customer service', 'Agent', 'NL', 'e3'],
  ['Milan', 'Dijkstra', 'milan.dijkstra', 'Operations', 'Driver coordinator', 'NL', 'e3 fleets'],
  ['Fleur', 'Smits', 'fleur.smits', 'HR', 'Recruiter', 'NL', 'e3'],
  ['Ruben', 'de Graaf', 'ruben.degraaf', 'IT', 'Developer', 'NL', 'e3 p2'],
  ['Sanne', 'van der Meer', 'sanne.vandermeer', 'Finance', 'Payroll', 'NL', 'e3'],
  ['Thijs', 'van der Linden', 'thijs.vanderlinden', 'Operations', 'Route analyst', 'NL', 'e3 fleetp'],
  ['Isa', 'Kok', 'isa.kok', 'Marketing', 'Copywriter', 'NL', 'e3'],
  ['Jan', 'Jacobs', 'jan.jacobs', 'Operations', 'Mechanic', 'NL', 'e3 fleets'],
  ['Femke', 'de Haan', 'femke.dehaan', 'Sales', 'Inside sales', 'NL', 'e3'],
  ['Stijn', 'Vermeulen', 'stijn.vermeulen', 'IT', 'Network engineer', 'BE', 'e3 p2'],
  ['Lieke', 'van den Heuvel', 'lieke.vandenheuvel', 'Finance', 'Analyst', 'NL', 'e3'],
  ['Emily', 'Clarke', 'emily.clarke', 'Customer service', 'Agent', 'GB', 'e3'],
  ['Harry', 'Evans', 'harry.evans', 'Sales', 'Account manager', 'GB', 'e3'],
  ['Grace', 'Thomas', 'grace.thomas', 'Marketing', 'Content strategist', 'US', 'e3'],
  ['Jack', 'Roberts', 'jack.roberts', 'IT', 'Cloud architect', 'US', 'e3 p2 pbi'],
  ['Mila', 'van Leeuwen', 'mila.vanleeuwen', 'Operations', 'Driver', 'NL', 'exo'],
  ['Bas', 'Willems', 'bas.willems', 'Operations', 'Driver', 'NL', 'exo fleets'],
  ['Roos', 'Schouten', 'roos.schouten', 'Operations', 'Driver', 'NL', 'exo'],
  ['Tim', 'Hoekstra', 'tim.hoekstra', 'Operations', 'Driver', 'NL', 'exo'],
  ['Zoë', 'Koster', 'zoe.koster', 'Operations', 'Warehouse', 'NL', 'exo'],
  ['Max', 'Prins', 'max.prins', 'Operations', 'Warehouse', 'NL', ''],
  ['Vera', 'Huisman', 'vera.huisman', 'Customer service', 'Agent', 'NL', ''],
  ['Koen', 'Post', 'koen.post', 'Operations', 'Driver', 'NL', ''],
  ['Jasmijn', 'Kuipers', 'jasmijn.kuipers', 'Marketing', 'Intern', 'NL', ''],
  ['Mees', 'van Wijk', 'mees.vanwijk', 'IT', 'Intern', 'NL', ''],
  ['Charlotte', 'Walker', 'charlotte.walker', 'Sales', 'Account executive', 'GB', ''],
  ['George', 'Wright', 'george.wright', 'Sales', 'Account executive', 'US', ''],
  ['Sophia', 'Green', 'sophia.green', 'Finance', 'Auditor', 'US', ''],
  ['Willem', 'Boersma', 'willem.boersma', 'Operations', 'Driver', '-', ''],
  ['Ilse', 'Veenstra', 'ilse.veenstra', 'Customer service', 'Agent', '-', ''],
  ['Hugo', 'Verhoeven', 'hugo.verhoeven', 'Operations', 'Warehouse', '-', ''],
  ['Evi', 'Kramer', 'evi.kramer', 'HR', 'Office manager', '-', ''],
  ['Luuk', 'van Beek', 'luuk.vanbeek', 'Sales', 'Trainee', 'NL', ''],
  ['Nina', 'Maas', 'nina.maas', 'Finance', 'Trainee', 'NL', ''],
  ['Joris', "d'Ancona", 'joris.dancona', 'Legal', 'Paralegal', 'NL', ''],
  ['Hannah', 'Lewis', 'hannah.lewis', 'Marketing', 'Social media', 'GB', ''],
];

// External partners invited as guests (no usage location, no licenses: licensing them is a decision).
const GUESTS = [
  ['Pieter', 'Bakx', 'pieter_fabrikam.com'],
  ['Megan', 'Bowen', 'megan_northwind.com'],
  ['Ahmed', 'El Amrani', 'ahmed_adatum.com'],
] as const;

/** Codes of the PEOPLE table; the Fleet products' ids come from catalogue/demo-catalogue.json. */
const MICROSOFT_LICENSE_CODES: Record<string, string> = {
  bp: SKU.businessPremium,
  ac: SKU.audioConferencing,
  e3: SKU.e3,
  e5: SKU.e5,
  exo: SKU.exchangePlan1,
  p2: SKU.entraP2,
};

const demoCatalogueFile = fileURLToPath(new URL('../../catalogue/demo-catalogue.json', import.meta.url));

/** The demo's generated secrets, shown once: the server writes them to demo-credentials.json. */
export interface DemoCredentials {
  tenantId: string;
  domain: string;
  admin: { userPrincipalName: string; password: string };
  app: { clientId: string; clientSecret: string };
}

/**
 * Seeds Contoso, the demo tenant (issue #2 §8): Microsoft and custom products, subscriptions, about
 * 60 users and licenses that leave Business Premium and Audio Conferencing nearly full, a Global
 * Administrator with a generated password (changed at first sign-in) and an app registration with
 * every permission and a generated secret. No default password exists: the generated ones are
 * returned once, as `credentials`. Everything goes through the services, so the audit log shows
 * how the tenant came to be.
 */
export async function seedDemoTenant(services: Services): Promise<{ created: boolean; tenant: Tenant; credentials?: DemoCredentials }> {
  const existing = await services.tenants.findTenant(DEMO_TENANT_ID);
  if (existing) {
    return { created: false, tenant: existing };
  }
  const base = { principal: systemPrincipal, requestId: 'demo-seed', clientAddress: null };
  const tenant = await services.tenants.createTenant(base, {
    tenantId: DEMO_TENANT_ID,
    displayName: 'Contoso',
    domain: DEMO_DOMAIN,
    defaultUsageLocation: 'NL',
  });
  const context: RequestContext = { ...base, tenantId: tenant.tenantId };
  const catalogue = JSON.parse(readFileSync(demoCatalogueFile, 'utf8')) as unknown;
  const custom = await services.catalogue.importCustomCatalogue(context, catalogue);
  const fleetStandard = custom.skus.find((sku) => sku.skuPartNumber === 'CONTOSO_FLEET_STANDARD');
  const fleetPremium = custom.skus.find((sku) => sku.skuPartNumber === 'CONTOSO_FLEET_PREMIUM');
  if (!fleetStandard || !fleetPremium) {
    throw new Error('catalogue/demo-catalogue.json must define CONTOSO_FLEET_STANDARD and CONTOSO_FLEET_PREMIUM');
  }
  const licenseCodes: Record<string, string> = { ...MICROSOFT_LICENSE_CODES, fleets: fleetStandard.skuId, fleetp: fleetPremium.skuId };

  const now = Date.now();
  const day = (offset: number) => new Date(now + offset * DAY_MS);
  const subscribe = (skuId: string, totalLicenses: number, extra: Partial<RecordSubscriptionInput> = {}) =>
    services.subscriptions.recordSubscription(context, { skuId, totalLicenses, createdAt: day(-200), nextLifecycleAt: day(165), ...extra });
  // Business Premium from two subscriptions (5 + 8 = 13): the 5-seat one renews first and fills first.
  await subscribe(SKU.businessPremium, 5, { createdAt: day(-320), nextLifecycleAt: day(45) });
  await subscribe(SKU.businessPremium, 8);
  await subscribe(SKU.e3, 25);
  await subscribe(SKU.e5, 10);
  await subscribe(SKU.audioConferencing, 5);
  await subscribe(SKU.exchangePlan1, 10);
  await subscribe(SKU.entraP2, 25, { isTrial: true, createdAt: day(-10), nextLifecycleAt: day(20) });
  await subscribe(fleetStandard.skuId, 10);
  await subscribe(fleetPremium.skuId, 10);

  const upns = new Map<string, string>();
  for (const [given, surname, alias, department, jobTitle, location] of PEOPLE) {
    const created = await services.users.createUser(context, {
      userPrincipalName: `${alias}@${DEMO_DOMAIN}`,
      displayName: `${given} ${surname}`,
      mailNickname: alias,
      mail: `${alias}@${DEMO_DOMAIN}`,
      givenName: given,
      surname,
      jobTitle,
      department,
      usageLocation: location === '-' ? null : location,
      userType: 'Member',
      accountEnabled: true,
    });
    upns.set(alias, created.user.userId);
  }
  for (const [given, surname, alias] of GUESTS) {
    const email = alias.replace('_', '@');
    await services.users.createUser(context, {
      userPrincipalName: `${alias}#EXT#@${DEMO_DOMAIN}`,
      displayName: `${given} ${surname}`,
      mailNickname: alias.replace(/[^A-Za-z0-9._-]/g, '_'),
      mail: email,
      givenName: given,
      surname,
      jobTitle: null,
      department: 'External',
      usageLocation: null,
      userType: 'Guest',
      accountEnabled: true,
    });
  }

  const powerBiBuyer = upns.get('jack.roberts');
  for (const [, , alias, , , , codes] of PEOPLE) {
    const userId = upns.get(alias) as string;
    const add = codes
      .split(' ')
      .filter((code) => code !== '' && code !== 'pbi')
      .map((code) => ({ skuId: licenseCodes[code] as string, disabledPlans: [] }));
    if (add.length > 0) {
      await services.licensing.assignLicense(context, { userKey: userId, add, remove: [] });
    }
  }
  // Power BI Pro: a self-service purchase of 3 seats by Jack Roberts, who assigned them himself.
  if (powerBiBuyer !== undefined) {
    await subscribe(SKU.powerBiPro, 3, { channel: 'selfService', purchasedByUserId: powerBiBuyer, createdAt: day(-40), nextLifecycleAt: day(325) });
    const pool = { kind: 'selfService', purchaserUserId: powerBiBuyer } as const;
    for (const [, , alias, , , , codes] of PEOPLE) {
      if (codes.split(' ').includes('pbi')) {
        await services.licensing.assignLicense(context, { userKey: upns.get(alias) as string, add: [{ skuId: SKU.powerBiPro, disabledPlans: [] }], remove: [], pool });
      }
    }
  }
  // Prices for the reclaim report, and a low-seat alert on E5 (10 seats, few free).
  await services.productSettings.update(context, SKU.e3, { monthlyPrice: 33.75, currency: 'EUR' });
  await services.productSettings.update(context, SKU.e5, { monthlyPrice: 54.75, currency: 'EUR', lowSeatThreshold: 2 });
  await services.productSettings.update(context, SKU.businessPremium, { monthlyPrice: 20.6, currency: 'EUR' });
  const admin = await services.admins.create(context, { userPrincipalName: `admin@${DEMO_DOMAIN}`, displayName: 'MOD Administrator', roles: ['Global Administrator'] });
  const app = await services.apps.create(context, { displayName: 'Allot demo client', permissions: [...APP_PERMISSIONS] });
  const secret = await services.apps.addSecret(context, app.appId, { displayName: 'demo' });
  return {
    created: true,
    tenant,
    credentials: {
      tenantId: tenant.tenantId,
      domain: DEMO_DOMAIN,
      admin: { userPrincipalName: admin.userPrincipalName, password: admin.password },
      app: { clientId: app.appId, clientSecret: secret.secretText },
    },
  };
}
