import type { MessageKey } from '../i18n/messages-en.js';

/** The admin center's pages: path, navigation label, and whether the page is built yet. */
export interface PageRoute {
  path: string;
  label: MessageKey;
  isBuilt: boolean;
}

export const ROUTES = {
  home: { path: '/', label: 'nav.home', isBuilt: true },
  activeUsers: { path: '/users/active', label: 'nav.activeUsers', isBuilt: true },
  guestUsers: { path: '/users/guests', label: 'nav.guestUsers', isBuilt: true },
  deletedUsers: { path: '/users/deleted', label: 'nav.deletedUsers', isBuilt: true },
  groups: { path: '/groups', label: 'nav.groups', isBuilt: true },
  licenses: { path: '/billing/licenses', label: 'nav.licenses', isBuilt: true },
  yourProducts: { path: '/billing/products', label: 'nav.yourProducts', isBuilt: true },
  auditLog: { path: '/audit', label: 'nav.auditLog', isBuilt: true },
  roles: { path: '/settings/roles', label: 'nav.roles', isBuilt: false },
  apps: { path: '/settings/apps', label: 'nav.apps', isBuilt: false },
  webhooks: { path: '/settings/webhooks', label: 'nav.webhooks', isBuilt: false },
} as const satisfies Record<string, PageRoute>;

export const productPath = (skuId: string): string => `${ROUTES.licenses.path}/${encodeURIComponent(skuId)}`;
export const groupPath = (groupId: string): string => `${ROUTES.groups.path}/${encodeURIComponent(groupId)}`;
export const subscriptionPath = (subscriptionId: string): string => `${ROUTES.yourProducts.path}?subscription=${encodeURIComponent(subscriptionId)}`;
