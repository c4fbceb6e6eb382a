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
  reclaim: { path: '/reports/reclaim', label: 'nav.reclaim', isBuilt: true },
  roles: { path: '/settings/roles', label: 'nav.roles', isBuilt: true },
  apps: { path: '/settings/apps', label: 'nav.apps', isBuilt: true },
  webhooks: { path: '/settings/webhooks', label: 'nav.webhooks', isBuilt: true },
  dataRetention: { path: '/settings/data-retention', label: 'nav.dataRetention', isBuilt: true },
} as const satisfies Record<string, PageRoute>;

export const productPath = (skuId: string): string => `${ROUTES.licenses.path}/${encodeURIComponent(skuId)}`;
export const groupPath = (groupId: string): string => `${ROUTES.groups.path}/${encodeURIComponent(groupId)}`;
export const subscriptionPath = (subscriptionId: string): string => `${ROUTES.yourProducts.path}?subscription=${encodeURIComponent(subscriptionId)}`;
