import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { InactiveHolder, ProductSettings, ReclaimSkipReason, ReclaimUnassignResult } from '../../../client/reports.js';
import { followLink } from '../../app/router.js';
import { groupPath } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { useAsync } from '../../lib/use-async.js';
import { PreviewConflicts, PreviewDataClocks, PreviewSeatChanges } from '../users/LicenseChangePreview.js';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  facts: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  list: { margin: 0, paddingInlineStart: tokens.spacingHorizontalXL },
});

const SKIP_REASONS: Record<ReclaimSkipReason, MessageKey> = {
  inherited: 'reclaim.skipInherited',
  selfService: 'reclaim.skipSelfService',
  recentlyActive: 'reclaim.skipRecentlyActive',
  notLicensed: 'reclaim.skipNotLicensed',
};

interface Props {
  product: ProductSettings;
  days: number | undefined;
  users: InactiveHolder[];
  onClose: () => void;
  onDone: (message: string) => void;
}

/**
 * Confirms a reclaim unassign: on opening it runs the change as a dry run and shows what it would
 * do (licenses freed and the money, seat changes, users left alone and why, data whose retention
 * period starts); Unassign then applies it.
 */
export function ReclaimUnassignDialog({ product, days, users, onClose, onDone }: Props) {
  const styles = useStyles();
  const { t, formatMoney } = useI18n();
  const { client } = useSession();
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const userIds = users.map((user) => user.id);
  const body = (dryRun: boolean) => ({ skuId: product.skuId, userIds, dryRun, ...(days === undefined ? {} : { days }) });
  const preview = useAsync(() => client.reclaimUnassign(body(true)), `reclaim-preview:${product.skuId}:${days ?? ''}:${userIds.join(',')}`);
  const names = new Map(users.map((user) => [user.id, user.displayName]));

  const apply = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await client.reclaimUnassign(body(false));
      onDone(t('reclaim.done', { count: result.users.length, product: product.displayName, seats: result.seatsFreed }));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const result: ReclaimUnassignResult | undefined = preview.state.status === 'done' ? preview.state.data : undefined;
  const canApply = result !== undefined && result.canApply && result.users.length > 0;

  return (
    <Dialog open onOpenChange={(_event, data) => !data.open && onClose()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{t('reclaim.confirmTitle', { product: product.displayName })}</DialogTitle>
          <DialogContent className={styles.content}>
            {preview.state.status === 'loading' ? <Spinner size="small" labelPosition="after" label={t('reclaim.previewing')} /> : null}
            {preview.state.status === 'error' ? <ErrorBar error={preview.state.error} onRetry={preview.reload} /> : null}
            {result === undefined ? null : (
              <>
                {result.users.length === 0 ? (
                  <MessageBar intent="warning">
                    <MessageBarBody>{t('reclaim.nothingToUnassign')}</MessageBarBody>
                  </MessageBar>
                ) : (
                  <div className={styles.facts}>
                    <Text weight="semibold">{t('reclaim.previewUsers', { count: result.users.length, product: product.displayName })}</Text>
                    <Text>{t('reclaim.previewSeats', { count: result.seatsFreed })}</Text>
                    {result.monthlyCost === null ? null : <Text>{t('reclaim.previewSavings', { amount: formatMoney(result.monthlyCost.amount, result.monthlyCost.currency) })}</Text>}
                  </div>
                )}
                {result.seatDeltas.length === 0 ? null : <PreviewSeatChanges seatDeltas={result.seatDeltas} />}
                <PreviewConflicts users={result.users} />
                {result.skipped.length === 0 ? null : (
                  <MessageBar intent="info" layout="multiline">
                    <MessageBarBody>
                      <MessageBarTitle>{t('reclaim.skippedTitle', { count: result.skipped.length })}</MessageBarTitle>
                      <ul className={styles.list}>
                        {result.skipped.map((user) => (
                          <li key={user.id}>
                            {`${user.displayName ?? names.get(user.id) ?? user.id}: ${t(SKIP_REASONS[user.reason])}`}
                            {user.inheritedFrom.map((group) => (
                              <span key={group.id}>
                                {' '}
                                <Link href={groupPath(group.id)} onClick={(event) => followLink(event, groupPath(group.id))}>
                                  {group.displayName}
                                </Link>
                              </span>
                            ))}
                          </li>
                        ))}
                      </ul>
                    </MessageBarBody>
                  </MessageBar>
                )}
                {result.users.length === 0 ? null : <PreviewDataClocks clocks={result.dataClocks ?? []} names={names} />}
              </>
            )}
            {error === undefined ? null : <ErrorBar error={error} />}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={isBusy || !canApply} onClick={() => void apply()}>
              {isBusy ? t('reclaim.unassigning') : t('reclaim.unassignSubmit')}
            </Button>
            <Button onClick={onClose}>{t('common.cancel')}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
