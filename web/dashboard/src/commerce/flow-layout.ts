/**
 * A flow draft as a drawable graph: one node per step (its id, type and a few summary lines), a
 * `start` marker, a small terminal for each way out that ends the session, a ghost node for each
 * step an edge names that does not exist; laid out top to bottom by dagre. The edges are the
 * server's own `looseEdgesOf` (src/modules/commerce/flows/graph.ts, pure and free of server
 * imports), so the drawing and the validator agree on every way out of a step, even for a draft
 * that breaks its schema. Pure: no DOM.
 */
import dagre from '@dagrejs/dagre';
import { looseEdgesOf } from '../../../../src/modules/commerce/flows/graph';
import type { FlowIssue, LooseStep } from './flow-types';

export type NodeKind = 'step' | 'start' | 'end' | 'missing';
export type GraphNode = {
  key: string;
  kind: NodeKind;
  /** The step's id (a missing step: the id named). */
  id: string;
  /** The step's index in `steps` (step nodes). */
  index: number;
  type: string;
  lines: string[];
  options: string[];
  x: number;
  y: number;
  width: number;
  height: number;
};
export type GraphEdge = { key: string; from: string; to: string; fromId: string; toId: string | null; label: string; path: string; points: { x: number; y: number }[]; labelAt: { x: number; y: number } | null };
export type FlowGraph = { nodes: GraphNode[]; edges: GraphEdge[]; width: number; height: number };

export const NODE_WIDTH = 160;
const LINE = 15;
const HEAD = 24;
const PAD = 8;
/** Characters of a summary line (11px system-ui in a 160px box). */
const CHARS = 27;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const clip = (s: string, n = CHARS) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** An edge label's pill (10px text): what the layout keeps room for. */
export const labelWidth = (label: string) => Math.min(130, Math.min(label.length, 22) * 5.6 + 12);

/** At most `max` lines of `n` characters, cut at spaces where it can. */
export function wrap(text: string, max = 2, n = CHARS): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (!line) line = w;
    else if (line.length + 1 + w.length <= n) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line) out.push(line);
  const lines = out.slice(0, max).map((l) => clip(l, n));
  if (out.length > max) lines[max - 1] = clip(`${lines[max - 1]!.replace(/…$/, '')} ${out[max]}`, n).replace(/…?$/, '…');
  return lines;
}

