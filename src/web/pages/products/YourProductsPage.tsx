import { Badge, Button, Link, makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Toolbar, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { Subscription } from '../../../client/billing-groups.js';
import { ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { StatusBadge, termDate } from './subscription-text.js';
import { SubscriptionDrawer } from './SubscriptionDrawer.js';

const useStyles = makeStyles({
  surface: { backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium, boxShadow: tokens.shadow4, padding: tokens.spacingHorizontalL },
  productColumn: { width: '36%' },
  narrowColumn: { width: '12%' },
  dateColumn: { width: '28%' },
  badges: { display: 'inline-flex', gap: tokens.spacingHorizontalXS, marginInlineStart: tokens.spacingHorizontalS },
  empty: { padding: tokens.spacingVerticalL, display: 'block' },
});

/** The subscription a link asked for (?subscription=<id>, from Home's attention cards). */
const requestedSubscription = (): string | undefined => new URLSearchParams(window.location.search).get('subscription') ?? undefined;

/** Billing › Your products: a row per subscription, and its details in a panel. */
export function YourProductsPage() {
  const styles = useStyles();
  const { t, formatNumber, formatDate } = useI18n();
  const { client } = useSession();
  const { state, reload } = useAsync(() => client.listSubscriptions(), 'subscriptions');
  const [openId, setOpenId] = useState<string | undefined>(requestedSubscription);

  const open = (subscription: Subscription | undefined) => {
    setOpenId(subscription?.id);
    window.history.replaceState(null, '', subscription === undefined ? ROUTES.yourProducts.path : `${ROUTES.yourProducts.path}?subscription=${encodeURIComponent(subscription.id)}`);
  };
  const chosen = state.status === 'done' ? state.data.find((subscription) => subscription.id === openId) : undefined;

  return (
    <>
      <PageHeader title={t('products.title')} subtitle={t('products.subtitle')} />
      <section className={styles.surface} aria-label={t('products.subscriptions')}>
        <Toolbar aria-label={t('products.subscriptions')}>
          <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={reload}>
            {t('common.refresh')}
          </Button>
        </Toolbar>
        {state.status === 'loading' ? <Loading /> : null}
        {state.status === 'error' ? <ErrorBar error={state.error} onRetry={reload} /> : null}
        {state.status === 'done' && state.data.length === 0 ? <Text className={styles.empty}>{t('products.empty')}</Text> : null}
        {state.status === 'done' && state.data.length > 0 ? (
          <Table aria-label={t('products.subscriptions')}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell className={styles.productColumn}>{t('products.product')}</TableHeaderCell>
                <TableHeaderCell className={styles.narrowColumn}>{t('products.licenses')}</TableHeaderCell>
                <TableHeaderCell className={styles.narrowColumn}>{t('products.assigned')}</TableHeaderCell>
                <TableHeaderCell className={styles.narrowColumn}>{t('products.status')}</TableHeaderCell>
                <TableHeaderCell className={styles.dateColumn}>{t('products.termDate')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {state.data.map((subscription) => (
                <TableRow key={subscription.id} data-subscription={subscription.id} data-sku={subscription.skuPartNumber ?? ''}>
                  <TableCell>
                    <Link as="button" onClick={() => open(subscription)} aria-label={t('products.openDetails', { product: subscription.displayName })}>
                      {subscription.displayName}
                    </Link>
                    <span className={styles.badges}>
                      {subscription.isTrial ? (
                        <Badge appearance="tint" color="informative">
                          {t('products.trial')}
                        </Badge>
                      ) : null}
                      {subscription.channel === 'selfService' ? (
                        <Badge appearance="tint" color="warning">
                          {t('products.selfService')}
                        </Badge>
                      ) : null}
                    </span>
                  </TableCell>
                  <TableCell data-column="quantity">{formatNumber(subscription.totalLicenses)}</TableCell>
                  <TableCell data-column="assigned">{formatNumber(subscription.consumedUnits)}</TableCell>
                  <TableCell>
                    <StatusBadge subscription={subscription} />
                  </TableCell>
                  <TableCell>{termDate(subscription, t, formatDate)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
      </section>
      {chosen === undefined ? null : <SubscriptionDrawer key={chosen.id} subscription={chosen} onClose={() => open(undefined)} onChanged={reload} />}
    </>
  );
}
