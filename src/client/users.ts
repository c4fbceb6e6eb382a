import type { z } from 'zod';
import type { CreateUserWithLicensesRequestSchema, ManageLicensesRequestSchema } from '../contracts/admin.js';
import type { InvitationRequestSchema } from '../contracts/invitations.js';
import type { UpdateUserRequestSchema } from '../contracts/users.js';
import type { AssignedLicense, BulkChangeResult } from './types.js';
import type { BulkConflict, DataClock, DeletedUser, DeletionPreview, Invitation, OrganizationSettings, RestoredUser, UserDetails, UserLicenses, UserRow, UsersPage } from './user-types.js';

/** The client's calls for Users › Active users, Guest users and Deleted users. api-client.ts spreads them into the client. */
type Send = <T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

const id = encodeURIComponent;
/** Graph's advanced queries ($search, $count, assignedLicenses filters) need this header. */
const EVENTUAL = { ConsistencyLevel: 'eventual' };
const ROW_SELECT = 'id,displayName,userPrincipalName,mail,userType,accountEnabled,usageLocation,assignedLicenses';
const DETAIL_SELECT = `${ROW_SELECT},givenName,surname,jobTitle,department,createdDateTime,externalUserState`;

export interface UserListQuery {
  /** Words typed in the search box: matched against display name and username. */
  search?: string;
  /** An OData $filter the server supports (src/domain/odata/user-query.ts). */
  filter?: string;
  top: number;
  skiptoken?: string;
}

export type BulkPreview = Omit<BulkChangeResult, 'users'> & {
  users: (Omit<BulkChangeResult['users'][number], 'conflicts' | 'servicesLost'> & { conflicts: BulkConflict[]; servicesLost: { servicePlanId: string; name: string }[] })[];
  dataClocks?: DataClock[];
};

interface GraphList<T> {
  value: T[];
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
}

export function usersCalls(send: Send) {
  return {
    /** A page of users: $top with the next page's $skiptoken, ordered by display name, with the total count. */
    listUsers: async (query: UserListQuery): Promise<UsersPage> => {
      const params = new URLSearchParams({ $top: String(query.top), $count: 'true', $select: ROW_SELECT, $orderby: 'displayName' });
      const words = query.search?.replace(/["\\]/g, ' ').trim() ?? '';
      if (words !== '') {
        params.set('$search', `"displayName:${words}" OR "userPrincipalName:${words}"`);
      }
      if (query.filter !== undefined && query.filter !== '') {
        params.set('$filter', query.filter);
      }
      if (query.skiptoken !== undefined) {
        params.set('$skiptoken', query.skiptoken);
      }
      const page = await send<GraphList<UserRow>>('GET', `/v1.0/users?${params.toString()}`, undefined, EVENTUAL);
      const next = page['@odata.nextLink'];
      return { value: page.value, count: page['@odata.count'], skiptoken: next === undefined ? undefined : (new URL(next).searchParams.get('$skiptoken') ?? undefined) };
    },
    getUser: (userId: string) => send<UserDetails>('GET', `/v1.0/users/${id(userId)}?$select=${DETAIL_SELECT}`),
    setSignInBlocked: (userId: string, blocked: boolean) => send<void>('PATCH', `/v1.0/users/${id(userId)}`, { accountEnabled: !blocked }),
    updateUser: (userId: string, patch: z.input<typeof UpdateUserRequestSchema>) => send<void>('PATCH', `/v1.0/users/${id(userId)}`, patch),
    /** Creates the user and assigns the licenses in one transaction: either both happen or neither. */
    createUser: (body: z.input<typeof CreateUserWithLicensesRequestSchema>) => send<UserDetails>('POST', '/admin/users', body),
    verifiedDomains: async () => (await send<GraphList<{ verifiedDomains: { name: string; isDefault: boolean }[] }>>('GET', '/v1.0/organization')).value[0]?.verifiedDomains ?? [],
    getUserLicenses: async (userId: string): Promise<UserLicenses> => {
      const licenses = await send<Omit<UserLicenses, 'etag'>>('GET', `/admin/users/${id(userId)}/licenses`);
      return { ...licenses, etag: `W/"${licenses.version}"` };
    },
    /** Sets the user's direct licenses; the ETag from getUserLicenses makes a concurrent edit fail (412) instead of being overwritten. */
    setUserLicenses: (userId: string, etag: string, licenses: AssignedLicense[]) => send<Omit<UserLicenses, 'etag'>>('PUT', `/admin/users/${id(userId)}/licenses`, { licenses }, { 'If-Match': etag }),
    manageLicenses: (body: z.input<typeof ManageLicensesRequestSchema>) => send<BulkPreview>('POST', '/admin/users/manage-licenses', body),
    previewUserDeletion: (userId: string) => send<DeletionPreview>('POST', `/admin/users/${id(userId)}/delete/preview`),
    deleteUser: (userId: string) => send<void>('DELETE', `/v1.0/users/${id(userId)}`),
    listDeletedUsers: async () => (await send<GraphList<DeletedUser>>('GET', '/v1.0/directory/deletedItems/microsoft.graph.user')).value,
    restoreUser: (userId: string) => send<RestoredUser>('POST', `/v1.0/directory/deletedItems/${id(userId)}/restore`),
    inviteGuest: (body: z.input<typeof InvitationRequestSchema>) => send<Invitation>('POST', '/v1.0/invitations', body),
    groupName: async (groupId: string) => (await send<{ displayName: string }>('GET', `/v1.0/groups/${id(groupId)}?$select=id,displayName`)).displayName,
    organizationSettings: () => send<OrganizationSettings>('GET', '/admin/settings'),
  };
}
