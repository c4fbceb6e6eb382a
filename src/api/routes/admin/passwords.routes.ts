import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { UserKeyParamsSchema } from '../../../contracts/users.js';
import type { RouteDeps } from '../route-deps.js';

/** Allot-only: removing a user's password (Graph has no such operation; resets go through PATCH /users). */
export function adminPasswordRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.delete(
    '/admin/users/:id/password',
    {
      config: { action: 'users.update' },
      schema: {
        params: UserKeyParamsSchema,
        tags: ['admin: users'],
        summary: "Remove a user's password: it can no longer sign in and its sessions end (refused for the last enabled Global Administrator)",
      },
    },
    async (request, reply) => {
      await services.admins.removePassword(request.context, request.params.id);
      return reply.status(204).send();
    },
  );
}
