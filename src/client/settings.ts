import type { z } from 'zod';
import type { AddAppSecretRequestSchema, CreateAppRequestSchema } from '../contracts/apps.js';
import type { CreateWebhookRequestSchema, UpdateWebhookRequestSchema } from '../contracts/webhooks.js';
import { skipTokenOf, type Send } from './billing-groups.js';

/**
 * The client's calls for Settings › Roles, Apps and Webhooks, with their wire shapes (restated
 * from the server's presenters). api-client.ts spreads them into the client.
 */

/** Graph's unifiedRoleDefinition of a built-in role (id = template id). */
export interface RoleDefinition {
  id: string;
  displayName: string;
  description: string;
  isBuiltIn: boolean;
  templateId: string;
}

/** Graph's unifiedRoleAssignment (directory scope "/"). */
export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

/** A client secret as listed: never its value, only the first characters. */
export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  hint: string;
  startDateTime: string;
  endDateTime: string;
  revokedDateTime: string | null;
}

export interface AppRegistration {
  appId: string;
  displayName: string;
  permissions: string[];
  createdDateTime: string;
  passwordCredentials: PasswordCredential[];
}

/** The answer to adding a secret: the only time its value (secretText) is seen. */
export interface CreatedSecret {
  keyId: string;
  displayName: string | null;
  hint: string;
  secretText: string;
  startDateTime: string;
  endDateTime: string;
}

export interface AppPermissionChoice {
  name: string;
  description: string;
}

export interface Webhook {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  createdDateTime: string;
  secretHint: string;
}

/** Creation and rotation: the only answers that carry the signing secret. */
export type WebhookWithSecret = Webhook & { signingSecret: string };

export interface EventTypeChoice {
  type: string;
  description: string;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookAttempt {
  attemptedDateTime: string;
  /** The receiver's HTTP status; null when no answer came (the error says why). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  state: DeliveryState;
  /** Attempts of the current run (a redelivery starts a new run). */
  attempts: number;
  nextAttemptDateTime: string | null;
  createdDateTime: string;
  deliveredDateTime: string | null;
  /** Newest first, every run. */
  attemptLog: WebhookAttempt[];
}

interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

const id = encodeURIComponent;
const ROLES_PATH = '/v1.0/roleManagement/directory';

export function settingsCalls(send: Send) {
  return {
    listRoleDefinitions: async () => (await send<GraphPage<RoleDefinition>>('GET', `${ROLES_PATH}/roleDefinitions`)).value,
    listRoleAssignments: async () => (await send<GraphPage<RoleAssignment>>('GET', `${ROLES_PATH}/roleAssignments`)).value,
    assignRole: (principalId: string, roleDefinitionId: string) => send<RoleAssignment>('POST', `${ROLES_PATH}/roleAssignments`, { principalId, roleDefinitionId, directoryScopeId: '/' }),
    removeRoleAssignment: (assignmentId: string) => send<void>('DELETE', `${ROLES_PATH}/roleAssignments/${id(assignmentId)}`),

    listApps: async () => (await send<{ value: AppRegistration[] }>('GET', '/admin/apps')).value,
    listAppPermissions: async () => (await send<{ value: AppPermissionChoice[] }>('GET', '/admin/apps/permissions')).value,
    createApp: (body: z.input<typeof CreateAppRequestSchema>) => send<AppRegistration>('POST', '/admin/apps', body),
    deleteApp: (appId: string) => send<void>('DELETE', `/admin/apps/${id(appId)}`),
    addAppSecret: (appId: string, body: z.input<typeof AddAppSecretRequestSchema>) => send<CreatedSecret>('POST', `/admin/apps/${id(appId)}/secrets`, body),
    revokeAppSecret: (appId: string, keyId: string) => send<void>('DELETE', `/admin/apps/${id(appId)}/secrets/${id(keyId)}`),

    listWebhooks: async () => (await send<{ value: Webhook[] }>('GET', '/admin/webhooks')).value,
    listEventTypes: async () => (await send<{ value: EventTypeChoice[] }>('GET', '/admin/webhooks/event-types')).value,
    createWebhook: (body: z.input<typeof CreateWebhookRequestSchema>) => send<WebhookWithSecret>('POST', '/admin/webhooks', body),
    updateWebhook: (webhookId: string, body: z.input<typeof UpdateWebhookRequestSchema>) => send<Webhook>('PATCH', `/admin/webhooks/${id(webhookId)}`, body),
    deleteWebhook: (webhookId: string) => send<void>('DELETE', `/admin/webhooks/${id(webhookId)}`),
    rotateWebhookSecret: (webhookId: string) => send<WebhookWithSecret>('POST', `/admin/webhooks/${id(webhookId)}/rotate-secret`),
    /** A page of deliveries, newest first; `skiptoken` is the next page's (null on the last). */
    listWebhookDeliveries: async (webhookId: string, query: { state?: DeliveryState; top?: number; skiptoken?: string } = {}) => {
      const params = new URLSearchParams({ $top: String(query.top ?? 25) });
      if (query.state !== undefined) {
        params.set('state', query.state);
      }
      if (query.skiptoken !== undefined) {
        params.set('$skiptoken', query.skiptoken);
      }
      const page = await send<GraphPage<WebhookDelivery>>('GET', `/admin/webhooks/${id(webhookId)}/deliveries?${params.toString()}`);
      return { value: page.value, skiptoken: skipTokenOf(page['@odata.nextLink']) };
    },
    redeliverWebhookDelivery: (webhookId: string, deliveryId: string) => send<{ id: string; state: 'pending'; nextAttemptDateTime: string }>('POST', `/admin/webhooks/${id(webhookId)}/deliveries/${id(deliveryId)}/redeliver`),
  };
}
