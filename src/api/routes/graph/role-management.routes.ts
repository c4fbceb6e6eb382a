import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CreateRoleAssignmentRequestSchema, RoleAssignmentListQuerySchema, RoleAssignmentParamsSchema } from '../../../contracts/identity.js';
import { ROLE_NAMES } from '../../../domain/authorization.js';
import { parseRoleAssignmentFilter } from '../../../domain/odata/role-assignment-filter.js';
import { presentRoleAssignment, presentRoleDefinition } from '../../presenters/identity.presenter.js';
import { graphContext } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

const PATH = '/v1.0/roleManagement/directory';

/** Graph's directory role management: the built-in roles Allot has, and who holds them. */
export function roleManagementRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['roleManagement'];

  api.get(`${PATH}/roleDefinitions`, { config: { action: 'roles.read' }, schema: { tags, summary: 'The directory roles (built-in; id = template id)' } }, (request) => ({
    '@odata.context': graphContext(urls, request, 'roleManagement/directory/roleDefinitions'),
    value: ROLE_NAMES.map(presentRoleDefinition),
  }));

  api.get(
    `${PATH}/roleAssignments`,
    { config: { action: 'roles.read' }, schema: { querystring: RoleAssignmentListQuerySchema, tags, summary: 'Role assignments ($filter on principalId, roleDefinitionId)' } },
    async (request) => ({
      '@odata.context': graphContext(urls, request, 'roleManagement/directory/roleAssignments'),
      value: (await services.admins.listRoleAssignments(request.context, parseRoleAssignmentFilter(request.query.$filter))).map(presentRoleAssignment),
    }),
  );

  api.post(
    `${PATH}/roleAssignments`,
    { config: { action: 'roles.manage' }, schema: { body: CreateRoleAssignmentRequestSchema, tags, summary: 'Give a user a directory role' } },
    async (request, reply) => {
      const assignment = await services.admins.assignRole(request.context, request.body);
      return reply
        .status(201)
        .header('location', `${urls.base(request)}${PATH}/roleAssignments/${assignment.id}`)
        .send({ '@odata.context': graphContext(urls, request, 'roleManagement/directory/roleAssignments/$entity'), ...presentRoleAssignment(assignment) });
    },
  );

  api.get(
    `${PATH}/roleAssignments/:id`,
    { config: { action: 'roles.read' }, schema: { params: RoleAssignmentParamsSchema, tags, summary: 'One role assignment' } },
    async (request) => ({
      '@odata.context': graphContext(urls, request, 'roleManagement/directory/roleAssignments/$entity'),
      ...presentRoleAssignment(await services.admins.getRoleAssignment(request.context, request.params.id)),
    }),
  );

  api.delete(
    `${PATH}/roleAssignments/:id`,
    {
      config: { action: 'roles.manage' },
      schema: { params: RoleAssignmentParamsSchema, tags, summary: 'Take a role away (refused for the last enabled Global Administrator with a password)' },
    },
    async (request, reply) => {
      await services.admins.removeRoleAssignment(request.context, request.params.id);
      return reply.status(204).send();
    },
  );
}
