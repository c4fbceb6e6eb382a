import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { changeGeneratedPassword, newAdminContext, signIn, startAdminCenter } from '../tests/support/admin-center.js';
import { buildWeb, isWebBuildStale } from './build-web.js';

/**
 * `npm run screenshots`: PNGs of the admin center's main pages in English and Dutch, taken in
 * the browser tests' setup (Debian's Chromium, a real server on a fresh demo tenant), written to
 * docs/screenshots/<language>-<page>.png.
 */
const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/screenshots');
const PRODUCT = 'Office 365 E3';
const LABELS = {
  en: { licenses: 'Licenses', assign: 'Assign licenses', unassign: 'Unassign licenses', users: 'Users', select: 'Select', language: 'Nederlands', cancel: 'Cancel' },
  nl: { licenses: 'Licenties', assign: 'Licenties toewijzen', unassign: 'Toewijzing opheffen', users: 'Gebruikers', select: 'selecteren', language: 'Nederlands', cancel: 'Annuleren' },
} as const;

const SHOT_GROUP = 'Fleet drivers';
const BILLING_GROUPS_LABELS = {
  en: { products: 'Your products', groups: 'Groups', audit: 'Audit log', navigation: 'Admin center navigation', addGroup: 'Add a group', name: 'Name', create: 'Create group', member: 'Add a member', licensesTab: 'Licenses', assign: 'Assign licenses', close: 'Close' },
  nl: { products: 'Uw producten', groups: 'Groepen', audit: 'Auditlogboek', navigation: 'Navigatie van het beheercentrum', addGroup: 'Een groep toevoegen', name: 'Naam', create: 'Groep maken', member: 'Een lid toevoegen', licensesTab: 'Licenties', assign: 'Licenties toewijzen', close: 'Sluiten' },
} as const;

const USERS_LABELS = {
  en: { active: 'Active users', guests: 'Guest users', deleted: 'Deleted users', search: 'Search users', licensesTab: 'Licenses and apps', manage: 'Manage product licenses', replace: 'Replace existing products', preview: 'Preview changes', deleteUser: 'Delete user', cancel: 'Cancel', close: 'Close' },
  nl: { active: 'Actieve gebruikers', guests: 'Gastgebruikers', deleted: 'Verwijderde gebruikers', search: 'Gebruikers zoeken', licensesTab: 'Licenties en apps', manage: 'Productlicenties beheren', replace: 'Bestaande producten vervangen', preview: 'Wijzigingen bekijken', deleteUser: 'Gebruiker verwijderen', cancel: 'Annuleren', close: 'Sluiten' },
} as const;

/** Office 365 E3, which the demo tenant owns; the seeded "Finance team" group holds it too. */
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const ADD_USER_LABELS = {
  en: { open: 'Add a user', next: 'Next', cancel: 'Cancel', groupsTab: 'Groups' },
  nl: { open: 'Een gebruiker toevoegen', next: 'Volgende', cancel: 'Annuleren', groupsTab: 'Groepen' },
} as const;

