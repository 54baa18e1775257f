/**
 * The flow editor's graph pane: the draft laid out by dagre (commerce/flow-layout.ts) drawn in
 * SVG, scaled to fit the pane's width (or, on demand, the whole pane; never above its natural
 * size); − and + zoom from there, the pane scrolls. Each step is a box with its id,
 * type and a summary; each edge carries its label (an option, `branch 1`, `else`, `on_timeout`…);
 * `start` points at the first step. Steps with errors are outlined red (warnings amber) and say
 * why on hover; the steps of the last test run are tinted green, and the edges it took too.
 * Clicking a step selects it (the JSON pane then selects its text).
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import { curve, labelWidth, layoutFlow, NODE_WIDTH, stepOfIssue, type GraphNode } from './flow-layout';
import type { FlowIssue } from './flow-types';

type Props = {
  definition: unknown;
  errors: FlowIssue[];
  warnings: FlowIssue[];
  visited: string[];
  selected: string | null;
  onSelect: (stepId: string, index: number) => void;
  /** The JSON does not parse: this is the last text that did. */
  stale: boolean;
};

/** Each step type's colour (the dot before its name). */
const TYPE_COLOR: Record<string, string> = { message: '#2563eb', question: '#7c3aed', decision: '#d97706', action: '#475569', api_call: '#0d9488', tryon: '#db2777', style: '#db2777', end: '#9ca3af' };

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2];

