/**
 * The control socket: how CLI admin commands reach an embedded server that is running.
 *
 * PGlite lets one process open a data directory (platform/db/lock.ts), so while `probador start`
 * runs, `probador tenant create` cannot open the database itself. Instead the server listens on a
 * Unix socket inside the data directory, `<data dir>/run/control.sock`: the `run/` folder is mode
 * 0700 and the socket 0600, so only the user the server runs as (and root) can connect — the same
 * people who can read the database files anyway. The CLI sends one JSON line (an admin request,
 * checked again here against the same schemas), the server runs it on its own modules and answers
 * with one JSON line, exactly what the CLI would have printed. Nothing listens on the network.
 *
 * Only the embedded database needs this: with DATABASE_URL the CLI opens PostgreSQL directly.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import { AppError } from '../platform/errors.js';
import { BackupArchiveError, BackupError } from '../platform/backup/errors.js';
import { parseAdminRequest, type AdminRequest, type AdminResult } from './admin-commands.js';

/** Where the server listens (sun_path holds 107 bytes on Linux, 103 on macOS). */
export function controlSocketPath(dataDir: string): string {
  return join(dataDir, 'run', 'control.sock');
}
const MAX_SOCKET_PATH = 100;
const MAX_REQUEST_BYTES = 1024 * 1024;

export type ControlReply = { ok: true; result: AdminResult } | { ok: false; error: { kind: 'app'; code: string; message: string } | { kind: 'config' | 'archive' | 'internal'; message: string } };

export type ControlServer = { path: string; close: () => Promise<void> };

/**
 * Listen on the data directory's control socket; `run` executes one admin request. Returns
 * undefined (and logs why) when the path is too long for a Unix socket.
 */
export async function startControlSocket(dataDir: string, run: (req: AdminRequest) => Promise<AdminResult>, log: Logger): Promise<ControlServer | undefined> {
  const path = controlSocketPath(dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    log.warn({ path }, 'the data directory path is too long for the control socket: CLI admin commands cannot reach this server while it runs (stop it first, or use a shorter PROBADOR_DATA_DIR)');
    return undefined;
  }
  const dir = join(dataDir, 'run');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // also when it existed with other permissions
  // The data directory's lock is ours, so a socket file here is a dead server's.
  rmSync(path, { force: true });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_BYTES) return void socket.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      socket.removeAllListeners('data');
      void answer(buf.slice(0, nl)).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
  });
  async function answer(line: string): Promise<ControlReply> {
    try {
      const req = parseAdminRequest(JSON.parse(line));
      log.info({ command: req.command }, 'admin command from the CLI (control socket)');
      return { ok: true, result: await run(req) };
    } catch (e) {
      if (e instanceof AppError) return { ok: false, error: { kind: 'app', code: e.code, message: e.message } };
      if (e instanceof ConfigError || e instanceof SyntaxError || e instanceof BackupError) return { ok: false, error: { kind: 'config', message: e.message } };
      if (e instanceof BackupArchiveError) return { ok: false, error: { kind: 'archive', message: e.message } };
      log.error({ err: e }, 'admin command from the CLI failed');
      return { ok: false, error: { kind: 'internal', message: 'the command failed on the server; its log has the details' } };
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  server.unref(); // the HTTP server and the workers keep the process alive, not this
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(path, { force: true });
          resolve();
        });
      }),
  };
}

/**
 * Send one admin request to the running server. Undefined when no server listens there (no socket
 * file, or a dead server's): the caller then opens the database itself.
 */
export function sendControl(dataDir: string, req: AdminRequest, timeoutMs = 120_000): Promise<ControlReply | undefined> {
  const path = controlSocketPath(dataDir);
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buf = '';
    let connected = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConfigError(`the running server did not answer within ${timeoutMs / 1000} s (control socket ${path})`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(req)}\n`);
    });
    socket.on('data', (d: string) => (buf += d));
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as ControlReply);
      } catch {
        reject(new ConfigError(`the running server gave no answer on its control socket (${path})`));
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!connected && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'ENOTSOCK')) resolve(undefined);
      else reject(new ConfigError(`cannot talk to the running server on its control socket ${path}: ${e.message}`));
    });
  });
}
