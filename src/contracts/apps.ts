import { z } from 'zod';
import { GuidSchema } from './common.js';

/** App registrations (OAuth clients of Allot's token endpoint) in the admin API. */

export const AppParamsSchema = z.object({ appId: GuidSchema.describe('The application (client) id') });

export const AppSecretParamsSchema = z.object({
  appId: GuidSchema.describe('The application (client) id'),
  keyId: GuidSchema.describe('The secret\'s keyId'),
});

const DisplayNameSchema = z.string().trim().min(1).max(256);

// Names are checked against Allot's permission list by the service, whose error names the unknown one.
const PermissionsSchema = z
  .array(z.string().min(1).max(100))
  .max(50)
  .describe('Application permissions, named as Graph\'s (User.Read.All, LicenseAssignment.ReadWrite.All…) or Allot\'s (Allot.Subscriptions.ReadWrite.All…)');

export const CreateAppRequestSchema = z
  .object({
    displayName: DisplayNameSchema.describe('Name shown to admins'),
    permissions: PermissionsSchema.default([]),
  })
  .strict()
  .describe('Register an application; add a client secret next (POST …/secrets)');

export const UpdateAppRequestSchema = z
  .object({
    displayName: DisplayNameSchema.optional(),
    permissions: PermissionsSchema.optional().describe('The full new list (replaces the current one)'),
  })
  .strict()
  .refine((body) => body.displayName !== undefined || body.permissions !== undefined, { error: 'Send displayName, permissions or both.' })
  .describe('Rename an application or replace its permissions; tokens issued before lose removed permissions at once');

export const AddAppSecretRequestSchema = z
  .object({
    displayName: z.string().trim().max(256).optional().describe('Description of the secret'),
    endDateTime: z.iso.datetime({ offset: true }).optional().describe('Expiry; default 180 days from now, at most 2 years'),
  })
  .strict()
  .describe('Add a client secret; its value is returned once, in secretText');
