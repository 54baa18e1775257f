/**
 * The live inbox's connection: opens the realtime WebSocket (src/platform/realtime/stream.ts) with
 * a fresh ticket from POST /v1/realtime/tickets, hands every event to the page, and reconnects
 * with exponential backoff and jitter (1 s … 30 s) — a new ticket each time, since a ticket lives
 * 60 s. After a reconnect the page gets a synthetic `realtime.resumed` event so it can refetch what
 * it may have missed while the socket was down.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api';
import type { LiveEvent } from './types';

export type LiveState = 'connecting' | 'live' | 'offline';

const MAX_DELAY_MS = 30_000;

/** The socket address on this page's own host (the dashboard and the API share an origin; CSP connect-src 'self'). */
function socketUrl(ticket: string) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/v1/realtime?ticket=${encodeURIComponent(ticket)}`;
}

export function useLive(tenant: string, onEvent: (e: LiveEvent) => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let stopped = false;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let opened = false;

    const retry = () => {
      if (stopped) return;
      setState(opened || attempt > 0 ? 'offline' : 'connecting');
      const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt++;
      timer = setTimeout(() => void connect(), delay);
    };

    const connect = async () => {
      if (stopped) return;
      let ticket: string;
      try {
        ticket = (await call<{ ticket: string }>('/v1/realtime/tickets', { method: 'POST', tenant })).ticket;
      } catch {
        return retry();
      }
      if (stopped) return;
      const ws = new WebSocket(socketUrl(ticket));
      socket = ws;
      ws.onmessage = (m) => {
        let frame: { type?: string; event?: LiveEvent };
        try {
          frame = JSON.parse(String(m.data)) as typeof frame;
        } catch {
          return;
        }
        if (frame.type === 'ready') {
          const resumed = opened;
          opened = true;
          attempt = 0;
          setState('live');
          if (resumed) handler.current({ id: 'resumed', type: 'realtime.resumed', topics: [], at: new Date().toISOString(), data: {} });
        } else if (frame.type === 'event' && frame.event) handler.current(frame.event);
      };
      ws.onclose = () => {
        if (socket === ws) socket = null;
        retry();
      };
    };

    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close(1000, 'page left');
    };
  }, [tenant]);
  return state;
}
