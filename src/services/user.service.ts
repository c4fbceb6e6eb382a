import { roleNameOf, type RoleName } from '../domain/authorization.js';
import { requireAllowed, type RequestContext } from '../domain/context.js';
import { AppError, notFound, orNotFound } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import type { UserQuery } from '../domain/odata/user-query.js';
import { effectiveLicenses, isActiveAssignment } from '../domain/licenses.js';
import { ADMIN_POOL, allocateSeats } from '../domain/seats.js';
import { requireStrongPassword } from '../domain/password-policy.js';
import { isUsageLocation } from '../domain/usage-location.js';
import { SOFT_DELETE_RETENTION_DAYS, type DirectoryUser, type UserProperties } from '../domain/user.js';
import { DAY_MS } from '../domain/clock.js';
import { createTenantDirectory, type Repositories } from '../db/repositories/index.js';
import type { Database } from '../db/schema.js';
import type { Kysely } from 'kysely';
import type { LicenseToAdd } from '../domain/assignment.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import { authorizeLicenseChange } from './license-authorization.js';
import { applyBulkChange } from './license-admin.service.js';
import { hashPassword, storePassword } from './credentials.js';
import type { ServiceDeps } from './deps.js';
import { loadLicensedUsers, type LicensedUser } from './licensing.service.js';
import { lockAdminGuard, lockUsersAndSkus, requireAnotherGlobalAdmin } from './locking.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';
import { afterUsersChanged } from './group-triggers.js';
import { recordLicenseEffects } from './license-effects.js';
import { fillWaitlist } from './group-reapply.js';

export interface UserListResult {
  users: LicensedUser[];
  /** @odata.count, when asked for. */
  count?: number;
  /** Opaque $skiptoken of the next page. */
  nextSkipToken?: string;
}

const encodeSkipToken = (after: { keys: string[]; userId: string }, fingerprint: string): string =>
  Buffer.from(JSON.stringify({ ...after, q: fingerprint })).toString('base64url');

/** A skip token is only valid for the query that issued it (same filter, search and order). */
function decodeSkipToken(token: string, fingerprint: string): { keys: string[]; userId: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { keys?: unknown; userId?: unknown; q?: unknown };
    if (Array.isArray(parsed.keys) && parsed.keys.every((key) => typeof key === 'string') && typeof parsed.userId === 'string' && isGuid(parsed.userId) && parsed.q === fingerprint) {
      return { keys: parsed.keys, userId: parsed.userId };
    }
  } catch {
    // fall through: any undecodable token is answered the same way
  }
  throw new AppError('invalidRequest', 'The $skiptoken is invalid or belongs to another query. Request the first page again.');
}

export interface RestoreResult {
  user: LicensedUser;
  /** Licenses that could not be re-applied because their product had no free seat. */
  notRestored: { skuId: string; displayName: string }[];
}

const upnTaken = (upn: string): AppError =>
  new AppError('alreadyExists', 'Another object with the same value for property userPrincipalName already exists.', [
    { code: 'ObjectConflict', target: 'userPrincipalName', message: `${upn} is already used by another user of this organization. Choose another user name.` },
  ]);

/** Graph refuses a usageLocation that is not an ISO 3166-1 alpha-2 country code (the wire schema only checks the shape). */
function requireKnownUsageLocation(usageLocation: string | null | undefined): void {
  if (usageLocation !== null && usageLocation !== undefined && !isUsageLocation(usageLocation)) {
    throw new AppError('invalidRequest', "Invalid value specified for property 'usageLocation' of resource 'User'.", [
      { code: 'InvalidValue', target: 'usageLocation', message: `'${usageLocation}' is not an ISO 3166-1 alpha-2 country code. Use one such as NL, GB or US.` },
    ]);
  }
}

