import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DemoCredentials } from '../../src/services/demo-tenant.js';
import { collectPageErrors, launchChromium, seriousAxeViolations } from './browser.js';
import { killAll, readDemoCredentials, startAllotServer, type ServerProcess } from './server-process.js';

/** The password the browser flows set at the forced first change (meets the complexity rule). */
export const NEW_ADMIN_PASSWORD = 'Browser-Tests-Password-42!';

export interface AdminCenter {
  browser: Browser;
  server: ServerProcess;
  credentials: DemoCredentials;
  close(): Promise<void>;
}

/**
 * Chromium, then a real Allot server on a fresh data directory, which seeds the demo tenant (the
 * browser tier's global setup built the admin center). `env` adds server settings (e.g.
 * ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS for a receiver on the loopback).
 */
export async function startAdminCenter(env: Record<string, string> = {}): Promise<AdminCenter> {
  const browser = await launchChromium();
  const spawned: ChildProcess[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'allot-browser-'));
  try {
    const server = await startAllotServer({ ALLOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env }, spawned);
    return {
      browser,
      server,
      credentials: readDemoCredentials(dataDir),
      close: async () => {
        await browser.close();
        await server.stop();
        await killAll(spawned);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser.close();
    await killAll(spawned);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** A fresh browser profile on the server. Reduced motion: Fluent then skips its fades, so axe and screenshots see final colours. */
export const newAdminContext = (center: AdminCenter, locale = 'en-US'): Promise<BrowserContext> =>
  center.browser.newContext({ baseURL: center.server.url, viewport: { width: 1440, height: 900 }, locale, reducedMotion: 'reduce' });

/** Opens `path` signed out, and signs in there through the sign-in page it shows. */
export async function signInAs(page: Page, userPrincipalName: string, password: string, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Username').fill(userPrincipalName);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in the demo admin through the sign-in page with `password`. */
export const signIn = (page: Page, center: AdminCenter, password: string): Promise<void> => signInAs(page, center.credentials.admin.userPrincipalName, password);

/** The generated password must be changed at first sign-in: the change form, then the shell. */
export async function changeGeneratedPassword(page: Page, center: AdminCenter): Promise<void> {
  await page.getByRole('heading', { name: 'Update your password' }).waitFor();
  await page.getByLabel('Current password').fill(center.credentials.admin.password);
  await page.getByLabel('New password').fill(NEW_ADMIN_PASSWORD);
  await page.getByLabel('Confirm password').fill(NEW_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Update password' }).click();
  await adminNav(page).waitFor();
}

/** The demo admin's first sign-in: the generated password, then the change it forces. */
export async function signInFirstTime(page: Page, center: AdminCenter): Promise<void> {
  await signIn(page, center, center.credentials.admin.password);
  await changeGeneratedPassword(page, center);
}

export interface AdminPage {
  context: BrowserContext;
  page: Page;
  /** What the page reported as errors so far (console errors, uncaught exceptions). */
  errors: string[];
}

/** A fresh browser profile with one page, signed out; each step waits up to 10 s. */
export async function openAdminPage(center: AdminCenter): Promise<AdminPage> {
  const context = await newAdminContext(center);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page, errors: collectPageErrors(page) };
}

/** The shell's navigation. */
export const adminNav = (page: Page): Locator => page.getByRole('navigation', { name: 'Admin center navigation' });

/** Reads the API with the page's session cookie (what the app itself would see); anything but 200 fails the test. */
export async function apiGet<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path, { headers: { ConsistencyLevel: 'eventual' } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as T;
}

/** A change through the API as the page's session, with its CSRF token as the app sends it; a refusal fails the test. */
export async function apiSend<T = unknown>(page: Page, method: 'POST' | 'PATCH', path: string, data: unknown): Promise<T> {
  const { csrfToken } = await apiGet<{ csrfToken: string }>(page, '/auth/session');
  const response = await page.request.fetch(path, { method, data, headers: { 'x-csrf-token': csrfToken } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (response.status() === 204 ? undefined : await response.json()) as T;
}

/** Creates a user holding one admin role, through the API as the page's session, and gives their username; the password need not be changed. */
export async function createAdmin(page: Page, center: AdminCenter, admin: { displayName: string; mailNickname: string; password: string; roleDefinitionId: string }): Promise<string> {
  const userPrincipalName = `${admin.mailNickname}@${center.credentials.domain}`;
  const { id } = await apiSend<{ id: string }>(page, 'POST', '/v1.0/users', {
    accountEnabled: true,
    displayName: admin.displayName,
    mailNickname: admin.mailNickname,
    userPrincipalName,
    passwordProfile: { password: admin.password, forceChangePasswordNextSignIn: false },
  });
  await apiSend(page, 'POST', '/v1.0/roleManagement/directory/roleAssignments', { principalId: id, roleDefinitionId: admin.roleDefinitionId, directoryScopeId: '/' });
  return userPrincipalName;
}

/** No serious or critical axe-core violation on the page as it is now. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousAxeViolations(page), what).toEqual([]);
}
