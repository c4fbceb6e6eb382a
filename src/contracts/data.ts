import { z } from 'zod';
import { GuidSchema } from './common.js';

/** What happens to users' data when licenses go: holds, records, previews (Allot's admin API). */

const DataClassSchema = z.enum(['mailbox', 'files']).describe('"mailbox" (Exchange Online) or "files" (OneDrive, SharePoint)');
const DataStateSchema = z.enum(['Licensed', 'Unlicensed', 'Grace', 'Retained', 'Inactive', 'Purged']);

const dataClasses = z
  .array(DataClassSchema)
  .min(1, { error: 'Name at least one data class: "mailbox" or "files".' })
  .max(10)
  .default(['mailbox', 'files'])
  .describe('The data classes the hold keeps (default both)');
const holdName = z.string().trim().min(1, { error: 'A hold needs a name.' }).max(256).describe('What the hold is for, e.g. "Case 2026-17"');

export const CreateHoldRequestSchema = z
  .discriminatedUnion(
    'kind',
    [
      z
        .strictObject({ kind: z.literal('litigationHold'), userId: GuidSchema.describe('The user whose data is kept'), dataClasses, name: holdName })
        .describe("Keep one user's data past its grace"),
      z.strictObject({ kind: z.literal('retentionPolicy'), dataClasses, name: holdName }).describe("Keep every user's data of these classes past its grace"),
    ],
    { error: 'kind must be "litigationHold" (with userId) or "retentionPolicy".' },
  )
  .describe('A litigation hold on one user or a retention policy for the whole tenant');

export type CreateHoldRequest = z.infer<typeof CreateHoldRequestSchema>;

export const HoldParamsSchema = z.object({ id: GuidSchema.describe('The hold') });

export const DataRecordsQuerySchema = z.object({
  state: DataStateSchema.exclude(['Licensed']).optional().describe('Only records in this state, e.g. Grace (a held class is Licensed and has no record)'),
  top: z.coerce.number().int().min(1).max(999).default(100).describe('Page size'),
  skiptoken: z.string().max(2000).optional().describe('Continuation token from the previous page'),
});

