import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { requireSelfServicePurchaseAllowed } from '../../src/services/product-settings.service.js';
import { tenantRepositories } from '../../src/services/transaction.js';
import { createLicensingTenant, EXTRA, FLEET, MS, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Product settings: self-service purchase policy (Global Administrator), threshold, inactivity, price. */

interface SettingsBody {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  selfServicePolicy: string;
  lowSeatThreshold: number | null;
  lowSeatAlertDateTime: string | null;
  inactivityDays: number;
  monthlyPrice: number | null;
  currency: string | null;
}

let t: TestApp;
let tenant: LicensingTenant;

const settingsUrl = (skuId: string) => `/admin/products/${skuId}/settings`;

const call = (method: 'GET' | 'PATCH', url: string, payload?: object, headers?: Record<string, string>) =>
  t.inject({ method, url, tenant: tenant.tenantId, ...(headers ? { headers } : {}), ...(payload ? { payload } : {}) });

const settingsRows = async () =>
  (await sql<Record<string, unknown>>`SELECT * FROM product_setting WHERE tenant_id = ${tenant.tenantId} ORDER BY sku_id`.execute(t.handle.db)).rows;

const auditOf = async (skuId: string) =>
  (
    await sql<{ activity: string; actor_authorization: string | null; changes: { property: string; before: unknown; after: unknown }[] }>`
      SELECT activity, actor_authorization, changes FROM audit_log WHERE tenant_id = ${tenant.tenantId} AND target_id = ${skuId} AND activity = 'Update product settings' ORDER BY occurred_at, audit_id`.execute(t.handle.db)
  ).rows;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createLicensingTenant(t.services);
});
afterAll(async () => {
  await t.close();
});

