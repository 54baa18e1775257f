/**
 * safeFetch (public https addresses, or the operator's allow-list of private hosts; size and time
 * caps) behind the WHATWG fetch signature: what a library written against `fetch` gets — the
 * channel drivers (a tenant's `base_url` credential cannot reach the server's network) and
 * openid-client (single sign-on: discovery, keys, token and userinfo endpoints).
 */
import { safeFetch } from './safe-fetch.js';
import type { FetchLike } from '../providers/http.js';

/** The methods providers' APIs use (Evolution logs an instance out with DELETE). */
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export function policyFetch(opts: { allowPrivateHosts: readonly string[]; timeoutMs: number; maxBytes: number }): FetchLike {
  return async (input, init = {}) => {
    const url = String(input);
    const headers = new Headers(init.headers);
    let body: string | Buffer | undefined;
    if (typeof init.body === 'string') body = init.body;
    else if (Buffer.isBuffer(init.body)) body = init.body;
    else if (init.body instanceof Uint8Array) body = Buffer.from(init.body);
    else if (init.body != null) {
      // FormData, URLSearchParams, Blob…: let the platform's Request encode it (and give its content type).
      const r = new Request('http://encode.invalid/', { method: 'POST', body: init.body });
      body = Buffer.from(await r.arrayBuffer());
      const ct = r.headers.get('content-type');
      if (ct && !headers.has('content-type')) headers.set('content-type', ct);
    }
    const method = (init.method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
    if (!METHODS.has(method)) throw new TypeError(`policyFetch: ${method} is not supported`);
    const res = await safeFetch(url, {
      method: method as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      headers: Object.fromEntries(headers),
      ...(body === undefined ? {} : { body }),
      maxBytes: opts.maxBytes,
      timeoutMs: opts.timeoutMs,
      throwOnStatus: false,
      allowHttp: 'allow-listed',
      allowPrivateHosts: opts.allowPrivateHosts,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
    const empty = res.status === 204 || res.status === 304;
    return new Response(empty ? null : new Uint8Array(res.body), { status: res.status, headers: out });
  };
}
