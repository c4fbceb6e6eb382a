import {
  Badge,
  Button,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  ToolbarButton,
  ToolbarDivider,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, DeleteRegular, DocumentLockRegular, ShieldLockRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { DataHoldListing, HoldKind } from '../../../client/data-retention.js';
import { useSession } from '../../app/session.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Notice } from '../../components/Notice.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { AddHoldDrawer } from './AddHoldDrawer.js';
import { DataRecordsTab } from './DataRecordsTab.js';
import { dataClassesLabel, holdKindLabel } from './data-retention-text.js';

const useStyles = makeStyles({
  tabs: { marginBottom: tokens.spacingVerticalM },
  reason: { marginBottom: tokens.spacingVerticalM },
  secondary: { display: 'block', color: tokens.colorNeutralForeground2 },
  empty: { padding: tokens.spacingVerticalM, display: 'block' },
  nameColumn: { width: '18%' },
  typeColumn: { width: '13%' },
  appliesColumn: { width: '27%' },
  dataColumn: { width: '16%' },
  dateColumn: { width: '12%' },
  actionColumn: { width: '14%' },
  wrap: { overflowWrap: 'anywhere' },
  visuallyHidden: { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' },
});

type TabValue = 'holds' | 'records';

/** Whom a hold covers, in words. */
const holdSubject = (hold: DataHoldListing, t: Translate): string =>
  hold.kind === 'retentionPolicy' ? t('dataRetention.allUsers') : (hold.userDisplayName ?? hold.userPrincipalName ?? hold.userId ?? '');

/**
 * Settings › Data retention: litigation holds (one user) and retention policies (every user) that
 * keep mailbox and files data past its grace period, and the users whose data is in its grace
 * period (or kept, or deleted) with the dates.
 */
export function DataRetentionPage() {
  const styles = useStyles();
  const { t } = useI18n();
  const { session } = useSession();
  const [tab, setTab] = useState<TabValue>('holds');
  const canRead = session.allowedActions.includes('data.read');
  const manageReason = session.allowedActions.includes('data.manage') ? undefined : t('dataRetention.noManageRole');

  return (
    <>
      <PageHeader title={t('nav.dataRetention')} subtitle={t('dataRetention.subtitle')} />
      {!canRead ? (
        <MessageBar intent="info">
          <MessageBarBody>{t('dataRetention.noReadRole')}</MessageBarBody>
        </MessageBar>
      ) : (
        <>
          {manageReason === undefined ? null : (
            <MessageBar intent="info" id="data-retention-reason" className={styles.reason}>
              <MessageBarBody>{manageReason}</MessageBarBody>
            </MessageBar>
          )}
          <TabList className={styles.tabs} selectedValue={tab} onTabSelect={(_event, data) => setTab(data.value as TabValue)} aria-label={t('nav.dataRetention')}>
            <Tab value="holds">{t('dataRetention.holdsTab')}</Tab>
            <Tab value="records">{t('dataRetention.recordsTab')}</Tab>
          </TabList>
          {tab === 'holds' ? <HoldsTab manageReason={manageReason} /> : <DataRecordsTab />}
        </>
      )}
    </>
  );
}

function HoldsTab({ manageReason }: { manageReason: string | undefined }) {
  const styles = useStyles();
  const { t, formatDate } = useI18n();
  const { client } = useSession();
  const holds = useAsync(() => client.listHolds(), 'data-holds');
  const [adding, setAdding] = useState<HoldKind>();
  const [removing, setRemoving] = useState<DataHoldListing>();
  const [notice, setNotice] = useState<string>();
  const describedBy = manageReason === undefined ? undefined : 'data-retention-reason';

  const done = (message: string) => {
    setNotice(message);
    holds.reload();
  };

  return (
    <Surface aria-label={t('dataRetention.holdsTab')}>
      <Notice message={notice} />
      <Toolbar aria-label={t('dataRetention.holdsTab')}>
        <ToolbarButton appearance="subtle" icon={<ShieldLockRegular />} disabled={manageReason !== undefined} title={manageReason} aria-describedby={describedBy} onClick={() => setAdding('litigationHold')}>
          {t('dataRetention.addLitigationHold')}
        </ToolbarButton>
        <ToolbarButton appearance="subtle" icon={<DocumentLockRegular />} disabled={manageReason !== undefined} title={manageReason} aria-describedby={describedBy} onClick={() => setAdding('retentionPolicy')}>
          {t('dataRetention.addRetentionPolicy')}
        </ToolbarButton>
        <ToolbarDivider />
        <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={holds.reload}>
          {t('common.refresh')}
        </ToolbarButton>
      </Toolbar>
      {holds.state.status === 'loading' ? <Loading /> : null}
      {holds.state.status === 'error' ? <ErrorBar error={holds.state.error} onRetry={holds.reload} /> : null}
      {holds.state.status === 'done' && holds.state.data.length === 0 ? <Text className={styles.empty}>{t('dataRetention.noHolds')}</Text> : null}
      {holds.state.status === 'done' && holds.state.data.length > 0 ? (
        <Table aria-label={t('dataRetention.holdsTable')}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.nameColumn}>{t('dataRetention.name')}</TableHeaderCell>
              <TableHeaderCell className={styles.typeColumn}>{t('dataRetention.type')}</TableHeaderCell>
              <TableHeaderCell className={styles.appliesColumn}>{t('dataRetention.appliesTo')}</TableHeaderCell>
              <TableHeaderCell className={styles.dataColumn}>{t('dataRetention.data')}</TableHeaderCell>
              <TableHeaderCell className={styles.dateColumn}>{t('dataRetention.created')}</TableHeaderCell>
              <TableHeaderCell className={styles.actionColumn}>
                <span className={styles.visuallyHidden}>{t('dataRetention.actions')}</span>
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {holds.state.data.map((hold) => (
              <TableRow key={hold.id} data-hold={hold.id}>
                <TableCell>{hold.name}</TableCell>
                <TableCell>{holdKindLabel(hold.kind, t)}</TableCell>
                <TableCell className={styles.wrap}>
                  {hold.kind === 'retentionPolicy' ? (
                    t('dataRetention.allUsers')
                  ) : (
                    <>
                      <Text>{hold.userDisplayName ?? hold.userId}</Text>{' '}
                      {hold.userDeleted ? (
                        <Badge appearance="tint" color="subtle">
                          {t('dataRetention.deletedUser')}
                        </Badge>
                      ) : null}
                      {hold.userPrincipalName === null ? null : <Text className={styles.secondary}>{hold.userPrincipalName}</Text>}
                    </>
                  )}
                </TableCell>
                <TableCell>{dataClassesLabel(hold.dataClasses, t)}</TableCell>
                <TableCell>{formatDate(hold.createdDateTime)}</TableCell>
                <TableCell>
                  <Button
                    appearance="subtle"
                    icon={<DeleteRegular />}
                    disabled={manageReason !== undefined}
                    title={manageReason}
                    aria-label={t('dataRetention.removeHold', { name: hold.name })}
                    aria-describedby={describedBy}
                    onClick={() => setRemoving(hold)}
                  >
                    {t('dataRetention.remove')}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      <AddHoldDrawer
        kind={adding}
        onClose={() => setAdding(undefined)}
        onAdded={(message) => {
          setAdding(undefined);
          done(message);
        }}
      />
      {removing === undefined ? null : (
        // Removing a hold lets the data it kept go: it is deleted at the next job run once its grace has ended.
        <ConfirmDialog
          title={t('dataRetention.removeTitle', { name: removing.name })}
          body={<p>{t('dataRetention.removeBody', { data: dataClassesLabel(removing.dataClasses, t), subject: holdSubject(removing, t) })}</p>}
          confirmLabel={t('dataRetention.remove')}
          onConfirm={async () => {
            await client.deleteHold(removing.id);
            setRemoving(undefined);
            done(t('dataRetention.removed', { name: removing.name }));
          }}
          onClose={() => setRemoving(undefined)}
        />
      )}
    </Surface>
  );
}
