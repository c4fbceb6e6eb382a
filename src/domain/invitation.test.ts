import { describe, expect, it } from 'vitest';
import { addressDomain, formatRedeemToken, guestUserName, parseRedeemToken } from './invitation.js';

const TENANT = '3f1c2a9e-5b7d-4e21-9c3a-1d2e3f4a5b6c';
const INVITATION = '9071bfde-35e0-47d2-a582-d244ab1b4af6';
const SECRET = 'A'.repeat(40) + '-_x';

describe('guestUserName', () => {
  it("forms Entra's alias_domain#EXT#@initial-domain", () => {
    expect(guestUserName('admin@fabrikam.com', 'Contoso.onmicrosoft.com')).toEqual({
      mailNickname: 'admin_fabrikam.com#EXT#',
      userPrincipalName: 'admin_fabrikam.com#EXT#@contoso.onmicrosoft.com',
    });
  });

  it('keeps the case of the address and replaces characters a user name may not hold', () => {
    expect(guestUserName('Ann.O+news@Fabrikam.com', 'contoso.onmicrosoft.com').userPrincipalName).toBe('Ann.O_news_Fabrikam.com#EXT#@contoso.onmicrosoft.com');
  });

  it('appends the counter before #EXT#', () => {
    expect(guestUserName('a@b.com', 'c.example', 2).userPrincipalName).toBe('a_b.com2#EXT#@c.example');
  });

  it('keeps the part before the @ within 64 characters, counter and #EXT# included', () => {
    const long = `${'x'.repeat(70)}@fabrikam.com`;
    for (const counter of [0, 7, 12]) {
      const { mailNickname, userPrincipalName } = guestUserName(long, 'c.example', counter);
      expect(mailNickname).toHaveLength(64);
      expect(mailNickname.endsWith(`${counter > 0 ? counter : ''}#EXT#`)).toBe(true);
      expect(userPrincipalName).toBe(`${mailNickname}@c.example`);
    }
  });
});

describe('addressDomain', () => {
  it('is the lower-cased part after the last @', () => {
    expect(addressDomain('Ann@Fabrikam.COM')).toBe('fabrikam.com');
  });
});

describe('redeem tokens', () => {
  it('round-trip', () => {
    const token = { tenantId: TENANT, invitationId: INVITATION, secret: SECRET };
    expect(parseRedeemToken(formatRedeemToken(token))).toEqual(token);
  });

  it.each([
    ['not a string', 42],
    ['an array (a repeated query parameter)', [`${TENANT}.${INVITATION}.${SECRET}`]],
    ['missing parts', `${TENANT}.${INVITATION}`],
    ['an extra part', `${TENANT}.${INVITATION}.${SECRET}.x`],
    ['a tenant that is not a GUID', `contoso.${INVITATION}.${SECRET}`],
    ['an invitation that is not a GUID', `${TENANT}.nope.${SECRET}`],
    ['a short secret', `${TENANT}.${INVITATION}.${SECRET.slice(1)}`],
    ['a secret outside base64url', `${TENANT}.${INVITATION}.${SECRET.slice(1)}=`],
    ['empty', ''],
  ])('refuses %s', (_label, value) => {
    expect(parseRedeemToken(value)).toBeUndefined();
  });
});
