import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CreateHoldRequestSchema, DataRecordsQuerySchema, HoldParamsSchema } from '../../../contracts/data.js';
import { UserKeyParamsSchema } from '../../../contracts/users.js';
import { presentDataRecordPage, presentDeletionPreview, presentHold, presentHoldListing, presentUserData } from '../../presenters/data.presenter.js';
import type { RouteDeps } from '../route-deps.js';

/** Users' data when licenses go: holds, records per user and class, and the deletion preview. */
export function adminDataRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: data lifecycle'];

  api.get('/admin/data/holds', { config: { action: 'data.read' }, schema: { tags, summary: 'Litigation holds and retention policies' } }, async (request) => ({
    value: (await services.dataLifecycle.listHolds(request.context)).map(presentHoldListing),
  }));

  api.post(
    '/admin/data/holds',
    { config: { action: 'data.manage' }, schema: { body: CreateHoldRequestSchema, tags, summary: "Place a litigation hold on a user or add a retention policy (data is kept past its grace)" } },
    async (request, reply) => reply.status(201).send(presentHold(await services.dataLifecycle.createHold(request.context, request.body))),
  );

  api.delete(
    '/admin/data/holds/:id',
    { config: { action: 'data.manage' }, schema: { params: HoldParamsSchema, tags, summary: 'Remove a hold (data it kept past its grace is purged at the next job run)' } },
    async (request, reply) => {
      await services.dataLifecycle.deleteHold(request.context, request.params.id);
      return reply.status(204).send();
    },
  );

  api.get(
    '/admin/data/records',
    { config: { action: 'data.read' }, schema: { querystring: DataRecordsQuerySchema, tags, summary: "Users' data records, e.g. ?state=Grace with their dates (paged)" } },
    async (request) =>
      presentDataRecordPage(
        await services.dataLifecycle.listRecords(request.context, {
          top: request.query.top,
          ...(request.query.state === undefined ? {} : { state: request.query.state }),
          ...(request.query.skiptoken === undefined ? {} : { skipToken: request.query.skiptoken }),
        }),
      ),
  );

  api.get(
    '/admin/users/:id/data',
    { config: { action: 'data.read' }, schema: { params: UserKeyParamsSchema, tags, summary: "A user's mailbox and files: state, dates, searchable, holds" } },
    async (request) => presentUserData(await services.dataLifecycle.getUserData(request.context, request.params.id)),
  );

  api.post(
    '/admin/users/:id/delete/preview',
    { config: { action: 'users.delete' }, schema: { params: UserKeyParamsSchema, tags, summary: "What deleting the user would do: seats freed, each data class's state and dates (changes nothing)" } },
    async (request) => presentDeletionPreview(await services.dataLifecycle.previewDeletion(request.context, request.params.id)),
  );
}
