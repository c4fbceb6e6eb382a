import { z } from 'zod';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** An Edm.Guid, rejected with Graph's conversion message; normalised to lower case. */
export const GuidSchema = z
  .string({ error: (issue) => `Cannot convert the literal '${String(issue.input)}' to the expected type 'Edm.Guid'.` })
  .regex(GUID, { error: (issue) => `Cannot convert the literal '${String(issue.input)}' to the expected type 'Edm.Guid'.` })
  .transform((value) => value.toLowerCase())
  .describe('A GUID such as 6fd2c87f-b296-42f0-b197-1e91e994b900');

/**
 * Graph's wording when a required action parameter is absent; `field` names it. Other type errors
 * keep zod's message.
 */
export const requiredParameter = (operation: string, field: string) => (issue: { input: unknown }) =>
  issue.input === undefined
    ? `One or more parameters of the operation '${operation}' are missing from the request payload. The missing parameters are: ${field}.`
    : undefined;

export const UsageLocationSchema = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'usageLocation must be a two-letter ISO 3166-1 country code such as NL.')
  .transform((value) => value.toUpperCase())
  .describe('Two-letter ISO 3166-1 alpha-2 country code, required before a license can be assigned directly');

export const ODataQuerySchema = z.object({
  $select: z.string().max(2000).optional().describe('Comma-separated properties to return'),
});
