/** The "Demo Store" tenant with a secret and a publishable key, created once. */
import type { TenantsModule } from './modules/tenants/index.js';
import type { Config } from './config.js';

export const DEMO_TENANT_NAME = 'Demo Store';

export async function seedDemo(tenants: TenantsModule, config: Config) {
  const existing = await tenants.tenants.listTenants({ limit: 100 });
  const found = existing.data.find((t) => t.name === DEMO_TENANT_NAME && t.settings.demo === true);
  const origin = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  const origins = [...new Set([origin, `http://localhost:${config.port}`, `http://127.0.0.1:${config.port}`])];
  if (found) {
    // The server may have moved (another port or public URL): keep /demo working where it is now.
    const missing = origins.filter((o) => !found.allowedOrigins.includes(o));
    if (missing.length) await tenants.tenants.updateTenant(found.id, { allowed_origins: [...found.allowedOrigins, ...missing] });
    return { tenant: found, created: false as const };
  }
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

/** The seeded demo tenant's publishable key (public by design), for the demo store at /demo. */
export async function findDemoKey(tenants: TenantsModule): Promise<string | undefined> {
  let startingAfter: string | undefined;
  for (;;) {
    const page = await tenants.tenants.listTenants({ limit: 100, startingAfter, active: true });
    const found = page.data.find((t) => t.settings.demo === true && typeof t.settings.demo_publishable_key === 'string');
    if (found) return found.settings.demo_publishable_key as string;
    if (!page.hasMore || page.data.length === 0) return undefined;
    startingAfter = page.data[page.data.length - 1]!.id;
  }
}
