/**
 * The main thread's keeper of one linked device: at most one worker thread (worker.ts) at a
 * time, started with a heap cap; restarts it with capped exponential backoff when it crashes or
 * its socket drops; opens a breaker (no more restarts, state `closed` with the reason) after
 * `maxFailures` failures within `windowMs`, or when messages fail to decrypt faster than
 * `decryptPerMinute` (a "Bad MAC" storm: the socket is stopped, health says why). An uncaught
 * exception or an out-of-memory in the thread ends that thread only: here it is an `exit`.
 * Answers the worker's auth-state requests from the `AuthStore`.
 */
import type { Worker } from 'node:worker_threads';
import { ChannelError, type ConnectionState, type InboundEvent } from '../types.js';
import { answerAuth } from './auth-store.js';
import type { ConnectionOutcome } from './connection.js';
import { MenuMemory } from './menu.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { DecryptMeter, RestartPolicy } from './restart-policy.js';
import { spawnDeviceWorker } from './spawn.js';
import type { DeviceRef, SupervisorOptions, SupervisorStatus } from './supervisor-types.js';

export type { DeviceRef, SupervisorOptions, SupervisorStatus };

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout };
type Request = ToWorker extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class DeviceSupervisor {
  private worker: Worker | undefined;
  private state: ConnectionState = 'closed';
  private detail: string | undefined;
  private qr: string | undefined;
  private pairingCode: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private breaker: string | undefined;
  /** Asked to stay down (stop, logout, a `never` outcome): no restart. */
  private down = true;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private closing: ConnectionOutcome | undefined;
  private lastError: string | undefined;
  private readonly policy: RestartPolicy;
  private readonly decrypts = new DecryptMeter();
  private waiters = new Set<() => void>();
  private pairingPhone: string | undefined;
  readonly menus = new MenuMemory();
  restarts = 0;
  lastUsedAt = Date.now();

  constructor(
    readonly ref: DeviceRef,
    private readonly opts: SupervisorOptions,
  ) {
    this.policy = new RestartPolicy({ ...opts.backoff, ...opts.breaker });
  }

  /** Running or about to be (a restart is scheduled). */
  get active(): boolean {
    return this.worker !== undefined || this.restartTimer !== undefined;
  }

  status(): SupervisorStatus {
    return {
      running: this.worker !== undefined,
      state: this.state,
      detail: this.breaker ?? this.detail,
      qr: this.state === 'qr' ? this.qr : undefined,
      pairingCode: this.state === 'qr' ? this.pairingCode : undefined,
      breakerOpen: this.breaker !== undefined,
      restarts: this.restarts,
      failuresInWindow: this.policy.inWindow(),
      decryptErrorsLastMinute: this.decrypts.lastMinute(),
      lastUsedAt: this.lastUsedAt,
    };
  }

  /** Start (or restart) on purpose: the breaker is reset, a pairing phone asks for a code instead of QRs. */
  start(pairingPhone?: string): void {
    this.breaker = undefined;
    this.policy.reset();
    this.down = false;
    this.pairingPhone = pairingPhone;
    this.lastUsedAt = Date.now();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (!this.worker) this.spawn();
  }

  /** Start for a send unless the breaker is open (that needs a `connect`). */
  ensureStarted(): void {
    this.lastUsedAt = Date.now();
    if (this.breaker) throw new ChannelError('baileys', 'unavailable', `baileys: the linked device is stopped (${this.breaker})`, { retryable: false });
    if (!this.active) this.start();
  }

  /** Resolves with the status once `done` holds for it, or at the deadline / abort with the status then. */
  waitFor(done: (s: SupervisorStatus) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<SupervisorStatus> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', finish);
        resolve(this.status());
      };
      const check = () => {
        if (done(this.status())) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish, { once: true });
      this.waiters.add(check);
      check();
    });
  }

  /** A request to the worker, answered by its `reply`. */
  request(req: Request, timeoutMs: number): Promise<unknown> {
    const w = this.worker;
    if (!w) return Promise.reject(new ChannelError('baileys', 'unavailable', 'baileys: the linked device is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ChannelError('baileys', 'timeout', 'baileys: the linked device did not answer in time'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      w.postMessage({ ...req, id } as ToWorker);
    });
  }

  /** Test hooks (only when the driver was made with `testHooks`). */
  poke(m: Extract<ToWorker, { type: 'test' }>): void {
    this.worker?.postMessage(m);
  }

  /** Close the socket (no logout); the auth state stays, a later send or connect starts it again. */
  async stop(): Promise<void> {
    this.down = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.endWorker(async (w) => w.postMessage({ type: 'stop' } satisfies ToWorker));
  }

  /** Ask the running worker to end (`ask`), terminate it if it has not within 3 s. */
  private async endWorker(ask: (w: Worker) => Promise<unknown>): Promise<void> {
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    await ask(w).catch(() => undefined);
    const t = setTimeout(() => void w.terminate(), 3000);
    await exited;
    clearTimeout(t);
  }

  /** Unlink the device (logout when the socket is up) and forget its auth state. */
  async logout(): Promise<void> {
    this.down = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.endWorker(() => this.request({ type: 'logout' }, 10_000));
    await this.opts.store.clear(this.ref.tenantId, this.ref.id);
    this.breaker = undefined;
    this.setState('logged_out', 'disconnected on request');
    this.emit({ kind: 'connection', state: 'logged_out', detail: 'disconnected on request' });
  }

  // ---------------------------------------------------------------- the thread

  private spawn(): void {
    this.closing = undefined;
    this.lastError = undefined;
    this.setState('connecting', undefined);
    const limits = { maxOldGenerationSizeMb: this.opts.heapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 };
    const w = spawnDeviceWorker({ ...this.opts.worker, connectionId: this.ref.id, pairingPhone: this.pairingPhone }, limits);
    this.worker = w;
    w.on('message', (m: FromWorker) => {
      if (this.worker === w) void this.onMessage(w, m);
    });
    // An uncaught exception or ERR_WORKER_OUT_OF_MEMORY in the thread: reported here, then `exit`.
    w.on('error', (e) => {
      this.lastError = `${(e as { code?: string }).code ?? e.name}: ${e.message}`.slice(0, 200);
    });
    w.on('exit', (code) => this.onExit(w, code));
  }

  private onExit(w: Worker, code: number): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ChannelError('baileys', 'unavailable', 'baileys: the linked device stopped before answering'));
      this.pending.delete(id);
    }
    if (this.down) return;
    const outcome = this.closing;
    if (outcome && code === 0) {
      if (outcome.restart === 'never') {
        this.down = true;
        return;
      }
      if (outcome.restart === 'now') {
        this.restarts++;
        this.spawn();
        return;
      }
    } else {
      const detail = `the worker crashed (${this.lastError ?? `exit code ${code}`})`;
      this.opts.log?.('error', 'baileys worker crashed', { connectionId: this.ref.id, detail });
      this.setState('closed', detail);
      this.emit({ kind: 'connection', state: 'closed', detail });
    }
    const next = this.policy.fail();
    if (next.tripped) {
      this.openBreaker(`${next.count} failures within ${this.policy.windowSeconds} s`);
      return;
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.down && !this.breaker && !this.worker) {
        this.restarts++;
        this.spawn();
      }
    }, next.delayMs);
    this.restartTimer.unref();
  }

  private openBreaker(reason: string): void {
    this.breaker = `breaker open: ${reason}`;
    this.down = true;
    this.opts.log?.('warn', 'baileys breaker open', { connectionId: this.ref.id, reason });
    this.setState('closed', this.breaker);
    this.emit({ kind: 'connection', state: 'closed', detail: this.breaker });
    const w = this.worker;
    if (w) {
      w.postMessage({ type: 'stop' } satisfies ToWorker);
      setTimeout(() => void w.terminate(), 2000).unref();
    }
  }

  private async onMessage(w: Worker, m: FromWorker): Promise<void> {
    switch (m.type) {
      case 'auth':
        w.postMessage(await answerAuth(this.opts.store, this.ref, m, this.opts.log));
        return;
      case 'connection': {
        const ev = m.outcome.event;
        if (ev.state === 'closed' || ev.state === 'logged_out' || m.outcome.restart) this.closing = this.state === 'qr' && m.outcome.restart === 'backoff' ? { ...m.outcome, restart: 'never' } : m.outcome;
        if (ev.state === 'open') this.policy.opened();
        if (ev.state === 'qr') {
          this.qr = ev.qr ?? this.qr;
          this.pairingCode = ev.pairingCode ?? this.pairingCode;
        }
        this.setState(ev.state, ev.detail);
        this.emit(ev);
        return;
      }
      case 'inbound': {
        this.lastUsedAt = Date.now();
        const ev = m.event;
        if (ev.kind === 'message') ev.content = this.menus.resolve(ev.from.providerId, ev.content);
        this.emit(ev);
        return;
      }
      case 'reply': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(m.error);
        return;
      }
      case 'decrypt-errors': {
        const n = this.decrypts.add(m.count);
        if (n > this.opts.decryptPerMinute && !this.breaker) this.openBreaker(`decrypt storm: ${n} messages failed to decrypt in the last minute`);
        return;
      }
      case 'log':
        this.opts.log?.(m.level, `baileys: ${m.msg}`, { connectionId: this.ref.id });
        return;
    }
  }

  private setState(state: ConnectionState, detail: string | undefined): void {
    this.state = state;
    this.detail = detail;
    if (state !== 'qr') this.qr = this.pairingCode = undefined;
    for (const w of [...this.waiters]) w();
  }

  private emit(ev: InboundEvent): void {
    try {
      this.opts.onEvent(this.ref, ev);
    } catch (e) {
      this.opts.log?.('error', 'baileys onEvent threw', { connectionId: this.ref.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