/** @throws invalidRequest (Graph's text) when the UPN's domain is not one of the tenant's. */
export async function requireVerifiedDomain(deps: ServiceDeps, context: RequestContext, userPrincipalName: string): Promise<void> {
  const tenant = await createTenantDirectory(deps.db).findById(context.tenantId);
  const domain = userPrincipalName.split('@')[1]?.toLowerCase();
  if (!tenant || domain === undefined || !tenant.domains.some((candidate) => candidate.domain === domain)) {
    throw new AppError(
      'invalidRequest',
      'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
      [{ code: 'InvalidDomain', target: 'userPrincipalName', message: `Use one of: ${tenant?.domains.map((d) => d.domain).join(', ') ?? 'the tenant\'s domains'}.` }],
    );
  }
}

/** Graph's passwordProfile as POST and PATCH /users take it. */
export interface PasswordProfileInput {
  password?: string | undefined;
  forceChangePasswordNextSignIn?: boolean | undefined;
}

/** A password checked against the policy and hashed (before the transaction: hashing takes a while). */
export async function newCredential(password: string, mustChange: boolean, target: string): Promise<{ passwordHash: string; mustChange: boolean }> {
  requireStrongPassword(password, target);
  return { passwordHash: await hashPassword(password), mustChange };
}

/**
 * Inserts a user with its 'Add user' audit row and, when given, its password, in the caller's
 * transaction (POST /users and services.admins.create).
 * @throws alreadyExists when the userPrincipalName is taken
 */
export async function insertUser(
  deps: ServiceDeps,
  context: RequestContext,
  repos: Repositories,
  properties: UserProperties,
  credential?: { passwordHash: string; mustChange: boolean },
): Promise<DirectoryUser> {
  if (await repos.users.isUpnTaken(properties.userPrincipalName)) {
    throw upnTaken(properties.userPrincipalName);
  }
  const at = deps.clock.now();
  const user = await repos.users.insert(deps.ids(), properties, { createdAt: at });
  if (credential !== undefined) {
    await repos.credentials.upsert(user.userId, { ...credential, changedAt: at });
  }
  await repos.audit.record(
    context,
    [
      {
        category: 'UserManagement',
        activity: 'Add user',
        target: { type: 'User', id: user.userId, name: user.userPrincipalName },
        changes: [
          ...Object.entries(properties).map(([property, after]) => ({ property, before: null, after })),
          // Whether a password was set, never the password.
          ...(credential === undefined ? [] : [{ property: 'passwordProfile', before: null, after: { forceChangePasswordNextSignIn: credential.mustChange } }]),
        ],
      },
    ],
    at,
    deps.ids,
  );
  return user;
}

const rolesOfUser = async (repos: Repositories, userId: string): Promise<RoleName[]> => (await repos.users.rolesOf([userId])).get(userId) ?? [];

