/**
 * Secure response headers (helmet's set: CSP, HSTS, X-Content-Type-Options, frame, referrer and
 * cross-origin policies …), computed ONCE at start-up and set by one synchronous hook.
 *
 * @fastify/helmet rebuilds the helmet middleware (re-parsing the CSP directives) on every request
 * and runs two hooks, one of them async: ~5 µs and two microtask turns a request. Our options are
 * the same for every route, so the header set is constant: this asks @fastify/helmet itself, once,
 * on a throwaway instance, which headers it sets, and replays them. Headers go on the raw response
 * exactly as helmet does, so a route that sets its own (e.g. a page with another CSP, through
 * reply.header) still wins.
 */
import Fastify from 'fastify';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { App } from './types.js';

/** The headers @fastify/helmet sets with these options, in the order it sets them. */
export async function helmetHeaders(options: FastifyHelmetOptions): Promise<[string, string][]> {
  const probe = Fastify({ logger: false });
  try {
    await probe.register(helmet, { ...options, global: true });
    let captured: [string, string][] = [];
    probe.get('/', (_req, reply) => {
      captured = Object.entries(reply.raw.getHeaders()).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]);
      return reply.send('');
    });
    const res = await probe.inject({ method: 'GET', url: '/' });
    if (res.statusCode !== 200 || captured.length === 0) throw new Error(`security headers: probe answered ${res.statusCode} with ${captured.length} headers`);
    return captured;
  } finally {
    await probe.close();
  }
}

/**
 * Every response: the helmet header set, and `request-id`. One synchronous onRequest hook that
 * puts them among Fastify's reply headers (written in one writeHead, no per-header setHeader
 * validation). Routes that write the raw response themselves (Server-Sent Events: `produces`
 * text/event-stream, then reply.hijack()) get the set on the raw response as well, as helmet did.
 */
export async function registerSecurityHeaders(app: App, options: FastifyHelmetOptions): Promise<void> {
  const headers = await helmetHeaders(options);
  const n = headers.length;
  app.addHook('onRequest', (req, reply, done) => {
    // reply.headers(obj) would walk Object.keys and lower-case each name; they are lower-case already.
    for (let i = 0; i < n; i++) reply.header(headers[i]![0], headers[i]![1]);
    reply.header('request-id', req.id);
    done();
  });
  app.addHook('onRoute', (route) => {
    const produces = (route.schema as { produces?: readonly string[] } | undefined)?.produces;
    if (!produces?.some((t) => t.startsWith('text/event-stream'))) return;
    const raw = (_req: unknown, reply: { raw: { setHeader: (k: string, v: string) => void } }, done: () => void) => {
      for (const [k, v] of headers) reply.raw.setHeader(k, v);
      done();
    };
    route.onRequest = [...(route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]), raw as never];
  });
}
