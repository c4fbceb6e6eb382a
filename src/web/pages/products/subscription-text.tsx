import { Badge } from '@fluentui/react-components';
import type { AdminCenterStatus, Subscription } from '../../../client/billing-groups.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';

const STATUS: Record<AdminCenterStatus, { label: MessageKey; color: 'success' | 'warning' | 'danger' | 'subtle' }> = {
  Active: { label: 'products.statusActive', color: 'success' },
  Expired: { label: 'products.statusExpired', color: 'warning' },
  Disabled: { label: 'products.statusDisabled', color: 'danger' },
  Deleted: { label: 'products.statusDeleted', color: 'subtle' },
};

/** The status in the admin center's words (Active, Expired, Disabled, Deleted). */
export function StatusBadge({ subscription }: { subscription: Subscription }) {
  const { t } = useI18n();
  const status = STATUS[subscription.adminCenterStatus];
  return (
    <Badge appearance="tint" color={status.color} data-status={subscription.adminCenterStatus}>
      {t(status.label)}
    </Badge>
  );
}

/** "Renews on", "Trial ends on" or "Expires on": the date a subscription moves on. */
export function termDate(subscription: Subscription, t: Translate, formatDate: (iso: string) => string): string {
  const date = subscription.nextLifecycleDateTime ?? subscription.termEndDateTime;
  if (date === null) {
    return t('products.noDate');
  }
  if (subscription.adminCenterStatus !== 'Active') {
    return subscription.adminCenterStatus === 'Deleted' ? t('products.deletedOn', { date: formatDate(subscription.statusChangedDateTime ?? date) }) : t('products.nextStep', { date: formatDate(date) });
  }
  if (subscription.isTrial) {
    return t('products.trialEnds', { date: formatDate(date) });
  }
  return subscription.recurringBilling ? t('products.renews', { date: formatDate(date) }) : t('products.expires', { date: formatDate(date) });
}
