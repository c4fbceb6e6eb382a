import { requireAllowed, type RequestContext } from '../domain/context.js';
import { AppError, orNotFound } from '../domain/errors.js';
import { addressDomain, formatRedeemToken, guestUserName, parseRedeemToken } from '../domain/invitation.js';
import type { DirectoryUser } from '../domain/user.js';
import { createTenantDirectory, type Repositories } from '../db/repositories/index.js';
import { randomSecret, sameSecret, sha256 } from './credentials.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction } from './transaction.js';

export interface InviteInput {
  invitedUserEmailAddress: string;
  inviteRedirectUrl: string;
  invitedUserDisplayName: string | null;
  invitedUserType: 'Guest' | 'Member';
  /** Accepted and recorded; Allot sends no mail (the caller shares inviteRedeemUrl itself). */
  sendInvitationMessage: boolean;
  /** Invite again a guest who already accepted: its state goes back to PendingAcceptance. */
  resetRedemption: boolean;
}

export interface InviteResult {
  invitationId: string;
  /** The `invitation` parameter of inviteRedeemUrl; holds the secret, shown only in this answer. */
  redeemToken: string;
  user: DirectoryUser;
  status: 'PendingAcceptance';
}

const PENDING = 'PendingAcceptance';
const ACCEPTED = 'Accepted';

const alreadyExists = (address: string, user: DirectoryUser, hint: string): AppError =>
  new AppError('alreadyExists', `The invited user already exists in the directory as object '${user.userId}'.`, [
    { code: 'ObjectConflict', target: 'invitedUserEmailAddress', message: `${address} belongs to ${user.userPrincipalName}. ${hint}` },
  ]);

