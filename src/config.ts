/**
 * The only reader of process.env. One schema, parsed once, frozen.
 * Drivers are chosen here: DATABASE_URL -> PostgreSQL (else PGlite in the data directory),
 * REDIS_URL -> Redis for cache, rate limits, pub/sub and jobs (else in memory / in process).
 */
import { resolve } from 'node:path';
import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { parseSecretsKeys } from './platform/crypto/secret-box.js';

const Env = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  NODE_ENV: Type.Optional(Type.String()),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  /** `auto`: human-readable lines when stdout is a terminal, JSON otherwise; `true`/`false` force it. */
  LOG_PRETTY: Type.Union([Type.Literal('auto'), Type.Boolean()], { default: 'auto' }),
  PROBADOR_DATA_DIR: Type.String({ default: './data' }),
  /** Error tracking (Sentry or a compatible service such as GlitchTip): unhandled errors, 5xx answers and jobs failed for good. Off when unset. */
  SENTRY_DSN: Type.Optional(Type.String({ pattern: '^https?://[^@/\\s]+@[^/\\s]+/.+' })),
  /** Tracing: OpenTelemetry spans exported over OTLP/HTTP to this collector (`<endpoint>/v1/traces`). Off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  OTEL_SERVICE_NAME: Type.String({ minLength: 1, maxLength: 100, default: 'probador' }),
  /** Share of new traces kept (a trace started elsewhere keeps its caller's decision). */
  PROBADOR_TRACE_SAMPLE_RATIO: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
  /** The environment reported with errors (default: production or development, from NODE_ENV). */
  SENTRY_ENVIRONMENT: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** Read by the CLI's client commands (`probador tryon`), not by the server: the API key and the server's URL. */
  PROBADOR_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  PROBADOR_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  /** Embedded database: PostgreSQL's buffer pool (shared_buffers) in MB; resident once touched. */
  PROBADOR_PGLITE_SHARED_BUFFERS_MB: Type.Integer({ minimum: 1, maximum: 1024, default: 16 }),
  /** Scheduled backups (`probador backup` by the worker's maintenance loop): every `30m`, `24h`, `7d` …; off when unset. */
  PROBADOR_BACKUP_INTERVAL: Type.Optional(Type.String({ pattern: '^\\s*\\d{1,6}(m|h|d)\\s*$' })),
  /** Where scheduled backups go (default <data dir>/backups). */
  PROBADOR_BACKUP_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Scheduled backups kept (the oldest beyond this are removed after each success). */
  PROBADOR_BACKUP_KEEP: Type.Integer({ minimum: 1, maximum: 10_000, default: 7 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  REDIS_PREFIX: Type.String({ default: 'probador:' }),
  PROBADOR_ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  /** Mail (password resets): an SMTP server, e.g. smtps://user:pass@smtp.example.com:465; unset: the local outbox (GET /admin/v1/outbox). */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  /** The From of mail sent through SMTP_URL. */
  MAIL_FROM: Type.String({ minLength: 3, default: 'Probador <no-reply@probador.local>' }),
  PROBADOR_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10 })),
  PROBADOR_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** The whole request (headers and body) must arrive within this, or 408 and the connection is closed. */
  PROBADOR_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 120_000 }),
  /** A body may stall (no byte received) for at most this, or 408 and the connection is closed. */
  PROBADOR_BODY_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 20_000 }),
  PROBADOR_TRUST_PROXY: Type.Boolean({ default: false }),
  PROBADOR_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000 }),
  PROBADOR_ACCESS_TOKEN_TTL_S: Type.Integer({ minimum: 30, default: 900 }),
  PROBADOR_REFRESH_TOKEN_TTL_S: Type.Integer({ minimum: 60, default: 30 * 24 * 3600 }),
  PROBADOR_KEY_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 30_000 }),
  PROBADOR_SEED_DEMO: Type.Boolean({ default: true }),
  /** The audit trail (sign-ins, keys, tenant changes, exports, erasures) is kept this many days, then purged by maintenance. */
  PROBADOR_AUDIT_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 36_500, default: 365 }),
  /** /metrics also carries nodejs_gc_duration_seconds (a 'gc' PerformanceObserver: it costs old-generation space per GC, see platform/observability/metrics.ts). */
  PROBADOR_METRICS_GC: Type.Boolean({ default: false }),
  // Images and remote fetches
  PROBADOR_IMAGE_MAX_SIDE: Type.Integer({ minimum: 256, maximum: 8192, default: 1536 }),
  PROBADOR_IMAGE_MAX_PIXELS: Type.Integer({ minimum: 1_000_000, default: 50_000_000 }),
  PROBADOR_UPLOAD_MAX_BYTES: Type.Integer({ minimum: 10_000, default: 15 * 1024 * 1024 }),
  PROBADOR_FETCH_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /**
   * Comma-separated host:port that may be private addresses and plain http, for photo URLs and
   * webhook endpoints (an operator's internal receiver, or a local test server). Everything else:
   * https to a public address.
   */
  PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: Type.Optional(Type.String()),
  // Try-on pipeline
  PROBADOR_PROVIDER_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 90_000 }),
  PROBADOR_PROVIDER_RETRIES: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
  PROBADOR_LATENCY_BUDGET_MS: Type.Integer({ minimum: 0, default: 15_000 }),
  PROBADOR_RESULT_URL_TTL_S: Type.Integer({ minimum: 10, maximum: 7 * 24 * 3600, default: 900 }),
  PROBADOR_TRYON_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
  /** Worker memory for input photos read by recent jobs (0: off). */
  PROBADOR_TRYON_INPUT_CACHE_MB: Type.Integer({ minimum: 0, maximum: 4096, default: 64 }),
  /** BullMQ: how long a job's lock lives without renewal; a killed worker's job is retried after about this. */
  PROBADOR_JOB_LOCK_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
  // Perception (modules/perception): worker threads running face/body models; 0 turns the models off.
  PROBADOR_PERCEPTION_THREADS: Type.Integer({ minimum: 0, maximum: 16, default: 1 }),
  PROBADOR_PERCEPTION_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 120_000, default: 20_000 }),
  /**
   * When the models load: `startup`, or `first-use` (an API-only node saves ~100 MB per thread until
   * a photo is checked). `auto`: at start-up, except for `--role api`.
   */
  PROBADOR_PERCEPTION_LOAD: Type.Union(['auto', 'startup', 'first-use'].map((l) => Type.Literal(l)), { default: 'auto' }),
  /** Seconds without a photo after which the models are released (0 = kept for good). */
  PROBADOR_PERCEPTION_IDLE_S: Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600, default: 0 }),
  /** Worker threads for the local try-on engine's pixel work (0 = on the job's own thread). */
  PROBADOR_LOCAL_ENGINE_THREADS: Type.Integer({ minimum: 0, maximum: 16, default: 1 }),
  /** Photo pre-check strictness for tenants that did not choose one (settings.precheck.strictness). */
  PROBADOR_PRECHECK_DEFAULT: Type.Union(['off', 'lenient', 'standard', 'strict'].map((l) => Type.Literal(l)), { default: 'standard' }),
  /** A person whose estimated age is below this is refused for generation (likely a minor). */
  PROBADOR_PRECHECK_MIN_AGE: Type.Integer({ minimum: 0, maximum: 30, default: 18 }),
  // Providers: a key enables the provider; the base URL lets a proxy or gateway sit in front.
  FAL_KEY: Type.Optional(Type.String({ minLength: 1 })),
  FAL_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://queue.fal.run' }),
  REPLICATE_API_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  REPLICATE_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://api.replicate.com' }),
  FASHN_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  FASHN_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://api.fashn.ai' }),
  GEMINI_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  GEMINI_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://generativelanguage.googleapis.com' }),
  /** Default provider order, comma-separated (local is always last). */
  PROBADOR_PROVIDER_ORDER: Type.String({ default: 'fal,fashn,replicate,gemini' }),
  // Image generation (modules/generation): the same GEMINI_API_KEY / FAL_KEY; there is no local engine.
  /** Provider order for generations, comma-separated, of gemini and fal (those without a key are skipped). */
  PROBADOR_GENERATION_PROVIDER_ORDER: Type.String({ pattern: '^\\s*(gemini|fal)\\s*(,\\s*(gemini|fal)\\s*)*$', default: 'gemini,fal' }),
  /** The Gemini model a generation uses when the request names none. */
  PROBADOR_GENERATION_GEMINI_MODEL: Type.String({ pattern: '^gemini-[a-z0-9.-]{1,60}$', default: 'gemini-2.5-flash-image' }),
  /** The fal model a generation uses when the request names none (see modules/generation/providers/fal.ts). */
  PROBADOR_GENERATION_FAL_MODEL: Type.Union(['fal-ai/nano-banana', 'fal-ai/flux/dev'].map((m) => Type.Literal(m)), { default: 'fal-ai/nano-banana' }),
  PROBADOR_GENERATION_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 4 }),
  /** How long the older API's POST /generate waits for the image before answering 202 with the id (0 = never waits). */
  PROBADOR_GENERATION_COMPAT_WAIT_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 60_000 }),
  // Style (modules/style): the Gemini analyser uses GEMINI_API_KEY / GEMINI_BASE_URL.
  /** The Gemini model a style analysis asks (structured output; see modules/style/providers/gemini.ts for prices). */
  PROBADOR_STYLE_GEMINI_MODEL: Type.String({ pattern: '^gemini-[a-z0-9.-]{1,60}$', default: 'gemini-2.5-flash' }),
  /**
   * The older Style API's paths (/api/v1/facial-analysis/analyze …, modules/style/compat): the tenant a
   * request without an API key acts for, so the older React frontend works by changing only its base
   * URL. Unset (the default): those paths need a key like the rest of the API.
   */
  PROBADOR_STYLE_COMPAT_DEFAULT_TENANT: Type.Optional(Type.String({ pattern: '^ten_[0-9A-Za-z]{1,64}$' })),
  /** JSON (and text) answers of at least this many bytes are compressed, brotli or gzip as the client accepts; 0 turns compression off. */
  PROBADOR_COMPRESS_MIN_BYTES: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 1024 }),
  /**
   * Channel credentials at rest (AES-256-GCM): base64 of 32 bytes (`openssl rand -base64 32`); older
   * keys may follow, comma-separated, to open values sealed before a rotation. Unset: a key kept in
   * the database (embedded default; a warning in production).
   */
  PROBADOR_SECRETS_KEY: Type.Optional(Type.String({ minLength: 40 })),
  // Conversational commerce (modules/commerce): per-number send limits, as the providers set them.
  /** Meta Cloud API: messages per second per business number (80 by default, more on higher tiers). */
  PROBADOR_WA_META_MPS: Type.Integer({ minimum: 1, maximum: 1000, default: 80 }),
  /** Messages to one recipient from one number per minute (Meta's pair rate: about one per 6 s on average, bursts allowed). */
  PROBADOR_WA_PAIR_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 600, default: 10 }),
  /** Twilio: messages per second per sender (10 MPS for WhatsApp senders by default). */
  PROBADOR_WA_TWILIO_MPS: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  /**
   * A send whose provider answer was lost (the worker died mid-request): how long its re-run waits
   * for the provider's status webhook, which names our message id (Meta, Twilio), before sending again.
   */
  PROBADOR_WA_SEND_RECONCILE_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 30_000 }),
  // Blob storage: the local folder ($PROBADOR_DATA_DIR/blobs) or an S3-compatible bucket (S3, R2, MinIO).
  STORAGE_DRIVER: Type.Union([Type.Literal('fs'), Type.Literal('s3')], { default: 'fs' }),
  S3_BUCKET: Type.Optional(Type.String({ minLength: 3, maxLength: 63 })),
  /** `auto` for Cloudflare R2; any value for MinIO. */
  S3_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  /** Leave unset for AWS; e.g. http://minio:9000 or https://<account>.r2.cloudflarestorage.com. */
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** true for MinIO and most self-hosted stores (`/<bucket>/<key>` URLs). */
  S3_FORCE_PATH_STYLE: Type.Boolean({ default: false }),
  /** Both or neither; neither = the AWS default chain (AWS_* env, profile, IAM role). */
  S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** Every key is stored under this prefix, e.g. `probador/` (several installs, one bucket). */
  S3_PREFIX: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*/?$' })),
});

