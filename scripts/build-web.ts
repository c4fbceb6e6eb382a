import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * Builds the admin center into dist/web. With --if-stale (what `npm start` runs) it builds only when
 * dist/web/index.html is missing or older than a file the bundle is made from.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['src/web', 'src/client', 'src/contracts', 'vite.config.ts', 'package-lock.json'];

function newestModification(entry: string): number {
  const stats = statSync(entry, { throwIfNoEntry: false });
  if (stats === undefined) {
    return 0;
  }
  if (!stats.isDirectory()) {
    return stats.mtimeMs;
  }
  return Math.max(0, ...readdirSync(entry).map((name) => newestModification(path.join(entry, name))));
}

export function isWebBuildStale(): boolean {
  const built = statSync(path.join(root, 'dist/web/index.html'), { throwIfNoEntry: false });
  return built === undefined || SOURCES.some((source) => newestModification(path.join(root, source)) > built.mtimeMs);
}

export async function buildWeb(): Promise<void> {
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && !isWebBuildStale()) {
    console.log('admin center: dist/web is up to date');
  } else {
    const started = Date.now();
    await buildWeb();
    console.log(`admin center: built dist/web in ${Date.now() - started} ms`);
  }
}
