import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomIds } from '../../src/domain/ids.js';
import { verifyWebhookSignature } from '../../src/domain/webhook-signature.js';
import { createWebhookDeliveryWorker, type WebhookDeliveryWorker } from '../../src/services/webhook-delivery.js';
import { createWebhookService, type WebhookService } from '../../src/services/webhook.service.js';
import { createLicensingTenant, FLEET, type LicensingTenant } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Webhook deliveries end to end: license changes write events and deliveries in their transaction,
 * the delivery worker posts them to a real receiver on 127.0.0.1 (private networks allowed, as an
 * operator would for a receiver on its own network), retries with backoff, and loses nothing while
 * the receiver is down. The worker's rounds are driven with runOnce(now) on the test clock.
 */

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Statuses to answer with, in order; 200 once they run out. */
  statuses: number[];
  close(): Promise<void>;
  listen(): Promise<void>;
}

async function startReceiver(port = 0): Promise<Receiver> {
  const requests: Received[] = [];
  const statuses: number[] = [];
  let server: Server | undefined;
  const receiver: Receiver = {
    url: '',
    port,
    requests,
    statuses,
    listen: async () => {
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
          response.statusCode = statuses.shift() ?? 200;
          response.end('ok');
        });
      });
      server.listen(receiver.port, '127.0.0.1');
      await once(server, 'listening');
      receiver.port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/hooks/allot`;
    },
    close: async () => {
      const closing = server;
      server = undefined;
      if (closing !== undefined) {
        closing.closeAllConnections();
        await new Promise((resolve) => closing.close(resolve));
      }
    },
  };
  await receiver.listen();
  return receiver;
}

let t: TestApp;
let webhooks: WebhookService;
let worker: WebhookDeliveryWorker;
const receivers: Receiver[] = [];

const newWorker = (allowPrivateNetworks = true) => createWebhookDeliveryWorker({ db: t.handle.db, clock: t.clock, ids: randomIds, allowPrivateNetworks, intervalMs: 1000, timeoutMs: 5000 });

const receiver = async (): Promise<Receiver> => {
  const started = await startReceiver();
  receivers.push(started);
  return started;
};

const assign = (tenant: LicensingTenant, userIds: readonly string[]) =>
  t.services.licenseAdmin.manageLicenses(tenant.context, { userIds, mode: 'addMore', licenses: [{ skuId: FLEET.standard, disabledPlans: [] }], dryRun: false });

const deliveriesOf = async (tenant: LicensingTenant, webhookId: string) => (await webhooks.listDeliveries(tenant.context, webhookId, { top: 100 })).deliveries;

const nowSeconds = () => Math.floor(t.clock.now().getTime() / 1000);

beforeAll(async () => {
  t = await createTestApp();
  webhooks = createWebhookService({ ...t.deps, webhookAllowPrivateNetworks: true });
  worker = newWorker();
});

afterAll(async () => {
  await worker.stop();
  await Promise.all(receivers.map((entry) => entry.close()));
  await t.close();
});

describe('webhook deliveries', () => {
  it('posts one signed event per batch, listing the users, and delivers it once', async () => {
    const tenant = await createLicensingTenant(t.services);
    const target = await receiver();
    const { webhook, signingSecret } = await webhooks.create(tenant.context, { url: target.url, eventTypes: ['licenses.changed'] });
    const users = [await tenant.user('hook-a'), await tenant.user('hook-b')];
    await assign(tenant, users);

    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(target.requests).toHaveLength(1);
    const [request] = target.requests;
    const signature = request!.headers['allot-signature'];
    expect(await verifyWebhookSignature({ header: typeof signature === 'string' ? signature : undefined, secret: signingSecret, body: request!.body, nowSeconds: nowSeconds() })).toEqual({
      valid: true,
      timestampSeconds: nowSeconds(),
    });
    const body = JSON.parse(request!.body) as { id: string; type: string; tenantId: string; occurredAt: string; data: { cause: string; users: { userId: string; added: string[] }[] } };
    expect(body).toMatchObject({ type: 'licenses.changed', tenantId: tenant.tenantId, occurredAt: t.clock.now().toISOString(), data: { cause: 'bulk' } });
    expect(body.data.users.map((user) => user.userId).sort()).toEqual([...users].sort());
    expect(body.data.users.every((user) => user.added.includes(FLEET.standard))).toBe(true);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['allot-event-id']).toBe(body.id);
    expect(request!.headers['allot-event-type']).toBe('licenses.changed');
    expect(request!.headers['allot-delivery-attempt']).toBe('1');

    const [delivery] = await deliveriesOf(tenant, webhook.webhookId);
    expect(delivery).toMatchObject({ eventId: body.id, eventType: 'licenses.changed', state: 'delivered', attempts: 1, nextAttemptAt: null, deliveredAt: t.clock.now() });
    expect(delivery!.attemptLog).toMatchObject([{ statusCode: 200, error: null }]);

    t.clock.advance(3_600_000);
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(target.requests).toHaveLength(1);
  });

  it('retries a receiver that answers 500 with backoff, logging each attempt, until it answers 2xx', async () => {
    const tenant = await createLicensingTenant(t.services);
    const target = await receiver();
    target.statuses.push(500);
    const { webhook } = await webhooks.create(tenant.context, { url: target.url, eventTypes: ['licenses.changed'] });
    await assign(tenant, [await tenant.user('retry')]);
    const firstTry = t.clock.now();

    expect(await worker.runOnce(firstTry)).toEqual({ delivered: 0, retrying: 1, failed: 0 });
    const [pending] = await deliveriesOf(tenant, webhook.webhookId);
    expect(pending).toMatchObject({ state: 'pending', attempts: 1, deliveredAt: null });
    expect(pending!.attemptLog).toMatchObject([{ attemptedAt: firstTry, statusCode: 500, error: null }]);
    // 30 s ± 25 % after the failure.
    const wait = (pending!.nextAttemptAt?.getTime() ?? 0) - firstTry.getTime();
    expect(wait).toBeGreaterThanOrEqual(22_500);
    expect(wait).toBeLessThanOrEqual(37_500);

    // Not due yet: nothing is sent.
    expect(await worker.runOnce(firstTry)).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(target.requests).toHaveLength(1);

    t.clock.advance(40_000);
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(target.requests.map((request) => request.headers['allot-delivery-attempt'])).toEqual(['1', '2']);
    expect(new Set(target.requests.map((request) => request.headers['allot-event-id'])).size).toBe(1);
    const [delivered] = await deliveriesOf(tenant, webhook.webhookId);
    expect(delivered).toMatchObject({ state: 'delivered', attempts: 2, nextAttemptAt: null });
    expect(delivered!.attemptLog.map((attempt) => attempt.statusCode)).toEqual([200, 500]);
  });

  it('loses nothing while the receiver is down and delivers every event exactly once when it is back', async () => {
    const tenant = await createLicensingTenant(t.services);
    const target = await receiver();
    const { webhook } = await webhooks.create(tenant.context, { url: target.url, eventTypes: ['licenses.changed'] });
    await target.close();
    for (const alias of ['down-1', 'down-2', 'down-3']) {
      await assign(tenant, [await tenant.user(alias)]);
    }

    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 0, retrying: 3, failed: 0 });
    t.clock.advance(40_000);
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 0, retrying: 3, failed: 0 });
    const pending = await deliveriesOf(tenant, webhook.webhookId);
    expect(pending.map((delivery) => [delivery.state, delivery.attempts])).toEqual([
      ['pending', 2],
      ['pending', 2],
      ['pending', 2],
    ]);
    expect(pending[0]!.attemptLog[0]!.error).toMatch(/ECONNREFUSED/);

    await target.listen();
    t.clock.advance(2 * 3_600_000);
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 3, retrying: 0, failed: 0 });
    t.clock.advance(2 * 3_600_000);
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 0, retrying: 0, failed: 0 });

    const outbox = (await webhooks.listEvents(tenant.context, { type: 'licenses.changed', top: 100 })).events;
    expect(outbox).toHaveLength(3);
    expect(target.requests.map((request) => request.headers['allot-event-id']).sort()).toEqual(outbox.map((event) => event.eventId).sort());
    expect((await deliveriesOf(tenant, webhook.webhookId)).every((delivery) => delivery.state === 'delivered')).toBe(true);
  });

  it('gives a disabled webhook no deliveries, and holds the pending ones of a webhook disabled later', async () => {
    const tenant = await createLicensingTenant(t.services);
    const [enabledTarget, disabledTarget] = [await receiver(), await receiver()];
    const enabled = (await webhooks.create(tenant.context, { url: enabledTarget.url, eventTypes: ['licenses.changed'] })).webhook;
    const disabled = (await webhooks.create(tenant.context, { url: disabledTarget.url, eventTypes: ['licenses.changed'] })).webhook;
    await webhooks.update(tenant.context, disabled.webhookId, { enabled: false });
    await assign(tenant, [await tenant.user('disabled-1')]);

    expect(await deliveriesOf(tenant, disabled.webhookId)).toEqual([]);
    expect(await deliveriesOf(tenant, enabled.webhookId)).toHaveLength(1);
    await webhooks.update(tenant.context, enabled.webhookId, { enabled: false });
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(enabledTarget.requests).toHaveLength(0);

    await webhooks.update(tenant.context, enabled.webhookId, { enabled: true });
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(enabledTarget.requests).toHaveLength(1);
    expect(disabledTarget.requests).toHaveLength(0);
  });

  it('sends a delivered event again on redelivery, as a new run of attempts', async () => {
    const tenant = await createLicensingTenant(t.services);
    const target = await receiver();
    const { webhook } = await webhooks.create(tenant.context, { url: target.url, eventTypes: ['licenses.changed'] });
    await assign(tenant, [await tenant.user('again')]);
    await worker.runOnce(t.clock.now());
    const [delivered] = await deliveriesOf(tenant, webhook.webhookId);

    t.clock.advance(60_000);
    expect(await webhooks.redeliver(tenant.context, webhook.webhookId, delivered!.deliveryId)).toEqual({ deliveryId: delivered!.deliveryId, state: 'pending', nextAttemptAt: t.clock.now() });
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(target.requests.map((request) => [request.headers['allot-event-id'], request.headers['allot-delivery-attempt']])).toEqual([
      [delivered!.eventId, '1'],
      [delivered!.eventId, '1'],
    ]);
    const [again] = await deliveriesOf(tenant, webhook.webhookId);
    expect(again).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(again!.attemptLog).toHaveLength(2);
  });

  it('resolves a host name and connects to the address it checked', async () => {
    const tenant = await createLicensingTenant(t.services);
    const target = await receiver();
    await webhooks.create(tenant.context, { url: `http://localhost:${target.port}/hooks/allot`, eventTypes: ['licenses.changed'] });
    await assign(tenant, [await tenant.user('named')]);
    expect(await worker.runOnce(t.clock.now())).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(target.requests).toHaveLength(1);
  });

  it('checks the address again at delivery: without the operator setting a loopback receiver gets nothing', async () => {
    const tenant = await createLicensingTenant(t.services);
    const target = await receiver();
    const { webhook } = await webhooks.create(tenant.context, { url: target.url, eventTypes: ['licenses.changed'] });
    await assign(tenant, [await tenant.user('refused')]);
    const strict = newWorker(false);
    try {
      expect(await strict.runOnce(t.clock.now())).toMatchObject({ delivered: 0 });
    } finally {
      await strict.stop();
    }
    expect(target.requests).toHaveLength(0);
    const [delivery] = await deliveriesOf(tenant, webhook.webhookId);
    expect(delivery).toMatchObject({ state: 'pending', attempts: 1 });
    expect(delivery!.attemptLog[0]).toMatchObject({ statusCode: null, error: expect.stringContaining('127.0.0.1 is a loopback address') });
    // Its retry would otherwise reach the receiver in a later test's round.
    await webhooks.delete(tenant.context, webhook.webhookId);
  });

  it('lets two workers share the work without both sending one due delivery', async () => {
    const tenant = await createLicensingTenant(t.services);
    const target = await receiver();
    const { webhook } = await webhooks.create(tenant.context, { url: target.url, eventTypes: ['licenses.changed'] });
    for (const alias of ['pair-1', 'pair-2', 'pair-3', 'pair-4']) {
      await assign(tenant, [await tenant.user(alias)]);
    }
    const [first, second] = [newWorker(), newWorker()];
    try {
      const now = t.clock.now();
      const reports = await Promise.all([first.runOnce(now), second.runOnce(now)]);
      expect(reports.reduce((sum, report) => sum + report.delivered, 0)).toBe(4);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    const eventIds = target.requests.map((request) => request.headers['allot-event-id']);
    expect(eventIds).toHaveLength(4);
    expect(new Set(eventIds).size).toBe(4);
    expect((await deliveriesOf(tenant, webhook.webhookId)).map((delivery) => delivery.attempts)).toEqual([1, 1, 1, 1]);
  });
});