export function createInvitationService(deps: ServiceDeps) {
  const tenants = createTenantDirectory(deps.db);

  /** A user name no other active user has (see guestUserName: a counter tells colliding addresses apart). */
  const freeGuestUserName = async (repos: Repositories, address: string, initialDomain: string) => {
    for (let counter = 0; ; counter += 1) {
      const name = guestUserName(address, initialDomain, counter);
      if (!(await repos.users.isUpnTaken(name.userPrincipalName))) {
        return name;
      }
    }
  };

  return {
    /**
     * Graph's POST /invitations: creates the invited user (Guest unless asked otherwise, creationType
     * Invitation, externalUserState PendingAcceptance, no usage location) and an invitation whose
     * redeem link marks it accepted.
     *
     * Inviting an address again: Entra does not create a second user for an address its directory
     * already holds (it answers with the existing user), so neither does Allot. A guest still
     * pending gets a new invitation (a new link, since Allot sends no mail to resend); a guest who
     * accepted is invited again only with resetRedemption; any other user holding the address as its
     * mail or user name is refused.
     * @throws forbidden when a Member is invited by a caller who may not create users; invalidRequest
     *   for an address of the organization's own domains; alreadyExists as above.
     */
    async invite(context: RequestContext, input: InviteInput): Promise<InviteResult> {
      // An invited Member is a full member of the directory: inviting one is creating a user, which
      // a Guest Inviter (or an app with only User.Invite.All) may not do.
      const authorized = input.invitedUserType === 'Member' ? requireAllowed(context, { action: 'users.create' }) : context;
      const tenant = orNotFound(await tenants.findById(context.tenantId), context.tenantId);
      const address = input.invitedUserEmailAddress;
      if (tenant.domains.some((domain) => domain.domain === addressDomain(address))) {
        throw new AppError('invalidRequest', "Invalid value specified for property 'invitedUserEmailAddress' of resource 'Invitation'.", [
          { code: 'InvalidDomain', target: 'invitedUserEmailAddress', message: `${addressDomain(address)} is a domain of this organization: create the user with POST /users instead of inviting it.` },
        ]);
      }
      const initialDomain = (tenant.domains.find((domain) => domain.isInitial) ?? tenant.domains[0])?.domain ?? '';
      return inTenantTransaction(deps.db, context, async (repos) => {
        await repos.invitations.lockAddress(address);
        const at = deps.clock.now();
        const existing = await repos.users.findActiveByAddress(address);
        let user: DirectoryUser;
        const changes: { property: string; before: unknown; after: unknown }[] = [];
        if (existing === undefined) {
          const name = await freeGuestUserName(repos, address, initialDomain);
          user = await repos.users.insert(
            deps.ids(),
            {
              userPrincipalName: name.userPrincipalName,
              displayName: input.invitedUserDisplayName ?? address,
              mailNickname: name.mailNickname,
              mail: address,
              givenName: null,
              surname: null,
              jobTitle: null,
              department: null,
              // Graph leaves an invited user without one: it must be set before a direct license.
              usageLocation: null,
              userType: input.invitedUserType,
              accountEnabled: true,
            },
            { createdAt: at, creationType: 'Invitation', externalUserState: PENDING, externalUserStateChangedAt: at },
          );
          changes.push(
            { property: 'UserPrincipalName', before: null, after: user.userPrincipalName },
            { property: 'DisplayName', before: null, after: user.displayName },
            { property: 'Mail', before: null, after: address },
            { property: 'UserType', before: null, after: user.userType },
            { property: 'ExternalUserState', before: null, after: PENDING },
          );
        } else if (existing.creationType !== 'Invitation') {
          throw alreadyExists(address, existing, 'A user of this organization has this address as its mail or user name.');
        } else if (existing.externalUserState === ACCEPTED && !input.resetRedemption) {
          throw alreadyExists(address, existing, 'They accepted their invitation already; send resetRedemption: true to invite them again.');
        } else {
          user = orNotFound(await repos.users.lockActive(existing.userId), existing.userId);
          if (user.externalUserState !== PENDING) {
            await repos.users.setExternalUserState(user.userId, PENDING, at);
            changes.push({ property: 'ExternalUserState', before: user.externalUserState, after: PENDING });
            user = { ...user, externalUserState: PENDING, externalUserStateChangedAt: at };
          }
        }
        const invitationId = deps.ids();
        // 256 random bits: stored as SHA-256, a high-entropy secret needs no slow hash.
        const secret = randomSecret();
        await repos.invitations.insert({
          invitationId,
          userId: user.userId,
          invitedEmail: address,
          redirectUrl: input.inviteRedirectUrl,
          redeemSecretHash: sha256(secret),
          createdAt: at,
        });
        await repos.audit.record(
          authorized,
          [
            {
              category: 'UserManagement',
              activity: 'Invite external user',
              target: { type: 'User', id: user.userId, name: user.userPrincipalName },
              changes,
              details: {
                invitationId,
                invitedUserEmailAddress: address,
                invitedUserType: input.invitedUserType,
                reinvited: existing !== undefined,
                resetRedemption: input.resetRedemption,
                // Allot sends no mail: the flag is kept on record, the admin shares the link.
                sendInvitationMessage: input.sendInvitationMessage,
                invitationMessageSent: false,
              },
            },
          ],
          at,
          deps.ids,
        );
        return { invitationId, redeemToken: formatRedeemToken({ tenantId: context.tenantId, invitationId, secret }), user, status: PENDING };
      });
    },

    /**
     * Opening inviteRedeemUrl: completes the invitation (and every other pending one of the user)
     * and marks the user Accepted. Returns where to send the guest, or undefined for any link that
     * is malformed, unknown, already used, of a deleted user or with a wrong secret: the caller
     * answers all of them alike, so a guess learns nothing.
     */
    async redeem(token: unknown, origin: Pick<RequestContext, 'requestId' | 'clientAddress'>): Promise<{ redirectUrl: string } | undefined> {
      const parsed = parseRedeemToken(token);
      if (parsed === undefined) {
        return undefined;
      }
      return inTenantTransaction(deps.db, { tenantId: parsed.tenantId }, async (repos) => {
        const invitation = await repos.invitations.lock(parsed.invitationId);
        if (invitation === undefined || !sameSecret(sha256(parsed.secret), invitation.redeemSecretHash) || invitation.status !== 'PendingAcceptance') {
          return undefined;
        }
        const user = await repos.users.lockActive(invitation.userId);
        if (user === undefined) {
          return undefined;
        }
        const at = deps.clock.now();
        await repos.invitations.completeForUser(user.userId, at);
        await repos.users.setExternalUserState(user.userId, ACCEPTED, at);
        // The guest acts, as Entra records it: a user principal without roles or session; the
        // redeem link is what authorized it.
        const guest: RequestContext = {
          tenantId: parsed.tenantId,
          principal: { kind: 'user', id: user.userId, displayName: user.displayName, userPrincipalName: user.userPrincipalName, roles: [], sessionId: '' },
          authorizedVia: 'Invitation redeem link',
          ...origin,
        };
        await repos.audit.record(
          guest,
          [
            {
              category: 'UserManagement',
              activity: 'Redeem external user invite',
              target: { type: 'User', id: user.userId, name: user.userPrincipalName },
              changes: [{ property: 'ExternalUserState', before: user.externalUserState, after: ACCEPTED }],
              details: { invitationId: invitation.invitationId },
            },
          ],
          at,
          deps.ids,
        );
        return { redirectUrl: invitation.redirectUrl };
      });
    },
  };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
