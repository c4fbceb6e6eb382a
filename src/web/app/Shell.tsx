import {
  Avatar,
  Button,
  makeStyles,
  Menu,
  MenuGroup,
  MenuGroupHeader,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  NavCategory,
  NavCategoryItem,
  NavDrawer,
  NavDrawerBody,
  NavItem,
  NavSubItem,
  NavSubItemGroup,
  Text,
  tokens,
} from '@fluentui/react-components';
import {
  AppsRegular,
  DataUsageRegular,
  DocumentBulletListClockRegular,
  HomeRegular,
  PeopleRegular,
  PeopleTeamRegular,
  ReceiptRegular,
  SettingsRegular,
  SignOutRegular,
} from '@fluentui/react-icons';
import { useEffect, useState, type ReactElement, type ReactNode } from 'react';
import { ErrorBar } from '../components/ErrorBar.js';
import { useI18n } from '../i18n/i18n.js';
import { ComingPage } from '../pages/ComingPage.js';
import { LicensesPage } from '../pages/licenses/LicensesPage.js';
import { ProductPage } from '../pages/licenses/ProductPage.js';
import { AuditLogPage } from '../pages/audit/AuditLogPage.js';
import { GroupPage } from '../pages/groups/GroupPage.js';
import { GroupsPage } from '../pages/groups/GroupsPage.js';
import { HomePage } from '../pages/home/HomePage.js';
import { YourProductsPage } from '../pages/products/YourProductsPage.js';
import { ReclaimPage } from '../pages/reports/ReclaimPage.js';
import { AppsPage } from '../pages/settings/AppsPage.js';
import { DataRetentionPage } from '../pages/settings/DataRetentionPage.js';
import { RolesPage } from '../pages/settings/RolesPage.js';
import { WebhooksPage } from '../pages/settings/WebhooksPage.js';
import { ActiveUsersPage } from '../pages/users/ActiveUsersPage.js';
import { DeletedUsersPage } from '../pages/users/DeletedUsersPage.js';
import { GuestUsersPage } from '../pages/users/GuestUsersPage.js';
import { LanguageMenu } from './LanguageMenu.js';
import { followLink, usePathname } from './router.js';
import { ROUTES, type PageRoute } from './routes.js';
import { useSession } from './session.js';

