import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ReclaimQuerySchema, ReclaimUnassignRequestSchema, ReportActivityRequestSchema } from '../../../contracts/reclaim.js';
import { presentActivityResult, presentReclaimPage, presentReclaimUnassign } from '../../presenters/product-usage.presenter.js';
import { nextLink } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

const wantsCsv = (request: FastifyRequest, format: string | undefined): boolean =>
  format === 'csv' || (format === undefined && (request.headers.accept ?? '').split(',').some((type) => type.trim().toLowerCase().startsWith('text/csv')));

/** Product activity from backends, and reclaiming seats of users who do not use them. */
export function adminReclaimRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: reclaim'];

  api.post(
    '/admin/activity',
    {
      config: { action: 'activity.report' },
      schema: { body: ReportActivityRequestSchema, tags, summary: "Report users' last activity per service plan (up to 1,000); unknown users and plans are returned, the rest recorded" },
    },
    async (request) =>
      presentActivityResult(
        await services.reclaim.reportActivity(
          request.context,
          request.body.activities.map((item) => ({
            ...(item.userId === undefined ? {} : { userId: item.userId }),
            ...(item.userPrincipalName === undefined ? {} : { userPrincipalName: item.userPrincipalName }),
            servicePlanId: item.servicePlanId,
            lastActiveAt: new Date(item.lastActiveDateTime),
          })),
        ),
      ),
  );

  api.get(
    '/admin/reclaim',
    {
      config: { action: 'licenses.read' },
      schema: { querystring: ReclaimQuerySchema, tags, summary: 'Holders of a product inactive for `days` (paged), with the seats and money unassigning them frees; format=csv lists them all' },
    },
    async (request, reply) => {
      const { skuId, days, format, $top, $skiptoken } = request.query;
      if (wantsCsv(request, format)) {
        const lines = await services.reclaim.csv(request.context, { skuId, ...(days === undefined ? {} : { days }) });
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="reclaim-${skuId}.csv"`)
          .send(Readable.from(lines));
      }
      const page = await services.reclaim.report(request.context, {
        skuId,
        top: $top,
        ...(days === undefined ? {} : { days }),
        ...($skiptoken === undefined ? {} : { skipToken: $skiptoken }),
      });
      return { ...presentReclaimPage(page), ...nextLink(urls, request, page.nextSkipToken) };
    },
  );

  api.post(
    '/admin/reclaim/unassign',
    {
      config: { action: 'licenses.assign' },
      schema: { body: ReclaimUnassignRequestSchema, tags, summary: 'Unassign a product from inactive users who hold it directly (up to 1,000); inherited licenses are skipped and listed; dryRun previews' },
    },
    async (request) => {
      const { skuId, days, userIds, dryRun } = request.body;
      return presentReclaimUnassign(
        await services.reclaim.unassign(request.context, {
          skuId,
          dryRun,
          ...(days === undefined ? {} : { days }),
          ...(userIds === undefined ? {} : { userIds }),
        }),
      );
    },
  );
}
