import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import type { RoleName } from '../../src/domain/authorization.js';
import type * as credentials from '../../src/services/credentials.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../../src/services/credentials.js';
import { expectGraphError, type GraphErrorBody } from '../support/graph-error.js';
import { createTestApp, TEST_PASSWORD, testContext, type TestApp } from '../support/test-app.js';

/**
 * Web sign-in: the session cookie and its attributes, the session route, CSRF on cookie
 * mutations, server-side sign-out, throttling, one answer for every failure, and the
 * must-change-password flow. Each test signs in from its own client address, so the per-address
 * throttle of one test does not reach another.
 */
// The real verification, observed: which hash each sign-in verified against.
vi.mock('../../src/services/credentials.js', async (importOriginal) => {
  const original = await importOriginal<typeof credentials>();
  return { ...original, verifyPassword: vi.fn(original.verifyPassword) };
});

let t: TestApp;
let tenantId: string;
let domain: string;
let addressCounter = 0;

const newAddress = () => `10.0.0.${(addressCounter += 1)}`;
const MINUTE = 60_000;

beforeAll(async () => {
  t = await createTestApp();
  domain = `signin${Math.random().toString(36).slice(2, 8)}.example`;
  const tenant = await t.services.tenants.createTenant(testContext(tenantId), { displayName: 'Sign-in Org', domain, defaultUsageLocation: 'NL' });
  tenantId = tenant.tenantId;
});
afterAll(async () => {
  await t.close();
});

const upn = (alias: string) => `${alias}-${Math.random().toString(36).slice(2, 8)}@${domain}`;

async function createAdmin(roles: RoleName[], options: { password?: string; mustChange?: boolean } = {}) {
  const userPrincipalName = upn('admin');
  const created = await t.services.admins.create(testContext(tenantId), {
    userPrincipalName,
    displayName: `Admin ${roles.join(', ')}`,
    roles,
    ...(options.password === undefined ? {} : { password: options.password }),
    forceChangePasswordNextSignIn: options.mustChange ?? false,
  });
  return { ...created, userPrincipalName };
}

const signIn = (userPrincipalName: string, password: string, remoteAddress = '127.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/auth/sign-in', payload: { userPrincipalName, password }, remoteAddress });

interface SignInBody {
  user: { id: string; displayName: string; userPrincipalName: string };
  roles: string[];
  csrfToken: string;
  mustChangePassword: boolean;
  expiresDateTime: string;
}

/** Signs in and returns the headers a browser would send on the next requests. */
async function session(userPrincipalName: string, password: string) {
  const response = await signIn(userPrincipalName, password, newAddress());
  expect(response.statusCode, response.body).toBe(200);
  const cookie = response.cookies.find((entry) => entry.name === 'allot_session');
  const body = response.json<SignInBody>();
  return { cookie: `allot_session=${cookie?.value ?? ''}`, csrf: body.csrfToken, body, value: cookie?.value ?? '' };
}

/** The error body without innerError (which differs per request by id and time). */
const withoutInnerError = (response: LightMyRequestResponse) => {
  const { innerError: _innerError, ...rest } = response.json<GraphErrorBody>().error;
  return rest;
};

