import {
  Breadcrumb,
  BreadcrumbButton,
  BreadcrumbDivider,
  BreadcrumbItem,
  createTableColumn,
  makeStyles,
  SearchBox,
  Tab,
  TabList,
  Text,
  Toolbar,
  ToolbarButton,
  ToolbarDivider,
  tokens,
  type TableColumnDefinition,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, PersonAddRegular, PersonDeleteRegular } from '@fluentui/react-icons';
import { useMemo, useState } from 'react';
import type { ProductOverview, ProductUser } from '../../../client/types.js';
import { followLink } from '../../app/router.js';
import { ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Notice } from '../../components/Notice.js';
import { Pager } from '../../components/Pager.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { UserGrid } from '../../components/UserGrid.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { useAsync } from '../../lib/use-async.js';
import { usePageTokens } from '../../lib/use-page-tokens.js';
import { useSearchBox } from '../../lib/use-search-box.js';
import { AssignLicensesDrawer } from './AssignLicensesDrawer.js';
import { licensingBlockedReason, useUsersStyles } from '../users/users-common.js';
import { ProductGroupsTab } from './ProductGroupsTab.js';

const PAGE_SIZE = 50;
const COLUMN_SIZES = {
  displayName: { defaultWidth: 220, minWidth: 140 },
  userPrincipalName: { defaultWidth: 340, minWidth: 160 },
  assignmentPath: { defaultWidth: 160, minWidth: 100 },
  status: { defaultWidth: 120, minWidth: 80 },
};

const useStyles = makeStyles({
  counts: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXL, color: tokens.colorNeutralForeground2 },
  tabs: { marginBottom: tokens.spacingVerticalM },
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
  const common = useUsersStyles();
  const { t } = useI18n();
  const { client, session } = useSession();
  const pages = usePageTokens();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const { input: searchInput, setInput: setSearchInput, search } = useSearchBox(() => {
    // A new search starts again on its first page with nothing selected.
    pages.restart();
    setSelected(new Set());
  });
  const [isAssignOpen, setAssignOpen] = useState(false);
  const [isUnassignOpen, setUnassignOpen] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [tab, setTab] = useState<'users' | 'groups'>('users');
  const blockedReason = licensingBlockedReason(session, t);

  const product = useAsync(async (): Promise<ProductOverview> => {
    const found = (await client.listProducts()).find((candidate) => candidate.skuId === skuId);
    if (found === undefined) {
      throw new Error(`No product ${skuId} in this organization.`);
    }
    return found;
  }, `product:${skuId}`);
  const users = useAsync(() => client.listProductUsers(skuId, { top: PAGE_SIZE, search, ...pages.pageQuery }), `users:${skuId}:${search}:${pages.pageToken ?? ''}`);

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
          <Surface hidden={tab !== 'users'} aria-label={t('product.usersTable', { product: productName })}>
            <Notice message={notice} />
            <div className={common.commandBar}>
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
            {page !== undefined && page.value.length === 0 ? <Text className={common.empty}>{search === '' ? t('product.noUsers') : t('product.noMatches', { search })}</Text> : null}
            {page !== undefined && page.value.length > 0 ? (
              <UserGrid items={page.value} columns={columns} columnSizes={COLUMN_SIZES} label={t('product.usersTable', { product: productName })} selectedIds={selected} onSelectionChange={setSelected} />
            ) : null}
            {page === undefined ? null : <Pager pages={pages} nextToken={page.skiptoken} label={t('product.pages', { product: productName })} />}
          </Surface>
          <AssignLicensesDrawer
            open={isAssignOpen}
            product={product.state.data}
            onClose={() => setAssignOpen(false)}
            onAssigned={(count) => {
              setAssignOpen(false);
              afterChange(t('product.assigned', { count }));
            }}
          />
          {isUnassignOpen ? (
            <ConfirmDialog
              title={t('unassign.title')}
              body={t('unassign.body', { count: selected.size, product: productName })}
              confirmLabel={t('unassign.submit')}
              busyLabel={t('unassign.working')}
              onClose={() => setUnassignOpen(false)}
              onConfirm={async () => {
                await client.unassignProduct(skuId, { userIds: [...selected] });
                setUnassignOpen(false);
                afterChange(t('product.unassigned', { count: selected.size }));
              }}
            />
          ) : null}
        </>
      ) : null}
    </>
  );
}
