/**
 * The supervisor's bookkeeping (supervisor.ts): capped exponential backoff between restarts, a
 * breaker that trips after `maxFailures` failures within `windowMs`, and a one-minute sliding
 * count of messages that failed to decrypt.
 */
export class RestartPolicy {
  private failures: number[] = [];
  private attempt = 0;
  constructor(private readonly o: { baseMs: number; maxMs: number; maxFailures: number; windowMs: number }) {}

  /** A fresh start on purpose (connect): forget past failures. */
  reset(): void {
    this.failures = [];
    this.attempt = 0;
  }
  /** The socket opened: the next failure waits the base delay again (the window still counts). */
  opened(): void {
    this.attempt = 0;
  }
  /** Record a failure: the delay before the next start, or `tripped` when the breaker opens. */
  fail(now = Date.now()): { tripped: true; count: number } | { tripped: false; delayMs: number } {
    this.failures = [...this.failures.filter((t) => t > now - this.o.windowMs), now];
    if (this.failures.length >= this.o.maxFailures) return { tripped: true, count: this.failures.length };
    const delayMs = Math.min(this.o.baseMs * 2 ** this.attempt, this.o.maxMs);
    this.attempt++;
    return { tripped: false, delayMs };
  }
  inWindow(now = Date.now()): number {
    return this.failures.filter((t) => t > now - this.o.windowMs).length;
  }
  get windowSeconds(): number {
    return Math.round(this.o.windowMs / 1000);
  }
}

export class DecryptMeter {
  private counts: { at: number; n: number }[] = [];
  add(n: number, now = Date.now()): number {
    this.counts.push({ at: now, n });
    return this.lastMinute(now);
  }
  lastMinute(now = Date.now()): number {
    this.counts = this.counts.filter((d) => d.at > now - 60_000);
    return this.counts.reduce((s, d) => s + d.n, 0);
  }
}