const sessionCount = async (userId: string) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM sign_in_session WHERE tenant_id = ${tenantId} AND user_id = ${userId}`.execute(t.handle.db)).rows[0]?.n;

describe('sign-in', () => {
  it('opens a session: httpOnly SameSite=Strict cookie on path /, not Secure over http, expiring after 12 hours', async () => {
    const admin = await createAdmin(['License Administrator'], { password: TEST_PASSWORD });
    const response = await signIn(admin.userPrincipalName.toUpperCase(), TEST_PASSWORD, newAddress());
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<SignInBody>();
    expect(body).toEqual({
      user: { id: admin.userId, displayName: 'Admin License Administrator', userPrincipalName: admin.userPrincipalName },
      roles: ['License Administrator'],
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      mustChangePassword: false,
      expiresDateTime: '2026-11-01T21:00:00Z',
    });
    const cookie = response.cookies.find((entry) => entry.name === 'allot_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.secure).toBeUndefined();
    expect(cookie?.expires?.toISOString()).toBe('2026-11-01T21:00:00.000Z');
    expect(cookie?.value).toMatch(new RegExp(`^${tenantId}\\.[0-9a-f-]{36}\\.[A-Za-z0-9_-]{43}$`));
    // Only the secret's hash is stored.
    const stored = (await sql<{ secret_hash: string }>`SELECT secret_hash FROM sign_in_session WHERE tenant_id = ${tenantId} AND user_id = ${admin.userId}`.execute(t.handle.db)).rows;
    expect(stored).toHaveLength(1);
    expect(stored[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(cookie?.value).not.toContain(stored[0]?.secret_hash);
  });

  it('marks the cookie Secure when the request came over HTTPS', async () => {
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    const behindProxy = await buildApp({ services: t.services, isReady: () => Promise.resolve(true), trustProxy: true });
    try {
      const response = await behindProxy.inject({
        method: 'POST',
        url: '/auth/sign-in',
        headers: { 'x-forwarded-proto': 'https' },
        payload: { userPrincipalName: admin.userPrincipalName, password: TEST_PASSWORD },
        remoteAddress: newAddress(),
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.cookies.find((entry) => entry.name === 'allot_session')).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict' });
    } finally {
      await behindProxy.close();
    }
  });

  it('describes the session on GET /auth/session, and the same cookie works on /v1.0 and /admin', async () => {
    const admin = await createAdmin(['User Administrator'], { password: TEST_PASSWORD });
    const { cookie, csrf } = await session(admin.userPrincipalName, TEST_PASSWORD);
    const response = await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      user: { id: admin.userId, userPrincipalName: admin.userPrincipalName },
      roles: ['User Administrator'],
      csrfToken: csrf,
      mustChangePassword: false,
      tenant: { id: tenantId, displayName: 'Sign-in Org', domain },
    });
    expect(body.allowedActions).toEqual(expect.arrayContaining(['users.read', 'users.create', 'licenses.assign', 'authenticated']));
    expect(body.allowedActions).not.toContain('subscriptions.manage');

    expect((await t.app.inject({ method: 'GET', url: '/v1.0/users', headers: { cookie } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1.0/me', headers: { cookie } })).json<{ id: string }>().id).toBe(admin.userId);
    expect((await t.app.inject({ method: 'GET', url: '/admin/users/' + admin.userId + '/licenses', headers: { cookie } })).statusCode).toBe(200);
  });

  it('needs the CSRF token for mutations sent with the cookie', async () => {
    const admin = await createAdmin(['User Administrator'], { password: TEST_PASSWORD });
    const { cookie, csrf } = await session(admin.userPrincipalName, TEST_PASSWORD);
    const body = { accountEnabled: true, displayName: 'CSRF', mailNickname: 'csrf', userPrincipalName: upn('csrf') };
    for (const headers of [{ cookie }, { cookie, 'x-csrf-token': 'forged' }]) {
      const refused = await t.app.inject({ method: 'POST', url: '/v1.0/users', headers, payload: body });
      expectGraphError(refused, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    const created = await t.app.inject({ method: 'POST', url: '/v1.0/users', headers: { cookie, 'x-csrf-token': csrf }, payload: body });
    expect(created.statusCode, created.body).toBe(201);
  });

  it('signs out server-side: the cookie is cleared and the old value no longer works', async () => {
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    const { cookie, csrf } = await session(admin.userPrincipalName, TEST_PASSWORD);
    // Another site cannot sign the admin out: a live session needs its CSRF token.
    expectGraphError(await t.app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie } }), 403, 'Authorization_RequestDenied');
    expect(await sessionCount(admin.userId)).toBe(1);

    const response = await t.app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie, 'x-csrf-token': csrf } });
    expect(response.statusCode).toBe(204);
    const cleared = response.cookies.find((entry) => entry.name === 'allot_session');
    expect(cleared?.value).toBe('');
    expect(cleared?.expires?.getTime()).toBeLessThan(Date.now());
    expect(await sessionCount(admin.userId)).toBe(0);
    expectGraphError(await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } }), 401, 'InvalidAuthenticationToken');
    // Signing out again, or without a session, is harmless.
    expect((await t.app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie } })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'POST', url: '/auth/sign-out' })).statusCode).toBe(204);
  });

  it('ends a session after an idle hour, and 12 hours after sign-in however active', async () => {
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    const get = (cookie: string) => t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } });
    try {
      const idle = await session(admin.userPrincipalName, TEST_PASSWORD);
      t.clock.advance(59 * MINUTE);
      expect((await get(idle.cookie)).statusCode).toBe(200);
      t.clock.advance(60 * MINUTE);
      expectGraphError(await get(idle.cookie), 401, 'InvalidAuthenticationToken', 'The sign-in session is missing, has expired or was ended. Sign in again.');

      const busy = await session(admin.userPrincipalName, TEST_PASSWORD);
      for (let step = 0; step < 14; step += 1) {
        t.clock.advance(50 * MINUTE);
        expect((await get(busy.cookie)).statusCode).toBe(200);
      }
      t.clock.advance(19 * MINUTE);
      expect((await get(busy.cookie)).statusCode).toBe(200);
      t.clock.advance(MINUTE);
      expectGraphError(await get(busy.cookie), 401, 'InvalidAuthenticationToken');
    } finally {
      t.clock.set(new Date('2026-11-01T09:00:00Z'));
    }
  });

  it('answers a wrong password, an unknown account, a non-admin, a disabled admin and a user without password identically', async () => {
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    const context = testContext(tenantId);
    const member = await t.services.users.createUser(
      context,
      { userPrincipalName: upn('member'), displayName: 'Member', mailNickname: 'member', mail: null, givenName: null, surname: null, jobTitle: null, department: null, usageLocation: 'NL', userType: 'Member', accountEnabled: true },
      [],
      { password: TEST_PASSWORD },
    );
    const disabled = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    await t.services.users.updateUser(context, disabled.userId, { accountEnabled: false });
    const withoutPassword = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    await t.services.admins.removePassword(context, withoutPassword.userId);

    const attempts = [
      [admin.userPrincipalName, 'Wrong-Password-1'],
      [upn('nobody'), TEST_PASSWORD],
      [`someone@unknown-${Math.random().toString(36).slice(2, 8)}.example`, TEST_PASSWORD],
      ['not-an-address', TEST_PASSWORD],
      [member.user.userPrincipalName, TEST_PASSWORD],
      [disabled.userPrincipalName, TEST_PASSWORD],
      [withoutPassword.userPrincipalName, TEST_PASSWORD],
    ] as const;
    const bodies = [];
    for (const [name, password] of attempts) {
      const response = await signIn(name, password, newAddress());
      expectGraphError(response, 401, 'InvalidAuthenticationToken', 'Your account or password is incorrect.');
      expect(response.cookies).toEqual([]);
      bodies.push(withoutInnerError(response));
    }
    for (const body of bodies) {
      expect(body).toEqual(bodies[0]);
    }
  });

  // Same time without a timed assertion (the machines are noisy): an unknown account verifies one
  // argon2 hash, as a wrong password does, and the dummy hash has the real hashes' parameters.
  it('verifies an argon2 hash of the same cost for an unknown account as for a wrong password', async () => {
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    const verified = vi.mocked(verifyPassword);
    verified.mockClear();
    await signIn(admin.userPrincipalName, 'Wrong-Password-1', newAddress());
    expect(verified).toHaveBeenCalledTimes(1);
    expect(verified.mock.calls[0]?.[0]).not.toBe(DUMMY_PASSWORD_HASH);
    verified.mockClear();
    await signIn(upn('ghost'), 'Wrong-Password-1', newAddress());
    expect(verified).toHaveBeenCalledTimes(1);
    expect(verified.mock.calls[0]?.[0]).toBe(DUMMY_PASSWORD_HASH);
    const parameters = (hash: string) => hash.split('$').slice(1, 4).join('$');
    expect(parameters(DUMMY_PASSWORD_HASH)).toBe(parameters(await hashPassword('any password')));
    expect(parameters(DUMMY_PASSWORD_HASH)).toBe('argon2id$v=19$m=19456,t=2,p=1');
  });

  it('throttles an account from one address after 5 failures in 15 minutes (429 with Retry-After), even for the right password, until the window passes', async () => {
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    const from = newAddress();
    try {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        t.clock.advance(MINUTE);
        expect((await signIn(admin.userPrincipalName, `Wrong-Password-${attempt}`, from)).statusCode).toBe(401);
      }
      const throttled = await signIn(admin.userPrincipalName, TEST_PASSWORD, from);
      expectGraphError(throttled, 429, 'TooManyRequests', 'Too many failed sign-in attempts. Try again later.');
      // The first failure (4 minutes ago) leaves the window in 11 minutes.
      expect(throttled.headers['retry-after']).toBe(String(11 * 60));
      // Case does not make another account.
      expect((await signIn(admin.userPrincipalName.toUpperCase(), TEST_PASSWORD, from)).statusCode).toBe(429);
      t.clock.advance(11 * MINUTE);
      expect((await signIn(admin.userPrincipalName, TEST_PASSWORD, from)).statusCode).toBe(200);
    } finally {
      t.clock.set(new Date('2026-11-01T09:00:00Z'));
    }
  });

  it('does not lock the admin out from another address: five failures elsewhere leave its own sign-in working', async () => {
    const admin = await createAdmin(['Global Administrator'], { password: TEST_PASSWORD });
    const attacker = newAddress();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await signIn(admin.userPrincipalName, `Wrong-Password-${attempt}`, attacker)).statusCode).toBe(401);
    }
    expectGraphError(await signIn(admin.userPrincipalName, TEST_PASSWORD, attacker), 429, 'TooManyRequests');
    expect((await signIn(admin.userPrincipalName, TEST_PASSWORD, newAddress())).statusCode).toBe(200);
  });

  it('throttles an account after 50 failures in 15 minutes spread over many addresses, from every address', async () => {
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    for (let attempt = 0; attempt < 50; attempt += 1) {
      // Four per address: under the per-(account, address) and per-address limits.
      const from = `10.2.${Math.floor(attempt / 4)}.1`;
      expect((await signIn(admin.userPrincipalName, `Wrong-Password-${attempt}`, from)).statusCode).toBe(401);
    }
    const throttled = await signIn(admin.userPrincipalName, TEST_PASSWORD, newAddress());
    expectGraphError(throttled, 429, 'TooManyRequests', 'Too many failed sign-in attempts. Try again later.');
    expect(Number(throttled.headers['retry-after'])).toBe(15 * 60);
  });

  it('resets the count of the account from this address on a successful sign-in', async () => {
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    const from = newAddress();
    for (let round = 0; round < 2; round += 1) {
      for (let attempt = 0; attempt < 4; attempt += 1) {
        expect((await signIn(admin.userPrincipalName, 'Wrong-Password-1', from)).statusCode).toBe(401);
      }
      expect((await signIn(admin.userPrincipalName, TEST_PASSWORD, from)).statusCode).toBe(200);
    }
  });

  it('throttles a client address after 20 failures across accounts, known or not', async () => {
    const address = newAddress();
    for (let attempt = 0; attempt < 20; attempt += 1) {
      expect((await signIn(upn(`spray${attempt}`), 'Wrong-Password-1', address)).statusCode).toBe(401);
    }
    const admin = await createAdmin(['Global Reader'], { password: TEST_PASSWORD });
    const throttled = await signIn(admin.userPrincipalName, TEST_PASSWORD, address);
    expectGraphError(throttled, 429, 'TooManyRequests');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(14 * 60);
    // Another address is not affected.
    expect((await signIn(admin.userPrincipalName, TEST_PASSWORD, newAddress())).statusCode).toBe(200);
  });
});

describe('must change password', () => {
  it('lets a generated password sign in only to change it, then ends the other sessions', async () => {
    const admin = await createAdmin(['User Administrator'], { mustChange: true });
    const first = await session(admin.userPrincipalName, admin.password);
    expect(first.body.mustChangePassword).toBe(true);
    const second = await session(admin.userPrincipalName, admin.password);

    const refused = await t.app.inject({ method: 'GET', url: '/v1.0/users', headers: { cookie: first.cookie } });
    expect(expectGraphError(refused, 403, 'Authorization_RequestDenied').error.details?.[0]?.code).toBe('PasswordChangeRequired');
    expect((await t.app.inject({ method: 'GET', url: '/v1.0/me', headers: { cookie: first.cookie } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: first.cookie } })).json<{ mustChangePassword: boolean }>().mustChangePassword).toBe(true);

    const change = (currentPassword: string, newPassword: string) =>
      t.app.inject({ method: 'POST', url: '/v1.0/me/changePassword', headers: { cookie: first.cookie, 'x-csrf-token': first.csrf }, payload: { currentPassword, newPassword } });
    expectGraphError(await change('Wrong-Password-1', 'New-Password-42'), 400, 'Request_BadRequest', 'The current password is incorrect.');
    expectGraphError(
      await change(admin.password, 'password'),
      400,
      'Request_BadRequest',
      'The specified password does not comply with password complexity requirements. Please provide a different password.',
    );
    expectGraphError(await change(admin.password, admin.password), 400, 'Request_BadRequest', 'The new password must differ from the current one.');
    expect((await change(admin.password, 'New-Password-42')).statusCode).toBe(204);

    expect((await t.app.inject({ method: 'GET', url: '/v1.0/users', headers: { cookie: first.cookie } })).statusCode).toBe(200);
    expectGraphError(await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: second.cookie } }), 401, 'InvalidAuthenticationToken');
    expect((await signIn(admin.userPrincipalName, admin.password, newAddress())).statusCode).toBe(401);
    const again = await signIn(admin.userPrincipalName, 'New-Password-42', newAddress());
    expect(again.json<SignInBody>().mustChangePassword).toBe(false);
  });

  it('answers /me with Graph\'s 400 for an app token', async () => {
    const headers = await t.appHeaders(tenantId, ['User.Read.All']);
    expectGraphError(await t.app.inject({ method: 'GET', url: '/v1.0/me', headers }), 400, 'Request_BadRequest', '/me request is only valid with delegated authentication flow.');
    expectGraphError(
      await t.app.inject({ method: 'POST', url: '/v1.0/me/changePassword', headers, payload: { currentPassword: 'a', newPassword: 'b' } }),
      400,
      'Request_BadRequest',
      '/me request is only valid with delegated authentication flow.',
    );
  });
});
