import { z } from 'zod';
import { GuidSchema } from './common.js';

export const GroupIdParamsSchema = z.object({ id: GuidSchema.describe('The group') });

export const MembersWithLicenseErrorsQuerySchema = z.object({
  $top: z.coerce.number().int().min(1).max(999).default(100).describe('Page size (1–999)'),
  $skiptoken: GuidSchema.optional().describe('From @odata.nextLink'),
  $select: z.string().max(2000).optional(),
});

export const GroupLicenseParamsSchema = z.object({ id: GuidSchema.describe('The group'), skuId: GuidSchema.describe('A license of the group') });

export const GroupLicenseSettingsSchema = z
  .object({ waitlist: z.boolean().describe('Members waiting in CountViolation get seats as they free up, earliest membership first') })
  .strict();

export const MembershipRulePreviewSchema = z
  .object({ membershipRule: z.string().min(1).max(3072).describe("The rule to try, in Entra's syntax") })
  .strict();

export const MembershipChangePreviewSchema = z
  .object({
    add: z.array(GuidSchema).max(1000).default([]).describe('Users who would join'),
    remove: z.array(GuidSchema).max(1000).default([]).describe('Users who would leave'),
  })
  .strict();