type EnvShape = Static<typeof Env>;

export type Role = 'all' | 'api' | 'worker';

export type Config = Readonly<{
  port: number;
  host: string;
  publicUrl: string | undefined;
  /** NODE_ENV=production. */
  production: boolean;
  logLevel: EnvShape['LOG_LEVEL'];
  logPretty: boolean | 'auto';
  /** Error tracking: off when `dsn` is undefined. */
  sentry: { dsn: string | undefined; environment: string };
  /** Tracing: off when `endpoint` is undefined. */
  tracing: { endpoint: string | undefined; serviceName: string; sampleRatio: number };
  dataDir: string;
  database: { driver: 'pglite'; dataDir: string; sharedBuffersMb: number } | { driver: 'postgres'; url: string; poolMax: number };
  /** Scheduled backups: off when `intervalMs` is undefined. */
  backup: { intervalMs: number | undefined; dir: string; keep: number };
  redis: { url: string; prefix: string } | undefined;
  admin: { email: string; password: string } | undefined;
  bodyLimit: number;
  /** Slow clients (platform/http/timeouts.ts). */
  timeouts: { requestTimeoutMs: number; bodyTimeoutMs: number };
  trustProxy: boolean;
  maxEventLoopDelayMs: number;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  /** SMTP_URL unset: the local outbox. */
  mail: { smtpUrl: string | undefined; from: string };
  keyCacheTtlMs: number;
  seedDemo: boolean;
  /** The audit trail's retention (platform/audit). */
  audit: { retentionDays: number };
  metricsGc: boolean;
  images: { maxSide: number; maxPixels: number; maxBytes: number };
  fetch: { timeoutMs: number; allowPrivateHosts: string[] };
  tryon: { providerTimeoutMs: number; retries: number; latencyBudgetMs: number; resultUrlTtlS: number; concurrency: number; providerOrder: string[]; inputCacheBytes: number };
  generation: { providerOrder: ('gemini' | 'fal')[]; geminiModel: string; falModel: string; concurrency: number; compatWaitMs: number };
  style: { geminiModel: string; compatDefaultTenant: string | undefined };
  /** Minimum size of a compressed answer (bytes); 0 = no compression. */
  compressMinBytes: number;
  jobs: { lockMs: number };
  /** PROBADOR_SECRETS_KEY parsed: the first seals, all open; undefined = a key kept in the database. */
  secretsKeys: Buffer[] | undefined;
  commerce: { metaMps: number; pairPerMinute: number; twilioMps: number; reconcileMs: number };
  perception: { threads: number; timeoutMs: number; load: 'auto' | 'startup' | 'first-use'; idleSeconds: number; precheckDefault: 'off' | 'lenient' | 'standard' | 'strict'; minAge: number; localEngineThreads: number };
  storage:
    | { driver: 'fs'; dir: string }
    | {
        driver: 's3';
        bucket: string;
        region: string;
        endpoint: string | undefined;
        forcePathStyle: boolean;
        accessKeyId: string | undefined;
        secretAccessKey: string | undefined;
        prefix: string | undefined;
      };
  providers: {
    fal?: { apiKey: string; baseUrl: string };
    replicate?: { apiKey: string; baseUrl: string };
    fashn?: { apiKey: string; baseUrl: string };
    gemini?: { apiKey: string; baseUrl: string };
  };
}>;

