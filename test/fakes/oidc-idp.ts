/**
 * A REAL OpenID Provider for the single sign-on tests: `oidc-provider` (the certified Node
 * implementation) on 127.0.0.1, with its own development login and consent pages, one confidential
 * client, and a small account store (the login name is the account id; any password).
 *
 * `signInThrough` drives those pages over HTTP like a browser would (a cookie jar for the
 * provider's own cookies, following its redirects, submitting its forms) and stops at our redirect
 * URI, returning the query the provider sent back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export type IdpAccount = { email: string; email_verified: boolean; name?: string };

export type FakeIdp = {
  issuer: string;
  /** host:port, for PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS. */
  host: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, IdpAccount>;
  /** Log in as `accountId` from the authorization URL our start endpoint redirected to; returns the callback URL the provider redirected to. */
  signInThrough: (authorizationUrl: string, accountId: string) => Promise<URL>;
  close: () => Promise<void>;
};

export async function startIdp(opts: { redirectUris: string[]; accounts: Record<string, IdpAccount> }): Promise<FakeIdp> {
  const accounts = new Map(Object.entries(opts.accounts));
  const clientId = 'probador-dashboard';
  const clientSecret = 'a-client-secret-of-the-test-idp-0123456789';
  let handler: http.RequestListener = (_req, res) => void res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `http://${host}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: opts.redirectUris, grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx, id) => {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: a.email, email_verified: a.email_verified, ...(a.name ? { name: a.name } : {}) }) };
    },
    cookies: { keys: ['test-idp-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  // Quiet: the provider's own warnings about development-only features are expected here.
  provider.on('server_error', () => undefined);
  handler = provider.callback() as http.RequestListener;

  async function signInThrough(authorizationUrl: string, accountId: string): Promise<URL> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq);
        const value = pair!.slice(eq + 1);
        if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') jar.delete(name);
        else jar.set(name, value);
      }
    };
    let url = new URL(authorizationUrl);
    let method = 'GET';
    let body: string | undefined;
    for (let hops = 0; hops < 20; hops++) {
      if (url.host !== host) return url; // back at our redirect URI
      const res = await fetch(url, { method, redirect: 'manual', headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(body ? { body } : {}) });
      keep(res);
      method = 'GET';
      body = undefined;
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location')!, url);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`the provider answered ${res.status}: ${html.slice(0, 300)}`);
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!prompt || !action) throw new Error(`no interaction form on ${url.pathname}`);
      url = new URL(action.replace(/&amp;/g, '&'), url);
      method = 'POST';
      body = new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt }).toString();
    }
    throw new Error('too many redirects at the provider');
  }

  return {
    issuer,
    host,
    clientId,
    clientSecret,
    accounts,
    signInThrough,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
