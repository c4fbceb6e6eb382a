import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminNav, apiGet, apiSend, createAdmin, expectAccessible, openAdminPage, signInAs, signInFirstTime, startAdminCenter, type AdminCenter } from '../support/admin-center.js';

/**
 * Reports › Reclaim and Settings › Data retention in Debian's Chromium against a real Allot server
 * on a fresh demo tenant. The demo reports no product activity, so every holder starts inactive;
 * the tests report activity through the API to shape the list, and check the pages against the API.
 */
let center: AdminCenter;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

const PRODUCT = 'Office 365 E3';
const GROUP_NAME = 'Reclaim Warehouse';
const DAY_MS = 86_400_000;
const GLOBAL_READER_ROLE = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const READER_PASSWORD = 'Reader-Browser-Password-7!';

interface ProductSettings {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  monthlyPrice: number | null;
  currency: string | null;
}
interface Holder {
  id: string;
  displayName: string;
  lastActivityDateTime: string | null;
  source: { assignedDirectly: boolean; inheritedFrom: { id: string; displayName: string }[]; freesSeat: boolean };
}
interface Report {
  days: number;
  totals: { inactiveUsers: number; seatsFreed: number; keptBySource: number; monthlyCost: { amount: number; currency: string } | null };
  value: Holder[];
}
interface GraphUser {
  id: string;
  displayName: string;
  assignedLicenses: { skuId: string }[];
}

