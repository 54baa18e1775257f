/**
 * The OpenID Connect client (openid-client v6) for single sign-on. Every request to a provider —
 * discovery, keys, token and userinfo endpoints — goes through the platform's policyFetch: https to
 * public addresses, or http/private only for the operator's PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS, with
 * size and time caps. A provider's discovered configuration (and with it the JWKS it fetched) is
 * kept per node for an hour, keyed by the provider row's id and update time, so an edit applies at once.
 */
import * as client from 'openid-client';
import { AppError, isAppError } from '../../platform/errors.js';
import type { Clock } from '../../platform/clock.js';
import { policyFetch } from '../../platform/net/policy-fetch.js';
import { checkUrl } from '../../platform/net/url-policy.js';

export type OidcClientSpec = { id: string; updatedAt: Date; issuer: string; clientId: string; clientSecret: string | undefined };

const CONFIG_TTL_MS = 3_600_000;
const MAX_CONFIGS = 100;
/** Discovery documents, JWKS and token answers are small; this caps a hostile one. */
const MAX_BYTES = 512 * 1024;

/** Is this failure the provider being unreachable (network, status, timeout, unreadable document) rather than a refused answer? */
function unreachable(e: unknown): AppError | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    if (isAppError(c)) return c;
  }
  const code = (e as { code?: string }).code;
  if (e instanceof client.ClientError && (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_PARSE_ERROR')) {
    return new AppError('FETCH_FAILED', e.message);
  }
  return undefined;
}

/** A provider's refusal or a failed check, as the person's sign-in sees it; unreachable providers are SSO_PROVIDER_UNAVAILABLE. */
export function signInError(e: unknown): AppError {
  if (isAppError(e) && e.code.startsWith('SSO_')) return e;
  const down = unreachable(e);
  if (down) return new AppError('SSO_PROVIDER_UNAVAILABLE', `The identity provider did not answer as expected: ${down.message}`, { cause: e });
  if (e instanceof client.AuthorizationResponseError || e instanceof client.ResponseBodyError) {
    // The provider's own error code (access_denied, invalid_grant …); its description is its text, kept out.
    return new AppError('SSO_FAILED', `The identity provider refused: ${e.error}`, { cause: e });
  }
  if (e instanceof client.ClientError) {
    // openid-client's message is generic ("unexpected JWT claim value encountered"); its cause names the check (e.g. the ID token's "nonce"), never a value.
    const why = e.cause instanceof Error && e.cause.message !== e.message ? ` (${e.cause.message})` : '';
    return new AppError('SSO_FAILED', `The identity provider's answer failed a check: ${e.message}${why}`, { cause: e });
  }
  throw e;
}

export function createOidcClients(opts: { allowPrivateHosts: readonly string[]; timeoutMs: number; clock: Clock }) {
  const fetch = policyFetch({ allowPrivateHosts: opts.allowPrivateHosts, timeoutMs: opts.timeoutMs, maxBytes: MAX_BYTES });
  const configs = new Map<string, { at: number; config: Promise<client.Configuration> }>();

  /** The issuer passes the SSRF policy's syntax checks (https, or an allow-listed http/private host). */
  const checkIssuer = (issuer: string) => checkUrl(issuer, { allowHttp: 'allow-listed', allowPrivateHosts: opts.allowPrivateHosts });

  async function discover(spec: OidcClientSpec, skewS: number): Promise<client.Configuration> {
    const url = checkIssuer(spec.issuer).url;
    const secret = spec.clientSecret;
    // client_secret_basic unless the provider takes only client_secret_post (basic is the default when it says nothing).
    const auth: client.ClientAuth = secret
      ? (as, c, body, headers) => {
          const methods = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
          const basic = methods.includes('client_secret_basic') || !methods.includes('client_secret_post');
          return (basic ? client.ClientSecretBasic(secret) : client.ClientSecretPost(secret))(as, c, body, headers);
        }
      : client.None();
    return client.discovery(url, spec.clientId, { [client.clockSkew]: skewS }, auth, {
      [client.customFetch]: fetch as client.CustomFetch,
      timeout: Math.ceil(opts.timeoutMs / 1000),
      execute: url.protocol === 'http:' ? [client.allowInsecureRequests] : [],
    });
  }

  return {
    checkIssuer,
    /**
     * The provider's configuration: discovered once an hour per node. ID tokens are checked against
     * the platform clock (tests move it): the skew is part of the key, 0 in production.
     */
    async configFor(spec: OidcClientSpec): Promise<client.Configuration> {
      const skewS = Math.round((opts.clock.now() - Date.now()) / 1000);
      const key = `${spec.id}:${spec.updatedAt.getTime()}:${skewS}`;
      const hit = configs.get(key);
      if (hit && opts.clock.now() - hit.at < CONFIG_TTL_MS) return hit.config;
      if (configs.size >= MAX_CONFIGS) configs.delete(configs.keys().next().value!);
      const config = discover(spec, skewS);
      configs.set(key, { at: opts.clock.now(), config });
      config.catch(() => configs.delete(key)); // a failed discovery is tried again next time
      return config;
    },
    /** Discovery only, for an operator saving a provider: SSO_DISCOVERY_FAILED (or URL_NOT_ALLOWED) with the reason. */
    async probe(spec: Omit<OidcClientSpec, 'id' | 'updatedAt'>): Promise<void> {
      checkIssuer(spec.issuer);
      try {
        await discover({ ...spec, id: 'probe', updatedAt: new Date(0) }, 0);
      } catch (e) {
        if (isAppError(e) && e.code === 'URL_NOT_ALLOWED') throw e;
        const down = unreachable(e);
        throw new AppError('SSO_DISCOVERY_FAILED', `${spec.issuer}/.well-known/openid-configuration: ${down ? down.message : (e as Error).message}`, { cause: e });
      }
    },
  };
}

export type OidcClients = ReturnType<typeof createOidcClients>;
export { client };
