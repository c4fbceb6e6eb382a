import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminNav, apiGet, apiSend, createAdmin, expectAccessible, openAdminPage, signInAs, signInFirstTime, startAdminCenter, type AdminCenter } from '../support/admin-center.js';

/**
 * Users › Active users, Guest users and Deleted users in Chromium against a real Allot server with
 * the demo tenant. The flows run in order in one signed-in context (the Global Administrator);
 * the last one signs in a License Administrator created through the API in a second context.
 */
let center: AdminCenter;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

const LICENSE_ADMIN_ROLE = '4d6ac14f-3453-41d0-bef9-a3e0c569773a';
const LICENSE_ADMIN_PASSWORD = 'License-Admin-Password-7!';
const GROUP_NAME = 'Fleet drivers';
/** Office 365 E3 (includes a mailbox, so losing it starts the mailbox's grace). */
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';

interface GraphUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  usageLocation: string | null;
  userType: string;
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
}
interface Product {
  skuId: string;
  displayName: string;
  assigned: number;
  available: number;
}

const products = async (): Promise<Product[]> => (await apiGet<{ value: Product[] }>(page, '/admin/licenses')).value;
const productId = async (displayName: string): Promise<string> => {
  const found = (await products()).find((candidate) => candidate.displayName === displayName);
  expect(found, displayName).toBeDefined();
  return (found as Product).skuId;
};
const members = async (): Promise<GraphUser[]> =>
  (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,userPrincipalName,usageLocation,userType,assignedLicenses')).value.filter(
    (user) => user.userType === 'Member' && user.usageLocation !== null && user.displayName !== 'MOD Administrator',
  );

/** The page's window, as much of it as the tests call (the tests compile without the DOM library). */
interface BrowserWindow {
  getComputedStyle(element: unknown): { color: string };
}


/** Opens Active users afresh (no search, filter or selection left from a flow before). */
async function openActiveUsers(): Promise<void> {
  await page.goto('/users/active');
  await page.getByRole('heading', { name: 'Active users', level: 1 }).waitFor();
  await page.getByTestId('users-count').waitFor();
}
/** Types a search and waits for its answer (the list swaps its rows when the search runs). */
async function searchUsers(words: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search users' }).fill(words);
  const search = `"displayName:${words}" OR "userPrincipalName:${words}"`;
  const found = (await apiGet<{ '@odata.count': number }>(page, `/v1.0/users?$top=1&$count=true&$search=${encodeURIComponent(search)}`))['@odata.count'];
  await page.getByTestId('users-count').getByText(`${found} users`, { exact: true }).waitFor();
}
/** Searches the list for the user and opens their panel. */
async function openUserPanel(user: GraphUser): Promise<void> {
  await searchUsers(user.displayName.split(' ')[0] ?? user.displayName);
  await page.getByRole('row', { name: new RegExp(user.userPrincipalName) }).waitFor();
  await page.getByRole('button', { name: user.displayName, exact: true }).click();
  await page.getByRole('dialog', { name: user.displayName }).waitFor();
}
async function closePanel(): Promise<void> {
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).first().click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
}

let groupMember: GraphUser;
let fleetStandard: string;

beforeAll(async () => {
  center = await startAdminCenter();
  ({ context, page, errors: pageErrors } = await openAdminPage(center));
  await signInFirstTime(page, center);

  // A group that gives Contoso Fleet Standard to an unlicensed member: their license is inherited.
  fleetStandard = await productId('Contoso Fleet Standard');
  const fleetPremium = await productId('Contoso Fleet Premium');
  const unlicensed = (await members()).find((user) => !user.assignedLicenses.some((license) => [fleetStandard, fleetPremium].includes(license.skuId)));
  expect(unlicensed).toBeDefined();
  groupMember = unlicensed as GraphUser;
  const group = await apiSend<{ id: string }>(page, 'POST', '/v1.0/groups', {
    displayName: GROUP_NAME,
    mailNickname: 'fleetdrivers',
    mailEnabled: false,
    securityEnabled: true,
    'members@odata.bind': [`https://graph.microsoft.com/v1.0/directoryObjects/${groupMember.id}`],
  });
  await apiSend(page, 'POST', `/v1.0/groups/${group.id}/assignLicense`, { addLicenses: [{ skuId: fleetStandard, disabledPlans: [] }], removeLicenses: [] });
});

