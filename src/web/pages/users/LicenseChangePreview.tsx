import { makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, tokens } from '@fluentui/react-components';
import type { SeatDelta } from '../../../client/types.js';
import type { BulkConflict, DataClock } from '../../../client/user-types.js';
import { useI18n } from '../../i18n/i18n.js';
import { dataClassLabel } from './users-common.js';

const useStyles = makeStyles({
  list: { margin: 0, paddingInlineStart: tokens.spacingHorizontalXL },
});

/** How each product's count of available licenses would move. */
export function PreviewSeatChanges({ seatDeltas }: { seatDeltas: SeatDelta[] }) {
  const { t } = useI18n();
  return (
    <Table aria-label={t('users.seatChanges')} size="small">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>{t('users.product')}</TableHeaderCell>
          <TableHeaderCell>{t('users.seatChange')}</TableHeaderCell>
          <TableHeaderCell>{t('users.availableNow')}</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {seatDeltas.map((delta) => (
          <TableRow key={delta.skuId}>
            <TableCell>{delta.displayName}</TableCell>
            <TableCell>{delta.delta > 0 ? `+${String(delta.delta)}` : String(delta.delta)}</TableCell>
            <TableCell>{delta.available}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** What stops the change, user by user; nothing when nothing does. */
export function PreviewConflicts({ users }: { users: { displayName: string; conflicts: BulkConflict[] }[] }) {
  const styles = useStyles();
  const { t } = useI18n();
  const conflicts = users.flatMap((user) => user.conflicts.map((conflict) => ({ user: user.displayName, message: conflict.message })));
  if (conflicts.length === 0) {
    return null;
  }
  return (
    <MessageBar intent="error" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{t('users.previewConflicts', { count: conflicts.length })}</MessageBarTitle>
        <ul className={styles.list}>
          {conflicts.map((conflict, index) => (
            <li key={`${conflict.user}-${String(index)}`}>{`${conflict.user}: ${conflict.message}`}</li>
          ))}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}

/** The users' data whose grace period (or read-only time) the change would start, or that none would. */
export function PreviewDataClocks({ clocks, names }: { clocks: DataClock[]; names: ReadonlyMap<string, string> }) {
  const styles = useStyles();
  const { t, formatDate } = useI18n();
  if (clocks.length === 0) {
    return <Text>{t('users.previewNoClocks')}</Text>;
  }
  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{t('users.previewClocks')}</MessageBarTitle>
        <ul className={styles.list}>
          {clocks.map((clock) => {
            const values = { name: names.get(clock.userId) ?? clock.userId, dataClass: dataClassLabel(clock.dataClass, t) };
            return (
              <li key={`${clock.userId}-${clock.dataClass}`}>
                {clock.graceUntil === null ? t('users.clockUnlicensed', values) : t('users.clockGrace', { ...values, date: formatDate(clock.graceUntil) })}
              </li>
            );
          })}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}
