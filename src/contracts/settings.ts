import { z } from 'zod';

export const UpdateSettingsRequestSchema = z
  .object({
    guestLicensingRequiresGlobalAdmin: z.boolean().optional().describe('Only a Global Administrator may license a guest user (default true)'),
  })
  .strict()
  .describe('Company settings to change; absent ones stay');

export type UpdateSettingsRequest = z.infer<typeof UpdateSettingsRequestSchema>;
