import { createHash, randomBytes } from 'node:crypto';
import type { AuditEntry } from '../domain/audit.js';
import { APP_PERMISSIONS, isAppPermission, type AppPermission } from '../domain/authorization.js';
import { DAY_MS } from '../domain/clock.js';
import { requireAllowed, type RequestContext } from '../domain/context.js';
import { invalidRequest, notFound, orNotFound } from '../domain/errors.js';
import type { AppRecord, AppSecretRecord } from '../db/repositories/app.repository.js';
import type { Repositories } from '../db/repositories/index.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

/** Entra's portal default for a new client secret, and its longest allowed lifetime (24 months). */
export const DEFAULT_SECRET_LIFETIME_DAYS = 180;
export const MAX_SECRET_LIFETIME_DAYS = 730;

export interface AppView {
  appId: string;
  displayName: string;
  permissions: AppPermission[];
  createdAt: Date;
  secrets: AppSecretRecord[];
}

export interface CreatedSecret {
  keyId: string;
  /** The secret itself: returned here once, stored only as a hash. */
  secretText: string;
  hint: string;
  displayName: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * A client secret is 256 random bits, so a single SHA-256 is enough to store it: unlike a password
 * it cannot be guessed, and a slow hash would only slow every token request down.
 */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

const toView = (app: AppRecord): AppView => ({ ...app, permissions: app.permissions.filter(isAppPermission) });

/** Permissions in Allot's canonical order, without duplicates; an unknown name is refused by name. */
function validPermissions(names: readonly string[]): AppPermission[] {
  const unknown = names.filter((name) => !isAppPermission(name));
  if (unknown.length > 0) {
    throw invalidRequest(`Unknown application permission '${unknown[0] ?? ''}'.`, [
      { code: 'UnknownPermission', target: 'permissions', message: `Allot's application permissions are: ${APP_PERMISSIONS.join(', ')}.` },
    ]);
  }
  return APP_PERMISSIONS.filter((permission) => names.includes(permission));
}

const secretSummary = (secret: Pick<AppSecretRecord, 'keyId' | 'displayName' | 'hint' | 'expiresAt'>) => ({
  keyId: secret.keyId,
  displayName: secret.displayName,
  hint: secret.hint,
  endDateTime: secret.expiresAt.toISOString(),
});

const appAudit = (activity: string, app: { appId: string; displayName: string }, changes: AuditEntry['changes'], details?: Record<string, unknown>): AuditEntry => ({
  category: 'ApplicationManagement',
  activity,
  target: { type: 'Application', id: app.appId, name: app.displayName },
  changes,
  ...(details === undefined ? {} : { details }),
});

const SECRETS_ACTIVITY = 'Update application – Certificates and secrets management';

/** App registrations: the OAuth clients that call /v1.0 and the admin API with a bearer token. */
export function createAppService(deps: ServiceDeps) {
  const record = (repos: Repositories, context: RequestContext, entry: AuditEntry) => repos.audit.record(context, [entry], deps.clock.now(), deps.ids);

  return {
    async list(context: RequestContext): Promise<AppView[]> {
      return (await tenantRepositories(deps.db, context).apps.list()).map(toView);
    },

    /** @throws notFound when the app is not in the caller's tenant. */
    async get(context: RequestContext, appId: string): Promise<AppView> {
      return toView(orNotFound(await tenantRepositories(deps.db, context).apps.find(appId), appId));
    },

    /** @throws invalidRequest naming an unknown permission. */
    async create(context: RequestContext, input: { displayName: string; permissions: readonly string[] }): Promise<AppView> {
      const permissions = validPermissions(input.permissions);
      const allowed = requireAllowed(context, { action: 'apps.manage', grants: permissions });
      const displayName = input.displayName.trim();
      if (displayName === '' || displayName.length > 256) {
        throw invalidRequest('displayName must be 1 to 256 characters.');
      }
      return inTenantTransaction(deps.db, allowed, async (repos) => {
        const appId = deps.ids();
        await repos.apps.insert({ appId, displayName, permissions, createdAt: deps.clock.now() });
        await record(
          repos,
          allowed,
          appAudit('Add application', { appId, displayName }, [
            { property: 'DisplayName', before: null, after: displayName },
            { property: 'AppPermissions', before: null, after: permissions },
          ]),
        );
        return toView(orNotFound(await repos.apps.find(appId), appId));
      });
    },

    /**
     * Renames an app or replaces its permissions. A removed permission stops working at once, also
     * for tokens issued before (token verification intersects their roles with the app's current
     * permissions); an added one needs a new token, as in Entra.
     * @throws notFound, invalidRequest naming an unknown permission.
     */
    async update(context: RequestContext, appId: string, input: { displayName?: string; permissions?: readonly string[] }): Promise<AppView> {
      const permissions = input.permissions === undefined ? undefined : validPermissions(input.permissions);
      const displayName = input.displayName?.trim();
      if (displayName !== undefined && (displayName === '' || displayName.length > 256)) {
        throw invalidRequest('displayName must be 1 to 256 characters.');
      }
      return inTenantTransaction(deps.db, context, async (repos) => {
        const before = toView(orNotFound(await repos.apps.find(appId, { forUpdate: true }), appId));
        requireAllowed(context, { action: 'apps.manage', grants: [...before.permissions, ...(permissions ?? [])] });
        const changes: AuditEntry['changes'] = [];
        if (displayName !== undefined && displayName !== before.displayName) {
          changes.push({ property: 'DisplayName', before: before.displayName, after: displayName });
        }
        if (permissions !== undefined && permissions.join() !== before.permissions.join()) {
          changes.push({ property: 'AppPermissions', before: before.permissions, after: permissions });
        }
        await repos.apps.update(before.appId, { ...(displayName === undefined ? {} : { displayName }), ...(permissions === undefined ? {} : { permissions }) });
        await record(repos, context, appAudit('Update application', { appId: before.appId, displayName: displayName ?? before.displayName }, changes));
        return toView(orNotFound(await repos.apps.find(before.appId), appId));
      });
    },

    /** Deletes the app and its secrets; its tokens stop working at once. @throws notFound */
    async delete(context: RequestContext, appId: string): Promise<void> {
      await inTenantTransaction(deps.db, context, async (repos) => {
        const app = toView(orNotFound(await repos.apps.find(appId, { forUpdate: true }), appId));
        // As for update and addSecret: an app manages only apps whose permissions it holds itself.
        const allowed = requireAllowed(context, { action: 'apps.manage', grants: app.permissions });
        await repos.apps.delete(app.appId);
        await record(
          repos,
          allowed,
          appAudit('Delete application', app, [
            { property: 'DisplayName', before: app.displayName, after: null },
            { property: 'AppPermissions', before: app.permissions, after: null },
          ]),
        );
      });
    },

    /**
     * Adds a client secret: 256 random bits, base64url (43 characters). Only its SHA-256 and its
     * first three characters (the hint admins recognise it by) are stored.
     * @throws notFound, invalidRequest for an expiry in the past or beyond two years.
     */
    async addSecret(context: RequestContext, appId: string, input: { displayName?: string; expiresAt?: Date }): Promise<CreatedSecret> {
      const now = deps.clock.now();
      const expiresAt = input.expiresAt ?? new Date(now.getTime() + DEFAULT_SECRET_LIFETIME_DAYS * DAY_MS);
      if (expiresAt.getTime() <= now.getTime()) {
        throw invalidRequest('endDateTime must be in the future.');
      }
      if (expiresAt.getTime() > now.getTime() + MAX_SECRET_LIFETIME_DAYS * DAY_MS) {
        throw invalidRequest(`A client secret expires within ${MAX_SECRET_LIFETIME_DAYS} days (two years) of its creation.`);
      }
      const displayName = input.displayName?.trim() || null;
      const secretText = randomBytes(32).toString('base64url');
      const secret = { keyId: deps.ids(), displayName, hint: secretText.slice(0, 3), createdAt: now, expiresAt };
      return inTenantTransaction(deps.db, context, async (repos) => {
        const app = orNotFound(await repos.apps.find(appId, { forUpdate: true }), appId);
        requireAllowed(context, { action: 'apps.manage', grants: app.permissions });
        await repos.apps.insertSecret(app.appId, { ...secret, secretHash: hashSecret(secretText) });
        await record(repos, context, appAudit(SECRETS_ACTIVITY, app, [{ property: 'PasswordCredential', before: null, after: secretSummary(secret) }], { action: 'add' }));
        return { ...secret, secretText };
      });
    },

    /** Revokes a secret: it authenticates no more (tokens issued with it live on until they expire). @throws notFound */
    async revokeSecret(context: RequestContext, appId: string, keyId: string): Promise<void> {
      await inTenantTransaction(deps.db, context, async (repos) => {
        const app = orNotFound(await repos.apps.find(appId, { forUpdate: true }), appId);
        const allowed = requireAllowed(context, { action: 'apps.manage', grants: app.permissions });
        const secret = app.secrets.find((candidate) => candidate.keyId === keyId.toLowerCase() && candidate.revokedAt === null);
        if (!secret) {
          throw notFound(keyId);
        }
        await repos.apps.revokeSecret(app.appId, secret.keyId, deps.clock.now());
        await record(repos, allowed, appAudit(SECRETS_ACTIVITY, app, [{ property: 'PasswordCredential', before: secretSummary(secret), after: null }], { action: 'revoke' }));
      });
    },
  };
}

export type AppService = ReturnType<typeof createAppService>;
