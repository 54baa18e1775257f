/** Builds web/dashboard (Vite) when its dist is missing, so the browser tests serve the real bundle. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';

export const DASHBOARD_DIR = join(process.cwd(), 'web', 'dashboard');

export async function ensureDashboardBuilt(): Promise<void> {
  if (existsSync(join(DASHBOARD_DIR, 'dist', 'index.html'))) return;
  await build({ configFile: join(DASHBOARD_DIR, 'vite.config.mjs'), logLevel: 'error' });
}