describe('product settings', () => {
  it('gives the defaults for a product never configured: self-service allowed, no threshold, 30 days', async () => {
    const response = await call('GET', settingsUrl(MS.e3.toUpperCase()));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<SettingsBody>()).toEqual({
      skuId: MS.e3,
      skuPartNumber: 'ENTERPRISEPACK',
      displayName: expect.any(String) as string,
      selfServicePolicy: 'allow',
      lowSeatThreshold: null,
      lowSeatAlertDateTime: null,
      inactivityDays: 30,
      monthlyPrice: null,
      currency: null,
    });
  });

  it('lists every product the tenant has subscriptions for, with its settings', async () => {
    const response = await call('GET', '/admin/products');
    expect(response.statusCode).toBe(200);
    const products = response.json<{ value: SettingsBody[] }>().value;
    expect(new Set(products.map((product) => product.skuId))).toEqual(new Set([MS.e3, MS.e5, MS.audioConferencing, FLEET.standard, FLEET.premium, EXTRA.site, EXTRA.restricted]));
    expect(products.every((product) => product.selfServicePolicy === 'allow')).toBe(true);
  });

  it('changes threshold, inactivity and price as a Billing Administrator, audited with the changes', async () => {
    const { headers } = await t.adminHeaders(tenant.tenantId, ['Billing Administrator']);
    const response = await call('PATCH', settingsUrl(FLEET.standard), { lowSeatThreshold: 2, inactivityDays: 60, monthlyPrice: 12.5, currency: 'eur' }, headers);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<SettingsBody>()).toMatchObject({ selfServicePolicy: 'allow', lowSeatThreshold: 2, inactivityDays: 60, monthlyPrice: 12.5, currency: 'EUR' });
    expect((await call('GET', settingsUrl(FLEET.standard))).json<SettingsBody>()).toMatchObject({ lowSeatThreshold: 2, monthlyPrice: 12.5, currency: 'EUR' });
    const audit = await auditOf(FLEET.standard);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ activity: 'Update product settings', actor_authorization: 'Billing Administrator' });
    expect(audit[0]?.changes).toEqual([
      { property: 'lowSeatThreshold', before: null, after: 2 },
      { property: 'inactivityDays', before: 30, after: 60 },
      { property: 'monthlyPrice', before: null, after: 12.5 },
      { property: 'currency', before: null, after: 'EUR' },
    ]);
    // The same values again change nothing and write no audit row.
    expect((await call('PATCH', settingsUrl(FLEET.standard), { lowSeatThreshold: 2 }, headers)).statusCode).toBe(200);
    expect(await auditOf(FLEET.standard)).toHaveLength(1);
    // null clears the threshold.
    expect((await call('PATCH', settingsUrl(FLEET.standard), { lowSeatThreshold: null }, headers)).json<SettingsBody>().lowSeatThreshold).toBeNull();
  });

  it('lets only a Global Administrator set the self-service policy', async () => {
    const before = await settingsRows();
    for (const role of ['Billing Administrator', 'License Administrator'] as const) {
      const { headers } = await t.adminHeaders(tenant.tenantId, [role]);
      const response = await call('PATCH', settingsUrl(MS.e5), { selfServicePolicy: 'deny' }, headers);
      const body = expectGraphError(response, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      expect(body.error.details?.[0]?.code).toBe('MissingRole');
    }
    // A Billing Administrator may not slip the policy in with a field it may change.
    const billing = await t.adminHeaders(tenant.tenantId, ['Billing Administrator']);
    const mixed = await call('PATCH', settingsUrl(MS.e5), { selfServicePolicy: 'deny', inactivityDays: 90 }, billing.headers);
    expect(mixed.statusCode).toBe(403);
    expect(await settingsRows()).toEqual(before);

    const global = await t.adminHeaders(tenant.tenantId, ['Global Administrator']);
    const response = await call('PATCH', settingsUrl(MS.e5), { selfServicePolicy: 'trialsOnly' }, global.headers);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<SettingsBody>().selfServicePolicy).toBe('trialsOnly');
    expect((await auditOf(MS.e5)).map((row) => [row.activity, row.actor_authorization, row.changes])).toEqual([
      ['Update product settings', 'Global Administrator', [{ property: 'selfServicePolicy', before: 'allow', after: 'trialsOnly' }]],
    ]);
  });

  it('answers 404 in Graph\'s envelope for a product outside the tenant\'s catalogue', async () => {
    const unknown = EXTRA.unknown;
    expectGraphError(await call('GET', settingsUrl(unknown)), 404, 'Request_ResourceNotFound', new RegExp(unknown));
    const before = await settingsRows();
    expectGraphError(await call('PATCH', settingsUrl(unknown), { inactivityDays: 60 }), 404, 'Request_ResourceNotFound', new RegExp(unknown));
    expect(await settingsRows()).toEqual(before);
  });

  it('refuses bad values with 400 and changes nothing', async () => {
    const before = await settingsRows();
    const cases: [object, RegExp][] = [
      [{ selfServicePolicy: 'sometimes' }, /selfServicePolicy must be allow, trialsOnly or deny/],
      [{ lowSeatThreshold: -1 }, /lowSeatThreshold must be a whole number/],
      [{ lowSeatThreshold: 1.5 }, /lowSeatThreshold must be a whole number/],
      [{ inactivityDays: 0 }, /inactivityDays must be a whole number from 1 to 3650/],
      [{ inactivityDays: 3651 }, /inactivityDays must be a whole number from 1 to 3650/],
      [{ monthlyPrice: 1.234, currency: 'EUR' }, /at most two decimals/],
      [{ currency: 'EURO' }, /three-letter ISO 4217/],
      [{ colour: 'blue' }, /colour/],
      [{ monthlyPrice: 10 }, /A monthlyPrice needs a currency/],
    ];
    for (const [payload, message] of cases) {
      const response = await call('PATCH', settingsUrl(MS.audioConferencing), payload);
      expectGraphError(response, 400, 'Request_BadRequest', message);
    }
    expect(await settingsRows()).toEqual(before);
  });
});

describe('self-service purchase policy', () => {
  const purchase = async (skuId: string, isTrial: boolean) => {
    try {
      await requireSelfServicePurchaseAllowed(tenantRepositories(t.handle.db, tenant.context), skuId, isTrial);
      return 'allowed';
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      return (error as AppError).message;
    }
  };

  it('allows, allows trials only, or refuses with a clear message', async () => {
    expect(await purchase(FLEET.premium, false)).toBe('allowed');
    await call('PATCH', settingsUrl(FLEET.premium), { selfServicePolicy: 'trialsOnly' });
    expect(await purchase(FLEET.premium, true)).toBe('allowed');
    expect(await purchase(FLEET.premium, false)).toBe('Self-service purchases of this product are allowed for trials only; ask an administrator to buy it.');
    await call('PATCH', settingsUrl(FLEET.premium), { selfServicePolicy: 'deny' });
    expect(await purchase(FLEET.premium.toUpperCase(), true)).toBe('Self-service purchases of this product are turned off; ask an administrator to buy it.');
  });
});
