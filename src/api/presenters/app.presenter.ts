import type { AppView, CreatedSecret } from '../../services/app.service.js';

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
