/**
 * SSRF guard and safe fetching against a real local HTTP server on 127.0.0.1. The server is
 * reachable only through the explicit `allowPrivateHosts` allow-list, so redirects away from it
 * are still checked. Host names are resolved by an injected resolver (no internet here).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { safeFetch, type SafeFetchOptions } from './safe-fetch.js';
import { assertPublicUrl, checkUrl, createSafeLookup, type Resolver } from './url-policy.js';

let server: Server;
let port: number;
let base: string;
let connections = 0;
const PAYLOAD = Buffer.from('\x89PNG not really, just bytes', 'latin1');

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const routes: Record<string, Handler> = {
  '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PAYLOAD),
  '/to-ok': (_req, res) => res.writeHead(302, { location: '/ok' }).end(),
  '/to-metadata': (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
  '/to-decimal-loopback': (_req, res) => res.writeHead(301, { location: 'http://2130706433/ok' }).end(),
  '/to-localhost': (_req, res) => res.writeHead(302, { location: `http://localhost:${port}/ok` }).end(),
  '/to-file': (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
  '/to-images-host': (_req, res) => res.writeHead(307, { location: `http://images.test:${port}/echo` }).end(),
  '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
  '/see-other': (_req, res) => res.writeHead(303, { location: '/echo' }).end(),
  '/temporary': (_req, res) => res.writeHead(307, { location: '/echo' }).end(),
  '/echo': (req, res, body) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body, headers: req.headers })),
  '/big': (_req, res) => res.writeHead(200, { 'content-length': String(5_000_000) }).end(Buffer.alloc(5_000_000)),
  '/big-chunked': (_req, res) => {
    res.writeHead(200);
    let sent = 0;
    const pump = () => {
      while (sent < 5_000_000) {
        sent += 64 * 1024;
        if (!res.write(Buffer.alloc(64 * 1024))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  },
  '/slow': () => undefined, // never answers
  '/trickle': (_req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(timer));
  },
  '/missing': (_req, res) => res.writeHead(404).end('secret-looking body that must not leak'),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => (routes[new URL(req.url ?? '/', 'http://x').pathname] ?? routes['/missing']!)(req, res, body));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Test resolver: `images.test` is our local server, everything else is unknown. */
const resolver: Resolver = async (host) => {
  if (host === 'images.test') return [{ address: '127.0.0.1', family: 4 }];
  if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};
const allowed = (): SafeFetchOptions => ({ maxBytes: 1_000_000, timeoutMs: 5_000, resolver, allowPrivateHosts: [`127.0.0.1:${port}`] });

async function errorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected the promise to reject');
}
const codeOf = async (p: Promise<unknown>) => (await errorOf(p)).code;

