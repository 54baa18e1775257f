/**
 * Slow clients (slowloris): a request must arrive in time, or it is answered
 * `408 REQUEST_TIMEOUT` (problem+json) and its connection closed.
 *
 *   - `PROBADOR_REQUEST_TIMEOUT_MS` — the whole request, headers and body, must be received within
 *     this (Node's `server.requestTimeout`; Fastify leaves it off by default). A body trickled a byte
 *     at a time is cut here. Node checks it every `connectionsCheckingInterval`, which we set to a
 *     quarter of the timeout (at most Node's 30 s), so the answer comes at 1–1.25 × the timeout.
 *   - `PROBADOR_BODY_TIMEOUT_MS` — while a body is being received, the connection may stay silent
 *     for at most this long (the socket's bytesRead watched from the request's start until its
 *     body has been read or it is answered; a stall is noticed within 1–1.25 × the timeout). A client that sends headers and part of the body and then
 *     stalls is cut here, long before the request timeout.
 * Header-stage slowness is Node's `headersTimeout` (60 s, or the request timeout if smaller).
 * Node writes nothing itself: Fastify's clientError handler answers, replaced here by one that
 * writes the same problem document as every other error.
 */
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { ERRORS, problemType } from '../errors.js';
import { newId } from '../ids.js';
import type { App } from './types.js';

export type TimeoutConfig = { requestTimeoutMs: number; bodyTimeoutMs: number };

/** The request id of the request a socket is reading, for the 408 written straight to the socket. */
const readingRequest = new WeakMap<Socket, string>();

function writeTimeout(socket: Socket, requestId: string, detail: string) {
  if (!socket.writable || socket.destroyed) return;
  const { status, title } = ERRORS.REQUEST_TIMEOUT;
  const body = JSON.stringify({ type: problemType('REQUEST_TIMEOUT'), title, status, detail, code: 'REQUEST_TIMEOUT', request_id: requestId });
  socket.write(
    `HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `request-id: ${requestId}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Fastify server options: Node's request timeout, its checking interval, and the clientError handler. */
export function timeoutServerOptions(c: TimeoutConfig): Pick<FastifyServerOptions, 'requestTimeout' | 'clientErrorHandler'> & { http: { connectionsCheckingInterval: number; requestTimeout: number } } {
  return {
    requestTimeout: c.requestTimeoutMs,
    // Also given to http.createServer itself: Node's connection tracking takes the request timeout
    // given at construction; set afterwards (as Fastify does) it still cuts slow headers but not a
    // slow body.
    http: { connectionsCheckingInterval: Math.max(25, Math.min(30_000, Math.floor(c.requestTimeoutMs / 4))), requestTimeout: c.requestTimeoutMs },
    clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        writeTimeout(socket, readingRequest.get(socket) ?? newId('request'), `The request was not received within ${c.requestTimeoutMs} ms.`);
      } else if (socket.writable) {
        // As Fastify's default: a request Node could not parse.
        const [code, text] = err.code === 'HPE_HEADER_OVERFLOW' ? ['431', 'Request Header Fields Too Large'] : ['400', 'Bad Request'];
        const body = `{"error":"${text}","statusCode":${code}}`;
        socket.write(`HTTP/1.1 ${code} ${text}\r\ncontent-length: ${body.length}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${body}`);
      }
      socket.destroy(err);
    },
  };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The body idle timer (see the header comment), as a route-level onRequest hook of the routes
 * whose method may carry a body, so GET routes (the hot path) run no extra hook. Register before
 * the routes.
 */
export function registerBodyTimeout(app: App, c: TimeoutConfig) {
  if (c.bodyTimeoutMs <= 0) return;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => BODY_METHODS.has(m))) return;
    const own = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [...own, watchBody as never];
  });
  function watchBody(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
    const raw = req.raw;
    const socket = raw.socket;
    const hasBody = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
    if (!hasBody || raw.complete || !socket) return done();
    readingRequest.set(socket, req.id);
    // Node's parser reads the socket's handle directly (no 'data' events), so progress is watched
    // through bytesRead, a few times per timeout.
    let lastBytes = socket.bytesRead;
    let lastProgress = performance.now();
    const timer = setInterval(() => {
      if (socket.bytesRead !== lastBytes) {
        lastBytes = socket.bytesRead;
        lastProgress = performance.now();
        return;
      }
      if (performance.now() - lastProgress < c.bodyTimeoutMs) return;
      stop();
      if (!reply.sent && !reply.raw.headersSent) {
        req.log.info({ timeout_ms: c.bodyTimeoutMs }, 'request body stalled: 408 and the connection closed');
        writeTimeout(socket, req.id, `The request body stalled for ${c.bodyTimeoutMs} ms.`);
      }
      socket.destroy();
    }, Math.max(10, Math.floor(c.bodyTimeoutMs / 4)));
    timer.unref();
    const stop = () => {
      clearInterval(timer);
      raw.removeListener('end', stop);
      raw.removeListener('close', stop);
      reply.raw.removeListener('finish', stop);
      if (readingRequest.get(socket) === req.id) readingRequest.delete(socket);
    };
    raw.once('end', stop);
    raw.once('close', stop);
    reply.raw.once('finish', stop);
    done();
  }
}
