import type { InvitationRequest } from '../../contracts/invitations.js';
import type { InviteResult } from '../../services/invitation.service.js';

/**
 * Graph's invitation (graph-licensing.md §2.14): the request echoed with Graph's defaults, the
 * redeem link and the invited user's id. Graph answers an empty ccRecipients with one empty recipient.
 */
export function presentInvitation(result: InviteResult, request: InvitationRequest, inviteRedeemUrl: string): Record<string, unknown> {
  const message = request.invitedUserMessageInfo;
  return {
    id: result.invitationId,
    inviteRedeemUrl,
    invitedUserDisplayName: request.invitedUserDisplayName ?? null,
    invitedUserType: result.user.userType,
    invitedUserEmailAddress: request.invitedUserEmailAddress,
    sendInvitationMessage: request.sendInvitationMessage ?? false,
    resetRedemption: request.resetRedemption ?? false,
    inviteRedirectUrl: request.inviteRedirectUrl,
    status: result.status,
    invitedUserMessageInfo: {
      messageLanguage: message?.messageLanguage ?? null,
      customizedMessageBody: message?.customizedMessageBody ?? null,
      ccRecipients: (message?.ccRecipients?.length ? message.ccRecipients : [{ emailAddress: {} }]).map((recipient) => ({
        emailAddress: { name: recipient.emailAddress.name ?? null, address: recipient.emailAddress.address ?? null },
      })),
    },
    invitedUser: { id: result.user.userId },
  };
}
