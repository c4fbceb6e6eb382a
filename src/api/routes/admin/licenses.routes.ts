import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  CreateUserWithLicensesRequestSchema,
  ExplainQuerySchema,
  ManageLicensesRequestSchema,
  ProductAssignRequestSchema,
  ProductUnassignRequestSchema,
  ProductUsersQuerySchema,
  SetUserLicensesRequestSchema,
  SkuParamsSchema,
} from '../../../contracts/admin.js';
import { UserKeyParamsSchema } from '../../../contracts/users.js';
import { AppError } from '../../../domain/errors.js';
import type { UserQuery } from '../../../domain/odata/user-query.js';
import type { BulkChangeResult } from '../../../services/license-admin.service.js';
import { presentBulkResult, presentExplanation, presentProductOverview, presentUserLicenses } from '../../presenters/admin.presenter.js';
import { presentUser } from '../../presenters/user.presenter.js';
import { toUserProperties } from '../graph/users.routes.js';
import type { RouteDeps } from '../route-deps.js';

const etagOf = (version: number): string => `W/"${version}"`;

/** If-Match carries the license version an edit was based on (a weak ETag from GET). */
function requiredVersion(request: FastifyRequest): number {
  const header = request.headers['if-match'];
  if (header === undefined) {
    throw new AppError('preconditionRequired', 'Send If-Match with the ETag of the licenses you edited (GET /admin/users/{id}/licenses).');
  }
  const match = /^(?:W\/)?"(\d+)"$/.exec(String(header).trim());
  if (!match?.[1]) {
    throw new AppError('invalidRequest', 'If-Match must be the ETag returned by GET /admin/users/{id}/licenses, such as W/"3".');
  }
  return Number(match[1]);
}

const sendBulk = (reply: FastifyReply, result: BulkChangeResult) => reply.status(200).send(presentBulkResult(result));

