/** The operator's single sign-on providers: create, list, change, remove. Client secrets sealed at rest. */
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import { SYSTEM_ACTOR, type AuditContext, type AuditLog } from '../../platform/audit/index.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { TCreateSsoProviderBody, TSsoProvider, TUpdateSsoProviderBody } from '../../../contracts/sso.js';
import * as repo from './repository.js';
import type { SsoProviderRow } from './tables.js';
import type { OidcClients, OidcClientSpec } from './oidc.js';

export const DEFAULT_SCOPES = 'openid email profile';

/** The client secret is bound to its provider's id: a sealed value copied onto another row does not open. */
const secretAad = (id: string) => `sso-provider:${id}`;

export function callbackPath(slug: string) {
  return `/admin/v1/auth/oidc/${slug}/callback`;
}

export function presentProvider(p: SsoProviderRow, linkBase: string): TSsoProvider {
  return {
    id: p.id,
    object: 'sso_provider',
    slug: p.slug,
    name: p.displayName,
    issuer: p.issuer,
    client_id: p.clientId,
    has_client_secret: p.clientSecretSealed !== null,
    scopes: p.scopes,
    tenant_id: p.tenantId,
    allowed_domains: p.allowedDomains,
    active: p.active,
    redirect_uri: `${linkBase}${callbackPath(p.slug)}`,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

function checkScopes(scopes: string) {
  if (!scopes.split(' ').includes('openid')) throw new AppError('VALIDATION_FAILED', 'scopes must include openid.', { extra: { errors: [{ in: 'body', path: '/scopes', message: 'must include openid' }] } });
}

export function createProvidersService(o: { db: Db; clock: Clock; audit: AuditLog; box: () => Promise<SecretBox>; oidc: OidcClients; tenantExists: (id: string) => Promise<boolean> }) {
  const { db, clock } = o;

  async function assertTenant(id: string | null | undefined) {
    if (id && !(await o.tenantExists(id))) throw new AppError('TENANT_NOT_FOUND');
  }

  async function get(id: string): Promise<SsoProviderRow> {
    const p = await repo.findProvider(db, id);
    if (!p) throw new AppError('SSO_PROVIDER_NOT_FOUND');
    return p;
  }

  /** What openid-client needs of a provider: the secret opened. */
  async function clientSpec(p: SsoProviderRow): Promise<OidcClientSpec> {
    const clientSecret = p.clientSecretSealed ? (await o.box()).open(p.clientSecretSealed, secretAad(p.id)) : undefined;
    return { id: p.id, updatedAt: p.updatedAt, issuer: p.issuer, clientId: p.clientId, clientSecret };
  }

  return {
    list: () => repo.listProviders(db),
    get,
    /** The active providers' names for the sign-in page: `{ id: slug, name }`, nothing else. */
    publicList: async () => (await repo.listActiveProviderNames(db)).map((p) => ({ id: p.slug, name: p.displayName })),
    /** An active provider by its slug (sign-in URLs), or SSO_PROVIDER_NOT_FOUND. */
    async bySlug(slug: string): Promise<SsoProviderRow> {
      const p = await repo.findProviderBySlug(db, slug);
      if (!p || !p.active) throw new AppError('SSO_PROVIDER_NOT_FOUND');
      return p;
    },
    clientSpec,

    async create(body: TCreateSsoProviderBody, by: AuditContext = SYSTEM_ACTOR): Promise<SsoProviderRow> {
      const scopes = body.scopes ?? DEFAULT_SCOPES;
      checkScopes(scopes);
      await assertTenant(body.tenant_id);
      if (await repo.findProviderBySlug(db, body.slug)) throw new AppError('SSO_PROVIDER_EXISTS', `A provider with slug ${body.slug} already exists.`);
      // The issuer must answer discovery now: a typo shows here, not at someone's first sign-in.
      await o.oidc.probe({ issuer: body.issuer, clientId: body.client_id, clientSecret: body.client_secret });
      const id = newId('identityProvider');
      const now = new Date(clock.now());
      // Sealed before the transaction: the secret box may read its key from the database (PGlite has one connection).
      const clientSecretSealed = body.client_secret ? (await o.box()).seal(body.client_secret, secretAad(id)) : null;
      try {
        return await db.transaction(async (tx) => {
          const row = await repo.insertProvider(tx, {
          id,
          slug: body.slug,
          tenantId: body.tenant_id ?? null,
          displayName: body.name,
          issuer: body.issuer,
          clientId: body.client_id,
          clientSecretSealed,
          scopes,
          allowedDomains: body.allowed_domains ?? [],
          active: body.active ?? true,
          createdAt: now,
          updatedAt: now,
          });
          await o.audit.record(tx, by, { action: 'sso.provider_created', tenantId: row.tenantId, target: { type: 'sso_provider', id: row.id }, details: { slug: row.slug, issuer: row.issuer } });
          return row;
        });
      } catch (e) {
        if (String((e as { code?: string }).code) === '23505') throw new AppError('SSO_PROVIDER_EXISTS', `A provider with slug ${body.slug} already exists.`);
        throw e;
      }
    },

    async update(id: string, body: TUpdateSsoProviderBody, by: AuditContext = SYSTEM_ACTOR): Promise<SsoProviderRow> {
      const p = await get(id);
      if (body.scopes !== undefined) checkScopes(body.scopes);
      await assertTenant(body.tenant_id);
      const issuer = body.issuer ?? p.issuer;
      const clientId = body.client_id ?? p.clientId;
      if (body.issuer !== undefined && body.issuer !== p.issuer) {
        const secret = body.client_secret === undefined ? (await clientSpec(p)).clientSecret : (body.client_secret ?? undefined);
        await o.oidc.probe({ issuer, clientId, clientSecret: secret });
      }
      const sealed = body.client_secret === undefined ? undefined : body.client_secret === null ? null : (await o.box()).seal(body.client_secret, secretAad(id));
      const updated = await db.transaction(async (tx) => {
        const row = await repo.updateProvider(tx, id, {
        ...(body.name !== undefined ? { displayName: body.name } : {}),
        issuer,
        clientId,
        ...(sealed !== undefined ? { clientSecretSealed: sealed } : {}),
        ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
        ...(body.tenant_id !== undefined ? { tenantId: body.tenant_id } : {}),
        ...(body.allowed_domains !== undefined ? { allowedDomains: body.allowed_domains } : {}),
        ...(body.active !== undefined ? { active: body.active } : {}),
        // A new update time is a new key for every node's cached client configuration.
        updatedAt: new Date(Math.max(clock.now(), p.updatedAt.getTime() + 1)),
        });
        // The fields changed, never the secret's value.
        if (row) await o.audit.record(tx, by, { action: 'sso.provider_updated', tenantId: row.tenantId, target: { type: 'sso_provider', id }, details: { fields: Object.keys(body).filter((k) => (body as Record<string, unknown>)[k] !== undefined).sort() } });
        return row;
      });
      if (!updated) throw new AppError('SSO_PROVIDER_NOT_FOUND');
      return updated;
    },

    async remove(id: string, by: AuditContext = SYSTEM_ACTOR): Promise<void> {
      await db.transaction(async (tx) => {
        const p = await repo.findProvider(tx, id);
        if (!p || !(await repo.deleteProvider(tx, id))) throw new AppError('SSO_PROVIDER_NOT_FOUND');
        await o.audit.record(tx, by, { action: 'sso.provider_deleted', tenantId: p.tenantId, target: { type: 'sso_provider', id }, details: { slug: p.slug } });
      });
    },
  };
}

export type ProvidersService = ReturnType<typeof createProvidersService>;
