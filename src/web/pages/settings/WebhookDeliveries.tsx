import {
  Badge,
  Button,
  Field,
  makeStyles,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, ArrowRepeatAllRegular, ChevronDownRegular, ChevronUpRegular } from '@fluentui/react-icons';
import { Fragment, useState } from 'react';
import type { DeliveryState, Webhook, WebhookAttempt, WebhookDelivery } from '../../../client/settings.js';
import { useSession } from '../../app/session.js';
import { ChangeOutcome } from '../../components/ChangeOutcome.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Pager } from '../../components/Pager.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { useAsync } from '../../lib/use-async.js';
import { useChange } from '../../lib/use-change.js';
import { usePageTokens } from '../../lib/use-page-tokens.js';

const useStyles = makeStyles({
  view: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  bar: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end', flexWrap: 'wrap' },
  attempts: { backgroundColor: tokens.colorNeutralBackground2 },
  nowrap: { whiteSpace: 'nowrap' },
  badge: { whiteSpace: 'nowrap' },
  eventType: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  eventColumn: { width: '17%' },
  dateColumn: { width: '14%' },
  stateColumn: { width: '13%' },
  countColumn: { width: '8%' },
  responseColumn: { width: '16%' },
  actionsColumn: { width: '18%' },
  // An error text such as "connect ECONNREFUSED 127.0.0.1:9" has no spaces to wrap at.
  response: { overflowWrap: 'anywhere' },
  empty: { display: 'block', padding: tokens.spacingVerticalM },
});

const PAGE_SIZE = 20;

const STATE_TEXT: Record<DeliveryState, { label: MessageKey; color: 'success' | 'warning' | 'danger' }> = {
  delivered: { label: 'webhooks.stateDelivered', color: 'success' },
  pending: { label: 'webhooks.statePending', color: 'warning' },
  failed: { label: 'webhooks.stateFailed', color: 'danger' },
};

export function DeliveryStateBadge({ state }: { state: DeliveryState }) {
  const styles = useStyles();
  const { t } = useI18n();
  return (
    <Badge appearance="tint" color={STATE_TEXT[state].color} data-state={state} className={styles.badge}>
      {t(STATE_TEXT[state].label)}
    </Badge>
  );
}

/** What the receiver answered: its HTTP status, or why no answer came. */
const responseOf = (attempt: WebhookAttempt | undefined, t: Translate): string => {
  if (attempt === undefined) {
    return t('webhooks.noAttemptYet');
  }
  return attempt.statusCode === null ? t('webhooks.noResponse', { error: attempt.error ?? '' }) : t('webhooks.httpStatus', { status: String(attempt.statusCode) });
};

/** An event type that wraps after its dots rather than inside a word (subscription.lifecycleChanged). */
const breakableAtDots = (type: string) =>
  type.split('.').map((part, index) => (
    <Fragment key={`${index}:${part}`}>
      {index === 0 ? null : <wbr />}
      {index === 0 ? part : `.${part}`}
    </Fragment>
  ));

type StateFilter = DeliveryState | 'all';

/**
 * A webhook's deliveries, newest first: state, attempts with the receiver's answers and times,
 * the next retry; send one again (Redeliver).
 */
