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

if (isWebBuildStale()) {
  await buildWeb();
}
const center = await startAdminCenter();
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
  }
  await context.close();
} finally {
  await center.close();
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
