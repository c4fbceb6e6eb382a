import { Badge, Link, makeStyles, SearchBox, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Toolbar, ToolbarButton, tokens } from '@fluentui/react-components';
import { AddRegular, ArrowClockwiseRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { followLink, navigate } from '../../app/router.js';
import { groupPath } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Pager } from '../../components/Pager.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { usePageTokens } from '../../lib/use-page-tokens.js';
import { useSearchBox } from '../../lib/use-search-box.js';
import { CreateGroupDrawer } from './CreateGroupDrawer.js';
import { groupType, isDynamic } from './group-text.js';

const useStyles = makeStyles({
  commandBar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  nameColumn: { width: '32%' },
  empty: { padding: tokens.spacingVerticalL, display: 'block' },
});

/** Groups: every group with its type, membership and licenses; create a static or dynamic group. */
export function GroupsPage() {
  const styles = useStyles();
  const { t, formatNumber, formatDate } = useI18n();
  const { client, session } = useSession();
  const pages = usePageTokens();
  const { input: searchInput, setInput: setSearchInput, search } = useSearchBox(pages.restart);
  const [isCreateOpen, setCreateOpen] = useState(false);
  const canCreate = session.allowedActions.includes('groups.manage');

  const { state, reload } = useAsync(() => client.listGroups({ search, ...pages.pageQuery }), `groups:${search}:${pages.pageToken ?? ''}`);
  const page = state.status === 'done' ? state.data : undefined;

  return (
    <>
      <PageHeader title={t('groups.title')} subtitle={t('groups.subtitle')} />
      <Surface aria-label={t('groups.title')}>
        <div className={styles.commandBar}>
          <Toolbar aria-label={t('groups.title')}>
            <ToolbarButton appearance="subtle" icon={<AddRegular />} disabled={!canCreate} title={canCreate ? undefined : t('groups.needsGroupsRole')} onClick={() => setCreateOpen(true)}>
              {t('groups.add')}
            </ToolbarButton>
            <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={reload}>
              {t('common.refresh')}
            </ToolbarButton>
          </Toolbar>
          <SearchBox aria-label={t('groups.search')} placeholder={t('groups.search')} value={searchInput} onChange={(_event, data) => setSearchInput(data.value)} />
        </div>
        {state.status === 'loading' ? <Loading /> : null}
        {state.status === 'error' ? <ErrorBar error={state.error} onRetry={reload} /> : null}
        {page !== undefined && page.value.length === 0 ? <Text className={styles.empty}>{search === '' ? t('groups.empty') : t('groups.noMatches', { search })}</Text> : null}
        {page !== undefined && page.value.length > 0 ? (
          <Table aria-label={t('groups.table')}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell className={styles.nameColumn}>{t('groups.name')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.type')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.membership')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.licenses')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.created')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {page.value.map((group) => (
                <TableRow key={group.id} data-group={group.displayName}>
                  <TableCell>
                    <Link href={groupPath(group.id)} onClick={(event) => followLink(event, groupPath(group.id))}>
                      {group.displayName}
                    </Link>
                  </TableCell>
                  <TableCell>{groupType(group, t)}</TableCell>
                  <TableCell>
                    {isDynamic(group) ? (
                      <Badge appearance="tint" color="brand">
                        {t('groups.dynamic')}
                      </Badge>
                    ) : (
                      t('groups.assigned')
                    )}
                  </TableCell>
                  <TableCell data-column="licenses">{formatNumber(group.assignedLicenses?.length ?? 0)}</TableCell>
                  <TableCell>{formatDate(group.createdDateTime)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
        {page === undefined ? null : <Pager pages={pages} nextToken={page.skiptoken} label={t('groups.paging')} />}
      </Surface>
      <CreateGroupDrawer open={isCreateOpen} onClose={() => setCreateOpen(false)} onCreated={(groupId) => navigate(groupPath(groupId))} />
    </>
  );
}
