/**
 * OAuth 2.0 vocabulary of the token endpoint. Its failures are not Graph errors: clients (MSAL,
 * azure-identity, curl scripts) read OAuth's `error` and Entra's AADSTS code, so the endpoint answers
 * in that shape instead of Graph's envelope.
 */

/** The audience of every access token Allot issues: Allot plays Microsoft Graph. */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

/** Microsoft Graph's application id, which Entra also accepts as the resource of a scope. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_resource' | 'invalid_tenant';

/** A refused token request: OAuth's error, Entra's AADSTS number and its description. */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly aadstsCode: number;

  constructor(error: OAuthErrorCode, aadstsCode: number, description: string) {
    super(`AADSTS${aadstsCode}: ${description}`);
    this.name = 'OAuthError';
    this.error = error;
    this.aadstsCode = aadstsCode;
  }
}

export const isOAuthError = (error: unknown): error is OAuthError => error instanceof OAuthError;

/**
 * A caller's value quoted in a description: at most 64 characters, and on one line, since the
 * description's lines are the message and then Entra's trace lines (a CR LF in a value would forge one).
 */
export function quotedValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const line = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\ufffd');
  return line.length > 64 ? `${line.slice(0, 64)}…` : line;
}

export const missingParameter = (name: string): OAuthError => new OAuthError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
