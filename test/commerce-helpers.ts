/** Helpers for the commerce tests: calls with a tenant's key, waiting for jobs' effects, the simulator's shopper side. */
import { expect } from 'vitest';
import { bearer, type TestApp } from './harness.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export function commerceClient(t: TestApp, key: () => string) {
  const call = (method: Method, url: string, payload?: unknown, headers: Record<string, string> = bearer(key())) =>
    t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const json = async <T>(method: Method, url: string, payload?: unknown, status?: number): Promise<T> => {
    const res = await call(method, url, payload);
    if (status !== undefined) expect(res.statusCode, res.body).toBe(status);
    return res.json() as T;
  };
  return { call, json };
}

/** Poll until `fn` returns a truthy value (jobs run in the background). */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, what = 'condition', timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export type Conversation = { id: string; bot_id: string; status: string; unread_count: number; assigned_seller_id: string | null; window: { open: boolean; expires_at: string | null }; contact: { id: string; phone: string | null } };
export type Message = { id: string; direction: 'in' | 'out'; status: string; source: string; content: Record<string, unknown>; error: { code: string; reason: string | null } | null; provider: string | null; connection_id: string | null };
export type ThreadMessage = { id: string; direction: 'to_shopper' | 'from_shopper'; content: Record<string, unknown>; status: string };
