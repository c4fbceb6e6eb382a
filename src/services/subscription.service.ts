import type { Catalogue, ServicePlan, Sku } from '../domain/catalogue.js';
import type { RequestContext } from '../domain/context.js';
import { AppError, orNotFound } from '../domain/errors.js';
import { capabilityStatus, prepaidUnits, type SubscriptionChannel, type SubscriptionStatus } from '../domain/seats.js';
import type { SubscriptionRecord } from '../db/repositories/subscription.repository.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { fillWaitlist } from './group-reapply.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

/** Graph's subscribedSku, before presentation: one per SKU the tenant has subscriptions for. */
export interface SubscribedSkuView {
  sku: Sku;
  plans: ServicePlan[];
  consumedUnits: number;
  prepaidUnits: ReturnType<typeof prepaidUnits>;
  capabilityStatus: SubscriptionStatus;
  subscriptions: SubscriptionRecord[];
}

export interface RecordSubscriptionInput {
  skuId: string;
  totalLicenses: number;
  status?: SubscriptionStatus;
  isTrial?: boolean;
  channel?: SubscriptionChannel;
  purchasedByUserId?: string | null;
  commerceSubscriptionId?: string;
  createdAt?: Date;
  nextLifecycleAt?: Date | null;
}

const plansOf = (catalogue: Catalogue, sku: Sku | undefined): ServicePlan[] =>
  (sku?.servicePlanIds ?? []).map((planId) => catalogue.findPlan(planId)).filter((plan): plan is ServicePlan => plan !== undefined);

/** A subscription with its product and the product's plans, for presentation. */
export interface SubscriptionView {
  subscription: SubscriptionRecord;
  sku: Sku | undefined;
  plans: ServicePlan[];
}

const buildViews = (catalogue: Catalogue, subscriptions: readonly SubscriptionRecord[], counters: ReadonlyMap<string, number>): SubscribedSkuView[] =>
  [...counters.keys()]
    .map((skuId) => {
      const ofSku = subscriptions.filter((subscription) => subscription.skuId === skuId);
      const sku = catalogue.findSku(skuId);
      return sku
        ? { sku, plans: plansOf(catalogue, sku), consumedUnits: counters.get(skuId) ?? 0, prepaidUnits: prepaidUnits(ofSku), capabilityStatus: capabilityStatus(ofSku), subscriptions: ofSku }
        : undefined;
    })
    .filter((view): view is SubscribedSkuView => view !== undefined)
    .sort((a, b) => a.sku.displayName.localeCompare(b.sku.displayName));