const useStyles = makeStyles({
  shell: { display: 'grid', gridTemplateRows: '48px 1fr', gridTemplateColumns: '260px 1fr', height: '100vh' },
  topBar: {
    gridColumn: '1 / 3',
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    paddingInline: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  productName: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400 },
  tenant: { marginLeft: 'auto', color: tokens.colorNeutralForegroundOnBrand },
  // Buttons on the brand-coloured bar keep white text in every state (contrast).
  onBrand: {
    color: tokens.colorNeutralForegroundOnBrand,
    ':hover': { color: tokens.colorNeutralForegroundOnBrand, backgroundColor: tokens.colorBrandBackgroundHover },
    ':hover:active': { color: tokens.colorNeutralForegroundOnBrand, backgroundColor: tokens.colorBrandBackgroundPressed },
    '& .fui-Button__icon': { color: tokens.colorNeutralForegroundOnBrand },
  },
  nav: { height: '100%', borderRight: `1px solid ${tokens.colorNeutralStroke2}` },
  main: { overflow: 'auto', padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalXXXL}`, backgroundColor: tokens.colorNeutralBackground2 },
  skipLink: {
    position: 'absolute',
    left: '-10000px',
    ':focus': { left: tokens.spacingHorizontalL, top: tokens.spacingVerticalS, zIndex: 10, backgroundColor: tokens.colorNeutralBackground1, padding: tokens.spacingHorizontalS },
  },
});

const PRODUCT_PATH = /^\/billing\/licenses\/([^/]+)$/;
const GROUP_PATH = /^\/groups\/([^/]+)$/;

/** The built pages of the navigation by path; any other shows ComingPage. */
const PAGES: Record<string, () => ReactElement> = {
  [ROUTES.licenses.path]: () => <LicensesPage />,
  [ROUTES.home.path]: () => <HomePage />,
  [ROUTES.yourProducts.path]: () => <YourProductsPage />,
  [ROUTES.groups.path]: () => <GroupsPage />,
  [ROUTES.auditLog.path]: () => <AuditLogPage />,
  [ROUTES.activeUsers.path]: () => <ActiveUsersPage />,
  [ROUTES.guestUsers.path]: () => <GuestUsersPage />,
  [ROUTES.deletedUsers.path]: () => <DeletedUsersPage />,
  [ROUTES.reclaim.path]: () => <ReclaimPage />,
  [ROUTES.roles.path]: () => <RolesPage />,
  [ROUTES.apps.path]: () => <AppsPage />,
  [ROUTES.webhooks.path]: () => <WebhooksPage />,
  [ROUTES.dataRetention.path]: () => <DataRetentionPage />,
};

/** The page for a path, and the navigation entry it belongs to. */
function resolvePage(pathname: string): { navValue: string; element: ReactElement } {
  const product = PRODUCT_PATH.exec(pathname);
  if (product?.[1] !== undefined) {
    return { navValue: ROUTES.licenses.path, element: <ProductPage key={product[1]} skuId={decodeURIComponent(product[1])} /> };
  }
  const group = GROUP_PATH.exec(pathname);
  if (group?.[1] !== undefined) {
    return { navValue: ROUTES.groups.path, element: <GroupPage key={group[1]} groupId={decodeURIComponent(group[1])} /> };
  }
  const route = Object.values(ROUTES).find((candidate: PageRoute) => candidate.path === pathname);
  if (route === undefined) {
    return { navValue: '', element: <NotFound /> };
  }
  return { navValue: route.path, element: PAGES[route.path]?.() ?? <ComingPage route={route} /> };
}

function NotFound() {
  const pathname = usePathname();
  return <ErrorBar error={new Error(`No page at ${pathname}.`)} />;
}

/** The signed-in admin center: top bar, left navigation as in the Microsoft 365 admin center, the page. */
export function Shell() {
  const styles = useStyles();
  const { t } = useI18n();
  const { session, signOut } = useSession();
  const pathname = usePathname();
  const { navValue, element } = resolvePage(pathname);
  const [signOutError, setSignOutError] = useState<unknown>();

  useEffect(() => {
    const route = Object.values(ROUTES).find((candidate: PageRoute) => candidate.path === navValue);
    document.title = route === undefined ? t('app.title') : `${t(route.label)} - ${t('app.title')}`;
  }, [navValue, t]);

  const item = (route: PageRoute, icon?: ReactElement): ReactNode => (
    <NavItem key={route.path} value={route.path} href={route.path} icon={icon} onClick={(event) => followLink(event, route.path)}>
      {t(route.label)}
    </NavItem>
  );
  const subItem = (route: PageRoute): ReactNode => (
    <NavSubItem key={route.path} value={route.path} href={route.path} onClick={(event) => followLink(event, route.path)}>
      {t(route.label)}
    </NavSubItem>
  );
  const category = (value: string, label: string, icon: ReactElement, routes: PageRoute[]): ReactNode => (
    <NavCategory value={value}>
      <NavCategoryItem icon={icon}>{label}</NavCategoryItem>
      <NavSubItemGroup>{routes.map(subItem)}</NavSubItemGroup>
    </NavCategory>
  );

  return (
    <div className={styles.shell}>
      <header className={styles.topBar}>
        <a className={styles.skipLink} href="#main">
          {t('app.skipToContent')}
        </a>
        <AppsRegular fontSize={20} aria-hidden />
        <Text className={styles.productName}>{t('app.title')}</Text>
        <Text className={styles.tenant} aria-label={`${t('topBar.tenant')}: ${session.tenant.displayName}`}>
          {session.tenant.displayName}
        </Text>
        <LanguageMenu appearance="transparent" className={styles.onBrand} />
        <Menu>
          <MenuTrigger disableButtonEnhancement>
            <Button appearance="transparent" className={styles.onBrand} title={t('topBar.account', { name: session.user.displayName })} icon={<Avatar name={session.user.displayName} size={28} color="neutral" aria-hidden style={{ marginInlineEnd: tokens.spacingHorizontalXS }} />}>
              {session.user.displayName}
            </Button>
          </MenuTrigger>
          <MenuPopover>
            <MenuList>
              <MenuGroup>
                <MenuGroupHeader>{session.user.userPrincipalName}</MenuGroupHeader>
                <MenuItem icon={<SignOutRegular />} onClick={() => void signOut().catch(setSignOutError)}>
                  {t('topBar.signOut')}
                </MenuItem>
              </MenuGroup>
            </MenuList>
          </MenuPopover>
        </Menu>
      </header>
      <NavDrawer
        className={styles.nav}
        open
        type="inline"
        aria-label={t('nav.label')}
        selectedValue={navValue}
        defaultOpenCategories={['users', 'billing', 'reports', 'settings']}
      >
        <NavDrawerBody>
          {item(ROUTES.home, <HomeRegular />)}
          {category('users', t('nav.users'), <PeopleRegular />, [ROUTES.activeUsers, ROUTES.guestUsers, ROUTES.deletedUsers])}
          {item(ROUTES.groups, <PeopleTeamRegular />)}
          {category('billing', t('nav.billing'), <ReceiptRegular />, [ROUTES.licenses, ROUTES.yourProducts])}
          {category('reports', t('nav.reports'), <DataUsageRegular />, [ROUTES.reclaim])}
          {item(ROUTES.auditLog, <DocumentBulletListClockRegular />)}
          {category('settings', t('nav.settings'), <SettingsRegular />, [ROUTES.roles, ROUTES.apps, ROUTES.webhooks, ROUTES.dataRetention])}
        </NavDrawerBody>
      </NavDrawer>
      <main id="main" className={styles.main} tabIndex={-1}>
        {signOutError === undefined ? null : <ErrorBar error={signOutError} />}
        {element}
      </main>
    </div>
  );
}
