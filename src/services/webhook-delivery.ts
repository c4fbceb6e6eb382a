import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.js';
import { invalidRequest, isAppError } from '../domain/errors.js';
import type { IdGenerator } from '../domain/ids.js';
import { retryDelayMs } from '../domain/webhook-retry.js';
import { SIGNATURE_HEADER, signWebhookBody } from '../domain/webhook-signature.js';
import { checkResolvedAddresses, checkWebhookUrl, type CheckedWebhookUrl, type WebhookUrlPolicy } from '../domain/webhook-url.js';
import { tenantsWithDueDeliveries, type ClaimedDelivery, type DeliveryOutcome } from '../db/repositories/webhook.repository.js';
import type { Database } from '../db/schema.js';
import { createSerialLoop } from './serial-loop.js';
import { inTenantTransaction } from './transaction.js';

/** A receiver has this long to answer (headers); then the attempt fails as a timeout. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** How long a claimed delivery is left to its worker before another may take it (longer than a request). */
export const DELIVERY_LEASE_MS = 60_000;
/** Deliveries claimed (and sent in parallel) per transaction, and batches per tenant per round. */
const BATCH_SIZE = 20;
const BATCHES_PER_TENANT = 10;
const MAX_ERROR_LENGTH = 500;

/**
 * The addresses a webhook's host resolves to, each checked against the URL policy; a literal
 * address is its own answer. The caller connects to one of these, never resolves again.
 * @throws invalidRequest when the host does not resolve or an address is not allowed.
 */
export async function resolveWebhookHost(checked: CheckedWebhookUrl, policy: WebhookUrlPolicy): Promise<string[]> {
  if (checked.literalAddress !== undefined) {
    checkResolvedAddresses(checked.hostname, [checked.literalAddress], policy);
    return [checked.literalAddress];
  }
  let addresses: string[];
  try {
    addresses = (await lookup(checked.hostname, { all: true, verbatim: true })).map((answer) => answer.address);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw invalidRequest(`The webhook URL is not allowed: ${checked.hostname} could not be resolved${typeof code === 'string' ? ` (${code})` : ''}.`, [
      { code: 'InvalidWebhookUrl', target: 'url', message: 'Allot resolves the host when the webhook is saved and before every delivery.' },
    ]);
  }
  checkResolvedAddresses(checked.hostname, addresses, policy);
  return addresses;
}

/**
 * A DNS lookup that answers with the addresses already checked, so the connection cannot go
 * elsewhere (Node's happy-eyeballs connect asks for all of them and tries each in turn).
 */
const pinnedLookup =
  (addresses: readonly string[]): LookupFunction =>
  (_hostname, options, callback) => {
    const answers = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    const [first] = answers;
    if (options.all === true) {
      callback(null, answers);
    } else if (first === undefined) {
      callback(Object.assign(new Error('no checked address'), { code: 'ENOTFOUND' }), '');
    } else {
      callback(null, first.address, first.family);
    }
  };

interface PostResult {
  statusCode: number | null;
  error: string | null;
}

/**
 * POSTs the body to a checked address (the URL's host still names the server for TLS and the
 * Host header). No redirect is followed (a 3xx is a failed attempt); no connection is reused.
 */
function post(url: string, addresses: readonly string[], headers: Record<string, string>, body: string, timeoutMs: number, signal: AbortSignal): Promise<PostResult> {
  return new Promise((resolve) => {
    const transport = url.startsWith('https:') ? https : http;
    let settled = false;
    const settle = (result: PostResult): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const request = transport.request(url, { method: 'POST', headers, lookup: pinnedLookup(addresses), agent: false, signal }, (response) => {
      settle({ statusCode: response.statusCode ?? null, error: null });
      // The answer's body is not read: discard it, and stop at the deadline whatever it sends.
      response.resume();
      response.on('end', () => clearTimeout(timer));
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      settle({ statusCode: null, error: error.message });
    });
    request.on('close', () => clearTimeout(timer));
    request.end(body);
  });
}

export interface DeliveryLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface WebhookDeliveryWorkerOptions {
  db: Kysely<Database>;
  clock: Clock;
  ids: IdGenerator;
  /** ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS. */
  allowPrivateNetworks: boolean;
  /** Pause between the end of one round and the start of the next. */
  intervalMs: number;
  logger?: DeliveryLogger;
  timeoutMs?: number;
}

export interface DeliveryRoundReport {
  delivered: number;
  retrying: number;
  failed: number;
}

export interface WebhookDeliveryWorker {
  /** A round now, then every `intervalMs` after the previous one ended. */
  start(): void;
  /** No new rounds; requests in flight are abandoned (their deliveries fall due again after the lease). */
  stop(): Promise<void>;
  /** One round as of `now` (default: the clock): claim what is due, send, record. */
  runOnce(now?: Date): Promise<DeliveryRoundReport>;
}

