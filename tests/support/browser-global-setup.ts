import { existsSync } from 'node:fs';
import { buildWeb, isWebBuildStale } from '../../scripts/build-web.js';
import { CHROMIUM_PATH, CHROMIUM_MISSING } from './browser.js';

/**
 * Once per run, before any browser test file: a missing Chromium fails the tier at once with the
 * install command, then the admin center is built when stale. Building here and not per file keeps
 * two files running in parallel from rebuilding dist/web under each other's server.
 */
export default async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(CHROMIUM_MISSING);
  }
  if (isWebBuildStale()) {
    await buildWeb();
  }
}
