/**
 * The one permission table of Allot. Every route declares an action; `authorize` decides on
 * (principal, action, target, changed fields) and nothing else decides. Signed-in admins act
 * through their directory roles (Entra's names and template ids, graph-licensing.md §4); apps act
 * through application permissions named as Graph's. The first check (action only) runs before a
 * request is validated; services repeat it with the loaded target for the target- and field-level
 * rules below.
 */

export const ROLES = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'License Administrator': '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'Billing Administrator': 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  'Guest Inviter': '95e79109-95c0-4d8e-aee3-d01accf2d47b',
} as const;

export type RoleName = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as RoleName[];

export const roleNameOf = (roleId: string): RoleName | undefined => ROLE_NAMES.find((name) => ROLES[name] === roleId.toLowerCase());

/** Application permissions: Graph's names, plus Allot's own in the same style for admin-API-only areas. */
export const APP_PERMISSIONS = [
  'User.Read.All',
  'User.ReadWrite.All',
  'User.Invite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'LicenseAssignment.Read.All',
  'LicenseAssignment.ReadWrite.All',
  'Organization.Read.All',
  'Organization.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
  'Application.Read.All',
  'Application.ReadWrite.All',
  'AuditLog.Read.All',
  'Allot.Subscriptions.Read.All',
  'Allot.Subscriptions.ReadWrite.All',
  'Allot.Catalogue.ReadWrite.All',
  'Allot.DataLifecycle.Read.All',
  'Allot.DataLifecycle.ReadWrite.All',
  'Allot.Webhooks.Read.All',
  'Allot.Webhooks.ReadWrite.All',
  'Allot.Activity.ReadWrite.All',
] as const;

export type AppPermission = (typeof APP_PERMISSIONS)[number];

export const isAppPermission = (value: string): value is AppPermission => (APP_PERMISSIONS as readonly string[]).includes(value);

/** What a route does. Reads and writes are separate actions so Global Reader and *.Read.All fit. */
export type Action =
  | 'organization.read'
  | 'settings.update'
  | 'users.read'
  | 'users.create'
  | 'users.update'
  | 'users.delete'
  | 'users.restore'
  | 'users.purge'
  | 'guests.invite'
  | 'groups.read'
  | 'groups.manage'
  /** Add and remove members (POST/DELETE members/$ref, PATCH with members@odata.bind only). */
  | 'groupMembers.manage'
  | 'licenses.read'
  | 'licenses.assign'
  | 'subscriptions.read'
  | 'subscriptions.manage'
  /** Self-service purchase policy per product (Global Administrator only, as in Microsoft 365). */
  | 'selfService.policy'
  /** Users' data records (grace, retained, purged), holds and retention policies. */
  | 'data.read'
  | 'data.manage'
  | 'webhooks.read'
  | 'webhooks.manage'
  /** Product backends report users' last activity per service plan (reclaim unused seats). */
  | 'activity.report'
  | 'catalogue.read'
  | 'catalogue.manage'
  | 'roles.read'
  | 'roles.manage'
  | 'apps.read'
  | 'apps.manage'
  | 'audit.read'
  /** Any signed-in admin or app: the route authorizes its parts itself ($batch, /me). */
  | 'authenticated';

const READ_ACTIONS: readonly Action[] = [
  'organization.read',
  'users.read',
  'groups.read',
  'licenses.read',
  'subscriptions.read',
  'catalogue.read',
  'roles.read',
  'apps.read',
  'audit.read',
  'data.read',
  'webhooks.read',
];

/** Reads every admin role grants: Entra's admin roles include Directory Readers. */
const DIRECTORY_READS: readonly Action[] = ['organization.read', 'users.read', 'groups.read', 'licenses.read', 'subscriptions.read', 'catalogue.read', 'roles.read'];

const ALL_ACTIONS: readonly Action[] = [
  ...READ_ACTIONS,
  'settings.update',
  'users.create',
  'users.update',
  'users.delete',
  'users.restore',
  'users.purge',
  'guests.invite',
  'groups.manage',
  'groupMembers.manage',
  'licenses.assign',
  'subscriptions.manage',
  'selfService.policy',
  'data.manage',
  'webhooks.manage',
  'activity.report',
  'catalogue.manage',
  'roles.manage',
  'apps.manage',
  'authenticated',
];

/** Role → actions. Field- and target-level limits are in `authorize` below. */
const ROLE_ACTIONS: Record<RoleName, readonly Action[]> = {
  'Global Administrator': ALL_ACTIONS,
  'Global Reader': [...READ_ACTIONS, 'authenticated'],
  // Assigns licenses and edits usageLocation (a users.update limited to that field); no users, no subscriptions.
  'License Administrator': [...DIRECTORY_READS, 'licenses.assign', 'users.update', 'authenticated'],
  'User Administrator': [
    ...DIRECTORY_READS,
    'users.create',
    'users.update',
    'users.delete',
    'users.restore',
    'users.purge',
    'guests.invite',
    'groups.manage',
    'groupMembers.manage',
    'licenses.assign',
    // What a deletion or an unassign does to a user's data is part of deciding it.
    'data.read',
    'authenticated',
  ],
  'Billing Administrator': [...DIRECTORY_READS, 'subscriptions.manage', 'authenticated'],
  'Guest Inviter': ['users.read', 'guests.invite', 'authenticated'],
};

