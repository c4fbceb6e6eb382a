import { DAY_MS } from './clock.js';
import type { SubscriptionRecord } from './seats.js';
import { overAssignmentDeadline } from './subscription-lifecycle.js';

/**
 * Per-product settings of a tenant: the self-service purchase policy (Microsoft 365's "Allow / Allow
 * for trials only / Do not allow"), the low-seat alert threshold, reclaim's inactivity window and
 * the price of a seat; and the rules that read them (purchases, low-seat alerts, the Home page's
 * "needs attention" list).
 */
export type SelfServicePolicy = 'allow' | 'trialsOnly' | 'deny';

export const SELF_SERVICE_POLICIES: readonly SelfServicePolicy[] = ['allow', 'trialsOnly', 'deny'];

export interface ProductSettings {
  skuId: string;
  selfServicePolicy: SelfServicePolicy;
  /** Alert when free seats fall to this many or fewer; null: no alert. */
  lowSeatThreshold: number | null;
  /** When the open low-seat alert was raised; null while none is open. */
  lowSeatAlertedAt: Date | null;
  /** Reclaim's default: a user inactive this many days is a candidate. */
  inactivityDays: number;
  /** What one seat costs per month, with its ISO 4217 currency (both or neither). */
  monthlyPrice: number | null;
  currency: string | null;
}

/** A product without a stored row: new products allow self-service purchases, as in Microsoft 365. */
export const defaultProductSettings = (skuId: string): ProductSettings => ({
  skuId,
  selfServicePolicy: 'allow',
  lowSeatThreshold: null,
  lowSeatAlertedAt: null,
  inactivityDays: 30,
  monthlyPrice: null,
  currency: null,
});

export type ProductSettingsPatch = Partial<Pick<ProductSettings, 'selfServicePolicy' | 'lowSeatThreshold' | 'inactivityDays' | 'monthlyPrice' | 'currency'>>;

/** Only a Global Administrator sets the purchase policy; the rest is subscription management. */
export const actionsForPatch = (patch: ProductSettingsPatch): ('selfService.policy' | 'subscriptions.manage')[] => {
  const fields = (Object.keys(patch) as (keyof ProductSettingsPatch)[]).filter((field) => patch[field] !== undefined);
  return [...(fields.includes('selfServicePolicy') ? ['selfService.policy' as const] : []), ...(fields.some((field) => field !== 'selfServicePolicy') ? ['subscriptions.manage' as const] : [])];
};

/**
 * The settings after a patch, or the reason the result is inconsistent. A changed threshold closes
 * the open alert, so the job judges the product afresh against the new one.
 */
export function applySettingsPatch(before: ProductSettings, patch: ProductSettingsPatch): { after: ProductSettings } | { problem: string } {
  const after: ProductSettings = { ...before };
  for (const field of Object.keys(patch) as (keyof ProductSettingsPatch)[]) {
    if (patch[field] !== undefined) {
      Object.assign(after, { [field]: patch[field] });
    }
  }
  if (after.monthlyPrice !== null && after.currency === null) {
    return { problem: 'A monthlyPrice needs a currency (an ISO 4217 code such as EUR).' };
  }
  if (after.lowSeatThreshold !== before.lowSeatThreshold) {
    after.lowSeatAlertedAt = null;
  }
  return { after };
}

/** The changed fields, before and after (for the audit row). */
export const settingsChanges = (before: ProductSettings, after: ProductSettings): { property: string; before: unknown; after: unknown }[] =>
  (['selfServicePolicy', 'lowSeatThreshold', 'inactivityDays', 'monthlyPrice', 'currency'] as const)
    .filter((field) => before[field] !== after[field])
    .map((field) => ({ property: field, before: before[field], after: after[field] }));

/** Why a user may not buy this product for themselves, or undefined when the policy allows it. */
export function selfServicePurchaseRefusal(policy: SelfServicePolicy, isTrial: boolean): string | undefined {
  switch (policy) {
    case 'allow':
      return undefined;
    case 'trialsOnly':
      return isTrial ? undefined : 'Self-service purchases of this product are allowed for trials only; ask an administrator to buy it.';
    case 'deny':
      return 'Self-service purchases of this product are turned off; ask an administrator to buy it.';
  }
}

