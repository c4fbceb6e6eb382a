import type { Kysely } from 'kysely';
import type { Catalogue, ServicePlan, Sku } from '../domain/catalogue.js';
import { DAY_MS } from '../domain/clock.js';
import type { RequestContext } from '../domain/context.js';
import { AppError, orNotFound } from '../domain/errors.js';
import { ADMIN_POOL, capabilityStatus, prepaidUnits, type SubscriptionChannel, type SubscriptionStatus } from '../domain/seats.js';
import {
  DEFAULT_TRIAL_DAYS,
  OVER_ASSIGNMENT_DAYS,
  overAssignmentDeadline,
  planCancellation,
  planExplicitDelete,
  planReactivation,
  planSelfServiceEnd,
  planTrialConversion,
  planTrialExtension,
  type LifecycleChange,
} from '../domain/subscription-lifecycle.js';
import type { Repositories } from '../db/repositories/index.js';
import type { Database } from '../db/schema.js';
import type { SubscriptionRecord } from '../db/repositories/subscription.repository.js';
import { requireSelfServicePurchaseAllowed } from './product-settings.service.js';
import { applyTransition } from './subscription-lifecycle.js';
import { moveSeatsBetweenSubscriptions } from './subscription-seats.js';
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
  termEndAt?: Date | null;
  recurringBilling?: boolean;
  cancellationWindowDays?: number;
  warningDays?: number;
  suspendedDays?: number;
}

export interface UpdateSubscriptionInput {
  recurringBilling?: boolean;
  termEndAt?: Date;
  cancellationWindowDays?: number;
  warningDays?: number;
  suspendedDays?: number;
}

/** What a cancellation did, for the admin to read. */
export interface CancellationResult {
  subscription: SubscriptionRecord;
  outcome: 'disabledWithRefund' | 'runsToTermEnd';
  /** When users lose access (at once inside the window, else at the term end's expiry path). */
  accessEndsAt: Date | null;
}

const iso = (date: Date | null | undefined): string | null => (date === null || date === undefined ? null : date.toISOString());

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

const reread = async (repos: Repositories, subscriptionId: string): Promise<SubscriptionRecord> => orNotFound(await repos.subscriptions.findById(subscriptionId), subscriptionId);

const requireNotDeleted = (subscription: SubscriptionRecord): void => {
  if (subscription.status === 'Deleted') {
    throw new AppError('invalidRequest', 'The subscription is deleted.');
  }
};

const requireTrial = (subscription: SubscriptionRecord): void => {
  if (!subscription.isTrial) {
    throw new AppError('invalidRequest', 'The subscription is not a trial.');
  }
};

