/**
 * The logger Baileys gets inside the worker: warnings and errors go to the main thread as their
 * message text only — Baileys' log objects carry keys, message contents and node dumps, so they
 * are dropped, never serialised. Trace/debug/info are discarded.
 */
import type { ILogger } from 'baileys/lib/Utils/logger.js';

export function workerLogger(post: (level: 'warn' | 'error', msg: string) => void): ILogger {
  const text = (obj: unknown, msg?: string) => (typeof msg === 'string' ? msg : typeof obj === 'string' ? obj : '');
  const logger: ILogger = {
    level: 'warn',
    child: () => logger,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (obj, msg) => {
      const t = text(obj, msg);
      if (t) post('warn', t.slice(0, 200));
    },
    error: (obj, msg) => {
      const t = text(obj, msg);
      if (t) post('error', t.slice(0, 200));
    },
  };
  return logger;
}
