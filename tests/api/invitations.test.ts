import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_NOW, testContext, type TestApp } from '../support/test-app.js';
import { expectGraphError } from '../support/graph-error.js';

/**
 * Guest invitations (graph-licensing.md §1.11, §2.14): POST /v1.0/invitations, the guest user it
 * creates, and the redeem link. Requests go through the all-permissions test app unless a test is
 * about who may invite.
 */

const BASE = 'https://allot.test';
const REDIRECT = 'https://myapp.fabrikam.com/welcome';
const invalidProperty = (property: string) => `Invalid value specified for property '${property}' of resource 'Invitation'.`;

interface InvitationBody {
  '@odata.context': string;
  id: string;
  inviteRedeemUrl: string;
  invitedUserType: string;
  status: string;
  invitedUser: { id: string };
  [key: string]: unknown;
}

let t: TestApp;
let tenantId: string;
let domain: string;

beforeAll(async () => {
  t = await createTestApp();
  domain = `tailspin${Math.random().toString(36).slice(2, 8)}.onmicrosoft.com`;
  const tenant = await t.services.tenants.createTenant(testContext('00000000-0000-0000-0000-000000000000'), { displayName: 'Tailspin', domain, defaultUsageLocation: 'NL' });
  tenantId = tenant.tenantId;
});

afterAll(async () => {
  await t.close();
});

/** POST /v1.0/invitations as the all-permissions app, or with the given caller's headers only. */
const invite = (payload: Record<string, unknown>, headers?: Record<string, string>) =>
  headers === undefined ? t.inject({ method: 'POST', url: '/v1.0/invitations', payload, tenant: tenantId }) : t.app.inject({ method: 'POST', url: '/v1.0/invitations', payload, headers });

async function invited(address: string, extra: Record<string, unknown> = {}): Promise<InvitationBody> {
  const response = await invite({ invitedUserEmailAddress: address, inviteRedirectUrl: REDIRECT, ...extra });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<InvitationBody>();
}

/** The path and query of an inviteRedeemUrl, as the guest's browser requests it (anonymously). */
const openLink = (inviteRedeemUrl: string) => t.app.inject({ method: 'GET', url: inviteRedeemUrl.slice(BASE.length) });

async function getUser(id: string): Promise<Record<string, unknown>> {
  const select = 'id,displayName,userPrincipalName,mail,mailNickname,userType,creationType,externalUserState,externalUserStateChangeDateTime,usageLocation,accountEnabled';
  const response = await t.inject({ method: 'GET', url: `/v1.0/users/${id}?$select=${select}`, tenant: tenantId });
  expect(response.statusCode, response.body).toBe(200);
  const { '@odata.context': _context, ...user } = response.json<Record<string, unknown>>();
  return user;
}

const auditRows = async (targetId: string) =>
  (
    await sql<{ activity: string; category: string; actor_type: string; actor_id: string; actor_authorization: string | null; details: Record<string, unknown> | null }>`
      SELECT activity, category, actor_type, actor_id, actor_authorization, details FROM audit_log
      WHERE tenant_id = ${tenantId} AND target_id = ${targetId} ORDER BY occurred_at, activity`.execute(t.handle.db)
  ).rows;

