/**
 * The product catalogue as the licensing rules see it: SKUs, their service plans and the rules
 * between plans. Microsoft's catalogue ships with Allot (catalogue/); a tenant adds its own products.
 * A tenant's effective catalogue is the merge of both (see `mergeCatalogues`).
 */
export type AppliesTo = 'User' | 'Company';

/** What happens to a plan's data when a user loses it (the lifecycle issue acts on it). */
export type DataClass = 'mailbox' | 'files' | 'none';

export interface ServicePlan {
  servicePlanId: string;
  servicePlanName: string;
  friendlyName: string;
  appliesTo: AppliesTo;
  /** Graph's assignedPlan.service (workload): exchange, SharePoint, MicrosoftOffice… */
  service: string;
  dataClass: DataClass;
  /** Days the plan's data is kept after the user loses it; absent: the data class's default (domain/data-lifecycle.ts). */
  dataRetentionDays?: number;
  /** ISO 3166-1 alpha-2 codes where the plan may not be used. */
  prohibitedUsageLocations: readonly string[];
}

export interface Sku {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  appliesTo: AppliesTo;
  servicePlanIds: readonly string[];
  origin: 'microsoft' | 'custom';
}

export type PlanRule =
  | {
      kind: 'mutuallyExclusive';
      ruleId: string;
      /** No two of these plans may be enabled for one user at the same time. */
      planIds: readonly string[];
      description?: string;
    }
  | {
      kind: 'requiresOneOf';
      ruleId: string;
      /** This plan may be enabled only while… */
      servicePlanId: string;
      /** …at least one of these plans is enabled for the same user. */
      requiredPlanIds: readonly string[];
      description?: string;
    };

export interface CatalogueData {
  skus: readonly Sku[];
  plans: readonly ServicePlan[];
  rules: readonly PlanRule[];
}

export interface Catalogue extends CatalogueData {
  findSku(skuId: string): Sku | undefined;
  findSkuByPartNumber(skuPartNumber: string): Sku | undefined;
  findPlan(servicePlanId: string): ServicePlan | undefined;
  /** Rules that mention the plan (as subject, prerequisite or member of an exclusive set). */
  rulesForPlan(servicePlanId: string): readonly PlanRule[];
}

export function createCatalogue(data: CatalogueData): Catalogue {
  const skusById = new Map(data.skus.map((sku) => [sku.skuId, sku]));
  const skusByPartNumber = new Map(data.skus.map((sku) => [sku.skuPartNumber.toLowerCase(), sku]));
  const plansById = new Map(data.plans.map((plan) => [plan.servicePlanId, plan]));
  const rulesByPlan = new Map<string, PlanRule[]>();
  for (const rule of data.rules) {
    const mentioned = rule.kind === 'mutuallyExclusive' ? rule.planIds : [rule.servicePlanId, ...rule.requiredPlanIds];
    for (const planId of new Set(mentioned)) {
      const list = rulesByPlan.get(planId) ?? [];
      list.push(rule);
      rulesByPlan.set(planId, list);
    }
  }
  return {
    ...data,
    findSku: (skuId) => skusById.get(skuId.toLowerCase()),
    findSkuByPartNumber: (partNumber) => skusByPartNumber.get(partNumber.toLowerCase()),
    findPlan: (planId) => plansById.get(planId.toLowerCase()),
    rulesForPlan: (planId) => rulesByPlan.get(planId.toLowerCase()) ?? [],
  };
}

const isCatalogue = (value: CatalogueData | Catalogue): value is Catalogue => 'findSku' in value;

/**
 * A tenant's effective catalogue: its custom products and rules layered on top of Microsoft's. The
 * base's lookup tables are reused, not rebuilt (Microsoft's catalogue has 610 SKUs and 771 plans, and
 * every license request asks for a tenant catalogue); only the tenant's own entries are indexed.
 */
export function mergeCatalogues(base: Catalogue | CatalogueData, custom: CatalogueData): Catalogue {
  const below = isCatalogue(base) ? base : createCatalogue(base);
  if (custom.skus.length === 0 && custom.plans.length === 0 && custom.rules.length === 0) {
    return below;
  }
  const layer = createCatalogue(custom);
  const customSkuIds = new Set(custom.skus.map((sku) => sku.skuId));
  const customPlanIds = new Set(custom.plans.map((plan) => plan.servicePlanId));
  return {
    skus: [...below.skus.filter((sku) => !customSkuIds.has(sku.skuId)), ...custom.skus],
    plans: [...below.plans.filter((plan) => !customPlanIds.has(plan.servicePlanId)), ...custom.plans],
    rules: [...below.rules, ...custom.rules],
    findSku: (skuId) => layer.findSku(skuId) ?? below.findSku(skuId),
    findSkuByPartNumber: (partNumber) => layer.findSkuByPartNumber(partNumber) ?? below.findSkuByPartNumber(partNumber),
    findPlan: (planId) => layer.findPlan(planId) ?? below.findPlan(planId),
    rulesForPlan: (planId) => [...below.rulesForPlan(planId), ...layer.rulesForPlan(planId)],
  };
}
