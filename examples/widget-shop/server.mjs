/**
 * The example shop's tiny web server: the product page, its script and picture, /config.json (the
 * Probador server and publishable key to use) and the widget package's built ES module under /widget/.
 *   npm run build:widget
 *   node examples/widget-shop/server.mjs --api http://localhost:3000 --key pk_test_… [--port 8080] [--user-token <access token>]
 * With a user token (an end user of the tenant, from POST /v1/auth/login) the page is a signed-in
 * shopper's: "Find my colours" is saved to their account.
 * The shop's origin must be among the tenant's allowed origins (test keys also work from localhost).
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = join(here, '..', '..', 'packages', 'widget', 'dist');
const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/shop.js': ['shop.js', 'text/javascript; charset=utf-8'],
  '/shop.css': ['shop.css', 'text/css; charset=utf-8'],
  '/tee.png': ['../tee.png', 'image/png'],
};

/** Starts the shop on 127.0.0.1 (`port` 0: any free port). */
export async function startShop({ api, key, userToken, port = 0 }) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status, type, body) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (path === '/config.json') return send(200, 'application/json', JSON.stringify({ api, key, ...(userToken ? { userToken } : {}) }));
    const f = FILES[path];
    if (f) return send(200, f[1], readFileSync(join(here, f[0])));
    if (path.startsWith('/widget/') && path.endsWith('.js')) {
      const file = normalize(join(DIST, path.slice('/widget/'.length)));
      if (file.startsWith(DIST) && existsSync(file)) return send(200, 'text/javascript; charset=utf-8', readFileSync(file));
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => new Promise((r) => server.close(() => r())) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { api: { type: 'string', default: 'http://localhost:3000' }, key: { type: 'string' }, port: { type: 'string', default: '8080' }, 'user-token': { type: 'string' } } });
  if (!values.key) throw new Error('--key pk_test_… (a publishable key of your tenant) is required');
  if (!existsSync(join(DIST, 'index.js'))) throw new Error('packages/widget/dist/index.js is missing: run `npm run build:widget`');
  const shop = await startShop({ api: values.api, key: values.key, userToken: values['user-token'], port: Number(values.port) });
  console.log(`example shop: ${shop.url} (widget from ${values.api})`);
}
