import { GRAPH_AUDIENCE, type OAuthError } from '../../domain/oauth.js';

/** Entra's timestamp in token endpoint errors: "2026-11-01 09:00:00Z". */
const entraTimestamp = (date: Date): string => `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;

/**
 * A refused token or discovery request in Entra's shape: OAuth's `error`, the AADSTS text with
 * trace, correlation and time appended (as Entra writes it), and the same facts as fields.
 */
export function presentOAuthError(error: OAuthError, trace: { traceId: string; correlationId: string; at: Date }) {
  const timestamp = entraTimestamp(trace.at);
  return {
    error: error.error,
    error_description: `${error.message}\r\nTrace ID: ${trace.traceId}\r\nCorrelation ID: ${trace.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [error.aadstsCode],
    timestamp,
    trace_id: trace.traceId,
    correlation_id: trace.correlationId,
  };
}

/**
 * The tenant's OpenID Provider Metadata, shaped as Entra's v2.0 document so MSAL accepts Allot as
 * an authority. Allot implements only the client credentials grant: the authorization endpoint is
 * listed because MSAL requires the field, and answers 404.
 */
export function presentOpenIdConfiguration(base: string, tenantId: string) {
  const tenantBase = `${base}/${tenantId}`;
  return {
    token_endpoint: `${tenantBase}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post'],
    jwks_uri: `${tenantBase}/discovery/v2.0/keys`,
    response_modes_supported: [],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: [],
    scopes_supported: [`${GRAPH_AUDIENCE}/.default`],
    issuer: `${tenantBase}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${tenantBase}/oauth2/v2.0/authorize`,
    grant_types_supported: ['client_credentials'],
    claims_supported: ['aud', 'iss', 'iat', 'nbf', 'exp', 'tid', 'oid', 'sub', 'appid', 'azp', 'azpacr', 'app_displayname', 'idtyp', 'roles', 'uti', 'ver'],
    // Allot serves Graph's /v1.0 itself.
    msgraph_host: new URL(base).host,
  };
}