if (isWebBuildStale()) {
  await buildWeb();
}
// Webhook deliveries go to a closed port on this machine, so the Webhooks page shows attempts without reaching out.
const center = await startAdminCenter({ ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', ALLOT_WEBHOOK_INTERVAL_SECONDS: '1' });
try {
  mkdirSync(outDir, { recursive: true });
  const context = await newAdminContext(center);
  const page = await context.newPage();
  const shot = async (name: string) => {
    await page.waitForLoadState('networkidle');
    const file = path.join(outDir, `${name}.png`);
    await page.screenshot({ path: file });
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  };

  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot('en-sign-in');
  await signIn(page, center, center.credentials.admin.password);
  await page.getByRole('heading', { name: 'Update your password' }).waitFor();
  await shot('en-change-password');
  await changeGeneratedPassword(page, center);
  await shootDutchSignIn();
  await seedSettingsData(page);

  for (const language of ['en', 'nl'] as const) {
    const labels = LABELS[language];
    if (language === 'nl') {
      await page.getByRole('button', { name: /^Language/ }).click();
      await page.getByRole('menuitemradio', { name: labels.language }).click();
    }
    await page.goto('/');
    await page.getByRole('main').getByRole('heading', { level: 1 }).waitFor();
    await shot(`${language}-home`);
    await openLicenses(page, labels.licenses);
    await shot(`${language}-licenses`);
    await page.getByRole('link', { name: PRODUCT }).click();
    await page.getByRole('grid').waitFor();
    await shot(`${language}-product`);
    await page.getByRole('button', { name: labels.assign, exact: true }).click();
    const picker = page.getByRole('combobox', { name: labels.users });
    for (const name of ['Anna de Vries', 'Bas Willems']) {
      await picker.click();
      await picker.pressSequentially(name.split(' ')[0] ?? name);
      await page.getByRole('option', { name: new RegExp(`^${name}`) }).click();
    }
    await page.getByRole('switch').nth(1).click();
    await shot(`${language}-assign-licenses`);
    await page.getByRole('button', { name: labels.cancel }).click();
    await page.getByRole('checkbox').nth(1).click();
    await page.getByRole('checkbox').nth(2).click();
    await page.getByRole('button', { name: labels.unassign }).click();
    await page.getByRole('alertdialog').waitFor();
    await shot(`${language}-unassign-licenses`);
    await page.getByRole('alertdialog').getByRole('button', { name: labels.cancel }).click();
    await shootBillingAndGroups(page, language, shot);
    await shootUsers(page, language, shot);
    await shootReportsAndSettings(page, language, shot);
  }
  await context.close();
} finally {
  await center.close();
}

/** The sign-in page as a Dutch browser sees it (a fresh profile: the language follows the browser until chosen). */
async function shootDutchSignIn(): Promise<void> {
  const dutch = await newAdminContext(center, 'nl-NL');
  const signInPage = await dutch.newPage();
  await signInPage.goto('/');
  await signInPage.getByRole('heading', { name: 'Aanmelden' }).waitFor();
  const file = path.join(outDir, 'nl-sign-in.png');
  await signInPage.screenshot({ path: file });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
  await dutch.close();
}

/** What the Reports and Settings pages show: a webhook with failing deliveries, a litigation hold and a mailbox in its grace period. */
async function seedSettingsData(page: Page): Promise<void> {
  const { csrfToken } = (await (await page.request.get('/auth/session')).json()) as { csrfToken: string };
  const send = async (method: 'POST' | 'DELETE', url: string, data?: unknown) => {
    const response = await page.request.fetch(url, { method, headers: { 'x-csrf-token': csrfToken }, ...(data === undefined ? {} : { data }) });
    if (!response.ok()) {
      throw new Error(`${method} ${url}: ${response.status()} ${await response.text()}`);
    }
    return response.status() === 204 ? undefined : ((await response.json()) as unknown);
  };
  await send('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/allot-events', eventTypes: ['licenses.changed', 'seats.low'], description: 'License changes to the service desk' });
  // Two direct holders of E3: one is put on litigation hold; both lose E3, which starts their mailbox's grace period (and is a license change the webhook sends).
  const holders = (await (await page.request.get(`/admin/licenses/${E3}/users?$top=50`)).json()) as {
    value: { id: string; license: { licenseAssignmentStates: { skuId: string; assignedByGroup: string | null }[] } }[];
  };
  const direct = holders.value.filter((holder) => holder.license.licenseAssignmentStates.some((state) => state.skuId === E3 && state.assignedByGroup === null));
  const [held, other] = direct.map((holder) => holder.id);
  await send('POST', '/admin/data/holds', { kind: 'litigationHold', userId: held, dataClasses: ['mailbox'], name: 'Contract dispute 2026-14' });
  for (const userId of [held, other]) {
    await send('POST', `/v1.0/users/${userId}/assignLicense`, { addLicenses: [], removeLicenses: [E3] });
  }
  const members = (await (await page.request.get("/v1.0/users?$filter=startswith(displayName,'E')&$select=id&$top=3")).json()) as { value: { id: string }[] };
  const group = (await send('POST', '/v1.0/groups', {
    displayName: 'Finance team',
    mailNickname: 'financeteam',
    mailEnabled: false,
    securityEnabled: true,
    'members@odata.bind': members.value.map((member) => `https://graph.microsoft.com/v1.0/directoryObjects/${member.id}`),
  })) as { id: string };
  await send('POST', `/v1.0/groups/${group.id}/assignLicense`, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
}

/** Reports › Reclaim and Settings › Roles, Apps, Webhooks (a webhook's deliveries) and Data retention; the Add a user wizard and a product's Groups tab. */
async function shootReportsAndSettings(page: Page, language: 'en' | 'nl', shot: (name: string) => Promise<void>): Promise<void> {
  const visit = async (url: string, name: string, ready: (page: Page) => Promise<void>) => {
    await page.goto(url);
    await page.getByRole('main').getByRole('heading', { level: 1 }).waitFor();
    await ready(page);
    await shot(`${language}-${name}`);
  };
  await visit('/reports/reclaim', 'reclaim', (current) => current.getByRole('main').getByRole('table').first().waitFor());
  await visit('/settings/roles', 'roles', (current) => current.getByRole('main').getByRole('table').first().waitFor());
  await visit('/settings/apps', 'apps', (current) => current.getByRole('main').getByRole('table').first().waitFor());
  await visit('/settings/webhooks', 'webhooks', (current) => current.getByRole('main').getByRole('table').first().waitFor());
  await page.getByRole('main').getByRole('table').getByRole('button').first().click();
  await page.getByRole('dialog').getByRole('table').first().waitFor();
  await shot(`${language}-webhook-deliveries`);
  await visit('/settings/data-retention', 'data-retention', (current) => current.getByRole('main').getByRole('table').first().waitFor());

  await visit('/users/active', 'add-user', async (current) => {
    await current.getByTestId('users-count').waitFor();
    await current.getByRole('button', { name: ADD_USER_LABELS[language].open }).click();
    const wizard = current.getByRole('dialog');
    await wizard.getByRole('textbox').first().fill('Noor');
    await wizard.getByRole('textbox').nth(1).fill('Visser');
    await wizard.getByRole('button', { name: ADD_USER_LABELS[language].next }).click();
    await wizard.getByRole('checkbox').first().waitFor();
  });
  await page.getByRole('dialog').getByRole('button', { name: ADD_USER_LABELS[language].cancel }).click();

  await page.goto(`/billing/licenses/${E3}`);
  await page.getByRole('tab', { name: ADD_USER_LABELS[language].groupsTab }).click();
  await page.getByRole('main').getByRole('table').first().waitFor();
  await shot(`${language}-product-groups`);
}

async function openLicenses(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('table').waitFor();
}

/** Your products (with the self-service purchase's panel), Groups (a group created in the English pass, licensed) and the Audit log. */
async function shootBillingAndGroups(page: Page, language: 'en' | 'nl', shot: (name: string) => Promise<void>): Promise<void> {
  const labels = BILLING_GROUPS_LABELS[language];
  const navigation = page.getByRole('navigation', { name: labels.navigation });
  await navigation.getByRole('link', { name: labels.products, exact: true }).click();
  await page.getByRole('table').waitFor();
  await shot(`${language}-your-products`);
  await page.locator('tr', { hasText: 'Power BI Pro' }).filter({ hasText: language === 'en' ? 'Self-service' : 'Selfservice' }).getByRole('button').click();
  await page.getByRole('dialog').getByRole('table').waitFor();
  await shot(`${language}-self-service-purchase`);
  await page.getByRole('dialog').getByRole('button', { name: labels.close }).click();

  await navigation.getByRole('link', { name: labels.groups, exact: true }).click();
  if (language === 'en') {
    await page.getByRole('button', { name: labels.addGroup }).click();
    await page.getByRole('dialog').getByRole('textbox', { name: labels.name }).fill(SHOT_GROUP);
    await page.getByRole('dialog').getByRole('radio').nth(3).click();
    await page.getByRole('dialog').getByRole('textbox').nth(2).fill('(user.department -eq "Operations")');
    await shot(`${language}-add-group`);
    await page.getByRole('dialog').getByRole('radio').nth(2).click();
    await page.getByRole('button', { name: labels.create }).click();
    await page.getByRole('heading', { name: SHOT_GROUP, level: 1 }).waitFor();
    for (const name of ['Daan', 'Lars']) {
      const picker = page.getByRole('combobox', { name: labels.member });
      await picker.click();
      await picker.pressSequentially(name);
      await page.getByRole('option', { name: new RegExp(`^${name}`) }).click();
      await page.getByRole('status').getByText(new RegExp(`^${name}`)).waitFor();
    }
    await page.getByRole('tab', { name: labels.licensesTab }).click();
    await page.getByRole('button', { name: labels.assign }).click();
    await page.getByRole('dialog').getByRole('radio').first().click();
    await page.getByRole('dialog').getByRole('switch').first().waitFor();
    await shot(`${language}-assign-group-license`);
    await page.getByRole('dialog').getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByRole('status').waitFor();
    await navigation.getByRole('link', { name: labels.groups, exact: true }).click();
  }
  await page.getByRole('table').waitFor();
  await shot(`${language}-groups`);
  await page.getByRole('link', { name: SHOT_GROUP }).click();
  await page.getByRole('heading', { name: SHOT_GROUP, level: 1 }).waitFor();
  await page.getByRole('tab', { name: labels.licensesTab }).click();
  await page.getByRole('table').waitFor();
  await shot(`${language}-group`);

  await navigation.getByRole('link', { name: labels.audit, exact: true }).click();
  await page.getByRole('table').waitFor();
  await shot(`${language}-audit-log`);
  await page.getByRole('table').getByRole('button', { name: /^Set group license/ }).first().click();
  await page.getByRole('dialog').getByRole('table').waitFor();
  await shot(`${language}-audit-entry`);
  await page.getByRole('dialog').getByRole('button', { name: labels.close }).click();
}

/** Active users (list, the panel of a group member with an inherited license, the bulk preview, delete), Guest users and Deleted users (a user deleted in the English pass). */
async function shootUsers(page: Page, language: 'en' | 'nl', shot: (name: string) => Promise<void>): Promise<void> {
  const labels = USERS_LABELS[language];
  await page.goto('/users/active');
  await page.getByTestId('users-count').waitFor();
  await page.getByRole('grid').waitFor();
  await shot(`${language}-active-users`);

  await page.getByRole('searchbox', { name: labels.search }).fill('Daan');
  await page.getByRole('row', { name: /daan\.vanthek/ }).waitFor();
  await page.getByTestId('users-count').getByText(/^1 /).waitFor();
  await page.getByRole('button', { name: "Daan van 't Hek", exact: true }).click();
  await page.getByRole('dialog').getByRole('tab', { name: labels.licensesTab }).click();
  await page.getByRole('dialog').getByRole('checkbox').first().waitFor();
  await shot(`${language}-user-licenses`);
  await page.getByRole('dialog').getByRole('button', { name: labels.close }).first().click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });

  await page.getByRole('searchbox', { name: labels.search }).fill('');
  await page.getByRole('row', { name: /emily\.clarke/ }).waitFor();
  for (const name of ['Emily Clarke', 'Eva Dekker']) {
    await page.getByRole('row', { name: new RegExp(name) }).getByRole('checkbox').click();
  }
  await page.getByRole('button', { name: labels.manage }).click();
  const drawer = page.getByRole('dialog');
  await drawer.getByRole('radio', { name: labels.replace }).click();
  await drawer.getByRole('checkbox', { name: /^Contoso Fleet Premium/ }).click();
  await drawer.getByRole('switch').first().waitFor();
  await drawer.getByRole('button', { name: labels.preview }).click();
  await drawer.getByTestId('bulk-preview').getByRole('table').waitFor();
  await drawer.getByTestId('bulk-preview').scrollIntoViewIfNeeded();
  await shot(`${language}-manage-licenses-preview`);
  await drawer.getByRole('button', { name: labels.cancel }).click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });

  // The English pass deletes Femke (she then shows under Deleted users); the Dutch pass only opens the confirmation.
  await page.getByRole('button', { name: language === 'en' ? 'Femke de Haan' : 'Jesse Brouwer', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: labels.deleteUser }).click();
  const confirmation = page.getByRole('alertdialog');
  await confirmation.getByRole('table').waitFor();
  await shot(`${language}-delete-user`);
  if (language === 'en') {
    await confirmation.getByRole('button', { name: labels.deleteUser }).click();
    await page.getByRole('status').waitFor();
  } else {
    await confirmation.getByRole('button', { name: labels.cancel }).click();
    await page.getByRole('dialog').getByRole('button', { name: labels.close }).first().click();
  }

  await page.goto('/users/guests');
  await page.getByRole('grid').waitFor();
  await shot(`${language}-guest-users`);
  await page.goto('/users/deleted');
  await page.getByRole('table').waitFor();
  await shot(`${language}-deleted-users`);
}
