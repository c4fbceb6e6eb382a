import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_DIR, loadMicrosoftCatalogue } from '../db/microsoft-catalogue.loader.js';
import { mergeCatalogues } from './catalogue.js';
import { validateCustomCatalogue } from './custom-catalogue.js';
import { AppError, type ErrorDetail } from './errors.js';

const microsoft = loadMicrosoftCatalogue();
const demo = JSON.parse(readFileSync(path.join(CATALOGUE_DIR, 'demo-catalogue.json'), 'utf8')) as Record<string, unknown>;

const STANDARD = '772f4ff0-3a24-4d54-bd51-4406796cd6f2';
const PREMIUM = '8026dd9e-663a-48cb-afc4-3babe1d54307';
const ANALYTICS = '1afda4d4-b211-42ae-bc0d-9a1d58af732e';
const EXCHANGE_S_STANDARD = '9aaf7827-d63c-4b61-89c3-182f06f82e5c';
const EXCHANGE_S_DESKLESS = '4a82b400-a79f-41a4-b4e2-e94f5787b113';
const UNKNOWN = 'd0d0d0d0-0000-4000-8000-000000000000';

/** A fresh, valid catalogue in the demo's shape; tests break one thing at a time. */
function file() {
  return {
    products: [
      { skuId: '0713f81f-363f-464d-9922-b2ee6631c42e', skuPartNumber: 'CONTOSO_FLEET_STANDARD', displayName: 'Contoso Fleet Standard', servicePlans: [STANDARD] },
      { skuId: 'f4bc3745-262f-4745-a9ee-9ec0b5463b86', skuPartNumber: 'CONTOSO_FLEET_PREMIUM', displayName: 'Contoso Fleet Premium', servicePlans: [PREMIUM, ANALYTICS] },
    ] as Record<string, unknown>[],
    servicePlans: [
      { servicePlanId: STANDARD, servicePlanName: 'FLEET_STANDARD', friendlyName: 'Fleet tracking (Standard)' },
      { servicePlanId: PREMIUM, servicePlanName: 'FLEET_PREMIUM', friendlyName: 'Fleet tracking (Premium)' },
      { servicePlanId: ANALYTICS, servicePlanName: 'FLEET_ANALYTICS', friendlyName: 'Fleet analytics' },
    ] as Record<string, unknown>[],
    rules: [
      { kind: 'mutuallyExclusive', planIds: [STANDARD, PREMIUM] },
      { kind: 'requiresOneOf', servicePlanId: ANALYTICS, requiredPlanIds: [PREMIUM] },
    ] as Record<string, unknown>[],
  };
}