describe('POST /v1.0/invitations', () => {
  it("answers 201 with Graph's invitation", async () => {
    const body = await invited('admin@fabrikam.com');
    expect(Object.keys(body).sort()).toEqual(
      [
        '@odata.context',
        'id',
        'inviteRedeemUrl',
        'inviteRedirectUrl',
        'invitedUser',
        'invitedUserDisplayName',
        'invitedUserEmailAddress',
        'invitedUserMessageInfo',
        'invitedUserType',
        'resetRedemption',
        'sendInvitationMessage',
        'status',
      ].sort(),
    );
    expect(body).toMatchObject({
      '@odata.context': `${BASE}/v1.0/$metadata#invitations/$entity`,
      invitedUserDisplayName: null,
      invitedUserType: 'Guest',
      invitedUserEmailAddress: 'admin@fabrikam.com',
      sendInvitationMessage: false,
      resetRedemption: false,
      inviteRedirectUrl: REDIRECT,
      status: 'PendingAcceptance',
      invitedUserMessageInfo: { messageLanguage: null, customizedMessageBody: null, ccRecipients: [{ emailAddress: { name: null, address: null } }] },
    });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.invitedUser.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.inviteRedeemUrl).toMatch(new RegExp(`^${BASE}/redeem\\?invitation=${tenantId}\\.${body.id}\\.[A-Za-z0-9_-]{43}$`));
  });

  it('creates a Guest user named alias_domain#EXT#@<initial domain>, without usage location', async () => {
    const body = await invited('Ann.Lee@Fabrikam.com');
    expect(await getUser(body.invitedUser.id)).toEqual({
      id: body.invitedUser.id,
      displayName: 'Ann.Lee@Fabrikam.com',
      userPrincipalName: `Ann.Lee_Fabrikam.com#EXT#@${domain}`,
      mail: 'Ann.Lee@Fabrikam.com',
      mailNickname: 'Ann.Lee_Fabrikam.com#EXT#',
      userType: 'Guest',
      creationType: 'Invitation',
      externalUserState: 'PendingAcceptance',
      externalUserStateChangeDateTime: TEST_NOW.toISOString().replace('.000Z', 'Z'),
      usageLocation: null,
      accountEnabled: true,
    });
  });

  it('uses invitedUserDisplayName, echoes the message info and records sendInvitationMessage (Allot sends no mail)', async () => {
    const messageInfo = { messageLanguage: 'nl-NL', customizedMessageBody: 'Welkom!', ccRecipients: [{ emailAddress: { name: 'Piet', address: 'piet@fabrikam.com' } }] };
    const body = await invited('bob@fabrikam.com', { invitedUserDisplayName: 'Bob (Fabrikam)', sendInvitationMessage: true, invitedUserMessageInfo: messageInfo });
    expect(body).toMatchObject({ invitedUserDisplayName: 'Bob (Fabrikam)', sendInvitationMessage: true, invitedUserMessageInfo: messageInfo });
    expect((await getUser(body.invitedUser.id)).displayName).toBe('Bob (Fabrikam)');
    const [audit] = await auditRows(body.invitedUser.id);
    expect(audit).toMatchObject({ activity: 'Invite external user', category: 'UserManagement', actor_type: 'app', actor_authorization: 'User.Invite.All' });
    expect(audit?.details).toMatchObject({ invitationId: body.id, sendInvitationMessage: true, invitationMessageSent: false, reinvited: false });
  });

  it('stores only the SHA-256 of the redeem secret', async () => {
    const body = await invited('carol@fabrikam.com');
    const secret = new URL(body.inviteRedeemUrl).searchParams.get('invitation')?.split('.')[2] ?? '';
    const row = await sql<{ redeem_secret_hash: string }>`SELECT redeem_secret_hash FROM invitation WHERE tenant_id = ${tenantId} AND invitation_id = ${body.id}`.execute(t.handle.db);
    expect(row.rows[0]?.redeem_secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
  });

  it('invites as Member when asked', async () => {
    const body = await invited('dan@fabrikam.com', { invitedUserType: 'member' });
    expect(body.invitedUserType).toBe('Member');
    expect(await getUser(body.invitedUser.id)).toMatchObject({ userType: 'Member', creationType: 'Invitation', externalUserState: 'PendingAcceptance' });
  });

  it("lists guests with $filter=userType eq 'Guest'", async () => {
    const guest = await invited('erin@fabrikam.com');
    await t.services.users.createUser(testContext(tenantId), {
      userPrincipalName: `frank@${domain}`,
      displayName: 'Frank',
      mailNickname: 'frank',
      mail: null,
      givenName: null,
      surname: null,
      jobTitle: null,
      department: null,
      usageLocation: 'NL',
      userType: 'Member',
      accountEnabled: true,
    });
    const response = await t.inject({ method: 'GET', url: "/v1.0/users?$filter=userType eq 'Guest'&$select=id,userType,externalUserState", tenant: tenantId });
    expect(response.statusCode, response.body).toBe(200);
    const users = response.json<{ value: { id: string; userType: string; externalUserState: string }[] }>().value;
    expect(users.map((user) => user.id)).toContain(guest.invitedUser.id);
    expect(users.every((user) => user.userType === 'Guest' && user.externalUserState === 'PendingAcceptance')).toBe(true);
  });

  describe('validation', () => {
    it.each([
      ['a missing invitedUserEmailAddress', { inviteRedirectUrl: REDIRECT }, 'invitedUserEmailAddress'],
      ['a malformed invitedUserEmailAddress', { invitedUserEmailAddress: 'not-an-address', inviteRedirectUrl: REDIRECT }, 'invitedUserEmailAddress'],
      ['a non-string invitedUserEmailAddress', { invitedUserEmailAddress: 42, inviteRedirectUrl: REDIRECT }, 'invitedUserEmailAddress'],
      ['a missing inviteRedirectUrl', { invitedUserEmailAddress: 'x@fabrikam.com' }, 'inviteRedirectUrl'],
      ['a relative inviteRedirectUrl', { invitedUserEmailAddress: 'x@fabrikam.com', inviteRedirectUrl: '/welcome' }, 'inviteRedirectUrl'],
      ['a non-http inviteRedirectUrl', { invitedUserEmailAddress: 'x@fabrikam.com', inviteRedirectUrl: 'javascript:alert(1)' }, 'inviteRedirectUrl'],
      ['an unknown invitedUserType', { invitedUserEmailAddress: 'x@fabrikam.com', inviteRedirectUrl: REDIRECT, invitedUserType: 'Admin' }, 'invitedUserType'],
    ])('refuses %s', async (_label, payload, property) => {
      const body = expectGraphError(await invite(payload), 400, 'Request_BadRequest', invalidProperty(property));
      expect(body.error.details?.[0]?.target).toBe(`body.${property}`);
    });

    it('refuses a property Graph does not have', async () => {
      expectGraphError(await invite({ invitedUserEmailAddress: 'x@fabrikam.com', inviteRedirectUrl: REDIRECT, invitedUserRole: 'x' }), 400, 'Request_BadRequest');
    });

    it("refuses an address of the organization's own domain", async () => {
      const body = expectGraphError(await invite({ invitedUserEmailAddress: `gina@${domain.toUpperCase()}`, inviteRedirectUrl: REDIRECT }), 400, 'Request_BadRequest', invalidProperty('invitedUserEmailAddress'));
      expect(body.error.details?.[0]?.code).toBe('InvalidDomain');
    });

    it('creates nothing when refused', async () => {
      const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM directory_user WHERE tenant_id = ${tenantId}`.execute(t.handle.db);
      await invite({ invitedUserEmailAddress: 'x@fabrikam.com', inviteRedirectUrl: 'ftp://fabrikam.com' });
      const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM directory_user WHERE tenant_id = ${tenantId}`.execute(t.handle.db);
      expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    });
  });

  describe('inviting an address again', () => {
    it('gives a pending guest a new link, and the same user', async () => {
      const first = await invited('hank@fabrikam.com');
      const second = await invited('HANK@fabrikam.com');
      expect(second.invitedUser.id).toBe(first.invitedUser.id);
      expect(second.id).not.toBe(first.id);
      expect(second.inviteRedeemUrl).not.toBe(first.inviteRedeemUrl);
      expect((await auditRows(first.invitedUser.id)).map((row) => row.details?.reinvited)).toEqual([false, true]);
    });

    it('two invitations of one address at once make one user', async () => {
      const responses = await Promise.all([0, 1, 2].map(() => invite({ invitedUserEmailAddress: 'pia@fabrikam.com', inviteRedirectUrl: REDIRECT })));
      expect(responses.map((response) => response.statusCode)).toEqual([201, 201, 201]);
      expect(new Set(responses.map((response) => response.json<InvitationBody>().invitedUser.id)).size).toBe(1);
    });

    it('refuses a guest who accepted, unless resetRedemption', async () => {
      const first = await invited('ines@fabrikam.com');
      expect((await openLink(first.inviteRedeemUrl)).statusCode).toBe(302);
      const refused = expectGraphError(await invite({ invitedUserEmailAddress: 'ines@fabrikam.com', inviteRedirectUrl: REDIRECT }), 400, 'Request_BadRequest', `The invited user already exists in the directory as object '${first.invitedUser.id}'.`);
      expect(refused.error.details?.[0]?.message).toContain('resetRedemption');
      const reset = await invited('ines@fabrikam.com', { resetRedemption: true });
      expect(reset.invitedUser.id).toBe(first.invitedUser.id);
      expect(reset.resetRedemption).toBe(true);
      expect(await getUser(first.invitedUser.id)).toMatchObject({ externalUserState: 'PendingAcceptance' });
      expect((await openLink(reset.inviteRedeemUrl)).statusCode).toBe(302);
    });

    it('refuses the address of a user who was not invited', async () => {
      const member = await t.services.users.createUser(testContext(tenantId), {
        userPrincipalName: `jan@${domain}`,
        displayName: 'Jan',
        mailNickname: 'jan',
        mail: 'jan@fabrikam.com',
        givenName: null,
        surname: null,
        jobTitle: null,
        department: null,
        usageLocation: 'NL',
        userType: 'Member',
        accountEnabled: true,
      });
      expectGraphError(await invite({ invitedUserEmailAddress: 'jan@fabrikam.com', inviteRedirectUrl: REDIRECT }), 400, 'Request_BadRequest', `The invited user already exists in the directory as object '${member.user.userId}'.`);
    });

    it('numbers the user name when another address took it', async () => {
      await t.services.users.createUser(testContext(tenantId), {
        userPrincipalName: `kim_fabrikam.com#EXT#@${domain}`,
        displayName: 'Kim (imported)',
        mailNickname: 'kim_fabrikam.com',
        mail: null,
        givenName: null,
        surname: null,
        jobTitle: null,
        department: null,
        usageLocation: null,
        userType: 'Guest',
        accountEnabled: true,
      });
      const body = await invited('kim@fabrikam.com');
      expect((await getUser(body.invitedUser.id)).userPrincipalName).toBe(`kim_fabrikam.com1#EXT#@${domain}`);
    });
  });
});

