/**
 * The messages between the main thread (supervisor.ts) and a linked device's worker thread
 * (worker.ts). Plain data only (structured clone): no functions, no class instances; Dates and
 * bytes survive. Auth state crosses as BufferJSON text so the worker never opens the database.
 */
import type { InboundEvent } from '../types.js';
import type { AuthWrite } from './auth-store.js';
import type { ConnectionOutcome } from './connection.js';
import type { WireContent } from './outbound.js';

export type WorkerInit = {
  connectionId: string;
  /** Baileys' `waWebSocketUrl`; WhatsApp's when absent. */
  wsUrl?: string | undefined;
  /**
   * TEST ONLY: accept a Noise certificate chain signed by this Curve25519 public key instead of
   * WhatsApp's (a local fake server: test/fakes/baileys-whatsapp.ts). Never set in production.
   */
  trustServerKey?: Uint8Array | undefined;
  connectTimeoutMs: number;
  qrTimeoutMs?: number | undefined;
  /** Ask for a pairing code for this phone (digits) instead of showing QRs. */
  pairingPhone?: string | undefined;
  /** Accept `test` messages (crash hooks). Off in production. */
  testHooks: boolean;
  /** Inbound media messages kept for downloadMedia. */
  mediaCacheSize: number;
};

export type WorkerError = { statusCode?: number | undefined; message: string; data?: string | undefined };

export type ToWorker =
  | { type: 'auth-reply'; id: number; ok: true; value?: Record<string, string> | undefined }
  | { type: 'auth-reply'; id: number; ok: false; message: string }
  | { type: 'send'; id: number; jid: string; content: WireContent; quotedId?: string | undefined }
  | { type: 'download'; id: number; messageId: string; maxBytes: number }
  | { type: 'logout'; id: number }
  /** Close the socket (no logout) and end. */
  | { type: 'stop' }
  | { type: 'test'; op: 'throw-async' | 'oom' | 'decrypt-errors'; count?: number | undefined };

export type AuthRequest =
  | { type: 'auth'; id: number; op: 'read'; kind: string; keyIds: string[] }
  | { type: 'auth'; id: number; op: 'write'; writes: AuthWrite[] }
  | { type: 'auth'; id: number; op: 'clear' };

export type FromWorker =
  | AuthRequest
  | { type: 'connection'; outcome: ConnectionOutcome }
  | { type: 'inbound'; event: InboundEvent }
  | { type: 'reply'; id: number; ok: true; value?: unknown }
  | { type: 'reply'; id: number; ok: false; error: WorkerError }
  /** Messages that failed to decrypt since the last report ("Bad MAC", no session…). */
  | { type: 'decrypt-errors'; count: number }
  /** A warning or error of Baileys: the message text only (its objects may hold keys). */
  | { type: 'log'; level: 'warn' | 'error'; msg: string };