afterAll(async () => {
  await context?.close();
  await center?.close();
});

describe('users in the browser', () => {
  it('searches a user and opens the user panel', async () => {
    await adminNav(page).getByRole('link', { name: 'Active users' }).click();
    await page.getByTestId('users-count').waitFor();
    await expectAccessible(page, 'active users');
    const someone = (await members())[0] as GraphUser;
    await openUserPanel(someone);
    const panel = page.getByRole('dialog', { name: someone.displayName });
    await panel.getByText(someone.userPrincipalName).first().waitFor();
    await panel.getByRole('tab', { name: 'Account' }).waitFor();
    await panel.getByRole('button', { name: 'Block sign-in' }).waitFor();
    await expectAccessible(page, 'user panel, account');
    await closePanel();
  });

  it('adds a user with a license in the wizard, shows the password once, and edits the account', async () => {
    const e3Before = (await products()).find((product) => product.skuId === E3) as Product;
    await openActiveUsers();
    await page.getByRole('button', { name: 'Add a user' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add a user' });
    await wizard.getByLabel('First name').fill('Noor');
    await wizard.getByLabel('Last name').fill('Visser');
    await expect.poll(() => wizard.getByLabel('Username').inputValue()).toBe('noor.visser');
    await expectAccessible(page, 'Add a user: basics');
    await wizard.getByRole('button', { name: 'Next' }).click();

    // A license needs a usage location: Next stays off until one is chosen.
    await wizard.getByRole('checkbox', { name: /^Office 365 E3 / }).check();
    expect(await wizard.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await wizard.getByText('Select a location: licenses can only be assigned with a usage location.').waitFor();
    await wizard.getByRole('combobox', { name: /Usage location/ }).pressSequentially('Nether');
    await page.getByRole('option', { name: 'Netherlands', exact: true }).click();
    await wizard.getByRole('switch').first().uncheck();
    await expectAccessible(page, 'Add a user: licenses');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Job title').fill('Fleet planner');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByText('noor.visser@', { exact: false }).waitFor();
    await wizard.getByRole('button', { name: 'Finish adding' }).click();

    await wizard.getByText(/^noor\.visser@.* added$/).waitFor();
    // The server checked the generated password against the complexity rule when it created the user.
    expect(await wizard.getByRole('textbox', { name: 'Password' }).inputValue()).toMatch(/^\S{16}$/);
    await expectAccessible(page, 'Add a user: finished');
    await wizard.getByRole('button', { name: 'Close', exact: true }).last().click();

    const created = (await apiGet<{ value: GraphUser[] }>(page, `/v1.0/users?$filter=startswith(userPrincipalName,'noor.visser@')&$select=id,displayName,userPrincipalName,usageLocation,userType,assignedLicenses`)).value[0] as GraphUser;
    expect(created.usageLocation).toBe('NL');
    expect(created.assignedLicenses).toHaveLength(1);
    expect(created.assignedLicenses[0]?.skuId).toBe(E3);
    expect(created.assignedLicenses[0]?.disabledPlans).toHaveLength(1);
    expect(((await products()).find((product) => product.skuId === E3) as Product).assigned).toBe(e3Before.assigned + 1);

    await openUserPanel(created);
    await page.getByRole('button', { name: 'Edit account properties' }).click();
    await page.getByLabel('Department').fill('Logistics');
    await expectAccessible(page, 'Edit account properties');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Account of Noor Visser saved.').waitFor();
    await page.getByText('Logistics').waitFor();
    expect((await apiGet<{ department: string; jobTitle: string }>(page, `/v1.0/users/${created.id}?$select=department,jobTitle`)).department).toBe('Logistics');
    await closePanel();
  });

  it('shows a license inherited from a group read-only, with a link to the group', async () => {
    await openUserPanel(groupMember);
    const panel = page.getByRole('dialog', { name: groupMember.displayName });
    await panel.getByRole('tab', { name: 'Licenses and apps' }).click();
    const inherited = panel.getByRole('checkbox', { name: /^Contoso Fleet Standard/ });
    await inherited.waitFor();
    expect(await inherited.isChecked()).toBe(true);
    expect(await inherited.isDisabled()).toBe(true);
    const source = panel.getByTestId('inherited-source');
    await source.getByText('Inherited from group').waitFor();
    expect(await source.getByRole('link', { name: GROUP_NAME }).getAttribute('href')).toMatch(/^\/groups\/[0-9a-f-]{36}$/);
    // Its services follow the group: read-only switches.
    const services = panel.getByRole('group', { name: 'Apps and services of Contoso Fleet Standard' }).getByRole('switch');
    expect(await services.count()).toBeGreaterThan(0);
    expect(await services.first().isDisabled()).toBe(true);
    expect(await panel.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'licenses and apps');
    await closePanel();
  });

  it('replaces the licenses of two users after a preview of seats and data clocks', async () => {
    const e3 = E3;
    const e3Name = ((await products()).find((product) => product.skuId === E3) as Product).displayName;
    const fleetPremium = await productId('Contoso Fleet Premium');
    const chosen = (await members()).filter((user) => user.id !== groupMember.id && user.assignedLicenses.some((license) => license.skuId === e3) && !user.assignedLicenses.some((license) => [fleetStandard, fleetPremium].includes(license.skuId))).slice(0, 2);
    expect(chosen).toHaveLength(2);
    const before = (await products()).find((product) => product.skuId === fleetPremium) as Product;

    await openActiveUsers();
    // The product filter lists the E3 holders on one page, so the rows stay put while they are selected.
    await page.getByRole('searchbox', { name: 'Search users' }).fill('');
    // Product names in the Licenses column: the product list has loaded.
    await page.getByRole('gridcell', { name: e3Name }).first().waitFor();
    // By keyboard, as a screen-reader user would.
    await page.getByRole('combobox', { name: 'Product' }).press('ArrowDown');
    await page.getByRole('option', { name: e3Name }).click();
    const holders = (await apiGet<{ '@odata.count': number }>(page, `/v1.0/users?$top=1&$count=true&$filter=${encodeURIComponent(`assignedLicenses/any(x:x/skuId eq ${E3})`)}`))['@odata.count'];
    await page.getByTestId('users-count').getByText(`${holders} users`, { exact: true }).waitFor();
    for (const user of chosen) {
      await page.getByRole('checkbox', { name: `Select ${user.displayName}` }).click();
    }
    await page.getByText('2 selected').waitFor();
    await page.getByRole('button', { name: 'Manage product licenses' }).click();
    const drawer = page.getByRole('dialog', { name: 'Manage product licenses' });
    await drawer.getByRole('radio', { name: 'Replace existing products' }).click();
    await drawer.getByRole('checkbox', { name: /^Contoso Fleet Premium/ }).click();
    await drawer.getByRole('group', { name: 'Apps and services of Contoso Fleet Premium' }).getByRole('switch').first().waitFor();
    await drawer.getByRole('button', { name: 'Preview changes' }).click();

    const preview = drawer.getByTestId('bulk-preview');
    await preview.getByText('These changes can be saved.').waitFor();
    const seats = preview.getByRole('table', { name: 'License count changes' });
    await seats.waitFor();
    await seats.getByRole('row', { name: /Contoso Fleet Premium \+2/ }).waitFor();
    await seats.getByRole('row', { name: new RegExp(`${e3Name} -2`) }).waitFor();
    await preview.getByText('Data that starts its retention period').waitFor();
    await preview.getByText(new RegExp(`^${chosen[0]?.displayName ?? ''}: Mailbox kept until`)).waitFor();
    await expectAccessible(page, 'manage product licenses preview');
    await drawer.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText('Licenses changed for 2 users.').waitFor();

    const after = (await members()).filter((user) => chosen.some((one) => one.id === user.id));
    for (const user of after) {
      const held = user.assignedLicenses.map((license) => license.skuId);
      expect(held).toContain(fleetPremium);
      expect(held).not.toContain(e3);
    }
    expect(after).toHaveLength(2);
    expect(((await products()).find((product) => product.skuId === fleetPremium) as Product).assigned).toBe(before.assigned + 2);
  });

  let deleted: GraphUser;

  it('deletes a user after showing what happens to each kind of data', async () => {
    const e3 = E3;
    deleted = (await members()).find((user) => user.id !== groupMember.id && user.assignedLicenses.some((license) => license.skuId === e3)) as GraphUser;
    expect(deleted).toBeDefined();
    await openActiveUsers();
    await openUserPanel(deleted);
    await page.getByRole('dialog', { name: deleted.displayName }).getByRole('button', { name: 'Delete user' }).click();
    const confirmation = page.getByRole('alertdialog', { name: `Delete ${deleted.displayName}?` });
    const data = confirmation.getByRole('table', { name: "What happens to the user's data" });
    await data.getByRole('row', { name: /Mailbox Kept until .* Then deleted permanently\./ }).waitFor();
    await confirmation.getByText(/^You can restore the user until /).waitFor();
    await expectAccessible(page, 'delete user confirmation');
    await confirmation.getByRole('button', { name: 'Delete user' }).click();
    await page.getByRole('status').getByText(`${deleted.displayName} was deleted.`, { exact: false }).waitFor();
    expect((await members()).some((user) => user.id === deleted.id)).toBe(false);
  });

  it('restores the user from Deleted users', async () => {
    await adminNav(page).getByRole('link', { name: 'Deleted users' }).click();
    await page.getByRole('heading', { name: 'Deleted users', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(deleted.userPrincipalName) });
    await row.getByText('30 days').waitFor();
    await expectAccessible(page, 'deleted users');
    await row.getByRole('button', { name: `Restore ${deleted.displayName}` }).click();
    await page.getByRole('status').getByText(`${deleted.displayName} was restored.`).waitFor();
    await page.getByText('No users were deleted in the last 30 days.').waitFor();
    expect((await members()).some((user) => user.id === deleted.id)).toBe(true);
  });

  it('lists guest users; a Global Administrator may license them', async () => {
    await adminNav(page).getByRole('link', { name: 'Guest users' }).click();
    await page.getByRole('heading', { name: 'Guest users', level: 1 }).waitFor();
    await page.getByRole('row', { name: /#EXT#/ }).first().waitFor();
    await page.getByRole('row', { name: /#EXT#/ }).first().getByRole('checkbox').click();
    expect(await page.getByRole('button', { name: 'License guest users' }).isDisabled()).toBe(false);
    await page.getByRole('button', { name: 'Invite a guest user' }).click();
    const invite = page.getByRole('dialog', { name: 'Invite a guest user' });
    await invite.getByRole('textbox', { name: 'Email address' }).fill('kim@fabrikam.example');
    // Enabled once the address is typed; Fluent fades the button's colours in, so axe waits for the final ones.
    const submit = invite.getByRole('button', { name: 'Invite' });
    await expect.poll(() => submit.evaluate((element: unknown) => (globalThis as unknown as BrowserWindow).getComputedStyle(element).color)).toBe('rgb(255, 255, 255)');
    await expectAccessible(page, 'invite guest');
    await invite.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('status').getByText(/^Invited kim@fabrikam\.example\. Share this link with them: http/).waitFor();
    await expectAccessible(page, 'guest users');
  });

  it('shows a License Administrator "license guest users" disabled with the reason', async () => {
    const userPrincipalName = await createAdmin(page, center, { displayName: 'Lena License', mailNickname: 'license.admin', password: LICENSE_ADMIN_PASSWORD, roleDefinitionId: LICENSE_ADMIN_ROLE });
    const licenseAdmin = await openAdminPage(center);
    const other = licenseAdmin.page;
    try {
      await signInAs(other, userPrincipalName, LICENSE_ADMIN_PASSWORD, '/users/guests');
      await other.getByRole('heading', { name: 'Guest users', level: 1 }).waitFor();
      await other.getByRole('row', { name: /#EXT#/ }).first().waitFor();
      await other.getByRole('row', { name: /#EXT#/ }).first().getByRole('checkbox').click();
      const action = other.getByRole('button', { name: 'License guest users' });
      expect(await action.isDisabled()).toBe(true);
      await other.getByText('Only a Global Administrator can license guest users in this organization (organization setting). Your roles: License Administrator.').waitFor();
      await expectAccessible(other, 'guest users as License Administrator');
      expect(licenseAdmin.errors).toEqual([]);
    } finally {
      await licenseAdmin.context.close();
    }
  });

  it('showed no console errors (Content-Security-Policy) on any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
