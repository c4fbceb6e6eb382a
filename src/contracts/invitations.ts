import { z } from 'zod';

/** Graph's wording for a missing or malformed property of an entity it creates. */
const invalidProperty = (property: string) => `Invalid value specified for property '${property}' of resource 'Invitation'.`;

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

const RecipientSchema = z
  .object({
    emailAddress: z
      .object({
        name: z.string().max(256).nullable().optional(),
        address: z.string().trim().max(256).email({ error: invalidProperty('invitedUserMessageInfo') }).nullable().optional(),
      })
      .strict(),
  })
  .strict();

export const InvitationRequestSchema = z
  .object({
    invitedUserEmailAddress: z
      .string({ error: invalidProperty('invitedUserEmailAddress') })
      .trim()
      .max(256, { error: invalidProperty('invitedUserEmailAddress') })
      .email({ error: invalidProperty('invitedUserEmailAddress') })
      .describe('Email address of the person to invite (required)'),
    inviteRedirectUrl: z
      .string({ error: invalidProperty('inviteRedirectUrl') })
      .trim()
      .max(2048, { error: invalidProperty('inviteRedirectUrl') })
      .refine(isHttpUrl, { error: invalidProperty('inviteRedirectUrl') })
      .describe('Absolute http(s) URL the guest lands on after redeeming (required)'),
    invitedUserDisplayName: z.string().trim().min(1).max(256).nullable().optional().describe('Display name of the invited user; default: the email address'),
    invitedUserType: z
      .string({ error: invalidProperty('invitedUserType') })
      .refine((value) => /^(guest|member)$/i.test(value), { error: invalidProperty('invitedUserType') })
      .transform((value) => (value.toLowerCase() === 'member' ? ('Member' as const) : ('Guest' as const)))
      .optional()
      .describe('Guest (default) or Member; a Member invitation needs the right to create users'),
    sendInvitationMessage: z.boolean().optional().describe('Accepted and recorded, but Allot sends no mail: share inviteRedeemUrl yourself'),
    resetRedemption: z.boolean().optional().describe('Invite again a guest who already accepted (its state returns to PendingAcceptance)'),
    invitedUserMessageInfo: z
      .object({
        customizedMessageBody: z.string().max(10000).nullable().optional(),
        messageLanguage: z.string().max(35).nullable().optional(),
        ccRecipients: z.array(RecipientSchema).max(1).optional().describe('At most one, as in Graph'),
      })
      .strict()
      .nullable()
      .optional()
      .describe('Echoed back; Allot sends no invitation mail'),
  })
  .strict()
  .describe("Graph's invitation create body");

export type InvitationRequest = z.infer<typeof InvitationRequestSchema>;