export function createUserService(deps: ServiceDeps) {
  return {
    /** GET /users: one keyset page of active users with their licenses, and the count when asked. */
    async listUsers(context: RequestContext, query: UserQuery): Promise<UserListResult> {
      const repos = tenantRepositories(deps.db, context);
      const fingerprint = JSON.stringify([query.filter ?? null, query.search ?? null, query.orderBy]);
      const listQuery = {
        ...(query.filter ? { filter: query.filter } : {}),
        ...(query.search ? { search: query.search } : {}),
        orderBy: query.orderBy,
        top: query.top,
        ...(query.skipToken === undefined ? {} : { after: decodeSkipToken(query.skipToken, fingerprint) }),
      };
      const [page, count, catalogue] = await Promise.all([
        repos.userList.page(listQuery),
        query.count ? repos.userList.count(listQuery) : Promise.resolve(undefined),
        loadTenantCatalogue(deps.microsoftCatalogue, repos),
      ]);
      return {
        users: await loadLicensedUsers(repos, catalogue, page.users),
        ...(count === undefined ? {} : { count }),
        ...(page.next ? { nextSkipToken: encodeSkipToken(page.next, fingerprint) } : {}),
      };
    },

    async countUsers(context: RequestContext, query: UserQuery): Promise<number> {
      return tenantRepositories(deps.db, context).userList.count({
        ...(query.filter ? { filter: query.filter } : {}),
        ...(query.search ? { search: query.search } : {}),
      });
    },

    /**
     * Creates a user, and gives it `licenses` in the same transaction (both happen or neither). A
     * passwordProfile with a password creates its credential (Graph's default: no change forced).
     */
    async createUser(context: RequestContext, properties: UserProperties, licenses: readonly LicenseToAdd[] = [], passwordProfile?: PasswordProfileInput): Promise<LicensedUser> {
      const authorized = requireAllowed(context, { action: 'users.create', target: { userType: properties.userType, roles: [] } });
      requireKnownUsageLocation(properties.usageLocation);
      await requireVerifiedDomain(deps, context, properties.userPrincipalName);
      const credential =
        passwordProfile?.password === undefined
          ? undefined
          : await newCredential(passwordProfile.password, passwordProfile.forceChangePasswordNextSignIn ?? false, 'passwordProfile.password');
      return inTenantTransaction(deps.db, context, async (repos, trx) => {
        const user = await insertUser(deps, authorized, repos, properties, credential);
        if (licenses.length > 0) {
          await applyBulkChange(deps, authorized, repos, trx, { userIds: [user.userId], mode: 'addMore', licenses, dryRun: false });
        }
        await afterUsersChanged(deps, repos, trx, authorized, [user.userId]);
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const created = orNotFound(await repos.users.findActive(user.userId), user.userId);
        return (await loadLicensedUsers(repos, catalogue, [created]))[0] as LicensedUser;
      });
    },

    /**
     * PATCH /users/{id}. The permission table sees the user's type and roles and the fields the
     * request names. A passwordProfile with a password resets it (the user must change it at the
     * next sign-in unless it says otherwise) and ends the user's sessions; disabling ends them too,
     * and is refused for the last Global Administrator.
     */
    async updateUser(context: RequestContext, userKey: string, patch: Partial<UserProperties>, passwordProfile?: PasswordProfileInput): Promise<void> {
      requireKnownUsageLocation(patch.usageLocation);
      if (patch.userPrincipalName !== undefined) {
        await requireVerifiedDomain(deps, context, patch.userPrincipalName);
      }
      const changedFields = [
        ...(Object.keys(patch) as (keyof UserProperties)[]).filter((property) => patch[property] !== undefined),
        ...(passwordProfile === undefined ? [] : ['passwordProfile']),
      ];
      const newPassword = passwordProfile?.password;
      const credential = newPassword === undefined ? undefined : await newCredential(newPassword, passwordProfile?.forceChangePasswordNextSignIn ?? true, 'passwordProfile.password');
      const disabling = patch.accountEnabled === false;
      await inTenantTransaction(deps.db, context, async (repos, trx) => {
        if (disabling) {
          await lockAdminGuard(repos);
        }
        const found = orNotFound(await repos.users.findActive(userKey), userKey);
        const roles = await rolesOfUser(repos, found.userId);
        const authorized = requireAllowed(context, { action: 'users.update', target: { userType: found.userType, roles }, changedFields });
        const user = orNotFound(await repos.users.lockActive(found.userId), userKey);
        // Turning a licensed member into a guest is licensing a guest: the same check as assignLicense
        // on a guest (a Global Administrator while the tenant setting is on), so PATCH cannot bypass it.
        if (patch.userType === 'Guest' && user.userType !== 'Guest' && (await repos.assignments.listForUsers([user.userId])).length > 0) {
          await authorizeLicenseChange(context, repos, [{ ...user, userType: 'Guest' }]);
        }
        if (patch.userPrincipalName !== undefined && (await repos.users.isUpnTaken(patch.userPrincipalName, user.userId))) {
          throw upnTaken(patch.userPrincipalName);
        }
        const existing = await repos.credentials.find(user.userId);
        if (disabling && user.accountEnabled) {
          await requireAnotherGlobalAdmin(repos, { ...user, roles, hasPassword: existing !== undefined }, 'disabling the account');
        }
        if (passwordProfile !== undefined && credential === undefined && passwordProfile.forceChangePasswordNextSignIn !== undefined && existing === undefined) {
          throw new AppError('invalidRequest', 'The user has no password to expire.', [
            { code: 'NoPassword', target: 'passwordProfile.password', message: 'Give passwordProfile.password to set a password for this user.' },
          ]);
        }
        const changes = (Object.keys(patch) as (keyof UserProperties)[])
          .filter((property) => patch[property] !== undefined && patch[property] !== user[property])
          .map((property) => ({ property, before: user[property], after: patch[property] }));
        if (changes.length > 0) {
          await repos.users.update(user.userId, patch);
          // Dynamic groups whose rule reads a changed property, and group licenses (usage location).
          await afterUsersChanged(deps, repos, trx, authorized, [user.userId], new Set(changes.map((change) => change.property)));
          const sessionsEnded = disabling ? await repos.sessions.deleteForUser(user.userId) : 0;
          await repos.audit.record(
            authorized,
            [
              {
                category: 'UserManagement',
                activity: 'Update user',
                target: { type: 'User', id: user.userId, name: user.userPrincipalName },
                changes,
                ...(sessionsEnded > 0 ? { details: { sessionsEnded } } : {}),
              },
            ],
            deps.clock.now(),
            deps.ids,
          );
        }
        if (credential !== undefined) {
          await storePassword(deps, authorized, repos, user, credential, { activity: 'Reset user password' });
        } else if (existing !== undefined && passwordProfile?.forceChangePasswordNextSignIn !== undefined && passwordProfile.forceChangePasswordNextSignIn !== existing.mustChange) {
          // Only the flag: the password and the user's sessions stay.
          await repos.credentials.upsert(user.userId, { ...existing, mustChange: passwordProfile.forceChangePasswordNextSignIn });
          await repos.audit.record(
            authorized,
            [
              {
                category: 'UserManagement',
                activity: 'Set force change user password',
                target: { type: 'User', id: user.userId, name: user.userPrincipalName },
                changes: [{ property: 'forceChangePasswordNextSignIn', before: existing.mustChange, after: passwordProfile.forceChangePasswordNextSignIn }],
              },
            ],
            deps.clock.now(),
            deps.ids,
          );
        }
      });
    },

    /**
     * Soft delete: the user leaves the directory for 30 days, its seats are freed and its sessions
     * end at once. Refused for the last Global Administrator. `within` runs it in the caller's
     * transaction (the deletion preview rolls it back).
     */
    async deleteUser(context: RequestContext, userKey: string, within?: { repos: Repositories; trx: Kysely<Database> }): Promise<void> {
      const work = async (repos: Repositories, trx: Kysely<Database>): Promise<void> => {
        await lockAdminGuard(repos);
        const found = orNotFound(await repos.users.findActive(userKey), userKey);
        const roles = await rolesOfUser(repos, found.userId);
        const authorized = requireAllowed(context, { action: 'users.delete', target: { userType: found.userType, roles } });
        const hasPassword = (await repos.credentials.find(found.userId)) !== undefined;
        await requireAnotherGlobalAdmin(repos, { ...found, roles, hasPassword }, 'deleting the user');
        const { users, assignments } = await lockUsersAndSkus(repos, [found.userId], []);
        const user = users[0] as DirectoryUser;
        const at = deps.clock.now();
        const released = await repos.assignments.releaseSeats(effectiveLicenses(assignments).map((license) => ({ userId: user.userId, skuId: license.skuId })));
        await repos.subscriptions.addConsumed(tally(released.map((seat) => seat.subscriptionId), -1), tally(released.map((seat) => seat.skuId), -1));
        await repos.assignments.recordHistory(
          assignments.map((assignment) => ({ userId: user.userId, skuId: assignment.skuId, sourceId: assignment.sourceId, disabledPlans: null })),
          at,
        );
        await repos.users.setDeletedAt(user.userId, at);
        await fillWaitlist(deps, repos, trx, authorized, released.map((seat) => seat.skuId));
        await repos.users.bumpLicenseVersion([user.userId]);
        await recordLicenseEffects(repos, {
          changed: [{ userId: user.userId, before: effectiveLicenses(assignments), after: [] }],
          cause: 'userDeleted',
          catalogue: await loadTenantCatalogue(deps.microsoftCatalogue, repos),
          at,
          ids: deps.ids,
        });
        await repos.sessions.deleteForUser(user.userId);
        await repos.audit.record(
          authorized,
          [
            {
              category: 'UserManagement',
              activity: 'Delete user',
              target: { type: 'User', id: user.userId, name: user.userPrincipalName },
              changes: [{ property: 'AssignedLicense', before: effectiveLicenses(assignments), after: [] }],
              details: { seatsFreed: released.length, permanentDeletionAfter: new Date(at.getTime() + SOFT_DELETE_RETENTION_DAYS * DAY_MS).toISOString() },
            },
          ],
          at,
          deps.ids,
        );
      };
      return within === undefined ? inTenantTransaction(deps.db, context, work) : work(within.repos, within.trx);
    },

    async listDeletedUsers(context: RequestContext): Promise<DirectoryUser[]> {
      return tenantRepositories(deps.db, context).users.listDeleted();
    },

    async getDeletedUser(context: RequestContext, userId: string): Promise<DirectoryUser> {
      return orNotFound(await tenantRepositories(deps.db, context).users.findDeleted(userId), userId);
    },

    /**
     * Restores a soft-deleted user and re-applies its licenses where seats allow; the licenses that
     * found no seat are dropped and reported. Roles and password survive the soft delete, so the
     * permission table sees the user's roles (restoring a privileged admin needs a Global
     * Administrator) and, when it holds licenses, re-licensing it is checked as any license change.
     */
    async restoreUser(context: RequestContext, userId: string): Promise<RestoreResult> {
      return inTenantTransaction(deps.db, context, async (repos, trx) => {
        const deleted = orNotFound(await repos.users.findDeleted(userId), userId);
        // Past its retention a deleted user is gone, even if the purge job has not run yet.
        if (deleted.deletedAt !== null && deps.clock.now().getTime() - deleted.deletedAt.getTime() > SOFT_DELETE_RETENTION_DAYS * DAY_MS) {
          throw notFound(userId);
        }
        // rolesOf reads role_assignment by user id, deleted or not (a soft delete keeps the assignments).
        const authorized = requireAllowed(context, { action: 'users.restore', target: { userType: deleted.userType, roles: await rolesOfUser(repos, userId) } });
        const { users, counters } = await lockUsersAndSkus(repos, [userId], [], { deleted: true });
        const user = users[0] as DirectoryUser;
        const skuIds = [...counters.keys()];
        if (await repos.users.isUpnTaken(user.userPrincipalName)) {
          throw new AppError('conflict', 'Another object with the same value for property userPrincipalName already exists.', [
            { code: 'ObjectConflict', target: 'userPrincipalName', message: `A new user took ${user.userPrincipalName} after this one was deleted. Rename or delete that user, then restore.` },
          ]);
        }
        const at = deps.clock.now();
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const subscriptions = await repos.subscriptions.listForSkus(skuIds);
        const held = await repos.assignments.listForUsers([userId]);
        // A restore gives the user its licenses back, so it is checked as licensing it (a guest needs a
        // Global Administrator while the tenant setting is on). Refused whole with the same 403 as
        // the other license paths rather than restoring the user unlicensed: a restore that silently
        // drops licenses would be a different operation than the one asked for.
        if (held.length > 0) {
          await authorizeLicenseChange(context, repos, [user]);
        }
        const assignments = held.filter(isActiveAssignment);
        const bindings: { userId: string; skuId: string; subscriptionId: string }[] = [];
        const notRestored: string[] = [];
        for (const license of effectiveLicenses(assignments)) {
          const picks = allocateSeats(subscriptions.filter((subscription) => subscription.skuId === license.skuId), ADMIN_POOL, 1);
          const subscriptionId = picks?.[0];
          if (subscriptionId === undefined) {
            notRestored.push(license.skuId);
          } else {
            bindings.push({ userId, skuId: license.skuId, subscriptionId });
            const subscription = subscriptions.find((candidate) => candidate.subscriptionId === subscriptionId);
            if (subscription) {
              subscription.consumedUnits += 1;
            }
          }
        }
        const dropped = assignments.filter((assignment) => notRestored.includes(assignment.skuId));
        await repos.assignments.delete(dropped.map((assignment) => ({ userId, skuId: assignment.skuId, sourceId: assignment.sourceId })));
        await repos.assignments.bindSeats(bindings, at);
        await repos.subscriptions.addConsumed(tally(bindings.map((seat) => seat.subscriptionId), 1), tally(bindings.map((seat) => seat.skuId), 1));
        await repos.assignments.recordHistory(
          assignments
            .filter((assignment) => !notRestored.includes(assignment.skuId))
            .map((assignment) => ({ userId, skuId: assignment.skuId, sourceId: assignment.sourceId, disabledPlans: assignment.disabledPlans })),
          at,
        );
        await repos.users.setDeletedAt(userId, null);
        await repos.users.bumpLicenseVersion([userId]);
        await recordLicenseEffects(repos, {
          changed: [{ userId, before: [], after: effectiveLicenses(assignments.filter((assignment) => !notRestored.includes(assignment.skuId))) }],
          cause: 'userRestored',
          catalogue,
          at,
          ids: deps.ids,
        });
        const names = notRestored.map((skuId) => ({ skuId, displayName: catalogue.findSku(skuId)?.displayName ?? skuId }));
        const roleAssignmentsRestored = (await repos.roleAssignments.list({ principalId: userId })).map((assignment) => ({
          roleAssignmentId: assignment.id,
          roleDefinitionId: assignment.roleDefinitionId,
          role: roleNameOf(assignment.roleDefinitionId) ?? null,
        }));
        await repos.audit.record(
          authorized,
          [
            {
              category: 'UserManagement',
              activity: 'Restore user',
              target: { type: 'User', id: userId, name: user.userPrincipalName },
              changes: [{ property: 'AssignedLicense', before: [], after: effectiveLicenses(assignments.filter((a) => !notRestored.includes(a.skuId))) }],
              details: { licensesNotRestored: names, roleAssignmentsRestored },
            },
          ],
          at,
          deps.ids,
        );
        // Back in its groups: dynamic rules and group licenses apply again (seats short → CountViolation).
        await afterUsersChanged(deps, repos, trx, authorized, [userId]);
        const restored = orNotFound(await repos.users.findActive(userId), userId);
        return { user: (await loadLicensedUsers(repos, catalogue, [restored]))[0] as LicensedUser, notRestored: names };
      });
    },

    /** Permanent delete of a soft-deleted user (its seats were freed at the soft delete). */
    async purgeDeletedUser(context: RequestContext, userId: string): Promise<void> {
      await inTenantTransaction(deps.db, context, async (repos) => {
        const user = orNotFound(await repos.users.findDeleted(userId), userId);
        const authorized = requireAllowed(context, { action: 'users.purge', target: { userType: user.userType, roles: await rolesOfUser(repos, userId) } });
        // group_member.member_id has no FK: the user's memberships go explicitly (a soft delete keeps them).
        await repos.groups.removeMemberships([userId]);
        await repos.users.purge(userId);
        await repos.audit.record(
          authorized,
          [{ category: 'UserManagement', activity: 'Hard delete user', target: { type: 'User', id: userId, name: user.userPrincipalName }, changes: [] }],
          deps.clock.now(),
          deps.ids,
        );
      });
    },
  };
}

/** Counter deltas: `delta` per occurrence of each key. */
function tally(keys: readonly string[], delta: 1 | -1): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) {
    counts.set(key, (counts.get(key) ?? 0) + delta);
  }
  return counts;
}

export type UserService = ReturnType<typeof createUserService>;