describe('safeFetch: the SSRF policy', () => {
  it('refuses every spelling of loopback without connecting', async () => {
    const before = connections;
    const urls = [
      `http://127.0.0.1:${port}/ok`, `http://localhost:${port}/ok`, `http://[::1]:${port}/ok`, `http://2130706433:${port}/ok`,
      `http://0x7f000001:${port}/ok`, `http://0177.0.0.1:${port}/ok`, `http://127.1:${port}/ok`, `http://[::ffff:127.0.0.1]:${port}/ok`,
      `http://[::ffff:7f00:1]:${port}/ok`, `http://%31%32%37.0.0.1:${port}/ok`, `http://LOCALHOST.:${port}/ok`,
    ];
    for (const url of urls) {
      expect(await codeOf(safeFetch(url, { maxBytes: 1000, timeoutMs: 2000, resolver: async (h) => (h.startsWith('localhost') ? [{ address: '127.0.0.1', family: 4 }] : resolver(h)) })), url).toBe('URL_NOT_ALLOWED');
    }
    expect(connections).toBe(before);
  });

  it('refuses private, link-local, metadata, CGNAT, unspecified, multicast and embedded-IPv4 literals before any I/O', () => {
    const urls = [
      'http://10.0.0.1/', 'http://172.16.5.4/', 'http://192.168.1.1/', 'http://169.254.169.254/latest/meta-data/', 'http://100.64.0.1/',
      'http://0.0.0.0/', 'http://0/', 'http://224.0.0.1/', 'http://255.255.255.255/', 'http://240.0.0.1/', 'http://[::]/',
      'http://[fc00::1]/', 'http://[fd12:3456::1]/', 'http://[fe80::1]/', 'http://[ff02::1]/', 'http://[::ffff:10.0.0.1]/',
      'http://[::ffff:169.254.169.254]/', 'http://[64:ff9b::a9fe:a9fe]/', 'http://[2002:7f00:1::]/', 'http://[2002:c0a8:101::1]/',
      'http://[::127.0.0.1]/', 'http://[2001::1]/', 'http://012.0.0.1/', 'http://0xa9.0xfe.0xa9.0xfe/',
    ];
    for (const url of urls) expect(() => checkUrl(url), url).toThrowError(expect.objectContaining({ code: 'URL_NOT_ALLOWED' }));
    // Public literals, including NAT64 / 6to4 forms of a public IPv4 address, pass.
    for (const url of ['http://93.184.216.34/', 'https://[2606:4700::1111]/', 'http://[64:ff9b::5db8:d822]/', 'http://[2002:5db8:d822::1]/']) {
      expect(checkUrl(url).isIpLiteral, url).toBe(true);
    }
  });

  it('refuses other schemes, credentials, and http when https is required', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.jpg', 'gopher://example.com:70/_x', 'data:image/png;base64,AAAA', 'javascript:alert(1)', 'ws://example.com/', 'not a url', '//example.com/a.jpg']) {
      expect(await codeOf(safeFetch(url, allowed())), url).toBe('URL_NOT_ALLOWED');
    }
    expect(await codeOf(safeFetch('https://user:pass@example.com/a.jpg', allowed()))).toBe('URL_NOT_ALLOWED');
    expect(await codeOf(safeFetch('http://example.com/a.jpg', { ...allowed(), allowHttp: false }))).toBe('URL_NOT_ALLOWED');
    const e = await errorOf(safeFetch('https://user:hunter2@example.com/', allowed()));
    expect(JSON.stringify({ m: e.message, x: e.extra })).not.toContain('hunter2');
  });

  it('checks what a host name resolves to at connect time (rebinding, mixed answers)', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (++calls === 1 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    await expect(assertPublicUrl('https://rebind.test/hook', { resolver: rebinding })).resolves.toBeInstanceOf(URL);
    expect(await codeOf(safeFetch(`http://rebind.test:${port}/ok`, { maxBytes: 1000, timeoutMs: 2000, resolver: rebinding }))).toBe('URL_NOT_ALLOWED');
    expect(calls).toBe(2);

    const mixed: Resolver = async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.1.2.3', family: 4 }];
    expect(await codeOf(assertPublicUrl('https://mixed.test/', { resolver: mixed }))).toBe('URL_NOT_ALLOWED');
    const mapped: Resolver = async () => [{ address: '::ffff:169.254.169.254', family: 6 }];
    expect(await codeOf(safeFetch('http://mapped.test/', { maxBytes: 1000, timeoutMs: 2000, resolver: mapped }))).toBe('URL_NOT_ALLOWED');
    expect(await codeOf(assertPublicUrl('https://nowhere.test/', { resolver }))).toBe('URL_NOT_ALLOWED');
  });

  it('exposes a lookup for net/http that validates every address and honours options.all', async () => {
    const lookup = createSafeLookup(async () => [{ address: '93.184.216.34', family: 4 }, { address: '2606:4700::1111', family: 6 }]);
    const one = await new Promise((resolve, reject) => lookup('x.test', {}, (err, address, family) => (err ? reject(err) : resolve([address, family]))));
    expect(one).toEqual(['93.184.216.34', 4]);
    const all = await new Promise((resolve, reject) => lookup('x.test', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
    expect(all).toEqual([{ address: '93.184.216.34', family: 4 }, { address: '2606:4700::1111', family: 6 }]);
    const bad = createSafeLookup(async () => [{ address: '127.0.0.1', family: 4 }]);
    const err = await new Promise((resolve) => bad('localhost', { all: true }, (e) => resolve(e)));
    expect(err).toMatchObject({ code: 'URL_NOT_ALLOWED' });
  });
});

