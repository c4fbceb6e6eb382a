import { ROLES, roleNameOf, type RoleName } from '../domain/authorization.js';
import { requireAllowed, type RequestContext } from '../domain/context.js';
import { AppError, notFound, orNotFound } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import type { RoleAssignmentFilter } from '../domain/odata/role-assignment-filter.js';
import type { DirectoryUser } from '../domain/user.js';
import { createTenantDirectory, type Repositories } from '../db/repositories/index.js';
import type { RoleAssignment } from '../db/repositories/role-assignment.repository.js';
import { generatePassword, storePassword } from './credentials.js';
import type { ServiceDeps } from './deps.js';
import { lockAdminGuard, requireAnotherGlobalAdmin } from './locking.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';
import { insertUser, newCredential, requireVerifiedDomain } from './user.service.js';

export type { RoleAssignment } from '../db/repositories/role-assignment.repository.js';

export interface CreateAdminInput {
  userPrincipalName: string;
  displayName: string;
  roles: RoleName[];
  /** Generated when absent (and returned once). */
  password?: string;
  /** Default true: a password someone else chose is changed at the first sign-in. */
  forceChangePasswordNextSignIn?: boolean;
}

/** A mail alias from the UPN's local part, with the characters Graph refuses replaced. */
const mailNicknameOf = (userPrincipalName: string): string => (userPrincipalName.split('@')[0] ?? 'admin').replace(/[\s@()<>[\]\\,;:"]/g, '_').slice(0, 64) || 'admin';

const roleChange = (activity: 'Add member to role' | 'Remove member from role', user: Pick<DirectoryUser, 'userId' | 'userPrincipalName'>, assignment: RoleAssignment) => ({
  category: 'RoleManagement' as const,
  activity,
  target: { type: 'User' as const, id: user.userId, name: user.userPrincipalName },
  changes: [
    {
      property: 'Role',
      before: activity === 'Add member to role' ? null : roleNameOf(assignment.roleDefinitionId),
      after: activity === 'Add member to role' ? roleNameOf(assignment.roleDefinitionId) : null,
    },
  ],
  details: { roleAssignmentId: assignment.id, roleDefinitionId: assignment.roleDefinitionId },
});

/** Whether the user has a password credential (for the last-Global-Administrator rule). */
const hasPassword = async (repos: Repositories, userId: string): Promise<boolean> => (await repos.credentials.find(userId)) !== undefined;

/**
 * Admins: users with a password and directory roles. Role assignments follow Graph's
 * unifiedRoleAssignment (scope "/" only). A tenant always keeps at least one enabled Global
 * Administrator with a password: every change that could take the last one away runs under the
 * tenant's admin guard (services/locking.ts) and is refused with a 409.
 */
export function createAdminService(deps: ServiceDeps) {
  const tenants = createTenantDirectory(deps.db);

  return {
    /**
     * Creates a Member user (usage location: the tenant's default) with a password and roles, in
     * one transaction. Returns the password once, generated when none was given.
     * @throws invalidRequest (weak password, unverified domain, no role), alreadyExists (UPN taken)
     */
    async create(context: RequestContext, input: CreateAdminInput): Promise<{ userId: string; userPrincipalName: string; password: string }> {
      let authorized = requireAllowed(requireAllowed(context, { action: 'users.create', target: { userType: 'Member', roles: input.roles } }), { action: 'roles.manage' });
      for (const role of new Set(input.roles)) {
        authorized = requireAllowed(authorized, { action: 'roles.manage', grantsRole: role });
      }
      if (input.roles.length === 0) {
        throw new AppError('invalidRequest', 'An admin needs at least one role.', [{ code: 'InvalidValue', target: 'roles', message: `Give one or more of: ${Object.keys(ROLES).join(', ')}.` }]);
      }
      await requireVerifiedDomain(deps, context, input.userPrincipalName);
      const tenant = orNotFound(await tenants.findById(context.tenantId), context.tenantId);
      const password = input.password ?? generatePassword();
      const credential = await newCredential(password, input.forceChangePasswordNextSignIn ?? true, 'password');
      const userId = await inTenantTransaction(deps.db, context, async (repos) => {
        const user = await insertUser(
          deps,
          authorized,
          repos,
          {
            userPrincipalName: input.userPrincipalName,
            displayName: input.displayName,
            mailNickname: mailNicknameOf(input.userPrincipalName),
            mail: null,
            givenName: null,
            surname: null,
            jobTitle: null,
            department: null,
            usageLocation: tenant.defaultUsageLocation,
            userType: 'Member',
            accountEnabled: true,
          },
          credential,
        );
        const at = deps.clock.now();
        const assignments: RoleAssignment[] = [];
        for (const role of [...new Set(input.roles)]) {
          const inserted = await repos.roleAssignments.insert({ id: deps.ids(), principalId: user.userId, roleDefinitionId: ROLES[role], createdAt: at });
          if (inserted) {
            assignments.push(inserted);
          }
        }
        await repos.audit.record(
          authorized,
          assignments.map((assignment) => roleChange('Add member to role', user, assignment)),
          at,
          deps.ids,
        );
        return user.userId;
      });
      return { userId, userPrincipalName: input.userPrincipalName, password };
    },

    async listRoleAssignments(context: RequestContext, filter: RoleAssignmentFilter = {}): Promise<RoleAssignment[]> {
      return tenantRepositories(deps.db, context).roleAssignments.list(filter);
    },

    async getRoleAssignment(context: RequestContext, assignmentId: string): Promise<RoleAssignment> {
      const found = isGuid(assignmentId) ? await tenantRepositories(deps.db, context).roleAssignments.find(assignmentId) : undefined;
      return orNotFound(found, assignmentId);
    },

    /**
     * Gives a user a directory role (POST roleAssignments).
     * @throws notFound (unknown role or user), alreadyExists (the user holds the role)
     */
    async assignRole(context: RequestContext, input: { principalId: string; roleDefinitionId: string }): Promise<RoleAssignment> {
      requireAllowed(context, { action: 'roles.manage' });
      const role = roleNameOf(input.roleDefinitionId);
      if (role === undefined) {
        throw notFound(input.roleDefinitionId);
      }
      // An app gives only a role whose actions it holds itself (users are unaffected).
      const authorized = requireAllowed(context, { action: 'roles.manage', grantsRole: role });
      return inTenantTransaction(deps.db, context, async (repos) => {
        const user = orNotFound(await repos.users.findActive(input.principalId), input.principalId);
        const at = deps.clock.now();
        const assignment = await repos.roleAssignments.insert({ id: deps.ids(), principalId: user.userId, roleDefinitionId: input.roleDefinitionId.toLowerCase(), createdAt: at });
        if (!assignment) {
          throw new AppError('alreadyExists', 'A conflicting object with one or more of the specified property values is present in the directory.', [
            { code: 'ObjectConflict', target: 'roleDefinitionId', message: `${user.userPrincipalName} already holds ${roleNameOf(input.roleDefinitionId) ?? input.roleDefinitionId}.` },
          ]);
        }
        await repos.audit.record(authorized, [roleChange('Add member to role', user, assignment)], at, deps.ids);
        return assignment;
      });
    },

    /**
     * Takes a role away (DELETE roleAssignments/{id}); refused for the last Global Administrator.
     * @throws notFound, conflict
     */
    async removeRoleAssignment(context: RequestContext, assignmentId: string): Promise<void> {
      const authorized = requireAllowed(context, { action: 'roles.manage' });
      await inTenantTransaction(deps.db, context, async (repos) => {
        await lockAdminGuard(repos);
        const assignment = orNotFound(isGuid(assignmentId) ? await repos.roleAssignments.find(assignmentId) : undefined, assignmentId);
        const user = orNotFound(await repos.users.findActive(assignment.principalId), assignmentId);
        const roles = (await repos.users.rolesOf([user.userId])).get(user.userId) ?? [];
        if (assignment.roleDefinitionId === ROLES['Global Administrator']) {
          await requireAnotherGlobalAdmin(repos, { ...user, roles, hasPassword: await hasPassword(repos, user.userId) }, 'removing the role');
        }
        await repos.roleAssignments.delete(assignment.id);
        await repos.audit.record(authorized, [roleChange('Remove member from role', user, assignment)], deps.clock.now(), deps.ids);
      });
    },

    /**
     * Removes a user's password (DELETE /admin/users/{id}/password): the user can no longer sign in
     * and its sessions end. Refused for the last Global Administrator.
     * @throws notFound (no such user, or no password), forbidden, conflict
     */
    async removePassword(context: RequestContext, userKey: string): Promise<void> {
      await inTenantTransaction(deps.db, context, async (repos) => {
        await lockAdminGuard(repos);
        const user = orNotFound(await repos.users.findActive(userKey), userKey);
        const roles = (await repos.users.rolesOf([user.userId])).get(user.userId) ?? [];
        const authorized = requireAllowed(context, { action: 'users.update', target: { userType: user.userType, roles }, changedFields: ['passwordProfile'] });
        if (!(await hasPassword(repos, user.userId))) {
          throw new AppError('notFound', `The user ${user.userPrincipalName} has no password.`);
        }
        await requireAnotherGlobalAdmin(repos, { ...user, roles, hasPassword: true }, 'removing the password');
        await repos.credentials.delete(user.userId);
        const sessionsEnded = await repos.sessions.deleteForUser(user.userId);
        await repos.audit.record(
          authorized,
          [
            {
              category: 'UserManagement',
              activity: 'Remove user password',
              target: { type: 'User', id: user.userId, name: user.userPrincipalName },
              changes: [{ property: 'passwordProfile', before: 'set', after: null }],
              details: { sessionsEnded },
            },
          ],
          deps.clock.now(),
          deps.ids,
        );
      });
    },

    /**
     * Gives a user a new generated password that must be changed at the next sign-in and ends its
     * sessions (`allot admins reset-password`, the break-glass for a stopped server). Returns the
     * password once.
     */
    async resetPassword(context: RequestContext, userKey: string): Promise<{ userId: string; userPrincipalName: string; password: string }> {
      const password = generatePassword();
      const credential = await newCredential(password, true, 'password');
      return inTenantTransaction(deps.db, context, async (repos) => {
        const found = orNotFound(await repos.users.findActive(userKey), userKey);
        const roles = (await repos.users.rolesOf([found.userId])).get(found.userId) ?? [];
        const authorized = requireAllowed(context, { action: 'users.update', target: { userType: found.userType, roles }, changedFields: ['passwordProfile'] });
        const user = orNotFound(await repos.users.lockActive(found.userId), userKey);
        await storePassword(deps, authorized, repos, user, credential, { activity: 'Reset user password' });
        return { userId: user.userId, userPrincipalName: user.userPrincipalName, password };
      });
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
