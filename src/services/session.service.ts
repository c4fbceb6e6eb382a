import { roleNameOf, type Principal, type RoleName } from '../domain/authorization.js';
import type { RequestContext } from '../domain/context.js';
import { AppError, orNotFound } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import { requireStrongPassword } from '../domain/password-policy.js';
import { recordFailure, resetFailures, retryAfterSeconds, SIGN_IN_LIMITS, type FailureLog, type ThrottleKey } from '../domain/sign-in-throttle.js';
import { createRepositories, createTenantDirectory, type Tenant } from '../db/repositories/index.js';
import { DUMMY_PASSWORD_HASH, hashPassword, randomSecret, sameSecret, sha256, storePassword, verifyPassword } from './credentials.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

/** A session ends 12 hours after sign-in whatever happens, or after an hour without a request. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
export const SESSION_IDLE_TIMEOUT_MS = 60 * 60 * 1000;
/** last_seen_at is written at most once a minute, so reads do not all turn into writes. */
const TOUCH_INTERVAL_MS = 60 * 1000;

/** `<tenantId>.<sessionId>.<secret>`: the tenant and session ids locate the row, the secret proves it. */
const NO_TENANT = '00000000-0000-0000-0000-000000000000';

const COOKIE_PATTERN = /^([0-9a-f-]{36})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export interface SignInInput {
  userPrincipalName: string;
  password: string;
  clientAddress: string | null;
  requestId?: string;
}

export interface SignInResult {
  /** The value of the allot_session cookie. */
  cookieValue: string;
  csrfToken: string;
  expiresAt: Date;
  mustChangePassword: boolean;
  user: { id: string; displayName: string; userPrincipalName: string };
  roles: RoleName[];
}

export interface AuthenticatedSession {
  tenantId: string;
  principal: Extract<Principal, { kind: 'user' }>;
  csrfToken: string;
  mustChangePassword: boolean;
}

export interface CurrentSession {
  user: { id: string; displayName: string; userPrincipalName: string };
  roles: RoleName[];
  csrfToken: string;
  mustChangePassword: boolean;
  expiresAt: Date;
  tenant: Tenant;
}

/** The one answer to every failed sign-in, whatever failed (the account, the password, the role). */
const signInFailed = (): AppError => new AppError('unauthenticated', 'Your account or password is incorrect.');

const sessionEnded = (): AppError => new AppError('unauthenticated', 'The sign-in session is missing, has expired or was ended. Sign in again.');

/** Graph's answer when an app token calls a /me route. */
export function requireSignedInUser(context: RequestContext): Extract<Principal, { kind: 'user' }> {
  if (context.principal.kind !== 'user') {
    throw new AppError('invalidRequest', '/me request is only valid with delegated authentication flow.');
  }
  return context.principal;
}

function parseCookie(value: string): { tenantId: string; sessionId: string; secret: string } | undefined {
  const match = COOKIE_PATTERN.exec(value);
  const [, tenantId, sessionId, secret] = match ?? [];
  return tenantId !== undefined && sessionId !== undefined && secret !== undefined && isGuid(tenantId) && isGuid(sessionId) ? { tenantId, sessionId, secret } : undefined;
}

const roleNames = (roleIds: readonly string[]): RoleName[] => roleIds.map(roleNameOf).filter((name): name is RoleName => name !== undefined);

/**
 * What a failed attempt counts against: the account from this client address (the strict limit,
 * and the one a success resets), the account from any address, and the address across accounts.
 */
function throttleKeys(tenantId: string | undefined, userPrincipalName: string, clientAddress: string | null): { accountAddress: ThrottleKey; all: ThrottleKey[] } {
  const account = `${tenantId ?? '-'}:${userPrincipalName.toLowerCase()}`;
  const accountAddress = { key: `account-address:${account}|${clientAddress ?? '-'}`, limit: SIGN_IN_LIMITS.accountAddress };
  return {
    accountAddress,
    all: [accountAddress, { key: `account:${account}`, limit: SIGN_IN_LIMITS.account }, ...(clientAddress === null ? [] : [{ key: `address:${clientAddress}`, limit: SIGN_IN_LIMITS.address }])],
  };
}

/**
 * Web sign-in of admins with a password, and the sessions it opens. Failed attempts are counted in
 * memory, per process (several Allot processes behind one database each count their own), per
 * account and client address, per account, and per client address.
 */