export function WebhookDeliveries({ webhook, canManage }: { webhook: Webhook; canManage: boolean }) {
  const styles = useStyles();
  const { t, formatDateTime, formatNumber } = useI18n();
  const { client } = useSession();
  const [filter, setFilter] = useState<StateFilter>('all');
  const pages = usePageTokens();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const change = useChange();
  const { state, reload } = useAsync(
    () => client.listWebhookDeliveries(webhook.id, { top: PAGE_SIZE, ...(filter === 'all' ? {} : { state: filter }), ...pages.pageQuery }),
    `deliveries:${webhook.id}:${filter}:${pages.pageToken ?? ''}`,
  );
  const page = state.status === 'done' ? state.data : undefined;
  const denied = canManage ? undefined : t('webhooks.needsGlobalAdmin');

  const toggle = (deliveryId: string) => {
    const next = new Set(expanded);
    if (next.has(deliveryId)) {
      next.delete(deliveryId);
    } else {
      next.add(deliveryId);
    }
    setExpanded(next);
  };

  const redeliver = (delivery: WebhookDelivery) =>
    change.run(async () => {
      await client.redeliverWebhookDelivery(webhook.id, delivery.id);
      reload();
      return t('webhooks.redelivered', { event: delivery.eventType });
    });

  return (
    <section className={styles.view} aria-label={t('webhooks.deliveries')}>
      <div className={styles.bar}>
        <Field label={t('webhooks.filterState')}>
          <Select
            value={filter}
            onChange={(_event, data) => {
              setFilter(data.value as StateFilter);
              pages.restart();
            }}
          >
            <option value="all">{t('webhooks.allStates')}</option>
            <option value="pending">{t('webhooks.statePending')}</option>
            <option value="delivered">{t('webhooks.stateDelivered')}</option>
            <option value="failed">{t('webhooks.stateFailed')}</option>
          </Select>
        </Field>
        <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={reload}>
          {t('common.refresh')}
        </Button>
      </div>
      <ChangeOutcome change={change} />
      {state.status === 'loading' ? <Loading /> : null}
      {state.status === 'error' ? <ErrorBar error={state.error} onRetry={reload} /> : null}
      {page !== undefined && page.value.length === 0 ? <Text className={styles.empty}>{filter === 'all' ? t('webhooks.noDeliveries') : t('webhooks.noDeliveriesInState')}</Text> : null}
      {page !== undefined && page.value.length > 0 ? (
        <Table size="small" aria-label={t('webhooks.deliveriesTable', { url: webhook.url })}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.eventColumn}>{t('webhooks.event')}</TableHeaderCell>
              <TableHeaderCell className={styles.dateColumn}>{t('webhooks.occurred')}</TableHeaderCell>
              <TableHeaderCell className={styles.stateColumn}>{t('webhooks.status')}</TableHeaderCell>
              <TableHeaderCell className={styles.countColumn}>{t('webhooks.attempts')}</TableHeaderCell>
              <TableHeaderCell className={styles.responseColumn}>{t('webhooks.lastResponse')}</TableHeaderCell>
              <TableHeaderCell className={styles.dateColumn}>{t('webhooks.nextRetry')}</TableHeaderCell>
              <TableHeaderCell className={styles.actionsColumn}>{t('webhooks.actions')}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.value.map((delivery) => {
              const isExpanded = expanded.has(delivery.id);
              const attemptsId = `attempts-${delivery.id}`;
              return (
                <Fragment key={delivery.id}>
                  <TableRow data-delivery={delivery.id} data-event-type={delivery.eventType}>
                    <TableCell className={styles.eventType}>{breakableAtDots(delivery.eventType)}</TableCell>
                    <TableCell>{formatDateTime(delivery.createdDateTime)}</TableCell>
                    <TableCell>
                      <DeliveryStateBadge state={delivery.state} />
                    </TableCell>
                    <TableCell data-column="attempts">{formatNumber(delivery.attemptLog.length)}</TableCell>
                    <TableCell data-column="response" className={styles.response}>
                      {responseOf(delivery.attemptLog[0], t)}
                    </TableCell>
                    <TableCell>{delivery.state === 'pending' && delivery.nextAttemptDateTime !== null ? formatDateTime(delivery.nextAttemptDateTime) : '—'}</TableCell>
                    <TableCell className={styles.nowrap}>
                      <Button
                        appearance="subtle"
                        size="small"
                        icon={isExpanded ? <ChevronUpRegular /> : <ChevronDownRegular />}
                        disabled={delivery.attemptLog.length === 0}
                        aria-expanded={isExpanded}
                        aria-controls={isExpanded ? attemptsId : undefined}
                        aria-label={t('webhooks.showAttempts', { event: delivery.eventType, date: formatDateTime(delivery.createdDateTime) })}
                        onClick={() => toggle(delivery.id)}
                      />
                      <Button
                        appearance="subtle"
                        size="small"
                        icon={<ArrowRepeatAllRegular />}
                        disabled={!canManage}
                        title={denied}
                        aria-label={t('webhooks.redeliverLabel', { event: delivery.eventType, date: formatDateTime(delivery.createdDateTime) })}
                        onClick={() => void redeliver(delivery)}
                      >
                        {t('webhooks.redeliver')}
                      </Button>
                    </TableCell>
                  </TableRow>
                  {isExpanded ? (
                    <TableRow id={attemptsId} className={styles.attempts}>
                      <TableCell colSpan={7}>
                        <Table size="extra-small" aria-label={t('webhooks.attemptsTable', { event: delivery.eventType })}>
                          <TableHeader>
                            <TableRow>
                              <TableHeaderCell>{t('webhooks.attemptedAt')}</TableHeaderCell>
                              <TableHeaderCell>{t('webhooks.response')}</TableHeaderCell>
                              <TableHeaderCell>{t('webhooks.duration')}</TableHeaderCell>
                            </TableRow>
                          </TableHeader>
                          <TableBody>
                            {delivery.attemptLog.map((attempt, index) => (
                              // Two attempts may share a timestamp; their order in the log is stable.
                              <TableRow key={`${attempt.attemptedDateTime}:${index}`}>
                                <TableCell>{formatDateTime(attempt.attemptedDateTime)}</TableCell>
                                <TableCell className={styles.response}>{responseOf(attempt, t)}</TableCell>
                                <TableCell>{t('webhooks.milliseconds', { count: attempt.durationMs })}</TableCell>
                              </TableRow>
                            ))}
                          </TableBody>
                        </Table>
                      </TableCell>
                    </TableRow>
                  ) : null}
                </Fragment>
              );
            })}
          </TableBody>
        </Table>
      ) : null}
      {page === undefined ? null : <Pager pages={pages} nextToken={page.skiptoken} label={t('webhooks.paging')} />}
    </section>
  );
}
