import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/domain/webhook-signature.js';
import { adminNav, apiGet, apiSend, expectAccessible, openAdminPage, signInAs, signInFirstTime, startAdminCenter, type AdminCenter } from '../support/admin-center.js';

/**
 * Settings › Roles, Apps and Webhooks in Debian's Chromium against a real Allot server on a fresh
 * demo tenant; webhooks post to a receiver on the loopback (the server is started with
 * ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS). The flows run in order in one signed-in context, each
 * page checked with axe-core and for console errors.
 */
let center: AdminCenter;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];
let receiver: Server;
let receiverUrl: string;

/** What the receiver got, and the status it answers with next. */
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let receiverStatus = 500;

const APP_NAME = 'Browser Inventory Sync';

interface GraphUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  usageLocation: string | null;
  userType: string;
  assignedLicenses: { skuId: string }[];
}
interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
}
interface AppBody {
  appId: string;
  displayName: string;
  permissions: string[];
  passwordCredentials: { keyId: string; hint: string; revokedDateTime: string | null }[];
}

const ROLE_IDS = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  licenseAdministrator: '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
};
const READER_PASSWORD = 'Reader-Browser-Password-7!';

const roleAssignments = async (roleId: string) => (await apiGet<{ value: RoleAssignment[] }>(page, `/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${roleId}'`)).value;


