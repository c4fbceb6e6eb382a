import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type JWK } from 'jose';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APP_PERMISSIONS } from '../../src/domain/authorization.js';
import { createLicensingTenant, type LicensingTenant } from '../support/fixtures.js';
import { expectGraphError } from '../support/graph-error.js';
import { createClient, expectOAuthError, GRAPH_SCOPE, requestToken, tokenFor, type TestClient } from '../support/oauth.js';
import { createTestApp, TEST_NOW, testContext, type TestApp } from '../support/test-app.js';

/**
 * The OAuth 2.0 client credentials flow as Graph clients use it: the token endpoint (success and
 * each of Entra's refusals), the signing keys and OpenID discovery, and the verification of the
 * bearer token on /v1.0 (expired, foreign-tenant, tampered, deleted app, key rotation).
 */

let t: TestApp;
let a: LicensingTenant;
let b: LicensingTenant;
let domainA: string;
let client: TestClient;

const credentials = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
  const fields: Record<string, string | undefined> = { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: GRAPH_SCOPE, ...overrides };
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const skus = (token: string) => t.app.inject({ method: 'GET', url: '/v1.0/subscribedSkus', headers: bearer(token) });

/** The tenant's active private key (or the one with `keyId`), as a forger who stole it would hold it. */
async function privateKeyOf(tenantId: string, keyId?: string) {
  const row = (
    await sql<{ key_id: string; private_jwk: JWK }>`SELECT key_id, private_jwk FROM signing_key WHERE tenant_id = ${tenantId} AND (key_id = ${keyId ?? null} OR (${keyId ?? null}::text IS NULL AND retired_at IS NULL))`.execute(t.handle.db)
  ).rows[0];
  if (!row) {
    throw new Error(`no active key for ${tenantId}`);
  }
  const jwk = typeof row.private_jwk === 'string' ? (JSON.parse(row.private_jwk) as JWK) : row.private_jwk;
  return { kid: row.key_id, key: await importJWK(jwk, 'RS256') };
}

beforeAll(async () => {
  t = await createTestApp();
  a = await createLicensingTenant(t.services);
  b = await createLicensingTenant(t.services);
  domainA = (await t.services.tenants.getTenant(a.tenantId)).domains[0]?.domain ?? '';
  client = await createClient(t.services, a.tenantId, ['LicenseAssignment.ReadWrite.All', 'User.Read.All']);
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  t.clock.set(TEST_NOW);
});

describe('token endpoint: success', () => {
  it('answers {token_type, expires_in, ext_expires_in, access_token}, uncached, with a JWT of Entra\'s app-only claims', async () => {
    const response = await requestToken(t.app, a.tenantId, credentials());
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    const body = response.json<{ token_type: string; expires_in: number; ext_expires_in: number; access_token: string }>();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });

    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.kid).toEqual(expect.any(String));
    const claims = decodeJwt(body.access_token);
    const now = Math.floor(TEST_NOW.getTime() / 1000);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://allot.test/${a.tenantId}/v2.0`,
      tid: a.tenantId,
      appid: client.clientId,
      azp: client.clientId,
      sub: client.clientId,
      oid: client.clientId,
      idtyp: 'app',
      app_displayname: expect.any(String),
      roles: ['User.Read.All', 'LicenseAssignment.ReadWrite.All'],
      iat: now,
      nbf: now,
      exp: now + 3600,
      ver: '2.0',
    });
    expect(JSON.stringify(claims)).not.toContain(client.clientSecret);

    const listed = await skus(body.access_token);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json<{ value: unknown[] }>().value.length).toBeGreaterThan(0);
  });

  it('accepts the tenant by verified domain, Graph\'s app id as the scope resource, and names the tenant id as issuer', async () => {
    const response = await requestToken(t.app, domainA.toUpperCase(), credentials({ scope: '00000003-0000-0000-c000-000000000000/.default' }));
    expect(response.statusCode, response.body).toBe(200);
    expect(decodeJwt(response.json<{ access_token: string }>().access_token)).toMatchObject({ tid: a.tenantId, iss: `https://allot.test/${a.tenantId}/v2.0` });
  });

  it('two first token requests of a tenant at once store one signing key', async () => {
    const tenant = await createLicensingTenant(t.services);
    const concurrent = await createClient(t.services, tenant.tenantId, ['User.Read.All']);
    const tokens = await Promise.all(Array.from({ length: 4 }, () => tokenFor(t.app, tenant.tenantId, concurrent)));
    expect(new Set(tokens.map((token) => decodeProtectedHeader(token).kid)).size).toBe(1);
    const keys = await sql<{ n: number }>`SELECT count(*)::int AS n FROM signing_key WHERE tenant_id = ${tenant.tenantId}`.execute(t.handle.db);
    expect(keys.rows[0]?.n).toBe(1);
  });
});

