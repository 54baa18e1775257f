/**
 * `POST /v1/flows/:id/test`: a script of shopper inputs run through the engine — the draft or a
 * version — and the transcript back, as the shopper would see it on WhatsApp. The same engine as a
 * real conversation; what it touches outside is real (the catalog, API calls under the network
 * policy, try-ons and style analyses of the photos given) except what a test must not do: no
 * message leaves, no order is stored (one is priced from the catalog instead), no conversation
 * is handed over, no contact is tagged or opted out (each is shown as a `system` line), and a
 * question's timeout is a scripted input (`{"timeout": true}`).
 */
import type { TFlowDefinition } from '../../../../contracts/flows.js';
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { formatMoney } from '../../../platform/money.js';
import { parseImageDataUrl } from '../../../platform/images/data-url.js';
import { dimensionsOf } from '../../../platform/images/dimensions.js';
import type { CommerceCore } from '../core.js';
import { policyFetch, type OutboundContent } from '../channels/index.js';
import type { FlowAnswer } from './answers.js';
import { advance, type FlowEnv, type SessionState, type OrderInfo } from './engine.js';
import { callApi, ExpectedStepError } from './runner.js';
import type { FlowsService } from './service.js';
import { keywordOf } from './template.js';
import { validateFlow } from './validate.js';

export type TestInput = string | { reply: string } | { image: string } | { location: { latitude: number; longitude: number } } | { timeout: true };
type Entry = { from: 'shopper' | 'bot' | 'system'; content: unknown; step_id: string | null };

