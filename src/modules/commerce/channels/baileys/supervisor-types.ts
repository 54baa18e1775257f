/** The supervisor's options and status as the driver sees them (supervisor.ts). */
import type { ConnectionState, InboundEvent } from '../types.js';
import type { AuthStore } from './auth-store.js';
import type { WorkerInit } from './protocol.js';

export type DeviceRef = { id: string; tenantId: string; botId: string };

export type SupervisorOptions = {
  store: AuthStore;
  onEvent: (conn: DeviceRef, event: InboundEvent) => void;
  log?: ((level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>) => void) | undefined;
  worker: Omit<WorkerInit, 'connectionId' | 'pairingPhone'>;
  heapMb: number;
  backoff: { baseMs: number; maxMs: number };
  breaker: { maxFailures: number; windowMs: number };
  decryptPerMinute: number;
};

export type SupervisorStatus = {
  running: boolean;
  state: ConnectionState;
  detail?: string | undefined;
  qr?: string | undefined;
  pairingCode?: string | undefined;
  breakerOpen: boolean;
  restarts: number;
  failuresInWindow: number;
  decryptErrorsLastMinute: number;
  lastUsedAt: number;
};
