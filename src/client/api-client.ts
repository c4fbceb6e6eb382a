import type { ProductAssignRequestSchema, ProductUnassignRequestSchema } from '../contracts/admin.js';
import type { ChangePasswordRequestSchema, SignInRequestSchema } from '../contracts/identity.js';
import type { z } from 'zod';
import { ApiError, apiErrorFrom } from './api-error.js';
import { billingGroupsCalls } from './billing-groups.js';
import { dataRetentionCalls } from './data-retention.js';
import { reportsCalls } from './reports.js';
import { settingsCalls } from './settings.js';
import { usersCalls } from './users.js';
import type { BulkChangeResult, DirectoryUser, ProductOverview, ProductService, ProductUsersPage, Session, SignInResult } from './types.js';

export interface ApiClientOptions {
  /** Origin of the Allot server; '' (the default) means the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A typed client of Allot's API for the admin center, signed in by the session cookie. Mutations
 * carry the session's CSRF token (x-csrf-token), which the client keeps from the sign-in or session
 * answer. Every failure throws an ApiError.
 */
export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '';
  const send: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let csrfToken: string | undefined;

  async function request<T>(method: Method, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const allHeaders: Record<string, string> = { accept: 'application/json', ...headers };
    if (body !== undefined) {
      allHeaders['content-type'] = 'application/json';
    }
    if (method !== 'GET' && csrfToken !== undefined) {
      allHeaders['x-csrf-token'] = csrfToken;
    }
    let response: Response;
    try {
      response = await send(`${baseUrl}${path}`, { method, headers: allHeaders, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (cause) {
      throw new ApiError({ status: 0, code: 'networkError', message: cause instanceof Error ? cause.message : String(cause) });
    }
    if (!response.ok) {
      throw await apiErrorFrom(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    // A call that asks for another type (text/csv) gets the body as a Blob to save.
    return (allHeaders.accept === 'application/json' ? await response.json() : await response.blob()) as T;
  }

  const remember = <T extends { csrfToken: string }>(answer: T): T => {
    csrfToken = answer.csrfToken;
    return answer;
  };

  return {
    ...billingGroupsCalls(request),
    ...usersCalls(request),
    ...reportsCalls(request),
    ...dataRetentionCalls(request),
    ...settingsCalls(request),
    signIn: async (credentials: z.input<typeof SignInRequestSchema>) => remember(await request<SignInResult>('POST', '/auth/sign-in', credentials)),
    /** The current session, or undefined when nobody is signed in. */
    session: async (): Promise<Session | undefined> => {
      try {
        return remember(await request<Session>('GET', '/auth/session'));
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          return undefined;
        }
        throw error;
      }
    },
    signOut: async () => {
      await request<void>('POST', '/auth/sign-out');
      csrfToken = undefined;
    },
    changePassword: (body: z.input<typeof ChangePasswordRequestSchema>) => request<void>('POST', '/v1.0/me/changePassword', body),

    listProducts: async () => (await request<{ value: ProductOverview[] }>('GET', '/admin/licenses')).value,
    listProductServices: async (skuId: string) => (await request<{ value: ProductService[] }>('GET', `/admin/licenses/${encodeURIComponent(skuId)}/services`)).value,
    listProductUsers: (skuId: string, query: { search?: string; top?: number; skiptoken?: string } = {}) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== '') {
          params.set(key, String(value));
        }
      }
      const suffix = params.size === 0 ? '' : `?${params.toString()}`;
      return request<ProductUsersPage>('GET', `/admin/licenses/${encodeURIComponent(skuId)}/users${suffix}`);
    },
    assignProduct: (skuId: string, body: z.input<typeof ProductAssignRequestSchema>) => request<BulkChangeResult>('POST', `/admin/licenses/${encodeURIComponent(skuId)}/assign`, body),
    unassignProduct: (skuId: string, body: z.input<typeof ProductUnassignRequestSchema>) => request<BulkChangeResult>('POST', `/admin/licenses/${encodeURIComponent(skuId)}/unassign`, body),
    /** Typeahead of the people picker: Graph's $search over display name, user principal name and mail. */
    searchUsers: async (term: string, top = 10) => {
      const words = term.replace(/["\\]/g, ' ').trim();
      const params = new URLSearchParams({ $top: String(top), $select: 'id,displayName,userPrincipalName,mail', $orderby: 'displayName' });
      if (words !== '') {
        params.set('$search', `"displayName:${words}" OR "userPrincipalName:${words}" OR "mail:${words}"`);
      }
      return (await request<{ value: DirectoryUser[] }>('GET', `/v1.0/users?${params.toString()}`, undefined, { ConsistencyLevel: 'eventual' })).value;
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
