import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The admin center (src/web) builds into dist/web, which the Allot server serves. No inline
 * scripts or module preload polyfill: the app runs under script-src 'self'.
 */
export default defineConfig({
  root: fileURLToPath(new URL('src/web', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('dist/web', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  server: {
    // `npx vite` serves the app with hot reload and sends the API to a running `npm start`.
    proxy: Object.fromEntries(['/v1.0', '/admin', '/auth'].map((prefix) => [prefix, 'http://127.0.0.1:3000'])),
  },
});
