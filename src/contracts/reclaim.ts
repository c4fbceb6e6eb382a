import { z } from 'zod';
import { GuidSchema } from './common.js';

/** Activity reports from product backends, and reclaiming unused seats (Allot's admin API). */

const ACTIVITY_BATCH = 1000;
const UNASSIGN_BATCH = 1000;

const DAYS_MESSAGE = 'days must be a whole number from 1 to 3650 (30, 60 or 90 in the admin center).';
/** The query string carries text; a JSON body a number. */
const daysOf = (number: z.ZodNumber | z.ZodCoercedNumber) =>
  number
    .int({ error: DAYS_MESSAGE })
    .min(1, { error: DAYS_MESSAGE })
    .max(3650, { error: DAYS_MESSAGE })
    .describe("Days without activity; default the product's inactivityDays");

export const ActivityItemSchema = z
  .object({
    userId: GuidSchema.optional().describe('Object id of the user'),
    userPrincipalName: z.string().min(3).max(256).optional().describe('Or the user principal name'),
    servicePlanId: GuidSchema.describe('The service plan the user was active in'),
    lastActiveDateTime: z.iso.datetime({ offset: true, error: 'lastActiveDateTime must be an ISO 8601 date-time with a zone, such as 2026-11-01T08:30:00Z.' }),
  })
  .strict()
  .refine((item) => (item.userId === undefined) !== (item.userPrincipalName === undefined), { error: 'Name the user by exactly one of userId and userPrincipalName.' });

export const ReportActivityRequestSchema = z
  .object({
    activities: z
      .array(ActivityItemSchema)
      .min(1, { error: 'Send at least one activity.' })
      .max(ACTIVITY_BATCH, { error: `At most ${ACTIVITY_BATCH} activities per request; send the rest in another request.` })
      .describe(`Up to ${ACTIVITY_BATCH} reports; the later time of what is stored and what is sent is kept`),
  })
  .strict()
  .describe("Users' last activity per service plan, from a product backend");

/** Unknown parameters are refused, so a misspelt option does not silently change the answer. */
const unknownParameter = (issue: { code?: string; keys?: string[] }) =>
  issue.code === 'unrecognized_keys' ? `Unknown query parameter: ${(issue.keys ?? []).join(', ')}.` : undefined;

const TOP_MESSAGE = 'The $top parameter must be a whole number from 1 to 999.';

export const ReclaimQuerySchema = z.strictObject(
  {
    skuId: GuidSchema.describe('The product'),
    days: daysOf(z.coerce.number({ error: DAYS_MESSAGE })).optional(),
    format: z.enum(['json', 'csv'], { error: 'format must be json or csv.' }).optional().describe('csv: every inactive holder as text/csv (also with Accept: text/csv)'),
    $top: z.coerce.number({ error: TOP_MESSAGE }).int({ error: TOP_MESSAGE }).min(1, { error: TOP_MESSAGE }).max(999, { error: TOP_MESSAGE }).default(100).describe('Page size (1–999, default 100)'),
    $skiptoken: z.string().max(2000).optional().describe('Continuation token of the previous page (its @odata.nextLink carries it)'),
  },
  { error: unknownParameter },
);

export const ReclaimUnassignRequestSchema = z
  .object({
    skuId: GuidSchema.describe('The product to take back'),
    days: daysOf(z.number({ error: DAYS_MESSAGE })).optional(),
    userIds: z
      .array(GuidSchema)
      .min(1, { error: 'userIds, when given, names at least one user.' })
      .max(UNASSIGN_BATCH, { error: `At most ${UNASSIGN_BATCH} users per request.` })
      .optional()
      .describe(`Inactive users to unassign; default every directly licensed inactive user (up to ${UNASSIGN_BATCH} per call)`),
    dryRun: z.boolean().default(false).describe('Report the seats it would free and change nothing'),
  })
  .strict()
  .describe("Unassign a product's direct licenses from inactive users");
