// The dashboard: Preact + Vite, served by the server at /dashboard (src/modules/analytics/dashboard-files.ts).
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or module preload polyfill: the server's CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  // ws: the live inbox's realtime socket (/v1/realtime) goes through the proxy too.
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:3000', ws: true }, '/admin': 'http://127.0.0.1:3000' } },
});
