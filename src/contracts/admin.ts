import { z } from 'zod';
import { GuidSchema } from './common.js';
import { AssignedLicenseSchema } from './licensing.js';
import { CreateUserRequestSchema } from './users.js';

/** Allot's admin API (for the admin center and the CLI; not part of Graph). */

export const SkuParamsSchema = z.object({ skuId: GuidSchema.describe('The product') });
export const SubscriptionParamsSchema = z.object({ id: z.string().min(1).max(100).describe('Subscription id or commerceSubscriptionId') });

export const ProductUsersQuerySchema = z.object({
  search: z.string().max(200).optional().describe('Prefix of a word of the display name, user principal name or mail'),
  top: z.coerce.number().int().min(1).max(999).default(100).describe('Page size'),
  skiptoken: z.string().max(2000).optional().describe('Continuation token from the previous page'),
});

const userIds = (max: number) =>
  z
    .array(GuidSchema)
    .min(1)
    .max(max, { error: `At most ${max} users per request.` })
    .describe(`Object ids of the users (1–${max})`);

export const ProductAssignRequestSchema = z
  .object({
    userIds: userIds(20),
    disabledPlans: z.array(GuidSchema).max(500).default([]).describe('Services of the product to switch off for these users'),
    dryRun: z.boolean().default(false).describe('Report what would change, change nothing'),
  })
  .strict()
  .describe('Assign one product to up to 20 users (the Licenses page)');

export const ProductUnassignRequestSchema = z
  .object({ userIds: userIds(20), dryRun: z.boolean().default(false) })
  .strict()
  .describe('Unassign one product from up to 20 users (direct licenses only)');

export const ManageLicensesRequestSchema = z
  .object({
    userIds: userIds(1000),
    mode: z.enum(['addMore', 'replace', 'removeAll']).describe('addMore keeps existing licenses; replace swaps the direct ones for `licenses`; removeAll unassigns every direct license'),
    licenses: z.array(AssignedLicenseSchema).max(100).default([]).describe('Products with services switched off, for addMore and replace'),
    dryRun: z.boolean().default(false).describe('Return seat deltas, conflicts, lost services and the data clocks that would start (dataClocks: userId, dataClass, graceUntil) without changing anything'),
  })
  .strict()
  .describe('Manage product licenses for up to 1,000 users in one all-or-nothing change');

export const SetUserLicensesRequestSchema = z
  .object({ licenses: z.array(AssignedLicenseSchema).max(100).describe('The direct licenses the user should hold, exactly') })
  .strict()
  .describe("Replace a user's direct licenses; send If-Match with the version from GET");

export const CreateUserWithLicensesRequestSchema = z
  .object({
    user: CreateUserRequestSchema,
    licenses: z.array(AssignedLicenseSchema).max(100).default([]).describe('Licenses to assign in the same transaction'),
  })
  .strict()
  .describe('Create a user and assign licenses in one request');

export const ExplainQuerySchema = z
  .object({
    skuId: GuidSchema.optional().describe('Limit to one product'),
    servicePlanId: GuidSchema.optional().describe('Limit to the products containing this service plan'),
  })
  .describe('What to explain');

export const RecordSubscriptionRequestSchema = z
  .object({
    skuId: GuidSchema.describe('The product bought'),
    totalLicenses: z.number().int().min(0).max(10_000_000).describe('Number of licenses'),
    isTrial: z.boolean().default(false),
    status: z.enum(['Enabled', 'Warning', 'Suspended', 'LockedOut']).default('Enabled'),
    channel: z.enum(['admin', 'selfService']).default('admin').describe('selfService: bought by a user for themselves and their team'),
    purchasedByUserId: GuidSchema.optional().describe('The purchasing user, for selfService'),
    commerceSubscriptionId: GuidSchema.optional().describe('The billing system\'s id; generated when absent'),
    nextLifecycleDateTime: z.iso.datetime({ offset: true }).optional().describe('When the subscription next changes state (renewal or expiry); default the term end'),
    termEndDateTime: z.iso.datetime({ offset: true }).optional().describe('End of the current term; default none (a trial: 30 days)'),
    recurringBilling: z.boolean().optional().describe('Renews at the term end; default on (off for a trial)'),
    cancellationWindowDays: z.number().int().min(0).max(365).optional().describe('Days from start or renewal in which cancelling disables at once with a refund; default 7'),
    warningDays: z.number().int().min(0).max(3650).optional().describe('Days in Warning (Expired) before Suspended; default 30'),
    suspendedDays: z.number().int().min(0).max(3650).optional().describe('Days in Suspended (Disabled) before Deleted; default 90'),
  })
  .strict()
  .describe('Record a subscription entered by an admin or pushed by a billing system');

export const ChangeLicenseCountRequestSchema = z
  .object({ count: z.number().int().min(1).max(10_000_000).describe('How many licenses to add or remove') })
  .strict();

export const RemoveLicensesRequestSchema = z
  .object({
    count: z.number().int().min(1).max(10_000_000).describe('How many licenses to remove'),
    billingSystem: z
      .boolean()
      .default(false)
      .describe('Pushed by a billing system (an application): applied even below what is assigned; the product is then over-assigned with 90 days to fix it'),
  })
  .strict();

export const UpdateSubscriptionRequestSchema = z
  .object({
    recurringBilling: z.boolean().optional().describe('Renew at the term end'),
    termEndDateTime: z.iso.datetime({ offset: true }).optional().describe('End of the current term (an Enabled subscription moves on then)'),
    cancellationWindowDays: z.number().int().min(0).max(365).optional(),
    warningDays: z.number().int().min(0).max(3650).optional(),
    suspendedDays: z.number().int().min(0).max(3650).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'Name at least one property to change.' })
  .describe('Billing settings of a subscription');

export const ReactivateSubscriptionRequestSchema = z
  .object({ termEndDateTime: z.iso.datetime({ offset: true }).optional().describe('End of the new term; default one year from now') })
  .strict();

export const ExtendTrialRequestSchema = z
  .object({ days: z.number().int().min(1).max(90).default(30).describe('Days added to the trial (once)') })
  .strict();

export const TakeOverRequestSchema = z
  .object({
    action: z.enum(['moveUsers', 'cancel']).describe('moveUsers: move the users to another subscription of the product, then cancel; cancel: users lose access'),
    targetSubscriptionId: z.string().min(1).max(100).optional().describe('moveUsers: the subscription to move to; default the product\'s admin subscriptions by the allocation policy'),
  })
  .strict();

export const SubscriptionUsersQuerySchema = z.object({
  $top: z.coerce.number().int().min(1).max(999).default(100).describe('Page size (1–999)'),
  $skiptoken: GuidSchema.optional().describe('From @odata.nextLink'),
});

export const MoveSeatsRequestSchema = z
  .object({
    targetSubscriptionId: z.string().min(1).max(100).optional().describe('Where the seats go; default the product\'s other subscriptions by the allocation policy'),
    count: z.number().int().min(1).max(10_000_000).optional().describe('How many seats; default all'),
  })
  .strict()
  .describe('Empty a subscription into others of the same product before it ends');
