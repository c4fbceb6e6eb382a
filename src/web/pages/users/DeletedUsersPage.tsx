import { Button, MessageBar, MessageBarBody, MessageBarTitle, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Toolbar } from '@fluentui/react-components';
import { ArrowClockwiseRegular, ArrowUndoRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { DeletedUser, RestoredUser } from '../../../client/user-types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { daysLeft, useUsersStyles } from './users-common.js';

/** Users › Deleted users: users deleted in the last 30 days, with the days left to restore them. */
export function DeletedUsersPage() {
  const styles = useUsersStyles();
  const { t, formatDate } = useI18n();
  const { client, session } = useSession();
  // Days left count from when the list was read.
  const { state, reload } = useAsync(async () => ({ users: await client.listDeletedUsers(), readAt: Date.now() }), 'deleted-users');
  const [restored, setRestored] = useState<RestoredUser>();
  const [restoringId, setRestoringId] = useState<string>();
  const [error, setError] = useState<unknown>();
  const canRestore = session.allowedActions.includes('users.restore');

  const restore = async (user: DeletedUser) => {
    setRestoringId(user.id);
    setError(undefined);
    setRestored(undefined);
    try {
      setRestored(await client.restoreUser(user.id));
      reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setRestoringId(undefined);
    }
  };

  const notRestored = restored?.['@allot.licensesNotRestored'] ?? [];

  return (
    <>
      <PageHeader title={t('nav.deletedUsers')} subtitle={t('users.deletedSubtitle')} />
      <Surface aria-label={t('users.deletedTable')}>
        {restored === undefined ? null : (
          <MessageBar intent={notRestored.length === 0 ? 'success' : 'warning'} role="status" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>{t('users.restored', { name: restored.displayName })}</MessageBarTitle>
              {notRestored.length === 0 ? null : <div>{t('users.notRestored', { products: notRestored.map((license) => license.displayName).join(', ') })}</div>}
            </MessageBarBody>
          </MessageBar>
        )}
        {error === undefined ? null : <ErrorBar error={error} />}
        <Toolbar aria-label={t('users.deletedTable')}>
          <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={reload}>
            {t('common.refresh')}
          </Button>
        </Toolbar>
        {state.status === 'loading' ? <Loading /> : null}
        {state.status === 'error' ? <ErrorBar error={state.error} onRetry={reload} /> : null}
        {state.status === 'done' && state.data.users.length === 0 ? <Text className={styles.empty}>{t('users.noDeleted')}</Text> : null}
        {state.status === 'done' && state.data.users.length > 0 ? (
          <Table aria-label={t('users.deletedTable')}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell style={{ width: '20%' }}>{t('users.displayName')}</TableHeaderCell>
                <TableHeaderCell style={{ width: '35%' }}>{t('users.userPrincipalName')}</TableHeaderCell>
                <TableHeaderCell style={{ width: '15%' }}>{t('users.deletedOn')}</TableHeaderCell>
                <TableHeaderCell style={{ width: '15%' }}>{t('users.daysLeft')}</TableHeaderCell>
                <TableHeaderCell style={{ width: '15%' }}>{t('users.actions')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {state.data.users.map((user) => (
                <TableRow key={user.id}>
                  <TableCell>{user.displayName}</TableCell>
                  <TableCell>
                    <span className={styles.truncate} title={user.userPrincipalName}>
                      {user.userPrincipalName}
                    </span>
                  </TableCell>
                  <TableCell>{formatDate(user.deletedDateTime)}</TableCell>
                  <TableCell>{t('users.days', { count: daysLeft(user.deletedDateTime, state.data.readAt) })}</TableCell>
                  <TableCell>
                    <Button
                      size="small"
                      icon={<ArrowUndoRegular />}
                      disabled={!canRestore || restoringId !== undefined}
                      title={canRestore ? undefined : t('users.noRestoreRole')}
                      aria-label={t('users.restoreNamed', { name: user.displayName })}
                      onClick={() => void restore(user)}
                    >
                      {restoringId === user.id ? t('users.restoring') : t('users.restore')}
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
      </Surface>
    </>
  );
}
