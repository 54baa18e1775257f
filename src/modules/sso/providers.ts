/** The operator's single sign-on providers: create, list, change, remove. Client secrets sealed at rest. */
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
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

export function createProvidersService(o: { db: Db; clock: Clock; box: () => Promise<SecretBox>; oidc: OidcClients; tenantExists: (id: string) => Promise<boolean> }) {
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

    async create(body: TCreateSsoProviderBody): Promise<SsoProviderRow> {
      const scopes = body.scopes ?? DEFAULT_SCOPES;
      checkScopes(scopes);
      await assertTenant(body.tenant_id);
      if (await repo.findProviderBySlug(db, body.slug)) throw new AppError('SSO_PROVIDER_EXISTS', `A provider with slug ${body.slug} already exists.`);
      // The issuer must answer discovery now: a typo shows here, not at someone's first sign-in.
      await o.oidc.probe({ issuer: body.issuer, clientId: body.client_id, clientSecret: body.client_secret });
      const id = newId('identityProvider');
      const now = new Date(clock.now());
      try {
        return await repo.insertProvider(db, {
          id,
          slug: body.slug,
          tenantId: body.tenant_id ?? null,
          displayName: body.name,
          issuer: body.issuer,
          clientId: body.client_id,
          clientSecretSealed: body.client_secret ? (await o.box()).seal(body.client_secret, secretAad(id)) : null,
          scopes,
          allowedDomains: body.allowed_domains ?? [],
          active: body.active ?? true,
          createdAt: now,
          updatedAt: now,
        });
      } catch (e) {
        if (String((e as { code?: string }).code) === '23505') throw new AppError('SSO_PROVIDER_EXISTS', `A provider with slug ${body.slug} already exists.`);
        throw e;
      }
    },

    async update(id: string, body: TUpdateSsoProviderBody): Promise<SsoProviderRow> {
      const p = await get(id);
      if (body.scopes !== undefined) checkScopes(body.scopes);
      await assertTenant(body.tenant_id);
      const issuer = body.issuer ?? p.issuer;
      const clientId = body.client_id ?? p.clientId;
      if (body.issuer !== undefined && body.issuer !== p.issuer) {
        const secret = body.client_secret === undefined ? (await clientSpec(p)).clientSecret : (body.client_secret ?? undefined);
        await o.oidc.probe({ issuer, clientId, clientSecret: secret });
      }
      const updated = await repo.updateProvider(db, id, {
        ...(body.name !== undefined ? { displayName: body.name } : {}),
        issuer,
        clientId,
        ...(body.client_secret !== undefined ? { clientSecretSealed: body.client_secret === null ? null : (await o.box()).seal(body.client_secret, secretAad(id)) } : {}),
        ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
        ...(body.tenant_id !== undefined ? { tenantId: body.tenant_id } : {}),
        ...(body.allowed_domains !== undefined ? { allowedDomains: body.allowed_domains } : {}),
        ...(body.active !== undefined ? { active: body.active } : {}),
        // A new update time is a new key for every node's cached client configuration.
        updatedAt: new Date(Math.max(clock.now(), p.updatedAt.getTime() + 1)),
      });
      if (!updated) throw new AppError('SSO_PROVIDER_NOT_FOUND');
      return updated;
    },

    async remove(id: string): Promise<void> {
      if (!(await repo.deleteProvider(db, id))) throw new AppError('SSO_PROVIDER_NOT_FOUND');
    },
  };
}

export type ProvidersService = ReturnType<typeof createProvidersService>;
