import { allowedActions, ROLES, type RoleName } from '../../domain/authorization.js';
import type { RoleAssignment } from '../../services/admin.service.js';
import type { CurrentSession, SignInResult } from '../../services/session.service.js';

/** Entra's descriptions of the built-in roles Allot has. */
const ROLE_DESCRIPTIONS: Record<RoleName, string> = {
  'Global Administrator': 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
  'License Administrator': 'Can manage product licenses on users and groups.',
  'User Administrator': 'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
  'Billing Administrator': 'Can perform common billing related tasks like updating payment information.',
  'Global Reader': 'Can read everything that a Global Administrator can, but not update anything.',
  'Guest Inviter': "Can invite guest users independent of the 'members can invite guests' setting.",
};

const iso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Graph's unifiedRoleDefinition of a built-in role: its id is its template id. */
export const presentRoleDefinition = (name: RoleName): Record<string, unknown> => ({
  id: ROLES[name],
  description: ROLE_DESCRIPTIONS[name],
  displayName: name,
  isBuiltIn: true,
  isEnabled: true,
  templateId: ROLES[name],
});

/** Graph's unifiedRoleAssignment (directory scope "/": the whole organization). */
export const presentRoleAssignment = (assignment: RoleAssignment): Record<string, unknown> => ({
  id: assignment.id,
  principalId: assignment.principalId,
  roleDefinitionId: assignment.roleDefinitionId,
  directoryScopeId: '/',
});

export const presentSignIn = (result: SignInResult): Record<string, unknown> => ({
  user: result.user,
  roles: result.roles,
  csrfToken: result.csrfToken,
  mustChangePassword: result.mustChangePassword,
  expiresDateTime: iso(result.expiresAt),
});

export const presentSession = (session: CurrentSession, principal: Parameters<typeof allowedActions>[0]): Record<string, unknown> => ({
  user: session.user,
  roles: session.roles,
  allowedActions: allowedActions(principal),
  csrfToken: session.csrfToken,
  mustChangePassword: session.mustChangePassword,
  expiresDateTime: iso(session.expiresAt),
  tenant: {
    id: session.tenant.tenantId,
    displayName: session.tenant.displayName,
    domain: (session.tenant.domains.find((domain) => domain.isDefault) ?? session.tenant.domains[0])?.domain ?? null,
  },
});