/** Whether the token endpoint gives this app a token with this secret. */
async function tokenStatus(clientId: string, clientSecret: string): Promise<number> {
  const response = await page.request.post(`/${center.credentials.tenantId}/oauth2/v2.0/token`, {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' },
  });
  return response.status();
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(receiverStatus).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/allot-events`;
  center = await startAdminCenter({ ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', ALLOT_WEBHOOK_INTERVAL_SECONDS: '1' });
  ({ context, page, errors: pageErrors } = await openAdminPage(center));
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: center.server.url });
  await signInFirstTime(page, center);
});

afterAll(async () => {
  await context?.close();
  await center?.close();
  await new Promise<void>((resolve) => (receiver === undefined ? resolve() : receiver.close(() => resolve())));
});

describe('Settings › Roles, Apps and Webhooks in the browser', () => {
  it('assigns a role to a user and removes it, and keeps the last Global Administrator with the API message', async () => {
    const users = (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,userPrincipalName,userType')).value;
    const user = users.find((candidate) => candidate.userType === 'Member' && candidate.displayName !== 'MOD Administrator');
    expect(user).toBeDefined();
    const licenseAdmins = await roleAssignments(ROLE_IDS.licenseAdministrator);
    expect(licenseAdmins.some((assignment) => assignment.principalId === user?.id)).toBe(false);
    expect(await roleAssignments(ROLE_IDS.globalAdministrator)).toHaveLength(1);

    await adminNav(page).getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('heading', { name: 'Role assignments', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Roles' });
    await table.locator('tr[data-role="Global Administrator"]').getByText('Can manage all aspects of Microsoft Entra ID', { exact: false }).waitFor();
    expect(await table.locator('tr[data-role="Global Administrator"] [data-column=assigned]').textContent()).toBe('1');
    const licenseRow = table.locator('tr[data-role="License Administrator"]');
    expect(await licenseRow.locator('[data-column=assigned]').textContent()).toBe(String(licenseAdmins.length));
    await expectAccessible(page, 'roles');

    await licenseRow.getByRole('button', { name: 'Assigned admins of License Administrator' }).click();
    const panel = page.getByRole('dialog', { name: 'License Administrator' });
    await panel.getByText('Can manage product licenses on users and groups.').waitFor();
    const picker = panel.getByRole('combobox', { name: 'Add an admin' });
    await picker.click();
    await picker.pressSequentially(user?.displayName.split(' ')[0] ?? '');
    await page.getByRole('option', { name: new RegExp(`^${user?.displayName}`) }).click();
    await panel.getByRole('status').getByText(`${user?.displayName} now has the License Administrator role.`).waitFor();
    const admins = panel.getByRole('table', { name: 'Admins with the License Administrator role' });
    await admins.getByRole('row', { name: new RegExp(user?.userPrincipalName ?? '') }).waitFor();
    expect((await roleAssignments(ROLE_IDS.licenseAdministrator)).some((assignment) => assignment.principalId === user?.id)).toBe(true);
    await expectAccessible(page, 'role panel');
    // The page behind the panel is hidden from the accessibility tree while the panel is open.
    await panel.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => licenseRow.locator('[data-column=assigned]').textContent()).toBe(String(licenseAdmins.length + 1));

    await licenseRow.getByRole('button', { name: 'Assigned admins of License Administrator' }).click();
    await admins.getByRole('button', { name: `Remove ${user?.displayName} from License Administrator` }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Remove the role assignment?' });
    await confirm.getByText(`${user?.displayName} will no longer have the License Administrator role`).waitFor();
    await expectAccessible(page, 'remove role confirmation');
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await panel.getByRole('status').getByText(`${user?.displayName} no longer has the License Administrator role.`).waitFor();
    expect((await roleAssignments(ROLE_IDS.licenseAdministrator)).some((assignment) => assignment.principalId === user?.id)).toBe(false);
    await panel.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => licenseRow.locator('[data-column=assigned]').textContent()).toBe(String(licenseAdmins.length));

    await table.locator('tr[data-role="Global Administrator"]').getByRole('button', { name: 'Assigned admins of Global Administrator' }).click();
    const globalPanel = page.getByRole('dialog', { name: 'Global Administrator' });
    await globalPanel.getByRole('button', { name: 'Remove MOD Administrator from Global Administrator' }).click();
    const lastConfirm = page.getByRole('alertdialog', { name: 'Remove the role assignment?' });
    await lastConfirm.getByRole('button', { name: 'Remove', exact: true }).click();
    const refusal = lastConfirm.getByRole('alert');
    await refusal.getByText('The organization must keep at least one enabled Global Administrator who can sign in.').waitFor();
    await refusal.getByText(/is the last enabled Global Administrator with a password; removing the role would leave nobody able to administer the organization\./).waitFor();
    await lastConfirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await roleAssignments(ROLE_IDS.globalAdministrator)).toHaveLength(1);
    await globalPanel.getByRole('button', { name: 'Close' }).click();
  });

  it('registers an app, shows a new client secret once (gone after a reload), revokes it and deletes the app', async () => {
    await adminNav(page).getByRole('link', { name: 'Apps' }).click();
    await page.getByRole('heading', { name: 'App registrations', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'App registrations' }).getByRole('button', { name: 'Details of Allot demo client' }).waitFor();
    await expectAccessible(page, 'apps');

    await page.getByRole('button', { name: 'Register an app' }).click();
    const register = page.getByRole('dialog', { name: 'Register an app' });
    await register.getByRole('textbox', { name: 'Name' }).fill(APP_NAME);
    await register.getByRole('checkbox', { name: /^User\.Read\.All/ }).check();
    await register.getByRole('checkbox', { name: /^LicenseAssignment\.ReadWrite\.All Assign and remove licenses/ }).check();
    await expectAccessible(page, 'register an app');
    await register.getByRole('button', { name: 'Register', exact: true }).click();

    const panel = page.getByRole('dialog', { name: APP_NAME });
    await panel.getByRole('list', { name: 'API permissions' }).getByText('LicenseAssignment.ReadWrite.All').waitFor();
    const clientId = (await panel.getByTestId('client-id').textContent()) ?? '';
    const app = (await apiGet<{ value: AppBody[] }>(page, '/admin/apps')).value.find((candidate) => candidate.appId === clientId);
    expect(app).toMatchObject({ displayName: APP_NAME, permissions: ['User.Read.All', 'LicenseAssignment.ReadWrite.All'], passwordCredentials: [] });
    await page.getByRole('status').getByText(`${APP_NAME} is registered. Add a client secret so it can sign in.`).waitFor();

    await panel.getByRole('textbox', { name: 'Description' }).fill('CI pipeline');
    await panel.getByRole('combobox', { name: 'Expires' }).selectOption('365');
    await panel.getByRole('button', { name: 'New client secret' }).click();
    const secretBox = panel.getByRole('textbox', { name: 'Secret value' });
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await panel.getByText("You won't see this value again").waitFor();
    await panel.getByRole('button', { name: 'Copy' }).click();
    await panel.getByRole('status').getByText('Copied to the clipboard.').waitFor();
    // The test tier has no DOM types: the page's clipboard is reached through globalThis.
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText: () => Promise<string> } } }).navigator.clipboard.readText())).toBe(secret);
    const hint = secret.slice(0, 3);
    const row = panel.getByRole('table', { name: `Client secrets of ${APP_NAME}` }).getByRole('row', { name: /CI pipeline/ });
    await row.getByText(`${hint}…`).waitFor();
    await row.getByText('Active').waitFor();
    expect(await tokenStatus(clientId, secret)).toBe(200);
    await expectAccessible(page, 'client secret shown once');

    await page.reload();
    const reopened = page.getByRole('dialog', { name: APP_NAME });
    await reopened.getByRole('table', { name: `Client secrets of ${APP_NAME}` }).getByText(`${hint}…`).waitFor();
    expect(await reopened.getByRole('textbox', { name: 'Secret value' }).count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await reopened.getByRole('button', { name: `Revoke the secret ${hint}…` }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Revoke the client secret?' });
    await confirm.getByText(`The secret ${hint}… of ${APP_NAME} stops working at once`).waitFor();
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await reopened.getByRole('status').getByText(`The secret ${hint}… is revoked.`).waitFor();
    await reopened.getByRole('table', { name: `Client secrets of ${APP_NAME}` }).getByRole('row', { name: /CI pipeline/ }).getByText('Revoked').waitFor();
    const revoked = (await apiGet<AppBody>(page, `/admin/apps/${clientId}`)).passwordCredentials;
    expect(revoked).toHaveLength(1);
    expect(revoked[0]?.revokedDateTime).not.toBeNull();
    expect(await tokenStatus(clientId, secret)).toBe(401);

    await reopened.getByRole('button', { name: 'Delete app' }).click();
    const deletion = page.getByRole('alertdialog', { name: `Delete ${APP_NAME}?` });
    await expectAccessible(page, 'delete app confirmation');
    await deletion.getByRole('button', { name: 'Delete app' }).click();
    await page.getByRole('status').getByText(`${APP_NAME} is deleted. Its tokens no longer work.`).waitFor();
    expect((await apiGet<{ value: AppBody[] }>(page, '/admin/apps')).value.some((candidate) => candidate.appId === clientId)).toBe(false);
    expect(await page.getByRole('button', { name: `Details of ${APP_NAME}` }).count()).toBe(0);
  });

  it('adds a webhook to a local receiver, shows a delivery after a license change, retries, redelivers, disables and deletes it', async () => {
    await adminNav(page).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No webhooks yet.', { exact: false }).waitFor();
    await expectAccessible(page, 'webhooks');

    await page.getByRole('button', { name: 'Add a webhook' }).click();
    const create = page.getByRole('dialog', { name: 'Add a webhook' });
    await create.getByRole('textbox', { name: 'URL' }).fill(receiverUrl);
    await create.getByRole('textbox', { name: 'Description' }).fill('Inventory receiver');
    await create.getByRole('checkbox', { name: /^licenses\.changed/ }).check();
    await expectAccessible(page, 'add a webhook');
    await create.getByRole('button', { name: 'Add webhook' }).click();

    const panel = page.getByRole('dialog', { name: receiverUrl });
    const signingSecret = await panel.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    await panel.getByText("You won't see it again").waitFor();
    await page.getByRole('status').getByText(`The webhook for ${receiverUrl} is added.`).waitFor();
    await panel.getByText('No deliveries yet.', { exact: false }).waitFor();
    await expectAccessible(page, 'webhook created');

    // A license change: the receiver answers 500 first, so the delivery waits for a retry.
    const products = (await apiGet<{ value: { skuId: string; displayName: string; available: number; appliesTo: string }[] }>(page, '/admin/licenses')).value;
    const product = products.find((candidate) => candidate.displayName === 'Contoso Fleet Standard');
    expect(product?.available).toBeGreaterThan(0);
    const users = (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,usageLocation,userType,assignedLicenses')).value;
    const member = users.find((user) => user.userType === 'Member' && user.usageLocation !== null && user.assignedLicenses.length === 0);
    expect(member).toBeDefined();
    await apiSend(page, 'POST', `/v1.0/users/${member?.id}/assignLicense`, { addLicenses: [{ skuId: product?.skuId, disabledPlans: [] }], removeLicenses: [] });
    await expect.poll(() => received.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const [first] = received;
    const signature = await verifyWebhookSignature({ header: first?.headers['allot-signature'] as string | undefined, secret: signingSecret, body: first?.body ?? '', nowSeconds: Math.floor(Date.now() / 1000) });
    expect(signature.valid).toBe(true);
    expect(JSON.parse(first?.body ?? '{}')).toMatchObject({ type: 'licenses.changed' });

    const deliveries = panel.getByRole('table', { name: `Deliveries to ${receiverUrl}` });
    const delivery = deliveries.locator('tr[data-event-type="licenses.changed"]').first();
    await expect
      .poll(async () => {
        await panel.getByRole('button', { name: 'Refresh' }).click();
        return (await delivery.locator('[data-column=response]').textContent({ timeout: 1_000 }).catch(() => null)) ?? '';
      }, { timeout: 15_000 })
      .toBe('HTTP 500');
    await delivery.getByText('Pending').waitFor();
    await expectAccessible(page, 'webhook deliveries');

    receiverStatus = 200;
    await delivery.getByRole('button', { name: /^Redeliver licenses\.changed of / }).click();
    await panel.getByRole('status').getByText('The licenses.changed delivery is queued again').waitFor();
    await expect
      .poll(async () => {
        await panel.getByRole('button', { name: 'Refresh' }).click();
        return (await delivery.locator('[data-column=response]').textContent({ timeout: 1_000 }).catch(() => null)) ?? '';
      }, { timeout: 15_000 })
      .toBe('HTTP 200');
    await delivery.getByText('Delivered').waitFor();
    expect(await delivery.locator('[data-column=attempts]').textContent()).toBe('2');
    await delivery.getByRole('button', { name: /^Attempts of licenses\.changed of / }).click();
    const attempts = panel.getByRole('table', { name: 'Attempts of licenses.changed' });
    await attempts.getByRole('row', { name: /HTTP 200/ }).waitFor();
    await attempts.getByRole('row', { name: /HTTP 500/ }).waitFor();
    await expectAccessible(page, 'webhook attempts');
    await panel.getByRole('button', { name: 'Close' }).click();

    const row = page.getByRole('table', { name: 'Webhooks' }).locator(`tr[data-webhook="${receiverUrl}"]`);
    await row.locator('[data-column=last-delivery]').getByText('Delivered').waitFor();
    await row.getByText('licenses.changed').waitFor();
    await row.getByText('Enabled', { exact: true }).waitFor();

    await row.getByRole('button', { name: `Details of the webhook ${receiverUrl}` }).click();
    await panel.getByRole('tab', { name: 'Settings' }).click();
    await panel.getByRole('switch', { name: /^Enabled/ }).click();
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByRole('status').getByText('The webhook is saved.').waitFor();
    expect((await apiGet<{ value: { url: string; enabled: boolean }[] }>(page, '/admin/webhooks')).value).toEqual([expect.objectContaining({ url: receiverUrl, enabled: false })]);
    await panel.getByRole('button', { name: 'Delete webhook' }).click();
    const deletion = page.getByRole('alertdialog', { name: 'Delete this webhook?' });
    await deletion.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByRole('status').getByText(`The webhook for ${receiverUrl} is deleted.`).waitFor();
    expect((await apiGet<{ value: unknown[] }>(page, '/admin/webhooks')).value).toEqual([]);
    await page.getByText('No webhooks yet.', { exact: false }).waitFor();
  });

  it('shows a Global Reader the settings with every change disabled and the reason', async () => {
    const users = (await apiGet<{ value: GraphUser[] }>(page, '/v1.0/users?$top=100&$select=id,displayName,userPrincipalName,userType')).value;
    const reader = users.filter((candidate) => candidate.userType === 'Member' && candidate.displayName !== 'MOD Administrator').at(-1);
    expect(reader).toBeDefined();
    await apiSend(page, 'POST', '/v1.0/roleManagement/directory/roleAssignments', { principalId: reader?.id, roleDefinitionId: ROLE_IDS.globalReader });
    await apiSend(page, 'PATCH', `/v1.0/users/${reader?.id}`, { passwordProfile: { password: READER_PASSWORD, forceChangePasswordNextSignIn: false } });

    const readerSession = await openAdminPage(center);
    const readerPage = readerSession.page;
    try {
      await signInAs(readerPage, reader?.userPrincipalName ?? '', READER_PASSWORD);
      await adminNav(readerPage).waitFor();

      await readerPage.goto('/settings/roles');
      await readerPage.getByText('Only a Global Administrator can assign and remove roles. You can see who holds each role.').first().waitFor();
      await readerPage.getByRole('button', { name: 'Assigned admins of Global Administrator' }).click();
      const panel = readerPage.getByRole('dialog', { name: 'Global Administrator' });
      expect(await panel.getByRole('combobox', { name: 'Add an admin' }).isDisabled()).toBe(true);
      const remove = panel.getByRole('button', { name: 'Remove MOD Administrator from Global Administrator' });
      expect(await remove.isDisabled()).toBe(true);
      expect(await remove.getAttribute('title')).toBe('Only a Global Administrator can assign and remove roles. You can see who holds each role.');
      await expectAccessible(readerPage, 'roles as a Global Reader');
      await panel.getByRole('button', { name: 'Close' }).click();

      await readerPage.goto('/settings/apps');
      await readerPage.getByRole('button', { name: 'Details of Allot demo client' }).waitFor();
      const register = readerPage.getByRole('button', { name: 'Register an app' });
      expect(await register.isDisabled()).toBe(true);
      expect(await register.getAttribute('title')).toBe('Only a Global Administrator can register apps, add and revoke their client secrets, and delete them.');

      await readerPage.goto('/settings/webhooks');
      await readerPage.getByText('Only a Global Administrator can add, change and delete webhooks and redeliver events.').waitFor();
      expect(await readerPage.getByRole('button', { name: 'Add a webhook' }).isDisabled()).toBe(true);
      expect(readerSession.errors).toEqual([]);
    } finally {
      await readerSession.context.close();
    }
  });

  it('shows the pages in Dutch, and showed no console errors', async () => {
    await page.getByRole('button', { name: /^Language/ }).click();
    await page.getByRole('menuitemradio', { name: 'Nederlands' }).click();
    await page.goto('/settings/roles');
    await page.getByRole('heading', { name: 'Roltoewijzingen', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Rollen' });
    await table.getByRole('button', { name: 'Toegewezen beheerders van Globale beheerder' }).waitFor();
    await table.getByRole('button', { name: 'Toegewezen beheerders van Licentiebeheerder' }).waitFor();
    await table.getByRole('columnheader', { name: 'Toegewezen beheerders' }).waitFor();
    await expectAccessible(page, 'roles in Dutch');
    await page.goto('/settings/apps');
    await page.getByRole('heading', { name: 'App-registraties', level: 1 }).waitFor();
    await page.getByRole('columnheader', { name: 'Toepassings-id (client)' }).waitFor();
    await page.goto('/settings/webhooks');
    await page.getByRole('button', { name: 'Een webhook toevoegen' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
