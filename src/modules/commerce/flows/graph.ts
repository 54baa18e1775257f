/**
 * A flow as a graph: every outgoing edge of a step (`edgesOf`, which the dashboard's drawing and
 * the engine's analytics reuse), what `start` reaches, and the loops that never wait for the
 * shopper (Tarjan's strongly connected components, iterative so a 300-step chain cannot overflow
 * the stack; linear in steps plus edges). Pure, no server imports: the browser may use it.
 */
import type { TFlowStep } from '../../../../contracts/flows.js';

/** One way out of a step: `to` is a step id, or null for "the session ends". */
export type FlowEdge = { to: string | null; label: string; path: string };

/** The steps that stop and wait for the shopper; a loop through one of them cannot spin. */
export const WAITING_STEP_TYPES: ReadonlySet<string> = new Set(['question', 'tryon', 'style']);

const EDGE_FIELDS = ['else', 'next', 'on_invalid', 'on_timeout', 'on_error'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every outgoing edge of a step, in the order an editor lists them: a choice's options (labelled
 * with the option's label), a decision's branches (`branch 1`…) and `else`, then `next`,
 * `on_invalid`, `on_timeout` and `on_error`. `path` is the JSON pointer of the field in the step
 * (`/input/options/2/next`). A field left out is no edge (undefined `next` ends the session, as
 * does null; a null is listed, with `to: null`).
 */
export function edgesOf(step: TFlowStep): FlowEdge[] {
  return looseEdgesOf(step);
}

/**
 * `edgesOf` for any value, as the validator needs on a step that may break its schema: the edge
 * fields are read wherever they are, and a target that is neither a string nor null is skipped.
 */
export function looseEdgesOf(step: unknown): FlowEdge[] {
  const out: FlowEdge[] = [];
  if (!isRecord(step)) return out;
  const add = (to: unknown, label: string, path: string) => {
    if (typeof to === 'string' || to === null) out.push({ to, label, path });
  };
  const input = step.input;
  if (isRecord(input) && Array.isArray(input.options)) {
    input.options.forEach((o: unknown, i) => {
      if (!isRecord(o)) return;
      const label = typeof o.label === 'string' ? o.label : typeof o.id === 'string' ? o.id : `option ${i + 1}`;
      add(o.next, label, `/input/options/${i}/next`);
    });
  }
  if (Array.isArray(step.branches)) step.branches.forEach((b: unknown, i) => isRecord(b) && add(b.next, `branch ${i + 1}`, `/branches/${i}/next`));
  for (const field of EDGE_FIELDS) add(step[field], field, `/${field}`);
  return out;
}

/** Which nodes `start` reaches; `succ[v]` lists the nodes v leads to. */
export function reachableFrom(start: number, succ: readonly (readonly number[])[]): boolean[] {
  const seen = new Array<boolean>(succ.length).fill(false);
  seen[start] = true;
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    for (const w of succ[queue[head]!] ?? []) {
      if (!seen[w]) {
        seen[w] = true;
        queue.push(w);
      }
    }
  }
  return seen;
}

/**
 * The strongly connected components of the subgraph of the nodes `include` accepts that contain a
 * cycle (more than one node, or one node with an edge to itself), each as its nodes in ascending
 * order. Tarjan's algorithm with an explicit stack.
 */
export function cyclicComponents(succ: readonly (readonly number[])[], include: (v: number) => boolean): number[][] {
  const n = succ.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const found: number[][] = [];
  let counter = 0;
  const visit = (v: number, work: [number, number][]) => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    work.push([v, 0]);
  };
  for (let s = 0; s < n; s++) {
    if (!include(s) || index[s] !== -1) continue;
    const work: [number, number][] = [];
    visit(s, work);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const v = top[0];
      const edges = succ[v] ?? [];
      if (top[1] < edges.length) {
        const w = edges[top[1]++]!;
        if (!include(w)) continue;
        if (index[w] === -1) visit(w, work);
        else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]]!, low[v]!);
      if (low[v] !== index[v]) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.includes(v)) found.push(component.sort((a, b) => a - b));
    }
  }
  return found;
}

/** A shortest cycle from `first` back to it inside `members` (breadth first), as the nodes in order, `first` at both ends. */
export function cycleThrough(first: number, members: ReadonlySet<number>, succ: readonly (readonly number[])[]): number[] {
  const parent = new Map<number, number>();
  const queue = [first];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of succ[v] ?? []) {
      if (!members.has(w)) continue;
      if (w === first) {
        const path = [first];
        for (let u: number | undefined = v; u !== undefined && u !== first; u = parent.get(u)) path.push(u);
        path.push(first);
        return path.reverse();
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [first];
}
