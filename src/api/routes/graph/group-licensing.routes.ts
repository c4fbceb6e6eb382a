import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { GroupIdParamsSchema, GroupLicenseParamsSchema, GroupLicenseSettingsSchema, MembersWithLicenseErrorsQuerySchema, MembershipChangePreviewSchema, MembershipRulePreviewSchema } from '../../../contracts/group-licensing.js';
import { AssignLicenseRequestSchema } from '../../../contracts/licensing.js';
import { UserKeyParamsSchema } from '../../../contracts/users.js';
import { presentUser } from '../../presenters/user.presenter.js';
import { graphContext } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

/** Group-based licensing: a group's licenses, its members in error, reprocessing. */
export function groupLicensingRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/v1.0/groups/:id/assignLicense',
    {
      config: { action: 'licenses.assign' },
      schema: { params: GroupIdParamsSchema, body: AssignLicenseRequestSchema, tags: ['groups'], summary: "Set a group's licenses; its members get them in the same transaction (202, licenseProcessingState ProcessingComplete)" },
    },
    async (request, reply) => {
      const { group } = await services.groupLicensing.assignLicense(request.context, request.params.id, { add: request.body.addLicenses, remove: request.body.removeLicenses });
      // Graph answers 202 with the group's header; Allot has already applied it.
      return reply
        .status(202)
        .header('location', `${urls.base(request)}/v1.0/groups/${group.groupId}`)
        .send({ id: group.groupId, createdDateTime: group.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'), groupTypes: group.groupTypes, securityEnabled: group.securityEnabled });
    },
  );

  api.get(
    '/v1.0/groups/:id/membersWithLicenseErrors',
    { config: { action: 'licenses.read' }, schema: { params: GroupIdParamsSchema, querystring: MembersWithLicenseErrorsQuerySchema, tags: ['groups'], summary: 'Members whose licenses from this group are in error' } },
    async (request) => {
      const { $top, $skiptoken, $select } = request.query;
      const page = await services.groupLicensing.membersWithLicenseErrors(request.context, request.params.id, { top: $top, ...($skiptoken === undefined ? {} : { after: $skiptoken }) });
      const select = $select?.split(',').map((property) => property.trim()).filter(Boolean);
      const next = new URLSearchParams({ $top: String($top), $skiptoken: page.next ?? '', ...($select === undefined ? {} : { $select }) });
      return {
        '@odata.context': graphContext(urls, request, 'directoryObjects'),
        ...(page.next === undefined ? {} : { '@odata.nextLink': `${urls.base(request)}/v1.0/groups/${request.params.id}/membersWithLicenseErrors?${next.toString()}` }),
        value: page.users.map((user) => ({ '@odata.type': '#microsoft.graph.user', ...presentUser(user, select ? { select } : {}) })),
      };
    },
  );

  api.post(
    '/v1.0/users/:id/reprocessLicenseAssignment',
    { config: { action: 'licenses.assign' }, schema: { params: UserKeyParamsSchema, tags: ['users'], summary: "Re-evaluate every group-based license of a user (Graph's reprocessLicenseAssignment)" } },
    async (request) => ({ '@odata.context': graphContext(urls, request, 'users/$entity'), ...presentUser(await services.groupLicensing.reprocessUser(request.context, request.params.id), { full: true }) }),
  );

  api.post(
    '/admin/groups/:id/reprocess',
    { config: { action: 'licenses.assign' }, schema: { params: GroupIdParamsSchema, tags: ['admin: groups'], summary: "Re-evaluate every member of a group (Graph has no group reprocess)" } },
    async (request) => {
      const result = await services.groupLicensing.reprocessGroup(request.context, request.params.id);
      return { groupId: result.group.groupId, processed: result.processed, succeeded: result.succeeded, failed: result.failed };
    },
  );

  api.get(
    '/admin/groups/:id/licenses',
    { config: { action: 'licenses.read' }, schema: { params: GroupIdParamsSchema, tags: ['admin: groups'], summary: "A group's licenses with their disabled plans and waitlist setting" } },
    async (request) => ({
      value: (await services.groupLicensing.licensesOf(request.context, request.params.id)).map((grant) => ({
        skuId: grant.skuId,
        disabledPlans: grant.disabledPlans,
        waitlist: grant.waitlist,
        assignedDateTime: grant.assignedAt.toISOString(),
      })),
    }),
  );

  api.patch(
    '/admin/groups/:id/licenses/:skuId',
    { config: { action: 'licenses.assign' }, schema: { params: GroupLicenseParamsSchema, body: GroupLicenseSettingsSchema, tags: ['admin: groups'], summary: "Turn the seat waitlist of one of a group's licenses on or off" } },
    async (request, reply) => {
      await services.groupLicensing.setWaitlist(request.context, request.params.id, request.params.skuId, request.body.waitlist);
      return reply.status(204).send();
    },
  );

  api.post(
    '/admin/groups/:id/licenses/preview',
    {
      config: { action: 'licenses.assign' },
      schema: { params: GroupIdParamsSchema, body: AssignLicenseRequestSchema, tags: ['admin: groups'], summary: 'Dry run of a group license change: seat deltas, who gains and loses what, who lands in which error' },
    },
    async (request) => services.groupLicensing.previewLicenseChange(request.context, request.params.id, { add: request.body.addLicenses, remove: request.body.removeLicenses }),
  );

  api.post(
    '/admin/groups/rule/preview',
    { config: { action: 'groups.manage' }, schema: { body: MembershipRulePreviewSchema, tags: ['admin: groups'], summary: 'Who a membership rule would take in, for a group not created yet (count and the first 15 by name)' } },
    async (request) => services.groupLicensing.previewNewMembershipRule(request.context, request.body.membershipRule),
  );

  api.post(
    '/admin/groups/:id/rule/preview',
    { config: { action: 'groups.manage' }, schema: { params: GroupIdParamsSchema, body: MembershipRulePreviewSchema, tags: ['admin: groups'], summary: 'Dry run of a membership rule: who joins and leaves, and what it does to their licenses' } },
    async (request) => services.groupLicensing.previewMembershipRule(request.context, request.params.id, request.body.membershipRule),
  );

  api.post(
    '/admin/groups/:id/members/preview',
    { config: { action: 'groupMembers.manage' }, schema: { params: GroupIdParamsSchema, body: MembershipChangePreviewSchema, tags: ['admin: groups'], summary: 'Dry run of a membership change: what joining and leaving do to licenses' } },
    async (request) => services.groupLicensing.previewMembershipChange(request.context, request.params.id, request.body),
  );
}