export function createSessionService(deps: ServiceDeps) {
  const tenants = createTenantDirectory(deps.db);
  const failures: FailureLog = new Map();

  /** @throws tooManyRequests with the seconds to wait when any key is over its limit */
  const requireNotThrottled = (keys: readonly ThrottleKey[]): void => {
    const wait = retryAfterSeconds(failures, keys, deps.clock.now());
    if (wait !== undefined) {
      throw new AppError('tooManyRequests', 'Too many failed sign-in attempts. Try again later.', [{ code: 'SignInThrottled', message: `Wait ${wait} seconds before trying again.` }], {
        retryAfterSeconds: wait,
      });
    }
  };

  return {
    /**
     * Checks a user principal name and password and opens a session. Every failure answers the
     * same and takes as long: an unknown account (or one without password, disabled or deleted)
     * is verified against a dummy hash. Only users holding at least one role may sign in to the
     * admin center; a user without a role gets the same answer even with the right password, so
     * the answer does not tell who is an admin.
     * @throws tooManyRequests, unauthenticated
     */
    async signIn(input: SignInInput): Promise<SignInResult> {
      const userPrincipalName = input.userPrincipalName.trim().toLowerCase();
      const domain = userPrincipalName.split('@')[1];
      const tenant = domain === undefined || domain === '' ? undefined : await tenants.findByDomain(domain);
      const { accountAddress, all: keys } = throttleKeys(tenant?.tenantId, userPrincipalName, input.clientAddress);
      requireNotThrottled(keys);
      // The same statements run for an unknown domain (on a tenant id no tenant has), so it answers no faster.
      const candidate = await createRepositories(deps.db, tenant?.tenantId ?? NO_TENANT).credentials.findForSignIn(userPrincipalName);
      const credential = candidate?.credential;
      const verified = await verifyPassword(credential?.passwordHash ?? DUMMY_PASSWORD_HASH, input.password);
      const roles = roleNames(candidate?.roleIds ?? []);
      if (tenant === undefined || candidate === undefined || credential === undefined || !candidate.accountEnabled || roles.length === 0 || !verified) {
        recordFailure(failures, keys, deps.clock.now());
        throw signInFailed();
      }
      // Only this address's count: failures from elsewhere keep counting against the account.
      resetFailures(failures, accountAddress.key);

      const secret = randomSecret();
      const csrfToken = randomSecret();
      const sessionId = deps.ids();
      const at = deps.clock.now();
      const expiresAt = new Date(at.getTime() + SESSION_LIFETIME_MS);
      const principal: AuthenticatedSession['principal'] = {
        kind: 'user',
        id: candidate.userId,
        displayName: candidate.displayName,
        userPrincipalName: candidate.userPrincipalName,
        roles,
        sessionId,
      };
      await inTenantTransaction(deps.db, tenant, async (repos) => {
        await repos.sessions.insert({
          sessionId,
          userId: candidate.userId,
          secretHash: sha256(secret),
          csrfToken,
          createdAt: at,
          lastSeenAt: at,
          expiresAt,
          clientAddress: input.clientAddress,
        });
        // Counts as activity for every product the user holds (reclaim unused seats).
        await repos.activity.recordSignIn(candidate.userId, at);
        await repos.audit.record(
          { tenantId: tenant.tenantId, principal, requestId: input.requestId ?? sessionId, clientAddress: input.clientAddress },
          [
            {
              category: 'Authentication',
              activity: 'Sign-in',
              target: { type: 'User', id: candidate.userId, name: candidate.userPrincipalName },
              changes: [],
              details: { sessionId, expiresDateTime: expiresAt.toISOString(), mustChangePassword: credential.mustChange },
            },
          ],
          at,
          deps.ids,
        );
      });
      return {
        cookieValue: `${tenant.tenantId}.${sessionId}.${secret}`,
        csrfToken,
        expiresAt,
        mustChangePassword: credential.mustChange,
        user: { id: candidate.userId, displayName: candidate.displayName, userPrincipalName: candidate.userPrincipalName },
        roles,
      };
    },

    /**
     * The signed-in admin of a session cookie, with the user's current roles. A session ends at its
     * absolute lifetime, after an idle hour, and as soon as its user is disabled, deleted, loses its
     * password or its last role.
     * @throws unauthenticated
     */
    async authenticate(cookieValue: string): Promise<AuthenticatedSession> {
      const parsed = parseCookie(cookieValue);
      if (!parsed) {
        throw sessionEnded();
      }
      const repos = createRepositories(deps.db, parsed.tenantId);
      const session = await repos.sessions.findWithUser(parsed.sessionId);
      if (!session || !sameSecret(sha256(parsed.secret), session.secretHash)) {
        throw sessionEnded();
      }
      const now = deps.clock.now().getTime();
      const roles = roleNames(session.roleIds);
      const expired = now >= session.expiresAt.getTime() || now - session.lastSeenAt.getTime() >= SESSION_IDLE_TIMEOUT_MS;
      if (expired || !session.canSignIn || session.mustChangePassword === undefined || roles.length === 0) {
        await repos.sessions.delete(session.sessionId);
        throw sessionEnded();
      }
      if (now - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
        await repos.sessions.touch(session.sessionId, new Date(now));
      }
      return {
        tenantId: parsed.tenantId,
        principal: { kind: 'user', id: session.userId, displayName: session.displayName, userPrincipalName: session.userPrincipalName, roles, sessionId: session.sessionId },
        csrfToken: session.csrfToken,
        mustChangePassword: session.mustChangePassword,
      };
    },

    /**
     * Ends the cookie's session server-side. A live session is ended only with its CSRF token (so
     * another site cannot sign the admin out); a cookie that names no live session just goes.
     * @throws forbidden when the CSRF token is missing or wrong
     */
    async signOut(cookieValue: string, csrfToken: string | undefined, meta: { requestId?: string; clientAddress?: string | null } = {}): Promise<void> {
      const parsed = parseCookie(cookieValue);
      if (!parsed) {
        return;
      }
      await inTenantTransaction(deps.db, parsed, async (repos) => {
        const session = await repos.sessions.findWithUser(parsed.sessionId);
        if (!session || !sameSecret(sha256(parsed.secret), session.secretHash)) {
          return;
        }
        const now = deps.clock.now();
        const live = now < session.expiresAt && now.getTime() - session.lastSeenAt.getTime() < SESSION_IDLE_TIMEOUT_MS;
        if (live && (csrfToken === undefined || !sameSecret(csrfToken, session.csrfToken))) {
          throw new AppError('forbidden', 'Insufficient privileges to complete the operation.', [
            { code: 'CsrfTokenMissing', target: 'x-csrf-token', message: "Signing out needs the session's CSRF token in the x-csrf-token header." },
          ]);
        }
        await repos.sessions.delete(session.sessionId);
        await repos.audit.record(
          {
            tenantId: parsed.tenantId,
            principal: { kind: 'user', id: session.userId, displayName: session.displayName, userPrincipalName: session.userPrincipalName, roles: roleNames(session.roleIds), sessionId: session.sessionId },
            requestId: meta.requestId ?? session.sessionId,
            clientAddress: meta.clientAddress ?? null,
          },
          [{ category: 'Authentication', activity: 'Sign-out', target: { type: 'User', id: session.userId, name: session.userPrincipalName }, changes: [], details: { sessionId: session.sessionId } }],
          now,
          deps.ids,
        );
      });
    },

    /** The signed-in admin's session (GET /auth/session). */
    async current(context: RequestContext): Promise<CurrentSession> {
      const principal = context.principal;
      if (principal.kind !== 'user') {
        throw new AppError('invalidRequest', 'There is no sign-in session: this request is authenticated by an application token.');
      }
      const session = await tenantRepositories(deps.db, context).sessions.findWithUser(principal.sessionId);
      if (!session || session.mustChangePassword === undefined) {
        throw sessionEnded();
      }
      return {
        user: { id: principal.id, displayName: principal.displayName, userPrincipalName: principal.userPrincipalName },
        roles: [...principal.roles],
        csrfToken: session.csrfToken,
        mustChangePassword: session.mustChangePassword,
        expiresAt: session.expiresAt,
        tenant: orNotFound(await tenants.findById(context.tenantId), context.tenantId),
      };
    },

    /**
     * POST /me/changePassword: the signed-in admin replaces its password, proving the current one.
     * Wrong current passwords count against the sign-in throttle (account and address). The admin's other
     * sessions end; this one stays and no longer needs a password change.
     * @throws invalidRequest (app token, wrong current password, weak or unchanged new password), tooManyRequests
     */
    async changePassword(context: RequestContext, input: { currentPassword: string; newPassword: string }): Promise<void> {
      const principal = requireSignedInUser(context);
      const { accountAddress, all: keys } = throttleKeys(context.tenantId, principal.userPrincipalName, context.clientAddress);
      requireNotThrottled(keys);
      const credential = await tenantRepositories(deps.db, context).credentials.find(principal.id);
      const verified = await verifyPassword(credential?.passwordHash ?? DUMMY_PASSWORD_HASH, input.currentPassword);
      if (!credential || !verified) {
        recordFailure(failures, keys, deps.clock.now());
        throw new AppError('invalidRequest', 'The current password is incorrect.', [{ code: 'InvalidPassword', target: 'currentPassword', message: 'Give the password you signed in with.' }]);
      }
      requireStrongPassword(input.newPassword, 'newPassword');
      if (input.newPassword === input.currentPassword) {
        throw new AppError('invalidRequest', 'The new password must differ from the current one.', [{ code: 'PasswordReused', target: 'newPassword', message: 'Choose a password you have not used here.' }]);
      }
      const passwordHash = await hashPassword(input.newPassword);
      await inTenantTransaction(deps.db, context, async (repos) => {
        const user = orNotFound(await repos.users.lockActive(principal.id), principal.id);
        await storePassword(deps, context, repos, user, { passwordHash, mustChange: false }, { activity: 'Change user password', keepSessionId: principal.sessionId });
      });
      resetFailures(failures, accountAddress.key);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
