import {
  Breadcrumb,
  BreadcrumbButton,
  BreadcrumbDivider,
  BreadcrumbItem,
  Button,
  createTableColumn,
  DataGrid,
  DataGridBody,
  DataGridCell,
  DataGridHeader,
  DataGridHeaderCell,
  DataGridRow,
  makeStyles,
  MessageBar,
  MessageBarBody,
  SearchBox,
  Tab,
  TabList,
  Text,
  Toolbar,
  ToolbarButton,
  ToolbarDivider,
  tokens,
  type TableColumnDefinition,
  type TableRowId,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, ChevronLeftRegular, ChevronRightRegular, PersonAddRegular, PersonDeleteRegular } from '@fluentui/react-icons';
import { useEffect, useMemo, useState } from 'react';
import type { ProductOverview, ProductUser } from '../../../client/types.js';
import { followLink } from '../../app/router.js';
import { ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { useAsync } from '../../lib/use-async.js';
import { AssignLicensesDrawer } from './AssignLicensesDrawer.js';
import { licensingBlockedReason } from '../users/users-common.js';
import { ProductGroupsTab } from './ProductGroupsTab.js';
import { UnassignDialog } from './UnassignDialog.js';

const PAGE_SIZE = 50;
const COLUMN_SIZES = {
  displayName: { defaultWidth: 220, minWidth: 140 },
  userPrincipalName: { defaultWidth: 340, minWidth: 160 },
  assignmentPath: { defaultWidth: 160, minWidth: 100 },
  status: { defaultWidth: 120, minWidth: 80 },
};
const SEARCH_DELAY_MS = 300;

const useStyles = makeStyles({
  surface: { backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium, boxShadow: tokens.shadow4, padding: tokens.spacingHorizontalL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  commandBar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  counts: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXL, color: tokens.colorNeutralForeground2 },
  pager: { display: 'flex', alignItems: 'center', justifyContent: 'flex-end', gap: tokens.spacingHorizontalS, color: tokens.colorNeutralForeground2 },
  tabs: { marginBottom: tokens.spacingVerticalM },
  empty: { padding: tokens.spacingVerticalL, display: 'block' },
  gridBox: { minWidth: 0, overflowX: 'auto' },
});

function assignmentPath(user: ProductUser, skuId: string, t: Translate): string {
  const states = user.license.licenseAssignmentStates.filter((state) => state.skuId === skuId);
  const paths = new Set(states.map((state) => (state.assignedByGroup === null ? t('product.direct') : t('product.viaGroup'))));
  return [...paths].join(', ');
}

/** Graph's assignment states in the admin center's words; an unknown state shows as sent. */
const STATE_LABELS: Record<string, MessageKey> = { Active: 'assignmentState.active', ActiveWithError: 'assignmentState.activeWithError', Error: 'assignmentState.error', Disabled: 'assignmentState.disabled' };

const statusOf = (user: ProductUser, skuId: string, t: Translate): string =>
  [...new Set(user.license.licenseAssignmentStates.filter((state) => state.skuId === skuId).map((state) => state.state))]
    .map((state) => {
      const label = STATE_LABELS[state];
      return label === undefined ? state : t(label);
    })
    .join(', ');

/** A product of Billing › Licenses: its counts and its licensed users, with Assign and Unassign. */
export function ProductPage({ skuId }: { skuId: string }) {
  const styles = useStyles();
  const { t, formatNumber } = useI18n();
  const { client, session } = useSession();
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  // Tokens of the pages seen so far: pageTokens[i] opens page i (undefined: the first).
  const [pageTokens, setPageTokens] = useState<(string | undefined)[]>([undefined]);
  const [pageIndex, setPageIndex] = useState(0);
  const [selected, setSelected] = useState<Set<TableRowId>>(new Set());
  const [isAssignOpen, setAssignOpen] = useState(false);
  const [isUnassignOpen, setUnassignOpen] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [tab, setTab] = useState<'users' | 'groups'>('users');
  const blockedReason = licensingBlockedReason(session, t);

  useEffect(() => {
    const timer = setTimeout(() => {
      setSearch(searchInput.trim());
      // A new search starts again on its first page with nothing selected.
      setPageTokens([undefined]);
      setPageIndex(0);
      setSelected(new Set());
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [searchInput]);

  const product = useAsync(async (): Promise<ProductOverview> => {
    const found = (await client.listProducts()).find((candidate) => candidate.skuId === skuId);
    if (found === undefined) {
      throw new Error(`No product ${skuId} in this organization.`);
    }
    return found;
  }, `product:${skuId}`);
  const pageToken = pageTokens[pageIndex];
  const users = useAsync(() => client.listProductUsers(skuId, { top: PAGE_SIZE, search, ...(pageToken === undefined ? {} : { skiptoken: pageToken }) }), `users:${skuId}:${search}:${pageToken ?? ''}`);

  const refresh = () => {
    product.reload();
    users.reload();
  };
  const afterChange = (message: string) => {
    setNotice(message);
    setSelected(new Set());
    refresh();
  };

  const columns = useMemo<TableColumnDefinition<ProductUser>[]>(
    () => [
      createTableColumn<ProductUser>({ columnId: 'displayName', renderHeaderCell: () => t('product.name'), renderCell: (user) => user.displayName }),
      createTableColumn<ProductUser>({ columnId: 'userPrincipalName', renderHeaderCell: () => t('product.userPrincipalName'), renderCell: (user) => user.userPrincipalName }),
      createTableColumn<ProductUser>({ columnId: 'assignmentPath', renderHeaderCell: () => t('product.assignmentPath'), renderCell: (user) => assignmentPath(user, skuId, t) }),
      createTableColumn<ProductUser>({ columnId: 'status', renderHeaderCell: () => t('product.status'), renderCell: (user) => statusOf(user, skuId, t) }),
    ],
    [skuId, t],
  );

  const productName = product.state.status === 'done' ? product.state.data.displayName : '';
  const page = users.state.status === 'done' ? users.state.data : undefined;
  const selectedIds = [...selected].map(String);

  return (
    <>
      <PageHeader
        title={productName}
        subtitle={
          product.state.status === 'done' ? (
            <span className={styles.counts}>
              <span data-testid="product-available">{t('product.availableOf', { available: product.state.data.available, total: product.state.data.total })}</span>
              <span data-testid="product-assigned">{t('product.assignedCount', { assigned: product.state.data.assigned })}</span>
            </span>
          ) : undefined
        }
      >
        <Breadcrumb aria-label={t('product.breadcrumb')}>
          <BreadcrumbItem>
            <BreadcrumbButton href={ROUTES.licenses.path} onClick={(event) => followLink(event, ROUTES.licenses.path)}>
              {t('nav.licenses')}
            </BreadcrumbButton>
          </BreadcrumbItem>
          <BreadcrumbDivider />
          <BreadcrumbItem>
            <BreadcrumbButton current>{productName || t('state.loading')}</BreadcrumbButton>
          </BreadcrumbItem>
        </Breadcrumb>
      </PageHeader>
      {product.state.status === 'loading' ? <Loading /> : null}
      {product.state.status === 'error' ? <ErrorBar error={product.state.error} onRetry={product.reload} /> : null}
      {product.state.status === 'done' ? (
        <>
          <TabList className={styles.tabs} selectedValue={tab} onTabSelect={(_event, data) => setTab(data.value === 'groups' ? 'groups' : 'users')} aria-label={productName}>
            <Tab value="users">{t('product.usersTab')}</Tab>
            <Tab value="groups">{t('product.groupsTab')}</Tab>
          </TabList>
          {tab === 'groups' ? <ProductGroupsTab product={product.state.data} onChanged={refresh} /> : null}
          <section hidden={tab !== 'users'} className={styles.surface} aria-label={t('product.usersTable', { product: productName })}>
            {notice === undefined ? null : (
              <MessageBar intent="success" role="status">
                <MessageBarBody>{notice}</MessageBarBody>
              </MessageBar>
            )}
            <div className={styles.commandBar}>
              <Toolbar aria-label={productName}>
                <ToolbarButton appearance="subtle" icon={<PersonAddRegular />} disabled={blockedReason !== undefined} title={blockedReason} onClick={() => setAssignOpen(true)}>
                  {t('product.assign')}
                </ToolbarButton>
                <ToolbarButton
                  appearance="subtle"
                  icon={<PersonDeleteRegular />}
                  disabled={selected.size === 0 || blockedReason !== undefined}
                  title={blockedReason ?? (selected.size === 0 ? t('users.selectFirst') : undefined)}
                  onClick={() => setUnassignOpen(true)}
                >
                  {t('product.unassign')}
                </ToolbarButton>
                <ToolbarDivider />
                <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={refresh}>
                  {t('common.refresh')}
                </ToolbarButton>
              </Toolbar>
              <span className={styles.counts}>
                {page === undefined ? null : <Text>{t('product.userCount', { count: page.count })}</Text>}
                {selected.size === 0 ? null : <Text>{t('product.selected', { count: selected.size })}</Text>}
                <SearchBox aria-label={t('product.searchUsers')} placeholder={t('product.searchUsers')} value={searchInput} onChange={(_event, data) => setSearchInput(data.value)} />
              </span>
            </div>
            {users.state.status === 'loading' ? <Loading /> : null}
            {users.state.status === 'error' ? <ErrorBar error={users.state.error} onRetry={users.reload} /> : null}
            {page !== undefined && page.value.length === 0 ? <Text className={styles.empty}>{search === '' ? t('product.noUsers') : t('product.noMatches', { search })}</Text> : null}
            {page !== undefined && page.value.length > 0 ? (
              // The grid sizes its columns to its own box: a wrapper without padding keeps it inside the surface.
              <div className={styles.gridBox}>
                <DataGrid
                  items={page.value}
                  columns={columns}
                  getRowId={(user: ProductUser) => user.id}
                  selectionMode="multiselect"
                  selectedItems={selected}
                  onSelectionChange={(_event, data) => setSelected(new Set(data.selectedItems))}
                  aria-label={t('product.usersTable', { product: productName })}
                  focusMode="composite"
                  resizableColumns
                  columnSizingOptions={COLUMN_SIZES}
                >
                  <DataGridHeader>
                    <DataGridRow selectionCell={{ checkboxIndicator: { 'aria-label': t('product.selectAll') } }}>
                      {({ renderHeaderCell }) => <DataGridHeaderCell>{renderHeaderCell()}</DataGridHeaderCell>}
                    </DataGridRow>
                  </DataGridHeader>
                  <DataGridBody<ProductUser>>
                    {({ item, rowId }) => (
                      <DataGridRow<ProductUser> key={rowId} selectionCell={{ checkboxIndicator: { 'aria-label': t('product.selectRow', { name: item.displayName }) } }}>
                        {({ renderCell }) => <DataGridCell>{renderCell(item)}</DataGridCell>}
                      </DataGridRow>
                    )}
                  </DataGridBody>
                </DataGrid>
              </div>
            ) : null}
            {page !== undefined && (pageIndex > 0 || page.skiptoken !== null) ? (
              <nav className={styles.pager} aria-label={t('product.page', { page: pageIndex + 1 })}>
                <Button appearance="subtle" icon={<ChevronLeftRegular />} disabled={pageIndex === 0} onClick={() => setPageIndex(pageIndex - 1)}>
                  {t('product.previousPage')}
                </Button>
                <Text>{t('product.page', { page: formatNumber(pageIndex + 1) })}</Text>
                <Button
                  appearance="subtle"
                  icon={<ChevronRightRegular />}
                  iconPosition="after"
                  disabled={page.skiptoken === null}
                  onClick={() => {
                    const next = page.skiptoken ?? undefined;
                    setPageTokens([...pageTokens.slice(0, pageIndex + 1), next]);
                    setPageIndex(pageIndex + 1);
                  }}
                >
                  {t('product.nextPage')}
                </Button>
              </nav>
            ) : null}
          </section>
          <AssignLicensesDrawer
            open={isAssignOpen}
            product={product.state.data}
            onClose={() => setAssignOpen(false)}
            onAssigned={(count) => {
              setAssignOpen(false);
              afterChange(t('product.assigned', { count }));
            }}
          />
          <UnassignDialog
            open={isUnassignOpen}
            product={product.state.data}
            userIds={selectedIds}
            onClose={() => setUnassignOpen(false)}
            onUnassigned={(count) => {
              setUnassignOpen(false);
              afterChange(t('product.unassigned', { count }));
            }}
          />
        </>
      ) : null}
    </>
  );
}
