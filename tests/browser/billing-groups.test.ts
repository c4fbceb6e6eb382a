import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminNav, apiGet, expectAccessible, openAdminPage, signInFirstTime, startAdminCenter, type AdminCenter } from '../support/admin-center.js';

/**
 * Home, Billing › Your products, Groups and the Audit log in Debian's Chromium against a real
 * Allot server on a fresh demo tenant: the flows run in order in one signed-in context, each page
 * checked with axe-core and for console errors.
 */
let center: AdminCenter;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

const GROUP_NAME = 'Browser Fleet Drivers';

interface Subscription {
  id: string;
  displayName: string;
  isTrial: boolean;
  channel: string;
  totalLicenses: number;
  consumedUnits: number;
}
interface Product {
  skuId: string;
  displayName: string;
  appliesTo: string;
  available: number;
}
interface GraphUser {
  id: string;
  displayName: string;
  usageLocation: string | null;
  userType: string;
  assignedLicenses: { skuId: string }[];
}

async function addMember(displayName: string): Promise<void> {
  const picker = page.getByRole('combobox', { name: 'Add a member' });
  await picker.click();
  await picker.pressSequentially(displayName.split(' ')[0] ?? displayName);
  await page.getByRole('option', { name: new RegExp(`^${displayName}`) }).click();
  await page.getByRole('status').getByText(`${displayName} is now a member.`).waitFor();
}

/** The id of the group the flows create, by its name. */
const groupId = async (): Promise<string> => {
  const found = (await apiGet<{ value: { id: string }[] }>(page, `/v1.0/groups?$filter=displayName eq '${GROUP_NAME}'&$select=id`)).value[0];
  expect(found).toBeDefined();
  return (found as { id: string }).id;
};

beforeAll(async () => {
  center = await startAdminCenter();
  ({ context, page, errors: pageErrors } = await openAdminPage(center));
  await signInFirstTime(page, center);
});

afterAll(async () => {
  await context?.close();
  await center?.close();
});

