import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SignInRequestSchema } from '../../../contracts/identity.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../plugins/authentication.js';
import { presentSession, presentSignIn } from '../../presenters/identity.presenter.js';
import type { RouteDeps } from '../route-deps.js';

const tags = ['identity: sign-in'];

/** httpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure over HTTPS. */
const cookieOptions = (request: FastifyRequest) => ({ httpOnly: true, sameSite: 'strict' as const, path: '/', secure: request.protocol === 'https' });

/**
 * Web sign-in of admins: a session cookie that works on /v1.0 and /admin alike, so the web app
 * calls the same endpoints as scripts. Mutations sent with the cookie need the CSRF token.
 */
export function sessionRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/auth/sign-in',
    {
      config: { public: true },
      schema: {
        body: SignInRequestSchema,
        tags,
        summary: 'Sign in with user principal name and password',
        description:
          'Sets the allot_session cookie and answers the admin, its roles, the CSRF token (send it as x-csrf-token on every mutation) and whether the password must be changed first. ' +
          'Every failure answers 401 "Your account or password is incorrect."; repeated failures per account or address answer 429 with Retry-After.',
      },
    },
    async (request, reply) => {
      const result = await services.sessions.signIn({ ...request.body, clientAddress: request.ip, requestId: request.id });
      return reply
        .setCookie(SESSION_COOKIE, result.cookieValue, { ...cookieOptions(request), expires: result.expiresAt })
        .header('cache-control', 'no-store')
        .send(presentSignIn(result));
    },
  );

  api.post(
    '/auth/sign-out',
    { config: { public: true }, schema: { tags, summary: 'End the session (needs the x-csrf-token header while the session is live)' } },
    async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie !== undefined && cookie !== '') {
        const csrf = request.headers[CSRF_HEADER];
        await services.sessions.signOut(cookie, typeof csrf === 'string' ? csrf : undefined, { requestId: request.id, clientAddress: request.ip });
      }
      return reply.clearCookie(SESSION_COOKIE, cookieOptions(request)).status(204).send();
    },
  );

  api.get(
    '/auth/session',
    { config: { action: 'authenticated' }, schema: { tags, summary: 'The signed-in admin: roles, the actions they allow, the CSRF token and the tenant' } },
    async (request, reply) =>
      reply.header('cache-control', 'no-store').send(presentSession(await services.sessions.current(request.context), request.context.principal)),
  );
}