/**
 * Action → the application permissions that allow it: the least privileged one Graph documents
 * first, then the higher ones Graph lists for the same operation.
 */
const PERMISSION_ACTIONS: Record<Action, readonly AppPermission[]> = {
  'organization.read': ['Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'settings.update': ['Organization.ReadWrite.All'],
  'users.read': ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'users.create': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  'users.update': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  'users.delete': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  'users.restore': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  'users.purge': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  'guests.invite': ['User.Invite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  // GroupMember.ReadWrite.All lets an app list groups and read and change their members (Graph's permission reference).
  'groups.read': ['Group.Read.All', 'GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'groups.manage': ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  'groupMembers.manage': ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  'licenses.read': ['LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'licenses.assign': ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  'subscriptions.read': ['LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Allot.Subscriptions.Read.All', 'Allot.Subscriptions.ReadWrite.All'],
  'subscriptions.manage': ['Allot.Subscriptions.ReadWrite.All'],
  'selfService.policy': ['Allot.Subscriptions.ReadWrite.All'],
  'data.read': ['Allot.DataLifecycle.Read.All', 'Allot.DataLifecycle.ReadWrite.All'],
  'data.manage': ['Allot.DataLifecycle.ReadWrite.All'],
  'webhooks.read': ['Allot.Webhooks.Read.All', 'Allot.Webhooks.ReadWrite.All'],
  'webhooks.manage': ['Allot.Webhooks.ReadWrite.All'],
  'activity.report': ['Allot.Activity.ReadWrite.All'],
  'catalogue.read': ['LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.Read.All', 'Directory.Read.All', 'Allot.Catalogue.ReadWrite.All'],
  'catalogue.manage': ['Allot.Catalogue.ReadWrite.All'],
  'roles.read': ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'roles.manage': ['RoleManagement.ReadWrite.Directory'],
  'apps.read': ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All'],
  'apps.manage': ['Application.ReadWrite.All'],
  'audit.read': ['AuditLog.Read.All'],
  authenticated: APP_PERMISSIONS,
};

/** Who acts. Admins carry their role names, apps their granted permissions. */
export type Principal =
  | { kind: 'user'; id: string; displayName: string; userPrincipalName: string; roles: readonly RoleName[]; sessionId: string }
  | { kind: 'app'; id: string; displayName: string; permissions: readonly AppPermission[] }
  | { kind: 'system'; id: string; displayName: string };

/** The user an action is about, as far as the rules need to know it. */
export interface UserTarget {
  userType: 'Member' | 'Guest';
  roles: readonly RoleName[];
}

export interface AuthorizationRequest {
  action: Action;
  /** The user acted on, once loaded (users.update/delete, licenses.assign…). */
  target?: UserTarget;
  /** The properties a users.update changes (Graph names). */
  changedFields?: readonly string[];
  /** apps.manage: the permissions of the app created, changed or given a secret. */
  grants?: readonly string[];
  /** roles.manage: the directory role given (an app may give only a role whose actions it holds itself). */
  grantsRole?: RoleName;
  /** Tenant setting: licensing a guest needs a Global Administrator. */
  guestLicensingRequiresGlobalAdmin?: boolean;
}

export type Decision =
  | { allowed: true; /** The role or permission that allowed it (written to the audit log). */ via: string }
  | { allowed: false; reason: string; /** Roles or permissions any one of which would allow it. */ needs: readonly string[]; needsKind: 'role' | 'permission' };

/** Roles a User Administrator may manage the sign-in of (Entra's list, restricted to Allot's roles). */
const USER_ADMIN_MANAGEABLE_ROLES: readonly RoleName[] = ['User Administrator', 'Guest Inviter'];

/** Changing these of a privileged admin needs a Global Administrator: reset, disable, rename the sign-in. */
const SENSITIVE_FIELDS: readonly string[] = ['passwordProfile', 'accountEnabled', 'userPrincipalName', 'mail', 'password'];

const isPrivileged = (target: UserTarget): boolean => target.roles.some((role) => !USER_ADMIN_MANAGEABLE_ROLES.includes(role));

/**
 * Actions that reach a user's sign-in: a delete, a sensitive update, and a restore (roles and
 * password survive a soft delete, so restoring an admin brings back an account that can sign in).
 */
const touchesSignIn = (request: AuthorizationRequest): boolean =>
  request.action === 'users.delete' ||
  request.action === 'users.purge' ||
  request.action === 'users.restore' ||
  (request.action === 'users.update' && (request.changedFields ?? []).some((field) => SENSITIVE_FIELDS.includes(field)));

const signInVerb = (action: Action): string => (action === 'users.restore' ? 'restore' : 'reset, disable or delete');

const rolesFor = (action: Action): RoleName[] => ROLE_NAMES.filter((role) => ROLE_ACTIONS[role].includes(action));

const deny = (reason: string, needs: readonly string[], needsKind: 'role' | 'permission'): Decision => ({ allowed: false, reason, needs, needsKind });

function authorizeUser(roles: readonly RoleName[], request: AuthorizationRequest): Decision {
  const { action, target } = request;
  const granting = roles.filter((role) => ROLE_ACTIONS[role].includes(action));
  if (granting.length === 0) {
    return deny(`The action '${action}' needs one of these roles.`, rolesFor(action), 'role');
  }
  if (roles.includes('Global Administrator')) {
    return { allowed: true, via: 'Global Administrator' };
  }
  let candidates = granting;
  if (action === 'users.update') {
    const fields = request.changedFields ?? [];
    // License Administrator may change a user's usageLocation and nothing else of the user.
    if (fields.some((field) => field !== 'usageLocation')) {
      candidates = candidates.filter((role) => role !== 'License Administrator');
      if (candidates.length === 0) {
        const others = fields.filter((field) => field !== 'usageLocation');
        return deny(`A License Administrator may change only usageLocation, not ${others.join(', ')}.`, ['User Administrator', 'Global Administrator'], 'role');
      }
    }
  }
  if (target !== undefined && isPrivileged(target) && touchesSignIn(request)) {
    return deny(
      `The user holds an administrator role (${target.roles.join(', ')}); only a Global Administrator may ${signInVerb(action)} it.`,
      ['Global Administrator'],
      'role',
    );
  }
  if (action === 'licenses.assign' && target?.userType === 'Guest' && request.guestLicensingRequiresGlobalAdmin !== false) {
    return deny('Licensing a guest user needs a Global Administrator (tenant setting guestLicensingRequiresGlobalAdmin).', ['Global Administrator'], 'role');
  }
  return { allowed: true, via: candidates[0] ?? granting[0] ?? 'Global Administrator' };
}

function authorizeApp(permissions: readonly AppPermission[], request: AuthorizationRequest): Decision {
  const accepted = PERMISSION_ACTIONS[request.action];
  const granting = accepted.find((permission) => permissions.includes(permission));
  if (granting === undefined) {
    return deny(`The action '${request.action}' needs one of these application permissions.`, accepted, 'permission');
  }
  // An app may not hand out more than it holds: creating, widening or adding a secret to an app
  // with other permissions would let it mint tokens above its own (Graph leaves this gap open).
  const beyond = (request.grants ?? []).filter((permission) => !(permissions as readonly string[]).includes(permission));
  if (request.action === 'apps.manage' && beyond.length > 0) {
    return deny(`An application may manage only apps whose permissions it holds itself; it lacks ${beyond.join(', ')}.`, beyond, 'permission');
  }
  // Nor give a directory role that allows more than the app may do itself (an app with only
  // RoleManagement.ReadWrite.Directory would otherwise make a user it controls Global Administrator).
  // Global Administrator can do what no application permission can (reset any admin): never from an app.
  if (request.action === 'roles.manage' && request.grantsRole === 'Global Administrator') {
    return deny('An application may not make a user Global Administrator; a Global Administrator does that.', ['Global Administrator'], 'role');
  }
  if (request.action === 'roles.manage' && request.grantsRole !== undefined) {
    const lacking = ROLE_ACTIONS[request.grantsRole].filter((action) => !authorizeApp(permissions, { action }).allowed);
    if (lacking.length > 0) {
      return deny(
        `An application may give only a role whose actions it may take itself; ${request.grantsRole} also allows ${lacking.join(', ')}.`,
        [...new Set(lacking.map((action) => PERMISSION_ACTIONS[action][0] ?? action))],
        'permission',
      );
    }
  }
  // An application permission does not let an app reset, disable, delete or restore any user holding
  // a directory role (Graph spares only privileged admins; here a User Administrator or Guest
  // Inviter account cannot be taken over by an app either).
  if (request.target !== undefined && request.target.roles.length > 0 && touchesSignIn(request)) {
    return deny(`The user holds an administrator role (${request.target.roles.join(', ')}); an application may not ${signInVerb(request.action)} it.`, ['Global Administrator'], 'role');
  }
  return { allowed: true, via: granting };
}

/** The decision for one action. Pure: the caller supplies everything the rules look at. */
export function authorize(principal: Principal, request: AuthorizationRequest): Decision {
  switch (principal.kind) {
    case 'system':
      return { allowed: true, via: 'system' };
    case 'user':
      return authorizeUser(principal.roles, request);
    case 'app':
      return authorizeApp(principal.permissions, request);
  }
}

/** Actions a principal may take at all (for the web app to disable what it cannot do). */
export function allowedActions(principal: Principal): Action[] {
  return ALL_ACTIONS.filter((action) => authorize(principal, { action }).allowed);
}
