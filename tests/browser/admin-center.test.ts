import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminNav, apiGet, changeGeneratedPassword, expectAccessible, openAdminPage, signIn, startAdminCenter, type AdminCenter } from '../support/admin-center.js';

/**
 * The admin center in Debian's Chromium against a real Allot server on a fresh data directory
 * (the demo tenant): the flows run in order in one signed-in browser context, and every page they
 * visit is checked with axe-core (no serious or critical violation) and for console errors
 * (a Content-Security-Policy violation is one).
 */
let center: AdminCenter;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

const FLEET_PREMIUM = 'Contoso Fleet Premium';
const POWER_BI_PRO = 'Power BI Pro';

interface GraphUser {
  id: string;
  displayName: string;
  usageLocation: string | null;
  userType: string;
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
}
interface Product {
  skuId: string;
  displayName: string;
  assigned: number;
  available: number;
  total: number;
}

const product = async (displayName: string): Promise<Product> => {
  const found = (await apiGet<{ value: Product[] }>(page, '/admin/licenses')).value.find((candidate) => candidate.displayName === displayName);
  expect(found, displayName).toBeDefined();
  return found as Product;
};

async function openProduct(displayName: string): Promise<void> {
  await adminNav(page).getByRole('link', { name: 'Licenses' }).click();
  await page.getByRole('link', { name: displayName }).click();
  await page.getByRole('heading', { name: displayName, level: 1 }).waitFor();
}