export function createSubscriptionService(deps: ServiceDeps) {
  /** One transaction on one subscription: its SKU locked first (the seat lock order), then re-read. */
  const inSubscriptionTransaction = <T>(
    context: RequestContext,
    subscriptionKey: string,
    work: (scope: { repos: Repositories; trx: Kysely<Database>; subscription: SubscriptionRecord; name: string; at: Date }) => Promise<T>,
  ): Promise<T> =>
    inTenantTransaction(deps.db, context, async (repos, trx) => {
      const found = orNotFound(await repos.subscriptions.findById(subscriptionKey), subscriptionKey);
      await repos.subscriptions.lockSkus([found.skuId]);
      const subscription = await reread(repos, found.subscriptionId);
      const name = (await loadTenantCatalogue(deps.microsoftCatalogue, repos)).findSku(subscription.skuId)?.displayName ?? subscription.skuId;
      return work({ repos, trx, subscription, name, at: deps.clock.now() });
    });

  /** The subscription.changed event: what a billing system or a product backend reconciles with. */
  const emitChanged = (repos: Repositories, subscription: SubscriptionRecord, change: string, at: Date) =>
    repos.events.emit(
      [
        {
          type: 'subscription.changed',
          data: {
            change,
            subscriptionId: subscription.subscriptionId,
            commerceSubscriptionId: subscription.commerceSubscriptionId,
            skuId: subscription.skuId,
            status: subscription.status,
            totalLicenses: subscription.totalLicenses,
            consumedUnits: subscription.consumedUnits,
            isTrial: subscription.isTrial,
            recurringBilling: subscription.recurringBilling,
            termEndDateTime: iso(subscription.termEndAt),
          },
        },
      ],
      at,
      deps.ids,
    );

  /** Audit entry (the settings that changed) and event of an admin's change to a subscription. */
  const recordChange = async (
    context: RequestContext,
    repos: Repositories,
    before: SubscriptionRecord,
    after: SubscriptionRecord,
    name: string,
    activity: string,
    at: Date,
    details?: Record<string, unknown>,
  ) => {
    const watched = ['isTrial', 'recurringBilling', 'termEndAt', 'nextLifecycleAt', 'cancelledAt', 'trialExtended', 'cancellationWindowDays', 'warningDays', 'suspendedDays', 'totalLicenses', 'consumedUnits'] as const;
    const value = (record: SubscriptionRecord, key: (typeof watched)[number]) => {
      const raw = record[key];
      return raw instanceof Date ? raw.toISOString() : raw;
    };
    await repos.audit.record(
      context,
      [
        {
          category: 'SubscriptionManagement',
          activity,
          target: { type: 'Subscription', id: before.subscriptionId, name },
          changes: watched.filter((key) => value(before, key) !== value(after, key)).map((key) => ({ property: key, before: value(before, key), after: value(after, key) })),
          ...(details === undefined ? {} : { details }),
        },
      ],
      at,
      deps.ids,
    );
    await emitChanged(repos, after, activity, at);
  };

  /** Moves a subscription's seats into a named target or the admins' pool; all or nothing. */
  const moveInto = async (repos: Repositories, from: SubscriptionRecord, input: { targetSubscriptionId?: string; count?: number }, name: string) => {
    const ofSku = await repos.subscriptions.listForSkus([from.skuId]);
    let targets = ofSku.filter((candidate) => candidate.channel === 'admin' && candidate.subscriptionId !== from.subscriptionId);
    if (input.targetSubscriptionId !== undefined) {
      const target = ofSku.find((candidate) => candidate.subscriptionId === input.targetSubscriptionId || candidate.commerceSubscriptionId === input.targetSubscriptionId);
      if (target === undefined || target.subscriptionId === from.subscriptionId || target.channel !== 'admin') {
        throw new AppError('invalidRequest', `Subscription ${input.targetSubscriptionId} is not another of the organization's subscriptions of ${name}.`);
      }
      targets = [target];
    }
    const wanted = Math.min(input.count ?? from.consumedUnits, from.consumedUnits);
    const room = targets.filter((target) => target.status === 'Enabled' || target.status === 'Warning').reduce((sum, target) => sum + Math.max(0, target.totalLicenses - target.consumedUnits), 0);
    if (room < wanted) {
      const missing = wanted - room;
      throw new AppError('invalidRequest', `Not enough free ${name} licenses: ${wanted} users need one and ${room} are free, so ${missing} more are needed.`, [
        { code: 'NotEnoughLicenses', target: 'targetSubscriptionId', message: `Add ${missing} license${missing === 1 ? '' : 's'} to a subscription of ${name} (or unassign some), then try again.` },
      ]);
    }
    return moveSeatsBetweenSubscriptions(repos, from, targets, ADMIN_POOL, wanted);
  };

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

    /** The users holding a seat of one subscription (a self-service purchase's team, before a take-over). */
    async listSubscriptionUsers(context: RequestContext, id: string, page: { top: number; after?: string }) {
      const repos = tenantRepositories(deps.db, context);
      const subscription = orNotFound(await repos.subscriptions.findById(id), id);
      const users = await repos.assignments.holdersOfSubscription(subscription.subscriptionId, { ...page, top: page.top + 1 });
      return { subscription, users: users.slice(0, page.top), next: users.length > page.top ? users[page.top - 1]?.userId : undefined };
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
          await requireSelfServicePurchaseAllowed(repos, skuId, input.isTrial ?? false);
        }
        if (input.commerceSubscriptionId && (await repos.subscriptions.findById(input.commerceSubscriptionId))) {
          throw new AppError('alreadyExists', `A subscription with commerceSubscriptionId ${input.commerceSubscriptionId} already exists.`);
        }
        const at = deps.clock.now();
        const subscriptionId = deps.ids();
        const createdAt = input.createdAt ?? at;
        const isTrial = input.isTrial ?? false;
        // A trial ends after 30 days unless told otherwise; an Enabled subscription moves on at its term end.
        const termEndAt = input.termEndAt ?? input.nextLifecycleAt ?? (isTrial ? new Date(createdAt.getTime() + DEFAULT_TRIAL_DAYS * DAY_MS) : null);
        await repos.subscriptions.insert({
          subscriptionId,
          commerceSubscriptionId: input.commerceSubscriptionId ?? deps.ids(),
          skuId,
          totalLicenses: input.totalLicenses,
          status: input.status ?? 'Enabled',
          isTrial,
          channel,
          purchasedByUserId: channel === 'selfService' ? (input.purchasedByUserId ?? null) : null,
          createdAt,
          nextLifecycleAt: input.nextLifecycleAt ?? termEndAt,
          termEndAt,
          recurringBilling: input.recurringBilling ?? !isTrial,
          ...(input.cancellationWindowDays === undefined ? {} : { cancellationWindowDays: input.cancellationWindowDays }),
          ...(input.warningDays === undefined ? {} : { warningDays: input.warningDays }),
          ...(input.suspendedDays === undefined ? {} : { suspendedDays: input.suspendedDays }),
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
        await emitChanged(repos, created, 'recorded', at);
        return created;
      });
    },

    /**
     * Changes a subscription's quantity by `delta`. An admin never removes licenses below what is
     * assigned from that subscription (the error says how many to unassign first); a billing system
     * (an application, `billingSystem`) may: the subscription is then over-assigned, users keep
     * access, and the scheduler ends the excess seats after 90 days unless it is fixed by then.
     */
    async changeLicenseCount(context: RequestContext, subscriptionKey: string, delta: number, options: { billingSystem?: boolean } = {}): Promise<SubscriptionRecord> {
      if (options.billingSystem === true && context.principal.kind !== 'app' && context.principal.kind !== 'system') {
        throw new AppError('forbidden', 'Only a billing system (an application) removes licenses below what is assigned. Unassign licenses first, or remove fewer.');
      }
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, trx, subscription, name, at }) => {
        const total = subscription.totalLicenses + delta;
        if (total < 0) {
          throw new AppError('invalidRequest', `The subscription has only ${subscription.totalLicenses} licenses to remove.`);
        }
        if (subscription.status === 'Deleted') {
          throw new AppError('invalidRequest', 'The subscription is deleted; record a new subscription instead.');
        }
        const overAssigned = delta < 0 && total < subscription.consumedUnits;
        if (overAssigned && options.billingSystem !== true) {
          const toUnassign = subscription.consumedUnits - total;
          const holders = await repos.assignments.seatsOfSubscription(subscription.subscriptionId, 20);
          throw new AppError(
            'invalidRequest',
            `Cannot remove ${-delta} licenses: ${subscription.consumedUnits} of this subscription's ${subscription.totalLicenses} licenses are assigned.`,
            [
              {
                code: 'LicensesInUse',
                target: 'count',
                message: `Unassign ${toUnassign} ${name} license${toUnassign === 1 ? '' : 's'} first (see the product's licensed users), or remove at most ${subscription.totalLicenses - subscription.consumedUnits}.`,
              },
              // The users to start from: the most recently licensed from this subscription (up to 20).
              ...holders.map((seat) => ({ code: 'AssignedUser', target: seat.userId, message: `Holds a ${name} license from this subscription.` })),
            ],
          );
        }
        const overAssignedSince = overAssigned ? (subscription.overAssignedSince ?? at) : total >= subscription.consumedUnits ? null : subscription.overAssignedSince;
        await repos.subscriptions.update(subscription.subscriptionId, { totalLicenses: total, overAssignedSince });
        await repos.audit.record(
          context,
          [
            {
              category: 'SubscriptionManagement',
              activity: delta >= 0 ? 'Add licenses' : 'Remove licenses',
              target: { type: 'Subscription', id: subscription.subscriptionId, name },
              changes: [{ property: 'TotalLicenses', before: subscription.totalLicenses, after: total }],
              ...(overAssigned ? { details: { overAssignedBy: subscription.consumedUnits - total, fixBy: iso(overAssignmentDeadline({ overAssignedSince })) } } : {}),
            },
          ],
          at,
          deps.ids,
        );
        const updated = await reread(repos, subscription.subscriptionId);
        await emitChanged(repos, updated, delta >= 0 ? 'licensesAdded' : 'licensesRemoved', at);
        if (overAssigned) {
          await repos.events.emit(
            [
              {
                type: 'subscription.overAssigned',
                data: {
                  subscriptionId: updated.subscriptionId,
                  skuId: updated.skuId,
                  totalLicenses: total,
                  consumedUnits: updated.consumedUnits,
                  overAssignedBy: updated.consumedUnits - total,
                  fixByDateTime: iso(overAssignmentDeadline(updated)),
                  graceDays: OVER_ASSIGNMENT_DAYS,
                },
              },
            ],
            at,
            deps.ids,
          );
        }
        if (delta > 0) {
          await fillWaitlist(deps, repos, trx, context, [subscription.skuId]);
        }
        return reread(repos, subscription.subscriptionId);
      });
    },

    /** Billing settings: recurring billing, term end, cancellation window, lifecycle durations. */
    async updateSubscription(context: RequestContext, subscriptionKey: string, input: UpdateSubscriptionInput): Promise<SubscriptionRecord> {
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, subscription, name, at }) => {
        requireNotDeleted(subscription);
        const change: LifecycleChange = {};
        if (input.recurringBilling !== undefined) {
          if (input.recurringBilling && subscription.isTrial) {
            throw new AppError('invalidRequest', 'A trial has no recurring billing; convert it to paid first.');
          }
          change.recurringBilling = input.recurringBilling;
          // Turning billing back on withdraws a cancellation that had not taken effect yet.
          if (input.recurringBilling) {
            change.cancelledAt = null;
          }
        }
        if (input.termEndAt !== undefined) {
          if (input.termEndAt.getTime() <= subscription.termStartAt.getTime()) {
            throw new AppError('invalidRequest', `The term end must be after the term start (${subscription.termStartAt.toISOString()}).`);
          }
          change.termEndAt = input.termEndAt;
          if (subscription.status === 'Enabled') {
            change.nextLifecycleAt = input.termEndAt;
          }
        }
        // Durations apply from the next step on (a Warning already dated keeps its date).
        const { cancellationWindowDays, warningDays, suspendedDays } = input;
        await repos.subscriptions.update(subscription.subscriptionId, { ...change, cancellationWindowDays, warningDays, suspendedDays });
        const updated = await reread(repos, subscription.subscriptionId);
        await recordChange(context, repos, subscription, updated, name, 'Update subscription', at);
        return updated;
      });
    },

    /**
     * Cancel: inside the cancellation window (days from start or last renewal) the subscription is
     * disabled at once (Suspended) and refund-eligible; outside it, recurring billing stops and the
     * subscription runs to its term end, then expires.
     */
    async cancelSubscription(context: RequestContext, subscriptionKey: string): Promise<CancellationResult> {
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, trx, subscription, name, at }) => {
        requireNotDeleted(subscription);
        if (subscription.channel === 'selfService') {
          throw new AppError('invalidRequest', 'A self-service purchase is ended with take over: move its users or cancel it (POST …/take-over).');
        }
        if (subscription.status !== 'Enabled' || subscription.cancelledAt !== null) {
          throw new AppError('invalidRequest', subscription.cancelledAt !== null ? 'The subscription is already cancelled.' : `The subscription is ${subscription.status}: it is not renewing any more.`);
        }
        const outcome = planCancellation(subscription, at);
        if (outcome.kind === 'disabledWithRefund') {
          await applyTransition(deps, repos, trx, context, subscription, outcome.transition);
          return { subscription: await reread(repos, subscription.subscriptionId), outcome: outcome.kind, accessEndsAt: at };
        }
        await repos.subscriptions.update(subscription.subscriptionId, outcome.change);
        const updated = await reread(repos, subscription.subscriptionId);
        await recordChange(context, repos, subscription, updated, name, 'Cancel subscription', at);
        // Expired (Warning) still grants access: users lose it when Warning ends.
        return { subscription: updated, outcome: outcome.kind, accessEndsAt: new Date(outcome.endsAt.getTime() + subscription.warningDays * DAY_MS) };
      });
    },

    /** Reactivates an expired (Warning) or disabled (Suspended) subscription with a new term. */
    async reactivateSubscription(context: RequestContext, subscriptionKey: string, termEndAt?: Date): Promise<SubscriptionRecord> {
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, trx, subscription, at }) => {
        if (subscription.status !== 'Warning' && subscription.status !== 'Suspended' && subscription.status !== 'LockedOut') {
          throw new AppError(
            'invalidRequest',
            subscription.status === 'Deleted' ? 'A deleted subscription cannot be reactivated; buy the product again.' : 'Only an expired or disabled subscription can be reactivated.',
          );
        }
        const end = termEndAt ?? new Date(at.getTime() + 365 * DAY_MS);
        if (end.getTime() <= at.getTime()) {
          throw new AppError('invalidRequest', 'The new term must end in the future.');
        }
        await applyTransition(deps, repos, trx, context, subscription, planReactivation(subscription, at, end));
        return reread(repos, subscription.subscriptionId);
      });
    },

    /** Converts a trial to paid: billing starts at the trial's end and renews from then on. */
    async convertTrial(context: RequestContext, subscriptionKey: string): Promise<SubscriptionRecord> {
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, subscription, name, at }) => {
        requireTrial(subscription);
        await repos.subscriptions.update(subscription.subscriptionId, planTrialConversion());
        const updated = await reread(repos, subscription.subscriptionId);
        await recordChange(context, repos, subscription, updated, name, 'Convert trial to paid', at);
        return updated;
      });
    },

    /** Extends a trial once. */
    async extendTrial(context: RequestContext, subscriptionKey: string, days: number): Promise<SubscriptionRecord> {
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, subscription, name, at }) => {
        requireTrial(subscription);
        if (subscription.trialExtended) {
          throw new AppError('invalidRequest', 'The trial was already extended once; convert it to paid to keep using it.');
        }
        if (subscription.status !== 'Enabled') {
          throw new AppError('invalidRequest', `The trial has ended (${subscription.status}); reactivate it or buy the product.`);
        }
        await repos.subscriptions.update(subscription.subscriptionId, planTrialExtension(subscription, days));
        const updated = await reread(repos, subscription.subscriptionId);
        await recordChange(context, repos, subscription, updated, name, 'Extend trial', at);
        return updated;
      });
    },

    /**
     * Deletes a subscription explicitly: it skips Warning and Suspended. Its seats move to the
     * product's other subscriptions where there is room; the rest end (group members go to
     * CountViolation).
     */
    async deleteSubscription(context: RequestContext, subscriptionKey: string): Promise<SubscriptionRecord> {
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, trx, subscription }) => {
        requireNotDeleted(subscription);
        await applyTransition(deps, repos, trx, context, subscription, planExplicitDelete(subscription, deps.clock.now()));
        return reread(repos, subscription.subscriptionId);
      });
    },

    /**
     * Moves seats out of a subscription into others of the same product (admins' pool), so one can be
     * emptied before it ends. Refused, saying how many seats are missing, when they do not all fit.
     */
    async moveSeats(context: RequestContext, subscriptionKey: string, input: { targetSubscriptionId?: string; count?: number }): Promise<{ subscription: SubscriptionRecord; moved: number }> {
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, subscription, name, at }) => {
        if (subscription.channel !== 'admin') {
          throw new AppError('invalidRequest', 'Seats of a self-service purchase move with take over (POST …/take-over).');
        }
        const moved = await moveInto(repos, subscription, input, name);
        const updated = await reread(repos, subscription.subscriptionId);
        await recordChange(context, repos, subscription, updated, name, 'Move licenses', at, { moved: moved.length, to: [...new Set(moved.map((seat) => seat.subscriptionId))] });
        return { subscription: updated, moved: moved.length };
      });
    },

    /**
     * Takes control of a self-service purchase: move its users to the organization's subscriptions
     * of the same product (refused, saying how many seats are missing, when there is no room), after
     * which the purchase is cancelled; or cancel it outright (users lose access). The purchaser learns
     * it through the subscription.selfServiceEnded event.
     */
    async takeOver(context: RequestContext, subscriptionKey: string, input: { action: 'moveUsers' | 'cancel'; targetSubscriptionId?: string }): Promise<{ subscription: SubscriptionRecord; usersMoved: number }> {
      return inSubscriptionTransaction(context, subscriptionKey, async ({ repos, trx, subscription, name, at }) => {
        if (subscription.channel !== 'selfService') {
          throw new AppError('invalidRequest', 'Only a self-service purchase can be taken over; this subscription is the organization\'s own.');
        }
        requireNotDeleted(subscription);
        let usersMoved = 0;
        if (input.action === 'moveUsers') {
          usersMoved = (await moveInto(repos, subscription, { ...(input.targetSubscriptionId === undefined ? {} : { targetSubscriptionId: input.targetSubscriptionId }) }, name)).length;
        }
        const current = await reread(repos, subscription.subscriptionId);
        await applyTransition(deps, repos, trx, context, current, planSelfServiceEnd(current, at, input.action === 'moveUsers' ? 'takeOver' : 'cancel'));
        await repos.events.emit(
          [
            {
              type: 'subscription.selfServiceEnded',
              data: { subscriptionId: subscription.subscriptionId, skuId: subscription.skuId, purchasedByUserId: subscription.purchasedByUserId, action: input.action, usersMoved },
            },
          ],
          at,
          deps.ids,
        );
        return { subscription: await reread(repos, subscription.subscriptionId), usersMoved };
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
