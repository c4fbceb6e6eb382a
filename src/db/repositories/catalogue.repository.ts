import type { Kysely } from 'kysely';
import type { CatalogueData, DataClass, PlanRule } from '../../domain/catalogue.js';
import type { Database } from '../schema.js';

/** A tenant's custom products, service plans and rules. */
export function createCatalogueRepository(db: Kysely<Database>, tenantId: string) {
  return {
    async load(): Promise<CatalogueData> {
      const [skus, plans, skuPlans, rules] = await Promise.all([
        db.selectFrom('catalogue_sku').selectAll().where('tenant_id', '=', tenantId).orderBy('sku_part_number').execute(),
        db.selectFrom('catalogue_service_plan').selectAll().where('tenant_id', '=', tenantId).execute(),
        db.selectFrom('catalogue_sku_plan').selectAll().where('tenant_id', '=', tenantId).execute(),
        db.selectFrom('catalogue_rule').selectAll().where('tenant_id', '=', tenantId).orderBy('rule_id').execute(),
      ]);
      return {
        skus: skus.map((sku) => ({
          skuId: sku.sku_id,
          skuPartNumber: sku.sku_part_number,
          displayName: sku.display_name,
          appliesTo: sku.applies_to,
          servicePlanIds: skuPlans.filter((link) => link.sku_id === sku.sku_id).map((link) => link.service_plan_id).sort(),
          origin: 'custom' as const,
        })),
        plans: plans.map((plan) => ({
          servicePlanId: plan.service_plan_id,
          servicePlanName: plan.service_plan_name,
          friendlyName: plan.friendly_name,
          appliesTo: plan.applies_to,
          service: plan.service,
          dataClass: plan.data_class as DataClass,
          prohibitedUsageLocations: plan.prohibited_usage_locations,
        })),
        rules: rules.map((rule): PlanRule =>
          rule.kind === 'mutuallyExclusive'
            ? { kind: 'mutuallyExclusive', ruleId: rule.rule_id, planIds: rule.related_plan_ids, ...(rule.description ? { description: rule.description } : {}) }
            : {
                kind: 'requiresOneOf',
                ruleId: rule.rule_id,
                servicePlanId: rule.service_plan_id ?? '',
                requiredPlanIds: rule.related_plan_ids,
                ...(rule.description ? { description: rule.description } : {}),
              },
        ),
      };
    },

    /** Adds products, plans and rules (the caller validated them against the whole catalogue). */
    async insert(data: CatalogueData): Promise<void> {
      if (data.plans.length > 0) {
        await db
          .insertInto('catalogue_service_plan')
          .values(
            data.plans.map((plan) => ({
              tenant_id: tenantId,
              service_plan_id: plan.servicePlanId,
              service_plan_name: plan.servicePlanName,
              friendly_name: plan.friendlyName,
              applies_to: plan.appliesTo,
              service: plan.service,
              data_class: plan.dataClass,
              prohibited_usage_locations: [...plan.prohibitedUsageLocations],
            })),
          )
          .execute();
      }
      if (data.skus.length > 0) {
        await db
          .insertInto('catalogue_sku')
          .values(
            data.skus.map((sku) => ({
              tenant_id: tenantId,
              sku_id: sku.skuId,
              sku_part_number: sku.skuPartNumber,
              display_name: sku.displayName,
              applies_to: sku.appliesTo,
            })),
          )
          .execute();
        const links = data.skus.flatMap((sku) => sku.servicePlanIds.map((planId) => ({ tenant_id: tenantId, sku_id: sku.skuId, service_plan_id: planId })));
        if (links.length > 0) {
          await db.insertInto('catalogue_sku_plan').values(links).execute();
        }
      }
      if (data.rules.length > 0) {
        await db
          .insertInto('catalogue_rule')
          .values(
            data.rules.map((rule) => ({
              tenant_id: tenantId,
              rule_id: rule.ruleId,
              kind: rule.kind,
              service_plan_id: rule.kind === 'requiresOneOf' ? rule.servicePlanId : null,
              related_plan_ids: rule.kind === 'requiresOneOf' ? [...rule.requiredPlanIds] : [...rule.planIds],
              description: rule.description ?? null,
            })),
          )
          .execute();
      }
    },
  };
}

export type CatalogueRepository = ReturnType<typeof createCatalogueRepository>;
