/**
 * Pure mapping of Baileys' `connection.update` to the platform's connection events, and what
 * the supervisor should do next: restart now (515 "restart required", sent once after pairing),
 * restart with backoff (the socket dropped), never (logged out, banned, or replaced by another
 * session of the same device — restarting would make the two fight), and whether the auth
 * state must be forgotten (logged out: it is worthless).
 */
import type { ConnectionState as BaileysConnectionState } from 'baileys';
import type { InboundEvent } from '../types.js';

export type Restart = 'now' | 'backoff' | 'never';

export type ConnectionOutcome = {
  event: Extract<InboundEvent, { kind: 'connection' }>;
  /** Only for `closed` / `logged_out`. */
  restart?: Restart | undefined;
  clearAuth?: boolean | undefined;
  statusCode?: number | undefined;
};

/** The status code Baileys put on a disconnect (a Boom's `output.statusCode`). */
export function statusCodeOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const out = (error as { output?: { statusCode?: unknown } }).output;
  const code = out?.statusCode ?? (error as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A disconnect: what it means and what to do. */
export function closeOutcome(statusCode: number | undefined, message: string): ConnectionOutcome {
  const detail = `${statusCode ?? 'no code'}: ${message}`.slice(0, 200);
  switch (statusCode) {
    case 401: // loggedOut: unlinked from the phone
      return { event: { kind: 'connection', state: 'logged_out', detail }, restart: 'never', clearAuth: true, statusCode };
    case 403: // forbidden: the number is banned or blocked from linking
      return { event: { kind: 'connection', state: 'logged_out', detail: `forbidden (the number may be banned) ${detail}` }, restart: 'never', clearAuth: true, statusCode };
    case 411: // multidevice mismatch: the session can never log in again
    case 500: // bad session
      return { event: { kind: 'connection', state: 'logged_out', detail }, restart: 'never', clearAuth: true, statusCode };
    case 440: // connectionReplaced: another socket for this device took over
      return { event: { kind: 'connection', state: 'closed', detail: `replaced by another session ${detail}` }, restart: 'never', statusCode };
    case 515: // restartRequired: normal right after pairing
      return { event: { kind: 'connection', state: 'connecting', detail }, restart: 'now', statusCode };
    default:
      return { event: { kind: 'connection', state: 'closed', detail }, restart: 'backoff', statusCode };
  }
}

/** One `connection.update` → the event to emit (null: nothing the platform tracks, e.g. `isOnline`). */
export function mapConnectionUpdate(u: Partial<BaileysConnectionState>): ConnectionOutcome | null {
  if (typeof u.qr === 'string' && u.qr) return { event: { kind: 'connection', state: 'qr', qr: u.qr } };
  if (u.connection === 'connecting') return { event: { kind: 'connection', state: 'connecting' } };
  if (u.connection === 'open') return { event: { kind: 'connection', state: 'open' } };
  if (u.connection === 'close') {
    const err = u.lastDisconnect?.error;
    return closeOutcome(statusCodeOf(err), err instanceof Error ? err.message : 'connection closed');
  }
  return null;
}
