import { authorize } from '../domain/authorization.js';
import { INSUFFICIENT_PRIVILEGES, requireAllowed, type RequestContext } from '../domain/context.js';
import { AppError } from '../domain/errors.js';
import type { Repositories } from '../db/repositories/index.js';
import type { LicenseTarget } from '../db/repositories/user.repository.js';

/**
 * The target-level check of a license change, run with the loaded (locked) users before anything
 * is written: each user's type and roles go through the permission table, so licensing a guest
 * needs a Global Administrator while the tenant setting says so. All or nothing, as the bulk API
 * is: one refused user refuses the whole change, and the 403 names every refused user.
 * Returns the context with the role or permission that allowed it (for the audit rows).
 * @throws forbidden with one detail per refused user (target: its userPrincipalName).
 */
export async function authorizeLicenseChange(context: RequestContext, repos: Repositories, users: readonly LicenseTarget[]): Promise<RequestContext> {
  const authorized = requireAllowed(context, { action: 'licenses.assign' });
  const [roles, settings] = await Promise.all([repos.users.rolesOf(users.map((user) => user.userId)), repos.settings.get()]);
  const refusals = users.flatMap((user) => {
    const decision = authorize(context.principal, {
      action: 'licenses.assign',
      target: { userType: user.userType, roles: roles.get(user.userId) ?? [] },
      guestLicensingRequiresGlobalAdmin: settings.guestLicensingRequiresGlobalAdmin,
    });
    return decision.allowed
      ? []
      : [{ code: decision.needsKind === 'role' ? 'MissingRole' : 'MissingPermission', target: user.userPrincipalName, message: `${decision.reason} Needs: ${decision.needs.join(', ')}.` }];
  });
  if (refusals.length > 0) {
    throw new AppError('forbidden', INSUFFICIENT_PRIVILEGES, refusals);
  }
  return authorized;
}
