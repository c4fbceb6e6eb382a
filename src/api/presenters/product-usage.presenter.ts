import type { AttentionItem } from '../../domain/product-settings.js';
import { freesSeat } from '../../domain/reclaim.js';
import type { Overview } from '../../services/overview.service.js';
import type { ProductWithSettings } from '../../services/product-settings.service.js';
import type { ActivityResult, InactiveHolder, ReclaimPage, ReclaimScope, ReclaimUnassignResult } from '../../services/reclaim.service.js';
import { presentBulkResult, presentSubscriptionSummary } from './admin.presenter.js';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

/** A product with its settings (Billing > Your products > settings). */
export const presentProductSettings = ({ sku, settings }: ProductWithSettings) => ({
  skuId: sku.skuId,
  skuPartNumber: sku.skuPartNumber,
  displayName: sku.displayName,
  selfServicePolicy: settings.selfServicePolicy,
  lowSeatThreshold: settings.lowSeatThreshold,
  lowSeatAlertDateTime: iso(settings.lowSeatAlertedAt),
  inactivityDays: settings.inactivityDays,
  monthlyPrice: settings.monthlyPrice,
  currency: settings.currency,
});

export const presentActivityResult = (result: ActivityResult) => ({ accepted: result.accepted, rejected: result.rejected });

const presentScope = (scope: ReclaimScope) => ({
  skuId: scope.sku.skuId,
  skuPartNumber: scope.sku.skuPartNumber,
  displayName: scope.sku.displayName,
  days: scope.days,
  inactiveSinceDateTime: scope.cutoff.toISOString(),
});

/** An inactive holder; `source` says whether unassigning the direct license frees the seat. */
export const presentInactiveHolder = (holder: InactiveHolder) => ({
  id: holder.userId,
  displayName: holder.displayName,
  userPrincipalName: holder.userPrincipalName,
  lastActivityDateTime: iso(holder.lastActivityAt),
  source: {
    assignedDirectly: holder.source.direct,
    inheritedFrom: holder.source.groups.map((group) => ({ id: group.groupId, displayName: group.displayName })),
    selfService: holder.source.selfService,
    freesSeat: freesSeat(holder.source),
  },
});

export const presentReclaimPage = (page: ReclaimPage) => ({
  ...presentScope(page),
  totals: { ...page.totals, monthlyCost: page.monthlyCost },
  value: page.holders.map(presentInactiveHolder),
});

export const presentReclaimUnassign = (result: ReclaimUnassignResult) => ({
  ...presentScope(result),
  ...presentBulkResult(result.result),
  seatsFreed: result.seatsFreed,
  monthlyCost: result.monthlyCost,
  skipped: result.skipped.map((user) => ({
    id: user.userId,
    displayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    reason: user.reason,
    inheritedFrom: user.groups.map((group) => ({ id: group.groupId, displayName: group.displayName })),
  })),
  moreRemaining: result.moreRemaining,
});

const presentAttentionItem = (item: AttentionItem) => {
  switch (item.kind) {
    case 'overAssigned': {
      const { deadline, ...rest } = item;
      return { ...rest, deadlineDateTime: iso(deadline) };
    }
    case 'subscriptionExpiring':
    case 'trialEnding': {
      const { endsAt, ...rest } = item;
      return { ...rest, endDateTime: iso(endsAt) };
    }
    case 'lowSeats':
    case 'nearlyFull':
    case 'groupLicenseErrors':
      return item;
  }
};

/** The Home page: seat usage per product and what needs attention. */
export const presentOverview = (overview: Overview) => ({
  products: overview.products.map((product) => ({
    skuId: product.skuId,
    skuPartNumber: product.skuPartNumber,
    displayName: product.displayName,
    assigned: product.assigned,
    available: product.available,
    total: product.total,
    lowSeatThreshold: product.lowSeatThreshold,
    subscriptions: product.subscriptions.map(presentSubscriptionSummary),
  })),
  needsAttention: overview.needsAttention.map(presentAttentionItem),
});
