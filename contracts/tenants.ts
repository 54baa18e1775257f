import Type, { type Static } from 'typebox';
import { NullableScalar, NullableTimestamp, StringEnum, Timestamp } from './common.js';

export const Tier = Type.Union([Type.Literal('free'), Type.Literal('basic'), Type.Literal('pro'), Type.Literal('enterprise')]);
export const Retention = Type.Union([Type.Literal('process-only'), Type.Literal('1h'), Type.Literal('24h'), Type.Literal('7d')], {
  description: 'How long shopper photos and results are kept',
});
export const Origin = Type.String({ pattern: '^https?://[^/\\s?#]+$', maxLength: 255, description: 'scheme://host[:port], no path' });

export const TenantLimits = Type.Object(
  {
    requests_per_minute_per_key: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    requests_per_minute_per_tenant: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    monthly_generations: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'null = unlimited' })),
  },
  { additionalProperties: false, description: 'Overrides of the tier defaults' },
);

/** A try-on provider's name (fal, replicate, fashn, gemini, local …). */
const ProviderName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' });
const ProviderList = Type.Array(ProviderName, { minItems: 1, maxItems: 10, description: 'Providers in the order to try them (`local` is always last in line)' });

/** Colours the widget accepts: #rgb, #rrggbb, #rrggbbaa or rgb(r, g, b). */
export const WIDGET_COLOR = '^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$|^rgb\\(\\s*\\d{1,3}\\s*,\\s*\\d{1,3}\\s*,\\s*\\d{1,3}\\s*\\)$';

export const TryonSettingsSchema = Type.Object(
  {
    providers: Type.Optional(ProviderList),
    providers_by_category: Type.Optional(
      Type.Object({ tops: Type.Optional(ProviderList), bottoms: Type.Optional(ProviderList), 'one-pieces': Type.Optional(ProviderList) }, { additionalProperties: false }),
    ),
    latency_budget_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, description: 'Past this the router hedges to the next provider' })),
    cache: Type.Optional(Type.Boolean({ description: 'false: never answer from the result cache' })),
    min_fidelity: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Below this fidelity score a result is set aside and the next provider is tried' })),
  },
  { additionalProperties: false },
);

export const PrecheckSettings = Type.Object(
  { strictness: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('lenient'), Type.Literal('standard'), Type.Literal('strict')])) },
  { additionalProperties: false },
);

export const WidgetSettings = Type.Object(
  {
    primary_color: Type.Optional(Type.String({ pattern: WIDGET_COLOR, maxLength: 40 })),
    text_color: Type.Optional(Type.String({ pattern: WIDGET_COLOR, maxLength: 40 })),
    logo_url: Type.Optional(Type.Union([Type.String({ pattern: '^https://', maxLength: 2000 }), Type.Null()], { description: 'https only' })),
    position: Type.Optional(Type.Union([Type.Literal('bottom-right'), Type.Literal('bottom-left')])),
    language: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('en'), Type.Literal('es')])),
    launcher: Type.Optional(Type.Boolean({ description: 'false: no floating launcher button' })),
  },
  { additionalProperties: false },
);

/**
 * A tenant's `settings`, checked on every write (400 VALIDATION_FAILED naming the field). Every
 * section is closed: a misspelt key is refused rather than silently ignored at try-on time.
 */
