import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_DIR, loadMicrosoftCatalogue, parseCsv } from '../db/microsoft-catalogue.loader.js';
import { createCatalogue } from './catalogue.js';
import { buildMicrosoftCatalogue, type CsvRow } from './microsoft-catalogue.js';

const catalogue = createCatalogue(loadMicrosoftCatalogue());
const overlayJson = JSON.parse(readFileSync(path.join(CATALOGUE_DIR, 'catalogue-overlay.json'), 'utf8')) as {
  rules: { ruleId: string }[];
};

const plan = (name: string) => {
  const found = catalogue.plans.find((candidate) => candidate.servicePlanName === name);
  if (found === undefined) {
    throw new Error(`no plan ${name}`);
  }
  return found;
};

const row = (overrides: Partial<CsvRow> = {}): CsvRow => ({
  product_name: 'Office 365 E3',
  sku_part_number: 'ENTERPRISEPACK',
  sku_id: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  service_plan_name: 'EXCHANGE_S_ENTERPRISE',
  service_plan_id: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  service_plan_friendly_name: 'Exchange Online (Plan 2)',
  ...overrides,
});

describe('loadMicrosoftCatalogue', () => {
  it('reads all 610 products and 771 service plans', () => {
    expect(catalogue.skus).toHaveLength(610);
    expect(catalogue.plans).toHaveLength(771);
    expect(new Set(catalogue.skus.map((sku) => sku.skuId)).size).toBe(610);
    expect(catalogue.skus.every((sku) => sku.origin === 'microsoft')).toBe(true);
  });

  it('is memoised per data folder and independent of the working directory', () => {
    expect(loadMicrosoftCatalogue()).toBe(loadMicrosoftCatalogue(`${CATALOGUE_DIR}/`));
    expect(path.basename(CATALOGUE_DIR)).toBe('catalogue');
  });

  it('finds Microsoft 365 Business Premium by id and part number', () => {
    const spb = catalogue.findSkuByPartNumber('SPB');
    expect(spb?.skuPartNumber).toBe('SPB');
    expect(spb?.skuId).toBe('cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46');
    expect(catalogue.findSku('CBDC14AB-D96C-4C30-B9F4-6ADA7CDC1D46')).toBe(spb);
    expect(spb?.appliesTo).toBe('User');
    expect(spb?.servicePlanIds).toContain(plan('EXCHANGE_S_STANDARD').servicePlanId);
  });

  it('keeps both products that share the part number MCOPSTN5', () => {
    expect(catalogue.skus.filter((sku) => sku.skuPartNumber === 'MCOPSTN5')).toHaveLength(2);
  });

  it('lists each plan once per product, in file order', () => {
    for (const sku of catalogue.skus) {
      expect(new Set(sku.servicePlanIds).size).toBe(sku.servicePlanIds.length);
      expect(sku.servicePlanIds.every((planId) => catalogue.findPlan(planId) !== undefined)).toBe(true);
    }
    const e3 = catalogue.findSkuByPartNumber('ENTERPRISEPACK');
    const csv = parseCsv(readFileSync(path.join(CATALOGUE_DIR, 'm365-products.csv'), 'utf8'));
    const inFile = csv.filter((fields) => fields[1] === 'ENTERPRISEPACK').map((fields) => fields[4]);
    expect(e3?.servicePlanIds).toEqual([...new Set(inFile)]);
  });

  it('falls back to the plan name for an empty friendly name and keeps the first spelling', () => {
    expect(plan('PBI_PREMIUM_EM1_ADDON').friendlyName).toBe('PBI_PREMIUM_EM1_ADDON');
    // Empty in one product, named in another: the name wins.
    expect(plan('M365_COPILOT_INTELLIGENT_SEARCH').friendlyName).toBe('Intelligent Search');
    // 8c7d2df8… is spelt both Deskless and DESKLESS; the first spelling in the file wins.
    const csv = parseCsv(readFileSync(path.join(CATALOGUE_DIR, 'm365-products.csv'), 'utf8'));
    const spellings = csv.filter((fields) => fields[4] === '8c7d2df8-86f0-4902-b2ed-a0458298f3b3').map((fields) => fields[3]);
    expect(new Set(spellings)).toEqual(new Set(['Deskless', 'DESKLESS']));
    expect(catalogue.findPlan('8c7d2df8-86f0-4902-b2ed-a0458298f3b3')?.servicePlanName).toBe(spellings[0]);
  });

  it('applies the overlay: service, data class and tenant-wide products', () => {
    expect(plan('EXCHANGE_S_ENTERPRISE')).toMatchObject({ service: 'exchange', dataClass: 'mailbox', appliesTo: 'User' });
    expect(plan('SHAREPOINTENTERPRISE')).toMatchObject({ service: 'SharePoint', dataClass: 'files' });
    expect(plan('ONEDRIVE_BASIC')).toMatchObject({ service: 'SharePoint', dataClass: 'files' });
    expect(plan('TEAMS1').service).toBe('TeamspaceAPI');
    expect(plan('MCOEV').service).toBe('MicrosoftCommunicationsOnline');
    expect(plan('OFFICESUBSCRIPTION').service).toBe('MicrosoftOffice');
    expect(plan('BPOS_S_TODO_3').service).toBe('To-Do');
    expect(plan('THREAT_INTELLIGENCE').service).toBe('exchange');
    expect(plan('EXCHANGE_S_FOUNDATION')).toMatchObject({ service: 'exchange', dataClass: 'none', appliesTo: 'Company' });
    expect(plan('Forms_Pro_USL').service).toBe('Forms_Pro_USL');
    expect(catalogue.findSkuByPartNumber('SHAREPOINTSTORAGE')?.appliesTo).toBe('Company');
    expect(catalogue.findSkuByPartNumber('CDS_DB_CAPACITY')?.appliesTo).toBe('Company');
    expect(catalogue.skus.filter((sku) => sku.appliesTo === 'Company').length).toBeLessThan(20);
  });

  it('resolves every overlay rule to known plans', () => {
    expect(catalogue.rules).toHaveLength(overlayJson.rules.length);
    expect(new Set(catalogue.rules.map((rule) => rule.ruleId)).size).toBe(catalogue.rules.length);
    for (const rule of catalogue.rules) {
      const planIds = rule.kind === 'mutuallyExclusive' ? rule.planIds : [rule.servicePlanId, ...rule.requiredPlanIds];
      for (const planId of planIds) {
        expect(catalogue.findPlan(planId), `${rule.ruleId} names ${planId}`).toBeDefined();
        expect(catalogue.rulesForPlan(planId)).toContain(rule);
      }
    }
    const projectOnline = catalogue.rulesForPlan('fe71d6c3-a2ea-4499-9778-da042bf08063');
    expect(projectOnline).toContainEqual(
      expect.objectContaining({ kind: 'requiresOneOf', requiredPlanIds: ['5dbe027f-2339-4123-9542-606e4d348a72'] }),
    );
    const analytics = catalogue.rulesForPlan(plan('WORKPLACE_ANALYTICS').servicePlanId);
    expect(analytics).toContainEqual(
      expect.objectContaining({ requiredPlanIds: [plan('EXCHANGE_S_STANDARD').servicePlanId, plan('EXCHANGE_S_ENTERPRISE').servicePlanId] }),
    );
  });

  it('has no Microsoft product that breaks a mutually exclusive rule on its own', () => {
    for (const rule of catalogue.rules) {
      if (rule.kind !== 'mutuallyExclusive') {
        continue;
      }
      for (const sku of catalogue.skus) {
        expect(rule.planIds.filter((planId) => sku.servicePlanIds.includes(planId)).length, sku.skuPartNumber).toBeLessThan(2);
      }
    }
  });

  it('reads the CSV exactly as csv-parse does', () => {
    const text = readFileSync(path.join(CATALOGUE_DIR, 'm365-products.csv'), 'utf8');
    expect(parseCsv(text)).toEqual(parse(text, { skip_empty_lines: true, bom: true }));
    expect(parseCsv('\uFEFFa,"b ""c"", d",\r\n\r\n"x\ny",2,3\n')).toEqual([
      ['a', 'b "c", d', ''],
      ['x\ny', '2', '3'],
    ]);
  });
});

