/**
 * The embedded database's own thread: PGlite (PostgreSQL compiled to WASM) runs here, and the main
 * thread talks to it by messages (pglite-remote.ts). PGlite executes every statement synchronously
 * on the thread that calls it, so in-process each statement, vacuum, rollup or dashboard query held
 * the API's event loop for its whole duration (3–40 ms for the minute's maintenance statements,
 * seen as bursts of slow answers every 30 and 60 s under load). Here the event loop only sends a
 * message and gets rows back.
 *
 * The statements run through the same fast client as before (pglite-fast.ts), with PGlite's own
 * locking: a statement waits for an open transaction, a transaction holds the database until the
 * main thread ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Transaction } from '@electric-sql/pglite';
import { openPgliteEngine, type PgliteEngine } from './pglite-fast.js';
import type { ThreadInit, ThreadReply, ThreadRequest } from './pglite-remote.js';

const port = parentPort;
if (!port) throw new Error('pglite-thread.ts runs as a worker thread');
const init = workerData as ThreadInit;

/** Serialisable form of an error: message, name and the server's fields (code, detail, constraint…). */
function errorData(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  const out: Record<string, unknown> = { message: e.message, name: e.name };
  for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

async function main() {
  let engine: PgliteEngine;
  try {
    engine = await openPgliteEngine({ dataDir: init.dataDir, loadDataDir: init.loadDataDir ? new Blob([init.loadDataDir]) : undefined, sharedBuffersMb: init.sharedBuffersMb });
  } catch (e) {
    port!.postMessage({ ready: false, error: errorData(e) });
    return;
  }
  if (init.prepareNew) {
    // A new data directory was made (initdb), is migrated and closed again; the thread then ends,
    // and its memory with it (see startPgliteThread).
    try {
      if (init.prepareNew.migrationsFolder) await engine.migrate(init.prepareNew.migrationsFolder);
      await engine.close();
      port!.postMessage({ ready: true });
    } catch (e) {
      port!.postMessage({ ready: false, error: errorData(e) });
    }
    return;
  }
  const { client } = engine;
  /** Parsers that hand the text through, by the set of type ids (Drizzle's dates and intervals). */
  const passThrough = new Map<string, Record<number, (v: string) => string>>();
  const parsersFor = (ids: number[]) => {
    const key = ids.join(',');
    let p = passThrough.get(key);
    if (!p) passThrough.set(key, (p = Object.fromEntries(ids.map((id) => [id, (v: string) => v]))));
    return p;
  };
  /** Open transactions: their handle, and how to end them. */
  const txs = new Map<number, { tx: Transaction; end: (commit: boolean) => void }>();
  /** Transactions the main thread asked to end: settled when PGlite has committed or rolled back. */
  const ended = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  let txSeq = 0;
  const openTx = (id: number) => {
    const t = txs.get(id);
    if (!t) throw new Error('Transaction is closed');
    return t;
  };

  const handle = async (m: ThreadRequest): Promise<unknown> => {
    switch (m.op) {
      case 'query': {
        const options = m.rowMode || m.raw ? { ...(m.rowMode ? { rowMode: m.rowMode } : {}), ...(m.raw ? { parsers: parsersFor(m.raw) } : {}) } : undefined;
        if (m.tx === undefined) return client.query(m.text, m.params, options);
        return openTx(m.tx).tx.query(m.text, m.params, options);
      }
      case 'exec': {
        if (m.tx === undefined) return client.exec(m.text);
        return openTx(m.tx).tx.exec(m.text);
      }
      case 'begin': {
        const id = ++txSeq;
        return new Promise<number>((began, failed) => {
          let opened = false;
          client
            .transaction(
              (tx) =>
                new Promise<void>((commit, rollback) => {
                  opened = true;
                  txs.set(id, { tx, end: (ok) => (ok ? commit() : rollback(new RolledBack())) });
                  began(id);
                }),
            )
            .then(
              () => ended.get(id)?.resolve(),
              (e: unknown) => {
                if (!opened) failed(e); // BEGIN itself failed
                else if (e instanceof RolledBack) ended.get(id)?.resolve();
                else ended.get(id)?.reject(e); // COMMIT failed
              },
            )
            .finally(() => {
              txs.delete(id);
              ended.delete(id);
            });
        });
      }
      case 'end': {
        const t = openTx(m.tx);
        const done = new Promise<void>((resolve, reject) => ended.set(m.tx, { resolve, reject }));
        t.end(m.commit);
        await done;
        return undefined;
      }
      case 'migrate':
        return engine.migrate(m.migrationsFolder);
      case 'dump':
        return new Uint8Array(await (await engine.dump()).arrayBuffer());
      case 'close':
        return engine.close();
    }
  };
  port!.on('message', (m: ThreadRequest) => {
    handle(m).then(
      (value) => {
        const reply: ThreadReply = { id: m.id, ok: true, value };
        try {
          if (value instanceof Uint8Array) port!.postMessage(reply, [value.buffer as ArrayBuffer]);
          else port!.postMessage(reply);
        } catch (e) {
          // A value that cannot cross threads: the caller gets an error instead of waiting forever.
          port!.postMessage({ id: m.id, ok: false, error: errorData(e) } satisfies ThreadReply);
        }
      },
      (e: unknown) => port!.postMessage({ id: m.id, ok: false, error: errorData(e) } satisfies ThreadReply),
    );
  });
  port!.postMessage({ ready: true });
}

/** How the main thread's rollback reaches PGlite's transaction (not an error to report). */
class RolledBack extends Error {}

void main();