export const TenantSettings = Type.Object(
  {
    tryon: Type.Optional(TryonSettingsSchema),
    precheck: Type.Optional(PrecheckSettings),
    widget: Type.Optional(WidgetSettings),
    demo: Type.Optional(Type.Boolean({ description: 'Marks the seeded Demo Store' })),
    demo_publishable_key: Type.Optional(Type.String({ maxLength: 200 })),
    product_analytics: Type.Optional(
      Type.Object(
        {
          posthog: Type.Union(
            [
              Type.Object(
                {
                  project_api_key: Type.String({ pattern: '^phc_[A-Za-z0-9_-]{10,100}$', description: 'The PostHog project API key (write-only, public by design: `phc_…`)' }),
                  host: Type.String({ pattern: '^https?://[^\\s/]+/?$', maxLength: 200, description: 'Your PostHog host, e.g. https://eu.i.posthog.com (https; http only for hosts the operator allow-lists)' }),
                },
                { additionalProperties: false },
              ),
              Type.Null(),
            ],
            { description: 'Forward widget funnel events and try-on outcomes to this PostHog project (the shopper pseudonymised); null turns it off' },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    sso: Type.Optional(
      Type.Object(
        {
          allowed_domains: Type.Optional(
            Type.Array(Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$', maxLength: 253 }), {
              maxItems: 50,
              description: "Single sign-on: only emails of these domains (lower case, e.g. `shop.example`) may sign in to this store through a provider; empty or absent: any domain",
            }),
          ),
          password_login: Type.Optional(
            Type.Boolean({ description: "false: the store's users sign in only through single sign-on (password sign-in answers 403 PASSWORD_LOGIN_DISABLED); operators are never refused" }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    commerce_message_log_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'Days WhatsApp messages are kept (default 30); older ones are deleted, the bot analytics stay' })),
  },
  { additionalProperties: false },
);
export type TTenantSettings = Static<typeof TenantSettings>;

export const Tenant = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('tenant'),
    name: Type.String(),
    website: Type.Union([Type.String(), Type.Null()]),
    tier: Tier,
    active: Type.Boolean(),
    allowed_origins: Type.Array(Type.String()),
    retention: Retention,
    settings: Type.Record(Type.String(), Type.Unknown()),
    limits: TenantLimits,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Tenant' },
);
export type TTenant = Static<typeof Tenant>;

export const CreateTenantBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    website: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
    tier: Type.Optional(Tier),
    allowed_origins: Type.Optional(Type.Array(Origin, { maxItems: 50 })),
    retention: Type.Optional(Retention),
    settings: Type.Optional(TenantSettings),
    limits: Type.Optional(TenantLimits),
  },
  { additionalProperties: false },
);
export type TCreateTenantBody = Static<typeof CreateTenantBody>;

export const UpdateTenantBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    website: Type.Optional(Type.Union([Type.String({ pattern: '^https?://', maxLength: 500 }), Type.Null()])),
    tier: Type.Optional(Tier),
    active: Type.Optional(Type.Boolean()),
    allowed_origins: Type.Optional(Type.Array(Origin, { maxItems: 50 })),
    retention: Type.Optional(Retention),
    settings: Type.Optional(TenantSettings),
    limits: Type.Optional(TenantLimits),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TUpdateTenantBody = Static<typeof UpdateTenantBody>;

export const KeyKind = Type.Union([Type.Literal('secret'), Type.Literal('publishable')]);
export const KeyEnvironment = Type.Union([Type.Literal('live'), Type.Literal('test')]);

export const ApiKey = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('api_key'),
    tenant_id: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    kind: KeyKind,
    environment: KeyEnvironment,
    prefix: Type.String({ description: 'The visible start of the key' }),
    status: Type.Union([Type.Literal('active'), Type.Literal('expiring'), Type.Literal('expired'), Type.Literal('revoked')]),
    expires_at: NullableTimestamp,
    revoked_at: NullableTimestamp,
    last_used_at: NullableTimestamp,
    replaced_by: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
  },
  { $id: 'ApiKey' },
);
export type TApiKey = Static<typeof ApiKey>;

export const ApiKeyWithSecret = Type.Intersect([ApiKey, Type.Object({ key: Type.String({ description: 'The whole key. Shown only once.' }) })]);

export const CreateKeyBody = Type.Object(
  {
    kind: Type.Optional(KeyKind),
    environment: Type.Optional(KeyEnvironment),
    name: Type.Optional(Type.String({ maxLength: 100 })),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type TCreateKeyBody = Static<typeof CreateKeyBody>;

export const RotateKeyBody = Type.Object(
  {
    grace_seconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 30 * 24 * 3600, description: 'How long the old key keeps working (default 86400)' }),
    ),
  },
  { additionalProperties: false },
);

// The /v1/me response is on the hot path: enums and nullable members are written so that
// fast-json-stringify compiles them (no anyOf: see NullableScalar). Same JSON, same meaning.
export const Me = Type.Object({
  object: Type.Literal('me'),
  tenant: Type.Object({ id: Type.String(), name: Type.String(), tier: StringEnum(['free', 'basic', 'pro', 'enterprise']), active: Type.Boolean() }),
  key: Type.Object({
    id: Type.String(),
    kind: StringEnum(['secret', 'publishable']),
    environment: StringEnum(['live', 'test']),
    prefix: Type.String(),
    expires_at: NullableScalar(Timestamp),
  }),
  limits: Type.Object({
    requests_per_minute_per_key: Type.Integer(),
    requests_per_minute_per_tenant: Type.Integer(),
    monthly_generations: NullableScalar(Type.Integer(), { description: 'null = unlimited' }),
  }),
  usage: Type.Object({ period: Type.String(), generations: Type.Integer(), generations_remaining: NullableScalar(Type.Integer()) }),
});
export type TMe = Static<typeof Me>;
