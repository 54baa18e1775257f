/**
 * The demo store at /demo: a home page and a page per product (web/demo/products.json), with the
 * widget on the seeded Demo Store tenant's publishable key. No inline script anywhere (the CSP
 * allows scripts from 'self' only): the store's own behaviour lives in web/demo/store.js.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../../platform/http/types.js';
import { AppError } from '../../platform/errors.js';
import type { WidgetAsset } from './widget-asset.js';

type Lang = 'en' | 'es';
type DemoProduct = { slug: string; id: string; category: string; price: number; name: Record<Lang, string>; description: Record<Lang, string> };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const WORDS = {
  en: { colours: 'Your colours', coloursTitle: 'Shop by your colours', coloursText: 'Find your colour season with a selfie or a few questions: every product then shows whether its colour suits you, and your try-ons say so too. Your colours stay in this browser until you forget them.', tagline: 'Everyday clothes, tried on before you buy.', addToCart: 'Add to cart', more: 'You may also like', cart: 'Cart', all: 'All products', other: 'Español', notSeeded: 'The demo tenant is not seeded: start with PROBADOR_SEED_DEMO=true (the default) or run `probador seed`.', notBuilt: 'The widget is not built: run `npm run build:widget`.', footer: 'A demo store for Probador. Garment pictures are drawn for the demo; try-ons run on the local engine unless a provider key is set.' },
  es: { colours: 'Tus colores', coloursTitle: 'Compra según tus colores', coloursText: 'Descubre tu estación de color con un selfie o unas preguntas: cada producto te dirá si su color te favorece, y tus pruebas también. Tus colores se quedan en este navegador hasta que los olvides.', tagline: 'Ropa de diario, probada antes de comprar.', addToCart: 'Añadir al carrito', more: 'También te puede gustar', cart: 'Carrito', all: 'Todos los productos', other: 'English', notSeeded: 'El tenant de demostración no existe: arranca con PROBADOR_SEED_DEMO=true (por defecto) o ejecuta `probador seed`.', notBuilt: 'El widget no está compilado: ejecuta `npm run build:widget`.', footer: 'Una tienda de demostración de Probador. Las prendas están dibujadas para la demo; las pruebas usan el motor local si no hay claves de proveedor.' },
} as const;

export function demoRoutes(app: App, opts: { dir: string; widget: () => WidgetAsset | undefined; demoKey: () => Promise<string | undefined> }) {
  const products = JSON.parse(readFileSync(join(opts.dir, 'products.json'), 'utf8')) as DemoProduct[];
  const images = new Map(readdirSync(join(opts.dir, 'images')).filter((f) => f.endsWith('.png')).map((f) => [f, readFileSync(join(opts.dir, 'images', f))]));
  const assets = new Map([
    ['store.css', { type: 'text/css; charset=utf-8', body: readFileSync(join(opts.dir, 'store.css')) }],
    ['store.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(join(opts.dir, 'store.js')) }],
  ]);
  const langOf = (q: unknown): Lang => ((q as { lang?: string }).lang === 'es' ? 'es' : 'en');
  const imageOf = (p: DemoProduct) => `/demo/images/${p.slug}.png`;
  const tryAttrs = (p: DemoProduct, lang: Lang, primary = false) =>
    `data-probador-garment="${imageOf(p)}" data-category="${p.category}" data-product-id="${p.id}" data-name="${esc(p.name[lang])}"${primary ? ' data-primary' : ''}`;
  const money = (n: number, lang: Lang) => new Intl.NumberFormat(lang === 'es' ? 'es-ES' : 'en-IE', { style: 'currency', currency: 'EUR' }).format(n);
  const q = (lang: Lang) => (lang === 'es' ? '?lang=es' : '');

  const card = (p: DemoProduct, lang: Lang) => `<div class="card-wrap">
  <a class="card" href="/demo/${p.slug}${q(lang)}"><img src="${imageOf(p)}" alt="${esc(p.name[lang])}" width="480" height="600"><span>${esc(p.name[lang])}</span><span class="price">${money(p.price, lang)}</span></a>
  <div class="card-try" ${tryAttrs(p, lang)}></div>
</div>`;

  async function page(lang: Lang, title: string, main: string, path: string) {
    const w = WORDS[lang];
    const widget = opts.widget();
    const key = await opts.demoKey();
    const notice = !widget ? w.notBuilt : !key ? w.notSeeded : undefined;
    const tag = widget && key ? `<script src="/widget/widget.${widget.hash}.js" integrity="${widget.integrity}" crossorigin="anonymous" data-key="${esc(key)}" data-launcher="false" async></script>` : '';
    return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Demo Store</title>
<link rel="stylesheet" href="/demo/assets/store.css">
<script src="/demo/assets/store.js" defer></script>
${tag}
</head>
<body>
<header class="top"><a class="brand" href="/demo${q(lang)}">DEMO STORE</a><nav><a href="/demo${q(lang)}">${w.all}</a><a href="/demo/style${q(lang)}">${w.colours}</a><a href="${path}${lang === 'es' ? '' : '?lang=es'}" hreflang="${lang === 'es' ? 'en' : 'es'}">${w.other}</a></nav><span class="cart">${w.cart}: <span id="cart-count">0</span></span></header>
<main>
${notice ? `<p class="notice" role="alert">${esc(notice)}</p>` : ''}
${main}
</main>
<footer class="bottom">${esc(w.footer)}</footer>
</body>
</html>`;
  }

  const html = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' };

  app.get('/demo', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const lang = langOf(req.query);
    const main = `<h1>${WORDS[lang].tagline}</h1>\n<div class="grid">${products.map((p) => card(p, lang)).join('\n')}</div>`;
    return reply.headers(html).send(await page(lang, WORDS[lang].all, main, '/demo'));
  });

  // The style page: "Find my colours" (the widget's button) and the products with their colour badges.
  app.get('/demo/style', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const lang = langOf(req.query);
    const w = WORDS[lang];
    const main = `<section class="style-hero"><h1>${w.coloursTitle}</h1><p>${esc(w.coloursText)}</p><div class="style-find" data-probador-style></div></section>
<div class="grid">${products.map((p) => card(p, lang)).join('\n')}</div>`;
    return reply.headers(html).send(await page(lang, w.colours, main, '/demo/style'));
  });

  app.get('/demo/:slug', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const { slug } = req.params as { slug: string };
    const p = products.find((x) => x.slug === slug);
    if (!p) throw new AppError('NOT_FOUND', `No demo product "${slug}".`);
    const lang = langOf(req.query);
    const w = WORDS[lang];
    const others = products.filter((x) => x !== p);
    const main = `<article class="product">
  <img class="main" src="${imageOf(p)}" alt="${esc(p.name[lang])}" width="480" height="600">
  <div>
    <h1>${esc(p.name[lang])}</h1>
    <p class="price">${money(p.price, lang)}</p>
    <p>${esc(p.description[lang])}</p>
    <div class="actions" ${tryAttrs(p, lang, true)}><button type="button" id="add-to-cart" data-product-id="${p.id}">${w.addToCart}</button></div>
  </div>
</article>
<section class="more"><h2>${w.more}</h2><div class="grid">${others.map((o) => card(o, lang)).join('\n')}</div></section>`;
    return reply.headers(html).send(await page(lang, p.name[lang], main, `/demo/${p.slug}`));
  });

  app.get('/demo/assets/:file', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const a = assets.get((req.params as { file: string }).file);
    if (!a) throw new AppError('NOT_FOUND', 'No such demo asset.');
    return reply.headers({ 'content-type': a.type, 'cache-control': 'public, max-age=300' }).send(a.body);
  });

  app.get('/demo/images/:file', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const img = images.get((req.params as { file: string }).file);
    if (!img) throw new AppError('NOT_FOUND', 'No such demo image.');
    return reply.headers({ 'content-type': 'image/png', 'cache-control': 'public, max-age=86400', 'access-control-allow-origin': '*' }).send(img);
  });
}
