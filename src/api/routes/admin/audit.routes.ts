import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AuditQuerySchema, LicenseHoldersQuerySchema } from '../../../contracts/audit.js';
import { presentAuditEntry, presentLicenseHolder } from '../../presenters/audit.presenter.js';
import { nextLink } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

/** The audit log and the "as of" view of license holders, from the assignment history. */
export function adminAuditRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/admin/audit',
    {
      config: { action: 'audit.read' },
      schema: { querystring: AuditQuerySchema, tags: ['admin: audit'], summary: 'Audit entries, newest first, filtered by actor, target, activity, category and time; keyset-paged' },
    },
    async (request) => {
      const { actor, target, activity, category, from, to, $top, $skiptoken } = request.query;
      const page = await services.audit.list(request.context, {
        filter: {
          ...(actor === undefined ? {} : { actorId: actor }),
          ...(target === undefined ? {} : { targetId: target }),
          ...(activity === undefined ? {} : { activity }),
          ...(category === undefined ? {} : { category }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        },
        top: $top,
        ...($skiptoken === undefined ? {} : { skipToken: $skiptoken }),
      });
      return { ...nextLink(urls, request, page.nextSkipToken), value: page.entries.map(presentAuditEntry) };
    },
  );

  api.get(
    '/admin/licenses/holders',
    {
      config: { action: 'licenses.read' },
      schema: { querystring: LicenseHoldersQuerySchema, tags: ['admin: audit'], summary: 'Who held which product at a given moment (direct or through a group), from the assignment history' },
    },
    async (request) => {
      const { at, skuId, $top, $skiptoken } = request.query;
      const page = await services.audit.licenseHoldersAt(request.context, {
        at,
        top: $top,
        ...(skuId === undefined ? {} : { skuId }),
        ...($skiptoken === undefined ? {} : { skipToken: $skiptoken }),
      });
      return { at: at.toISOString(), ...nextLink(urls, request, page.nextSkipToken), value: page.holders.map(presentLicenseHolder) };
    },
  );
}
