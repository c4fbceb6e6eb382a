import type { ServicePlan } from '../../domain/catalogue.js';
import type { SubscribedSkuView, SubscriptionView } from '../../services/subscription.service.js';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** Graph's subscribedSku; `id` is `{tenantId}_{skuId}`. */
const servicePlanInfo = (plan: ServicePlan, provisioningStatus: 'Success' | 'Disabled' = 'Success') => ({
  servicePlanId: plan.servicePlanId,
  servicePlanName: plan.servicePlanName,
  provisioningStatus,
  appliesTo: plan.appliesTo,
});

export function presentSubscribedSku(view: SubscribedSkuView, tenant: { tenantId: string; displayName: string }): Record<string, unknown> {
  return {
    accountId: tenant.tenantId,
    accountName: tenant.displayName,
    appliesTo: view.sku.appliesTo,
    capabilityStatus: view.capabilityStatus,
    consumedUnits: view.consumedUnits,
    id: `${tenant.tenantId}_${view.sku.skuId}`,
    prepaidUnits: view.prepaidUnits,
    servicePlans: view.plans.map((plan) => servicePlanInfo(plan)),
    skuId: view.sku.skuId,
    skuPartNumber: view.sku.skuPartNumber,
    subscriptionIds: view.subscriptions.map((subscription) => subscription.commerceSubscriptionId),
  };
}

/** Graph's companySubscription (directory/subscriptions), plus Allot's channel facts. */
export function presentSubscription({ subscription, sku, plans }: SubscriptionView): Record<string, unknown> {
  return {
    id: subscription.subscriptionId,
    commerceSubscriptionId: subscription.commerceSubscriptionId,
    createdDateTime: iso(subscription.createdAt),
    isTrial: subscription.isTrial,
    nextLifecycleDateTime: iso(subscription.nextLifecycleAt),
    ownerId: subscription.purchasedByUserId,
    ownerTenantId: null,
    ownerType: subscription.purchasedByUserId === null ? null : 'User',
    // UNCONFIRMED: a subscription that grants no access any more reports its plans Disabled.
    serviceStatus: plans.map((plan) => servicePlanInfo(plan, subscription.status === 'Enabled' || subscription.status === 'Warning' ? 'Success' : 'Disabled')),
    skuId: subscription.skuId,
    skuPartNumber: sku?.skuPartNumber ?? null,
    status: subscription.status,
    totalLicenses: subscription.totalLicenses,
  };
}

/** Applies Graph's $select to one object (unknown names are refused before this). */
export function selectProperties(object: Record<string, unknown>, select: readonly string[] | undefined): Record<string, unknown> {
  if (select === undefined) {
    return object;
  }
  return Object.fromEntries(select.filter((key) => key in object).map((key) => [key, object[key]]));
}
