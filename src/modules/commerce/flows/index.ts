/**
 * The flow engine of conversational commerce: flows and their versions (service.ts, routes.ts),
 * the validator (validate.ts), the interpreter (engine.ts), the orchestrator that runs a
 * conversation's inputs (runner.ts) and the editor's test run (test-run.ts). The commerce core
 * builds it (index.ts of the module) and gives the inbound job its `accept` hook.
 */
import { defineJob } from '../../../platform/jobs/types.js';
import type { App } from '../../../platform/http/types.js';
import { Flow, FlowIssue, FlowSession, FlowVersion } from '../../../../contracts/flows.js';
import type { CommerceCore } from '../core.js';
import { createFlowRunner, FLOW_RUN_JOB, FLOW_TIMEOUT_JOB, type FlowRunPayload, type FlowTimeoutPayload, type SessionCache } from './runner.js';
import { createFlowsService } from './service.js';
import { createFlowTester } from './test-run.js';
import { flowRoutes } from './routes.js';
import * as repo from './repository.js';
import type { PubSub } from '../../../platform/cache/pubsub.js';

export function createFlowsPart(core: CommerceCore, handover: Parameters<typeof createFlowRunner>[2], opts: { pubsub?: PubSub | undefined; sessionCache?: SessionCache | undefined } = {}) {
  const flows = createFlowsService(core, opts.pubsub);
  const runner = createFlowRunner(core, flows, handover, opts.sessionCache);
  const test = createFlowTester(core, flows);
  return {
    flows,
    runner,
    registerRoutes(app: App) {
      for (const s of [FlowIssue, Flow, FlowVersion, FlowSession]) app.addSchema(s);
      flowRoutes(app, { flows, test });
    },
    registerJobs() {
      core.jobs.register(defineJob<FlowRunPayload>({ name: FLOW_RUN_JOB, attempts: 8, timeoutMs: 180_000, concurrency: 8, backoffMs: (n) => Math.min(30_000, 500 * 2 ** Math.max(0, n - 1)), handler: (p, ctx) => runner.run(p, ctx) }) as never);
      core.jobs.register(defineJob<FlowTimeoutPayload>({ name: FLOW_TIMEOUT_JOB, attempts: 5, timeoutMs: 30_000, handler: (p) => runner.onTimeout(p) }) as never);
    },
    close: () => flows.close(),
    /** Runs lost to a crash (inputs stored, no job left): queued again. */
    async maintenance(olderThanMs = 60_000): Promise<number> {
      const stale = await repo.staleInputs(core.db, new Date(core.now().getTime() - olderThanMs));
      for (const s of stale) await core.jobs.enqueue<FlowRunPayload>(FLOW_RUN_JOB, { tenant_id: s.tenantId, conversation_id: s.conversationId }, { dedupeKey: `${FLOW_RUN_JOB}:${s.id}:recover:${Math.floor(core.now().getTime() / olderThanMs)}` });
      return stale.length;
    },
  };
}

export type FlowsPart = ReturnType<typeof createFlowsPart>;
export { STARTER_FLOW } from './service.js';