describe('GET /redeem', () => {
  const invalidPage = async (url: string) => {
    const response = await t.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    return response.body;
  };

  it('accepts the invitation, records it as the guest, and redirects to inviteRedirectUrl', async () => {
    const body = await invited('lena@fabrikam.com');
    t.clock.advance(60_000);
    const response = await openLink(body.inviteRedeemUrl);
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe(REDIRECT);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(await getUser(body.invitedUser.id)).toMatchObject({
      externalUserState: 'Accepted',
      externalUserStateChangeDateTime: new Date(TEST_NOW.getTime() + 60_000).toISOString().replace('.000Z', 'Z'),
    });
    const status = await sql<{ status: string; redeemed_at: Date }>`SELECT status, redeemed_at FROM invitation WHERE tenant_id = ${tenantId} AND invitation_id = ${body.id}`.execute(t.handle.db);
    expect(status.rows[0]?.status).toBe('Completed');
    const redeem = (await auditRows(body.invitedUser.id)).find((row) => row.activity === 'Redeem external user invite');
    expect(redeem).toMatchObject({ category: 'UserManagement', actor_type: 'user', actor_id: body.invitedUser.id, actor_authorization: 'Invitation redeem link', details: { invitationId: body.id } });
  });

  it('answers every unusable link with the same page, and changes nothing', async () => {
    const body = await invited('mona@fabrikam.com');
    const url = body.inviteRedeemUrl.slice(BASE.length);
    const secret = url.slice(-43);
    const wrongSecret = url.slice(0, -43) + (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
    const unknownInvitation = url.replace(body.id, '00000000-0000-4000-8000-000000000000');
    const otherTenant = url.replace(tenantId, '00000000-0000-4000-8000-000000000000');
    const pages = new Set<string>();
    for (const candidate of [wrongSecret, unknownInvitation, otherTenant, '/redeem?invitation=garbage', '/redeem', `${url}&invitation=${url.split('=')[1] ?? ''}`]) {
      pages.add(await invalidPage(candidate));
    }
    expect(pages.size).toBe(1);
    expect(await getUser(body.invitedUser.id)).toMatchObject({ externalUserState: 'PendingAcceptance' });
    // The link still works afterwards: wrong guesses do not burn it.
    expect((await openLink(body.inviteRedeemUrl)).statusCode).toBe(302);
    // …once.
    expect(await invalidPage(url)).toBe([...pages][0]);
  });

  it('does not redeem on HEAD (link checkers)', async () => {
    const body = await invited('hugo@fabrikam.com');
    const head = await t.app.inject({ method: 'HEAD', url: body.inviteRedeemUrl.slice(BASE.length) });
    expect(head.statusCode).not.toBe(302);
    expect(await getUser(body.invitedUser.id)).toMatchObject({ externalUserState: 'PendingAcceptance' });
  });

  it('settles every pending link of the guest once one is redeemed', async () => {
    const first = await invited('nora@fabrikam.com');
    const second = await invited('nora@fabrikam.com');
    expect((await openLink(second.inviteRedeemUrl)).statusCode).toBe(302);
    expect((await openLink(first.inviteRedeemUrl)).statusCode).toBe(400);
  });

  it('refuses the link of a deleted guest', async () => {
    const body = await invited('olga@fabrikam.com');
    await t.services.users.deleteUser(testContext(tenantId), body.invitedUser.id);
    expect((await openLink(body.inviteRedeemUrl)).statusCode).toBe(400);
  });
});

describe('who may invite', () => {
  it.each([['Guest Inviter'], ['User Administrator'], ['Global Administrator']] as const)('%s may invite a guest', async (role) => {
    const { headers } = await t.adminHeaders(tenantId, [role]);
    const response = await invite({ invitedUserEmailAddress: `${role.replaceAll(' ', '.')}.guest@fabrikam.com`, inviteRedirectUrl: REDIRECT }, headers);
    expect(response.statusCode, response.body).toBe(201);
  });

  it.each([['License Administrator'], ['Billing Administrator'], ['Global Reader']] as const)('%s may not', async (role) => {
    const { headers } = await t.adminHeaders(tenantId, [role]);
    expectGraphError(await invite({ invitedUserEmailAddress: 'nobody@fabrikam.com', inviteRedirectUrl: REDIRECT }, headers), 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  });

  it('a Guest Inviter may not invite a Member (that creates a directory member)', async () => {
    const { headers } = await t.adminHeaders(tenantId, ['Guest Inviter']);
    const body = expectGraphError(
      await invite({ invitedUserEmailAddress: 'member.try@fabrikam.com', inviteRedirectUrl: REDIRECT, invitedUserType: 'Member' }, headers),
      403,
      'Authorization_RequestDenied',
    );
    expect(body.error.details?.[0]?.message).toContain('User Administrator');
  });

  it('an app with User.Invite.All may invite a guest but not a Member', async () => {
    const headers = await t.appHeaders(tenantId, ['User.Invite.All']);
    expect((await invite({ invitedUserEmailAddress: 'app.guest@fabrikam.com', inviteRedirectUrl: REDIRECT }, headers)).statusCode).toBe(201);
    expectGraphError(await invite({ invitedUserEmailAddress: 'app.member@fabrikam.com', inviteRedirectUrl: REDIRECT, invitedUserType: 'Member' }, headers), 403, 'Authorization_RequestDenied');
  });

  it('anonymous callers get 401', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1.0/invitations', payload: { invitedUserEmailAddress: 'a@fabrikam.com', inviteRedirectUrl: REDIRECT } });
    expect(response.statusCode).toBe(401);
  });
});
