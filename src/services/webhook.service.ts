import { randomBytes } from 'node:crypto';
import type { AuditEntry } from '../domain/audit.js';
import type { RequestContext } from '../domain/context.js';
import { AppError, invalidRequest, notFound, orNotFound } from '../domain/errors.js';
import { EVENT_TYPES, isEventType, type EventType } from '../domain/events.js';
import { isGuid } from '../domain/ids.js';
import { SIGNING_SECRET_PREFIX } from '../domain/webhook-signature.js';
import { checkWebhookUrl, type WebhookUrlPolicy } from '../domain/webhook-url.js';
import type { OutboxEvent } from '../db/repositories/event.repository.js';
import type { Repositories } from '../db/repositories/index.js';
import type { DeliveryCursor, DeliveryState, WebhookDeliveryRecord, WebhookRecord } from '../db/repositories/webhook.repository.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';
import { resolveWebhookHost } from './webhook-delivery.js';

export type { OutboxEvent } from '../db/repositories/event.repository.js';
export type { WebhookDeliveryRecord } from '../db/repositories/webhook.repository.js';

/** Receivers a tenant may subscribe: each event fans out to every one of them. */
export const MAX_WEBHOOKS_PER_TENANT = 50;

/** A webhook as admins see it: never its secret, only the first characters to recognise it by. */
export interface WebhookView {
  webhookId: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  createdAt: Date;
  secretHint: string;
}

export interface WebhookWithSecret {
  webhook: WebhookView;
  /** The signing secret: in this answer only (creation and rotation). */
  signingSecret: string;
}

export interface WebhookDeliveriesPage {
  deliveries: WebhookDeliveryRecord[];
  nextSkipToken?: string;
}

export interface EventsPage {
  events: OutboxEvent[];
  /** The last sequence of this page when more events follow at once. */
  nextAfterSequence?: string;
}

/** 256 random bits, base64url, after a prefix that tells what the value is (secret scanners match it). */
const newSigningSecret = (): string => `${SIGNING_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;

const hintOf = (secret: string): string => `${secret.slice(0, SIGNING_SECRET_PREFIX.length + 4)}…`;

const toView = ({ signingSecret, ...webhook }: WebhookRecord): WebhookView => ({ ...webhook, secretHint: hintOf(signingSecret) });

/** Event types in Allot's order, without duplicates; an unknown name is refused and the valid ones listed. */
function validEventTypes(names: readonly string[], target = 'eventTypes'): EventType[] {
  const unknown = names.filter((name) => !isEventType(name));
  if (unknown.length > 0) {
    throw invalidRequest(`Unknown event type '${unknown[0] ?? ''}'. Valid event types: ${EVENT_TYPES.join(', ')}.`, [
      { code: 'UnknownEventType', target, message: `Allot's event types are: ${EVENT_TYPES.join(', ')}.` },
    ]);
  }
  return EVENT_TYPES.filter((type) => names.includes(type));
}

const webhookAudit = (activity: string, webhook: Pick<WebhookRecord, 'webhookId' | 'url'>, changes: AuditEntry['changes'], details?: Record<string, unknown>): AuditEntry => ({
  category: 'WebhookManagement',
  activity,
  target: { type: 'Webhook', id: webhook.webhookId, name: webhook.url },
  changes,
  ...(details === undefined ? {} : { details }),
});

const encodeCursor = (cursor: DeliveryCursor, fingerprint: string): string => Buffer.from(JSON.stringify({ p: cursor, q: fingerprint })).toString('base64url');

function decodeCursor(token: string, fingerprint: string): DeliveryCursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p?: { createdAt?: unknown; deliveryId?: unknown }; q?: unknown };
    const { createdAt, deliveryId } = parsed.p ?? {};
    if (parsed.q === fingerprint && typeof createdAt === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(createdAt) && typeof deliveryId === 'string' && isGuid(deliveryId)) {
      return { createdAt, deliveryId };
    }
  } catch {
    // fall through: any undecodable token is answered the same way
  }
  throw new AppError('invalidRequest', 'The $skiptoken is invalid or belongs to another query. Request the first page again.', [
    { code: 'InvalidValue', target: '$skiptoken', message: 'Send the @odata.nextLink of the previous page unchanged, with the same filters.' },
  ]);
}

/**
 * Webhooks: a tenant's receivers of Allot's events (the outbox), and the outbox itself for
 * backends that poll. Deliveries are made by the delivery worker (webhook-delivery.ts).
 */
