import { CatalogueOverlaySchema, type CatalogueOverlay } from '../contracts/catalogue-overlay.js';
import type { AppliesTo, CatalogueData, PlanRule, ServicePlan, Sku } from './catalogue.js';
import { isUsageLocation } from '../contracts/usage-location.js';

/** One row of catalogue/m365-products.csv: one product (SKU) paired with one service plan it includes. */
export interface CsvRow {
  product_name: string;
  sku_part_number: string;
  sku_id: string;
  service_plan_name: string;
  service_plan_id: string;
  service_plan_friendly_name: string;
}

interface PlanDraft {
  servicePlanId: string;
  /** Every spelling the CSV uses for this GUID; the first one is the plan's name. */
  names: string[];
  friendlyName: string;
}

/**
 * Builds Microsoft's catalogue from the licensing CSV rows and the curated overlay
 * (catalogue/catalogue-overlay.json, parsed but not yet validated). Everything is keyed by GUID:
 * part numbers and plan names are not unique in Microsoft's table.
 *
 * Throws an Error naming the entry when the overlay is malformed or refers to a GUID or part
 * number the CSV does not contain.
 */
export function buildMicrosoftCatalogue(rows: readonly CsvRow[], overlay: unknown): CatalogueData {
  const { skuDrafts, planDrafts } = groupRows(rows);
  const parsed = CatalogueOverlaySchema.safeParse(overlay);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new Error(`Catalogue overlay is invalid: ${problems.join('; ')}`);
  }
  const facts = parsed.data;

  const skuAppliesTo = resolveSkuOverrides(facts, skuDrafts);
  const planFacts = resolvePlanEntries(facts, planDrafts);

  const plans: ServicePlan[] = [...planDrafts.values()].map((draft) => {
    const name = draft.names[0] as string;
    const entry = planFacts.get(draft.servicePlanId);
    return {
      servicePlanId: draft.servicePlanId,
      servicePlanName: name,
      friendlyName: draft.friendlyName === '' ? name : draft.friendlyName,
      appliesTo: entry?.appliesTo ?? 'User',
      service: entry?.service ?? serviceByPrefix(name, facts.plans.serviceRules) ?? name,
      dataClass: entry?.dataClass ?? 'none',
      prohibitedUsageLocations: entry?.prohibitedUsageLocations ?? [],
    };
  });

  const skus: Sku[] = [...skuDrafts.values()].map((draft) => ({
    ...draft,
    appliesTo: skuAppliesTo.get(draft.skuId) ?? 'User',
    origin: 'microsoft',
  }));

  return { skus, plans, rules: resolveRules(facts, planDrafts) };
}

function groupRows(rows: readonly CsvRow[]) {
  const skuDrafts = new Map<string, Omit<Sku, 'appliesTo' | 'origin'> & { servicePlanIds: string[] }>();
  const planDrafts = new Map<string, PlanDraft>();
  rows.forEach((row, index) => {
    const skuId = row.sku_id.toLowerCase();
    const planId = row.service_plan_id.toLowerCase();
    if (skuId === '' || planId === '' || row.sku_part_number === '' || row.service_plan_name === '') {
      throw new Error(`m365-products.csv row ${index + 2} lacks a sku_id, sku_part_number, service_plan_id or service_plan_name.`);
    }
    let sku = skuDrafts.get(skuId);
    if (sku === undefined) {
      sku = { skuId, skuPartNumber: row.sku_part_number, displayName: row.product_name, servicePlanIds: [] };
      skuDrafts.set(skuId, sku);
    }
    // The source lists a few plans twice within one product; keep the first.
    if (!sku.servicePlanIds.includes(planId)) {
      sku.servicePlanIds.push(planId);
    }
    const plan = planDrafts.get(planId);
    if (plan === undefined) {
      planDrafts.set(planId, { servicePlanId: planId, names: [row.service_plan_name], friendlyName: row.service_plan_friendly_name });
    } else {
      if (!plan.names.includes(row.service_plan_name)) {
        plan.names.push(row.service_plan_name);
      }
      // Two plans have an empty friendly name in some rows only; take the first non-empty one.
      if (plan.friendlyName === '' && row.service_plan_friendly_name !== '') {
        plan.friendlyName = row.service_plan_friendly_name;
      }
    }
  });
  return { skuDrafts, planDrafts };
}

