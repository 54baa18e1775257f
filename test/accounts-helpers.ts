/** End-user helpers for the accounts tests: register / sign in through the public API with a tenant's key. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { SeededTenant, TestApp } from './harness.js';

export type EndTokens = { access_token: string; refresh_token: string; token_type: 'Bearer'; expires_in: number; refresh_expires_in: number };
export type EndSession = EndTokens & { user: { id: string; email: string; tenant_id: string; name: string | null; language: string; preferences: Record<string, unknown> } };

let seq = 0;
/** A fresh address per call, so per-address limits never spill between tests. */
export const freshIp = () => `10.${(++seq >> 8) & 255}.${seq & 255}.${1 + Math.floor(Math.random() * 250)}`;
export const freshEmail = () => `shopper-${++seq}-${randomBytes(3).toString('hex')}@example.com`;
export const PASSWORD = 'correct horse battery staple';

/** A publishable key used from its store's page, or the secret key from a server. */
export const pkHeaders = (tn: SeededTenant) => ({ authorization: `Bearer ${tn.publishableKey}`, origin: tn.origin });
export const skHeaders = (tn: SeededTenant) => ({ authorization: `Bearer ${tn.secretKey}` });
/** The end user's token alone. */
export const userAuth = (access: string) => ({ authorization: `Bearer ${access}` });
/** A widget: the publishable key plus the user's token. */
export const widgetAuth = (tn: SeededTenant, access: string) => ({ ...pkHeaders(tn), 'probador-user-token': access });

export function accountsClient(t: TestApp) {
  const post = (url: string, payload: unknown, headers: Record<string, string>, remoteAddress = freshIp()) =>
    t.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown>, remoteAddress });
  return {
    post,
    get: (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers }),
    register: (tn: SeededTenant, body: Record<string, unknown>, ip?: string) => post('/v1/auth/register', body, pkHeaders(tn), ip),
    login: (tn: SeededTenant, email: string, password: string, ip?: string) => post('/v1/auth/login', { email, password }, pkHeaders(tn), ip),
    refresh: (tn: SeededTenant, refreshToken: string) => post('/v1/auth/refresh', { refresh_token: refreshToken }, pkHeaders(tn)),
    me: (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/v1/account', headers }),
    /** Register a fresh end user of `tn` and return their session. */
    async newUser(tn: SeededTenant, extra: Record<string, unknown> = {}): Promise<EndSession & { password: string }> {
      const res = await post('/v1/auth/register', { email: freshEmail(), password: PASSWORD, ...extra }, pkHeaders(tn));
      expect(res.statusCode, res.body).toBe(201);
      return { ...(res.json() as EndSession), password: PASSWORD };
    },
  };
}

export type FormPart = { name: string; value: Blob | string; filename?: string };

/** A multipart POST to the app, its body as a browser's FormData sends it. */
export async function injectMultipart(t: TestApp, url: string, headers: Record<string, string>, parts: FormPart[]) {
  const form = new FormData();
  for (const p of parts) {
    if (typeof p.value === 'string') form.append(p.name, p.value);
    else form.append(p.name, p.value, p.filename ?? 'file');
  }
  const req = new Request('http://x/', { method: 'POST', body: form });
  return t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': req.headers.get('content-type')! }, payload: Buffer.from(await req.arrayBuffer()) });
}