function conditionText(c: unknown): string {
  if (!isRecord(c)) return '?';
  const sym: Record<string, string> = { equals: '=', not_equals: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' };
  const op = str(c.op);
  return `${str(c.var)} ${sym[op] ?? op.replace(/_/g, ' ')}${c.value !== undefined ? ` ${str(c.value)}` : ''}`;
}

/** What a node says about its step: a few lines, and the options of a choice (or a message's buttons). */
export function summarize(step: LooseStep): { lines: string[]; options: string[] } {
  const type = str(step.type);
  const c = isRecord(step.content) ? step.content : {};
  const input = isRecord(step.input) ? step.input : {};
  const labels = (a: unknown, field: string) => (Array.isArray(a) ? a.map((o) => (isRecord(o) ? str(o[field]) || str(o.id) : '')).filter(Boolean) : []);
  switch (type) {
    case 'message': {
      const kind = str(c.kind);
      if (kind === 'text') return { lines: wrap(str(c.text)), options: [] };
      if (kind === 'media') return { lines: wrap(`[${str(c.media_kind) || 'media'}] ${str(c.caption) || str(c.url)}`), options: [] };
      if (kind === 'buttons') return { lines: wrap(str(c.body)), options: labels(c.buttons, 'title') };
      if (kind === 'list') return { lines: [...wrap(str(c.body), 1), clip(`☰ ${str(c.button)}`)], options: [] };
      if (kind === 'product') return { lines: wrap(`product ${str(c.product)}${c.body ? ` · ${str(c.body)}` : ''}`), options: [] };
      if (kind === 'product_list') return { lines: wrap(`products: ${str(c.header)} · ${str(c.body)}`), options: [] };
      if (kind === 'link') return { lines: [...wrap(str(c.body), 1), clip(`↗ ${str(c.label)}`)], options: [] };
      return { lines: [clip(kind || '(no content)')], options: [] };
    }
    case 'question': {
      const kind = str(input.kind);
      const bounds = input.min !== undefined || input.max !== undefined ? ` ${str(input.min) || '…'}–${str(input.max) || '…'}` : '';
      const extra = kind && kind !== 'choice' ? [clip(`⌨ ${kind}${bounds}${step.save_as ? ` → ${str(step.save_as)}` : ''}`)] : [];
      return { lines: [...wrap(str(step.prompt), extra.length ? 1 : 2), ...extra], options: kind === 'choice' ? labels(input.options, 'label') : [] };
    }
    case 'decision': {
      const branches = Array.isArray(step.branches) ? step.branches : [];
      return {
        lines: branches.slice(0, 3).map((b, i) => {
          const w = isRecord(b) && isRecord(b.when) ? b.when : {};
          const all = Array.isArray(w.all) ? w.all.map(conditionText) : [];
          const any = Array.isArray(w.any) ? [`any(${w.any.map(conditionText).join(', ')})`] : [];
          return clip(`${i + 1}: ${[...all, ...any].join(' and ') || '?'}`);
        }),
        options: [],
      };
    }
    case 'action': {
      const args = isRecord(step.args) ? Object.entries(step.args).map(([k, v]) => `${k}=${str(v)}`) : [];
      return { lines: [clip(`⚙ ${str(step.action)}`), ...(args.length ? wrap(args.join(' '), 1) : [])], options: [] };
    }
    case 'api_call': {
      const r = isRecord(step.request) ? step.request : {};
      return { lines: wrap(`${str(r.method)} ${str(r.url).replace(/^https?:\/\//, '')}`), options: [] };
    }
    case 'tryon':
      return { lines: [...wrap(str(step.prompt), 1), clip(`try on ${str(step.product)}`)], options: [] };
    case 'style':
      return { lines: [...wrap(str(step.prompt), 1), clip('→ colour season, palette')], options: [] };
    case 'end':
      return { lines: step.message ? wrap(str(step.message)) : ['(the session ends)'], options: [] };
    default:
      return { lines: [clip(type ? `unknown type ${type}` : 'no type')], options: [] };
  }
}

/** The graph of a draft (anything: a draft may break its schema), laid out. Null when it has no steps to draw. */
export function layoutFlow(def: unknown): FlowGraph | null {
  if (!isRecord(def) || !Array.isArray(def.steps)) return null;
  const steps = def.steps as unknown[];
  const g = new dagre.graphlib.Graph({ multigraph: true });
  // Margins hold the error badge that sits on a node's corner.
  g.setGraph({ rankdir: 'TB', nodesep: 14, ranksep: 36, edgesep: 6, marginx: 18, marginy: 18 });
  g.setDefaultEdgeLabel(() => ({}));
  const nodes = new Map<string, Omit<GraphNode, 'x' | 'y'>>();
  const byId = new Map<string, string>();
  const add = (n: Omit<GraphNode, 'x' | 'y'>) => {
    nodes.set(n.key, n);
    g.setNode(n.key, { width: n.width, height: n.height });
  };
  steps.forEach((raw, index) => {
    if (!isRecord(raw)) return;
    const step = raw as LooseStep;
    const id = str(step.id) || `#${index}`;
    const key = `s${index}`;
    if (!byId.has(id)) byId.set(id, key);
    const { lines, options } = summarize(step);
    const optionLines = options.length > 4 ? [...options.slice(0, 3), `+${options.length - 3} more`] : options;
    add({ key, kind: 'step', id, index, type: str(step.type) || '?', lines, options: optionLines, width: NODE_WIDTH, height: HEAD + lines.length * LINE + (optionLines.length ? optionLines.length * 19 + 4 : 0) + PAD });
  });
  if (nodes.size === 0) return null;

  const edges: Omit<GraphEdge, 'points' | 'labelAt'>[] = [];
  const start = str(def.start);
  add({ key: 'start', kind: 'start', id: 'start', index: -1, type: 'start', lines: [], options: [], width: 64, height: 24 });
  const startTo = byId.get(start) ?? (start ? `missing:${start}` : undefined);
  if (startTo && !nodes.has(startTo)) add({ key: startTo, kind: 'missing', id: start, index: -1, type: 'missing', lines: [], options: [], width: 150, height: 40 });
  if (startTo) edges.push({ key: 'start', from: 'start', to: startTo, fromId: 'start', toId: start, label: '', path: '/start' });

  steps.forEach((raw, index) => {
    if (!isRecord(raw)) return;
    const from = `s${index}`;
    looseEdgesOf(raw).forEach((e, k) => {
      let to: string;
      if (e.to === null) {
        to = `end${index}:${k}`;
        add({ key: to, kind: 'end', id: 'end', index: -1, type: 'end', lines: [], options: [], width: 40, height: 22 });
      } else {
        to = byId.get(e.to) ?? `missing:${e.to}`;
        if (!nodes.has(to)) add({ key: to, kind: 'missing', id: e.to, index: -1, type: 'missing', lines: [], options: [], width: 150, height: 40 });
      }
      // `next` is the plain way on: drawn without a label.
      const label = e.label === 'next' ? '' : e.label;
      edges.push({ key: `${from}:${k}`, from, to, fromId: nodes.get(from)!.id, toId: e.to, label, path: `/steps/${index}${e.path}` });
    });
  });
  for (const e of edges) g.setEdge(e.from, e.to, e.label ? { width: labelWidth(e.label), height: 18, labelpos: 'c' } : {}, e.key);
  dagre.layout(g);

  const graph = g.graph();
  return {
    nodes: [...nodes.values()].map((n) => {
      const p = g.node(n.key);
      return { ...n, x: p.x ?? 0, y: p.y ?? 0 };
    }),
    edges: edges.map((e) => {
      const l = g.edge({ v: e.from, w: e.to, name: e.key });
      return { ...e, points: l.points ?? [], labelAt: e.label && l.x !== undefined && l.y !== undefined ? { x: l.x, y: l.y } : null };
    }),
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
  };
}

/** The step an issue is about: its `step_id`, else the step its path is in (`/steps/3/next`). */
export function stepOfIssue(issue: FlowIssue, def: unknown): string | undefined {
  if (issue.step_id) return issue.step_id;
  const m = /^\/steps\/(\d+)(\/|$)/.exec(issue.path);
  if (!m || !isRecord(def) || !Array.isArray(def.steps)) return undefined;
  const s = def.steps[Number(m[1])] as unknown;
  return isRecord(s) && typeof s.id === 'string' ? s.id : undefined;
}

/** d3's basis curve through dagre's points: a smooth path from the first to the last. */
export function curve(points: { x: number; y: number }[]): string {
  const f = (n: number) => Math.round(n * 10) / 10;
  if (points.length === 0) return '';
  if (points.length < 3) return points.map((p, i) => `${i ? 'L' : 'M'}${f(p.x)},${f(p.y)}`).join(' ');
  let [x0, y0] = [points[0]!.x, points[0]!.y];
  let [x1, y1] = [points[1]!.x, points[1]!.y];
  let d = `M${f(x0)},${f(y0)} L${f((5 * x0 + x1) / 6)},${f((5 * y0 + y1) / 6)}`;
  const bezier = (x: number, y: number) => {
    d += ` C${f((2 * x0 + x1) / 3)},${f((2 * y0 + y1) / 3)} ${f((x0 + 2 * x1) / 3)},${f((y0 + 2 * y1) / 3)} ${f((x0 + 4 * x1 + x) / 6)},${f((y0 + 4 * y1 + y) / 6)}`;
  };
  for (const p of points.slice(2)) {
    bezier(p.x, p.y);
    [x0, y0, x1, y1] = [x1, y1, p.x, p.y];
  }
  bezier(x1, y1);
  d += ` L${f(x1)},${f(y1)}`;
  return d;
}
