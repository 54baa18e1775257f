/**
 * The "Demo Store" tenant: created once with a secret and a publishable key; its catalog holds the
 * demo store's products (web/demo/products.json, pictures in web/demo/images), so a try-on by
 * `{"product_id": "demo-striped-tee"}` works from the first start. Products missing from the
 * catalog are added on every start (a data directory made before the catalog existed gets them
 * too); products already there are left as the store has them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TenantsModule } from './modules/tenants/index.js';
import type { CatalogModule } from './modules/catalog/index.js';
import type { Config } from './config.js';
import { projectRoot } from './platform/paths.js';
import { SYSTEM_ACTOR, type AuditContext } from './platform/audit/index.js';

export const DEMO_TENANT_NAME = 'Demo Store';

type DemoProduct = { slug: string; id: string; category: 'tops' | 'bottoms' | 'one-pieces'; price: number; name: { en: string } };

export type SeedResult = Awaited<ReturnType<typeof seedDemo>>;

/** The server's own origin (where /demo is served) and the local ones. */
function originsOf(config: Config) {
  const origin = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  return { origin, origins: [...new Set([origin, `http://localhost:${config.port}`, `http://127.0.0.1:${config.port}`])] };
}

/** `by`: who seeds, for the audit trail (the server at start-up: the system; `probador seed`: the CLI). */
export async function seedDemo(modules: { tenants: TenantsModule; catalog: CatalogModule }, config: Config, by: AuditContext = SYSTEM_ACTOR) {
  const { tenants } = modules;
  const existing = await tenants.tenants.listTenants({ limit: 100 });
  const found = existing.data.find((t) => t.name === DEMO_TENANT_NAME && t.settings.demo === true);
  const { origin, origins } = originsOf(config);
  if (found) {
    // The server may have moved (another port or public URL): keep /demo working where it is now.
    const missing = origins.filter((o) => !found.allowedOrigins.includes(o));
    if (missing.length) await tenants.tenants.updateTenant(found.id, { allowed_origins: [...found.allowedOrigins, ...missing] }, by);
    const productsAdded = await seedDemoProducts(modules.catalog, found.id, origin);
    return { tenant: found, created: false as const, productsAdded };
  }
  const tenant = await tenants.tenants.createTenant({
    name: DEMO_TENANT_NAME,
    website: origin,
    tier: 'pro',
    allowed_origins: origins,
    settings: { demo: true, widget: { primary_color: '#1f6feb', position: 'bottom-right', language: 'auto' } },
  }, by);
  const secret = await tenants.tenants.createKey(tenant.id, { kind: 'secret', environment: 'test', name: 'Demo server key' }, by);
  const publishable = await tenants.tenants.createKey(tenant.id, { kind: 'publishable', environment: 'test', name: 'Demo widget key' }, by);
  // A publishable key is public by design; keep it where the demo store page can find it.
  await tenants.tenants.updateTenant(tenant.id, { settings: { ...tenant.settings, demo_publishable_key: publishable.key } }, by);
  const productsAdded = await seedDemoProducts(modules.catalog, tenant.id, origin);
  return { tenant, created: true as const, secretKey: secret.key, publishableKey: publishable.key, productsAdded };
}

/** Put the demo products the tenant's catalog lacks; returns their ids. */
async function seedDemoProducts(catalog: CatalogModule, tenantId: string, origin: string): Promise<string[]> {
  const dir = join(projectRoot(), 'web', 'demo');
  const products = JSON.parse(readFileSync(join(dir, 'products.json'), 'utf8')) as DemoProduct[];
  const present = new Set((await catalog.productGarments(tenantId, products.map((p) => p.id))).map((g) => g.product_id));
  const added: string[] = [];
  for (const p of products) {
    if (present.has(p.id)) continue;
    const png = readFileSync(join(dir, 'images', `${p.slug}.png`));
    await catalog.service.putProduct(tenantId, p.id, {
      name: p.name.en,
      image: `data:image/png;base64,${png.toString('base64')}`,
      category: p.category,
      url: `${origin}/demo/${p.slug}`,
      price: { amount: Math.round(p.price * 100), currency: 'EUR' },
      metadata: { demo: true },
    });
    added.push(p.id);
  }
  return added;
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