export function FlowGraph(props: Props) {
  const graph = useMemo(() => layoutFlow(props.definition), [props.definition]);
  const [zoom, setZoom] = useState<number | 'width' | 'all'>('width');
  const svg = useRef<SVGSVGElement>(null);
  const issues = useMemo(() => {
    const by = new Map<string, { errors: FlowIssue[]; warnings: FlowIssue[] }>();
    const put = (i: FlowIssue, kind: 'errors' | 'warnings') => {
      const id = stepOfIssue(i, props.definition);
      if (!id) return;
      if (!by.has(id)) by.set(id, { errors: [], warnings: [] });
      by.get(id)![kind].push(i);
    };
    props.errors.forEach((i) => put(i, 'errors'));
    props.warnings.forEach((i) => put(i, 'warnings'));
    return by;
  }, [props.errors, props.warnings, props.definition]);
  const visited = useMemo(() => new Set(props.visited), [props.visited]);
  // The edges the run took: consecutive visited steps.
  const taken = useMemo(() => new Set(props.visited.slice(1).map((id, i) => `${props.visited[i]}>${id}`)), [props.visited]);

  if (!graph) return <div class="flow-graph-empty muted">{props.definition === undefined ? 'Loading…' : 'No steps to draw: the draft needs a "steps" array.'}</div>;

  const node = (n: GraphNode) => {
    const left = n.x - n.width / 2;
    const top = n.y - n.height / 2;
    if (n.kind === 'start')
      return (
        <g key={n.key} class="flow-node start" data-node="start" transform={`translate(${left},${top})`}>
          <rect width={n.width} height={n.height} rx={12} />
          <text x={n.width / 2} y={16} text-anchor="middle">
            ▶ start
          </text>
        </g>
      );
    if (n.kind === 'end')
      return (
        <g key={n.key} class="flow-node terminal" data-node="end" transform={`translate(${left},${top})`}>
          <title>The session ends</title>
          <rect width={n.width} height={n.height} rx={11} />
          <text x={n.width / 2} y={15} text-anchor="middle">
            end
          </text>
        </g>
      );
    if (n.kind === 'missing')
      return (
        <g key={n.key} class="flow-node missing" data-node="missing" data-missing={n.id} transform={`translate(${left},${top})`}>
          <title>{`No step "${n.id}" in this flow`}</title>
          <rect width={n.width} height={n.height} rx={8} />
          <text x={n.width / 2} y={17} text-anchor="middle" class="flow-node-id">
            {n.id.length > 20 ? `${n.id.slice(0, 19)}…` : n.id}
          </text>
          <text x={n.width / 2} y={32} text-anchor="middle" class="flow-node-type">
            no such step
          </text>
        </g>
      );
    const own = issues.get(n.id);
    const cls = ['flow-node', 'step', own?.errors.length ? 'has-errors' : own?.warnings.length ? 'has-warnings' : '', visited.has(n.id) ? 'visited' : '', props.selected === n.id ? 'selected' : ''].filter(Boolean).join(' ');
    const title = [`${n.id} (${n.type})`, ...(own?.errors.map((e) => `✖ ${e.message}`) ?? []), ...(own?.warnings.map((e) => `⚠ ${e.message}`) ?? [])].join('\n');
    const optTop = 24 + n.lines.length * 15 + 2;
    return (
      <g
        key={n.key}
        class={cls}
        data-node="step"
        data-step={n.id}
        data-type={n.type}
        data-errors={own?.errors.length ?? 0}
        data-visited={visited.has(n.id) ? 'true' : undefined}
        transform={`translate(${left},${top})`}
        role="button"
        tabIndex={0}
        aria-label={`Step ${n.id}, ${n.type}${own?.errors.length ? `, ${own.errors.length} error(s)` : ''}`}
        onClick={() => props.onSelect(n.id, n.index)}
        onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), props.onSelect(n.id, n.index))}
      >
        <title>{title}</title>
        <rect width={n.width} height={n.height} rx={8} />
        <circle cx={12} cy={12} r={3.5} fill={TYPE_COLOR[n.type] ?? '#ef4444'} />
        <text x={20} y={16} class="flow-node-id">
          {n.id.length > 14 ? `${n.id.slice(0, 13)}…` : n.id}
        </text>
        <text x={n.width - 8} y={16} text-anchor="end" class="flow-node-type">
          {n.type}
        </text>
        {n.lines.map((l, i) => (
          <text x={8} y={36 + i * 15} class="flow-node-line">
            {l}
          </text>
        ))}
        {n.options.map((o, i) => (
          <g class="flow-node-option" transform={`translate(8,${optTop + i * 19})`}>
            <rect width={NODE_WIDTH - 16} height={16} rx={8} />
            <text x={(NODE_WIDTH - 16) / 2} y={12} text-anchor="middle">
              {o.length > 25 ? `${o.slice(0, 24)}…` : o}
            </text>
          </g>
        ))}
        {(own?.errors.length ?? 0) > 0 && (
          <g class="flow-node-badge" transform={`translate(${n.width - 9},${-7})`}>
            <circle r={8} />
            <text y={4} text-anchor="middle">
              !
            </text>
          </g>
        )}
      </g>
    );
  };

  /** The scale the graph is drawn at now. */
  const scale = () => {
    if (typeof zoom === 'number') return zoom;
    const r = svg.current?.getBoundingClientRect();
    return r ? (zoom === 'all' ? Math.min(r.width / graph.width, r.height / graph.height) : r.width / graph.width) : 1;
  };
  const step = (dir: 1 | -1) => {
    const now = scale();
    const next = dir > 0 ? ZOOMS.find((z) => z > now + 0.01) : [...ZOOMS].reverse().find((z) => z < now - 0.01);
    setZoom(next ?? (dir > 0 ? ZOOMS[ZOOMS.length - 1]! : ZOOMS[0]!));
  };
  // Fit width: as wide as the pane (the pane scrolls down); fit all: the whole graph in the pane; never above the natural size.
  const size =
    zoom === 'all'
      ? { width: '100%', height: '100%', maxWidth: `${graph.width}px`, maxHeight: `${graph.height}px` }
      : zoom === 'width'
        ? { width: '100%', height: 'auto', maxWidth: `${graph.width}px` }
        : { width: `${graph.width * zoom}px`, height: `${graph.height * zoom}px` };
  return (
    <div class="flow-graph-wrap">
      <div class={`flow-graph ${zoom === 'all' ? 'fit' : ''}`}>
        <svg ref={svg} class={`flow-svg ${props.stale ? 'stale' : ''}`} viewBox={`0 0 ${graph.width} ${graph.height}`} preserveAspectRatio="xMidYMin meet" style={size} role="img" aria-label="Flow graph" data-steps={graph.nodes.filter((n) => n.kind === 'step').length}>
          <defs>
            {(['plain', 'taken', 'broken'] as const).map((k) => (
              <marker id={`flow-arrow-${k}`} viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
                <path d="M0,0 L10,5 L0,10 z" class={`flow-arrow ${k}`} />
              </marker>
            ))}
          </defs>
          <g class="flow-edges">
            {graph.edges.map((e) => {
              const kind = e.to.startsWith('missing:') ? 'broken' : e.toId !== null && taken.has(`${e.fromId}>${e.toId}`) ? 'taken' : e.from === 'start' && e.toId !== null && visited.has(e.toId) ? 'taken' : 'plain';
              return (
                <g key={e.key} class={`flow-edge ${kind}`} data-edge={e.key} data-from={e.fromId} data-to={e.toId ?? ''} data-label={e.label}>
                  <path d={curve(e.points)} marker-end={`url(#flow-arrow-${kind})`} />
                </g>
              );
            })}
          </g>
          <g class="flow-nodes">{graph.nodes.map(node)}</g>
          <g class="flow-edge-labels">
            {graph.edges
              .filter((e) => e.labelAt)
              .map((e) => {
                const w = labelWidth(e.label);
                const text = e.label.length > 22 ? `${e.label.slice(0, 21)}…` : e.label;
                return (
                  <g key={e.key} class="flow-edge-label" data-edge-label={e.label} transform={`translate(${e.labelAt!.x - w / 2},${e.labelAt!.y - 9})`}>
                    <title>{`${e.fromId} → ${e.toId ?? 'end'}: ${e.label}`}</title>
                    <rect width={w} height={18} rx={9} />
                    <text x={w / 2} y={13} text-anchor="middle">
                      {text}
                    </text>
                  </g>
                );
              })}
          </g>
        </svg>
      </div>
      <div class="flow-zoom" role="group" aria-label="Zoom">
        <button type="button" onClick={() => step(-1)} aria-label="Zoom out">
          −
        </button>
        <button type="button" class={zoom === 'width' ? 'on' : ''} aria-pressed={zoom === 'width'} onClick={() => setZoom('width')}>
          Fit width
        </button>
        <button type="button" class={zoom === 'all' ? 'on' : ''} aria-pressed={zoom === 'all'} onClick={() => setZoom('all')}>
          Fit all
        </button>
        <button type="button" onClick={() => step(1)} aria-label="Zoom in">
          +
        </button>
        {typeof zoom === 'number' && <span class="muted small">{Math.round(zoom * 100)}%</span>}
      </div>
    </div>
  );
}
