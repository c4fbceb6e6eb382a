import { randomUUID, timingSafeEqual } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { isAppPermission, type Principal } from '../domain/authorization.js';
import type { RequestContext } from '../domain/context.js';
import { AppError } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import { ACCESS_TOKEN_LIFETIME_SECONDS, GRAPH_APP_ID, GRAPH_AUDIENCE, missingParameter, OAuthError, quotedValue } from '../domain/oauth.js';
import { createTenantDirectory, type Tenant } from '../db/repositories/index.js';
import { hashSecret } from './app.service.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

/** The token endpoint's success body (OAuth 2.0 §5.1, with Entra's ext_expires_in). */
export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

/** Clock skew accepted on exp, nbf and iat (Microsoft.IdentityModel's default). */
const CLOCK_TOLERANCE_SECONDS = 300;

/**
 * A retired key stays published, and keeps verifying, for the longest a token it signed can live:
 * the token lifetime plus the clock skew allowance (65 minutes), and not a moment longer, so
 * rotating a key that may have leaked stops tokens minted with it within that time. (A process
 * whose cached signing key is up to KEY_CACHE_MS stale still signs tokens that expire inside it.)
 */
export const RETIRED_KEY_PUBLISHED_MS = (ACCESS_TOKEN_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) * 1000;

/**
 * How long a process trusts what it read of the signing keys. Another process's rotation is seen
 * within this time for signing, and at once for verification (an unknown kid triggers a reread).
 */
const KEY_CACHE_MS = 60_000;

const ALGORITHM = 'RS256';

/** `/.default` of Graph, by URL or by application id (Entra accepts both, and a doubled slash). */
const GRAPH_DEFAULT_SCOPES = new Set([`${GRAPH_AUDIENCE}/.default`, `${GRAPH_AUDIENCE}//.default`, `${GRAPH_APP_ID}/.default`]);

const unauthenticated = (message: string) => new AppError('unauthenticated', message);
const MALFORMED = 'CompactToken parsing failed with error code: 80049217';
const INVALID_SIGNATURE = 'Invalid signature.';
const EXPIRED = 'Access token has expired or is not yet valid.';

/** The claims Allot puts in an app token (Entra's v2 app-only token, minus what Allot has no use for). */
interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  oid: string;
  sub: string;
  appid: string;
  azp: string;
  azpacr: '1';
  app_displayname: string;
  idtyp: 'app';
  roles: string[];
  uti: string;
  ver: '2.0';
}

interface SigningKey {
  keyId: string;
  privateKey: CryptoKey;
  loadedAt: number;
}

interface VerificationKeys {
  keys: Map<string, { key: CryptoKey; retiredAt: Date | null }>;
  loadedAt: number;
}

