import { z } from 'zod';
import { GuidSchema } from './common.js';

/** An ISO 8601 date-time with a zone (Z or an offset), read as a Date. */
const dateTime = (name: string) =>
  z.iso
    .datetime({ offset: true, error: `The ${name} parameter must be an ISO 8601 date-time with a zone, such as 2026-11-01T00:00:00Z.` })
    .transform((value) => new Date(value));

const TOP_MESSAGE = 'The $top parameter must be a whole number from 1 to 999.';
const top = z.coerce
  .number({ error: TOP_MESSAGE })
  .int({ error: TOP_MESSAGE })
  .min(1, { error: TOP_MESSAGE })
  .max(999, { error: TOP_MESSAGE })
  .default(100)
  .describe('Page size (1–999, default 100)');

const skipToken = z.string().max(2000).optional().describe('Continuation token of the previous page (its @odata.nextLink carries it)');

/** Unknown parameters are refused, so a misspelt filter does not silently widen the answer. */
const unknownParameter = (issue: { code?: string; keys?: string[] }) =>
  issue.code === 'unrecognized_keys' ? `Unknown query parameter: ${(issue.keys ?? []).join(', ')}.` : undefined;

export const AuditQuerySchema = z
  .strictObject(
    {
      actor: z.string().min(1).max(200).optional().describe('Id of the user or app that acted (exact)'),
      target: z.string().min(1).max(200).optional().describe('Id of the object acted on (exact)'),
      activity: z.string().min(1).max(200).optional().describe('Activity name, exact (e.g. "Change user license")'),
      category: z.string().min(1).max(100).optional().describe('Category, exact (e.g. UserManagement)'),
      from: dateTime('from').optional().describe('Entries at or after this time'),
      to: dateTime('to').optional().describe('Entries before this time'),
      $top: top,
      $skiptoken: skipToken,
    },
    { error: unknownParameter },
  )
  // zod runs this even when from or to failed (it then sees the raw text), so it checks for dates.
  .refine((query) => !(query.from instanceof Date && query.to instanceof Date) || query.from.getTime() < query.to.getTime(), { error: 'The from time must be earlier than the to time.', path: ['from'] });

export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const LicenseHoldersQuerySchema = z.strictObject(
  {
    at: dateTime('at').describe('The moment asked about'),
    skuId: GuidSchema.optional().describe('Only this product'),
    $top: top,
    $skiptoken: skipToken,
  },
  { error: unknownParameter },
);
