import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DemoCredentials } from '../../src/services/demo-tenant.js';
import { launchChromium } from './browser.js';
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

/** Signs in the demo admin through the sign-in page with `password`. */
export async function signIn(page: Page, center: AdminCenter, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username').fill(center.credentials.admin.userPrincipalName);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The generated password must be changed at first sign-in: the change form, then the shell. */
export async function changeGeneratedPassword(page: Page, center: AdminCenter): Promise<void> {
  await page.getByRole('heading', { name: 'Update your password' }).waitFor();
  await page.getByLabel('Current password').fill(center.credentials.admin.password);
  await page.getByLabel('New password').fill(NEW_ADMIN_PASSWORD);
  await page.getByLabel('Confirm password').fill(NEW_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Update password' }).click();
  await page.getByRole('navigation', { name: 'Admin center navigation' }).waitFor();
}
