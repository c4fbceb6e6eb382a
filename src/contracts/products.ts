import { z } from 'zod';

/** Per-product settings (Allot's admin API). */

export const SelfServicePolicySchema = z
  .enum(['allow', 'trialsOnly', 'deny'], { error: 'selfServicePolicy must be allow, trialsOnly or deny.' })
  .describe("Self-service purchases by users: allow, trialsOnly (free trials only) or deny (Microsoft 365's Allow / Allow for trials only / Do not allow)");

export const UpdateProductSettingsRequestSchema = z
  .object({
    selfServicePolicy: SelfServicePolicySchema.optional().describe('Global Administrator only'),
    lowSeatThreshold: z
      .number({ error: 'lowSeatThreshold must be a whole number from 0 to 10,000,000, or null.' })
      .int({ error: 'lowSeatThreshold must be a whole number from 0 to 10,000,000, or null.' })
      .min(0, { error: 'lowSeatThreshold must be a whole number from 0 to 10,000,000, or null.' })
      .max(10_000_000, { error: 'lowSeatThreshold must be a whole number from 0 to 10,000,000, or null.' })
      .nullable()
      .optional()
      .describe("Raise a seats.low event when available seats fall to this many or fewer; null turns alerts off"),
    inactivityDays: z
      .number({ error: 'inactivityDays must be a whole number from 1 to 3650.' })
      .int({ error: 'inactivityDays must be a whole number from 1 to 3650.' })
      .min(1, { error: 'inactivityDays must be a whole number from 1 to 3650.' })
      .max(3650, { error: 'inactivityDays must be a whole number from 1 to 3650.' })
      .optional()
      .describe('Days without activity after which a holder is listed for reclaim (default 30)'),
    monthlyPrice: z
      .number({ error: 'monthlyPrice must be an amount from 0 to 9,999,999,999.99 with at most two decimals, or null.' })
      .min(0, { error: 'monthlyPrice must be an amount from 0 to 9,999,999,999.99 with at most two decimals, or null.' })
      .max(9_999_999_999.99, { error: 'monthlyPrice must be an amount from 0 to 9,999,999,999.99 with at most two decimals, or null.' })
      .refine((value) => Math.abs(Math.round(value * 100) - value * 100) < 1e-6, { error: 'monthlyPrice must have at most two decimals.' })
      .nullable()
      .optional()
      .describe('What one seat costs per month (reclaim reports the money freed); null clears it'),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, { error: 'currency must be a three-letter ISO 4217 code such as EUR.' })
      .transform((value) => value.toUpperCase())
      .nullable()
      .optional()
      .describe('ISO 4217 code of monthlyPrice'),
  })
  .strict()
  .describe('Settings to change; absent ones stay');

export type UpdateProductSettingsRequest = z.infer<typeof UpdateProductSettingsRequestSchema>;
