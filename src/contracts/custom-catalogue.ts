import { z } from 'zod';

/**
 * The file a tenant imports to add its own products to the catalogue (catalogue/demo-catalogue.json is
 * an example). Cross-field checks (duplicates, unknown plans, collisions with Microsoft's catalogue,
 * rule sanity, country codes) live in domain/custom-catalogue.ts so they can explain themselves.
 * Keys starting with `_` are comments and are ignored; any other unknown key is an error.
 */

/** Drops `_comment`-style keys at every depth so hand-written files can carry notes. */
function stripCommentKeys(value: unknown): unknown {
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

// z.guid accepts any 8-4-4-4-12 hex GUID (Microsoft's are not all RFC 4122); stored lower case.
const guid = (what: string) =>
  z
    .guid({ error: 'must be a GUID such as 3f1c2a4e-8b7d-4c21-9e55-0a6b2c9d7e10' })
    .transform((value) => value.toLowerCase())
    .describe(what);

const name = (what: string) => z.string().trim().min(1, { error: 'must not be empty' }).max(256).describe(what);

const Product = z
  .strictObject({
    skuId: guid('skuId of the product (Graph subscribedSku.skuId); must not be one of Microsoft\'s.'),
    skuPartNumber: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, { error: 'use letters, digits, "_", "-" or "." (up to 128), e.g. CONTOSO_FLEET_STANDARD' })
      .describe('skuPartNumber (the "String ID"), unique across the whole catalogue ignoring case, e.g. CONTOSO_FLEET_STANDARD.'),
    displayName: name('Product name shown to admins, e.g. "Contoso Fleet Standard".'),
    appliesTo: z
      .enum(['User', 'Company'])
      .optional()
      .describe('"User" (default): assigned to people. "Company": serves the whole tenant and cannot be assigned.'),
    servicePlans: z
      .array(guid('servicePlanId of a plan defined in servicePlans or in Microsoft\'s catalogue.'))
      .min(1, { error: 'a product needs at least one service plan' })
      .describe('The service plans the product includes, by servicePlanId.'),
  })
  .describe('A product (SKU) the tenant sells to itself.');

const ServicePlan = z
  .strictObject({
    servicePlanId: guid('servicePlanId of the new plan; must not be one of Microsoft\'s.'),
    servicePlanName: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, { error: 'use letters, digits, "_", "-" or "." (up to 128), e.g. FLEET_STANDARD' })
      .describe('Technical plan name (Graph servicePlanName), e.g. FLEET_STANDARD.'),
    friendlyName: name('Plan name shown to admins, e.g. "Fleet tracking (Standard)".'),
    service: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .optional()
      .describe('Workload reported as assignedPlan.service; defaults to servicePlanName.'),
    dataClass: z
      .enum(['mailbox', 'files', 'none'])
      .optional()
      .describe('What losing the plan means for the user\'s data: "mailbox", "files" or "none" (default).'),
    dataRetentionDays: z
      .number()
      .int()
      .min(0)
      .max(3650)
      .optional()
      .describe('Days the data is kept after the user loses the plan (mailbox) or is deleted (files); default 30. Needs dataClass "mailbox" or "files".'),
    prohibitedUsageLocations: z
      .array(z.string().describe('Upper-case ISO 3166-1 alpha-2 country code, e.g. "CU".'))
      .optional()
      .describe('Countries (usage locations) where the plan may not be used.'),
  })
  .describe('A service plan the tenant defines.');

const ruleId = guid('Optional stable id of the rule; derived from the rule\'s content when left out.').optional();
const ruleDescription = z.string().trim().min(1).max(512).optional().describe('Why the rule exists, for admins.');

const Rule = z
  .discriminatedUnion('kind', [
    z
      .strictObject({
        kind: z.literal('mutuallyExclusive').describe('No two of planIds may be enabled for one user at the same time.'),
        ruleId,
        planIds: z.array(guid('servicePlanId')).describe('At least two different service plans, by servicePlanId.'),
        description: ruleDescription,
      })
      .describe('Plans that cannot be held together.'),
    z
      .strictObject({
        kind: z.literal('requiresOneOf').describe('servicePlanId may be enabled only while one of requiredPlanIds is enabled.'),
        ruleId,
        servicePlanId: guid('The dependent service plan.'),
        requiredPlanIds: z.array(guid('servicePlanId')).describe('At least one prerequisite plan, by servicePlanId.'),
        description: ruleDescription,
      })
      .describe('A plan that depends on another.'),
  ])
  .describe('A licensing rule between service plans.');

/** A tenant's custom catalogue file: products, the plans they include, and rules between plans. */
export const CustomCatalogueSchema = z.preprocess(
  stripCommentKeys,
  z
    .strictObject({
      products: z.array(Product).describe('The tenant\'s own products (SKUs).'),
      servicePlans: z.array(ServicePlan).default([]).describe('New service plans used by the products.'),
      rules: z.array(Rule).default([]).describe('Rules between service plans (custom or Microsoft\'s).'),
    })
    .describe('Custom catalogue (products, service plans, rules).'),
);

export type CustomCatalogue = z.output<typeof CustomCatalogueSchema>;