describe('token endpoint: refusals in Entra\'s shape', () => {
  it('an unknown tenant → 400 invalid_request AADSTS90002, with the caller\'s client-request-id as correlation id', async () => {
    const body = expectOAuthError(await requestToken(t.app, 'nowhere.example', credentials(), { 'client-request-id': 'c0ffee00-1111-4222-8333-444455556666' }), 400, 'invalid_request', 90002, /^AADSTS90002: Tenant 'nowhere\.example' not found\./);
    expect(body.correlation_id).toBe('c0ffee00-1111-4222-8333-444455556666');
    expectOAuthError(await requestToken(t.app, '11111111-2222-4333-8444-555555555555', credentials()), 400, 'invalid_request', 90002);
  });

  it('missing parameters → 400 invalid_request AADSTS900144 naming the parameter', async () => {
    for (const name of ['grant_type', 'client_id', 'scope']) {
      expectOAuthError(await requestToken(t.app, a.tenantId, credentials({ [name]: undefined })), 400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
    }
  });

  it('a JSON body carries no form parameters: 400 asking for grant_type, as Entra does', async () => {
    const response = await t.app.inject({ method: 'POST', url: `/${a.tenantId}/oauth2/v2.0/token`, payload: credentials() });
    expectOAuthError(response, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  });

  it('a repeated parameter → 400 invalid_request', async () => {
    const payload = `${new URLSearchParams(credentials()).toString()}&scope=${encodeURIComponent(GRAPH_SCOPE)}`;
    const response = await t.app.inject({ method: 'POST', url: `/${a.tenantId}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
    expectOAuthError(response, 400, 'invalid_request', 90100, /^AADSTS90100: scope parameter is empty or not valid/);
  });

  it('another grant type → 400 unsupported_grant_type AADSTS70003', async () => {
    expectOAuthError(await requestToken(t.app, a.tenantId, credentials({ grant_type: 'password' })), 400, 'unsupported_grant_type', 70003, /unsupported grant type 'password'/);
  });

  it('a scope other than Graph\'s /.default → 400 invalid_scope AADSTS1002012; another resource → invalid_resource AADSTS500011', async () => {
    for (const scope of ['https://graph.microsoft.com/User.Read', 'openid', `${GRAPH_SCOPE} openid`]) {
      expectOAuthError(await requestToken(t.app, a.tenantId, credentials({ scope })), 400, 'invalid_scope', 1002012);
    }
    expectOAuthError(await requestToken(t.app, a.tenantId, credentials({ scope: 'https://management.azure.com/.default' })), 400, 'invalid_resource', 500011, /https:\/\/management\.azure\.com was not found/);
  });

  it('no client_secret → 401 invalid_client AADSTS7000218', async () => {
    expectOAuthError(await requestToken(t.app, a.tenantId, credentials({ client_secret: undefined })), 401, 'invalid_client', 7000218);
  });

  it('a wrong secret, an unknown or malformed client id, an expired, a revoked or another tenant\'s secret all get the same 401 invalid_client AADSTS7000215', async () => {
    const expiring = await createClient(t.services, a.tenantId, ['User.Read.All'], { expiresAt: new Date(TEST_NOW.getTime() + 60_000) });
    const revoked = await createClient(t.services, a.tenantId, ['User.Read.All']);
    await t.services.apps.revokeSecret(testContext(a.tenantId), revoked.clientId, revoked.keyId);
    const foreign = await createClient(t.services, b.tenantId, ['User.Read.All']);
    const refused = async (fields: Record<string, string>) => {
      const body = expectOAuthError(await requestToken(t.app, a.tenantId, fields), 401, 'invalid_client', 7000215);
      return body.error_description.split('\r\n')[0]?.replace(fields.client_id ?? '', '<client>');
    };
    const answers = [
      await refused(credentials({ client_secret: `${client.clientSecret}x` })),
      await refused(credentials({ client_secret: client.keyId })),
      await refused(credentials({ client_id: '0badc0de-0000-4000-8000-000000000000' })),
      await refused(credentials({ client_id: 'not-a-guid' })),
      await refused(credentials({ client_id: revoked.clientId, client_secret: revoked.clientSecret })),
      await refused(credentials({ client_id: foreign.clientId, client_secret: foreign.clientSecret })),
    ];
    t.clock.advance(61_000);
    answers.push(await refused(credentials({ client_id: expiring.clientId, client_secret: expiring.clientSecret })));
    expect(new Set(answers)).toEqual(
      new Set(["AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '<client>'."]),
    );
  });
});

describe('signing keys and OpenID discovery', () => {
  it('JWKS: public RSA keys only, including the kid tokens are signed with', async () => {
    const token = await tokenFor(t.app, a.tenantId, client);
    const response = await t.app.inject({ method: 'GET', url: `/${a.tenantId}/discovery/v2.0/keys` });
    expect(response.statusCode).toBe(200);
    const { keys } = response.json<{ keys: Record<string, unknown>[] }>();
    expect(keys.map((key) => key.kid)).toContain(decodeProtectedHeader(token).kid);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    }
  });

  it('JWKS of a tenant that never issued a token already has its key; an unknown tenant → 400 invalid_tenant', async () => {
    const tenant = await createLicensingTenant(t.services);
    const { keys } = (await t.app.inject({ method: 'GET', url: `/${tenant.tenantId}/discovery/v2.0/keys` })).json<{ keys: { kid: string }[] }>();
    expect(keys).toHaveLength(1);
    const token = await tokenFor(t.app, tenant.tenantId, await createClient(t.services, tenant.tenantId, ['User.Read.All']));
    expect(decodeProtectedHeader(token).kid).toBe(keys[0]?.kid);
    expectOAuthError(await t.app.inject({ method: 'GET', url: '/nowhere.example/discovery/v2.0/keys' }), 400, 'invalid_tenant', 90002);
  });

  it('openid-configuration names the tenant id in issuer and endpoints, by id or domain', async () => {
    for (const key of [a.tenantId, domainA]) {
      const response = await t.app.inject({ method: 'GET', url: `/${key}/v2.0/.well-known/openid-configuration` });
      expect(response.statusCode).toBe(200);
      const base = `https://allot.test/${a.tenantId}`;
      expect(response.json()).toMatchObject({
        issuer: `${base}/v2.0`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint_auth_methods_supported: ['client_secret_post'],
        grant_types_supported: ['client_credentials'],
        id_token_signing_alg_values_supported: ['RS256'],
        subject_types_supported: ['pairwise'],
        scopes_supported: [GRAPH_SCOPE],
      });
    }
    expectOAuthError(await t.app.inject({ method: 'GET', url: '/nowhere.example/v2.0/.well-known/openid-configuration' }), 400, 'invalid_tenant', 90002);
  });

  it('the token endpoint, discovery and keys are in the OpenAPI document', async () => {
    const paths = Object.keys((await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(expect.arrayContaining(['/{tenant}/oauth2/v2.0/token', '/{tenant}/v2.0/.well-known/openid-configuration', '/{tenant}/discovery/v2.0/keys', '/admin/apps/{appId}/secrets']));
  });
});

describe('bearer token verification on /v1.0', () => {
  it('no token → 401', async () => {
    expectGraphError(await t.app.inject({ method: 'GET', url: '/v1.0/subscribedSkus' }), 401, 'InvalidAuthenticationToken');
  });

  it('an expired token, or one not yet valid (beyond 5 minutes of clock skew) → 401', async () => {
    const token = await tokenFor(t.app, a.tenantId, client);
    t.clock.advance(3600_000 + 299_000);
    expect((await skus(token)).statusCode).toBe(200);
    t.clock.advance(2_000);
    expectGraphError(await skus(token), 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    t.clock.set(new Date(TEST_NOW.getTime() - 301_000));
    expectGraphError(await skus(token), 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  });

  it('a token living longer than Allot issues them, or issued in the future, → 401 even when signed with the right key', async () => {
    const claims = decodeJwt(await tokenFor(t.app, a.tenantId, client));
    const { kid, key } = await privateKeyOf(a.tenantId);
    const sign = (overrides: Record<string, number>) => new SignJWT({ ...claims, ...overrides }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
    const now = Math.floor(TEST_NOW.getTime() / 1000);
    expect((await skus(await sign({ iat: now, nbf: now, exp: now + 3600 }))).statusCode).toBe(200);
    expectGraphError(await skus(await sign({ iat: now, nbf: now, exp: now + 24 * 3600 })), 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid token lifetime.');
    expectGraphError(await skus(await sign({ iat: now + 6 * 3600, nbf: now, exp: now + 7 * 3600 })), 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
    expectGraphError(await skus(await sign({ iat: now - 2 * 3600, nbf: now - 2 * 3600, exp: now + 3600 })), 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  });

  it('a tampered token → 401 Invalid signature', async () => {
    const token = await tokenFor(t.app, a.tenantId, client);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: [...APP_PERMISSIONS] })).toString('base64url');
    expectGraphError(await skus(`${header}.${forged}.${signature}`), 401, 'InvalidAuthenticationToken', 'Invalid signature.');
  });

  it('a token naming another tenant, signed with this tenant\'s key → 401 Invalid signature (keys are per tenant)', async () => {
    const token = await tokenFor(t.app, a.tenantId, client);
    await tokenFor(t.app, b.tenantId, await createClient(t.services, b.tenantId, ['User.Read.All']));
    const { kid, key } = await privateKeyOf(a.tenantId);
    const claims = { ...decodeJwt(token), tid: b.tenantId, iss: `https://allot.test/${b.tenantId}/v2.0` };
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
    expectGraphError(await skus(forged), 401, 'InvalidAuthenticationToken', 'Invalid signature.');
  });

  it('another audience → 401 Invalid audience; garbage → 401; alg none → 401', async () => {
    const token = await tokenFor(t.app, a.tenantId, client);
    const { kid, key } = await privateKeyOf(a.tenantId);
    const otherAudience = await new SignJWT({ ...decodeJwt(token), aud: 'https://management.azure.com' }).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
    expectGraphError(await skus(otherAudience), 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    expectGraphError(await skus('not-a-jwt'), 401, 'InvalidAuthenticationToken', 'CompactToken parsing failed with error code: 80049217');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}.${token.split('.')[1] ?? ''}.`;
    expectGraphError(await skus(unsigned), 401, 'InvalidAuthenticationToken', 'Invalid signature.');
  });

  it('a deleted app\'s tokens stop working at once', async () => {
    const doomed = await createClient(t.services, a.tenantId, ['LicenseAssignment.Read.All']);
    const token = await tokenFor(t.app, a.tenantId, doomed);
    expect((await skus(token)).statusCode).toBe(200);
    await t.services.apps.delete(testContext(a.tenantId), doomed.clientId);
    expectGraphError(await skus(token), 401, 'InvalidAuthenticationToken', 'Access token validation failure. The application no longer exists.');
  });

  it('a permission removed from the app stops working for tokens issued before; one added needs a new token', async () => {
    const changing = await createClient(t.services, a.tenantId, ['LicenseAssignment.Read.All']);
    const before = await tokenFor(t.app, a.tenantId, changing);
    await t.services.apps.update(testContext(a.tenantId), changing.clientId, { permissions: ['User.Read.All'] });
    expectGraphError(await skus(before), 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    expect((await t.app.inject({ method: 'GET', url: '/v1.0/users', headers: bearer(before) })).statusCode).toBe(403);
    const after = await tokenFor(t.app, a.tenantId, changing);
    expect((await t.app.inject({ method: 'GET', url: '/v1.0/users', headers: bearer(after) })).statusCode).toBe(200);
  });
});

describe('signing key rotation', () => {
  it('keeps tokens signed with the old key valid, signs new tokens with the new kid, publishes both, and is audited', async () => {
    const old = await tokenFor(t.app, a.tenantId, client);
    const oldKid = decodeProtectedHeader(old).kid;
    const rotated = await t.inject({ method: 'POST', url: '/admin/apps/signing-keys/rotate', tenant: a.tenantId });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { activeKeyId, retiredKeyId } = rotated.json<{ activeKeyId: string; retiredKeyId: string }>();
    expect(retiredKeyId).toBe(oldKid);
    expect(activeKeyId).not.toBe(oldKid);

    expect((await skus(old)).statusCode).toBe(200);
    const fresh = await tokenFor(t.app, a.tenantId, client);
    expect(decodeProtectedHeader(fresh).kid).toBe(activeKeyId);
    expect((await skus(fresh)).statusCode).toBe(200);
    const published = (await t.app.inject({ method: 'GET', url: `/${a.tenantId}/discovery/v2.0/keys` })).json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid);
    expect(published).toEqual(expect.arrayContaining([oldKid, activeKeyId]));

    const rows = await sql<{ activity: string; changes: unknown }>`SELECT activity, changes FROM audit_log WHERE tenant_id = ${a.tenantId} AND activity = 'Rotate token signing key'`.execute(t.handle.db);
    expect(rows.rows).toHaveLength(1);
    expect(JSON.stringify(rows.rows[0]?.changes)).toContain(activeKeyId);

    // A token's lifetime plus the clock skew allowance (65 minutes) later, the retired key is no
    // longer published: every token it signed has expired.
    t.clock.advance(65 * 60_000);
    const later = (await t.app.inject({ method: 'GET', url: `/${a.tenantId}/discovery/v2.0/keys` })).json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid);
    expect(later).toEqual([activeKeyId]);
  });

  it('a retired key verifies tokens only for a token lifetime plus the clock skew allowance after its retirement', async () => {
    const tenant = await createLicensingTenant(t.services);
    const tenantClient = await createClient(t.services, tenant.tenantId, ['LicenseAssignment.Read.All']);
    const template = decodeJwt(await tokenFor(t.app, tenant.tenantId, tenantClient));
    const { retiredKeyId } = await t.services.tokens.rotateSigningKey(testContext(tenant.tenantId));
    const { kid, key } = await privateKeyOf(tenant.tenantId, retiredKeyId ?? '');
    /** A fresh, well-formed token signed with the retired key (as whoever kept a copy of it would mint). */
    const minted = async () => {
      const iat = Math.floor(t.clock.now().getTime() / 1000);
      return new SignJWT({ ...template, iat, nbf: iat, exp: iat + 3600 }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
    };
    t.clock.advance(64 * 60_000);
    expect((await skus(await minted())).statusCode).toBe(200);
    t.clock.advance(60_000);
    expectGraphError(await skus(await minted()), 401, 'InvalidAuthenticationToken', 'Invalid signature.');
    // Not a day, as before: two hours after the rotation it verifies nothing either.
    t.clock.advance(55 * 60_000);
    expectGraphError(await skus(await minted()), 401, 'InvalidAuthenticationToken', 'Invalid signature.');
  });

  it('two rotations at once leave exactly one active key', async () => {
    const tenant = await createLicensingTenant(t.services);
    await tokenFor(t.app, tenant.tenantId, await createClient(t.services, tenant.tenantId, ['User.Read.All']));
    await Promise.all([t.services.tokens.rotateSigningKey(testContext(tenant.tenantId)), t.services.tokens.rotateSigningKey(testContext(tenant.tenantId))]);
    const active = await sql<{ n: number }>`SELECT count(*)::int AS n FROM signing_key WHERE tenant_id = ${tenant.tenantId} AND retired_at IS NULL`.execute(t.handle.db);
    expect(active.rows[0]?.n).toBe(1);
  });
});