describe('Home, Your products, Groups and Audit log in the browser', () => {
  it('Home shows seat usage per product as a chart and what needs attention', async () => {
    await adminNav(page).getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    const overview = await apiGet<{ products: { displayName: string; assigned: number; total: number }[]; needsAttention: { kind: string; displayName: string }[] }>(page, '/admin/overview');
    const chart = page.getByRole('list', { name: 'Seat usage per product' });
    await chart.waitFor();
    expect(await chart.getByRole('listitem').count()).toBe(overview.products.length);
    const first = overview.products[0];
    expect(first).toBeDefined();
    await chart.getByRole('listitem').filter({ hasText: first?.displayName ?? '' }).first().getByText(`${first?.assigned} of ${first?.total} assigned`).waitFor();

    expect(overview.needsAttention.length).toBeGreaterThan(0);
    const attention = page.getByRole('list', { name: 'Needs attention' });
    expect(await attention.getByRole('listitem').count()).toBe(overview.needsAttention.length);
    // Each item is a card of its kind with a link to the page that fixes it.
    const kinds = [...new Set(overview.needsAttention.map((item) => item.kind))];
    for (const kind of kinds) {
      await attention.locator(`[data-kind=${kind}]`).first().waitFor();
    }
    await expectAccessible(page, 'home');
    const lowSeats = overview.needsAttention.find((item) => item.kind === 'lowSeats' || item.kind === 'nearlyFull');
    expect(lowSeats).toBeDefined();
    await attention.locator(`[data-kind=${lowSeats?.kind}]`).first().getByRole('link', { name: /^View product: / }).click();
    await page.getByTestId('product-available').waitFor();
  });

  it('Your products shows the demo trial and the self-service Power BI purchase; a take-over without seats is refused with its message', async () => {
    const subscriptions = (await apiGet<{ value: Subscription[] }>(page, '/admin/subscriptions')).value;
    const trial = subscriptions.find((subscription) => subscription.isTrial);
    const powerBi = subscriptions.find((subscription) => subscription.channel === 'selfService' && subscription.displayName === 'Power BI Pro');
    expect(trial).toBeDefined();
    expect(powerBi).toBeDefined();

    await adminNav(page).getByRole('link', { name: 'Your products' }).click();
    await page.getByRole('heading', { name: 'Your products', level: 1 }).waitFor();
    const trialRow = page.locator(`tr[data-subscription="${trial?.id}"]`);
    await trialRow.getByText('Trial', { exact: true }).waitFor();
    await trialRow.getByText(/^Trial ends on /).waitFor();
    const powerBiRow = page.locator(`tr[data-subscription="${powerBi?.id}"]`);
    await powerBiRow.getByText('Self-service', { exact: true }).waitFor();
    await powerBiRow.getByText('Active', { exact: true }).waitFor();
    expect(await powerBiRow.locator('[data-column=assigned]').textContent()).toBe(String(powerBi?.consumedUnits));
    await expectAccessible(page, 'your products');

    await powerBiRow.getByRole('button', { name: 'Details of Power BI Pro' }).click();
    const drawer = page.getByRole('dialog', { name: 'Power BI Pro' });
    await drawer.getByRole('heading', { name: 'Self-service purchase' }).waitFor();
    await expect.poll(() => drawer.getByRole('table', { name: 'Users of this purchase' }).getByRole('row').count()).toBe((powerBi?.consumedUnits ?? 0) + 1);
    await expectAccessible(page, 'self-service purchase details');
    await drawer.getByRole('button', { name: 'Take over: move users' }).click();
    const alert = drawer.getByRole('alert');
    await alert.getByText(new RegExp(`Not enough free Power BI Pro licenses: ${powerBi?.consumedUnits} users need one and 0 are free, so ${powerBi?.consumedUnits} more are needed\\.`)).waitFor();
    await alert.getByText(`Add ${powerBi?.consumedUnits} licenses to a subscription of Power BI Pro (or unassign some), then try again.`).waitFor();
    const after = (await apiGet<{ value: Subscription[] }>(page, '/admin/subscriptions')).value.find((subscription) => subscription.id === powerBi?.id);
    expect(after?.channel).toBe('selfService');
    expect(after?.consumedUnits).toBe(powerBi?.consumedUnits);
    await drawer.getByRole('button', { name: 'Close' }).click();
  });

  it('refuses removing licenses below what is assigned, with the API message', async () => {
    const subscriptions = (await apiGet<{ value: Subscription[] }>(page, '/admin/subscriptions')).value;
    const full = subscriptions.find((subscription) => subscription.channel === 'admin' && !subscription.isTrial && subscription.consumedUnits > 0);
    expect(full).toBeDefined();
    await page.locator(`tr[data-subscription="${full?.id}"]`).getByRole('button', { name: `Details of ${full?.displayName}` }).click();
    const drawer = page.getByRole('dialog', { name: full?.displayName });
    await drawer.getByRole('spinbutton', { name: 'Number of licenses' }).fill(String(full?.totalLicenses));
    await drawer.getByRole('button', { name: 'Remove licenses' }).click();
    const refusal = drawer.getByRole('alert');
    await refusal.getByText(`Cannot remove ${full?.totalLicenses} licenses: ${full?.consumedUnits} of this subscription's ${full?.totalLicenses} licenses are assigned.`).waitFor();
    await refusal.getByText(new RegExp(`^Unassign ${full?.consumedUnits} ${full?.displayName} licenses? first`)).waitFor();
    const after = (await apiGet<{ value: Subscription[] }>(page, '/admin/subscriptions')).value.find((subscription) => subscription.id === full?.id);
    expect(after?.totalLicenses).toBe(full?.totalLicenses);
    await drawer.getByTestId('cancellation-window').getByText(/cancellation window/).waitFor();
    await drawer.getByRole('button', { name: 'Close' }).click();
  });

  it("creates a group, licenses it, and a member's inherited license shows on the product page", async () => {
    const products = (await apiGet<{ value: Product[] }>(page, '/admin/licenses')).value;
    const product = products.find((candidate) => candidate.displayName === 'Contoso Fleet Standard');
    const premium = products.find((candidate) => candidate.displayName === 'Contoso Fleet Premium');
    expect(product?.available).toBeGreaterThan(0);
    const users = (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,usageLocation,userType,assignedLicenses')).value;
    // Fleet Premium and Fleet Standard exclude each other: a holder of Premium lands in error.
    const conflicted = users.find((user) => user.userType === 'Member' && user.assignedLicenses.some((license) => license.skuId === premium?.skuId));
    expect(conflicted).toBeDefined();
    const member = users.find(
      (user) => user.userType === 'Member' && user.usageLocation !== null && user.displayName !== 'MOD Administrator' && !user.assignedLicenses.some((license) => [product?.skuId, premium?.skuId].includes(license.skuId)),
    );
    expect(member).toBeDefined();

    await adminNav(page).getByRole('link', { name: 'Groups' }).click();
    await page.getByRole('heading', { name: 'Groups', level: 1 }).waitFor();
    await expectAccessible(page, 'groups');
    await page.getByRole('button', { name: 'Add a group' }).click();
    const create = page.getByRole('dialog', { name: 'Add a group' });
    await create.getByRole('textbox', { name: 'Name' }).fill(GROUP_NAME);
    await create.getByRole('radio', { name: /^Dynamic/ }).click();
    await create.getByRole('textbox', { name: 'Membership rule' }).waitFor();
    await expectAccessible(page, 'add a group');
    await create.getByRole('radio', { name: /^Assigned/ }).click();
    await create.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: GROUP_NAME, level: 1 }).waitFor();

    await addMember(member?.displayName ?? '');
    await page.getByRole('table', { name: `Members of ${GROUP_NAME}` }).getByRole('row', { name: new RegExp(member?.displayName ?? '') }).waitFor();
    await expectAccessible(page, 'group members');

    await page.getByRole('tab', { name: 'Licenses' }).click();
    await page.getByText("Licenses apply to the group's direct members only").first().waitFor();
    await page.getByRole('button', { name: 'Assign licenses' }).click();
    const assign = page.getByRole('dialog', { name: `Assign licenses to ${GROUP_NAME}` });
    await assign.getByRole('radio', { name: new RegExp(`^${product?.displayName} \\(`) }).click();
    await assign.getByRole('switch').first().waitFor();
    await expectAccessible(page, 'assign licenses to a group');
    await assign.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByRole('status').getByText(`${product?.displayName} is assigned to the group; its members inherit it.`).waitFor();
    await page.getByRole('table', { name: `Licenses of ${GROUP_NAME}` }).getByRole('link', { name: product?.displayName ?? '' }).waitFor();
    // The waitlist switch shows the group license's real setting and changes it.
    const waitlist = page.getByRole('switch', { name: `Waitlist for ${product?.displayName}` });
    expect(await waitlist.isChecked()).toBe(false);
    await waitlist.click();
    await page.getByRole('status').getByText(`Waitlist on for ${product?.displayName}`, { exact: false }).waitFor();
    await expect.poll(() => waitlist.isChecked()).toBe(true);
    expect((await apiGet<{ value: { waitlist: boolean }[] }>(page, `/admin/groups/${await groupId()}/licenses`)).value).toMatchObject([{ waitlist: true }]);
    await expectAccessible(page, 'group licenses');

    await page.getByRole('tab', { name: 'License errors' }).click();
    await page.getByText('No member of this group has a license error.').waitFor();
    await page.getByRole('tab', { name: 'Members', exact: true }).click();
    await addMember(conflicted?.displayName ?? '');
    await page.getByRole('tab', { name: 'License errors' }).click();
    await page
      .getByRole('table', { name: `Members of ${GROUP_NAME} with license errors` })
      .getByRole('row', { name: new RegExp(conflicted?.displayName ?? '') })
      .getByText(`${product?.displayName}: conflicts with another license the user has (MutuallyExclusiveViolation)`)
      .waitFor();
    await page.getByRole('button', { name: 'Reprocess' }).click();
    await page.getByRole('status').getByText('Reprocessed 2 members: 1 succeeded, 1 failed.').waitFor();
    await expectAccessible(page, 'group license errors');

    await page.getByRole('tab', { name: 'Licenses' }).click();
    await page.getByRole('table', { name: `Licenses of ${GROUP_NAME}` }).getByRole('link', { name: product?.displayName ?? '' }).click();
    await page.getByRole('heading', { name: product?.displayName, level: 1 }).waitFor();
    await page.getByRole('searchbox', { name: 'Search users' }).fill(member?.displayName ?? '');
    await page.getByRole('row', { name: new RegExp(member?.displayName ?? '') }).getByText('Inherited (group)').waitFor();

    // The product's Groups tab lists the group, flags its member in error, and can remove the product after a confirmation.
    await page.getByRole('tab', { name: 'Groups' }).click();
    const groupRow = page.getByRole('table', { name: `Groups with ${product?.displayName}` }).getByRole('row', { name: new RegExp(GROUP_NAME) });
    await groupRow.getByText('Has members in error').waitFor();
    await expectAccessible(page, 'product groups tab');
    await groupRow.getByRole('button', { name: 'Remove license' }).click();
    const confirmation = page.getByRole('alertdialog', { name: `Remove ${product?.displayName} from this group?` });
    await expectAccessible(page, 'remove a group license');
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    await confirmation.waitFor({ state: 'detached' });
    expect((await apiGet<{ value: unknown[] }>(page, `/admin/groups/${await groupId()}/licenses`)).value).toHaveLength(1);

    // Assign it back to the group from here: the drawer finds groups by name.
    await groupRow.getByRole('button', { name: 'Remove license' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove license' }).click();
    await page.getByRole('status').getByText(`${product?.displayName} removed from ${GROUP_NAME}.`).waitFor();
    await page.getByText('No group gives this product to its members yet.').waitFor();
    await page.getByRole('button', { name: 'Assign to a group' }).click();
    const toGroup = page.getByRole('dialog', { name: `Assign ${product?.displayName} to a group` });
    await toGroup.getByRole('combobox', { name: 'Group' }).pressSequentially(GROUP_NAME.slice(0, 7));
    await page.getByRole('option', { name: GROUP_NAME }).click();
    await toGroup.getByRole('switch').first().waitFor();
    await expectAccessible(page, 'assign a product to a group');
    await toGroup.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByRole('status').getByText(`${product?.displayName} assigned to ${GROUP_NAME}.`).waitFor();
    await groupRow.waitFor();
  });

  it('creates a dynamic group and previews who a changed rule adds and removes before saving it', async () => {
    const users = (await apiGet<{ value: (GraphUser & { department: string | null })[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,userType,department')).value;
    const operations = users.filter((user) => user.department === 'Operations').length;
    const sales = users.filter((user) => user.department === 'Sales').length;
    expect(operations).toBeGreaterThan(0);
    expect(sales).toBeGreaterThan(0);
    await adminNav(page).getByRole('link', { name: 'Groups' }).click();
    await page.getByRole('button', { name: 'Add a group' }).click();
    const create = page.getByRole('dialog', { name: 'Add a group' });
    await create.getByRole('textbox', { name: 'Name' }).fill('Browser Operations');
    await create.getByRole('radio', { name: /^Dynamic/ }).click();
    await create.getByRole('textbox', { name: 'Membership rule' }).fill('(user.department -eq "Operations")');
    // Before the group exists: who the rule takes in.
    await create.getByRole('button', { name: 'Preview members' }).click();
    await create.getByRole('status').getByText(`This rule matches ${operations} users today; they become members when you create the group.`).waitFor();
    const expectedNames = users.filter((user) => user.department === 'Operations').map((user) => user.displayName).sort((a, b) => a.localeCompare(b)).slice(0, 15);
    expect(await create.getByRole('list', { name: 'Users who match' }).getByRole('listitem').allTextContents()).toEqual(expectedNames);
    await expectAccessible(page, 'new group rule preview');
    await create.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: 'Browser Operations', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Members of Browser Operations' }).getByRole('row').count()).toBe(operations + 1);

    await page.getByRole('tab', { name: 'Membership rule' }).click();
    await page.getByRole('textbox', { name: 'Membership rule' }).fill('(user.department -eq "Sales")');
    await page.getByRole('button', { name: 'Preview members' }).click();
    await page.getByRole('status').getByText(`With this rule ${sales} users would join and ${operations} would leave.`).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Save rule' }).isEnabled()).toBe(true);
    await expectAccessible(page, 'membership rule preview');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').getByText('The membership rule is saved and applied.').waitFor();
    await page.getByRole('tab', { name: 'Members', exact: true }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Members of Browser Operations' }).getByRole('row').count()).toBe(sales + 1);
  });

  it('the audit log shows the group license change with its changed properties', async () => {
    await adminNav(page).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Audit log entries' }).waitFor();
    await expectAccessible(page, 'audit log');
    await page.getByRole('textbox', { name: 'Activity' }).fill('Set group license');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // Assigned, waitlist turned on, removed and assigned again from the product's Groups tab: four entries, newest first.
    const entry = page.getByRole('button', { name: `Set group license on ${GROUP_NAME}: details` }).first();
    await entry.waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Audit log entries' }).getByRole('row').count()).toBe(5);
    await entry.click();
    const details = page.getByRole('dialog', { name: 'Set group license' });
    await details.getByRole('table', { name: 'Modified properties' }).waitFor();
    await expect.poll(() => details.getByRole('table', { name: 'Modified properties' }).getByRole('row').count()).toBeGreaterThan(1);
    await expectAccessible(page, 'audit entry details');
    await details.getByRole('button', { name: 'Only this target' }).click();
    await page.getByRole('button', { name: `Add group on ${GROUP_NAME}: details` }).waitFor();
  });

  it('shows the pages in Dutch, and showed no console errors', async () => {
    await page.getByRole('button', { name: /^Language/ }).click();
    await page.getByRole('menuitemradio', { name: 'Nederlands' }).click();
    await page.goto('/billing/products');
    await page.getByRole('heading', { name: 'Uw producten', level: 1 }).waitFor();
    await page.getByText('Proefversie', { exact: true }).first().waitFor();
    await expectAccessible(page, 'your products in Dutch');
    await page.goto('/');
    await page.getByRole('heading', { name: 'Licentiegebruik per product' }).waitFor();
    await page.getByRole('heading', { name: 'Aandacht vereist' }).waitFor();
    await page.goto('/audit');
    await page.getByRole('heading', { name: 'Auditlogboek', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Filters toepassen' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