describe('safeFetch: fetching from an allow-listed local server', () => {
  it('returns the bytes, status, headers and final URL', async () => {
    const res = await safeFetch(`${base}/ok`, allowed());
    expect(res.status).toBe(200);
    expect(res.body.equals(PAYLOAD)).toBe(true);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.finalUrl).toBe(`${base}/ok`);
    const echoed = JSON.parse((await safeFetch(`${base}/echo`, { ...allowed(), accept: 'image/*', headers: { 'Accept-Encoding': 'gzip' } })).body.toString());
    expect(echoed.headers).toMatchObject({ accept: 'image/*', 'accept-encoding': 'identity' });
  });

  it('follows a same-host redirect, but re-checks every hop against the policy', async () => {
    expect((await safeFetch(`${base}/to-ok`, allowed())).finalUrl).toBe(`${base}/ok`);
    for (const path of ['/to-metadata', '/to-decimal-loopback', '/to-localhost', '/to-file']) {
      expect(await codeOf(safeFetch(`${base}${path}`, allowed())), path).toBe('URL_NOT_ALLOWED');
    }
  });

  it('caps redirects (a loop fails; maxRedirects 0 refuses any redirect)', async () => {
    const e = await errorOf(safeFetch(`${base}/loop`, allowed()));
    expect(e).toMatchObject({ code: 'FETCH_FAILED', status: 422 });
    expect(e.message).toMatch(/redirects/);
    expect(await codeOf(safeFetch(`${base}/to-ok`, { ...allowed(), maxRedirects: 0 }))).toBe('FETCH_FAILED');
  });

  it('turns POST into GET on 303, keeps it on 307, and drops Authorization across origins', async () => {
    const post = { ...allowed(), method: 'POST' as const, body: '{"a":1}', headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' } };
    const seeOther = JSON.parse((await safeFetch(`${base}/see-other`, post)).body.toString());
    expect(seeOther).toMatchObject({ method: 'GET', body: '' });
    expect(seeOther.headers.authorization).toBe('Bearer s3cret');
    const temporary = JSON.parse((await safeFetch(`${base}/temporary`, post)).body.toString());
    expect(temporary).toMatchObject({ method: 'POST', body: '{"a":1}' });

    const cross = { ...post, allowPrivateHosts: [`127.0.0.1:${port}`, `images.test:${port}`] };
    const moved = await safeFetch(`${base}/to-images-host`, cross);
    expect(moved.finalUrl).toBe(`http://images.test:${port}/echo`);
    const echoed = JSON.parse(moved.body.toString());
    expect(echoed).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(echoed.headers.authorization).toBeUndefined();
  });

  it('aborts bodies over maxBytes, declared or streamed', async () => {
    for (const path of ['/big', '/big-chunked']) {
      await expect(safeFetch(`${base}${path}`, { ...allowed(), maxBytes: 100_000 }), path).rejects.toMatchObject({ code: 'REMOTE_TOO_LARGE', status: 413 });
    }
  });

  it('times out on a silent server and on a trickling body (one deadline for everything)', async () => {
    for (const path of ['/slow', '/trickle']) {
      await expect(safeFetch(`${base}${path}`, { ...allowed(), timeoutMs: 300 }), path).rejects.toMatchObject({ code: 'FETCH_TIMEOUT', status: 422 });
    }
    const hanging: Resolver = () => new Promise(() => undefined); // DNS counts against the deadline too
    await expect(safeFetch('http://hang.test/', { maxBytes: 1000, timeoutMs: 200, resolver: hanging })).rejects.toMatchObject({ code: 'FETCH_TIMEOUT' });
  });

  it('passes a caller abort through untouched', async () => {
    const controller = new AbortController();
    const reason = new Error('shopper left');
    setTimeout(() => controller.abort(reason), 50);
    await expect(safeFetch(`${base}/slow`, { ...allowed(), signal: controller.signal })).rejects.toBe(reason);
  });

  it('reports a non-2xx answer as FETCH_FAILED with the status, and not its body', async () => {
    const e = await errorOf(safeFetch(`${base}/missing`, allowed()));
    expect(e).toMatchObject({ code: 'FETCH_FAILED', status: 422, extra: { remote_status: 404 } });
    expect(e.message).toContain('404');
    expect(e.message).not.toContain('secret');
    const raw = await safeFetch(`${base}/missing`, { ...allowed(), throwOnStatus: false });
    expect(raw.status).toBe(404);
  });

  it('reports an unreachable allow-listed host as FETCH_FAILED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const e = await errorOf(safeFetch(`http://127.0.0.1:${deadPort}/`, { ...allowed(), allowPrivateHosts: [`127.0.0.1:${deadPort}`] }));
    expect(e).toMatchObject({ code: 'FETCH_FAILED' });
    expect(e.message).toContain('ECONNREFUSED');
  });
});