/**
 * PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: comma-separated `host:port` entries (an IPv6 host in
 * brackets), compared with a URL's host as the URL parser writes it (lower case) and its port
 * (always written). A malformed entry fails at start instead of silently matching nothing.
 */
function parseAllowedHosts(value: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of (value ?? '').split(',').map((h) => h.trim()).filter(Boolean)) {
    let u: URL | undefined;
    try {
      u = /^[^\s/?#@]+:\d{1,5}$/.test(raw) ? new URL(`http://${raw}`) : undefined;
    } catch {
      u = undefined;
    }
    const port = Number(raw.slice(raw.lastIndexOf(':') + 1));
    if (!u || !(port >= 1 && port <= 65535)) {
      throw new ConfigError(`PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: "${raw}" is not host:port (e.g. 127.0.0.1:8080, hooks.internal:443, [::1]:9000)`);
    }
    out.push(`${u.hostname}:${port}`);
  }
  return out;
}

/** `30m`, `24h`, `7d` → milliseconds (at least a minute); undefined for anything else. */
export function parseInterval(text: string): number | undefined {
  const m = /^(\d{1,6})(m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
  return ms >= 60_000 ? ms : undefined;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/**
 * Links (signed file URLs) start with PUBLIC_URL, or else the listen address (never a request's
 * Host). In production — NODE_ENV=production, or listening beyond loopback — that address is
 * rarely what a shopper's browser can reach: the start-up log says so.
 */
export function publicUrlWarning(c: Pick<Config, 'publicUrl' | 'production' | 'host' | 'port'>): string | undefined {
  if (c.publicUrl) return undefined;
  if (!c.production && LOOPBACK.test(c.host)) return undefined;
  return `PUBLIC_URL is not set: links to photos and results will start with the listen address (http://${c.host}:${c.port}), which browsers outside this machine may not reach; set PUBLIC_URL to the address clients use (e.g. https://tryon.example.com)`;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

/** Why a value does not fit its setting's schema; never echoes the value except for a choice of words. */
function explain(schema: TSchema, value: unknown): string {
  const choices = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (choices?.every((c) => 'const' in c)) return `must be one of ${choices.map((c) => String(c.const)).join(', ')}, got "${String(value)}"`;
  return Value.Errors(schema, value)[0]?.message ?? 'is not valid';
}

/** Parse an environment (process.env by default). Unknown PROBADOR_* names fail, so typos are caught. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = new Set(Object.keys(Env.properties));
  const typos = Object.keys(env).filter((k) => k.startsWith('PROBADOR_') && !known.has(k));
  if (typos.length > 0) throw new ConfigError(`Unknown setting(s): ${typos.join(', ')}. Known PROBADOR_* settings: ${[...known].filter((k) => k.startsWith('PROBADOR_')).join(', ')}`);

  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    const schema = (Env.properties as Record<string, { type?: string }>)[key];
    if (key === 'LOG_PRETTY' && value.toLowerCase() === 'auto') {
      raw[key] = 'auto';
    } else if (schema?.type === 'boolean' || key === 'LOG_PRETTY') {
      const b = BOOLEAN_WORDS[value.toLowerCase()];
      if (b === undefined) throw new ConfigError(`${key} must be ${key === 'LOG_PRETTY' ? 'auto, true' : 'true'} or false, got "${value}"`);
      raw[key] = b;
    } else if (schema?.type === 'integer') {
      if (!/^-?\d+$/.test(value)) throw new ConfigError(`${key} must be a whole number, got "${value}"`);
      raw[key] = Number(value);
    } else raw[key] = value;
  }
  const withDefaults = Value.Default(Env, raw);
  // One line per bad setting, all at once (whole-object errors were capped, and a union of
  // literals gave one "must be equal to constant" per member).
  const lines: string[] = [];
  for (const [key, schema] of Object.entries(Env.properties)) {
    const value = (withDefaults as Record<string, unknown>)[key];
    if (value !== undefined && !Value.Check(schema, value)) lines.push(`${key}: ${explain(schema, value)}`);
  }
  if (lines.length === 0 && !Value.Check(Env, withDefaults)) lines.push(...Value.Errors(Env, withDefaults).map((e) => `${e.instancePath.replace(/^\//, '') || '(env)'}: ${e.message}`));
  if (lines.length > 0) throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  const e = withDefaults as EnvShape;
  if ((e.PROBADOR_ADMIN_EMAIL === undefined) !== (e.PROBADOR_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('PROBADOR_ADMIN_EMAIL and PROBADOR_ADMIN_PASSWORD go together: set both or neither');
  }
  if (e.STORAGE_DRIVER === 's3' && !e.S3_BUCKET) {
    throw new ConfigError('STORAGE_DRIVER=s3 needs S3_BUCKET (and S3_ENDPOINT for R2 or MinIO, S3_FORCE_PATH_STYLE=true for MinIO)');
  }
  if (e.STORAGE_DRIVER === 'fs' && e.S3_BUCKET) {
    throw new ConfigError('S3_BUCKET is set but STORAGE_DRIVER is fs: set STORAGE_DRIVER=s3 to store blobs in the bucket, or unset S3_BUCKET');
  }
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS default credential chain');
  }
  const allowPrivateHosts = parseAllowedHosts(e.PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS);
  let secretsKeys: Buffer[] | undefined;
  try {
    secretsKeys = e.PROBADOR_SECRETS_KEY ? parseSecretsKeys(e.PROBADOR_SECRETS_KEY) : undefined;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const dataDir = resolve(e.PROBADOR_DATA_DIR);
  const backupIntervalMs = e.PROBADOR_BACKUP_INTERVAL === undefined ? undefined : parseInterval(e.PROBADOR_BACKUP_INTERVAL);
  if (e.PROBADOR_BACKUP_INTERVAL !== undefined && backupIntervalMs === undefined) {
    throw new ConfigError(`PROBADOR_BACKUP_INTERVAL must be a number of minutes, hours or days, at least a minute (e.g. 30m, 24h, 7d); got "${e.PROBADOR_BACKUP_INTERVAL}"`);
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME, sampleRatio: e.PROBADOR_TRACE_SAMPLE_RATIO },
    sentry: { dsn: e.SENTRY_DSN, environment: e.SENTRY_ENVIRONMENT ?? (e.NODE_ENV === 'production' ? 'production' : 'development') },
    dataDir,
    database: e.DATABASE_URL
      ? { driver: 'postgres' as const, url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX }
      : { driver: 'pglite' as const, dataDir: resolve(dataDir, 'pg'), sharedBuffersMb: e.PROBADOR_PGLITE_SHARED_BUFFERS_MB },
    backup: { intervalMs: backupIntervalMs, dir: resolve(dataDir, e.PROBADOR_BACKUP_DIR ?? 'backups'), keep: e.PROBADOR_BACKUP_KEEP },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    admin: e.PROBADOR_ADMIN_EMAIL && e.PROBADOR_ADMIN_PASSWORD ? { email: e.PROBADOR_ADMIN_EMAIL, password: e.PROBADOR_ADMIN_PASSWORD } : undefined,
    bodyLimit: e.PROBADOR_BODY_LIMIT,
    timeouts: { requestTimeoutMs: e.PROBADOR_REQUEST_TIMEOUT_MS, bodyTimeoutMs: e.PROBADOR_BODY_TIMEOUT_MS },
    trustProxy: e.PROBADOR_TRUST_PROXY,
    maxEventLoopDelayMs: e.PROBADOR_MAX_EVENT_LOOP_DELAY_MS,
    accessTokenTtlS: e.PROBADOR_ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: e.PROBADOR_REFRESH_TOKEN_TTL_S,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    keyCacheTtlMs: e.PROBADOR_KEY_CACHE_TTL_MS,
    seedDemo: e.PROBADOR_SEED_DEMO,
    audit: { retentionDays: e.PROBADOR_AUDIT_RETENTION_DAYS },
    metricsGc: e.PROBADOR_METRICS_GC,
    images: { maxSide: e.PROBADOR_IMAGE_MAX_SIDE, maxPixels: e.PROBADOR_IMAGE_MAX_PIXELS, maxBytes: e.PROBADOR_UPLOAD_MAX_BYTES },
    fetch: {
      timeoutMs: e.PROBADOR_FETCH_TIMEOUT_MS,
      allowPrivateHosts,
    },
    tryon: {
      providerTimeoutMs: e.PROBADOR_PROVIDER_TIMEOUT_MS,
      retries: e.PROBADOR_PROVIDER_RETRIES,
      latencyBudgetMs: e.PROBADOR_LATENCY_BUDGET_MS,
      resultUrlTtlS: e.PROBADOR_RESULT_URL_TTL_S,
      concurrency: e.PROBADOR_TRYON_CONCURRENCY,
      inputCacheBytes: e.PROBADOR_TRYON_INPUT_CACHE_MB * 1024 * 1024,
      providerOrder: e.PROBADOR_PROVIDER_ORDER.split(',').map((p) => p.trim()).filter(Boolean),
    },
    generation: {
      providerOrder: [...new Set(e.PROBADOR_GENERATION_PROVIDER_ORDER.split(',').map((p) => p.trim()))] as ('gemini' | 'fal')[],
      geminiModel: e.PROBADOR_GENERATION_GEMINI_MODEL,
      falModel: e.PROBADOR_GENERATION_FAL_MODEL,
      concurrency: e.PROBADOR_GENERATION_CONCURRENCY,
      compatWaitMs: e.PROBADOR_GENERATION_COMPAT_WAIT_MS,
    },
    style: { geminiModel: e.PROBADOR_STYLE_GEMINI_MODEL, compatDefaultTenant: e.PROBADOR_STYLE_COMPAT_DEFAULT_TENANT },
    compressMinBytes: e.PROBADOR_COMPRESS_MIN_BYTES,
    storage:
      e.STORAGE_DRIVER === 's3' && e.S3_BUCKET
        ? {
            driver: 's3' as const,
            bucket: e.S3_BUCKET,
            region: e.S3_REGION,
            endpoint: e.S3_ENDPOINT?.replace(/\/$/, ''),
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            prefix: e.S3_PREFIX,
          }
        : { driver: 'fs' as const, dir: resolve(dataDir, 'blobs') },
    jobs: { lockMs: e.PROBADOR_JOB_LOCK_MS },
    secretsKeys,
    commerce: { metaMps: e.PROBADOR_WA_META_MPS, pairPerMinute: e.PROBADOR_WA_PAIR_PER_MINUTE, twilioMps: e.PROBADOR_WA_TWILIO_MPS, reconcileMs: e.PROBADOR_WA_SEND_RECONCILE_MS },
    perception: {
      threads: e.PROBADOR_PERCEPTION_THREADS,
      timeoutMs: e.PROBADOR_PERCEPTION_TIMEOUT_MS,
      load: e.PROBADOR_PERCEPTION_LOAD as 'auto' | 'startup' | 'first-use',
      idleSeconds: e.PROBADOR_PERCEPTION_IDLE_S,
      precheckDefault: e.PROBADOR_PRECHECK_DEFAULT as 'off' | 'lenient' | 'standard' | 'strict',
      minAge: e.PROBADOR_PRECHECK_MIN_AGE,
      localEngineThreads: e.PROBADOR_LOCAL_ENGINE_THREADS,
    },
    providers: {
      ...(e.FAL_KEY ? { fal: { apiKey: e.FAL_KEY, baseUrl: e.FAL_BASE_URL } } : {}),
      ...(e.REPLICATE_API_TOKEN ? { replicate: { apiKey: e.REPLICATE_API_TOKEN, baseUrl: e.REPLICATE_BASE_URL } } : {}),
      ...(e.FASHN_API_KEY ? { fashn: { apiKey: e.FASHN_API_KEY, baseUrl: e.FASHN_BASE_URL } } : {}),
      ...(e.GEMINI_API_KEY ? { gemini: { apiKey: e.GEMINI_API_KEY, baseUrl: e.GEMINI_BASE_URL } } : {}),
    },
  });
}
