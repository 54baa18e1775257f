/**
 * The embedded database on its own thread (pglite-remote.ts ↔ pglite-thread.ts) against PGlite on
 * this thread (`thread: false`): the same rows and types through Drizzle and rawRows, errors with
 * the server's fields, transactions that commit and roll back, and an event loop that keeps running
 * while a long statement executes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from './client.js';
import { rawRows } from './raw.js';
import { findPgTemplate, pgliteVersion, TEMPLATE_DIR, TEMPLATE_INFO } from './pglite-template.js';

let threaded: Database;
let here: Database;

const SETUP = `create table t (id text primary key, n int8, num numeric, ok boolean, at timestamptz, d date, j jsonb, b bytea, tags text[], note text)`;

beforeAll(async () => {
  [threaded, here] = await Promise.all([openDatabase({ driver: 'pglite' }), openDatabase({ driver: 'pglite', thread: false })]);
  for (const d of [threaded, here]) await rawRows(d.db, SETUP, []);
}, 60_000);
afterAll(async () => {
  await threaded?.close();
  await here?.close();
});

const both = async <T>(f: (d: Database) => Promise<T>): Promise<[T, T]> => [await f(threaded), await f(here)];

describe('PGlite on its own thread', () => {
  it('returns the same rows and types as PGlite on this thread, through rawRows and Drizzle', async () => {
    const row = [
      'a"b,{c}\\',
      9007199254740993n,
      '12345.678',
      true,
      new Date('2026-01-02T03:04:05.678Z'),
      '2026-03-04',
      { nested: ['x', 1, null], quote: 'it\'s "q"' },
      new Uint8Array([0, 1, 254, 255]),
      ['one', 'two, three', null],
      null,
    ];
    const insert = `insert into t (id, n, num, ok, at, d, j, b, tags, note) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
    await both((d) => rawRows(d.db, insert, row));
    const [viaThread, viaHere] = await both((d) => rawRows<Record<string, unknown>>(d.db, 'select * from t where id = $1', [row[0]]));
    expect(viaThread).toEqual(viaHere);
    expect(viaThread[0]!.at).toBeInstanceOf(Date);
    expect(viaThread[0]!.b).toBeInstanceOf(Uint8Array);
    expect(viaThread[0]!.j).toEqual(row[6]);
    // Drizzle's own parsers (dates and intervals as text) cross the boundary as pass-through.
    const [dz1, dz2] = await both(async (d) => (await d.db.execute(sql`select at, d, interval '1 day 2 hours' as iv, n from t where id = ${row[0]}`)) as unknown as { rows: unknown[] });
    expect(dz1.rows).toEqual(dz2.rows);
    expect(typeof (dz1.rows[0] as { at: unknown }).at).toBe('string');
  });

  it('reports the server’s error fields (code, constraint, detail) and stays usable', async () => {
    await rawRows(threaded.db, `insert into t (id) values ('dup')`, []);
    const err = await rawRows(threaded.db, `insert into t (id) values ('dup')`, []).then(
      () => undefined,
      (e: unknown) => e as Record<string, unknown>,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: '23505', constraint: 't_pkey' });
    expect(String(err!.message)).toMatch(/duplicate key/);
    await expect(rawRows(threaded.db, 'select 1 as one', [])).resolves.toEqual([{ one: 1 }]);
  });

  it('commits a transaction, rolls one back on a throw, and keeps other statements out while one is open', async () => {
    await threaded.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t (id, note) values ('tx-ok', 'kept')`);
      await tx.transaction(async (inner) => inner.execute(sql`update t set note = 'nested' where id = 'tx-ok'`));
    });
    await expect(
      threaded.db.transaction(async (tx) => {
        await tx.execute(sql`insert into t (id) values ('tx-gone')`);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const ids = (await rawRows<{ id: string; note: string }>(threaded.db, `select id, note from t where id like 'tx-%' order by id`, []));
    expect(ids).toEqual([{ id: 'tx-ok', note: 'nested' }]);

    // A statement sent while a transaction is open runs after it ends (PGlite's own lock).
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const open = threaded.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t (id) values ('tx-order')`);
      order.push('tx wrote');
      await gate;
      order.push('tx ends');
    });
    await new Promise((r) => setTimeout(r, 20));
    const outside = rawRows<{ n: number }>(threaded.db, `select count(*)::int as n from t where id = 'tx-order'`, []).then((r) => {
      order.push('outside read');
      return r[0]!.n;
    });
    await new Promise((r) => setTimeout(r, 50));
    release();
    await open;
    expect(await outside).toBe(1); // it saw the committed row
    expect(order).toEqual(['tx wrote', 'tx ends', 'outside read']);
  });

  it('leaves the event loop free while a long statement runs (on this thread it is blocked)', async () => {
    const LONG = 'select count(*)::int as n from generate_series(1, 4000000) a, generate_series(1, 1) b';
    const measure = async (d: Database) => {
      let last = performance.now();
      let maxGap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }, 5);
      const t0 = performance.now();
      await rawRows(d.db, LONG, []);
      const took = performance.now() - t0;
      clearInterval(timer);
      maxGap = Math.max(maxGap, performance.now() - last);
      return { took, maxGap };
    };
    const onThread = await measure(threaded);
    const onHere = await measure(here);
    // The comparison shows the test can tell: in-process the whole statement is one gap.
    expect(onHere.maxGap).toBeGreaterThan(onHere.took * 0.8);
    expect(onThread.took).toBeGreaterThan(100);
    expect(onThread.maxGap).toBeLessThan(onThread.took / 2);
  });

  it('dumps its data directory, and refuses calls once closed instead of hanging', async () => {
    const dump = await threaded.dumpDataDir!();
    expect(dump.size).toBeGreaterThan(1000);
    const copy = await openDatabase({ driver: 'pglite', loadDataDir: dump });
    try {
      expect(await rawRows<{ id: string }>(copy.db, `select id from t where id = 'tx-ok'`, [])).toEqual([{ id: 'tx-ok' }]);
    } finally {
      await copy.close();
    }
    await expect(rawRows(copy.db, 'select 1', [])).rejects.toThrow(/ended/);
  });
});

describe('a new data directory', () => {
  it('is made and migrated by a thread of its own, then served with the chosen buffer pool and initdb’s settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probador-newdir-'));
    const dataDir = join(dir, 'pg');
    try {
      const first = await openDatabase({ driver: 'pglite', dataDir, sharedBuffersMb: 8 });
      try {
        // Migrated before the serving thread opened it: the tables are there and migrate() has nothing left.
        const tables = await rawRows<{ n: number }>(first.db, `select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in ('tenants', 'tryons', 'jobs')`, []);
        expect(tables[0]!.n).toBe(3);
        await first.migrate();
        const settings = await rawRows<{ name: string; setting: string; unit: string | null }>(
          first.db,
          `select name, setting, unit from pg_settings where name in ('shared_buffers', 'TimeZone', 'lc_messages') order by name`,
          [],
        );
        // 8 MB in 8 kB pages; initdb's postgresql.conf (time zone, locale) still applies.
        expect(settings).toEqual([
          { name: 'TimeZone', setting: 'UTC', unit: null },
          { name: 'lc_messages', setting: 'C', unit: null },
          { name: 'shared_buffers', setting: '1024', unit: '8kB' },
        ]);
        await rawRows(first.db, `create table kept (v text)`, []);
        await rawRows(first.db, `insert into kept values ('here')`, []);
      } finally {
        await first.close();
      }
      expect(readFileSync(join(dataDir, 'postgresql.conf'), 'utf8')).toMatch(/^timezone = /m);
      // A later open of the same directory: no initdb, the data kept, the default pool (16 MB).
      const again = await openDatabase({ driver: 'pglite', dataDir });
      try {
        expect(await rawRows(again.db, `select v from kept`, [])).toEqual([{ v: 'here' }]);
        expect(await rawRows(again.db, `select setting from pg_settings where name = 'shared_buffers'`, [])).toEqual([{ setting: '2048' }]);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the build’s template for a new data directory', () => {
  it('makes a new data directory as a copy of the template instead of initdb, and leaves an existing one alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probador-tpl-'));
    try {
      // A template as the build makes it: a data directory of its own, closed cleanly.
      const template = join(dir, 'template');
      const made = await openDatabase({ driver: 'pglite', dataDir: template });
      await rawRows(made.db, `create table from_template (v text)`, []);
      await rawRows(made.db, `insert into from_template values ('template')`, []);
      await made.close();
      rmSync(join(template, 'probador.lock'), { force: true });
      let asked = 0;
      const newDataDirTemplate = () => {
        asked++;
        return template;
      };
      const dataDir = join(dir, 'pg');
      const db = await openDatabase({ driver: 'pglite', dataDir, newDataDirTemplate });
      try {
        expect(await rawRows(db.db, `select v from from_template`, [])).toEqual([{ v: 'template' }]);
        // Migrations newer than the template run as on any start.
        await db.migrate();
        expect(await rawRows<{ n: number }>(db.db, `select count(*)::int as n from information_schema.tables where table_name = 'tenants'`, [])).toEqual([{ n: 1 }]);
        await rawRows(db.db, `insert into from_template values ('mine')`, []);
      } finally {
        await db.close();
      }
      // The template itself is untouched by what the new directory does.
      const tpl = await openDatabase({ driver: 'pglite', dataDir: template });
      try {
        expect(await rawRows(tpl.db, `select v from from_template order by v`, [])).toEqual([{ v: 'template' }]);
      } finally {
        await tpl.close();
      }
      // An existing directory is opened as it is: the template is not even asked for.
      const again = await openDatabase({ driver: 'pglite', dataDir, newDataDirTemplate });
      try {
        expect(await rawRows(again.db, `select v from from_template order by v`, [])).toEqual([{ v: 'mine' }, { v: 'template' }]);
      } finally {
        await again.close();
      }
      expect(asked).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is used only with the PGlite release that made it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'probador-tplinfo-'));
    try {
      expect(findPgTemplate(dir)).toBeUndefined();
      mkdirSync(join(dir, TEMPLATE_DIR));
      writeFileSync(join(dir, TEMPLATE_DIR, 'PG_VERSION'), '17\n');
      expect(findPgTemplate(dir)).toBeUndefined(); // no info file: a build stopped half-way
      writeFileSync(join(dir, TEMPLATE_INFO), JSON.stringify({ pglite: '0.0.1', migrations: 3 }));
      expect(findPgTemplate(dir)).toBeUndefined();
      writeFileSync(join(dir, TEMPLATE_INFO), JSON.stringify({ pglite: pgliteVersion(), migrations: 3 }));
      expect(findPgTemplate(dir)).toBe(join(dir, TEMPLATE_DIR));
      expect(pgliteVersion()).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