const euros = (amount: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(amount);
const shortDate = (iso: string) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(new Date(iso));

let e3: ProductSettings;
const report = () => apiGet<Report>(page, `/admin/reclaim?skuId=${e3.skuId}&$top=999`);
const usersById = async () => new Map((await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,assignedLicenses')).value.map((user) => [user.id, user]));

beforeAll(async () => {
  center = await startAdminCenter();
  ({ context, page, errors: pageErrors } = await openAdminPage(center));
  await signInFirstTime(page, center);
  const products = (await apiGet<{ value: ProductSettings[] }>(page, '/admin/products')).value;
  e3 = products.find((product) => product.displayName === PRODUCT) as ProductSettings;
  expect(e3?.monthlyPrice).toBe(33.75);
});

afterAll(async () => {
  await context?.close();
  await center?.close();
});

describe('Reports › Reclaim in the browser', () => {
  it('lists the inactive holders of a product with their last activity and what unassigning them frees', async () => {
    const before = await report();
    expect(before.totals.inactiveUsers).toBeGreaterThan(4);
    const [recent, alsoRecent, stale] = before.value;
    const plan = (await apiGet<{ value: { servicePlanId: string }[] }>(page, `/admin/licenses/${e3.skuId}/services`)).value[0];
    const now = Date.now();
    const staleAt = new Date(now - 45 * DAY_MS).toISOString();
    await apiSend(page, 'POST', '/admin/activity', {
      activities: [
        { userId: recent?.id, servicePlanId: plan?.servicePlanId, lastActiveDateTime: new Date(now - 2 * DAY_MS).toISOString() },
        { userId: alsoRecent?.id, servicePlanId: plan?.servicePlanId, lastActiveDateTime: new Date(now - 10 * DAY_MS).toISOString() },
        { userId: stale?.id, servicePlanId: plan?.servicePlanId, lastActiveDateTime: staleAt },
      ],
    });
    const after = await report();
    expect(after.totals.inactiveUsers).toBe(before.totals.inactiveUsers - 2);

    await adminNav(page).getByRole('link', { name: 'Reclaim' }).click();
    await page.getByRole('heading', { name: 'Reclaim', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: 'Product' }).click();
    await page.getByRole('option', { name: PRODUCT }).click();
    const section = page.getByRole('region', { name: PRODUCT });
    const table = section.getByRole('table', { name: `Inactive users of ${PRODUCT}` });
    await expect.poll(() => table.getByRole('row').count()).toBe(after.totals.inactiveUsers + 1);
    await page.getByTestId('reclaim-inactive-users').getByText(String(after.totals.inactiveUsers), { exact: true }).waitFor();
    await page.getByTestId('reclaim-seats').getByText(String(after.totals.seatsFreed), { exact: true }).waitFor();
    await page.getByTestId('reclaim-savings').getByText(euros(after.totals.seatsFreed * 33.75)).waitFor();
    expect(await table.getByRole('row', { name: new RegExp(recent?.displayName ?? '') }).count()).toBe(0);
    await table.getByRole('row', { name: new RegExp(stale?.displayName ?? '') }).getByText(shortDate(staleAt)).waitFor();
    const never = after.value.find((holder) => holder.lastActivityDateTime === null);
    await table.getByRole('row', { name: new RegExp(never?.displayName ?? '') }).getByText('Never').waitFor();
    await expectAccessible(page, 'reclaim');
  });

  it('shows a group-inherited holder as not unassignable here, with a link to the group', async () => {
    const users = await usersById();
    const member = [...users.values()].find((user) => user.displayName === 'Max Prins');
    expect(member?.assignedLicenses).toEqual([]);
    const group = await apiSend<{ id: string }>(page, 'POST', '/v1.0/groups', {
      displayName: GROUP_NAME,
      mailNickname: 'reclaim-warehouse',
      mailEnabled: false,
      securityEnabled: true,
      'members@odata.bind': [`https://graph.microsoft.com/v1.0/directoryObjects/${member?.id}`],
    });
    await apiSend(page, 'POST', `/v1.0/groups/${group.id}/assignLicense`, { addLicenses: [{ skuId: e3.skuId, disabledPlans: [] }], removeLicenses: [] });
    const holder = (await report()).value.find((candidate) => candidate.id === member?.id);
    expect(holder?.source).toMatchObject({ assignedDirectly: false, freesSeat: false, inheritedFrom: [{ id: group.id, displayName: GROUP_NAME }] });

    await page.getByRole('button', { name: 'Refresh' }).click();
    const section = page.getByRole('region', { name: PRODUCT });
    const row = section.getByRole('row', { name: /Max Prins/ });
    await row.getByRole('link', { name: GROUP_NAME }).waitFor();
    expect(await row.getByRole('checkbox').isDisabled()).toBe(true);
    await section.getByText(`Users who get ${PRODUCT} from a group or a self-service purchase: 1.`, { exact: false }).waitFor();
    await expectAccessible(page, 'reclaim with an inherited license');
    await row.getByRole('link', { name: GROUP_NAME }).click();
    await page.getByRole('heading', { name: GROUP_NAME, level: 1 }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Reclaim', level: 1 }).waitFor();
  });

  it('previews the unassign in a dialog, changing nothing, then unassigns and the counts drop', async () => {
    const before = await report();
    const chosen = before.value.filter((holder) => holder.source.freesSeat).slice(0, 2);
    expect(chosen).toHaveLength(2);
    const section = page.getByRole('region', { name: PRODUCT });
    await page.getByTestId('reclaim-inactive-users').getByText(String(before.totals.inactiveUsers), { exact: true }).waitFor();
    for (const holder of chosen) {
      await section.getByRole('checkbox', { name: `Select ${holder.displayName}` }).check();
    }
    await section.getByText('2 selected').waitFor();
    await section.getByRole('button', { name: 'Unassign licenses' }).click();

    const dialog = page.getByRole('dialog', { name: `Unassign ${PRODUCT} licenses?` });
    await dialog.getByText(`Users who lose ${PRODUCT} and its apps and services: 2`).waitFor();
    await dialog.getByText('Licenses that become available: 2').waitFor();
    await dialog.getByText(`Saves ${euros(2 * 33.75)} per month.`).waitFor();
    await dialog.getByRole('table', { name: 'License count changes' }).getByRole('row', { name: new RegExp(PRODUCT) }).getByText('-2').waitFor();
    await dialog.getByText('Data that starts its retention period').waitFor();
    await dialog.getByText(new RegExp(`^${chosen[0]?.displayName}: Mailbox kept until `)).waitFor();
    await expectAccessible(page, 'reclaim unassign preview');
    // The preview is a dry run: nothing changed yet.
    expect((await report()).totals).toEqual(before.totals);

    await dialog.getByRole('button', { name: 'Unassign', exact: true }).click();
    await page.getByRole('status').getByText(`${PRODUCT} unassigned from 2 user(s); 2 license(s) available again.`).waitFor();
    await page.getByTestId('reclaim-inactive-users').getByText(String(before.totals.inactiveUsers - 2), { exact: true }).waitFor();
    await page.getByTestId('reclaim-seats').getByText(String(before.totals.seatsFreed - 2), { exact: true }).waitFor();
    await page.getByTestId('reclaim-savings').getByText(euros((before.totals.seatsFreed - 2) * 33.75)).waitFor();
    const users = await usersById();
    for (const holder of chosen) {
      expect(users.get(holder.id)?.assignedLicenses.map((license) => license.skuId)).not.toContain(e3.skuId);
      expect(await section.getByRole('row', { name: new RegExp(holder.displayName) }).count()).toBe(0);
    }
  });

  it('exports the inactive holders as a CSV file', async () => {
    const current = await report();
    const section = page.getByRole('region', { name: PRODUCT });
    const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: 'Export' }).click()]);
    expect(download.suggestedFilename()).toBe(`reclaim-${e3.skuPartNumber}-${current.days}-days.csv`);
    const lines = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,displayName,userPrincipalName,lastActivityDateTime,assignedDirectly,groups,selfService,freesSeat');
    expect(lines.slice(1).map((line) => line.split(',')[0]).sort()).toEqual(current.value.map((holder) => holder.id).sort());
    expect(lines.find((line) => line.includes('Max Prins'))).toContain(`,false,${GROUP_NAME},false,false`);
  });

  it("changes the product's reclaim settings, and the report follows the new days and price", async () => {
    const section = page.getByRole('region', { name: PRODUCT });
    await section.getByRole('button', { name: 'Reclaim settings' }).click();
    const dialog = page.getByRole('dialog', { name: `Reclaim settings for ${PRODUCT}` });
    const price = dialog.getByRole('textbox', { name: 'Price per license per month' });
    await price.fill('12.345');
    await dialog.getByText('Enter an amount with at most two decimals, or leave it empty.').waitFor();
    expect(await dialog.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await price.fill('40');
    await dialog.getByRole('spinbutton', { name: 'Inactive after (days)' }).fill('60');
    await expectAccessible(page, 'reclaim settings');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText(`Reclaim settings for ${PRODUCT} saved.`).waitFor();

    const sixty = await report();
    expect(sixty.days).toBe(60);
    await page.getByRole('combobox', { name: 'Inactive for' }).getByText('Product setting (60 days)').waitFor();
    await section.getByText(/^No activity in the last 60 days/).waitFor();
    await page.getByTestId('reclaim-inactive-users').getByText(String(sixty.totals.inactiveUsers), { exact: true }).waitFor();
    await page.getByTestId('reclaim-savings').getByText(euros(sixty.totals.seatsFreed * 40)).waitFor();
    await apiSend(page, 'PATCH', `/admin/products/${e3.skuId}/settings`, { inactivityDays: 30, monthlyPrice: 33.75 });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('combobox', { name: 'Inactive for' }).getByText('Product setting (30 days)').waitFor();
  });
});

describe('Settings › Data retention in the browser', () => {
  it('places a litigation hold on a user picked by name and removes it after confirming', async () => {
    await adminNav(page).getByRole('link', { name: 'Data retention' }).click();
    await page.getByRole('heading', { name: 'Data retention', level: 1 }).waitFor();
    await page.getByText('No litigation holds or retention policies.', { exact: false }).waitFor();
    await expectAccessible(page, 'data retention');

    await page.getByRole('button', { name: 'Add a litigation hold' }).click();
    const drawer = page.getByRole('dialog', { name: 'Add a litigation hold' });
    await drawer.getByRole('button', { name: 'Add', exact: true }).click();
    await drawer.getByText('Choose the user to place on hold.').waitFor();
    await drawer.getByText('Enter a name.').waitFor();
    const picker = drawer.getByRole('combobox', { name: 'User' });
    await picker.click();
    await picker.pressSequentially('Noor');
    await page.getByRole('option', { name: /^Noor de Boer/ }).click();
    await drawer.getByRole('table', { name: 'Data of Noor de Boer now' }).getByRole('row', { name: /Mailbox/ }).getByText('Licensed').waitFor();
    await drawer.getByRole('textbox', { name: 'Name' }).fill('Case 2026-17');
    await drawer.getByRole('checkbox', { name: 'Files (OneDrive)' }).uncheck();
    await expectAccessible(page, 'add a litigation hold');
    await drawer.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').getByText('Litigation hold "Case 2026-17" placed on Noor de Boer.').waitFor();
    const row = page.getByRole('table', { name: 'Litigation holds and retention policies' }).getByRole('row', { name: /Case 2026-17/ });
    await row.getByText('Noor de Boer').waitFor();
    await row.getByText('Litigation hold').waitFor();
    const holds = (await apiGet<{ value: { id: string; kind: string; userDisplayName: string; dataClasses: string[] }[] }>(page, '/admin/data/holds')).value;
    expect(holds).toEqual([expect.objectContaining({ kind: 'litigationHold', userDisplayName: 'Noor de Boer', dataClasses: ['mailbox'] })]);
    await expectAccessible(page, 'holds');

    await row.getByRole('button', { name: 'Remove Case 2026-17' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Remove "Case 2026-17"?' });
    await confirm.getByText('Applies to: Noor de Boer. Data: Mailbox.', { exact: false }).waitFor();
    await expectAccessible(page, 'remove a hold');
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('status').getByText('"Case 2026-17" is removed.').waitFor();
    await page.getByText('No litigation holds or retention policies.', { exact: false }).waitFor();
    expect((await apiGet<{ value: unknown[] }>(page, '/admin/data/holds')).value).toEqual([]);
  });

  it("lists a user whose mailbox license was removed, with the date the mailbox is deleted, and a hold's effect", async () => {
    const users = await usersById();
    const mila = [...users.values()].find((user) => user.displayName === 'Mila van Leeuwen');
    const exchange = mila?.assignedLicenses[0]?.skuId;
    expect(exchange).toBeDefined();
    await apiSend(page, 'POST', `/admin/licenses/${exchange}/unassign`, { userIds: [mila?.id] });
    const records = (await apiGet<{ value: { userId: string; dataClass: string; graceUntil: string }[] }>(page, '/admin/data/records?state=Grace')).value;
    const mailbox = records.find((record) => record.userId === mila?.id && record.dataClass === 'mailbox');
    expect(mailbox?.graceUntil).toBeDefined();

    await page.getByRole('tab', { name: "Users' data" }).click();
    const table = page.getByRole('table', { name: "Users' data: In grace period" });
    const row = table.getByRole('row', { name: /Mila van Leeuwen/ });
    await row.getByText('Mailbox').waitFor();
    await row.getByText('In grace period').waitFor();
    await row.getByText(`Deleted permanently on ${shortDate(mailbox?.graceUntil ?? '')}`).waitFor();
    // The users unassigned on the Reclaim page are in their grace period too.
    await expect.poll(() => table.getByRole('row').count()).toBe(records.length + 1);
    await expectAccessible(page, "users' data");

    await apiSend(page, 'POST', '/admin/data/holds', { kind: 'litigationHold', userId: mila?.id, name: 'Fleet audit', dataClasses: ['mailbox'] });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row.getByText(`Kept after ${shortDate(mailbox?.graceUntil ?? '')} by Fleet audit`).waitFor();
  });

  it('shows a Global Reader both pages with every change disabled and the reason', async () => {
    const userPrincipalName = await createAdmin(page, center, { displayName: 'Gina Reader', mailNickname: 'global.reader', password: READER_PASSWORD, roleDefinitionId: GLOBAL_READER_ROLE });
    const reader = await openAdminPage(center);
    const other = reader.page;
    try {
      await signInAs(other, userPrincipalName, READER_PASSWORD, `/reports/reclaim?product=${e3.skuId}`);
      await other.getByRole('heading', { name: 'Reclaim', level: 1 }).waitFor();
      const section = other.getByRole('region', { name: PRODUCT });
      await section.getByText('Your admin roles do not allow unassigning licenses: a License Administrator, User Administrator or Global Administrator can.').waitFor();
      expect(await section.getByRole('button', { name: 'Unassign licenses' }).isDisabled()).toBe(true);
      expect(await section.getByRole('checkbox', { name: 'Select all users that can be unassigned' }).isDisabled()).toBe(true);
      await section.getByRole('button', { name: 'Reclaim settings' }).click();
      const settings = other.getByRole('dialog', { name: `Reclaim settings for ${PRODUCT}` });
      await settings.getByText('Your admin roles do not allow changing product settings: a Global Administrator or Billing Administrator can.').waitFor();
      expect(await settings.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
      await expectAccessible(other, 'reclaim settings as Global Reader');
      await settings.getByRole('button', { name: 'Cancel' }).click();

      await adminNav(other).getByRole('link', { name: 'Data retention' }).click();
      await other.getByText('Your admin roles do not allow adding or removing holds and retention policies: a Global Administrator can.').waitFor();
      expect(await other.getByRole('button', { name: 'Add a litigation hold' }).isDisabled()).toBe(true);
      expect(await other.getByRole('button', { name: 'Add a retention policy' }).isDisabled()).toBe(true);
      expect(await other.getByRole('button', { name: 'Remove Fleet audit' }).isDisabled()).toBe(true);
      await expectAccessible(other, 'data retention as Global Reader');
      expect(reader.errors).toEqual([]);
    } finally {
      await reader.context.close();
    }
  });

  it('shows both pages in Dutch, and showed no console errors', async () => {
    await page.getByRole('button', { name: /^Language/ }).click();
    await page.getByRole('menuitemradio', { name: 'Nederlands' }).click();
    await page.goto('/reports/reclaim');
    await page.getByRole('heading', { name: 'Terugwinnen', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: 'Product' }).getByText('Alle producten').waitFor();
    const section = page.getByRole('region', { name: PRODUCT });
    await section.getByRole('button', { name: 'Toewijzing opheffen' }).waitFor();
    await section.getByRole('columnheader', { name: 'Laatste activiteit' }).waitFor();
    await section.getByText(/^Bespaart €\s.+ per maand$/).waitFor();
    await expectAccessible(page, 'reclaim in Dutch');
    await page.goto('/settings/data-retention');
    await page.getByRole('heading', { name: 'Gegevensretentie', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Procesbewaring toevoegen' }).waitFor();
    await page.getByRole('table', { name: 'Procesbewaring en bewaarbeleid' }).getByText('Procesbewaring').waitFor();
    await expectAccessible(page, 'data retention in Dutch');
    expect(pageErrors).toEqual([]);
  });
});
