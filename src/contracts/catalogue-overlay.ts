import { z } from 'zod';

/**
 * Shape of catalogue/catalogue-overlay.json: the curated facts about Microsoft's catalogue that the
 * licensing CSV lacks (tenant-wide SKUs, each plan's Graph workload and data class, plan rules).
 * Keys starting with `_` are comments and are removed before validation; any other unknown key is
 * an error, so a typo cannot silently drop a fact.
 */

/** Removes `_comment`/`_source`-style keys at every depth. */
export function stripCommentKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(stripCommentKeys);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !key.startsWith('_'))
        .map(([key, inner]) => [key, stripCommentKeys(inner)]),
    );
  }
  return value;
}

// z.guid, not z.uuid: several Microsoft GUIDs are not RFC 4122 (e.g. NBPROFESSIONALFORCRM's plan).
const Guid = z
  .guid({ error: 'must be a GUID (8-4-4-4-12 hex digits)' })
  .transform((value) => value.toLowerCase())
  .describe('A GUID from m365-products.csv; compared in lower case.');

const AppliesTo = z.enum(['User', 'Company']).describe('"Company" for tenant-wide products and plans.');

const SkuOverride = z
  .strictObject({
    skuId: Guid.optional().describe('skuId of the product; preferred, because part numbers are not unique (MCOPSTN5).'),
    skuPartNumber: z.string().min(1).optional().describe('skuPartNumber; alone it must name exactly one product.'),
    appliesTo: AppliesTo,
  })
  .refine((sku) => sku.skuId !== undefined || sku.skuPartNumber !== undefined, {
    error: 'needs skuId or skuPartNumber',
  })
  .describe('Override for one Microsoft product.');

const ServiceRule = z
  .strictObject({
    prefix: z.string().min(1).describe('Case-sensitive prefix of servicePlanName (EXCHANGE_, MCO…).'),
    service: z.string().min(1).describe("Graph assignedPlan.service for matching plans (exchange, SharePoint…)."),
  })
  .describe('First matching rule wins; plans matching none use their own name as service.');

const PlanEntry = z
  .strictObject({
    servicePlanId: Guid,
    servicePlanName: z.string().min(1).optional().describe('Plan name as in the CSV; checked against the GUID when given.'),
    service: z.string().min(1).optional().describe('Overrides the prefix rules for this plan.'),
    dataClass: z.enum(['mailbox', 'files', 'none']).optional().describe('What a lost plan means for the data; default "none".'),
    appliesTo: AppliesTo.optional(),
    prohibitedUsageLocations: z
      .array(z.string().regex(/^[A-Z]{2}$/, { error: 'must be an upper-case ISO 3166-1 alpha-2 code' }))
      .optional()
      .describe('Countries where the plan may not be used; leave out unless documented.'),
  })
  .describe('Facts about one Microsoft service plan.');

const RuleId = Guid.describe('Stable id of the rule, generated once and kept.');

const OverlayRule = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('mutuallyExclusive'),
    ruleId: RuleId,
    planIds: z.array(Guid).describe('No two of these plans may be enabled for one user.'),
    description: z.string().min(1).optional(),
  }),
  z.strictObject({
    kind: z.literal('requiresOneOf'),
    ruleId: RuleId,
    servicePlanId: Guid.describe('The dependent plan.'),
    requiredPlanIds: z.array(Guid).describe('At least one of these must be enabled for the same user.'),
    description: z.string().min(1).optional(),
  }),
]);

/** Validates (and lower-cases the GUIDs of) a parsed catalogue-overlay.json. */
export const CatalogueOverlaySchema = z.preprocess(
  stripCommentKeys,
  z.strictObject({
    skus: z.array(SkuOverride).default([]),
    plans: z
      .strictObject({
        serviceRules: z.array(ServiceRule).default([]),
        entries: z.array(PlanEntry).default([]),
      })
      .default({ serviceRules: [], entries: [] }),
    rules: z.array(OverlayRule).default([]),
  }),
);

export type CatalogueOverlay = z.output<typeof CatalogueOverlaySchema>;
