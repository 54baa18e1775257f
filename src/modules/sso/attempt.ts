/**
 * A sign-in attempt between `…/start` and `…/callback`: the provider, state, nonce and PKCE verifier,
 * kept in the browser as one cookie sealed with the secret box (AES-256-GCM: the browser can neither
 * read the verifier nor forge an attempt), HttpOnly, SameSite=Lax (sent on the provider's top-level
 * redirect back, not on cross-site subrequests), scoped to the OIDC paths, 10 minutes. Nothing is
 * stored server-side, so any node can finish an attempt another started.
 */
import type { SecretBox } from '../../platform/crypto/secret-box.js';

export const ATTEMPT_COOKIE = 'probador_sso';
const PATH = '/admin/v1/auth/oidc/';
const AAD = 'sso-attempt';
export const ATTEMPT_TTL_S = 600;

export type Attempt = {
  /** Provider id (`idp_…`). */
  p: string;
  /** state */
  s: string;
  /** nonce */
  n: string;
  /** PKCE code verifier */
  v: string;
  /** Expires at (ms, platform clock). */
  e: number;
};

const attrs = (secure: boolean) => `Path=${PATH}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;

export const attemptCookie = (box: SecretBox, a: Attempt, secure: boolean) => `${ATTEMPT_COOKIE}=${box.sealJson(a, AAD)}; Max-Age=${ATTEMPT_TTL_S}; ${attrs(secure)}`;

export const clearedAttemptCookie = (secure: boolean) => `${ATTEMPT_COOKIE}=; Max-Age=0; ${attrs(secure)}`;

/** The attempt in the request's Cookie header, if it opens and has not expired. */
export function readAttempt(box: SecretBox, cookieHeader: string | undefined, now: number): Attempt | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== ATTEMPT_COOKIE) continue;
    try {
      const a = box.openJson<Attempt>(part.slice(eq + 1).trim(), AAD);
      if (typeof a.e === 'number' && a.e > now && [a.p, a.s, a.n, a.v].every((x) => typeof x === 'string' && x.length > 0)) return a;
    } catch {
      // not ours, tampered with, or sealed with a retired key: no attempt
    }
  }
  return undefined;
}