describe('buildMicrosoftCatalogue', () => {
  const rows = [
    row(),
    row({ service_plan_name: 'SHAREPOINTENTERPRISE', service_plan_id: '5DBE027F-2339-4123-9542-606E4D348A72', service_plan_friendly_name: '' }),
    row({ service_plan_name: 'EXCHANGE_S_ENTERPRISE' }),
  ];

  it('groups rows, lower-cases GUIDs and defaults what the overlay leaves out', () => {
    const data = buildMicrosoftCatalogue(rows, {});
    expect(data.skus).toEqual([
      {
        skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900',
        skuPartNumber: 'ENTERPRISEPACK',
        displayName: 'Office 365 E3',
        appliesTo: 'User',
        servicePlanIds: ['efb87545-963c-4e0d-99df-69c6916d9eb0', '5dbe027f-2339-4123-9542-606e4d348a72'],
        origin: 'microsoft',
      },
    ]);
    expect(data.plans[1]).toEqual({
      servicePlanId: '5dbe027f-2339-4123-9542-606e4d348a72',
      servicePlanName: 'SHAREPOINTENTERPRISE',
      friendlyName: 'SHAREPOINTENTERPRISE',
      appliesTo: 'User',
      service: 'SHAREPOINTENTERPRISE',
      dataClass: 'none',
      prohibitedUsageLocations: [],
    });
    expect(data.rules).toEqual([]);
  });

  it('uses the first matching prefix rule, and a plan entry over any rule', () => {
    const data = buildMicrosoftCatalogue(rows, {
      _comment: 'ignored',
      plans: {
        serviceRules: [
          { prefix: 'SHAREPOINT', service: 'SharePoint', _source: 'ignored' },
          { prefix: 'SHARE', service: 'wrong' },
          { prefix: 'EXCHANGE_', service: 'exchange' },
        ],
        entries: [{ servicePlanId: 'EFB87545-963C-4E0D-99DF-69C6916D9EB0', service: 'custom', prohibitedUsageLocations: ['CU'] }],
      },
    });
    expect(data.plans.map((entry) => entry.service)).toEqual(['custom', 'SharePoint']);
    expect(data.plans[0]?.prohibitedUsageLocations).toEqual(['CU']);
  });

  it.each([
    ['an unknown plan GUID in a plan entry', { plans: { entries: [{ servicePlanId: '00000000-0000-0000-0000-000000000001', dataClass: 'files' }] } }, /plans\.entries\[0\].*00000000-0000-0000-0000-000000000001/],
    ['an unknown skuId', { skus: [{ skuId: '00000000-0000-0000-0000-000000000002', appliesTo: 'Company' }] }, /skus\[0\].*00000000-0000-0000-0000-000000000002/],
    ['an unknown part number', { skus: [{ skuPartNumber: 'NOPE', appliesTo: 'Company' }] }, /skus\[0\].*NOPE/],
    [
      'an unknown plan in a rule',
      { rules: [{ kind: 'requiresOneOf', ruleId: '2f1e4cb2-7a43-4d55-9d7e-3f2b8a1c0d9e', servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0', requiredPlanIds: ['00000000-0000-0000-0000-000000000003'] }] },
      /rules\[0\]\.requiredPlanIds\[0\].*00000000-0000-0000-0000-000000000003/,
    ],
    ['a plan name that does not match its GUID', { plans: { entries: [{ servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0', servicePlanName: 'EXCHANGE_S_STANDARD' }] } }, /EXCHANGE_S_STANDARD/],
    ['a misspelt key', { plans: { entrys: [] } }, /entrys/],
    ['an invalid country', { plans: { entries: [{ servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0', prohibitedUsageLocations: ['XK'] }] } }, /XK/],
  ])('fails loudly on %s', (_name, overlay, message) => {
    expect(() => buildMicrosoftCatalogue(rows, overlay)).toThrow(message);
  });

  it('needs the skuId when a part number names two products', () => {
    const twins = [row(), row({ sku_id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' })];
    expect(() => buildMicrosoftCatalogue(twins, { skus: [{ skuPartNumber: 'ENTERPRISEPACK', appliesTo: 'Company' }] })).toThrow(/give the skuId/);
    const data = buildMicrosoftCatalogue(twins, { skus: [{ skuId: 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA', skuPartNumber: 'ENTERPRISEPACK', appliesTo: 'Company' }] });
    expect(data.skus.map((sku) => sku.appliesTo)).toEqual(['User', 'Company']);
  });
});
