/** Single sign-on (OpenID Connect): the operator's providers and the dashboard's sign-in hand-off. */
import Type, { type Static } from 'typebox';
import { Timestamp } from './common.js';

export const SSO_SLUG = '^[a-z0-9][a-z0-9-]{0,39}$';
const Domain = Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$', maxLength: 253 });
const Domains = Type.Array(Domain, { maxItems: 50, description: 'Only emails of these domains (lower case) may sign in through the provider; empty: any' });
const Issuer = Type.String({
  pattern: '^https?://[^\\s?#]+$',
  maxLength: 500,
  description: 'The issuer URL, exactly as the provider writes it (its discovery document is `<issuer>/.well-known/openid-configuration`); https, or http for a host on PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS',
});
const Scopes = Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*$', maxLength: 500, description: 'Space-separated scopes; must include `openid` and should include `email` (default `openid email profile`)' });
const TenantRef = Type.Union([Type.String({ pattern: '^ten_[0-9A-Za-z]{1,64}$' }), Type.Null()], { description: "null: for operators and every store's users; a store's id: only that store's users" });

export const SsoProvider = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('sso_provider'),
    slug: Type.String({ description: 'The provider in sign-in URLs: /admin/v1/auth/oidc/<slug>/start' }),
    name: Type.String({ description: 'Shown on the sign-in page ("Sign in with <name>"): public' }),
    issuer: Type.String(),
    client_id: Type.String(),
    has_client_secret: Type.Boolean({ description: 'The secret itself is never shown' }),
    scopes: Type.String(),
    tenant_id: Type.Union([Type.String(), Type.Null()]),
    allowed_domains: Type.Array(Type.String()),
    active: Type.Boolean(),
    redirect_uri: Type.String({ description: 'Register this redirect URI with the identity provider' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'SsoProvider' },
);
export type TSsoProvider = Static<typeof SsoProvider>;

export const CreateSsoProviderBody = Type.Object(
  {
    slug: Type.String({ pattern: SSO_SLUG, description: 'Lower case letters, digits and dashes, e.g. `google`, `acme-okta`' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    issuer: Issuer,
    client_id: Type.String({ minLength: 1, maxLength: 500 }),
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Write-only; sealed at rest. Leave out for a public client (PKCE only)' })),
    scopes: Type.Optional(Scopes),
    tenant_id: Type.Optional(TenantRef),
    allowed_domains: Type.Optional(Domains),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type TCreateSsoProviderBody = Static<typeof CreateSsoProviderBody>;

export const UpdateSsoProviderBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    issuer: Type.Optional(Issuer),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    client_secret: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()], { description: 'null removes it' })),
    scopes: Type.Optional(Scopes),
    tenant_id: Type.Optional(TenantRef),
    allowed_domains: Type.Optional(Domains),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TUpdateSsoProviderBody = Static<typeof UpdateSsoProviderBody>;

/** What the sign-in page may know: names only. */
export const PublicSsoProviders = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Type.Object({ id: Type.String({ description: 'The slug, for /admin/v1/auth/oidc/<id>/start' }), name: Type.String() })),
  has_more: Type.Boolean(),
});

export const SsoExchangeBody = Type.Object(
  { code: Type.String({ minLength: 20, maxLength: 200, description: 'The one-time code from the callback (`#sso_code=` on the dashboard)' }) },
  { additionalProperties: false },
);

export const SsoCallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4096 })),
  state: Type.Optional(Type.String({ maxLength: 512 })),
  iss: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  error_description: Type.Optional(Type.String({ maxLength: 2000 })),
  session_state: Type.Optional(Type.String({ maxLength: 512 })),
  scope: Type.Optional(Type.String({ maxLength: 2000 })),
  authuser: Type.Optional(Type.String({ maxLength: 50 })),
  prompt: Type.Optional(Type.String({ maxLength: 50 })),
  hd: Type.Optional(Type.String({ maxLength: 253 })),
});