function rejection(input: unknown): AppError {
  try {
    validateCustomCatalogue(input, microsoft);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the catalogue to be rejected');
}

/** The single detail for `target`, after checking the error's envelope. */
function problemAt(input: unknown, target: string): ErrorDetail {
  const error = rejection(input);
  expect(error.code).toBe('invalidRequest');
  expect(error.message).not.toContain('\n');
  const matches = error.details.filter((detail) => detail.target === target);
  expect(matches, JSON.stringify(error.details)).toHaveLength(1);
  return matches[0] as ErrorDetail;
}

describe('validateCustomCatalogue', () => {
  it('accepts the demo catalogue of Contoso', () => {
    const { data } = validateCustomCatalogue(demo, microsoft);
    expect(data.skus.map((sku) => sku.skuPartNumber)).toEqual(['CONTOSO_FLEET_STANDARD', 'CONTOSO_FLEET_PREMIUM']);
    expect(data.skus.every((sku) => sku.origin === 'custom' && sku.appliesTo === 'User')).toBe(true);
    expect(data.skus[1]?.servicePlanIds).toEqual([PREMIUM, ANALYTICS]);
    expect(data.plans.map((plan) => plan.friendlyName)).toEqual(['Fleet tracking (Standard)', 'Fleet tracking (Premium)', 'Fleet analytics']);
    expect(data.rules).toEqual([
      expect.objectContaining({ kind: 'mutuallyExclusive', ruleId: 'f7919708-707f-4740-993d-c7f69fb2d01f', planIds: [STANDARD, PREMIUM] }),
      expect.objectContaining({ kind: 'requiresOneOf', ruleId: 'fc90deb4-c577-4f55-9c6a-8c67850af4f1', servicePlanId: ANALYTICS, requiredPlanIds: [PREMIUM] }),
    ]);
    const tenant = mergeCatalogues(microsoft, data);
    expect(tenant.findSkuByPartNumber('contoso_fleet_premium')?.displayName).toBe('Contoso Fleet Premium');
    expect(tenant.rulesForPlan(PREMIUM)).toHaveLength(2);
  });

  it('fills defaults and derives stable rule ids, lower-casing GUIDs', () => {
    const input = file();
    input.products[0] = { ...input.products[0], skuId: '0713F81F-363F-464D-9922-B2EE6631C42E' };
    const first = validateCustomCatalogue(input, microsoft).data;
    const again = validateCustomCatalogue(file(), microsoft).data;
    expect(first.skus[0]?.skuId).toBe('0713f81f-363f-464d-9922-b2ee6631c42e');
    expect(first.plans[0]).toMatchObject({ service: 'FLEET_STANDARD', dataClass: 'none', appliesTo: 'User', prohibitedUsageLocations: [] });
    expect(first.rules.map((rule) => rule.ruleId)).toEqual(again.rules.map((rule) => rule.ruleId));
    expect(first.rules[0]?.ruleId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.rules[0]?.ruleId).not.toBe(first.rules[1]?.ruleId);
  });

  it('lets products include Microsoft plans and rules name them', () => {
    const input = file();
    input.products[0] = { ...input.products[0], servicePlans: [STANDARD, EXCHANGE_S_STANDARD] };
    input.rules.push({ kind: 'requiresOneOf', servicePlanId: ANALYTICS, requiredPlanIds: [EXCHANGE_S_STANDARD] });
    expect(validateCustomCatalogue(input, microsoft).data.skus[0]?.servicePlanIds).toEqual([STANDARD, EXCHANGE_S_STANDARD]);
  });

  it('reports every problem at once, with a one-line summary', () => {
    const input = file();
    input.products[1] = { ...input.products[1], skuId: input.products[0]?.skuId };
    input.servicePlans[0] = { ...input.servicePlans[0], prohibitedUsageLocations: ['de'] };
    const error = rejection(input);
    expect(error.details.map((detail) => detail.target).sort()).toEqual(['products[1].skuId', 'servicePlans[0].prohibitedUsageLocations[0]']);
    expect(error.message).toMatch(/^The custom catalogue was rejected \(2 problems\)\. First: /);
  });

  describe('shape', () => {
    it('names the field that is missing, malformed or unknown', () => {
      const input = file();
      delete input.products[0]?.displayName;
      input.products[1] = { ...input.products[1], skuId: 'not-a-guid', colour: 'blue' };
      const error = rejection(input);
      expect(error.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ target: 'products[0].displayName', message: expect.stringMatching(/missing/) }),
          expect.objectContaining({ target: 'products[1].skuId', message: expect.stringMatching(/must be a GUID/) }),
          expect.objectContaining({ target: 'products[1]', message: expect.stringMatching(/colour/) }),
        ]),
      );
    });

    it('rejects a product without plans and a rule of unknown kind', () => {
      const input = file();
      input.products[0] = { ...input.products[0], servicePlans: [] };
      input.rules[0] = { kind: 'sometimes', planIds: [STANDARD, PREMIUM] };
      expect(problemAt(input, 'products[0].servicePlans').message).toMatch(/at least one service plan/);
      expect(problemAt(input, 'rules[0].kind').code).toBe('invalidValue');
    });

    it('rejects something that is not a catalogue at all', () => {
      expect(problemAt([], '(root)').code).toBe('invalidValue');
    });
  });

  describe('duplicates inside the file', () => {
    it('rejects two products with one skuId', () => {
      const input = file();
      input.products[1] = { ...input.products[1], skuId: input.products[0]?.skuId };
      const detail = problemAt(input, 'products[1].skuId');
      expect(detail.code).toBe('duplicateSkuId');
      expect(detail.message).toContain('Contoso Fleet Premium');
      expect(detail.message).toContain('Contoso Fleet Standard');
    });

    it('rejects two products with one part number, ignoring case', () => {
      const input = file();
      input.products[1] = { ...input.products[1], skuPartNumber: 'contoso_fleet_standard' };
      expect(problemAt(input, 'products[1].skuPartNumber').code).toBe('duplicateSkuPartNumber');
    });

    it('rejects two plans with one servicePlanId or one name', () => {
      const input = file();
      input.servicePlans[2] = { ...input.servicePlans[2], servicePlanId: PREMIUM, servicePlanName: 'fleet_premium' };
      input.products[1] = { ...input.products[1], servicePlans: [PREMIUM] };
      input.rules = [];
      expect(problemAt(input, 'servicePlans[2].servicePlanId').code).toBe('duplicateServicePlanId');
      const named = problemAt(input, 'servicePlans[2].servicePlanName');
      expect(named.code).toBe('duplicateServicePlanName');
      expect(named.message).toContain('fleet_premium');
    });

    it('rejects a plan listed twice in one product', () => {
      const input = file();
      input.products[1] = { ...input.products[1], servicePlans: [PREMIUM, ANALYTICS, PREMIUM] };
      const detail = problemAt(input, 'products[1].servicePlans[2]');
      expect(detail.code).toBe('repeatedServicePlan');
      expect(detail.message).toContain('FLEET_PREMIUM');
    });

    it('rejects a ruleId used twice', () => {
      const input = file();
      input.rules[0] = { ...input.rules[0], ruleId: 'f7919708-707f-4740-993d-c7f69fb2d01f' };
      input.rules[1] = { ...input.rules[1], ruleId: 'F7919708-707F-4740-993D-C7F69FB2D01F' };
      expect(problemAt(input, 'rules[1].ruleId').code).toBe('duplicateRuleId');
    });
  });

  describe("collisions with Microsoft's catalogue", () => {
    it("rejects a Microsoft skuId and names Microsoft's product", () => {
      const input = file();
      input.products[0] = { ...input.products[0], skuId: 'CBDC14AB-D96C-4C30-B9F4-6ADA7CDC1D46' };
      const detail = problemAt(input, 'products[0].skuId');
      expect(detail.code).toBe('conflictsWithMicrosoft');
      expect(detail.message).toContain('Microsoft 365 Business Premium');
      expect(detail.message).toMatch(/new GUID/);
    });

    it('rejects a Microsoft part number, ignoring case', () => {
      const input = file();
      input.products[0] = { ...input.products[0], skuPartNumber: 'enterprisepack' };
      const detail = problemAt(input, 'products[0].skuPartNumber');
      expect(detail.code).toBe('conflictsWithMicrosoft');
      expect(detail.message).toContain('ENTERPRISEPACK');
    });

    it('rejects redefining a Microsoft plan', () => {
      const input = file();
      input.servicePlans.push({ servicePlanId: EXCHANGE_S_STANDARD, servicePlanName: 'MY_MAIL', friendlyName: 'Mail' });
      const detail = problemAt(input, 'servicePlans[3].servicePlanId');
      expect(detail.code).toBe('conflictsWithMicrosoft');
      expect(detail.message).toContain('EXCHANGE_S_STANDARD');
    });
  });

  describe('references', () => {
    it('rejects a product plan defined neither in the file nor by Microsoft', () => {
      const input = file();
      input.products[1] = { ...input.products[1], servicePlans: [PREMIUM, UNKNOWN] };
      const detail = problemAt(input, 'products[1].servicePlans[1]');
      expect(detail.code).toBe('unknownServicePlan');
      expect(detail.message).toContain('Contoso Fleet Premium');
      expect(detail.message).toContain(UNKNOWN);
      expect(detail.message).toMatch(/Define it under servicePlans/);
    });

    it('rejects rules that name unknown plans', () => {
      const input = file();
      input.rules = [
        { kind: 'mutuallyExclusive', planIds: [STANDARD, UNKNOWN] },
        { kind: 'requiresOneOf', servicePlanId: UNKNOWN, requiredPlanIds: [PREMIUM] },
        { kind: 'requiresOneOf', servicePlanId: ANALYTICS, requiredPlanIds: [PREMIUM, UNKNOWN] },
      ];
      expect(problemAt(input, 'rules[0].planIds[1]').code).toBe('unknownServicePlan');
      expect(problemAt(input, 'rules[1].servicePlanId').code).toBe('unknownServicePlan');
      expect(problemAt(input, 'rules[2].requiredPlanIds[1]').code).toBe('unknownServicePlan');
    });
  });

  describe('rule sanity', () => {
    it('rejects a mutually exclusive rule with fewer than two different plans', () => {
      const input = file();
      input.rules[0] = { kind: 'mutuallyExclusive', planIds: [STANDARD, STANDARD] };
      const detail = problemAt(input, 'rules[0].planIds');
      expect(detail.code).toBe('ruleTooFewPlans');
      expect(detail.message).toContain('FLEET_STANDARD');
      expect(problemAt({ ...file(), rules: [{ kind: 'mutuallyExclusive', planIds: [] }] }, 'rules[0].planIds').code).toBe('ruleTooFewPlans');
    });

    it('rejects a requiresOneOf rule without prerequisites', () => {
      const input = file();
      input.rules[1] = { kind: 'requiresOneOf', servicePlanId: ANALYTICS, requiredPlanIds: [] };
      const detail = problemAt(input, 'rules[1].requiredPlanIds');
      expect(detail.code).toBe('ruleWithoutPrerequisites');
      expect(detail.message).toContain('FLEET_ANALYTICS');
    });

    it('rejects a plan that requires itself', () => {
      const input = file();
      input.rules[1] = { kind: 'requiresOneOf', servicePlanId: ANALYTICS, requiredPlanIds: [PREMIUM, ANALYTICS.toUpperCase()] };
      const detail = problemAt(input, 'rules[1].requiredPlanIds[1]');
      expect(detail.code).toBe('ruleRequiresItself');
      expect(detail.message).toContain('FLEET_ANALYTICS');
    });

    it('rejects a product that holds two mutually exclusive plans (custom or Microsoft rule)', () => {
      const input = file();
      input.products[1] = { ...input.products[1], servicePlans: [STANDARD, PREMIUM] };
      expect(problemAt(input, 'products[1].servicePlans').code).toBe('productBreaksRule');

      const mixed = file();
      mixed.products[0] = { ...mixed.products[0], servicePlans: [STANDARD, EXCHANGE_S_STANDARD, EXCHANGE_S_DESKLESS] };
      expect(problemAt(mixed, 'products[0].servicePlans').message).toMatch(/Microsoft's rule/);
    });
  });

  describe('usage locations', () => {
    it.each([
      ['de', /upper case: "DE"/],
      ['XK', /two-letter ISO 3166-1/],
      ['DEU', /two-letter ISO 3166-1/],
    ])('rejects %s', (code, hint) => {
      const input = file();
      input.servicePlans[1] = { ...input.servicePlans[1], prohibitedUsageLocations: ['CU', code] };
      const detail = problemAt(input, 'servicePlans[1].prohibitedUsageLocations[1]');
      expect(detail.code).toBe('invalidUsageLocation');
      expect(detail.message).toContain('FLEET_PREMIUM');
      expect(detail.message).toMatch(hint);
    });

    it('accepts upper-case ISO codes', () => {
      const input = file();
      input.servicePlans[1] = { ...input.servicePlans[1], prohibitedUsageLocations: ['CU', 'IR', 'KP'] };
      expect(validateCustomCatalogue(input, microsoft).data.plans[1]?.prohibitedUsageLocations).toEqual(['CU', 'IR', 'KP']);
    });
  });
});
