/**
 * Tracing: OpenTelemetry spans across HTTP request → job queue → worker → provider call → webhook
 * delivery, so one try-on (or one WhatsApp message) is one trace; exported over OTLP/HTTP when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set. The code is instrumented with `@opentelemetry/api` only;
 * the SDK (provider, batch processor, exporter) is loaded and registered by `startTracing` when
 * configured. Off, every helper here returns at its first line (a boolean), the HTTP hooks are not
 * even registered (app.ts), and a job's payload carries no trace context.
 *
 * Across the queue the W3C trace context rides in the job's payload under `_trace` (added at
 * enqueue when a span is active, taken off before the handler sees the payload — on every node,
 * traced or not). The trace id is in every log line written inside a span and in problem+json.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { hostname } from 'node:os';
import type { Logger } from 'pino';

let on = false;
const TRACER = 'probador';
export const TRACE_KEY = '_trace';

export const tracingOn = () => on;
export const tracer = () => trace.getTracer(TRACER);

export type TracingConfig = { endpoint: string | undefined; serviceName: string; release: string; environment: string; sampleRatio: number };
export type Tracing = { readonly enabled: boolean; close(): Promise<void> };

/** Registers the SDK (global: one per process) when an endpoint is configured. */
export async function startTracing(cfg: TracingConfig, log: Logger): Promise<Tracing> {
  if (!cfg.endpoint || on) return { enabled: on, close: async () => undefined };
  const [{ NodeTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': cfg.serviceName, 'service.version': cfg.release, 'deployment.environment.name': cfg.environment, 'service.instance.id': `${hostname()}:${process.pid}` }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(cfg.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${cfg.endpoint.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 500 })],
  });
  provider.register();
  on = true;
  log.info({ endpoint: cfg.endpoint, sample_ratio: cfg.sampleRatio }, 'tracing on');
  return {
    enabled: true,
    close: async () => {
      await provider.forceFlush().catch(() => undefined);
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
      propagation.disable();
      on = false;
    },
  };
}

/** Runs `fn` in a new span (child of the active one); ends it, with the error recorded when `fn` throws. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  if (!on) return fn();
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn();
    } catch (e) {
      failSpan(span, e);
      throw e;
    } finally {
      span.end();
    }
  });
}

export function failSpan(span: Span, e: unknown) {
  span.recordException(e instanceof Error ? { name: e.name, message: e.message.slice(0, 300) } : { name: 'Error', message: 'non-error thrown' });
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** The active trace's id (for logs and problem+json), when tracing is on and a span is active. */
export function activeTraceId(): string | undefined {
  if (!on) return undefined;
  const s = trace.getActiveSpan()?.spanContext();
  return s && trace.isSpanContextValid(s) ? s.traceId : undefined;
}

/** The payload with the active trace context under `_trace` (unchanged when off or nothing is active). */
export function withTraceContext<P>(payload: P): P {
  if (!on || !payload || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? ({ ...payload, [TRACE_KEY]: carrier } as P) : payload;
}

/** A job's payload without its trace context, and that context (ROOT when none). */
export function takeTraceContext<P>(payload: P): { payload: P; parent: Context } {
  if (!payload || typeof payload !== 'object' || !(TRACE_KEY in payload)) return { payload, parent: ROOT_CONTEXT };
  const { [TRACE_KEY]: carrier, ...rest } = payload as Record<string, unknown>;
  const parent = on && carrier && typeof carrier === 'object' ? propagation.extract(ROOT_CONTEXT, carrier as Record<string, string>) : ROOT_CONTEXT;
  return { payload: rest as P, parent };
}

/** Runs a job's handler in a CONSUMER span, child of the trace that enqueued it. */
export function runJobSpan<T>(name: string, jobId: string, attempt: number, parent: Context, fn: () => Promise<T>): Promise<T> {
  if (!on) return fn();
  return context.with(parent, () => withSpan(`job ${name}`, { 'messaging.operation.type': 'process', 'messaging.destination.name': name, 'messaging.message.id': jobId, 'probador.job.attempt': attempt }, fn, SpanKind.CONSUMER));
}

export { SpanKind };
