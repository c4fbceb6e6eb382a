import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ODataQuerySchema } from '../../../contracts/common.js';
import { AssignLicenseRequestSchema } from '../../../contracts/licensing.js';
import { CreateUserRequestSchema, type CreateUserRequest, UpdateUserRequestSchema, UserKeyParamsSchema, UserListQuerySchema } from '../../../contracts/users.js';
import { parseUserQuery, type UserQuery } from '../../../domain/odata/user-query.js';
import { AppError } from '../../../domain/errors.js';
import type { UserProperties } from '../../../domain/user.js';
import { parseSelect } from '../../odata-select.js';
import { presentLicenseDetails, presentUser, USER_PROPERTIES } from '../../presenters/user.presenter.js';
import { graphContext } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

const SUPPORTED_OPTIONS = new Set(['$filter', '$select', '$orderby', '$search', '$top', '$count', '$skiptoken']);

/** Graph's create body → the properties Allot stores (absent optional ones are null). */
export const toUserProperties = (body: CreateUserRequest): UserProperties => ({
  userPrincipalName: body.userPrincipalName,
  displayName: body.displayName,
  mailNickname: body.mailNickname,
  accountEnabled: body.accountEnabled,
  mail: body.mail ?? null,
  givenName: body.givenName ?? null,
  surname: body.surname ?? null,
  jobTitle: body.jobTitle ?? null,
  department: body.department ?? null,
  usageLocation: body.usageLocation ?? null,
  userType: body.userType ?? 'Member',
});

export function userRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  const parseQuery = (query: Record<string, string | undefined>, headers: Record<string, unknown>, url: string): UserQuery => {
    // Graph refuses query options it does not support on users ($skip, $expand…) instead of ignoring them.
    const unsupported = [...new URL(url, 'http://allot.invalid').searchParams.keys()].find((key) => key.startsWith('$') && !SUPPORTED_OPTIONS.has(key.toLowerCase()));
    if (unsupported !== undefined) {
      throw new AppError('invalidRequest', `Query option '${unsupported}' is not supported on users.`, [
        { code: 'Request_BadRequest', target: unsupported, message: `Supported: ${[...SUPPORTED_OPTIONS].join(', ')}.` },
      ]);
    }
    const consistencyLevel = headers['consistencylevel'];
    return parseUserQuery({
      filter: query.$filter,
      orderby: query.$orderby,
      search: query.$search,
      select: query.$select,
      top: query.$top,
      count: query.$count,
      skiptoken: query.$skiptoken,
      ...(typeof consistencyLevel === 'string' ? { consistencyLevel } : {}),
    });
  };

  api.get(
    '/v1.0/users',
    { config: { action: 'users.read' }, schema: { querystring: UserListQuerySchema, tags: ['users'], summary: 'List users ($filter, $search, $select, $orderby, $top, $count, $skiptoken)' } },
    async (request) => {
      const query = parseQuery(request.query, request.headers, request.url);
      const result = await services.users.listUsers(request.context, query);
      const select = query.select;
      let nextLink: string | undefined;
      if (result.nextSkipToken !== undefined) {
        const params = new URLSearchParams();
        for (const [key, value] of Object.entries(request.query)) {
          if (value !== undefined && key !== '$skiptoken') {
            params.set(key, value);
          }
        }
        params.set('$skiptoken', result.nextSkipToken);
        nextLink = `${urls.base(request)}/v1.0/users?${params.toString()}`;
      }
      return {
        '@odata.context': graphContext(urls, request, select ? `users(${select.join(',')})` : 'users'),
        ...(result.count === undefined ? {} : { '@odata.count': result.count }),
        ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
        value: result.users.map((user) => presentUser(user, select ? { select } : {})),
      };
    },
  );

  api.get('/v1.0/users/$count', { config: { action: 'users.read' }, schema: { querystring: UserListQuerySchema, tags: ['users'], summary: 'Number of users (text/plain; needs ConsistencyLevel: eventual)' } }, async (request, reply) => {
    // Graph answers /$count only as an advanced query.
    const query = parseQuery({ ...request.query, $count: 'true' }, request.headers, request.url);
    if (!query.count) {
      throw new AppError('unsupportedQuery', 'Unsupported Query.', [{ code: 'Request_UnsupportedQuery', target: 'ConsistencyLevel', message: 'Send the header ConsistencyLevel: eventual with /users/$count.' }]);
    }
    return reply.type('text/plain').send(String(await services.users.countUsers(request.context, query)));
  });

  api.post('/v1.0/users', { config: { action: 'users.create' }, schema: { body: CreateUserRequestSchema, tags: ['users'], summary: 'Create a user' } }, async (request, reply) => {
    const created = await services.users.createUser(request.context, toUserProperties(request.body), [], request.body.passwordProfile);
    const location = `${urls.base(request)}/v1.0/users/${created.user.userId}`;
    return reply
      .status(201)
      .header('location', location)
      .send({ '@odata.context': graphContext(urls, request, 'users/$entity'), ...presentUser(created, { full: true }) });
  });

  api.get('/v1.0/users/:id', { config: { action: 'users.read' }, schema: { params: UserKeyParamsSchema, querystring: ODataQuerySchema, tags: ['users'], summary: 'Get a user by id or userPrincipalName' } }, async (request) => {
    const select = parseSelect(request.query.$select, USER_PROPERTIES, 'user');
    const user = await services.licensing.getLicensedUser(request.context, request.params.id);
    return { '@odata.context': graphContext(urls, request, select ? `users(${select.join(',')})/$entity` : 'users/$entity'), ...presentUser(user, select ? { select } : {}) };
  });

  api.patch('/v1.0/users/:id', { config: { action: 'users.update' }, schema: { params: UserKeyParamsSchema, body: UpdateUserRequestSchema, tags: ['users'], summary: 'Update a user' } }, async (request, reply) => {
    const { passwordProfile, ...patch } = request.body;
    await services.users.updateUser(request.context, request.params.id, patch, passwordProfile);
    return reply.status(204).send();
  });

  api.delete('/v1.0/users/:id', { config: { action: 'users.delete' }, schema: { params: UserKeyParamsSchema, tags: ['users'], summary: 'Delete a user (restorable for 30 days; frees its licenses at once)' } }, async (request, reply) => {
    await services.users.deleteUser(request.context, request.params.id);
    return reply.status(204).send();
  });

  api.post(
    '/v1.0/users/:id/assignLicense',
    { config: { action: 'licenses.assign' }, schema: { params: UserKeyParamsSchema, body: AssignLicenseRequestSchema, tags: ['users'], summary: 'Add and remove direct licenses of a user in one atomic change' } },
    async (request) => {
      const user = await services.licensing.assignLicense(request.context, {
        userKey: request.params.id,
        add: request.body.addLicenses,
        remove: request.body.removeLicenses,
      });
      return { '@odata.context': graphContext(urls, request, 'users/$entity'), ...presentUser(user, { full: true }) };
    },
  );

  api.get('/v1.0/users/:id/licenseDetails', { config: { action: 'licenses.read' }, schema: { params: UserKeyParamsSchema, tags: ['users'], summary: 'The licenses a user holds, with each service plan\'s status' } }, async (request) => {
    const user = await services.licensing.getLicensedUser(request.context, request.params.id);
    return { '@odata.context': graphContext(urls, request, `users('${user.user.userId}')/licenseDetails`), value: presentLicenseDetails(user) };
  });
}
