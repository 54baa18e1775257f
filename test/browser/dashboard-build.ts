/**
 * Builds web/dashboard (Vite) when its dist is missing, so the browser tests serve the real bundle.
 * Under the build lock of scripts/build-if-stale.mjs (which `npm start` in other tests may be
 * running at the same moment on a fresh tree), and stamped, so that it does not build it again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { hashInputs, withBuildLock, writeStamp } from '../../scripts/build-if-stale.mjs';

export const DASHBOARD_DIR = join(process.cwd(), 'web', 'dashboard');
const built = () => existsSync(join(DASHBOARD_DIR, 'dist', 'index.html'));

export async function ensureDashboardBuilt(): Promise<void> {
  if (built()) return;
  await withBuildLock(process.cwd(), async () => {
    if (built()) return;
    const inputs = hashInputs(process.cwd(), 'dashboard');
    await build({ configFile: join(DASHBOARD_DIR, 'vite.config.mjs'), logLevel: 'error' });
    writeStamp(process.cwd(), ['dashboard'], { dashboard: inputs });
  });
}