/** What the low-seat job does for one product: raise an alert, close the open one, or nothing. */
export function lowSeatTransition(settings: Pick<ProductSettings, 'lowSeatThreshold' | 'lowSeatAlertedAt'>, free: number): 'alert' | 'clear' | 'none' {
  const isOpen = settings.lowSeatAlertedAt !== null;
  if (settings.lowSeatThreshold === null) {
    return isOpen ? 'clear' : 'none';
  }
  if (free <= settings.lowSeatThreshold) {
    return isOpen ? 'none' : 'alert';
  }
  return isOpen ? 'clear' : 'none';
}

/** A product's seat usage as the Home page shows it (Billing > Licenses' numbers). */
export interface ProductUsage {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  assigned: number;
  available: number;
  total: number;
  lowSeatThreshold: number | null;
  subscriptions: readonly SubscriptionRecord[];
}

export const NEARLY_FULL_RATIO = 0.9;
export const EXPIRING_WITHIN_DAYS = 30;
export const TRIAL_ENDING_WITHIN_DAYS = 14;

export type AttentionItem =
  | { kind: 'lowSeats'; skuId: string; displayName: string; available: number; threshold: number }
  | { kind: 'nearlyFull'; skuId: string; displayName: string; assigned: number; total: number }
  | { kind: 'overAssigned'; skuId: string; displayName: string; overAssignedBy: number; subscriptionId: string | null; deadline: Date | null }
  | { kind: 'subscriptionExpiring'; skuId: string; displayName: string; subscriptionId: string; status: SubscriptionRecord['status']; endsAt: Date | null }
  | { kind: 'trialEnding'; skuId: string; displayName: string; subscriptionId: string; endsAt: Date }
  | { kind: 'groupLicenseErrors'; groupId: string; displayName: string; usersInError: number };

/** When a subscription's current term or state ends, if it has a date. */
const endOf = (subscription: SubscriptionRecord): Date | null => subscription.nextLifecycleAt ?? subscription.termEndAt;

const within = (date: Date | null, now: Date, days: number): date is Date => date !== null && date.getTime() <= now.getTime() + days * DAY_MS;

/** The products, subscriptions and groups the Home page asks an admin to look at. */
export function attentionItems(products: readonly ProductUsage[], groupsWithErrors: readonly { groupId: string; displayName: string; usersInError: number }[], now: Date): AttentionItem[] {
  const items: AttentionItem[] = [];
  for (const product of products) {
    const label = { skuId: product.skuId, displayName: product.displayName };
    if (product.lowSeatThreshold !== null && product.available <= product.lowSeatThreshold) {
      items.push({ kind: 'lowSeats', ...label, available: product.available, threshold: product.lowSeatThreshold });
    } else if (product.total > 0 && product.assigned >= product.total * NEARLY_FULL_RATIO) {
      items.push({ kind: 'nearlyFull', ...label, assigned: product.assigned, total: product.total });
    }
    const reduced = product.subscriptions.filter((subscription) => subscription.overAssignedSince !== null && subscription.status !== 'Deleted');
    for (const subscription of reduced) {
      items.push({
        kind: 'overAssigned',
        ...label,
        overAssignedBy: Math.max(0, subscription.consumedUnits - subscription.totalLicenses),
        subscriptionId: subscription.subscriptionId,
        deadline: overAssignmentDeadline(subscription),
      });
    }
    if (reduced.length === 0 && product.assigned > product.total) {
      items.push({ kind: 'overAssigned', ...label, overAssignedBy: product.assigned - product.total, subscriptionId: null, deadline: null });
    }
    for (const subscription of product.subscriptions) {
      if (subscription.status === 'Deleted') {
        continue;
      }
      const endsAt = endOf(subscription);
      if (subscription.isTrial) {
        if (within(endsAt, now, TRIAL_ENDING_WITHIN_DAYS)) {
          items.push({ kind: 'trialEnding', ...label, subscriptionId: subscription.subscriptionId, endsAt });
        }
        continue;
      }
      const lapsing = subscription.status === 'Warning' || subscription.status === 'Suspended';
      if (lapsing || (!subscription.recurringBilling && within(endsAt, now, EXPIRING_WITHIN_DAYS))) {
        items.push({ kind: 'subscriptionExpiring', ...label, subscriptionId: subscription.subscriptionId, status: subscription.status, endsAt });
      }
    }
  }
  for (const group of groupsWithErrors) {
    items.push({ kind: 'groupLicenseErrors', ...group });
  }
  return items;
}
