import type { AuditEntry } from '../../domain/audit.js';
import type { DomainEvent } from '../../domain/events.js';
import { lowSeatTransition, type ProductSettings } from '../../domain/product-settings.js';
import { ADMIN_POOL, freeSeats, prepaidUnits } from '../../domain/seats.js';
import type { Repositories } from '../../db/repositories/index.js';
import type { ServiceDeps } from '../deps.js';
import { loadTenantCatalogue } from '../catalogue.service.js';
import type { Job } from './job-runner.js';

interface Decision {
  settings: ProductSettings;
  transition: 'alert' | 'clear';
  data: { skuId: string; skuPartNumber: string; free: number; threshold: number | null; assigned: number; total: number };
}

/** What the job would do for each product with a threshold or an open alert. */
async function decide(deps: ServiceDeps, repos: Repositories, forUpdate: boolean): Promise<Decision[]> {
  const watched = await repos.productSettings.listAlerting({ forUpdate });
  if (watched.length === 0) {
    return [];
  }
  const [catalogue, subscriptions, counters] = await Promise.all([loadTenantCatalogue(deps.microsoftCatalogue, repos), repos.subscriptions.list(), repos.subscriptions.listSeatCounters()]);
  const decisions: Decision[] = [];
  for (const settings of watched) {
    const ofSku = subscriptions.filter((subscription) => subscription.skuId === settings.skuId);
    const units = prepaidUnits(ofSku);
    const free = freeSeats(ofSku, ADMIN_POOL);
    // A product the tenant no longer holds has no seats to run low on: only an open alert closes.
    const transition = counters.has(settings.skuId) ? lowSeatTransition(settings, free) : lowSeatTransition({ ...settings, lowSeatThreshold: null }, free);
    if (transition !== 'none') {
      decisions.push({
        settings,
        transition,
        data: {
          skuId: settings.skuId,
          skuPartNumber: catalogue.findSku(settings.skuId)?.skuPartNumber ?? settings.skuId,
          free,
          threshold: settings.lowSeatThreshold,
          assigned: counters.get(settings.skuId) ?? 0,
          total: units.enabled + units.warning,
        },
      });
    }
  }
  return decisions;
}

const auditOf = (decision: Decision, now: Date): AuditEntry => ({
  category: 'SubscriptionManagement',
  activity: decision.transition === 'alert' ? 'Raise low seat alert' : 'Clear low seat alert',
  target: { type: 'Product', id: decision.data.skuId, name: decision.data.skuPartNumber },
  changes: [{ property: 'lowSeatAlertedAt', before: decision.settings.lowSeatAlertedAt?.toISOString() ?? null, after: decision.transition === 'alert' ? now.toISOString() : null }],
  details: decision.data,
});

/**
 * Raises one 'seats.low' event when a product's free seats fall to its threshold or below and no
 * alert is open, and closes the alert once they rise above it, so an admin is told once per dip.
 * Products are few per tenant: one transaction, the settings rows locked so two ticks never both alert.
 */
export const lowSeatAlerts = (deps: ServiceDeps): Job => ({
  name: 'lowSeatAlerts',
  async run(ctx) {
    if (!ctx.apply) {
      const due = await decide(deps, ctx.repos, false);
      ctx.affect(
        due.length,
        due.map((decision) => `${decision.transition} ${decision.data.skuPartNumber}`),
      );
      return;
    }
    const done = await ctx.transaction(async (repos) => {
      const decisions = await decide(deps, repos, true);
      const alerts = decisions.filter((decision) => decision.transition === 'alert');
      const clears = decisions.filter((decision) => decision.transition === 'clear');
      const events: DomainEvent[] = alerts.map((decision) => ({ type: 'seats.low', data: decision.data }));
      await repos.events.emit(events, ctx.now, ctx.ids);
      await repos.productSettings.setLowSeatAlertedAt(
        alerts.map((decision) => decision.data.skuId),
        ctx.now,
        ctx.now,
      );
      await repos.productSettings.setLowSeatAlertedAt(
        clears.map((decision) => decision.data.skuId),
        null,
        ctx.now,
      );
      await repos.audit.record(
        ctx.context,
        decisions.map((decision) => auditOf(decision, ctx.now)),
        ctx.now,
        ctx.ids,
      );
      return decisions;
    });
    ctx.affect(
      done.length,
      done.map((decision) => `${decision.transition} ${decision.data.skuPartNumber}`),
    );
  },
});
