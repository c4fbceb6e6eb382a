import { Badge, Dropdown, makeStyles, Option, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Toolbar, ToolbarButton, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { DataRecordRow, DataState } from '../../../client/data-retention.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Pager } from '../../components/Pager.js';
import { Surface } from '../../components/Surface.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { usePageTokens } from '../../lib/use-page-tokens.js';
import { dataClassLabel } from '../users/users-common.js';
import { dataStateLabel, holdNames } from './data-retention-text.js';

const PAGE_SIZE = 50;
type RecordState = Exclude<DataState, 'Licensed'>;
/** Grace first: the data an admin can still save; then what holds keep, and what is gone. */
const STATES: readonly RecordState[] = ['Grace', 'Retained', 'Inactive', 'Unlicensed', 'Purged'];

const useStyles = makeStyles({
  commandBar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  filter: { minWidth: '240px' },
  hint: { color: tokens.colorNeutralForeground2 },
  secondary: { display: 'block', color: tokens.colorNeutralForeground2 },
  empty: { padding: tokens.spacingVerticalM, display: 'block' },
  userColumn: { width: '30%' },
  dataColumn: { width: '14%' },
  stateColumn: { width: '16%' },
  sinceColumn: { width: '13%' },
  wrap: { overflowWrap: 'anywhere' },
});

/** What happens to the data next, in words: for a grace, purge on its end date or the hold that keeps it. */
function outlook(record: DataRecordRow, t: Translate, formatDate: (iso: string) => string): string {
  const holds = holdNames(record.holds);
  switch (record.state) {
    case 'Grace':
      if (record.graceUntil === null) {
        return dataStateLabel(record.state, t);
      }
      return record.afterGrace === 'Retained' || record.afterGrace === 'Inactive'
        ? t('dataRetention.keptAfterGrace', { date: formatDate(record.graceUntil), holds })
        : t('dataRetention.purgedOn', { date: formatDate(record.graceUntil) });
    case 'Retained':
    case 'Inactive':
      return holds === '' ? t('dataRetention.purgedNextRun') : t('dataRetention.keptBy', { holds });
    case 'Unlicensed':
      return t('dataRetention.readOnly');
    case 'Purged':
      return t('dataRetention.purgedSince', { date: formatDate(record.since) });
  }
}

/** Users' mailbox and files data by state (Grace by default) with its dates, paged on the server. */
export function DataRecordsTab() {
  const styles = useStyles();
  const { t, formatDate } = useI18n();
  const { client } = useSession();
  const [state, setState] = useState<RecordState>('Grace');
  const pages = usePageTokens();
  const records = useAsync(() => client.listDataRecords({ state, top: PAGE_SIZE, ...pages.pageQuery }), `data-records:${state}:${pages.pageToken ?? ''}`);
  const page = records.state.status === 'done' ? records.state.data : undefined;

  return (
    <Surface aria-label={t('dataRetention.recordsTab')}>
      <Text className={styles.hint}>{t('dataRetention.recordsIntro')}</Text>
      <div className={styles.commandBar}>
        <Toolbar aria-label={t('dataRetention.recordsTab')}>
          <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={records.reload}>
            {t('common.refresh')}
          </ToolbarButton>
        </Toolbar>
        <Dropdown
          className={styles.filter}
          aria-label={t('dataRetention.stateFilter')}
          value={dataStateLabel(state, t)}
          selectedOptions={[state]}
          onOptionSelect={(_event, data) => {
            setState((data.optionValue ?? 'Grace') as RecordState);
            pages.restart();
          }}
        >
          {STATES.map((option) => (
            <Option key={option} value={option}>
              {dataStateLabel(option, t)}
            </Option>
          ))}
        </Dropdown>
      </div>
      {records.state.status === 'loading' ? <Loading /> : null}
      {records.state.status === 'error' ? <ErrorBar error={records.state.error} onRetry={records.reload} /> : null}
      {page !== undefined && page.value.length === 0 ? <Text className={styles.empty}>{t('dataRetention.noRecords', { state: dataStateLabel(state, t) })}</Text> : null}
      {page !== undefined && page.value.length > 0 ? (
        <Table aria-label={t('dataRetention.recordsTable', { state: dataStateLabel(state, t) })}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.userColumn}>{t('dataRetention.user')}</TableHeaderCell>
              <TableHeaderCell className={styles.dataColumn}>{t('dataRetention.data')}</TableHeaderCell>
              <TableHeaderCell className={styles.stateColumn}>{t('dataRetention.state')}</TableHeaderCell>
              <TableHeaderCell className={styles.sinceColumn}>{t('dataRetention.since')}</TableHeaderCell>
              <TableHeaderCell>{t('dataRetention.whatHappens')}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.value.map((record) => (
              <TableRow key={`${record.userId}:${record.dataClass}`} data-user={record.userId}>
                <TableCell className={styles.wrap}>
                  <Text>{record.displayName ?? record.userId}</Text>{' '}
                  {record.userDeleted ? (
                    <Badge appearance="tint" color="subtle">
                      {t('dataRetention.deletedUser')}
                    </Badge>
                  ) : null}
                  {record.userPrincipalName === null ? null : <Text className={styles.secondary}>{record.userPrincipalName}</Text>}
                </TableCell>
                <TableCell>{dataClassLabel(record.dataClass, t)}</TableCell>
                <TableCell>{dataStateLabel(record.state, t)}</TableCell>
                <TableCell>{formatDate(record.since)}</TableCell>
                <TableCell>{outlook(record, t, formatDate)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      {page === undefined ? null : <Pager pages={pages} nextToken={page.skiptoken} label={t('dataRetention.pages')} />}
    </Surface>
  );
}
