import { describe, expect, it } from 'vitest';
import { APP_PERMISSIONS, allowedActions, authorize, roleNameOf, ROLES, type AppPermission, type Principal, type RoleName } from './authorization.js';
import { requireAllowed, type RequestContext } from './context.js';
import { AppError } from './errors.js';

const admin = (...roles: RoleName[]): Principal => ({ kind: 'user', id: 'u', displayName: 'u', userPrincipalName: 'u@x', roles, sessionId: 's' });
const app = (...permissions: AppPermission[]): Principal => ({ kind: 'app', id: 'a', displayName: 'a', permissions });
const member = { userType: 'Member' as const, roles: [] };
const guest = { userType: 'Guest' as const, roles: [] };
const globalAdmin = { userType: 'Member' as const, roles: ['Global Administrator' as const] };
const userAdmin = { userType: 'Member' as const, roles: ['User Administrator' as const] };

describe('roles', () => {
  it('uses Entra’s template ids', () => {
    expect(roleNameOf('4D6AC14F-3453-41D0-BEF9-A3E0C569773A')).toBe('License Administrator');
    expect(roleNameOf(ROLES['Guest Inviter'])).toBe('Guest Inviter');
    expect(roleNameOf('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it('Global Reader reads everything and writes nothing', () => {
    const actions = allowedActions(admin('Global Reader'));
    expect(actions).toContain('audit.read');
    expect(actions.filter((action) => !action.endsWith('.read') && action !== 'authenticated')).toEqual([]);
  });

  it('License Administrator assigns licenses and changes usageLocation, nothing else of a user', () => {
    const la = admin('License Administrator');
    expect(authorize(la, { action: 'licenses.assign', target: member }).allowed).toBe(true);
    expect(authorize(la, { action: 'users.update', target: member, changedFields: ['usageLocation'] })).toEqual({ allowed: true, via: 'License Administrator' });
    const refused = authorize(la, { action: 'users.update', target: member, changedFields: ['usageLocation', 'jobTitle'] });
    expect(refused).toMatchObject({ allowed: false, needs: ['User Administrator', 'Global Administrator'] });
    expect(authorize(la, { action: 'users.create' }).allowed).toBe(false);
    expect(authorize(la, { action: 'users.delete' }).allowed).toBe(false);
    expect(authorize(la, { action: 'subscriptions.manage' }).allowed).toBe(false);
  });

  it('User Administrator manages users but cannot reset, disable or delete a privileged admin', () => {
    const ua = admin('User Administrator');
    expect(authorize(ua, { action: 'users.update', target: member, changedFields: ['passwordProfile'] }).allowed).toBe(true);
    expect(authorize(ua, { action: 'users.update', target: userAdmin, changedFields: ['accountEnabled'] }).allowed).toBe(true);
    expect(authorize(ua, { action: 'users.update', target: globalAdmin, changedFields: ['passwordProfile'] })).toMatchObject({ allowed: false, needs: ['Global Administrator'] });
    expect(authorize(ua, { action: 'users.update', target: globalAdmin, changedFields: ['accountEnabled'] }).allowed).toBe(false);
    expect(authorize(ua, { action: 'users.delete', target: globalAdmin }).allowed).toBe(false);
    // Other properties of an admin stay editable (Entra's "sensitive" set is the sign-in).
    expect(authorize(ua, { action: 'users.update', target: globalAdmin, changedFields: ['jobTitle'] }).allowed).toBe(true);
    expect(authorize(admin('Global Administrator'), { action: 'users.delete', target: globalAdmin }).allowed).toBe(true);
  });

  it('User Administrator cannot restore a deleted privileged admin (roles and password survive a soft delete)', () => {
    const ua = admin('User Administrator');
    const refused = authorize(ua, { action: 'users.restore', target: globalAdmin });
    expect(refused).toMatchObject({ allowed: false, needs: ['Global Administrator'], reason: expect.stringContaining('only a Global Administrator may restore it') });
    expect(authorize(ua, { action: 'users.restore', target: member }).allowed).toBe(true);
    expect(authorize(ua, { action: 'users.restore', target: userAdmin }).allowed).toBe(true);
    expect(authorize(admin('Global Administrator'), { action: 'users.restore', target: globalAdmin }).allowed).toBe(true);
  });

  it('Billing Administrator manages subscriptions and cannot assign licenses', () => {
    expect(authorize(admin('Billing Administrator'), { action: 'subscriptions.manage' }).allowed).toBe(true);
    expect(authorize(admin('Billing Administrator'), { action: 'licenses.assign', target: member })).toMatchObject({ allowed: false, needsKind: 'role' });
  });

  it('Guest Inviter only invites (and reads users)', () => {
    expect(allowedActions(admin('Guest Inviter'))).toEqual(['users.read', 'guests.invite', 'authenticated']);
  });

  it('licensing a guest needs a Global Administrator while the tenant setting is on', () => {
    expect(authorize(admin('License Administrator'), { action: 'licenses.assign', target: guest })).toMatchObject({ allowed: false, needs: ['Global Administrator'] });
    expect(authorize(admin('License Administrator'), { action: 'licenses.assign', target: guest, guestLicensingRequiresGlobalAdmin: false }).allowed).toBe(true);
    expect(authorize(admin('Global Administrator'), { action: 'licenses.assign', target: guest }).allowed).toBe(true);
  });

  it('names the role that allowed a multi-role admin’s change', () => {
    expect(authorize(admin('License Administrator', 'User Administrator'), { action: 'users.update', target: member, changedFields: ['jobTitle'] })).toEqual({ allowed: true, via: 'User Administrator' });
  });
});

describe('application permissions', () => {
  it('accept the least privileged permission Graph documents and the higher ones', () => {
    expect(authorize(app('LicenseAssignment.Read.All'), { action: 'subscriptions.read' })).toEqual({ allowed: true, via: 'LicenseAssignment.Read.All' });
    expect(authorize(app('Directory.Read.All'), { action: 'licenses.read' }).allowed).toBe(true);
    expect(authorize(app('LicenseAssignment.ReadWrite.All'), { action: 'licenses.assign', target: guest }).allowed).toBe(true);
    expect(authorize(app('User.Read.All'), { action: 'users.update' })).toMatchObject({ allowed: false, needsKind: 'permission', needs: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] });
    expect(authorize(app('User.Invite.All'), { action: 'guests.invite' }).allowed).toBe(true);
  });

  it('never reset, disable or delete an administrator', () => {
    expect(authorize(app('User.ReadWrite.All'), { action: 'users.delete', target: globalAdmin }).allowed).toBe(false);
    expect(authorize(app('User.ReadWrite.All'), { action: 'users.delete', target: member }).allowed).toBe(true);
  });

  it('never reset, disable, delete or restore any user holding a role, not even a User Administrator or Guest Inviter', () => {
    const writer = app('User.ReadWrite.All', 'Directory.ReadWrite.All');
    const inviter = { userType: 'Member' as const, roles: ['Guest Inviter' as const] };
    for (const target of [userAdmin, inviter, globalAdmin]) {
      expect(authorize(writer, { action: 'users.update', target, changedFields: ['passwordProfile'] })).toMatchObject({ allowed: false, needs: ['Global Administrator'], needsKind: 'role' });
      expect(authorize(writer, { action: 'users.update', target, changedFields: ['accountEnabled'] }).allowed).toBe(false);
      expect(authorize(writer, { action: 'users.delete', target }).allowed).toBe(false);
      expect(authorize(writer, { action: 'users.restore', target })).toMatchObject({ allowed: false, reason: expect.stringContaining('may not restore it') });
      // Fields outside the sign-in stay editable.
      expect(authorize(writer, { action: 'users.update', target, changedFields: ['jobTitle'] }).allowed).toBe(true);
    }
    expect(authorize(writer, { action: 'users.update', target: member, changedFields: ['passwordProfile'] }).allowed).toBe(true);
    expect(authorize(writer, { action: 'users.restore', target: member }).allowed).toBe(true);
  });

  it('give a directory role only when the app may take every action the role allows', () => {
    const roleManager = app('RoleManagement.ReadWrite.Directory');
    const refused = authorize(roleManager, { action: 'roles.manage', grantsRole: 'User Administrator' });
    expect(refused).toMatchObject({ allowed: false, needsKind: 'permission', reason: expect.stringContaining('User Administrator also allows') });
    expect(refused.allowed === false && refused.needs).toEqual(expect.arrayContaining(['User.ReadWrite.All']));
    // Reads only: Directory.Read.All covers Global Reader's directory reads but not the audit log, users' data records or webhooks.
    expect(authorize(app('RoleManagement.ReadWrite.Directory', 'Directory.Read.All'), { action: 'roles.manage', grantsRole: 'Global Reader' })).toMatchObject({
      allowed: false,
      needs: ['AuditLog.Read.All', 'Allot.DataLifecycle.Read.All', 'Allot.Webhooks.Read.All'],
    });
    const readers = ['AuditLog.Read.All', 'Allot.DataLifecycle.Read.All', 'Allot.Webhooks.Read.All'] as const;
    expect(authorize(app('RoleManagement.ReadWrite.Directory', 'Directory.Read.All', ...readers), { action: 'roles.manage', grantsRole: 'Global Reader' }).allowed).toBe(true);
    expect(
      authorize(app('RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All', 'Directory.Read.All', 'Allot.DataLifecycle.Read.All'), { action: 'roles.manage', grantsRole: 'User Administrator' }).allowed,
    ).toBe(true);
    // Global Administrator can do what no application permission allows (reset any admin): never from an app.
    expect(authorize(app(...APP_PERMISSIONS), { action: 'roles.manage', grantsRole: 'Global Administrator' })).toMatchObject({ allowed: false, needs: ['Global Administrator'] });
    // Without a role named (removing one), roles.manage is the permission alone; admins are unaffected.
    expect(authorize(roleManager, { action: 'roles.manage' }).allowed).toBe(true);
    expect(authorize(admin('Global Administrator'), { action: 'roles.manage', grantsRole: 'Global Administrator' }).allowed).toBe(true);
  });

  it('cannot give an app more than the caller holds', () => {
    const manager = app('Application.ReadWrite.All', 'User.Read.All');
    expect(authorize(manager, { action: 'apps.manage', grants: ['User.Read.All'] }).allowed).toBe(true);
    expect(authorize(manager, { action: 'apps.manage', grants: ['Directory.ReadWrite.All'] })).toMatchObject({ allowed: false, needs: ['Directory.ReadWrite.All'] });
    expect(authorize(app(...APP_PERMISSIONS), { action: 'apps.manage', grants: [...APP_PERMISSIONS] }).allowed).toBe(true);
  });
});

describe('requireAllowed', () => {
  const context = (principal: Principal): RequestContext => ({ tenantId: 't', principal, requestId: 'r', clientAddress: null });

  it('returns the context with the role that allowed it', () => {
    expect(requireAllowed(context(admin('Global Reader')), { action: 'users.read' }).authorizedVia).toBe('Global Reader');
  });

  it('throws Graph’s 403 naming what is missing', () => {
    try {
      requireAllowed(context(app('User.Read.All')), { action: 'licenses.assign' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'forbidden', message: 'Insufficient privileges to complete the operation.' });
      expect((error as AppError).details[0]).toMatchObject({ code: 'MissingPermission', target: 'licenses.assign' });
      expect((error as AppError).details[0]?.message).toContain('LicenseAssignment.ReadWrite.All');
    }
  });
});
