/**
 * Migrate once, clone per test: PGlite → a dumped data directory every test app loads;
 * PostgreSQL (DATABASE_URL) → a template database every test app copies with CREATE DATABASE … TEMPLATE.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    pgTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'probador-tpl-'));
  const database = await openDatabase({ driver: 'pglite' });
  await database.migrate();
  const dump = await database.dumpDataDir!();
  await database.close();
  const file = join(dir, 'template.tar.gz');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);

  const url = process.env.DATABASE_URL;
  if (!url) {
    project.provide('pgTemplate', '');
    return;
  }
  // Each run has its own template and clones, so parallel runs never touch each other's databases.
  const runId = randomBytes(4).toString('hex');
  const name = `probador_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const tpl = await openDatabase({ driver: 'postgres', url: u.toString(), poolMax: 1 });
  await tpl.migrate();
  await tpl.close();
  project.provide('pgTemplate', name);
  return async () => {
    // Drop this run's template and any of its clones a failed test left behind.
    const { rows } = await admin.query<{ datname: string }>(`select datname from pg_database where datname = $1 or datname like $2`, [name, `probador_t_${runId}_%`]);
    for (const r of rows) await admin.query(`drop database if exists ${r.datname} with (force)`).catch(() => undefined);
    await admin.end();
  };
}