const tenantNotFound = (tenantKey: string, error: 'invalid_request' | 'invalid_tenant') =>
  new OAuthError(
    error,
    90002,
    `Tenant '${quotedValue(tenantKey)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );

/** Checks `scope` of a client credentials request: exactly Graph's `/.default`. */
function checkScope(scope: string): void {
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.length === 1 && GRAPH_DEFAULT_SCOPES.has(scopes[0]?.toLowerCase() ?? '')) {
    return;
  }
  const resourceDefault = scopes.length === 1 ? /^(.+?)\/+\.default$/i.exec(scopes[0] ?? '') : null;
  if (resourceDefault?.[1] !== undefined) {
    throw new OAuthError(
      'invalid_resource',
      500011,
      `The resource principal named ${quotedValue(resourceDefault[1])} was not found in the tenant. Allot issues tokens for Microsoft Graph only: use the scope ${GRAPH_AUDIENCE}/.default.`,
    );
  }
  throw new OAuthError(
    'invalid_scope',
    1002012,
    `The provided value for scope ${quotedValue(scope)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI): ${GRAPH_AUDIENCE}/.default.`,
  );
}

const sameHash = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

async function generateSigningKey(): Promise<{ keyId: string; privateJwk: Record<string, unknown>; publicJwk: Record<string, unknown> }> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { modulusLength: 2048, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const keyId = await calculateJwkThumbprint(publicJwk);
  return {
    keyId,
    privateJwk: { ...(await exportJWK(privateKey)), kid: keyId, alg: ALGORITHM },
    publicJwk: { ...publicJwk, kid: keyId, alg: ALGORITHM, use: 'sig' },
  };
}

/**
 * OAuth 2.0 client credentials for app registrations, and the verification of the tokens.
 *
 * Tokens are RS256 JWTs signed with the tenant's active signing key (created on first use, rotatable;
 * a retired key stays published for a token's lifetime plus the clock skew allowance). Their issuer is `<base URL of the request>/<tenantId>/v2.0`
 * as in Entra, but verification does not compare the host part of `iss`: the same Allot is reachable
 * under several names (127.0.0.1, localhost, a proxy's name), and the tenant's own signing keys
 * already prove which Allot and which tenant issued the token. It checks the signature against the
 * keys of the token's `tid`, the audience, the lifetime (no longer than Allot issues, issued in the
 * past), and that the app still exists.
 */
export function createTokenService(deps: ServiceDeps) {
  const directory = createTenantDirectory(deps.db);
  const signingKeys = new Map<string, SigningKey>();
  const verificationKeys = new Map<string, VerificationKeys>();
  const now = () => deps.clock.now();

  const findTenant = (tenantKey: string): Promise<Tenant | undefined> => (isGuid(tenantKey) ? directory.findById(tenantKey.toLowerCase()) : directory.findByDomain(tenantKey));

  /** The tenant an OpenID discovery or JWKS request names. @throws OAuthError invalid_tenant */
  async function discoveryTenant(tenantKey: string): Promise<Tenant> {
    const tenant = await findTenant(tenantKey);
    if (!tenant) {
      throw tenantNotFound(tenantKey, 'invalid_tenant');
    }
    return tenant;
  }

  /** The tenant's active signing key, created on first use. Two first uses at once store one key. */
  async function activeSigningKey(tenantId: string): Promise<SigningKey> {
    const cached = signingKeys.get(tenantId);
    if (cached && now().getTime() - cached.loadedAt < KEY_CACHE_MS) {
      return cached;
    }
    const repos = tenantRepositories(deps.db, { tenantId });
    let active = await repos.signingKeys.findActive();
    if (!active) {
      const generated = await generateSigningKey();
      // A concurrent first use may win the one-active-key index; then its key is the one to use.
      await repos.signingKeys.insertActive({ ...generated, createdAt: now() });
      active = await repos.signingKeys.findActive();
    }
    if (!active) {
      throw new AppError('internal', `Tenant ${tenantId} has no active signing key.`);
    }
    const key: SigningKey = { keyId: active.keyId, privateKey: (await importJWK(active.privateJwk as JWK, ALGORITHM)) as CryptoKey, loadedAt: now().getTime() };
    signingKeys.set(tenantId, key);
    return key;
  }

  /** Public keys that verify the tenant's tokens: cached, reread when stale or asked to. */
  async function verificationKeysOf(tenantId: string, reload: boolean): Promise<VerificationKeys> {
    const cached = verificationKeys.get(tenantId);
    if (cached && !reload && now().getTime() - cached.loadedAt < KEY_CACHE_MS) {
      return cached;
    }
    const published = await tenantRepositories(deps.db, { tenantId }).signingKeys.listPublished(new Date(now().getTime() - RETIRED_KEY_PUBLISHED_MS));
    const keys = new Map<string, { key: CryptoKey; retiredAt: Date | null }>();
    for (const entry of published) {
      keys.set(entry.keyId, { key: (await importJWK(entry.publicJwk as JWK, ALGORITHM)) as CryptoKey, retiredAt: entry.retiredAt });
    }
    const loaded = { keys, loadedAt: now().getTime() };
    // Only tenants with keys are remembered: tokens naming made-up tenants must not grow the cache.
    if (keys.size > 0) {
      verificationKeys.set(tenantId, loaded);
    }
    return loaded;
  }

  async function verificationKey(tenantId: string, keyId: string): Promise<CryptoKey | undefined> {
    const isLive = (entry: { retiredAt: Date | null } | undefined) => entry !== undefined && (entry.retiredAt === null || now().getTime() - entry.retiredAt.getTime() < RETIRED_KEY_PUBLISHED_MS);
    let entry = (await verificationKeysOf(tenantId, false)).keys.get(keyId);
    if (entry === undefined) {
      // Rotated by another process since we last read the keys.
      entry = (await verificationKeysOf(tenantId, true)).keys.get(keyId);
    }
    return isLive(entry) ? entry?.key : undefined;
  }

  /** Authenticates the client: unknown app, wrong, expired or revoked secret all get the same answer. */
  async function authenticateClient(tenantId: string, clientId: string, clientSecret: string) {
    const invalidClient = new OAuthError(
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${quotedValue(clientId)}'.`,
    );
    if (!isGuid(clientId)) {
      throw invalidClient;
    }
    const repos = tenantRepositories(deps.db, { tenantId });
    const appId = clientId.toLowerCase();
    const given = hashSecret(clientSecret);
    const hashes = await repos.apps.findUsableSecretHashes(appId, now());
    // Compare with every usable secret (no early exit), so the time does not say which one matched.
    const matches = hashes.map((hash) => sameHash(hash, given)).includes(true);
    const app = matches ? await repos.apps.findRegistration(appId) : undefined;
    if (!app) {
      throw invalidClient;
    }
    return app;
  }

  return {
    /**
     * The token endpoint: `grant_type=client_credentials` with `client_id`, `client_secret` and
     * `scope=https://graph.microsoft.com/.default`. `issuerBase` is the base URL the request reached.
     * @throws OAuthError (OAuth's error code with Entra's AADSTS number and text).
     */
    async issueClientCredentials(tenantKey: string, form: Readonly<Record<string, string>>, issuerBase: string): Promise<TokenResponse> {
      const tenant = await findTenant(tenantKey);
      if (!tenant) {
        throw tenantNotFound(tenantKey, 'invalid_request');
      }
      const grantType = form.grant_type ?? '';
      if (grantType === '') {
        throw missingParameter('grant_type');
      }
      if (grantType !== 'client_credentials') {
        throw new OAuthError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${quotedValue(grantType)}'. Allot issues tokens for the client_credentials grant only.`);
      }
      const clientId = form.client_id ?? '';
      if (clientId === '') {
        throw missingParameter('client_id');
      }
      const scope = form.scope ?? '';
      if (scope === '') {
        throw missingParameter('scope');
      }
      checkScope(scope);
      const clientSecret = form.client_secret ?? '';
      if (clientSecret === '') {
        throw new OAuthError('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
      }
      const app = await authenticateClient(tenant.tenantId, clientId, clientSecret);
      const key = await activeSigningKey(tenant.tenantId);
      const issuedAt = Math.floor(now().getTime() / 1000);
      const claims: AccessTokenClaims = {
        aud: GRAPH_AUDIENCE,
        iss: `${issuerBase}/${tenant.tenantId}/v2.0`,
        iat: issuedAt,
        nbf: issuedAt,
        exp: issuedAt + ACCESS_TOKEN_LIFETIME_SECONDS,
        tid: tenant.tenantId,
        oid: app.appId,
        sub: app.appId,
        appid: app.appId,
        azp: app.appId,
        azpacr: '1',
        app_displayname: app.displayName,
        idtyp: 'app',
        roles: app.permissions.filter(isAppPermission),
        uti: randomUUID(),
        ver: '2.0',
      };
      const accessToken = await new SignJWT({ ...claims }).setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: key.keyId }).sign(key.privateKey);
      // One second less than the token lives, as Entra does, so a client never sends a token at its last second.
      return { token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SECONDS - 1, ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS - 1, access_token: accessToken };
    },

    /**
     * The principal of a bearer token. Roles are the token's roles still granted to the app: a removed
     * permission stops working at once, a deleted app's tokens stop working at once.
     * @throws AppError('unauthenticated') with Graph's message.
     */
    async verifyAccessToken(token: string): Promise<{ tenantId: string; principal: Principal }> {
      let unverified: { tid?: unknown; kid?: unknown };
      try {
        unverified = { tid: decodeJwt(token).tid, kid: decodeProtectedHeader(token).kid };
      } catch {
        throw unauthenticated(MALFORMED);
      }
      const tenantId = typeof unverified.tid === 'string' && isGuid(unverified.tid) ? unverified.tid.toLowerCase() : undefined;
      if (tenantId === undefined) {
        throw unauthenticated('Access token validation failure. Invalid issuer.');
      }
      const key = typeof unverified.kid === 'string' ? await verificationKey(tenantId, unverified.kid) : undefined;
      if (key === undefined) {
        throw unauthenticated(INVALID_SIGNATURE);
      }
      let claims: Partial<AccessTokenClaims>;
      try {
        const verified = await jwtVerify<Partial<AccessTokenClaims>>(token, key, {
          algorithms: [ALGORITHM],
          audience: GRAPH_AUDIENCE,
          currentDate: now(),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          // Refuses a token issued longer ago than a token lives, or issued in the future.
          maxTokenAge: ACCESS_TOKEN_LIFETIME_SECONDS,
          requiredClaims: ['exp', 'nbf', 'iat', 'iss', 'tid', 'appid'],
        });
        claims = verified.payload;
      } catch (error) {
        throw unauthenticated(verificationMessage(error));
      }
      // Allot never issues a token that lives longer than ACCESS_TOKEN_LIFETIME_SECONDS: one that does was not made here.
      if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp - claims.iat > ACCESS_TOKEN_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) {
        throw unauthenticated('Access token validation failure. Invalid token lifetime.');
      }
      if (typeof claims.iss !== 'string' || !claims.iss.endsWith(`/${tenantId}/v2.0`)) {
        throw unauthenticated('Access token validation failure. Invalid issuer.');
      }
      const appId = typeof claims.appid === 'string' && isGuid(claims.appid) ? claims.appid : undefined;
      if (appId === undefined || claims.idtyp !== 'app') {
        throw unauthenticated('Access token validation failure.');
      }
      const app = await tenantRepositories(deps.db, { tenantId }).apps.findRegistration(appId);
      if (!app) {
        throw unauthenticated('Access token validation failure. The application no longer exists.');
      }
      const roles = Array.isArray(claims.roles) ? claims.roles : [];
      const permissions = app.permissions.filter(isAppPermission).filter((permission) => roles.includes(permission));
      return { tenantId, principal: { kind: 'app', id: app.appId, displayName: app.displayName, permissions } };
    },

    discoveryTenant,

    /** The tenant's published signing keys (JWKS): the active one and those retired within RETIRED_KEY_PUBLISHED_MS. */
    async publishedKeys(tenantKey: string): Promise<{ keys: Record<string, unknown>[] }> {
      const tenant = await discoveryTenant(tenantKey);
      // Publish the key before the first token is signed with it, so a verifier never misses it.
      await activeSigningKey(tenant.tenantId);
      const published = await tenantRepositories(deps.db, tenant).signingKeys.listPublished(new Date(now().getTime() - RETIRED_KEY_PUBLISHED_MS));
      return { keys: published.map((key) => key.publicJwk) };
    },

    /**
     * Retires the tenant's active signing key and makes a new one active. Tokens signed with the old
     * key stay valid until they expire (it stays published for a token's lifetime plus the clock skew
     * allowance, then verifies nothing); keys retired longer ago are deleted. Two rotations at once leave one new key.
     */
    async rotateSigningKey(context: RequestContext): Promise<{ activeKeyId: string; retiredKeyId: string | null }> {
      const generated = await generateSigningKey();
      const result = await inTenantTransaction(deps.db, context, async (repos) => {
        const at = now();
        const retiredKeyId = (await repos.signingKeys.retireActive(at)) ?? null;
        if (!(await repos.signingKeys.insertActive({ ...generated, createdAt: at }))) {
          // A concurrent rotation retired the key this one waited for and stored its own: nothing changed here.
          const active = await repos.signingKeys.findActive();
          return { activeKeyId: active?.keyId ?? '', retiredKeyId: null };
        }
        await repos.signingKeys.deleteRetiredBefore(new Date(at.getTime() - RETIRED_KEY_PUBLISHED_MS));
        await repos.audit.record(
          context,
          [
            {
              category: 'KeyManagement',
              activity: 'Rotate token signing key',
              target: { type: 'SigningKey', id: generated.keyId, name: null },
              changes: [{ property: 'ActiveKeyId', before: retiredKeyId, after: generated.keyId }],
            },
          ],
          at,
          deps.ids,
        );
        return { activeKeyId: generated.keyId, retiredKeyId };
      });
      signingKeys.delete(context.tenantId);
      verificationKeys.delete(context.tenantId);
      return result;
    },
  };
}

/** Graph's message for a token jose refused. */
function verificationMessage(error: unknown): string {
  if (error instanceof errors.JWTExpired) {
    return EXPIRED;
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat') {
      return EXPIRED;
    }
    if (error.claim === 'aud') {
      return 'Access token validation failure. Invalid audience.';
    }
    return 'Access token validation failure.';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return INVALID_SIGNATURE;
  }
  return MALFORMED;
}

export type TokenService = ReturnType<typeof createTokenService>;
