import {
  Badge,
  createTableColumn,
  Dropdown,
  Link,
  Option,
  SearchBox,
  Text,
  Toolbar,
  ToolbarButton,
  ToolbarDivider,
  type TableColumnDefinition,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { useMemo, useState, type ReactNode } from 'react';
import type { ProductOverview } from '../../../client/types.js';
import type { UserRow } from '../../../client/user-types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Notice } from '../../components/Notice.js';
import { Pager } from '../../components/Pager.js';
import { Surface } from '../../components/Surface.js';
import { UserGrid } from '../../components/UserGrid.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { useAsync } from '../../lib/use-async.js';
import { usePageTokens } from '../../lib/use-page-tokens.js';
import { useSearchBox } from '../../lib/use-search-box.js';
import { UserPanel } from './UserPanel.js';
import { useUsersStyles } from './users-common.js';

const PAGE_SIZE = 50;
const COLUMN_SIZES = {
  displayName: { defaultWidth: 220, minWidth: 140 },
  userPrincipalName: { defaultWidth: 360, minWidth: 160 },
  licenses: { defaultWidth: 260, minWidth: 120 },
  status: { defaultWidth: 140, minWidth: 80 },
};

/** The filters /v1.0/users supports (src/domain/odata/user-query.ts), as the admin center names them. */
const FILTERS = {
  all: { label: 'users.filterAll', filter: undefined },
  licensed: { label: 'users.filterLicensed', filter: 'assignedLicenses/$count ne 0' },
  unlicensed: { label: 'users.filterUnlicensed', filter: 'assignedLicenses/$count eq 0' },
  blocked: { label: 'users.filterBlocked', filter: 'accountEnabled eq false' },
  members: { label: 'users.filterMembers', filter: "userType eq 'Member'" },
  guests: { label: 'users.filterGuests', filter: "userType eq 'Guest'" },
} as const satisfies Record<string, { label: MessageKey; filter: string | undefined }>;
type FilterName = keyof typeof FILTERS;
const ANY_PRODUCT = '';

export interface UsersListActions {
  selected: UserRow[];
  products: ProductOverview[];
  clearAndReload: (notice?: string) => void;
}

interface Props {
  /** A filter every query of this list carries (Guest users: userType eq 'Guest'). */
  baseFilter?: string;
  /** Which filter choices to offer. */
  filters: FilterName[];
  label: string;
  /** Toolbar buttons acting on the selection. */
  actions: (context: UsersListActions) => ReactNode;
  /** Panels and dialogs the actions open. */
  overlays?: (context: UsersListActions) => ReactNode;
}

/**
 * A server-paged list of users: $top with $skiptoken (never the whole directory), $search on display
 * name and username, the supported filters, multi-select, and the user panel on a name.
 */
export function UsersList({ baseFilter, filters, label, actions, overlays }: Props) {
  const styles = useUsersStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [filterName, setFilterName] = useState<FilterName>('all');
  const [skuId, setSkuId] = useState(ANY_PRODUCT);
  const pages = usePageTokens();
  // A new search starts again on its first page; the selection stays, so users found by several searches can be managed together.
  const { input: searchInput, setInput: setSearchInput, search } = useSearchBox(pages.restart);
  const [selected, setSelected] = useState<Map<string, UserRow>>(new Map());
  const [openUserId, setOpenUserId] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const products = useAsync(() => client.listProducts(), 'products');
  const productList = useMemo(() => (products.state.status === 'done' ? products.state.data : []), [products.state]);
  const productNames = useMemo(() => new Map(productList.map((product) => [product.skuId, product.displayName])), [productList]);

  const filter = [baseFilter, FILTERS[filterName].filter, skuId === ANY_PRODUCT ? undefined : `assignedLicenses/any(x:x/skuId eq ${skuId})`].filter((part) => part !== undefined).join(' and ');
  const users = useAsync(() => client.listUsers({ top: PAGE_SIZE, search, filter, ...pages.pageQuery }), `users:${filter}:${search}:${pages.pageToken ?? ''}`);
  const page = users.state.status === 'done' ? users.state.data : undefined;

  const clearAndReload = (message?: string) => {
    setNotice(message);
    setSelected(new Map());
    users.reload();
    products.reload();
  };

  const columns = useMemo<TableColumnDefinition<UserRow>[]>(
    () => [
      createTableColumn<UserRow>({
        columnId: 'displayName',
        renderHeaderCell: () => t('users.displayName'),
        renderCell: (user) => (
          <Link as="button" onClick={() => setOpenUserId(user.id)}>
            {user.displayName}
          </Link>
        ),
      }),
      createTableColumn<UserRow>({
        columnId: 'userPrincipalName',
        renderHeaderCell: () => t('users.userPrincipalName'),
        renderCell: (user) => (
          <span className={styles.truncate} title={user.userPrincipalName}>
            {user.userPrincipalName}
          </span>
        ),
      }),
      createTableColumn<UserRow>({
        columnId: 'licenses',
        renderHeaderCell: () => t('users.licenses'),
        renderCell: (user) =>
          user.assignedLicenses.length === 0 ? t('users.unlicensed') : user.assignedLicenses.map((license) => productNames.get(license.skuId) ?? license.skuId).join(', '),
      }),
      createTableColumn<UserRow>({
        columnId: 'status',
        renderHeaderCell: () => t('users.signInStatus'),
        renderCell: (user) =>
          user.accountEnabled ? (
            t('users.signInAllowed')
          ) : (
            <Badge appearance="tint" color="danger">
              {t('users.signInBlocked')}
            </Badge>
          ),
      }),
    ],
    [productNames, styles.truncate, t],
  );

  const context: UsersListActions = { selected: [...selected.values()], products: productList, clearAndReload };

  return (
    <Surface aria-label={label}>
      <Notice message={notice} />
      <div className={styles.commandBar}>
        <Toolbar aria-label={label}>
          {actions(context)}
          <ToolbarDivider />
          <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={() => clearAndReload()}>
            {t('common.refresh')}
          </ToolbarButton>
        </Toolbar>
        <span className={styles.counts}>
          {page?.count === undefined ? null : <Text data-testid="users-count">{t('users.count', { count: page.count })}</Text>}
          {selected.size === 0 ? null : <Text>{t('users.selected', { count: selected.size })}</Text>}
          {filters.length > 1 ? (
            <Dropdown
              className={styles.filter}
              aria-label={t('users.filter')}
              value={t(FILTERS[filterName].label)}
              selectedOptions={[filterName]}
              onOptionSelect={(_event, data) => {
                setFilterName((data.optionValue ?? 'all') as FilterName);
                pages.restart();
              }}
            >
              {filters.map((name) => (
                <Option key={name} value={name}>
                  {t(FILTERS[name].label)}
                </Option>
              ))}
            </Dropdown>
          ) : null}
          <Dropdown
            className={styles.filter}
            aria-label={t('users.productFilter')}
            value={skuId === ANY_PRODUCT ? t('users.anyProduct') : (productNames.get(skuId) ?? '')}
            selectedOptions={[skuId]}
            onOptionSelect={(_event, data) => {
              setSkuId(data.optionValue ?? ANY_PRODUCT);
              pages.restart();
            }}
          >
            <Option value={ANY_PRODUCT}>{t('users.anyProduct')}</Option>
            {productList.map((product) => (
              <Option key={product.skuId} value={product.skuId}>
                {product.displayName}
              </Option>
            ))}
          </Dropdown>
          <SearchBox aria-label={t('users.search')} placeholder={t('users.search')} value={searchInput} onChange={(_event, data) => setSearchInput(data.value)} />
        </span>
      </div>
      {users.state.status === 'loading' ? <Loading /> : null}
      {users.state.status === 'error' ? <ErrorBar error={users.state.error} onRetry={users.reload} /> : null}
      {page !== undefined && page.value.length === 0 ? <Text className={styles.empty}>{search === '' && filter === (baseFilter ?? '') ? t('users.none') : t('users.noMatches')}</Text> : null}
      {page !== undefined && page.value.length > 0 ? (
        <UserGrid
          items={page.value}
          columns={columns}
          columnSizes={COLUMN_SIZES}
          label={label}
          selectedIds={new Set(selected.keys())}
          onSelectionChange={(selectedIds) => {
            // Selection spans pages: rows of other pages stay selected.
            const next = new Map([...selected].filter(([userId]) => !page.value.some((user) => user.id === userId)));
            for (const user of page.value) {
              if (selectedIds.has(user.id)) {
                next.set(user.id, user);
              }
            }
            setSelected(next);
          }}
        />
      ) : null}
      {page === undefined ? null : <Pager pages={pages} nextToken={page.skiptoken} label={t('users.pager')} />}
      {overlays?.(context)}
      <UserPanel
        userId={openUserId}
        products={productList}
        onClose={() => setOpenUserId(undefined)}
        onChanged={() => users.reload()}
        onDeleted={(name) => {
          setOpenUserId(undefined);
          clearAndReload(t('users.deleted', { name }));
        }}
      />
    </Surface>
  );
}
