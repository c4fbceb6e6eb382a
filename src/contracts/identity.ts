import { z } from 'zod';
import { GuidSchema } from './common.js';

/** Web sign-in, the signed-in admin's password, and directory role assignments (Graph's unifiedRoleAssignment). */

export const SignInRequestSchema = z
  .object({
    userPrincipalName: z.string().trim().min(1).max(256).describe('The admin\'s sign-in name, alias@domain'),
    password: z.string().min(1).max(1024).describe('The admin\'s password'),
  })
  .strict()
  .describe('Sign in to the admin center; answers with the allot_session cookie and the CSRF token mutations must send');

export const ChangePasswordRequestSchema = z
  .object({
    currentPassword: z.string().min(1).max(1024).describe('The password the admin signed in with'),
    newPassword: z.string().min(1).max(1024).describe('8 to 256 characters, three of: lowercase, uppercase, digits, symbols'),
  })
  .strict()
  .describe("Graph's changePassword body");

export const CreateRoleAssignmentRequestSchema = z
  .object({
    '@odata.type': z.literal('#microsoft.graph.unifiedRoleAssignment').optional(),
    principalId: GuidSchema.describe('The user who gets the role'),
    roleDefinitionId: GuidSchema.describe('The role\'s template id (see roleDefinitions)'),
    directoryScopeId: z
      .literal('/', { error: "Only directoryScopeId '/' (the whole organization) is supported." })
      .default('/')
      .describe("'/': the whole organization (the only scope Allot has)"),
  })
  .strict()
  .describe('Give a user a directory role');

export const RoleAssignmentParamsSchema = z.object({ id: z.string().min(1).max(100).describe('The role assignment id') });

export const RoleAssignmentListQuerySchema = z.object({
  $filter: z.string().max(500).optional().describe("principalId eq '<id>', roleDefinitionId eq '<id>', or both joined by and"),
});
