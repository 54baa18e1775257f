/** The retry schedule and Retry-After parsing (pure functions). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetryAfter, resolveOptions, retryDelayMs, urlPolicyFor } from './options.js';
import { checkUrl } from '../../platform/net/url-policy.js';

describe('retry schedule', () => {
  it('spans about a day in 7 retries (8 attempts), like Svix', () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toHaveLength(7);
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(27);
    expect(total / 3_600_000).toBeLessThan(28);
  });

  it('adds at most ±10 % jitter and ends after the last step', () => {
    const o = resolveOptions();
    expect(retryDelayMs(0, o, () => 0)).toBe(4_500);
    expect(retryDelayMs(0, o, () => 1)).toBe(5_500);
    expect(retryDelayMs(6, o, () => 0.5)).toBe(10 * 3_600_000);
    expect(retryDelayMs(7, o)).toBeUndefined();
    for (let i = 0; i < 100; i++) {
      const d = retryDelayMs(1, o)!;
      expect(d).toBeGreaterThanOrEqual(270_000);
      expect(d).toBeLessThanOrEqual(330_000);
    }
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, ignores the rest', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('url policy', () => {
  it('allows http only for allow-listed host:port entries', () => {
    // The policy is checked per URL (every hop of a redirect too): http passes only for an entry.
    const passes = (url: string, list: string[]) => {
      try {
        checkUrl(url, urlPolicyFor(url, list));
        return true;
      } catch {
        return false;
      }
    };
    expect(passes('http://127.0.0.1:8080/x', ['127.0.0.1:8080'])).toBe(true);
    expect(passes('http://127.0.0.1:8081/x', ['127.0.0.1:8080'])).toBe(false);
    expect(passes('http://hooks.example/x', [])).toBe(false);
    expect(passes('https://hooks.example/x', [])).toBe(true);
    expect(passes('::nonsense', [])).toBe(false);
  });
});
