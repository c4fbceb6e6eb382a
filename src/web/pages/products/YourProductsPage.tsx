import { Badge, Button, Link, makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Toolbar, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { AsyncList } from '../../components/AsyncList.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { useQueryParam } from '../../lib/use-query-param.js';
import { StatusBadge, termDate } from './subscription-text.js';
import { SubscriptionDrawer } from './SubscriptionDrawer.js';

const useStyles = makeStyles({
  productColumn: { width: '36%' },
  narrowColumn: { width: '12%' },
  dateColumn: { width: '28%' },
  badges: { display: 'inline-flex', gap: tokens.spacingHorizontalXS, marginInlineStart: tokens.spacingHorizontalS },
});

/** Billing › Your products: a row per subscription, and its details in a panel. */
export function YourProductsPage() {
  const styles = useStyles();
  const { t, formatNumber, formatDate } = useI18n();
  const { client } = useSession();
  const { state, reload } = useAsync(() => client.listSubscriptions(), 'subscriptions');
  // Home's attention cards link to a subscription (?subscription=<id>).
  const [openId, open] = useQueryParam('subscription', ROUTES.yourProducts.path);
  const chosen = state.status === 'done' ? state.data.find((subscription) => subscription.id === openId) : undefined;

  return (
    <>
      <PageHeader title={t('products.title')} subtitle={t('products.subtitle')} />
      <Surface aria-label={t('products.subscriptions')}>
        <Toolbar aria-label={t('products.subscriptions')}>
          <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={reload}>
            {t('common.refresh')}
          </Button>
        </Toolbar>
        <AsyncList source={{ state, reload }} empty={t('products.empty')}>
          {(subscriptions) => (
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
                {subscriptions.map((subscription) => (
                  <TableRow key={subscription.id} data-subscription={subscription.id} data-sku={subscription.skuPartNumber ?? ''}>
                    <TableCell>
                      <Link as="button" onClick={() => open(subscription.id)} aria-label={t('products.openDetails', { product: subscription.displayName })}>
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
          )}
        </AsyncList>
      </Surface>
      {chosen === undefined ? null : <SubscriptionDrawer key={chosen.id} subscription={chosen} onClose={() => open(undefined)} onChanged={reload} />}
    </>
  );
}
