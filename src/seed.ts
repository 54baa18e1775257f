/** The "Demo Store" tenant with a secret and a publishable key, created once. */
import type { TenantsModule } from './modules/tenants/index.js';
import type { Config } from './config.js';

export const DEMO_TENANT_NAME = 'Demo Store';

export async function seedDemo(tenants: TenantsModule, config: Config) {
  const existing = await tenants.tenants.listTenants({ limit: 100 });
  const found = existing.data.find((t) => t.name === DEMO_TENANT_NAME && t.settings.demo === true);
  if (found) return { tenant: found, created: false as const };
  const origin = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  const origins = [...new Set([origin, `http://localhost:${config.port}`, `http://127.0.0.1:${config.port}`])];
  const tenant = await tenants.tenants.createTenant({
    name: DEMO_TENANT_NAME,
    website: origin,
    tier: 'pro',
    allowed_origins: origins,
    settings: { demo: true, widget: { primary_color: '#1f6feb', position: 'bottom-right', language: 'auto' } },
  });
  const secret = await tenants.tenants.createKey(tenant.id, { kind: 'secret', environment: 'test', name: 'Demo server key' });
  const publishable = await tenants.tenants.createKey(tenant.id, { kind: 'publishable', environment: 'test', name: 'Demo widget key' });
  // A publishable key is public by design; keep it where the demo store page can find it.
  await tenants.tenants.updateTenant(tenant.id, { settings: { ...tenant.settings, demo_publishable_key: publishable.key } });
  return { tenant, created: true as const, secretKey: secret.key, publishableKey: publishable.key };
}