/** The admin center's licensing API: Licenses page, Manage product licenses, one user's licenses. */
export function adminLicenseRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: licenses'];

  api.get('/admin/licenses', { config: { action: 'licenses.read' }, schema: { tags, summary: 'Products with assigned, available and total licenses summed over their subscriptions' } }, async (request) => ({
    value: (await services.licenseAdmin.overview(request.context)).map(presentProductOverview),
  }));

  api.get(
    '/admin/licenses/:skuId/users',
    { config: { action: 'licenses.read' }, schema: { params: SkuParamsSchema, querystring: ProductUsersQuerySchema, tags, summary: "A product's licensed users (paged, searchable)" } },
    async (request) => {
      // A product the tenant does not hold (or another tenant's) answers 404, not an empty list.
      await services.subscriptions.getSubscribedSku(request.context, request.params.skuId);
      const term = request.query.search?.trim();
      const query: UserQuery = {
        filter: { kind: 'assignedLicenseAny', skuId: request.params.skuId },
        ...(term
          ? {
              search: {
                kind: 'or' as const,
                operands: (['displayName', 'userPrincipalName', 'mail'] as const).map((property) => ({ kind: 'term' as const, property, value: term })),
              },
            }
          : {}),
        orderBy: [{ property: 'displayName', direction: 'asc' }],
        top: request.query.top,
        count: true,
        ...(request.query.skiptoken === undefined ? {} : { skipToken: request.query.skiptoken }),
        isAdvanced: true,
        eventualConsistency: true,
      };
      const result = await services.users.listUsers(request.context, query);
      return {
        count: result.count,
        skiptoken: result.nextSkipToken ?? null,
        value: result.users.map((user) => ({
          ...presentUser(user, { select: ['id', 'displayName', 'userPrincipalName', 'mail', 'usageLocation', 'userType'] }),
          license: presentUser(user, { select: ['assignedLicenses', 'licenseAssignmentStates'] }),
        })),
      };
    },
  );

  api.get(
    '/admin/licenses/:skuId/services',
    { config: { action: 'licenses.read' }, schema: { params: SkuParamsSchema, tags, summary: "A product's apps and services (service plans) with the names admins see" } },
    async (request) => {
      await services.subscriptions.getSubscribedSku(request.context, request.params.skuId);
      const catalogue = await services.catalogue.getCatalogue(request.context);
      const planIds = catalogue.skus.find((sku) => sku.skuId === request.params.skuId)?.servicePlanIds ?? [];
      const plans = new Map(catalogue.plans.map((plan) => [plan.servicePlanId, plan]));
      return {
        value: planIds.flatMap((id) => {
          const plan = plans.get(id);
          return plan === undefined ? [] : [{ servicePlanId: plan.servicePlanId, servicePlanName: plan.servicePlanName, friendlyName: plan.friendlyName, appliesTo: plan.appliesTo }];
        }),
      };
    },
  );

  api.post(
    '/admin/licenses/:skuId/assign',
    { config: { action: 'licenses.assign' }, schema: { params: SkuParamsSchema, body: ProductAssignRequestSchema, tags, summary: 'Assign the product to up to 20 users with services switched off' } },
    async (request, reply) =>
      sendBulk(
        reply,
        await services.licenseAdmin.manageLicenses(request.context, {
          userIds: request.body.userIds,
          mode: 'addMore',
          licenses: [{ skuId: request.params.skuId, disabledPlans: request.body.disabledPlans }],
          dryRun: request.body.dryRun,
        }),
      ),
  );

  api.post(
    '/admin/licenses/:skuId/unassign',
    { config: { action: 'licenses.assign' }, schema: { params: SkuParamsSchema, body: ProductUnassignRequestSchema, tags, summary: 'Unassign the product from up to 20 users' } },
    async (request, reply) =>
      sendBulk(
        reply,
        await services.licenseAdmin.manageLicenses(request.context, {
          userIds: request.body.userIds,
          mode: 'remove',
          licenses: [{ skuId: request.params.skuId, disabledPlans: [] }],
          dryRun: request.body.dryRun,
        }),
      ),
  );

  api.post(
    '/admin/users/manage-licenses',
    { config: { action: 'licenses.assign' }, schema: { body: ManageLicensesRequestSchema, tags, summary: 'Assign more, replace or unassign all for up to 1,000 users; dryRun previews' } },
    async (request, reply) => sendBulk(reply, await services.licenseAdmin.manageLicenses(request.context, request.body)),
  );

  api.get('/admin/users/:id/licenses', { config: { action: 'licenses.read' }, schema: { params: UserKeyParamsSchema, tags, summary: "One user's licenses and their sources, with an ETag for editing" } }, async (request, reply) => {
    const user = await services.licenseAdmin.getUserLicenses(request.context, request.params.id);
    return reply.header('etag', etagOf(user.version)).send(presentUserLicenses(user));
  });

  api.put(
    '/admin/users/:id/licenses',
    { config: { action: 'licenses.assign' }, schema: { params: UserKeyParamsSchema, body: SetUserLicensesRequestSchema, tags, summary: "Set a user's direct licenses; If-Match required (412 when someone changed them meanwhile)" } },
    async (request, reply) => {
      const version = requiredVersion(request);
      const user = await services.licenseAdmin.setUserLicenses(request.context, request.params.id, version, request.body.licenses);
      return reply.header('etag', etagOf(user.version)).send(presentUserLicenses(user));
    },
  );

  api.get(
    '/admin/users/:id/licenses/explain',
    { config: { action: 'licenses.read' }, schema: { params: UserKeyParamsSchema, querystring: ExplainQuerySchema, tags, summary: 'Every source of a license (or of a service plan) and the merged result' } },
    async (request) =>
      presentExplanation(
        await services.licenseAdmin.explain(request.context, request.params.id, {
          ...(request.query.skuId === undefined ? {} : { skuId: request.query.skuId }),
          ...(request.query.servicePlanId === undefined ? {} : { servicePlanId: request.query.servicePlanId }),
        }),
      ),
  );

  api.post('/admin/users', { config: { action: 'users.create' }, schema: { body: CreateUserWithLicensesRequestSchema, tags, summary: 'Create a user and assign licenses in one transaction' } }, async (request, reply) => {
    const user = await services.users.createUser(request.context, toUserProperties(request.body.user), request.body.licenses, request.body.user.passwordProfile);
    return reply.status(201).send(presentUser(user, { full: true }));
  });
}