async function pickUser(displayName: string): Promise<void> {
  const picker = page.getByRole('combobox', { name: 'Users' });
  await picker.click();
  await picker.pressSequentially(displayName.split(' ')[0] ?? displayName);
  await page.getByRole('option', { name: new RegExp(`^${displayName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).click();
}

beforeAll(async () => {
  center = await startAdminCenter();
  ({ context, page, errors: pageErrors } = await openAdminPage(center));
});

afterAll(async () => {
  await context?.close();
  await center?.close();
});

describe('admin center in the browser', () => {
  it('signs in with the generated password, which must be changed first', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'sign-in page');
    await signIn(page, center, center.credentials.admin.password);
    await page.getByRole('heading', { name: 'Update your password' }).waitFor();
    await expectAccessible(page, 'password change');
    await changeGeneratedPassword(page, center);
    await expect.poll(() => page.getByRole('banner').textContent()).toContain('Contoso');
    await expect.poll(() => page.getByRole('banner').textContent()).toContain('MOD Administrator');
    await page.getByRole('heading', { name: 'Seat usage per product' }).waitFor();
    await expectAccessible(page, 'home');
  });

  it('lists products with assigned, available and total licenses', async () => {
    await adminNav(page).getByRole('link', { name: 'Licenses' }).click();
    const fleet = await product(FLEET_PREMIUM);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: FLEET_PREMIUM }) });
    await expect.poll(() => row.locator('[data-column=assigned]').textContent()).toBe(String(fleet.assigned));
    await expect.poll(() => row.locator('[data-column=available]').textContent()).toBe(String(fleet.available));
    await expect.poll(() => row.locator('[data-column=total]').textContent()).toBe(String(fleet.total));
    await expectAccessible(page, 'licenses');
  });

  it('assigns a product to 3 users with one service off, and the counts change; then unassigns them', async () => {
    const before = await product(FLEET_PREMIUM);
    const services = (await apiGet<{ value: { servicePlanId: string; friendlyName: string }[] }>(page, `/admin/licenses/${before.skuId}/services`)).value;
    const analytics = services.find((service) => service.friendlyName === 'Fleet analytics');
    expect(analytics).toBeDefined();
    const fleetStandard = (await product('Contoso Fleet Standard')).skuId;
    // Members with a usage location who hold neither Fleet product (Standard and Premium exclude each other).
    const candidates = (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,usageLocation,userType,assignedLicenses')).value.filter(
      (user) => user.userType === 'Member' && user.usageLocation !== null && user.displayName !== 'MOD Administrator' && !user.assignedLicenses.some((license) => [before.skuId, fleetStandard].includes(license.skuId)),
    );
    const chosen = candidates.slice(0, 3);
    expect(chosen).toHaveLength(3);

    await openProduct(FLEET_PREMIUM);
    await page.getByTestId('product-available').getByText(`${before.available} of ${before.total} licenses available`).waitFor();
    await page.getByRole('button', { name: 'Assign licenses', exact: true }).click();
    await page.getByRole('dialog', { name: 'Assign licenses to users' }).waitFor();
    for (const user of chosen) {
      await pickUser(user.displayName);
    }
    await page.getByRole('switch', { name: 'Fleet analytics' }).click();
    expect(await page.getByRole('switch', { name: 'Fleet analytics' }).isChecked()).toBe(false);
    await expectAccessible(page, 'assign licenses panel');
    await page.getByRole('button', { name: 'Assign', exact: true }).click();

    await page.getByRole('status').getByText('Licenses assigned to 3 users.').waitFor();
    await page.getByTestId('product-available').getByText(`${before.available - 3} of ${before.total} licenses available`).waitFor();
    await page.getByTestId('product-assigned').getByText(`${before.assigned + 3} assigned`).waitFor();
    for (const user of chosen) {
      await page.getByRole('row', { name: new RegExp(user.displayName) }).waitFor();
    }
    const licensed = (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,assignedLicenses')).value.filter((user) => chosen.some((one) => one.id === user.id));
    expect(licensed.map((user) => user.assignedLicenses.find((license) => license.skuId === before.skuId)?.disabledPlans)).toEqual([[analytics?.servicePlanId], [analytics?.servicePlanId], [analytics?.servicePlanId]]);
    await expectAccessible(page, 'product page after assigning');

    // Unassign: select the three, confirm.
    for (const user of chosen) {
      await page.getByRole('checkbox', { name: `Select ${user.displayName}` }).click();
    }
    await page.getByRole('button', { name: 'Unassign licenses' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Unassign licenses?' });
    await confirmation.getByText(`3 users will lose ${FLEET_PREMIUM}`).waitFor();
    await expectAccessible(page, 'unassign confirmation');
    await confirmation.getByRole('button', { name: 'Unassign' }).click();
    await page.getByRole('status').getByText('Licenses unassigned from 3 users.').waitFor();
    await page.getByTestId('product-available').getByText(`${before.available} of ${before.total} licenses available`).waitFor();
    expect((await product(FLEET_PREMIUM)).assigned).toBe(before.assigned);
  });

  it("shows the API's explanation when a product has too few licenses, with the way to buy more", async () => {
    const powerBi = await product(POWER_BI_PRO);
    expect(powerBi.available).toBe(0);
    const holders = new Set((await apiGet<{ value: { id: string }[] }>(page, `/admin/licenses/${powerBi.skuId}/users`)).value.map((user) => user.id));
    const someone = (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,usageLocation,userType,assignedLicenses')).value.find(
      (user) => user.userType === 'Member' && user.usageLocation !== null && !holders.has(user.id),
    );
    await openProduct(POWER_BI_PRO);
    await page.getByRole('button', { name: 'Assign licenses', exact: true }).click();
    await pickUser(someone?.displayName ?? '');
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    const alert = page.getByRole('dialog', { name: 'Assign licenses to users' }).getByRole('alert');
    await alert.getByText('No licenses were changed: 1 product does not have enough available licenses.').waitFor();
    await alert.getByText(/^Power BI Pro: this change needs 1 more license.* and 0 are available\. Buy 1 more/).waitFor();
    await alert.getByRole('link', { name: 'Buy more licenses in Your products' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await product(POWER_BI_PRO)).assigned).toBe(powerBi.assigned);
  });

  it('explains a conflict between two products and how to fix it, and changes nothing', async () => {
    const premium = await product(FLEET_PREMIUM);
    const standard = await product('Contoso Fleet Standard');
    const holder = (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,usageLocation,userType,assignedLicenses')).value.find(
      (user) => user.userType === 'Member' && user.assignedLicenses.some((license) => license.skuId === standard.skuId) && !user.assignedLicenses.some((license) => license.skuId === premium.skuId),
    );
    expect(holder).toBeDefined();
    await openProduct(FLEET_PREMIUM);
    await page.getByRole('button', { name: 'Assign licenses', exact: true }).click();
    await pickUser(holder?.displayName ?? '');
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    const alert = page.getByRole('dialog', { name: 'Assign licenses to users' }).getByRole('alert');
    await alert.getByText('No licenses were changed: 1 user cannot get this change.').waitFor();
    await alert
      .getByText(
        "You can't assign licenses that contain these conflicting services: Fleet tracking (Standard) (FLEET_STANDARD) in Contoso Fleet Standard and Fleet tracking (Premium) (FLEET_PREMIUM) in Contoso Fleet Premium. Turn one of the two services off, or remove one of the licenses.",
      )
      .waitFor();
    await expectAccessible(page, 'conflict explained');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await product(FLEET_PREMIUM)).assigned).toBe(premium.assigned);
  });

  it('switches to Dutch, in the Dutch admin center terms, and keeps the choice', async () => {
    await openProduct(FLEET_PREMIUM);
    await page.getByRole('button', { name: /^Language/ }).click();
    await page.getByRole('menuitemradio', { name: 'Nederlands' }).click();
    const nav = page.getByRole('navigation', { name: 'Navigatie van het beheercentrum' });
    for (const label of ['Startpagina', 'Actieve gebruikers', 'Gastgebruikers', 'Groepen', 'Facturering', 'Licenties', 'Uw producten', 'Instellingen']) {
      await nav.getByText(label, { exact: true }).waitFor();
    }
    await page.getByRole('button', { name: 'Licenties toewijzen' }).waitFor();
    await page.getByRole('button', { name: 'Toewijzing opheffen' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('nl');
    await expectAccessible(page, 'product page in Dutch');

    await page.reload();
    await page.getByRole('button', { name: 'Licenties toewijzen' }).waitFor();
    await page.getByRole('button', { name: 'Licenties toewijzen' }).click();
    await page.getByRole('dialog', { name: 'Licenties toewijzen aan gebruikers' }).getByRole('heading', { name: 'Apps en services' }).waitFor();
    await page.getByRole('button', { name: 'Annuleren' }).click();
  });

  it('loads deep links and showed no console errors (Content-Security-Policy) on any page', async () => {
    const fleet = await product(FLEET_PREMIUM);
    await page.goto(`/billing/licenses/${fleet.skuId}`);
    await page.getByRole('heading', { name: FLEET_PREMIUM, level: 1 }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
