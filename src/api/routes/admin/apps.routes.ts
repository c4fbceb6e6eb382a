import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AddAppSecretRequestSchema, AppParamsSchema, AppSecretParamsSchema, CreateAppRequestSchema, UpdateAppRequestSchema } from '../../../contracts/apps.js';
import { AppError } from '../../../domain/errors.js';
import { presentApp, presentAppPermissions, presentCreatedSecret } from '../../presenters/app.presenter.js';
import type { RouteDeps } from '../route-deps.js';

/** App registrations, their client secrets, and the tenant's token signing key. */
export function adminAppRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: apps'];

  api.get('/admin/apps', { config: { action: 'apps.read' }, schema: { tags, summary: 'App registrations (OAuth clients) of the tenant' } }, async (request) => ({
    value: (await services.apps.list(request.context)).map(presentApp),
  }));

  api.get('/admin/apps/permissions', { config: { action: 'apps.read' }, schema: { tags, summary: 'The application permissions an app may be given, with what each allows' } }, () => ({
    value: presentAppPermissions(),
  }));

  api.post(
    '/admin/apps',
    { config: { action: 'apps.manage' }, schema: { body: CreateAppRequestSchema, tags, summary: 'Register an application' } },
    async (request, reply) => reply.status(201).send(presentApp(await services.apps.create(request.context, request.body))),
  );

  api.get('/admin/apps/:appId', { config: { action: 'apps.read' }, schema: { params: AppParamsSchema, tags, summary: 'One app registration' } }, async (request) =>
    presentApp(await services.apps.get(request.context, request.params.appId)),
  );

  api.patch(
    '/admin/apps/:appId',
    { config: { action: 'apps.manage' }, schema: { params: AppParamsSchema, body: UpdateAppRequestSchema, tags, summary: 'Rename an application or replace its permissions' } },
    async (request) => presentApp(await services.apps.update(request.context, request.params.appId, request.body)),
  );

  api.delete(
    '/admin/apps/:appId',
    { config: { action: 'apps.manage' }, schema: { params: AppParamsSchema, tags, summary: 'Delete an application (its tokens stop working at once)' } },
    async (request, reply) => {
      await services.apps.delete(request.context, request.params.appId);
      return reply.status(204).send();
    },
  );

  api.post(
    '/admin/apps/:appId/secrets',
    {
      config: { action: 'apps.manage' },
      schema: { params: AppParamsSchema, body: AddAppSecretRequestSchema.nullish(), tags, summary: 'Add a client secret (its value is in this answer only)' },
      // A replayed answer would have to be stored, and the secret with it: Allot stores no secret.
      onRequest: (request, _reply, done) => {
        done(
          request.headers['idempotency-key'] === undefined
            ? undefined
            : new AppError('invalidRequest', 'Idempotency-Key is not accepted here: the answer carries a secret shown once, which Allot does not store.'),
        );
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const secret = await services.apps.addSecret(request.context, request.params.appId, {
        ...(body.displayName === undefined ? {} : { displayName: body.displayName }),
        ...(body.endDateTime === undefined ? {} : { expiresAt: new Date(body.endDateTime) }),
      });
      return reply.status(201).header('cache-control', 'no-store').send(presentCreatedSecret(secret));
    },
  );

  api.delete(
    '/admin/apps/:appId/secrets/:keyId',
    { config: { action: 'apps.manage' }, schema: { params: AppSecretParamsSchema, tags, summary: 'Revoke a client secret' } },
    async (request, reply) => {
      await services.apps.revokeSecret(request.context, request.params.appId, request.params.keyId);
      return reply.status(204).send();
    },
  );

  api.post(
    '/admin/apps/signing-keys/rotate',
    { config: { action: 'apps.manage' }, schema: { tags, summary: 'Rotate the token signing key (tokens signed before stay valid until they expire)' } },
    async (request) => services.tokens.rotateSigningKey(request.context),
  );
}
