import { z } from 'zod';

/** Graph's group bodies and parameters (POST/PATCH /groups, members/$ref). */

/** Graph's text for a required property left out (as for users) — UNCONFIRMED for groups. */
const required = (property: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `A value is required for property '${property}' of resource 'Group'.` : undefined;

/** Graph's limit on links added by one request (graph-licensing.md §2.13); the text is Graph's [OBS]. */
const MAX_LINKS = 20;
const TOO_MANY_LINKS = `A resource cannot contain more than ${MAX_LINKS} link changes.`;

const reference = z.string().trim().min(1).max(2000);

const MembersBindSchema = z
  .array(reference)
  .max(MAX_LINKS, { error: TOO_MANY_LINKS })
  .describe('Up to 20 members to add, as URLs such as https://graph.microsoft.com/v1.0/directoryObjects/{id} (users/{id} and groups/{id} too)');

const groupFields = {
  displayName: z.string({ error: required('displayName') }).trim().min(1).max(256).describe('Name shown in the admin center'),
  mailNickname: z
    .string({ error: required('mailNickname') })
    .trim()
    .min(1)
    .max(64)
    .regex(/^[^\s@()<>[\]\\,;:"]+$/, 'mailNickname may not contain spaces or @()<>[]\\,;:".')
    .describe('Mail alias (required by Graph even for security groups)'),
  mailEnabled: z.boolean({ error: required('mailEnabled') }).describe('true for a Microsoft 365 group (Unified), false for a security group'),
  securityEnabled: z.boolean({ error: required('securityEnabled') }).describe('true for a security group; group-based licensing needs it'),
  groupTypes: z.array(z.string().max(64)).max(4).describe('"Unified" for a Microsoft 365 group, "DynamicMembership" for members by rule; empty for a security group'),
  description: z.string().max(1024).nullable().describe('Free text'),
  membershipRule: z.string().max(3072).nullable().describe('The rule of a dynamic group, such as (user.department -eq "Sales")'),
  membershipRuleProcessingState: z.enum(['On', 'Paused']).describe('On: the rule keeps membership up to date; Paused: membership stays as it is'),
};

export const CreateGroupRequestSchema = z
  .object({
    '@odata.type': z.literal('#microsoft.graph.group').optional(),
    displayName: groupFields.displayName,
    mailNickname: groupFields.mailNickname,
    mailEnabled: groupFields.mailEnabled,
    securityEnabled: groupFields.securityEnabled,
    groupTypes: groupFields.groupTypes.optional(),
    description: groupFields.description.optional(),
    membershipRule: groupFields.membershipRule.optional(),
    membershipRuleProcessingState: groupFields.membershipRuleProcessingState.optional(),
    'members@odata.bind': MembersBindSchema.optional(),
  })
  .strict()
  .describe("Graph's group create body: a security group, a Microsoft 365 group, or a dynamic one of either");

export type CreateGroupRequest = z.infer<typeof CreateGroupRequestSchema>;

export const UpdateGroupRequestSchema = z
  .object({
    displayName: groupFields.displayName.optional(),
    mailNickname: groupFields.mailNickname.optional(),
    mailEnabled: groupFields.mailEnabled.optional(),
    securityEnabled: groupFields.securityEnabled.optional(),
    groupTypes: groupFields.groupTypes.optional(),
    description: groupFields.description.optional(),
    membershipRule: groupFields.membershipRule.optional(),
    membershipRuleProcessingState: groupFields.membershipRuleProcessingState.optional(),
    'members@odata.bind': MembersBindSchema.optional(),
  })
  .strict()
  .describe('Properties to change (absent ones stay), and members to add');

export type UpdateGroupRequest = z.infer<typeof UpdateGroupRequestSchema>;

export const MemberReferenceRequestSchema = z
  .object({
    '@odata.id': reference.describe('https://graph.microsoft.com/v1.0/directoryObjects/{id} of the user or group to add'),
  })
  .strict()
  .describe('The directory object to add as a member');

export const GroupParamsSchema = z.object({
  id: z.string().min(1).max(256).describe('The group object id'),
});

export const GroupMemberParamsSchema = z.object({
  id: z.string().min(1).max(256).describe('The group object id'),
  memberId: z.string().min(1).max(256).describe('The member\'s object id'),
});

export const GroupListQuerySchema = z.object({
  $filter: z.string().max(4000).optional(),
  $select: z.string().max(2000).optional(),
  $orderby: z.string().max(200).optional(),
  $top: z.string().max(10).optional(),
  $skiptoken: z.string().max(2000).optional(),
});

export const DirectoryObjectListQuerySchema = z.object({
  $select: z.string().max(2000).optional(),
  $top: z.string().max(10).optional(),
  $skiptoken: z.string().max(2000).optional(),
});