export function createWebhookService(deps: ServiceDeps) {
  const policy: WebhookUrlPolicy = { allowPrivateNetworks: deps.webhookAllowPrivateNetworks ?? false };
  const record = (repos: Repositories, context: RequestContext, entry: AuditEntry) => repos.audit.record(context, [entry], deps.clock.now(), deps.ids);

  /** The URL's shape and every address its host resolves to, before anything is written. */
  const checkedUrl = async (raw: string): Promise<string> => {
    const checked = checkWebhookUrl(raw, policy);
    await resolveWebhookHost(checked, policy);
    return checked.url;
  };

  const description = (value: string | null | undefined): string | null => {
    const trimmed = value?.trim();
    return trimmed === undefined || trimmed === '' ? null : trimmed;
  };

  return {
    async list(context: RequestContext): Promise<WebhookView[]> {
      return (await tenantRepositories(deps.db, context).webhooks.list()).map(toView);
    },

    /** @throws notFound */
    async get(context: RequestContext, webhookId: string): Promise<WebhookView> {
      return toView(orNotFound(await tenantRepositories(deps.db, context).webhooks.find(webhookId), webhookId));
    },

    /**
     * Subscribes a receiver. Deliveries are made for events written from now on.
     * @throws invalidRequest for a refused URL (named reason) or an unknown event type (valid ones listed).
     */
    async create(context: RequestContext, input: { url: string; eventTypes: readonly string[]; description?: string }): Promise<WebhookWithSecret> {
      const eventTypes = validEventTypes(input.eventTypes);
      const url = await checkedUrl(input.url);
      const signingSecret = newSigningSecret();
      return inTenantTransaction(deps.db, context, async (repos) => {
        if ((await repos.webhooks.count()) >= MAX_WEBHOOKS_PER_TENANT) {
          throw invalidRequest(`A tenant has at most ${MAX_WEBHOOKS_PER_TENANT} webhooks. Delete one, or subscribe an existing one to more event types.`);
        }
        const webhook: WebhookRecord = { webhookId: deps.ids(), url, eventTypes, description: description(input.description), signingSecret, enabled: true, createdAt: deps.clock.now() };
        await repos.webhooks.insert(webhook);
        await record(
          repos,
          context,
          webhookAudit('Add webhook', webhook, [
            { property: 'Url', before: null, after: url },
            { property: 'EventTypes', before: null, after: eventTypes },
            { property: 'Description', before: null, after: webhook.description },
            { property: 'Enabled', before: null, after: true },
            { property: 'SigningSecret', before: null, after: hintOf(signingSecret) },
          ]),
        );
        return { webhook: toView(webhook), signingSecret };
      });
    },

    /**
     * Changes the URL (checked again), the event types, the description or whether it is enabled.
     * A disabled webhook gets no deliveries for events written while it is disabled; its pending
     * deliveries wait and go out once it is enabled again.
     * @throws notFound, invalidRequest
     */
    async update(context: RequestContext, webhookId: string, input: { url?: string; eventTypes?: readonly string[]; description?: string | null; enabled?: boolean }): Promise<WebhookView> {
      const eventTypes = input.eventTypes === undefined ? undefined : validEventTypes(input.eventTypes);
      const url = input.url === undefined ? undefined : await checkedUrl(input.url);
      return inTenantTransaction(deps.db, context, async (repos) => {
        const before = orNotFound(await repos.webhooks.find(webhookId, { forUpdate: true }), webhookId);
        const after: WebhookRecord = {
          ...before,
          ...(url === undefined ? {} : { url }),
          ...(eventTypes === undefined ? {} : { eventTypes }),
          ...(input.description === undefined ? {} : { description: description(input.description) }),
          ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
        };
        const changes: AuditEntry['changes'] = [];
        if (after.url !== before.url) {
          changes.push({ property: 'Url', before: before.url, after: after.url });
        }
        if (after.eventTypes.join() !== before.eventTypes.join()) {
          changes.push({ property: 'EventTypes', before: before.eventTypes, after: after.eventTypes });
        }
        if (after.description !== before.description) {
          changes.push({ property: 'Description', before: before.description, after: after.description });
        }
        if (after.enabled !== before.enabled) {
          changes.push({ property: 'Enabled', before: before.enabled, after: after.enabled });
        }
        await repos.webhooks.update(before.webhookId, { url: after.url, eventTypes: after.eventTypes, description: after.description, enabled: after.enabled });
        await record(repos, context, webhookAudit('Update webhook', after, changes));
        return toView(after);
      });
    },

    /** Deletes the webhook with its deliveries and their attempt log. @throws notFound */
    async delete(context: RequestContext, webhookId: string): Promise<void> {
      await inTenantTransaction(deps.db, context, async (repos) => {
        const webhook = orNotFound(await repos.webhooks.find(webhookId, { forUpdate: true }), webhookId);
        await repos.webhooks.delete(webhook.webhookId);
        await record(
          repos,
          context,
          webhookAudit('Delete webhook', webhook, [
            { property: 'Url', before: webhook.url, after: null },
            { property: 'EventTypes', before: webhook.eventTypes, after: null },
          ]),
        );
      });
    },

    /** A new signing secret, used from the next attempt on (the old one signs nothing more). @throws notFound */
    async rotateSecret(context: RequestContext, webhookId: string): Promise<WebhookWithSecret> {
      const signingSecret = newSigningSecret();
      return inTenantTransaction(deps.db, context, async (repos) => {
        const before = orNotFound(await repos.webhooks.find(webhookId, { forUpdate: true }), webhookId);
        await repos.webhooks.update(before.webhookId, { signingSecret });
        await record(repos, context, webhookAudit('Rotate webhook signing secret', before, [{ property: 'SigningSecret', before: hintOf(before.signingSecret), after: hintOf(signingSecret) }]));
        return { webhook: toView({ ...before, signingSecret }), signingSecret };
      });
    },

    /** A webhook's deliveries, newest first, with each one's latest attempts. @throws notFound */
    async listDeliveries(context: RequestContext, webhookId: string, query: { state?: DeliveryState; top: number; skipToken?: string }): Promise<WebhookDeliveriesPage> {
      const fingerprint = JSON.stringify([webhookId.toLowerCase(), query.state ?? null]);
      const after = query.skipToken === undefined ? undefined : decodeCursor(query.skipToken, fingerprint);
      const repos = tenantRepositories(deps.db, context);
      const webhook = orNotFound(await repos.webhooks.find(webhookId), webhookId);
      const page = await repos.webhooks.deliveriesPage(webhook.webhookId, { top: query.top, ...(query.state === undefined ? {} : { state: query.state }), ...(after ? { after } : {}) });
      return { deliveries: page.deliveries, ...(page.next ? { nextSkipToken: encodeCursor(page.next, fingerprint) } : {}) };
    },

    /**
     * Sends a delivery again: back to pending, due now, as a new run of attempts (its attempt log
     * keeps the earlier runs). Works for failed and delivered deliveries, and makes a pending one
     * due at once.
     * @throws notFound (the webhook or the delivery)
     */
    async redeliver(context: RequestContext, webhookId: string, deliveryId: string): Promise<{ deliveryId: string; state: 'pending'; nextAttemptAt: Date }> {
      const now = deps.clock.now();
      return inTenantTransaction(deps.db, context, async (repos) => {
        const webhook = orNotFound(await repos.webhooks.find(webhookId), webhookId);
        const state = await repos.webhooks.findDeliveryState(webhook.webhookId, deliveryId, { forUpdate: true });
        if (state === undefined) {
          throw notFound(deliveryId);
        }
        await repos.webhooks.requeueDelivery(deliveryId.toLowerCase(), now);
        await record(repos, context, webhookAudit('Redeliver webhook event', webhook, [{ property: 'DeliveryState', before: state, after: 'pending' }], { deliveryId: deliveryId.toLowerCase() }));
        return { deliveryId: deliveryId.toLowerCase(), state: 'pending', nextAttemptAt: now };
      });
    },

    /**
     * The outbox, in the order events were written, for backends that poll instead of receiving.
     * @throws invalidRequest for an unknown type (valid ones listed).
     */
    async listEvents(context: RequestContext, query: { type?: string; afterSequence?: string; top: number }): Promise<EventsPage> {
      if (query.type !== undefined) {
        validEventTypes([query.type], 'type');
      }
      const page = await tenantRepositories(deps.db, context).events.page(query);
      const last = page.events.at(-1);
      return { events: page.events, ...(page.hasMore && last !== undefined ? { nextAfterSequence: last.sequence } : {}) };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