function resolveSkuOverrides(facts: CatalogueOverlay, skus: ReadonlyMap<string, { skuId: string; skuPartNumber: string }>): Map<string, AppliesTo> {
  const byPartNumber = new Map<string, string[]>();
  for (const sku of skus.values()) {
    const key = sku.skuPartNumber.toLowerCase();
    byPartNumber.set(key, [...(byPartNumber.get(key) ?? []), sku.skuId]);
  }
  const appliesTo = new Map<string, AppliesTo>();
  facts.skus.forEach((override, index) => {
    const where = `Catalogue overlay skus[${index}]`;
    const skuId = override.skuId ?? onlyProductWith(override.skuPartNumber ?? '', byPartNumber, where);
    if (!skus.has(skuId)) {
      throw new Error(`${where} refers to skuId ${skuId}, which m365-products.csv does not contain. Check the GUID.`);
    }
    if (override.skuPartNumber !== undefined && skus.get(skuId)?.skuPartNumber.toLowerCase() !== override.skuPartNumber.toLowerCase()) {
      throw new Error(`${where}: skuId ${skuId} is ${skus.get(skuId)?.skuPartNumber} in m365-products.csv, not ${override.skuPartNumber}.`);
    }
    if (appliesTo.has(skuId)) {
      throw new Error(`${where} repeats product ${skuId}; keep one entry per product.`);
    }
    appliesTo.set(skuId, override.appliesTo);
  });
  return appliesTo;
}

function onlyProductWith(partNumber: string, byPartNumber: ReadonlyMap<string, string[]>, where: string): string {
  const matches = byPartNumber.get(partNumber.toLowerCase()) ?? [];
  if (matches.length !== 1) {
    throw new Error(
      matches.length === 0
        ? `${where} refers to skuPartNumber ${partNumber}, which m365-products.csv does not contain.`
        : `${where}: skuPartNumber ${partNumber} belongs to ${matches.length} products (${matches.join(', ')}); give the skuId.`,
    );
  }
  return matches[0] as string;
}

type PlanEntry = CatalogueOverlay['plans']['entries'][number];

function resolvePlanEntries(facts: CatalogueOverlay, plans: ReadonlyMap<string, PlanDraft>): Map<string, PlanEntry> {
  const entries = new Map<string, PlanEntry>();
  facts.plans.entries.forEach((entry, index) => {
    const where = `Catalogue overlay plans.entries[${index}]`;
    const plan = plans.get(entry.servicePlanId);
    if (plan === undefined) {
      throw new Error(`${where} refers to servicePlanId ${entry.servicePlanId}, which m365-products.csv does not contain. Check the GUID.`);
    }
    if (entry.servicePlanName !== undefined && !plan.names.includes(entry.servicePlanName)) {
      throw new Error(`${where}: ${entry.servicePlanId} is ${plan.names.join(' / ')} in m365-products.csv, not ${entry.servicePlanName}.`);
    }
    if (entries.has(entry.servicePlanId)) {
      throw new Error(`${where} repeats plan ${plan.names[0]} (${entry.servicePlanId}); merge the two entries.`);
    }
    const badLocation = entry.prohibitedUsageLocations?.find((code) => !isUsageLocation(code));
    if (badLocation !== undefined) {
      throw new Error(`${where}: ${badLocation} is not an ISO 3166-1 alpha-2 country code.`);
    }
    entries.set(entry.servicePlanId, entry);
  });
  return entries;
}

function serviceByPrefix(name: string, rules: CatalogueOverlay['plans']['serviceRules']): string | undefined {
  return rules.find((rule) => name.startsWith(rule.prefix))?.service;
}

function resolveRules(facts: CatalogueOverlay, plans: ReadonlyMap<string, PlanDraft>): PlanRule[] {
  const seen = new Set<string>();
  return facts.rules.map((rule, index): PlanRule => {
    const where = `Catalogue overlay rules[${index}]`;
    if (seen.has(rule.ruleId)) {
      throw new Error(`${where} reuses ruleId ${rule.ruleId}; every rule needs its own.`);
    }
    seen.add(rule.ruleId);
    const requireKnown = (planId: string, field: string): void => {
      if (!plans.has(planId)) {
        throw new Error(`${where}.${field} refers to service plan ${planId}, which m365-products.csv does not contain. Check the GUID.`);
      }
    };
    const description = rule.description === undefined ? {} : { description: rule.description };
    if (rule.kind === 'mutuallyExclusive') {
      rule.planIds.forEach((planId, position) => requireKnown(planId, `planIds[${position}]`));
      if (new Set(rule.planIds).size < 2) {
        throw new Error(`${where} lists fewer than two different plans; a mutually exclusive rule needs at least two.`);
      }
      return { kind: 'mutuallyExclusive', ruleId: rule.ruleId, planIds: [...new Set(rule.planIds)], ...description };
    }
    requireKnown(rule.servicePlanId, 'servicePlanId');
    rule.requiredPlanIds.forEach((planId, position) => requireKnown(planId, `requiredPlanIds[${position}]`));
    if (rule.requiredPlanIds.length === 0) {
      throw new Error(`${where} has no requiredPlanIds; a requiresOneOf rule needs at least one prerequisite.`);
    }
    if (rule.requiredPlanIds.includes(rule.servicePlanId)) {
      throw new Error(`${where}: plan ${rule.servicePlanId} cannot require itself.`);
    }
    return {
      kind: 'requiresOneOf',
      ruleId: rule.ruleId,
      servicePlanId: rule.servicePlanId,
      requiredPlanIds: [...new Set(rule.requiredPlanIds)],
      ...description,
    };
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`), '') || '(root)';
}