const silent: DeliveryLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Sends pending webhook deliveries. Several workers (server processes sharing one PostgreSQL) can
 * run at once: each claims due deliveries in a short transaction (`claimDue`: a lease, SKIP
 * LOCKED), sends outside any transaction, then records the attempt. Delivery is at least once: a
 * worker that dies after the receiver answered but before recording leaves the delivery to be
 * sent again after the lease. There is no ordering between deliveries.
 */
export function createWebhookDeliveryWorker(options: WebhookDeliveryWorkerOptions): WebhookDeliveryWorker {
  const { db, clock, ids, intervalMs } = options;
  const logger = options.logger ?? silent;
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const policy: WebhookUrlPolicy = { allowPrivateNetworks: options.allowPrivateNetworks };
  const inFlight = new AbortController();

  const send = async (tenantId: string, delivery: ClaimedDelivery, now: Date): Promise<PostResult> => {
    const body = JSON.stringify({ id: delivery.event.eventId, type: delivery.event.type, tenantId, occurredAt: delivery.event.occurredAt.toISOString(), data: delivery.event.payload });
    try {
      const checked = checkWebhookUrl(delivery.url, policy);
      const addresses = await resolveWebhookHost(checked, policy);
      const headers = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Allot-Webhooks/1',
        [SIGNATURE_HEADER]: await signWebhookBody(delivery.signingSecret, Math.floor(now.getTime() / 1000), body),
        'Allot-Event-Id': delivery.event.eventId,
        'Allot-Event-Type': delivery.event.type,
        'Allot-Delivery-Id': delivery.deliveryId,
        'Allot-Delivery-Attempt': String(delivery.attempts + 1),
      };
      return await post(checked.url, addresses, headers, body, timeoutMs, inFlight.signal);
    } catch (error) {
      return { statusCode: null, error: isAppError(error) ? error.message : String(error) };
    }
  };

  const outcomeOf = (result: PostResult, attempt: number, now: Date): DeliveryOutcome => {
    if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
      return { state: 'delivered' };
    }
    const delay = retryDelayMs(attempt, Math.random());
    return delay === null ? { state: 'failed' } : { state: 'pending', nextAttemptAt: new Date(now.getTime() + delay) };
  };

  const deliver = async (tenantId: string, delivery: ClaimedDelivery, now: Date, leaseUntil: Date, report: DeliveryRoundReport): Promise<void> => {
    const started = performance.now();
    const result = await send(tenantId, delivery, now);
    if (loop.isStopping()) {
      return;
    }
    const outcome = outcomeOf(result, delivery.attempts + 1, now);
    await inTenantTransaction(db, { tenantId }, (repos) =>
      repos.webhooks.recordAttempt({
        deliveryId: delivery.deliveryId,
        attemptId: ids(),
        attemptedAt: now,
        statusCode: result.statusCode,
        error: result.error?.slice(0, MAX_ERROR_LENGTH) ?? null,
        durationMs: Math.round(performance.now() - started),
        leaseUntil,
        outcome,
      }),
    );
    if (outcome.state === 'delivered') {
      report.delivered += 1;
      return;
    }
    report[outcome.state === 'failed' ? 'failed' : 'retrying'] += 1;
    // The host only: a URL's path or query may carry the receiver's own secret.
    const host = URL.canParse(delivery.url) ? new URL(delivery.url).host : null;
    logger.warn(
      { tenantId, webhookId: delivery.webhookId, deliveryId: delivery.deliveryId, host, statusCode: result.statusCode, error: result.error, attempt: delivery.attempts + 1, state: outcome.state },
      outcome.state === 'failed' ? 'webhook delivery failed for good (it can be redelivered)' : 'webhook delivery failed; it will be retried',
    );
  };

  const round = async (now: Date): Promise<DeliveryRoundReport> => {
    const report: DeliveryRoundReport = { delivered: 0, retrying: 0, failed: 0 };
    for (const tenantId of await tenantsWithDueDeliveries(db, now)) {
      for (let batch = 0; batch < BATCHES_PER_TENANT && !loop.isStopping(); batch += 1) {
        // From the time of the claim: a long round must not hand out leases that are already over.
        const leaseUntil = new Date(Math.max(now.getTime(), clock.now().getTime()) + DELIVERY_LEASE_MS);
        const claimed = await inTenantTransaction(db, { tenantId }, (repos) => repos.webhooks.claimDue(now, leaseUntil, BATCH_SIZE));
        await Promise.all(claimed.map((delivery) => deliver(tenantId, delivery, now, leaseUntil, report)));
        if (claimed.length < BATCH_SIZE) {
          break;
        }
      }
    }
    return report;
  };

  // Rounds of one worker run one after the other (timer rounds and runOnce calls alike).
  const loop = createSerialLoop({
    intervalMs,
    failureMessage: 'webhook delivery round failed',
    stoppedMessage: 'the webhook delivery worker is stopped',
    logger,
    round: (now?: Date) => round(now ?? clock.now()),
    onStop: () => inFlight.abort(),
  });

  return {
    start: loop.start,
    stop: loop.stop,
    runOnce: loop.runOnce,
  };
}
