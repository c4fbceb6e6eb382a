import { z } from 'zod';
import { UsageLocationSchema } from './common.js';

const text = (max: number) => z.string().trim().min(1).max(max);

// The password's rules (8 to 256 characters, three character kinds) are checked by the service,
// whose error is Graph's.
const PasswordProfileSchema = z
  .object({
    password: z.string().max(1024).optional().describe('The new password: 8 to 256 characters, three of lowercase, uppercase, digits, symbols'),
    forceChangePasswordNextSignIn: z
      .boolean()
      .optional()
      .describe('Change the password at the next sign-in. Default: false on create (Graph), true on a reset through PATCH'),
    forceChangePasswordNextSignInWithMfa: z.boolean().optional().describe('Accepted and ignored: Allot has no multifactor authentication'),
  })
  .describe('Sets (POST) or resets (PATCH) the user\'s password; a reset ends the user\'s sign-in sessions');

const userFields = {
  accountEnabled: z.boolean().describe('false blocks sign-in'),
  displayName: text(256).describe('Name shown in the admin center and address lists'),
  mailNickname: text(64).regex(/^[^\s@()<>[\]\\,;:"]+$/, 'mailNickname may not contain spaces or @()<>[]\\,;:".').describe('Mail alias'),
  userPrincipalName: z
    .string()
    .trim()
    .max(113)
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'userPrincipalName must look like alias@domain, with a verified domain of the organization.')
    .describe('Sign-in name, alias@verified-domain; unique in the tenant (case-insensitive)'),
  mail: z.string().trim().max(256).email().nullable().describe('Primary SMTP address'),
  givenName: text(64).nullable(),
  surname: text(64).nullable(),
  jobTitle: text(128).nullable(),
  department: text(64).nullable(),
  usageLocation: UsageLocationSchema.nullable(),
  userType: z.enum(['Member', 'Guest']).describe('Member or Guest'),
};

export const CreateUserRequestSchema = z
  .object({
    accountEnabled: userFields.accountEnabled,
    displayName: userFields.displayName,
    mailNickname: userFields.mailNickname,
    userPrincipalName: userFields.userPrincipalName,
    passwordProfile: PasswordProfileSchema.optional(),
    mail: userFields.mail.optional(),
    givenName: userFields.givenName.optional(),
    surname: userFields.surname.optional(),
    jobTitle: userFields.jobTitle.optional(),
    department: userFields.department.optional(),
    usageLocation: userFields.usageLocation.optional(),
    userType: userFields.userType.optional(),
  })
  .strict()
  .describe("Graph's user create body (assignedLicenses is read-only: use assignLicense)");

export type CreateUserRequest = z.infer<typeof CreateUserRequestSchema>;

export const UpdateUserRequestSchema = z
  .object({
    accountEnabled: userFields.accountEnabled.optional(),
    displayName: userFields.displayName.optional(),
    mailNickname: userFields.mailNickname.optional(),
    userPrincipalName: userFields.userPrincipalName.optional(),
    passwordProfile: PasswordProfileSchema.optional(),
    mail: userFields.mail.optional(),
    givenName: userFields.givenName.optional(),
    surname: userFields.surname.optional(),
    jobTitle: userFields.jobTitle.optional(),
    department: userFields.department.optional(),
    usageLocation: userFields.usageLocation.optional(),
    userType: userFields.userType.optional(),
  })
  .strict()
  .describe('Properties to change; absent ones stay');

export type UpdateUserRequest = z.infer<typeof UpdateUserRequestSchema>;

export const UserKeyParamsSchema = z.object({
  id: z.string().min(1).max(256).describe('Object id or userPrincipalName'),
});

export const UserListQuerySchema = z.object({
  $filter: z.string().max(4000).optional(),
  $select: z.string().max(2000).optional(),
  $orderby: z.string().max(200).optional(),
  $search: z.string().max(1000).optional(),
  $top: z.string().max(10).optional(),
  $count: z.string().max(10).optional(),
  $skiptoken: z.string().max(2000).optional(),
});
