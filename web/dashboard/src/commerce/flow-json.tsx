/**
 * The flow editor's JSON pane: the draft as text (monospace, Tab indents) with live validation —
 * the text is parsed at each keystroke (a parse error shown with its line and column), and ~300 ms
 * after the last one it goes to POST /v1/flows/validate; errors and warnings are listed with their
 * JSON pointer, line and message, and clicking one selects that place in the text. A step chosen in
 * the graph is selected here too (`reveal`); moving the caret into a step tells the graph which.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api';
import { locate, lineCol, type Parsed } from './json-text';
import type { FlowIssue, Validation } from './flow-types';

export const VALIDATE_DEBOUNCE_MS = 300;

/**
 * The validation of the latest text that parses, asked of the API after a pause in typing, with the
 * definition it is about (the graph draws that one, so its outlines match); answers to older texts are dropped.
 * Off for people who may only read (members: validating is a POST).
 */
export function useLiveValidation(tenant: string, parsed: Parsed | undefined, enabled = true): { result: Validation | undefined; definition: unknown; checking: boolean; error: unknown } {
  const [state, setState] = useState<{ result: Validation | undefined; definition: unknown; checking: boolean; error: unknown }>({ result: undefined, definition: undefined, checking: false, error: undefined });
  const seq = useRef(0);
  useEffect(() => {
    const n = ++seq.current;
    if (!parsed?.ok || !enabled) {
      setState((s) => ({ ...s, checking: false }));
      return;
    }
    setState((s) => ({ ...s, checking: true }));
    const timer = setTimeout(() => {
      call<Validation>('/v1/flows/validate', { method: 'POST', tenant, body: { definition: parsed.value } }).then(
        (result) => n === seq.current && setState({ result, definition: parsed.value, checking: false, error: undefined }),
        (error: unknown) => n === seq.current && setState((s) => ({ ...s, checking: false, error })),
      );
    }, VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [parsed, tenant, enabled]);
  return state;
}

type Props = {
  text: string;
  onText: (t: string) => void;
  parsed: Parsed | undefined;
  validation: Validation | undefined;
  checking: boolean;
  validateError: unknown;
  /** Select this pointer's text (a new object each time it is asked). */
  reveal: { pointer: string } | null;
  onCaretStep: (stepId: string) => void;
  onIssue: (issue: FlowIssue) => void;
  readOnly: boolean;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function JsonPane(props: Props) {
  const area = useRef<HTMLTextAreaElement>(null);
  const p = props.parsed;

  const select = (start: number, end: number, focus = true) => {
    const el = area.current;
    if (!el) return;
    if (focus) el.focus({ preventScroll: true });
    el.setSelectionRange(start, end);
    const lh = parseFloat(getComputedStyle(el).lineHeight) || 18;
    const line = lineCol(props.text, start).line;
    el.scrollTop = Math.max(0, (line - 3) * lh);
  };

  useEffect(() => {
    if (!props.reveal || !p?.ok) return;
    const at = locate(p.spans, props.reveal.pointer);
    if (at) select(at.span.keyStart ?? at.span.start, at.span.end);
  }, [props.reveal]);

  /** The step whose text holds the caret. */
  const caretStep = () => {
    const el = area.current;
    if (!el || !p?.ok || !isRecord(p.value) || !Array.isArray(p.value.steps)) return;
    const at = el.selectionStart;
    const steps = p.value.steps as unknown[];
    for (let i = 0; i < steps.length; i++) {
      const span = p.spans.get(`/steps/${i}`);
      const s = steps[i];
      if (span && at >= span.start && at <= span.end && isRecord(s) && typeof s.id === 'string') return props.onCaretStep(s.id);
    }
  };

  const issueLine = (i: FlowIssue) => {
    if (!p?.ok) return null;
    const at = locate(p.spans, i.path);
    return at ? lineCol(props.text, at.span.keyStart ?? at.span.start).line : null;
  };
  const v = props.validation;
  const list = (items: FlowIssue[], kind: 'error' | 'warning') =>
    items.map((i) => {
      const line = issueLine(i);
      return (
        <li class={`flow-issue is-${kind}`} data-issue={i.code} data-path={i.path}>
          <button type="button" class="link" onClick={() => props.onIssue(i)} title="Show it in the text">
            <code>{i.path || '/'}</code>
            {line !== null && <span class="muted"> · line {line}</span>}
          </button>{' '}
          <span class="flow-issue-code">{i.code}</span> {i.message}
        </li>
      );
    });

  return (
    <div class="flow-json">
      <textarea
        ref={area}
        class="flow-json-text"
        aria-label="Flow definition (JSON)"
        spellcheck={false}
        autocomplete="off"
        wrap="off"
        readOnly={props.readOnly}
        value={props.text}
        onInput={(e) => props.onText((e.target as HTMLTextAreaElement).value)}
        onClick={caretStep}
        onKeyUp={(e) => e.key.startsWith('Arrow') && caretStep()}
        onKeyDown={(e) => {
          if (e.key !== 'Tab' || e.shiftKey || props.readOnly) return;
          e.preventDefault();
          const el = e.currentTarget;
          const [s, end] = [el.selectionStart, el.selectionEnd];
          props.onText(`${el.value.slice(0, s)}  ${el.value.slice(end)}`);
          requestAnimationFrame(() => el.setSelectionRange(s + 2, s + 2));
        }}
      />
      <section class="flow-issues" aria-label="Validation" aria-live="polite">
        {p && !p.ok ? (
          <div class="flow-parse-error" role="alert" data-parse-error>
            <strong>Not valid JSON</strong> at line {p.line}, column {p.column}: {p.message}{' '}
            <button type="button" class="link" onClick={() => select(p.offset, Math.min(p.offset + 1, props.text.length))}>
              Show
            </button>
          </div>
        ) : !v ? (
          <div class="muted small">{props.checking ? 'Checking…' : ''}</div>
        ) : (
          <>
            <div class="flow-issues-head">
              {v.errors.length === 0 ? (
                <span class="badge ok" data-validation="valid">
                  ✓ Valid
                </span>
              ) : (
                <span class="badge bad" data-validation="invalid">
                  {v.errors.length} {v.errors.length === 1 ? 'error' : 'errors'}
                </span>
              )}{' '}
              {v.warnings.length > 0 && (
                <span class="badge warn">
                  {v.warnings.length} {v.warnings.length === 1 ? 'warning' : 'warnings'}
                </span>
              )}{' '}
              <span class="muted small">{props.checking ? 'Checking…' : ''}</span>
            </div>
            {(v.errors.length > 0 || v.warnings.length > 0) && (
              <ul class="flow-issue-list">
                {list(v.errors, 'error')}
                {list(v.warnings, 'warning')}
              </ul>
            )}
          </>
        )}
        {props.validateError ? <div class="bad-text small">Could not validate: {(props.validateError as Error).message}</div> : null}
      </section>
    </div>
  );
}
