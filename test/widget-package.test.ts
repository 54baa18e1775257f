/**
 * `@probador/widget` as a package (packages/widget): it builds (ES module, declarations, the
 * script-tag IIFE), carries the server's version, its ES module imports without side effects, the
 * IIFE stays under the 25 kB gzip budget, and a TypeScript consumer type-checks against the built
 * declarations — while one that misuses an event's payload or the options does not.
 * In Chromium: test/browser/widget-package.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildWidget, WIDGET_DIR, WIDGET_ESM, WIDGET_OUT, WIDGET_TYPES } from '../packages/widget/build.mjs';

const ROOT = join(import.meta.dirname, '..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const BUDGET_GZIP = 25 * 1024;
let built: Awaited<ReturnType<typeof buildWidget>>;

/** tsc's exit code and output for a project. */
function tsc(project: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, [TSC, '-p', project], { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
}

beforeAll(async () => {
  built = await buildWidget();
}, 120_000);

describe('@probador/widget package', () => {
  it('builds the IIFE the server serves under the 25 kB gzip budget, and the ES module', () => {
    const iife = readFileSync(WIDGET_OUT);
    const gzip = gzipSync(iife, { level: 9 }).length;
    expect(built.gzipBytes).toBe(gzip);
    expect(gzip).toBeLessThan(BUDGET_GZIP);
    console.log(`widget.js: ${(iife.length / 1024).toFixed(1)} kB raw, ${(gzip / 1024).toFixed(1)} kB gzip (budget 25 kB); index.js: ${(built.esm.gzipBytes / 1024).toFixed(1)} kB gzip`);
    // The IIFE boots from its script tag; the ES module has no such code path at import.
    expect(iife.toString()).toContain('probador:');
    expect(readFileSync(WIDGET_ESM, 'utf8')).toMatch(/export\s*\{/);
  });

  it('carries the server’s version, and its package.json describes the ES module, its types and its one side-effectful file', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const pkg = JSON.parse(readFileSync(join(WIDGET_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      name: '@probador/widget',
      version,
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './widget.js': './dist/widget.js' },
      sideEffects: ['./dist/widget.js'],
      files: ['dist', 'README.md'],
    });
    expect(built.version).toBe(version);
  });

  it('the ES module imports without touching the page (no globals, no DOM at import) and exports mount and VERSION', async () => {
    // Node has no DOM: an import that touched document or window would throw here.
    const mod = (await import(`${pathToFileURL(WIDGET_ESM).href}?t=${Date.now()}`)) as { mount: unknown; VERSION: string };
    expect(typeof mod.mount).toBe('function');
    expect(mod.VERSION).toBe(built.version);
    expect(Object.keys(mod).sort()).toEqual(['VERSION', 'mount']);
    expect(readFileSync(WIDGET_TYPES, 'utf8')).toContain("export { mount } from './mount.js'");
  });

  it('a TypeScript consumer type-checks against the built declarations; a wrong payload field or option does not', () => {
    const ok = tsc(join(ROOT, 'examples/widget-shop/tsconfig.json'));
    expect(ok.out).toBe('');
    expect(ok.code).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), 'widget-consumer-'));
    try {
      writeFileSync(
        join(dir, 'bad.ts'),
        `import { mount } from '@probador/widget';
const w = mount(document.body, { key: 'pk_test_x', api: 'https://p.example', lang: 'fr' });
w.on('result', (e) => e.upload_id);
w.on('add-to-cart', (e) => e.product_id.toUpperCase());
w.on('no-such-event', () => undefined);
`,
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, types: [], paths: { '@probador/widget': [WIDGET_TYPES] } },
          files: ['bad.ts'],
        }),
      );
      const bad = tsc(join(dir, 'tsconfig.json'));
      expect(bad.code).not.toBe(0);
      expect(bad.out).toMatch(/bad\.ts\(2,\d+\): error TS2322: Type '"fr"' is not assignable/);
      expect(bad.out).toMatch(/bad\.ts\(3,\d+\): error TS2339: Property 'upload_id' does not exist/);
      expect(bad.out).toMatch(/bad\.ts\(4,\d+\): error TS18047: 'e\.product_id' is possibly 'null'/);
      expect(bad.out).toMatch(/bad\.ts\(5,\d+\): error TS2345: Argument of type '"no-such-event"'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
