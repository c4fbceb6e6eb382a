import { APP_PERMISSIONS, type AppPermission } from '../../domain/authorization.js';
import type { AppView, CreatedSecret } from '../../services/app.service.js';

/** What each application permission allows, in the words of Graph's admin consent descriptions. */
const PERMISSION_DESCRIPTIONS: Record<AppPermission, string> = {
  'User.Read.All': "Read all users' full profiles.",
  'User.ReadWrite.All': "Read and write all users' full profiles, and their licenses.",
  'User.Invite.All': 'Invite guest users to the organization.',
  'Group.Read.All': 'Read all groups, their members and licenses.',
  'Group.ReadWrite.All': 'Create, update and delete groups, their members and licenses.',
  'GroupMember.ReadWrite.All': 'Read groups and add or remove their members.',
  'LicenseAssignment.Read.All': 'Read license assignments and subscriptions.',
  'LicenseAssignment.ReadWrite.All': 'Assign and remove licenses of users and groups.',
  'Organization.Read.All': "Read the organization's information and subscriptions.",
  'Organization.ReadWrite.All': "Read and change the organization's information and settings.",
  'Directory.Read.All': 'Read directory data: users, groups, licenses, roles and apps.',
  'Directory.ReadWrite.All': 'Read and write directory data: users, groups and licenses.',
  'RoleManagement.Read.Directory': 'Read directory roles and who holds them.',
  'RoleManagement.ReadWrite.Directory': 'Give and take away directory roles.',
  'Application.Read.All': 'Read app registrations.',
  'Application.ReadWrite.All': 'Register, change and delete apps and their client secrets.',
  'AuditLog.Read.All': 'Read the audit log.',
  'Allot.Subscriptions.Read.All': 'Read subscriptions, their terms and lifecycle.',
  'Allot.Subscriptions.ReadWrite.All': 'Manage subscriptions: quantities, trials, cancellation and self-service purchases.',
  'Allot.Catalogue.ReadWrite.All': "Manage the organization's custom product catalogue.",
  'Allot.DataLifecycle.Read.All': "Read users' data lifecycle, holds and retention.",
  'Allot.DataLifecycle.ReadWrite.All': "Manage users' data lifecycle, holds and retention.",
  'Allot.Webhooks.Read.All': 'Read webhooks, their deliveries and the event outbox.',
  'Allot.Webhooks.ReadWrite.All': 'Manage webhooks and redeliver events.',
  'Allot.Activity.ReadWrite.All': "Report users' last activity per service, for reclaiming unused licenses.",
};

/** The application permissions an app may be given, in Allot's order. */
export const presentAppPermissions = () => APP_PERMISSIONS.map((name) => ({ name, description: PERMISSION_DESCRIPTIONS[name] }));

/**
 * A client secret as Graph's passwordCredential (no hash, no value). Revoked secrets stay listed
 * with revokedDateTime, an Allot addition (Graph forgets a removed password).
 */
const presentSecret = (secret: AppView['secrets'][number]) => ({
  keyId: secret.keyId,
  displayName: secret.displayName,
  hint: secret.hint,
  startDateTime: secret.createdAt.toISOString(),
  endDateTime: secret.expiresAt.toISOString(),
  revokedDateTime: secret.revokedAt === null ? null : secret.revokedAt.toISOString(),
});

/** An app registration: Graph's application names where they exist (appId, displayName, passwordCredentials). */
export const presentApp = (app: AppView) => ({
  appId: app.appId,
  displayName: app.displayName,
  permissions: app.permissions,
  createdDateTime: app.createdAt.toISOString(),
  passwordCredentials: app.secrets.map(presentSecret),
});

/** Graph's addPassword answer: the only place the secret's value ever appears. */
export const presentCreatedSecret = (secret: CreatedSecret) => ({
  keyId: secret.keyId,
  displayName: secret.displayName,
  hint: secret.hint,
  secretText: secret.secretText,
  startDateTime: secret.createdAt.toISOString(),
  endDateTime: secret.expiresAt.toISOString(),
});