export function createSubscriptionService(deps: ServiceDeps) {
  return {
    /** Reads counters kept per SKU, never a scan of assignments: fast on a 1M-user tenant. */
    async listSubscribedSkus(context: RequestContext): Promise<SubscribedSkuView[]> {
      const repos = tenantRepositories(deps.db, context);
      const [catalogue, subscriptions, counters] = await Promise.all([
        loadTenantCatalogue(deps.microsoftCatalogue, repos),
        repos.subscriptions.list(),
        repos.subscriptions.listSeatCounters(),
      ]);
      return buildViews(catalogue, subscriptions, counters);
    },

    async getSubscribedSku(context: RequestContext, skuId: string): Promise<SubscribedSkuView> {
      const views = await this.listSubscribedSkus(context);
      return orNotFound(
        views.find((view) => view.sku.skuId === skuId.toLowerCase()),
        skuId,
      );
    },

    async listSubscriptions(context: RequestContext): Promise<SubscriptionView[]> {
      const repos = tenantRepositories(deps.db, context);
      const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
      return (await repos.subscriptions.list()).map((subscription) => {
        const sku = catalogue.findSku(subscription.skuId);
        return { subscription, sku, plans: plansOf(catalogue, sku) };
      });
    },

    async getSubscription(context: RequestContext, id: string): Promise<SubscriptionView> {
      const repos = tenantRepositories(deps.db, context);
      const subscription = orNotFound(await repos.subscriptions.findById(id), id);
      const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
      const sku = catalogue.findSku(subscription.skuId);
      return { subscription, sku, plans: plansOf(catalogue, sku) };
    },

    /** Records a subscription an admin entered or a billing system pushed. */
    async recordSubscription(context: RequestContext, input: RecordSubscriptionInput): Promise<SubscriptionRecord> {
      return inTenantTransaction(deps.db, context, async (repos) => {
        const skuId = input.skuId.toLowerCase();
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const sku = catalogue.findSku(skuId);
        if (!sku) {
          throw new AppError('invalidRequest', `Product ${input.skuId} is not in the catalogue.`, [
            { code: 'UnknownProduct', target: 'skuId', message: 'Use a skuId from Microsoft\'s catalogue or add the product to the tenant\'s custom catalogue first.' },
          ]);
        }
        const channel = input.channel ?? 'admin';
        if (channel === 'selfService') {
          const purchaser = input.purchasedByUserId ? await repos.users.findActive(input.purchasedByUserId) : undefined;
          if (!purchaser) {
            throw new AppError('invalidRequest', 'A self-service subscription needs the purchasing user (purchasedByUserId).');
          }
        }
        if (input.commerceSubscriptionId && (await repos.subscriptions.findById(input.commerceSubscriptionId))) {
          throw new AppError('alreadyExists', `A subscription with commerceSubscriptionId ${input.commerceSubscriptionId} already exists.`);
        }
        const at = deps.clock.now();
        const subscriptionId = deps.ids();
        await repos.subscriptions.insert({
          subscriptionId,
          commerceSubscriptionId: input.commerceSubscriptionId ?? deps.ids(),
          skuId,
          totalLicenses: input.totalLicenses,
          status: input.status ?? 'Enabled',
          isTrial: input.isTrial ?? false,
          channel,
          purchasedByUserId: channel === 'selfService' ? (input.purchasedByUserId ?? null) : null,
          createdAt: input.createdAt ?? at,
          nextLifecycleAt: input.nextLifecycleAt ?? null,
        });
        const created = orNotFound(await repos.subscriptions.findById(subscriptionId), subscriptionId);
        await repos.audit.record(
          context,
          [
            {
              category: 'SubscriptionManagement',
              activity: 'Add subscription',
              target: { type: 'Subscription', id: subscriptionId, name: sku.displayName },
              changes: [{ property: 'TotalLicenses', before: null, after: created.totalLicenses }],
              details: { skuId, channel, isTrial: created.isTrial, status: created.status },
            },
          ],
          at,
          deps.ids,
        );
        return created;
      });
    },

    /**
     * Changes a subscription's quantity by `delta`. Removing licenses is refused below what is
     * assigned from that subscription, saying how many to unassign first.
     */
    async changeLicenseCount(context: RequestContext, subscriptionKey: string, delta: number): Promise<SubscriptionRecord> {
      return inTenantTransaction(deps.db, context, async (repos, trx) => {
        const found = orNotFound(await repos.subscriptions.findById(subscriptionKey), subscriptionKey);
        await repos.subscriptions.lockSkus([found.skuId]);
        const subscription = (await repos.subscriptions.findById(found.subscriptionId)) ?? found;
        const total = subscription.totalLicenses + delta;
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const name = catalogue.findSku(subscription.skuId)?.displayName ?? subscription.skuId;
        if (total < 0) {
          throw new AppError('invalidRequest', `The subscription has only ${subscription.totalLicenses} licenses to remove.`);
        }
        if (delta < 0 && total < subscription.consumedUnits) {
          const toUnassign = subscription.consumedUnits - total;
          throw new AppError(
            'invalidRequest',
            `Cannot remove ${-delta} licenses: ${subscription.consumedUnits} of this subscription's ${subscription.totalLicenses} licenses are assigned.`,
            [
              {
                code: 'LicensesInUse',
                target: 'count',
                message: `Unassign ${toUnassign} ${name} license${toUnassign === 1 ? '' : 's'} first (see the product's licensed users), or remove at most ${subscription.totalLicenses - subscription.consumedUnits}.`,
              },
            ],
          );
        }
        const at = deps.clock.now();
        await repos.subscriptions.setTotalLicenses(subscription.subscriptionId, total);
        await repos.audit.record(
          context,
          [
            {
              category: 'SubscriptionManagement',
              activity: delta >= 0 ? 'Add licenses' : 'Remove licenses',
              target: { type: 'Subscription', id: subscription.subscriptionId, name },
              changes: [{ property: 'TotalLicenses', before: subscription.totalLicenses, after: total }],
            },
          ],
          at,
          deps.ids,
        );
        if (delta > 0) {
          await fillWaitlist(deps, repos, trx, context, [subscription.skuId]);
        }
        return orNotFound(await repos.subscriptions.findById(subscription.subscriptionId), subscriptionKey);
      });
    },

    /** Counter = recount, per subscription; the invariant tests and the reliability suite use it. */
    async verifyCounters(context: RequestContext) {
      const repos = tenantRepositories(deps.db, context);
      const rows = await repos.subscriptions.recount();
      const counters = await repos.subscriptions.listSeatCounters();
      const skuTotals = new Map<string, number>();
      for (const row of rows) {
        skuTotals.set(row.skuId, (skuTotals.get(row.skuId) ?? 0) + row.actual);
      }
      const mismatches = [
        ...rows.filter((row) => row.counter !== row.actual).map((row) => `subscription ${row.subscriptionId}: counter ${row.counter}, recount ${row.actual}`),
        ...[...counters].filter(([skuId, counter]) => (skuTotals.get(skuId) ?? 0) !== counter).map(([skuId, counter]) => `sku ${skuId}: counter ${counter}, recount ${skuTotals.get(skuId) ?? 0}`),
      ];
      return { mismatches };
    },
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
