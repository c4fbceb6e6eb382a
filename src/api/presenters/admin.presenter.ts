import type { BulkChangeResult, LicenseExplanation, ProductOverview } from '../../services/license-admin.service.js';
import type { LicensedUser } from '../../services/licensing.service.js';
import type { SubscriptionRecord } from '../../domain/seats.js';
import { presentUser } from './user.presenter.js';
import { DAY_MS } from '../../domain/clock.js';
import { ADMIN_CENTER_STATUS, overAssignmentDeadline } from '../../domain/subscription-lifecycle.js';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export const presentSubscriptionSummary = (subscription: SubscriptionRecord) => ({
  id: subscription.subscriptionId,
  commerceSubscriptionId: subscription.commerceSubscriptionId,
  skuId: subscription.skuId,
  totalLicenses: subscription.totalLicenses,
  consumedUnits: subscription.consumedUnits,
  status: subscription.status,
  isTrial: subscription.isTrial,
  channel: subscription.channel,
  purchasedByUserId: subscription.purchasedByUserId,
  createdDateTime: iso(subscription.createdAt),
  nextLifecycleDateTime: iso(subscription.nextLifecycleAt),
  // The admin center's names for Graph's statuses (Active, Expired, Disabled, Deleted).
  adminCenterStatus: ADMIN_CENTER_STATUS[subscription.status],
  termStartDateTime: iso(subscription.termStartAt),
  termEndDateTime: iso(subscription.termEndAt),
  recurringBilling: subscription.recurringBilling,
  cancellationWindowDays: subscription.cancellationWindowDays,
  cancellationWindowEndDateTime: iso(new Date(subscription.termStartAt.getTime() + subscription.cancellationWindowDays * DAY_MS)),
  warningDays: subscription.warningDays,
  suspendedDays: subscription.suspendedDays,
  trialExtended: subscription.trialExtended,
  refundEligible: subscription.refundEligible,
  cancelledDateTime: iso(subscription.cancelledAt),
  statusChangedDateTime: iso(subscription.statusChangedAt),
  lifecycleCause: subscription.lifecycleCause,
  overAssignedSinceDateTime: iso(subscription.overAssignedSince),
  overAssignmentFixByDateTime: iso(overAssignmentDeadline(subscription)),
});

/** A product row of Billing > Licenses. */
export const presentProductOverview = (product: ProductOverview) => ({
  skuId: product.sku.skuId,
  skuPartNumber: product.sku.skuPartNumber,
  displayName: product.sku.displayName,
  appliesTo: product.sku.appliesTo,
  origin: product.sku.origin,
  assigned: product.assigned,
  available: product.available,
  total: product.total,
  overAssignedBy: product.overAssignedBy,
  selfServiceUnits: product.selfServiceUnits,
  waitingForSeat: product.waitingForSeat,
  subscriptions: product.subscriptions.map(presentSubscriptionSummary),
});

export const presentBulkResult = (result: BulkChangeResult) => ({
  applied: result.applied,
  canApply: result.plan.isApplicable,
  seatDeltas: result.plan.seatDeltas,
  licensesToBuy: result.plan.seatDeltas.filter((delta) => delta.shortBy > 0).map((delta) => ({ skuId: delta.skuId, displayName: delta.displayName, count: delta.shortBy })),
  users: result.plan.outcomes.map((outcome) => ({
    id: outcome.userId,
    userPrincipalName: outcome.userPrincipalName,
    displayName: outcome.displayName,
    added: outcome.added,
    removed: outcome.removed,
    kept: outcome.kept,
    servicesLost: outcome.servicesLost,
    conflicts: outcome.conflicts.slice(1),
  })),
  ...(result.dataClocks === undefined
    ? {}
    : { dataClocks: result.dataClocks.map((clock) => ({ userId: clock.userId, dataClass: clock.dataClass, graceUntil: clock.graceUntil?.toISOString() ?? null })) }),
});

/** One user's licenses for the Licenses and apps panel, with the version to send back in If-Match. */
export const presentUserLicenses = (user: LicensedUser & { version: number }) => ({
  version: user.version,
  ...presentUser(user, { select: ['id', 'displayName', 'userPrincipalName', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates'] }),
});

export const presentExplanation = (explanations: LicenseExplanation[]) => ({ value: explanations });
