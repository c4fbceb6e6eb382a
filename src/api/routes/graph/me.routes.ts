import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ODataQuerySchema } from '../../../contracts/common.js';
import { ChangePasswordRequestSchema } from '../../../contracts/identity.js';
import { requireSignedInUser } from '../../../services/session.service.js';
import { parseSelect } from '../../odata-select.js';
import { presentUser, USER_PROPERTIES } from '../../presenters/user.presenter.js';
import { graphContext } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

/** The signed-in admin (delegated flow only: an app token gets Graph's 400). */
export function meRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['users'];

  api.get('/v1.0/me', { config: { action: 'authenticated' }, schema: { querystring: ODataQuerySchema, tags, summary: 'The signed-in user' } }, async (request) => {
    const principal = requireSignedInUser(request.context);
    const select = parseSelect(request.query.$select, USER_PROPERTIES, 'user');
    const user = await services.licensing.getLicensedUser(request.context, principal.id);
    return { '@odata.context': graphContext(urls, request, select ? `users(${select.join(',')})/$entity` : 'users/$entity'), ...presentUser(user, select ? { select } : {}) };
  });

  api.post(
    '/v1.0/me/changePassword',
    {
      config: { action: 'authenticated' },
      schema: { body: ChangePasswordRequestSchema, tags, summary: "Change the signed-in user's password (ends its other sessions)" },
    },
    async (request, reply) => {
      await services.sessions.changePassword(request.context, request.body);
      return reply.status(204).send();
    },
  );
}
