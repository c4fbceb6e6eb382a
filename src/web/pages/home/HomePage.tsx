import { Badge, Button, Card, CardHeader, Link, makeStyles, Text, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular, CalendarClockRegular, ErrorCircleRegular, PeopleTeamRegular, WarningRegular } from '@fluentui/react-icons';
import type { ReactElement } from 'react';
import type { AttentionItem, Overview } from '../../../client/billing-groups.js';
import { followLink } from '../../app/router.js';
import { groupPath, productPath, subscriptionPath } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';

const useStyles = makeStyles({
  grid: { display: 'grid', gridTemplateColumns: 'minmax(0, 3fr) minmax(0, 2fr)', gap: tokens.spacingHorizontalXL, alignItems: 'start' },
  sectionHeader: { display: 'flex', alignItems: 'center', justifyContent: 'space-between' },
  chart: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  row: { display: 'grid', gridTemplateColumns: 'minmax(0, 2fr) minmax(0, 3fr) 11em', alignItems: 'center', gap: tokens.spacingHorizontalM },
  track: { position: 'relative', height: '14px', backgroundColor: tokens.colorNeutralBackground5, borderRadius: tokens.borderRadiusSmall, overflow: 'hidden' },
  bar: { position: 'absolute', insetBlock: 0, insetInlineStart: 0, backgroundColor: tokens.colorBrandBackground, borderRadius: tokens.borderRadiusSmall },
  swatchAssigned: { backgroundColor: tokens.colorBrandBackground },
  barFull: { backgroundColor: tokens.colorPaletteDarkOrangeBackground3 },
  barOver: { backgroundColor: tokens.colorPaletteRedBackground3 },
  figures: { color: tokens.colorNeutralForeground2, whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' },
  legend: { display: 'flex', gap: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  swatch: { display: 'inline-block', width: '10px', height: '10px', marginInlineEnd: tokens.spacingHorizontalXS, borderRadius: '2px' },
  attention: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  icon: { fontSize: '20px' },
  danger: { color: tokens.colorPaletteRedForeground1 },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1 },
  info: { color: tokens.colorBrandForeground1 },
  description: { color: tokens.colorNeutralForeground2 },
});

/** A product is "nearly full" on the chart from this share of its seats assigned (the overview's rule). */
const NEARLY_FULL = 0.9;

function SeatChart({ products }: { products: Overview['products'] }) {
  const styles = useStyles();
  const { t } = useI18n();
  if (products.length === 0) {
    return <Text>{t('home.noProducts')}</Text>;
  }
  return (
    <>
      <ul className={styles.chart} aria-label={t('home.seatUsage')}>
        {products.map((product) => {
          const share = product.total === 0 ? (product.assigned > 0 ? 1 : 0) : Math.min(1, product.assigned / product.total);
          const over = product.assigned > product.total;
          const full = !over && product.total > 0 && product.assigned >= product.total * NEARLY_FULL;
          return (
            <li key={product.skuId} className={styles.row} data-sku={product.skuPartNumber}>
              <Link href={productPath(product.skuId)} onClick={(event) => followLink(event, productPath(product.skuId))}>
                {product.displayName}
              </Link>
              <div className={styles.track} aria-hidden>
                <div className={`${styles.bar} ${over ? styles.barOver : full ? styles.barFull : ''}`} style={{ width: `${(share * 100).toFixed(1)}%` }} />
              </div>
              <Text className={styles.figures} data-testid="seat-figures">
                {t('home.assignedOfTotal', { assigned: product.assigned, total: product.total })}
              </Text>
            </li>
          );
        })}
      </ul>
      <div className={styles.legend} aria-hidden>
        <span>
          <span className={`${styles.swatch} ${styles.swatchAssigned}`} />
          {t('home.legendAssigned')}
        </span>
        <span>
          <span className={`${styles.swatch} ${styles.barFull}`} />
          {t('home.legendNearlyFull')}
        </span>
        <span>
          <span className={`${styles.swatch} ${styles.barOver}`} />
          {t('home.legendOver')}
        </span>
      </div>
    </>
  );
}

interface AttentionView {
  tone: 'danger' | 'warning' | 'info';
  icon: ReactElement;
  title: string;
  description: string;
  href: string;
  action: string;
}

function describe(item: AttentionItem, t: Translate, formatDate: (iso: string) => string): AttentionView {
  switch (item.kind) {
    case 'overAssigned':
      return {
        tone: 'danger',
        icon: <ErrorCircleRegular />,
        title: t('home.overAssignedTitle', { product: item.displayName }),
        description:
          item.deadlineDateTime === null
            ? t('home.overAssigned', { count: item.overAssignedBy })
            : t('home.overAssignedBy', { count: item.overAssignedBy, date: formatDate(item.deadlineDateTime) }),
        href: productPath(item.skuId),
        action: t('home.openProduct'),
      };
    case 'lowSeats':
      return { tone: 'warning', icon: <WarningRegular />, title: t('home.lowSeatsTitle', { product: item.displayName }), description: t('home.lowSeats', { available: item.available, threshold: item.threshold }), href: productPath(item.skuId), action: t('home.openProduct') };
    case 'nearlyFull':
      return { tone: 'warning', icon: <WarningRegular />, title: t('home.nearlyFullTitle', { product: item.displayName }), description: t('home.nearlyFull', { assigned: item.assigned, total: item.total }), href: productPath(item.skuId), action: t('home.openProduct') };
    case 'subscriptionExpiring':
      return {
        tone: 'warning',
        icon: <CalendarClockRegular />,
        title: t('home.expiringTitle', { product: item.displayName }),
        description: item.endDateTime === null ? t('home.expiringNoDate') : t('home.expiring', { date: formatDate(item.endDateTime) }),
        href: subscriptionPath(item.subscriptionId),
        action: t('home.openSubscription'),
      };
    case 'trialEnding':
      return { tone: 'info', icon: <CalendarClockRegular />, title: t('home.trialTitle', { product: item.displayName }), description: t('home.trialEnding', { date: formatDate(item.endDateTime) }), href: subscriptionPath(item.subscriptionId), action: t('home.openSubscription') };
    case 'groupLicenseErrors':
      return { tone: 'danger', icon: <PeopleTeamRegular />, title: t('home.groupErrorsTitle', { group: item.displayName }), description: t('home.groupErrors', { count: item.usersInError }), href: groupPath(item.groupId), action: t('home.openGroup') };
  }
}

/** Home: seat usage per product as a bar chart, and what needs the admin's attention. */
export function HomePage() {
  const styles = useStyles();
  const { t, formatDate } = useI18n();
  const { client, session } = useSession();
  const { state, reload } = useAsync(() => client.overview(), 'overview');

  return (
    <>
      <PageHeader title={t('home.title')} subtitle={t('home.subtitle', { organization: session.tenant.displayName })} />
      {state.status === 'loading' ? <Loading /> : null}
      {state.status === 'error' ? <ErrorBar error={state.error} onRetry={reload} /> : null}
      {state.status === 'done' ? (
        <div className={styles.grid}>
          <Surface roomy aria-labelledby="seat-usage-title">
            <div className={styles.sectionHeader}>
              <Text as="h2" id="seat-usage-title" size={500} weight="semibold">
                {t('home.seatUsage')}
              </Text>
              <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={reload}>
                {t('common.refresh')}
              </Button>
            </div>
            <SeatChart products={state.data.products} />
          </Surface>
          <Surface roomy aria-labelledby="attention-title">
            <Text as="h2" id="attention-title" size={500} weight="semibold">
              {t('home.needsAttention')}{' '}
              {state.data.needsAttention.length === 0 ? null : (
                <Badge appearance="filled" color="danger" aria-label={t('home.attentionCount', { count: state.data.needsAttention.length })}>
                  {state.data.needsAttention.length}
                </Badge>
              )}
            </Text>
            {state.data.needsAttention.length === 0 ? <Text>{t('home.allGood')}</Text> : null}
            <ul className={styles.attention} aria-label={t('home.needsAttention')}>
              {state.data.needsAttention.map((item, index) => {
                const view = describe(item, t, formatDate);
                return (
                  <li key={`${item.kind}:${index}`}>
                    <Card appearance="outline" size="small" data-kind={item.kind}>
                      <CardHeader
                        image={<span className={`${styles.icon} ${styles[view.tone]}`} aria-hidden>{view.icon}</span>}
                        header={<Text weight="semibold">{view.title}</Text>}
                        description={<Text className={styles.description}>{view.description}</Text>}
                        action={
                          <Link href={view.href} onClick={(event) => followLink(event, view.href)} aria-label={`${view.action}: ${view.title}`}>
                            {view.action}
                          </Link>
                        }
                      />
                    </Card>
                  </li>
                );
              })}
            </ul>
          </Surface>
        </div>
      ) : null}
    </>
  );
}
