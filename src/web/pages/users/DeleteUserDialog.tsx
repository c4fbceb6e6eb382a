import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useState } from 'react';
import type { DataRecord, UserDetails } from '../../../client/user-types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { dataClassLabel, useUsersStyles } from './users-common.js';

interface Props {
  open: boolean;
  user: UserDetails;
  onClose: () => void;
  onDeleted: () => void;
}

/** What happens to one data class, in plain words with its dates. */
function fate(record: DataRecord, t: Translate, formatDate: (iso: string) => string): string {
  const holds = record.holds.map((hold) => hold.name).join(', ');
  if (record.state === 'Grace' && record.graceUntil !== null) {
    const after = record.afterGrace === 'Retained' || record.afterGrace === 'Inactive' ? t('users.fateKeptByHold', { holds }) : t('users.fatePurged');
    return `${t('users.fateGrace', { date: formatDate(record.graceUntil) })} ${after}`;
  }
  if (record.state === 'Retained' || record.state === 'Inactive') {
    return t('users.fateKeptByHold', { holds });
  }
  if (record.state === 'Unlicensed') {
    return t('users.fateUnlicensed');
  }
  return t('users.fateState', { state: record.state });
}

/**
 * Delete a user, after showing what it does: seats freed, and per data class (mailbox, files)
 * how long the data is kept and what happens then (POST …/delete/preview changes nothing).
 */
export function DeleteUserDialog({ open, user, onClose, onDeleted }: Props) {
  const styles = useUsersStyles();
  const { t, formatDate } = useI18n();
  const { client } = useSession();
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const preview = useAsync(async () => (open ? client.previewUserDeletion(user.id) : undefined), `delete-preview:${user.id}:${String(open)}`);

  const close = () => {
    setError(undefined);
    onClose();
  };
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await client.deleteUser(user.id);
      onDeleted();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const data = preview.state.status === 'done' ? preview.state.data : undefined;

  return (
    <Dialog open={open} onOpenChange={(_event, change) => !change.open && close()} modalType="alert">
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{t('users.deleteTitle', { name: user.displayName })}</DialogTitle>
          <DialogContent className={styles.stack}>
            {preview.state.status === 'loading' ? <Loading /> : null}
            {preview.state.status === 'error' ? <ErrorBar error={preview.state.error} onRetry={preview.reload} /> : null}
            {data === undefined ? null : (
              <>
                <Text>{t('users.deleteSeats', { count: data.seatsFreed })}</Text>
                <Text>{t('users.deleteRestorable', { date: formatDate(data.permanentDeletionDateTime) })}</Text>
                {data.data.length === 0 ? (
                  <Text>{t('users.deleteNoData')}</Text>
                ) : (
                  <Table aria-label={t('users.deleteDataTable')} size="small">
                    <TableHeader>
                      <TableRow>
                        <TableHeaderCell>{t('users.dataClass')}</TableHeaderCell>
                        <TableHeaderCell>{t('users.dataFate')}</TableHeaderCell>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {data.data.map((record) => (
                        <TableRow key={record.dataClass}>
                          <TableCell>{dataClassLabel(record.dataClass, t)}</TableCell>
                          <TableCell>{fate(record, t, formatDate)}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                )}
              </>
            )}
            {error === undefined ? null : <ErrorBar error={error} />}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={isBusy || data === undefined} onClick={() => void remove()}>
              {isBusy ? t('users.deleting') : t('users.deleteSubmit')}
            </Button>
            <Button onClick={close}>{t('common.cancel')}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
