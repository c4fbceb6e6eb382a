import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../domain/errors.js';
import { isOAuthError, OAuthError, quotedValue } from '../../../domain/oauth.js';
import { statusOf } from '../../plugins/error-handler.js';
import { presentOAuthError, presentOpenIdConfiguration } from '../../presenters/oauth.presenter.js';
import type { RouteDeps } from '../route-deps.js';

const FORM = 'application/x-www-form-urlencoded';
const tags = ['identity: OAuth 2.0'];

interface TenantParams {
  tenant: string;
}

/** Entra's correlation id is the caller's client-request-id (MSAL sends one), else ours. */
function correlationId(request: FastifyRequest): string {
  const header = request.headers['client-request-id'];
  return typeof header === 'string' && /^[\w-]{1,64}$/.test(header) ? header : request.id;
}

function sendOAuthError(request: FastifyRequest, reply: FastifyReply, error: OAuthError): FastifyReply {
  // OAuth 2.0 §5.2: a failed client authentication is 401, every other refusal 400.
  return reply
    .status(error.error === 'invalid_client' ? 401 : 400)
    .header('cache-control', 'no-store')
    .send(presentOAuthError(error, { traceId: request.id, correlationId: correlationId(request), at: new Date() }));
}

/** The form as one value per name; OAuth 2.0 §3.2 forbids repeating a parameter. */
function formFields(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  // A body of another type (JSON) carries no form parameters: Entra then asks for grant_type.
  if (!(body instanceof URLSearchParams)) {
    return fields;
  }
  for (const [name, value] of body) {
    if (Object.hasOwn(fields, name)) {
      throw new OAuthError('invalid_request', 90100, `${quotedValue(name)} parameter is empty or not valid: it appears more than once in the request.`);
    }
    fields[name] = value;
  }
  return fields;
}

/** Token requests are small forms. */
const BODY_LIMIT = 16 * 1024;

/** A refusal of the request itself (its body, a parameter) rather than of the token request: Entra's invalid parameter. */
const requestRefusal = (error: FastifyError): OAuthError =>
  new OAuthError(
    'invalid_request',
    90100,
    error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `The request body is larger than ${BODY_LIMIT / 1024} KB.` : error.message,
  );

/**
 * The identity endpoints Graph clients expect of their authority: the OAuth 2.0 token endpoint
 * (client credentials), the OpenID discovery document and the signing keys. All are public, and
 * all answer every client error in OAuth's shape (MSAL reads only that), in a scope of their own.
 */
export async function oauthRoutes(app: FastifyInstance, { services, urls }: RouteDeps): Promise<void> {
  await app.register((scope, _options, done) => {
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (isOAuthError(error)) {
        return sendOAuthError(request, reply, error);
      }
      const status = error instanceof AppError ? statusOf(error.code) : (error.statusCode ?? 500);
      if (status >= 500) {
        // The application's handler: logged, and a fixed message.
        throw error;
      }
      return sendOAuthError(request, reply, requestRefusal(error));
    });
    // The form parser lives in this scope only, so no other route accepts form bodies. Only forms
    // carry token parameters; any other body (JSON, text) carries none, and Entra then asks for
    // grant_type, so it is read and ignored rather than parsed.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, parsed) => {
      parsed(null, new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8')));
    });
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, _body, parsed) => {
      parsed(null, undefined);
    });

    scope.post<{ Params: TenantParams }>(
      '/:tenant/oauth2/v2.0/token',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'Get an access token (client credentials)',
          description:
            'Form-encoded `grant_type=client_credentials`, `client_id`, `client_secret`, `scope=https://graph.microsoft.com/.default`. ' +
            'Answers `{token_type, expires_in, access_token}`, or OAuth\'s error with Entra\'s AADSTS code (401 for a failed client authentication, 400 otherwise).',
          consumes: [FORM],
        },
      },
      async (request, reply) => {
        const token = await services.tokens.issueClientCredentials(request.params.tenant, formFields(request.body), urls.base(request));
        // OAuth 2.0 §5.1: a response carrying a token is never cached.
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
      },
    );

    scope.get<{ Params: TenantParams }>(
      '/:tenant/v2.0/.well-known/openid-configuration',
      { config: { public: true }, schema: { tags, summary: 'OpenID Provider Metadata of the tenant (for MSAL and other OIDC clients)' } },
      async (request) => presentOpenIdConfiguration(urls.base(request), (await services.tokens.discoveryTenant(request.params.tenant)).tenantId),
    );

    scope.get<{ Params: TenantParams }>(
      '/:tenant/discovery/v2.0/keys',
      { config: { public: true }, schema: { tags, summary: 'The tenant\'s token signing keys (JWKS)' } },
      (request) => services.tokens.publishedKeys(request.params.tenant),
    );
    done();
  });
}
