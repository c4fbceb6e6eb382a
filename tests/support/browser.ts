import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (shared/docs/stack.md): Playwright's own browser downloads are not reachable. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const CHROMIUM_MISSING = 'Chromium is missing: run `apt-get install -y chromium` (.ci/run does this)';

/** Launches Chromium, or fails at once with the install command when it is missing (never hangs). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(CHROMIUM_MISSING);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

const API_PATH = /^\/(auth|admin|v1\.0)\//;

/** A failed API call the app handles and shows (401 of the session probe when signed out, a refused assignment). */
const isHandledApiFailure = (text: string, url: string): boolean => text.startsWith('Failed to load resource') && API_PATH.test(new URL(url, 'http://x').pathname);

/**
 * Collects what the page reports as errors: console errors (a CSP violation is one, so is an asset
 * that failed to load) and uncaught exceptions. API answers with an error status are left out:
 * the app shows them, and the tests assert what it shows.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !isHandledApiFailure(message.text(), message.location().url || '/')) {
      errors.push(`console: ${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return errors;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** html: the offending element's opening tag as axe saw it (generated class names removed), so a failure says which element. */
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_PATH = '/__test__/axe.min.js';

/**
 * Runs axe-core in the page and returns the serious and critical violations. The test serves
 * axe-core from node_modules at a path of the page's own origin (intercepted, never reaching the
 * server), so it loads under the app's script-src 'self' without weakening the policy.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    await page.route(`**${AXE_PATH}`, (route) => route.fulfill({ path: axeSource, contentType: 'application/javascript' }));
    await page.addScriptTag({ url: AXE_PATH });
  }
  // A control that just turned enabled may still be fading from its disabled colours (Fluent's
  // button transitions): axe must see the colours it settles on.
  await page.evaluate(async () => {
    const animations = (globalThis as unknown as { document: { getAnimations(): { finished: Promise<unknown> }[] } }).document.getAnimations();
    await Promise.all(animations.map((animation) => animation.finished.catch(() => undefined)));
  });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: object, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    // Fluent's focus sentinels (tabster's aria-hidden <i tabindex=0> dummies) forward focus the
    // moment they get it; axe reads them as focusable hidden content, so they are left out.
    return (await axe.run({ exclude: [['[data-tabster-dummy]']] }, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map(({ target, html, failureSummary }) => ({ target, html: html.replace(/ class="[^"]*"/g, '').slice(0, 300), ...(failureSummary === undefined ? {} : { failureSummary }) })) }));
}
