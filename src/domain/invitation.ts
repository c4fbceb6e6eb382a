/**
 * Guest invitations (Graph's POST /invitations, graph-licensing.md §1.11, §2.14): the user name an
 * invited address gets, and the redeem token carried by inviteRedeemUrl. Pure.
 */

/** Characters Entra allows before the @ of a userPrincipalName, but '#' (reserved for #EXT#). */
const UPN_UNSAFE = /[^A-Za-z0-9'._\-!^~]/g;

/** Entra's limit on the part of a userPrincipalName before the @. */
const MAX_UPN_PREFIX = 64;

const EXT = '#EXT#';

/**
 * The mail nickname and the userPrincipalName an invited address gets, as Entra forms them:
 * `ann_fabrikam.com#EXT#@contoso.onmicrosoft.com` for ann@fabrikam.com (the @ becomes _, characters
 * a user name may not hold become _). `counter` (1, 2…) tells apart two addresses that map to the
 * same name; the alias is cut so the part before the @ stays within 64 characters.
 */
export function guestUserName(address: string, initialDomain: string, counter = 0): { mailNickname: string; userPrincipalName: string } {
  const at = address.lastIndexOf('@');
  const alias = `${address.slice(0, at)}_${address.slice(at + 1)}`.replace(UPN_UNSAFE, '_');
  const suffix = counter > 0 ? String(counter) : '';
  const mailNickname = `${alias.slice(0, MAX_UPN_PREFIX - EXT.length - suffix.length)}${suffix}${EXT}`;
  return { mailNickname, userPrincipalName: `${mailNickname}@${initialDomain.toLowerCase()}` };
}

/** The domain part of an email address, lower-cased. */
export const addressDomain = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

export interface RedeemToken {
  tenantId: string;
  invitationId: string;
  secret: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** base64url of 32 random bytes. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/** `<tenantId>.<invitationId>.<secret>`: the value of inviteRedeemUrl's `invitation` parameter. */
export const formatRedeemToken = (token: RedeemToken): string => `${token.tenantId}.${token.invitationId}.${token.secret}`;

/** The parts of a redeem token, or undefined when it is not one (any malformed value alike). */
export function parseRedeemToken(value: unknown): RedeemToken | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const [tenantId, invitationId, secret, ...rest] = value.split('.');
  if (tenantId === undefined || invitationId === undefined || secret === undefined || rest.length > 0) {
    return undefined;
  }
  if (!GUID.test(tenantId) || !GUID.test(invitationId) || !SECRET.test(secret)) {
    return undefined;
  }
  return { tenantId, invitationId, secret };
}
