import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ODataQuerySchema } from '../../../contracts/common.js';
import {
  CreateGroupRequestSchema,
  DirectoryObjectListQuerySchema,
  GroupListQuerySchema,
  GroupMemberParamsSchema,
  GroupParamsSchema,
  MemberReferenceRequestSchema,
  UpdateGroupRequestSchema,
} from '../../../contracts/groups.js';
import { UserKeyParamsSchema } from '../../../contracts/users.js';
import { parseGroupQuery } from '../../../domain/odata/group-query.js';
import { nextLinkOf, refuseUnsupportedOptions } from '../../odata-options.js';
import { parseSelect } from '../../odata-select.js';
import { DIRECTORY_OBJECT_PROPERTIES, GROUP_PROPERTIES, presentDirectoryObject, presentGroup } from '../../presenters/group.presenter.js';
import { graphContext } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

const GROUP_OPTIONS = new Set(['$filter', '$select', '$orderby', '$top', '$skiptoken']);
const DIRECTORY_OBJECT_OPTIONS = new Set(['$select', '$top', '$skiptoken']);

const pathOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? request.url;

const collectionContext = (entitySet: string, select: readonly string[] | undefined): string => (select ? `${entitySet}(${select.join(',')})` : entitySet);

/**
 * Graph's groups: security and Microsoft 365 groups, their direct members and a user's memberOf
 * (graph-licensing.md §1.10, §2.13). Group licenses are group-licensing's routes.
 */
export function groupRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['groups'];

  api.get(
    '/v1.0/groups',
    {
      config: { action: 'groups.read' },
      schema: { querystring: GroupListQuerySchema, tags, summary: 'List groups ($filter, $select, $top, $skiptoken; by displayName)' },
    },
    async (request) => {
      refuseUnsupportedOptions(request.url, GROUP_OPTIONS, 'groups');
      const select = parseSelect(request.query.$select, GROUP_PROPERTIES, 'group');
      const query = parseGroupQuery({ filter: request.query.$filter, orderby: request.query.$orderby, top: request.query.$top, skiptoken: request.query.$skiptoken });
      const page = await services.groups.listGroups(request.context, query);
      const nextLink = nextLinkOf(urls, request, pathOf(request), request.query, page.nextSkipToken);
      return {
        '@odata.context': graphContext(urls, request, collectionContext('groups', select)),
        ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
        value: page.items.map((group) => presentGroup(group, select ? { select } : {})),
      };
    },
  );

  api.post('/v1.0/groups', { config: { action: 'groups.manage' }, schema: { body: CreateGroupRequestSchema, tags, summary: 'Create a group (up to 20 members@odata.bind)' } }, async (request, reply) => {
    const { 'members@odata.bind': members, '@odata.type': _type, ...properties } = request.body;
    const created = await services.groups.createGroup(request.context, properties, members ?? []);
    return reply
      .status(201)
      .header('location', `${urls.base(request)}/v1.0/groups/${created.group.groupId}`)
      .send({ '@odata.context': graphContext(urls, request, 'groups/$entity'), ...presentGroup(created) });
  });

  api.get('/v1.0/groups/:id', { config: { action: 'groups.read' }, schema: { params: GroupParamsSchema, querystring: ODataQuerySchema, tags, summary: 'Get a group ($select; assignedLicenses and licenseProcessingState only when selected)' } }, async (request) => {
    const select = parseSelect(request.query.$select, GROUP_PROPERTIES, 'group');
    const group = await services.groups.getGroup(request.context, request.params.id);
    return { '@odata.context': graphContext(urls, request, select ? `groups(${select.join(',')})/$entity` : 'groups/$entity'), ...presentGroup(group, select ? { select } : {}) };
  });

  // Adding members alone needs GroupMember.ReadWrite.All (or more); the service asks for
  // groups.manage as soon as the body changes a property.
  api.patch(
    '/v1.0/groups/:id',
    { config: { action: 'groupMembers.manage' }, schema: { params: GroupParamsSchema, body: UpdateGroupRequestSchema, tags, summary: 'Update a group and/or add up to 20 members (members@odata.bind)' } },
    async (request, reply) => {
      const { 'members@odata.bind': members, ...patch } = request.body;
      await services.groups.updateGroup(request.context, request.params.id, patch, members);
      return reply.status(204).send();
    },
  );

  api.delete('/v1.0/groups/:id', { config: { action: 'groups.manage' }, schema: { params: GroupParamsSchema, tags, summary: 'Delete a group (refused while it carries licenses)' } }, async (request, reply) => {
    await services.groups.deleteGroup(request.context, request.params.id);
    return reply.status(204).send();
  });

  api.get(
    '/v1.0/groups/:id/members',
    { config: { action: 'groups.read' }, schema: { params: GroupParamsSchema, querystring: DirectoryObjectListQuerySchema, tags, summary: 'Direct members: users and groups ($select, $top, $skiptoken)' } },
    async (request) => {
      refuseUnsupportedOptions(request.url, DIRECTORY_OBJECT_OPTIONS, 'members');
      const select = parseSelect(request.query.$select, DIRECTORY_OBJECT_PROPERTIES, 'directoryObject');
      const page = await services.groups.listMembers(request.context, request.params.id, { top: request.query.$top, skipToken: request.query.$skiptoken });
      const nextLink = nextLinkOf(urls, request, pathOf(request), request.query, page.nextSkipToken);
      return {
        '@odata.context': graphContext(urls, request, collectionContext('directoryObjects', select)),
        ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
        value: page.items.map((object) => presentDirectoryObject(object, select ? { select } : {})),
      };
    },
  );

  api.post(
    '/v1.0/groups/:id/members/$ref',
    { config: { action: 'groupMembers.manage' }, schema: { params: GroupParamsSchema, body: MemberReferenceRequestSchema, tags, summary: 'Add a user or group as a member' } },
    async (request, reply) => {
      await services.groups.addMemberReference(request.context, request.params.id, request.body['@odata.id']);
      return reply.status(204).send();
    },
  );

  api.delete(
    '/v1.0/groups/:id/members/:memberId/$ref',
    { config: { action: 'groupMembers.manage' }, schema: { params: GroupMemberParamsSchema, tags, summary: 'Remove a member' } },
    async (request, reply) => {
      await services.groups.removeMemberReference(request.context, request.params.id, request.params.memberId);
      return reply.status(204).send();
    },
  );

  api.get(
    '/v1.0/users/:id/memberOf',
    { config: { action: 'groups.read' }, schema: { params: UserKeyParamsSchema, querystring: DirectoryObjectListQuerySchema, tags, summary: "The groups a user is a direct member of ($select, $top, $skiptoken)" } },
    async (request) => {
      refuseUnsupportedOptions(request.url, DIRECTORY_OBJECT_OPTIONS, 'memberOf');
      const select = parseSelect(request.query.$select, DIRECTORY_OBJECT_PROPERTIES, 'directoryObject');
      const page = await services.groups.listMemberOf(request.context, request.params.id, { top: request.query.$top, skipToken: request.query.$skiptoken });
      const nextLink = nextLinkOf(urls, request, pathOf(request), request.query, page.nextSkipToken);
      return {
        '@odata.context': graphContext(urls, request, collectionContext('directoryObjects', select)),
        ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
        value: page.items.map((object) => presentDirectoryObject(object, select ? { select } : {})),
      };
    },
  );
}
