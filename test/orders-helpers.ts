/**
 * For the orders and sellers tests: the real app with a webhook receiver on 127.0.0.1 and
 * recorders on the orders ports (the shopper's messages, the live inbox, conversation counts), a
 * small catalog for tenant A, and request helpers.
 */
import { expect } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { startReceiver, type Receiver } from './fakes/webhook-receiver.js';
import { garmentPng } from './fakes/images.js';
import { dataUrl } from './tryon-helpers.js';
import type { OrderStatus } from '../contracts/orders.js';
import type { PortOrder } from '../src/modules/commerce/orders/index.js';

export type Notice = { order: PortOrder; from: OrderStatus | null; to: OrderStatus };
export type Published = { tenantId: string; type: string; data: Record<string, unknown> };

export type OrdersTestApp = {
  t: TestApp;
  rx: Receiver;
  notices: Notice[];
  published: Published[];
  /** What the conversationCounts port answers: open conversations per seller id. */
  conversationCounts: Record<string, number>;
  close: () => Promise<void>;
};

export async function ordersApp(): Promise<OrdersTestApp> {
  const rx = await startReceiver();
  const notices: Notice[] = [];
  const published: Published[] = [];
  const conversationCounts: Record<string, number> = {};
  const t = await createTestApp({
    build: {
      webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50], jitter: 0 },
      orders: {
        notifyShopper: async (order, from, to) => void notices.push({ order, from, to }),
        publish: async (tenantId, type, data) => void published.push({ tenantId, type, data }),
        conversationCounts: async (_tenantId, ids) => Object.fromEntries(ids.filter((id) => id in conversationCounts).map((id) => [id, conversationCounts[id]!])),
      },
    },
  });
  return {
    t,
    rx,
    notices,
    published,
    conversationCounts,
    close: async () => {
      await t?.close();
      await rx.close();
    },
  };
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** A request with tenant A's secret key unless `key` is given. */
export const caller = (t: TestApp) => (method: Method, url: string, payload?: unknown, key: string = t.tenantA.secretKey) =>
  t.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as object }) });

/** Create or replace a product of tenant A (or `key`'s tenant) with a small garment image. */
export async function putProduct(t: TestApp, id: string, body: Record<string, unknown>, key: string = t.tenantA.secretKey) {
  const res = await caller(t)('PUT', `/v1/products/${id}`, { name: `Product ${id}`, image: dataUrl(await garmentPng()), ...body }, key);
  expect([200, 201], res.body).toContain(res.statusCode);
  return res.json();
}

export async function stockOf(t: TestApp, id: string, key: string = t.tenantA.secretKey): Promise<{ stock: number | null; variants: { variant_id: string; stock: number | null }[] }> {
  const res = await caller(t)('GET', `/v1/products/${id}`, undefined, key);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Wait until the receiver got `n` deliveries at `path` (webhooks are sent by a job). */
export async function deliveries(rx: Receiver, path: string, n: number, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (rx.at(path).length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return rx.at(path).map((d) => JSON.parse(d.body) as { type: string; data: Record<string, unknown> });
}