const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export function createFlowTester(core: CommerceCore, flows: FlowsService) {
  const ports = core.ports.flows ?? {};
  const apiFetch = policyFetch({ allowPrivateHosts: core.config.fetch.allowPrivateHosts, timeoutMs: 30_000, maxBytes: 256 * 1024 });

  return async function test(tenantId: string, flowId: string, body: { inputs: TestInput[]; version?: 'draft' | number | undefined; contact?: { name?: string | undefined; phone?: string | undefined } | undefined }) {
    const flow = await flows.getFlow(tenantId, flowId);
    let def: TFlowDefinition;
    let version = 0;
    if (body.version === undefined || body.version === 'draft') {
      const v = validateFlow(flow.draft);
      if (!v.valid || !v.definition) throw new AppError('FLOW_INVALID', `The draft has ${v.errors.length} error(s).`, { extra: { errors: v.errors.map((e) => ({ in: 'body', path: `/definition${e.path}`, message: `${e.code}: ${e.message}` })) } });
      def = v.definition;
    } else {
      const d = await flows.definitionOf(tenantId, flowId, body.version);
      if (!d) throw new AppError('FLOW_VERSION_NOT_FOUND', `Flow ${flowId} has no version ${body.version}.`);
      def = d;
      version = body.version;
    }
    // Photos first: a bad one is the caller's mistake (4xx) before anything runs.
    const images = new Map<number, { key: string; content_type: string; bytes: Buffer }>();
    for (const [i, input] of body.inputs.entries()) {
      if (typeof input === 'object' && 'image' in input) {
        const img = parseImageDataUrl(input.image, { maxBytes: MAX_IMAGE_BYTES });
        const size = await dimensionsOf(img.bytes).catch(() => ({ width: 0, height: 0 }));
        if (size.width === 0 || size.height === 0) throw new AppError('IMAGE_UNREADABLE', `inputs[${i}]: the image cannot be read.`);
        images.set(i, { key: `tenants/${tenantId}/flow-tests/${newId('upload')}`, content_type: img.declaredType, bytes: img.bytes });
      }
    }

    const transcript: Entry[] = [];
    const visited: string[] = [];
    const bot = flow.botId ? await core.bots.getBot(tenantId, flow.botId).catch(() => undefined) : undefined;
    let testOrder: OrderInfo | undefined;
    const system = (content: Record<string, unknown>, stepId: string | null = null) => void transcript.push({ from: 'system', content, step_id: stepId });
    const env: FlowEnv = {
      builtins: { contact: { id: 'ctc_test', name: body.contact?.name ?? 'Test shopper', phone: body.contact?.phone ?? '+15550000000', tags: [] }, bot: { id: bot?.id ?? '', name: bot?.name ?? flow.name }, conversation: { id: 'cnv_test' } },
      send: async (content: OutboundContent, stepId: string) => void transcript.push({ from: 'bot', content, step_id: stepId.split('#')[0]! }),
      visit: (stepId) => void visited.push(stepId),
      product: async (id) => (ports.product ? ports.product(tenantId, id) : undefined),
      products: async (limit) => (ports.products ? ports.products(tenantId, limit) : []),
      createOrder: async (cart, notes, stepId) => {
        let total = 0;
        let currency = '';
        for (const line of cart) {
          const p = ports.product ? await ports.product(tenantId, line.product_id) : undefined;
          if (!p) throw new ExpectedStepError(`no product ${line.product_id}`);
          total += (p.unitAmount ?? 0) * line.quantity;
          currency ||= p.currency ?? '';
        }
        testOrder = { id: 'ord_test', status: 'pending', total, currency, total_text: currency ? formatMoney(total, currency) : String(total), payment_url: null };
        system({ event: 'order.create', dry_run: true, items: cart, notes: notes ?? null, total, currency }, stepId);
        return testOrder;
      },
      orderStatus: async (id) => (testOrder && id === testOrder.id ? testOrder : ports.getOrder ? ports.getOrder(tenantId, id) : undefined),
      http: async (req) => callApi(apiFetch, req),
      tryon: async (productId, image, stepId) => {
        if (!ports.tryon) throw new ExpectedStepError('try-on is not available');
        return ports.tryon(tenantId, { image, productId, idempotencyKey: `${flowId}:test:${image.key}:${stepId}` });
      },
      style: async (image, products, stepId) => {
        if (!ports.style) throw new ExpectedStepError('style analysis is not available');
        return ports.style(tenantId, { image, products, idempotencyKey: `${flowId}:test:${image.key}:${stepId}` });
      },
      armTimeout: async () => undefined,
      handover: async (o) => system({ event: 'handover', to: o.sellerId ? 'agent' : 'waiting_agent', seller_id: o.sellerId ?? null, note: o.note ?? null }, o.stepId ?? null),
      tag: async (tag) => system({ event: 'tag', tag }),
      optOut: async (category) => system({ event: 'opt_out', category }),
      jump: async (target) => {
        const t = await flows.publishedOf(tenantId, target);
        if (!t) throw new ExpectedStepError(`flow ${target.slice(0, 80)} is not published`);
        return t;
      },
    };

    const fresh = (): SessionState => {
      const variables: Record<string, unknown> = {};
      for (const v of def.variables ?? []) if (v.value !== undefined) variables[v.name] = v.value;
      return { flowId, flowVersion: version, stepId: def.start, wait: 'none', waitSeq: 0, retries: 0, variables, cart: [], status: 'active' };
    };
    let state: SessionState | undefined;
    try {
      for (const img of images.values()) await core.blobs.put(img.key, img.bytes, img.content_type);
      for (const [i, input] of body.inputs.entries()) {
        let answer: FlowAnswer | undefined;
        if (typeof input === 'string') answer = { type: 'text', text: input };
        else if ('reply' in input) answer = { type: 'button_reply', id: input.reply, title: input.reply };
        else if ('image' in input) answer = { type: 'media', kind: 'image', key: images.get(i)!.key, contentType: images.get(i)!.content_type };
        else if ('location' in input) answer = { type: 'location', latitude: input.location.latitude, longitude: input.location.longitude };
        if (!answer) {
          system({ event: 'timeout' });
          if (state?.status === 'active') state = await advance(def, state, { kind: 'timeout', waitSeq: state.waitSeq }, env);
          continue;
        }
        transcript.push({ from: 'shopper', content: typeof input === 'object' && 'image' in input ? { type: 'image' } : answer, step_id: null });
        if (state?.status === 'active' && answer.type === 'text') {
          const k = keywordOf(def.settings, answer.text);
          if (k === 'exit') {
            state = { ...state, status: 'exited', endReason: 'exit keyword', wait: 'none' };
            system({ event: 'handover', to: 'waiting_agent', note: 'exit keyword' });
            continue;
          }
          if (k === 'restart') state = undefined;
        }
        state = state?.status === 'active' ? await advance(def, state, { kind: 'message', answer }, env) : await advance(def, fresh(), { kind: 'start' }, env);
      }
    } finally {
      for (const img of images.values()) await core.blobs.delete(img.key).catch(() => undefined);
    }
    const s = state ?? fresh();
    return {
      transcript,
      session: { status: s.status, step_id: s.stepId, waiting: s.wait === 'input', variables: Object.fromEntries(Object.entries(s.variables).filter(([k]) => !k.startsWith('_'))), cart: s.cart, end_reason: s.endReason ?? null },
      visited,
    };
  };
}
