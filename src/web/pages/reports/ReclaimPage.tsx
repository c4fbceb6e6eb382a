import { Button, Dropdown, Field, makeStyles, MessageBar, MessageBarBody, Option, Text, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { ProductSettings, ReclaimReport } from '../../../client/reports.js';
import { ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { useQueryParam } from '../../lib/use-query-param.js';
import { RECLAIM_PAGE_SIZE, ReclaimSection } from './ReclaimSection.js';

const ALL_PRODUCTS = 'all';
/** The windows the admin center offers besides each product's own inactivity days. */
const DAY_CHOICES = ['30', '60', '90'] as const;
type DaysChoice = 'product' | (typeof DAY_CHOICES)[number];

const useStyles = makeStyles({
  filters: { display: 'flex', alignItems: 'flex-end', flexWrap: 'wrap', gap: tokens.spacingHorizontalL, marginBottom: tokens.spacingVerticalL },
  dropdown: { minWidth: '280px' },
  summary: { display: 'grid', gridTemplateColumns: 'repeat(3, minmax(0, 1fr))', gap: tokens.spacingHorizontalL, marginBottom: tokens.spacingVerticalL },
  card: { backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium, boxShadow: tokens.shadow4, padding: tokens.spacingHorizontalL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  cardLabel: { color: tokens.colorNeutralForeground2 },
  cardHint: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  sections: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  quiet: { color: tokens.colorNeutralForeground2 },
  notice: { marginBottom: tokens.spacingVerticalM },
});

type Loaded = { product: ProductSettings; result: PromiseSettledResult<ReclaimReport> };

/**
 * Reports › Reclaim: per product, the holders who have not used it for a while (the product's
 * inactivity days, or 30/60/90), what unassigning them frees in seats and money, a CSV export and
 * the unassign itself (a dry run first). Licenses inherited from groups are shown but cannot be
 * unassigned here.
 */
export function ReclaimPage() {
  const styles = useStyles();
  const { t, formatNumber, formatMoney } = useI18n();
  const { client, session } = useSession();
  const [requestedSku, setRequestedSku] = useQueryParam('product', ROUTES.reclaim.path);
  const skuChoice = requestedSku ?? ALL_PRODUCTS;
  const [daysChoice, setDaysChoice] = useState<DaysChoice>('product');
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string>();
  const canRead = session.allowedActions.includes('licenses.read');
  const products = useAsync(async () => (canRead ? client.listProductSettings() : []), 'reclaim-products');
  const days = daysChoice === 'product' ? undefined : Number(daysChoice);
  const allProducts = products.state.status === 'done' ? products.state.data : [];
  const inScope = skuChoice === ALL_PRODUCTS ? allProducts : allProducts.filter((product) => product.skuId === skuChoice);
  const reports = useAsync(
    async (): Promise<Loaded[]> => {
      const results = await Promise.allSettled(inScope.map((product) => client.reclaimReport(product.skuId, { top: RECLAIM_PAGE_SIZE, ...(days === undefined ? {} : { days }) })));
      return inScope.map((product, index) => ({ product, result: results[index] as PromiseSettledResult<ReclaimReport> }));
    },
    `reclaim:${inScope.map((product) => product.skuId).join(',')}:${daysChoice}`,
  );

  const refresh = () => {
    products.reload();
    reports.reload();
    setGeneration((value) => value + 1);
  };
  const changed = (message: string) => {
    setNotice(message);
    refresh();
  };
  const chooseProduct = (skuId: string) => {
    setRequestedSku(skuId === ALL_PRODUCTS ? undefined : skuId);
    setNotice(undefined);
  };

  const chosen = allProducts.find((product) => product.skuId === skuChoice);
  const loaded = reports.state.status === 'done' ? reports.state.data : [];
  const reported = loaded.flatMap((item) => (item.result.status === 'fulfilled' ? [item.result.value] : []));
  const costs = new Map<string, number>();
  for (const report of reported) {
    const cost = report.totals.monthlyCost;
    if (cost !== null) {
      costs.set(cost.currency, (costs.get(cost.currency) ?? 0) + cost.amount);
    }
  }
  const unpriced = reported.filter((report) => report.totals.monthlyCost === null && report.totals.seatsFreed > 0).length;
  const isAll = skuChoice === ALL_PRODUCTS;
  // The most licenses to free first: where reclaiming pays most.
  const freed = (item: Loaded) => (item.result.status === 'fulfilled' ? item.result.value.totals.seatsFreed : 0);
  const shown = (isAll ? loaded.filter((item) => item.result.status === 'rejected' || item.result.value.totals.inactiveUsers > 0) : [...loaded]).sort(
    (a, b) => freed(b) - freed(a) || a.product.displayName.localeCompare(b.product.displayName),
  );
  const quiet = isAll ? reported.filter((report) => report.totals.inactiveUsers === 0) : [];

  if (!canRead) {
    return (
      <>
        <PageHeader title={t('nav.reclaim')} subtitle={t('reclaim.subtitle')} />
        <MessageBar intent="info">
          <MessageBarBody>{t('reclaim.noReadRole')}</MessageBarBody>
        </MessageBar>
      </>
    );
  }

  return (
    <>
      <PageHeader title={t('nav.reclaim')} subtitle={t('reclaim.subtitle')} />
      <div className={styles.filters}>
        <Field label={t('reclaim.product')}>
          <Dropdown
            className={styles.dropdown}
            value={isAll ? t('reclaim.allProducts') : (chosen?.displayName ?? '')}
            selectedOptions={[skuChoice]}
            disabled={products.state.status !== 'done'}
            onOptionSelect={(_event, data) => chooseProduct(data.optionValue ?? ALL_PRODUCTS)}
          >
            <Option value={ALL_PRODUCTS}>{t('reclaim.allProducts')}</Option>
            {allProducts.map((product) => (
              <Option key={product.skuId} value={product.skuId}>
                {product.displayName}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label={t('reclaim.inactiveFor')}>
          <Dropdown
            className={styles.dropdown}
            value={daysChoice === 'product' ? (chosen === undefined ? t('reclaim.daysEachProduct') : t('reclaim.daysProduct', { days: chosen.inactivityDays })) : t('reclaim.daysOption', { days: Number(daysChoice) })}
            selectedOptions={[daysChoice]}
            onOptionSelect={(_event, data) => setDaysChoice((data.optionValue ?? 'product') as DaysChoice)}
          >
            <Option value="product" text={chosen === undefined ? t('reclaim.daysEachProduct') : t('reclaim.daysProduct', { days: chosen.inactivityDays })}>
              {chosen === undefined ? t('reclaim.daysEachProduct') : t('reclaim.daysProduct', { days: chosen.inactivityDays })}
            </Option>
            {DAY_CHOICES.map((choice) => (
              <Option key={choice} value={choice}>
                {t('reclaim.daysOption', { days: Number(choice) })}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={refresh}>
          {t('common.refresh')}
        </Button>
      </div>
      {notice === undefined ? null : (
        <MessageBar intent="success" role="status" className={styles.notice}>
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      {products.state.status === 'loading' ? <Loading /> : null}
      {products.state.status === 'error' ? <ErrorBar error={products.state.error} onRetry={products.reload} /> : null}
      {products.state.status === 'done' && allProducts.length === 0 ? <Text>{t('reclaim.noProducts')}</Text> : null}
      {products.state.status === 'done' && allProducts.length > 0 && !isAll && chosen === undefined ? <ErrorBar error={new Error(t('reclaim.unknownProduct'))} /> : null}
      {reports.state.status === 'loading' && inScope.length > 0 ? <Loading /> : null}
      {reports.state.status === 'error' ? <ErrorBar error={reports.state.error} onRetry={reports.reload} /> : null}
      {reports.state.status === 'done' && loaded.length > 0 ? (
        <>
          <section className={styles.summary} aria-label={t('reclaim.summary')}>
            <div className={styles.card} data-testid="reclaim-inactive-users">
              <Text className={styles.cardLabel}>{t('reclaim.inactiveUsers')}</Text>
              <Text size={700} weight="semibold">
                {formatNumber(reported.reduce((sum, report) => sum + report.totals.inactiveUsers, 0))}
              </Text>
            </div>
            <div className={styles.card} data-testid="reclaim-seats">
              <Text className={styles.cardLabel}>{t('reclaim.licensesToFree')}</Text>
              <Text size={700} weight="semibold">
                {formatNumber(reported.reduce((sum, report) => sum + report.totals.seatsFreed, 0))}
              </Text>
            </div>
            <div className={styles.card} data-testid="reclaim-savings">
              <Text className={styles.cardLabel}>{t('reclaim.monthlySavings')}</Text>
              <Text size={700} weight="semibold">
                {costs.size === 0 ? '—' : [...costs].map(([currency, amount]) => formatMoney(amount, currency)).join(' + ')}
              </Text>
              {unpriced === 0 ? null : <Text className={styles.cardHint}>{t('reclaim.unpriced', { count: unpriced })}</Text>}
            </div>
          </section>
          <div className={styles.sections}>
            {shown.map((item) =>
              item.result.status === 'rejected' ? (
                <section key={item.product.skuId} aria-label={item.product.displayName}>
                  <Text as="h2" size={500} weight="semibold">
                    {item.product.displayName}
                  </Text>
                  <ErrorBar error={item.result.reason as unknown} onRetry={reports.reload} />
                </section>
              ) : (
                <ReclaimSection key={`${item.product.skuId}:${daysChoice}`} product={item.product} first={item.result.value} days={days} generation={generation} showTotals={isAll} onChanged={changed} />
              ),
            )}
            {isAll && shown.length === 0 ? <Text>{t('reclaim.noneInactive')}</Text> : null}
            {quiet.length > 0 && shown.length > 0 ? <Text className={styles.quiet}>{t('reclaim.quietProducts', { products: quiet.map((report) => report.displayName).join(', ') })}</Text> : null}
          </div>
        </>
      ) : null}
    </>
  );
}
