/**
 * PGlite is single-process: a second process opening the same data directory corrupts it.
 * We guard the directory with a lock file holding the owner's pid; a lock left by a dead
 * process is taken over, a live one is refused with a clear message.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

const heldHere = new Set<string>();

/** Whether a process of this host is alive (EPERM: alive, someone else's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type DirLock = { path: string; release: () => void };

export function lockDataDir(dir: string): DirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'probador.lock');
  if (heldHere.has(path)) {
    throw new DataDirLockedError(`The data directory ${dir} is already open in this process.`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      closeSync(fd);
      heldHere.add(path);
      let released = false;
      return {
        path,
        release: () => {
          if (released) return;
          released = true;
          heldHere.delete(path);
          rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner: { pid?: number; host?: string; since?: string } = {};
      try {
        owner = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        /* unreadable lock: treat as stale */
      }
      const sameHost = owner.host === undefined || owner.host === hostname();
      if (owner.pid && sameHost && owner.pid !== process.pid && isAlive(owner.pid)) {
        throw new DataDirLockedError(
          `The data directory ${dir} is in use by another Probador process (pid ${owner.pid}, since ${owner.since}). ` +
            'Stop that process first, point PROBADOR_DATA_DIR elsewhere, or use PostgreSQL (DATABASE_URL) to run several processes.',
        );
      }
      if (owner.pid && !sameHost) {
        throw new DataDirLockedError(
          `The data directory ${dir} is locked by process ${owner.pid} on host ${owner.host} (since ${owner.since}). ` +
            `If that process is gone (a replaced container, a crashed machine), delete ${path} and start again.`,
        );
      }
      rmSync(path, { force: true }); // stale lock from a dead process
    }
  }
  throw new DataDirLockedError(`Could not lock the data directory ${dir}.`);
}
