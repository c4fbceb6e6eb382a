import { z } from 'zod';
import { GuidSchema, requiredParameter } from './common.js';

export const AssignedLicenseSchema = z
  .object({
    skuId: GuidSchema.describe('The product (subscribedSku.skuId) to add'),
    disabledPlans: z
      .array(GuidSchema)
      .max(500)
      .default([])
      .describe('servicePlanIds of the product to switch off; empty = every service on'),
  })
  .describe('A license to add, with the services switched off in it');

export const AssignLicenseRequestSchema = z
  .object({
    addLicenses: z
      .array(AssignedLicenseSchema, { error: requiredParameter('assignLicense', 'addLicenses') })
      .max(100)
      .describe('Licenses to add, or to re-add with new disabledPlans (required; may be empty)'),
    removeLicenses: z
      .array(GuidSchema, { error: requiredParameter('assignLicense', 'removeLicenses') })
      .max(100)
      .describe('skuIds of direct licenses to remove (required; may be empty)'),
  })
  .describe("Graph's assignLicense body: both arrays are required, as in Graph");

export type AssignLicenseRequest = z.infer<typeof AssignLicenseRequestSchema>;

export const LicenseUnitsDetailSchema = z.object({
  enabled: z.number().int(),
  warning: z.number().int(),
  suspended: z.number().int(),
  lockedOut: z.number().int(),
});

export const ServicePlanInfoSchema = z.object({
  servicePlanId: z.string(),
  servicePlanName: z.string(),
  provisioningStatus: z.string(),
  appliesTo: z.string(),
});

export const SubscribedSkuSchema = z
  .object({
    id: z.string().describe('{tenantId}_{skuId}'),
    accountId: z.string(),
    accountName: z.string(),
    appliesTo: z.string(),
    capabilityStatus: z.string(),
    consumedUnits: z.number().int(),
    prepaidUnits: LicenseUnitsDetailSchema,
    servicePlans: z.array(ServicePlanInfoSchema),
    skuId: z.string(),
    skuPartNumber: z.string(),
    subscriptionIds: z.array(z.string()),
  })
  .partial()
  .describe("Graph's subscribedSku ($select may return a subset)");
