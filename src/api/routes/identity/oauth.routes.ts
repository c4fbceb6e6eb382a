import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isOAuthError, OAuthError } from '../../../domain/oauth.js';
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

/** Runs `work`, answering an OAuthError in OAuth's shape (other errors go to the Graph error handler). */
async function oauthAnswer<T>(request: FastifyRequest, reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (error) {
    if (isOAuthError(error)) {
      return sendOAuthError(request, reply, error);
    }
    throw error;
  }
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
      throw new OAuthError('invalid_request', 90100, `${name.slice(0, 64)} parameter is empty or not valid: it appears more than once in the request.`);
    }
    fields[name] = value;
  }
  return fields;
}

/**
 * The identity endpoints Graph clients expect of their authority: the OAuth 2.0 token endpoint
 * (client credentials), the OpenID discovery document and the signing keys. All are public.
 */
export async function oauthRoutes(app: FastifyInstance, { services, urls }: RouteDeps): Promise<void> {
  // The form parser lives in its own scope, so no other route accepts form bodies.
  await app.register((scope, _options, done) => {
    scope.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, parsed) => {
      parsed(null, new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8')));
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
      (request, reply) =>
        oauthAnswer(request, reply, async () => {
          const token = await services.tokens.issueClientCredentials(request.params.tenant, formFields(request.body), urls.base(request));
          // OAuth 2.0 §5.1: a response carrying a token is never cached.
          return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
        }),
    );
    done();
  });

  app.get<{ Params: TenantParams }>(
    '/:tenant/v2.0/.well-known/openid-configuration',
    { config: { public: true }, schema: { tags, summary: 'OpenID Provider Metadata of the tenant (for MSAL and other OIDC clients)' } },
    (request, reply) =>
      oauthAnswer(request, reply, async () => {
        const tenant = await services.tokens.discoveryTenant(request.params.tenant);
        return presentOpenIdConfiguration(urls.base(request), tenant.tenantId);
      }),
  );

  app.get<{ Params: TenantParams }>(
    '/:tenant/discovery/v2.0/keys',
    { config: { public: true }, schema: { tags, summary: 'The tenant\'s token signing keys (JWKS)' } },
    (request, reply) => oauthAnswer(request, reply, () => services.tokens.publishedKeys(request.params.tenant)),
  );
}
