import { sql, type Kysely, type Selectable } from 'kysely';
import type { CatalogueData, DataClass, PlanRule } from '../../domain/catalogue.js';
import type { CatalogueRuleTable, CatalogueServicePlanTable, CatalogueSkuPlanTable, CatalogueSkuTable, Database } from '../schema.js';

type SkuRow = Selectable<CatalogueSkuTable>;
type PlanRow = Selectable<CatalogueServicePlanTable>;
type SkuPlanRow = Selectable<CatalogueSkuPlanTable>;
type RuleRow = Selectable<CatalogueRuleTable>;

/** A tenant's custom products, service plans and rules. */
export function createCatalogueRepository(db: Kysely<Database>, tenantId: string) {
  return {
    /** The whole custom catalogue in one round trip (every license request reads it). */
    async load(): Promise<CatalogueData> {
      const { rows } = await sql<{ skus: SkuRow[]; plans: PlanRow[]; sku_plans: SkuPlanRow[]; rules: RuleRow[] }>`
        SELECT
          (SELECT coalesce(json_agg(s ORDER BY s.sku_part_number), '[]') FROM catalogue_sku s WHERE s.tenant_id = ${tenantId}) AS skus,
          (SELECT coalesce(json_agg(p), '[]') FROM catalogue_service_plan p WHERE p.tenant_id = ${tenantId}) AS plans,
          (SELECT coalesce(json_agg(l), '[]') FROM catalogue_sku_plan l WHERE l.tenant_id = ${tenantId}) AS sku_plans,
          (SELECT coalesce(json_agg(r ORDER BY r.rule_id), '[]') FROM catalogue_rule r WHERE r.tenant_id = ${tenantId}) AS rules`.execute(db);
      const row = rows[0];
      const [skus, plans, skuPlans, rules] = [row?.skus ?? [], row?.plans ?? [], row?.sku_plans ?? [], row?.rules ?? []];
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
          ...(plan.data_retention_days === null ? {} : { dataRetentionDays: plan.data_retention_days }),
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
              data_retention_days: plan.dataRetentionDays ?? null,
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
