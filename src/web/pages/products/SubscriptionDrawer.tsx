import {
  Badge,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DrawerBody,
  Field,
  Input,
  makeStyles,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { Subscription } from '../../../client/billing-groups.js';
import { useSession } from '../../app/session.js';
import { ChangeOutcome } from '../../components/ChangeOutcome.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { PanelSection } from '../../components/PanelSection.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { useChange } from '../../lib/use-change.js';
import { StatusBadge, termDate } from './subscription-text.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXXL },
  facts: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalXS, margin: 0 },
  term: { color: tokens.colorNeutralForeground2 },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end', flexWrap: 'wrap' },
  hint: { color: tokens.colorNeutralForeground2 },
  badges: { display: 'flex', gap: tokens.spacingHorizontalXS },
  wrap: { overflowWrap: 'anywhere' },
  nowrap: { whiteSpace: 'nowrap', width: '110px' },
});

type Confirm = 'cancel' | 'takeOverCancel' | undefined;

interface Props {
  subscription: Subscription;
  onClose: () => void;
  onChanged: () => void;
}

/** A subscription's details: licenses, recurring billing, cancel, reactivate, trial, and a self-service purchase's take-over. */
export function SubscriptionDrawer({ subscription, onClose, onChanged }: Props) {
  const styles = useStyles();
  const { t, formatDate, formatNumber } = useI18n();
  const { client, session } = useSession();
  const [count, setCount] = useState('1');
  const change = useChange();
  const [confirm, setConfirm] = useState<Confirm>();
  // The window is judged at the moment the panel opened (rendering stays pure).
  const [openedAt] = useState(() => Date.now());
  const canManage = session.allowedActions.includes('subscriptions.manage');
  const denied = canManage ? undefined : t('products.needsBillingRole');
  const isSelfService = subscription.channel === 'selfService';
  const users = useAsync(() => (isSelfService ? client.listSubscriptionUsers(subscription.id) : Promise.resolve([])), `subscription-users:${subscription.id}:${subscription.consumedUnits}`);

  const run = async (action: () => Promise<string>) => {
    await change.run(async () => {
      const message = await action();
      onChanged();
      return message;
    });
    setConfirm(undefined);
  };
  const amount = Number.parseInt(count, 10);
  const isAmountValid = Number.isInteger(amount) && amount >= 1;
  const windowEnd = subscription.cancellationWindowEndDateTime;
  const isWindowOpen = new Date(windowEnd).getTime() > openedAt;
  const isLapsed = subscription.adminCenterStatus === 'Expired' || subscription.adminCenterStatus === 'Disabled';
  const isLive = subscription.adminCenterStatus !== 'Deleted';
  const endDate = subscription.termEndDateTime ?? subscription.nextLifecycleDateTime;

  return (
    <SidePanel
      size="medium"
      title={subscription.displayName}
      header={
        <div className={styles.badges}>
          <StatusBadge subscription={subscription} />
          {subscription.isTrial ? <Badge appearance="tint" color="informative">{t('products.trial')}</Badge> : null}
          {isSelfService ? <Badge appearance="tint" color="warning">{t('products.selfService')}</Badge> : null}
        </div>
      }
      onClose={onClose}
    >
      <DrawerBody className={styles.body}>
        <ChangeOutcome change={change} />
        <dl className={styles.facts}>
          <dt className={styles.term}>{t('products.licenses')}</dt>
          <dd>{formatNumber(subscription.totalLicenses)}</dd>
          <dt className={styles.term}>{t('products.assigned')}</dt>
          <dd>{formatNumber(subscription.consumedUnits)}</dd>
          <dt className={styles.term}>{t('products.termDate')}</dt>
          <dd>{termDate(subscription, t, formatDate)}</dd>
          <dt className={styles.term}>{t('products.purchased')}</dt>
          <dd>{formatDate(subscription.createdDateTime)}</dd>
          {subscription.overAssignmentFixByDateTime === null ? null : (
            <>
              <dt className={styles.term}>{t('products.overAssigned')}</dt>
              <dd>{t('products.fixBy', { date: formatDate(subscription.overAssignmentFixByDateTime) })}</dd>
            </>
          )}
        </dl>

        {isLive && !isSelfService ? (
          <PanelSection title={t('products.changeLicenses')}>
            <div className={styles.row}>
              <Field label={t('products.licenseCount')} validationMessage={isAmountValid ? undefined : t('products.countInvalid')}>
                <Input type="number" min={1} value={count} onChange={(_event, data) => setCount(data.value)} style={{ width: '120px' }} />
              </Field>
              <Button appearance="primary" disabled={change.isBusy || !isAmountValid || !canManage} title={denied} onClick={() => void run(async () => (await client.addLicenses(subscription.id, amount), t('products.added', { count: amount })))}>
                {t('products.buyLicenses')}
              </Button>
              <Button disabled={change.isBusy || !isAmountValid || !canManage} title={denied} onClick={() => void run(async () => (await client.removeLicenses(subscription.id, amount), t('products.removed', { count: amount })))}>
                {t('products.removeLicenses')}
              </Button>
            </div>
            <Text className={styles.hint}>{t('products.removeHint')}</Text>
          </PanelSection>
        ) : null}

        {isLive && !subscription.isTrial && !isSelfService ? (
          <PanelSection title={t('products.billing')}>
            <Switch
              label={t('products.recurringBilling')}
              checked={subscription.recurringBilling}
              disabled={change.isBusy || !canManage || isLapsed}
              title={denied}
              onChange={(_event, data) => void run(async () => (await client.updateSubscription(subscription.id, { recurringBilling: data.checked }), data.checked ? t('products.recurringOn') : t('products.recurringOff')))}
            />
            <Text className={styles.hint}>{subscription.recurringBilling ? t('products.recurringOnHint', { date: endDate === null ? '—' : formatDate(endDate) }) : t('products.recurringOffHint')}</Text>
          </PanelSection>
        ) : null}

        {subscription.isTrial && isLive ? (
          <PanelSection title={t('products.trialSection')}>
            <Text>{termDate(subscription, t, formatDate)}</Text>
            <div className={styles.row}>
              <Button appearance="primary" disabled={change.isBusy || !canManage} title={denied} onClick={() => void run(async () => (await client.convertTrial(subscription.id), t('products.converted')))}>
                {t('products.convertTrial')}
              </Button>
              <Button disabled={change.isBusy || !canManage || subscription.trialExtended} title={subscription.trialExtended ? t('products.alreadyExtended') : denied} onClick={() => void run(async () => (await client.extendTrial(subscription.id, 30), t('products.extended')))}>
                {t('products.extendTrial')}
              </Button>
            </div>
          </PanelSection>
        ) : null}

        {isSelfService && isLive ? (
          <PanelSection title={t('products.selfServiceSection')}>
            <Text className={styles.hint}>{t('products.selfServiceHint')}</Text>
            {users.state.status === 'loading' ? <Loading /> : null}
            {users.state.status === 'error' ? <ErrorBar error={users.state.error} onRetry={users.reload} /> : null}
            {users.state.status === 'done' && users.state.data.length === 0 ? <Text>{t('products.noSelfServiceUsers')}</Text> : null}
            {users.state.status === 'done' && users.state.data.length > 0 ? (
              <Table size="small" aria-label={t('products.selfServiceUsers')}>
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>{t('products.userName')}</TableHeaderCell>
                    <TableHeaderCell>{t('products.userPrincipalName')}</TableHeaderCell>
                    <TableHeaderCell className={styles.nowrap}>{t('products.since')}</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {users.state.data.map((user) => (
                    <TableRow key={user.id}>
                      <TableCell>{user.displayName}</TableCell>
                      <TableCell className={styles.wrap}>{user.userPrincipalName}</TableCell>
                      <TableCell className={styles.nowrap}>{formatDate(user.assignedDateTime)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            ) : null}
            <div className={styles.row}>
              <Button appearance="primary" disabled={change.isBusy || !canManage} title={denied} onClick={() => void run(async () => t('products.takenOver', { count: (await client.takeOver(subscription.id, 'moveUsers')).usersMoved }))}>
                {t('products.takeOverMove')}
              </Button>
              <Button disabled={change.isBusy || !canManage} title={denied} onClick={() => setConfirm('takeOverCancel')}>
                {t('products.takeOverCancel')}
              </Button>
            </div>
          </PanelSection>
        ) : null}

        {isLapsed ? (
          <PanelSection title={t('products.reactivateSection')}>
            <Text className={styles.hint}>{t('products.reactivateHint')}</Text>
            <div className={styles.row}>
              <Button appearance="primary" disabled={change.isBusy || !canManage} title={denied} onClick={() => void run(async () => (await client.reactivateSubscription(subscription.id), t('products.reactivated')))}>
                {t('products.reactivate')}
              </Button>
            </div>
          </PanelSection>
        ) : null}

        {subscription.adminCenterStatus === 'Active' && subscription.cancelledDateTime === null && !isSelfService ? (
          <PanelSection title={t('products.cancelSection')}>
            <Text data-testid="cancellation-window">
              {isWindowOpen ? t('products.windowOpen', { date: formatDate(windowEnd) }) : t('products.windowClosed', { date: formatDate(windowEnd), end: endDate === null ? '—' : formatDate(endDate) })}
            </Text>
            <div className={styles.row}>
              <Button disabled={change.isBusy || !canManage} title={denied} onClick={() => setConfirm('cancel')}>
                {t('products.cancel')}
              </Button>
            </div>
          </PanelSection>
        ) : null}
      </DrawerBody>
      <Dialog open={confirm !== undefined} onOpenChange={(_event, data) => !data.open && setConfirm(undefined)} modalType="alert">
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{confirm === 'cancel' ? t('products.cancelTitle') : t('products.takeOverCancelTitle')}</DialogTitle>
            <DialogContent>
              {confirm === 'cancel'
                ? isWindowOpen
                  ? t('products.cancelInWindow', { product: subscription.displayName })
                  : t('products.cancelOutsideWindow', { product: subscription.displayName, end: endDate === null ? '—' : formatDate(endDate) })
                : t('products.takeOverCancelBody', { count: subscription.consumedUnits })}
            </DialogContent>
            <DialogActions>
              <Button
                appearance="primary"
                disabled={change.isBusy}
                onClick={() =>
                  void run(async () => {
                    if (confirm === 'cancel') {
                      const result = await client.cancelSubscription(subscription.id);
                      return result.outcome === 'disabledWithRefund' || result.accessEndsDateTime === null ? t('products.cancelledNow') : t('products.cancelledAtEnd', { date: formatDate(result.accessEndsDateTime) });
                    }
                    await client.takeOver(subscription.id, 'cancel');
                    return t('products.selfServiceCancelled');
                  })
                }
              >
                {confirm === 'cancel' ? t('products.cancelConfirm') : t('products.takeOverCancel')}
              </Button>
              <Button onClick={() => setConfirm(undefined)}>{t('products.keep')}</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </SidePanel>
  );
}
