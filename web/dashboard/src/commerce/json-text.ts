/**
 * The JSON editor's text helpers: where each value of a JSON text is (by JSON pointer, so a
 * validation error's `path` or a step can be selected in the textarea), and a parse error told as
 * a line and a column. A small strict scanner of the JSON grammar does both: the browser's own
 * messages ("Unexpected token '}', … is not valid JSON") do not always say where.
 */

export type Span = { start: number; end: number; keyStart: number | null };
export type ScanError = { offset: number; message: string };

const WS = ' \t\n\r';
const escapeToken = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

class Fail extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Scans `text` as JSON: the span of every value by JSON pointer ('' is the whole document), or where and why it is not JSON. */
export function scanJson(text: string): { spans: Map<string, Span>; error: ScanError | null } {
  const spans = new Map<string, Span>();
  let i = 0;
  const ws = () => {
    while (i < text.length && WS.includes(text[i]!)) i++;
  };
  const what = () => (i >= text.length ? 'the end of the text' : `'${text[i]}'`);
  const expect = (c: string, after: string) => {
    if (text[i] !== c) throw new Fail(i, `Expected '${c}' ${after}, found ${what()}`);
    i++;
  };
  const str = (): string => {
    const s = i++;
    for (;;) {
      if (i >= text.length || text[i] === '\n') throw new Fail(s, 'Unterminated string');
      const c = text[i]!;
      if (c === '"') break;
      if (c === '\\') {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) throw new Fail(i, 'Invalid escape in a string');
        i = ESCAPE.lastIndex;
      } else if (c < ' ') throw new Fail(i, 'Control character in a string (write \\n, \\t…)');
      else i++;
    }
    i++;
    return JSON.parse(text.slice(s, i)) as string;
  };
  const value = (ptr: string, keyStart: number | null, depth: number): void => {
    if (depth > 256) throw new Fail(i, 'Nested too deep');
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          if (text[i] !== '"') throw new Fail(i, text[i] === '}' ? 'Trailing comma before }' : `Expected a property name in double quotes, found ${what()}`);
          const ks = i;
          const k = str();
          ws();
          expect(':', `after the property name "${k}"`);
          value(`${ptr}/${escapeToken(k)}`, ks, depth + 1);
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          expect('}', "or ',' after a property value");
          break;
        }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') i++;
      else
        for (let n = 0; ; n++) {
          ws();
          if (text[i] === ']') throw new Fail(i, 'Trailing comma before ]');
          value(`${ptr}/${n}`, null, depth + 1);
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          expect(']', "or ',' after an array item");
          break;
        }
    } else if (c === '"') str();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) throw new Fail(i, 'Invalid number');
      i = NUMBER.lastIndex;
    } else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (!word) throw new Fail(i, i >= text.length ? 'Unexpected end of the text: a value is missing' : `Unexpected ${what()}: expected a value`);
      i += word.length;
    }
    spans.set(ptr, { start, end: i, keyStart });
  };
  try {
    value('', null, 0);
    ws();
    if (i < text.length) throw new Fail(i, `Unexpected ${what()} after the end of the document`);
    return { spans, error: null };
  } catch (e) {
    if (e instanceof Fail) return { spans, error: { offset: e.offset, message: e.message } };
    throw e;
  }
}

/** The span of `pointer`, or of its nearest existing parent (an error about a missing field points into its object). */
export function locate(spans: Map<string, Span>, pointer: string): { span: Span; pointer: string } | undefined {
  for (let p = pointer; ; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
    const span = spans.get(p);
    if (span) return { span, pointer: p };
    if (p === '') return undefined;
  }
}

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  return { line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
}

export type Parsed = { ok: true; value: unknown; spans: Map<string, Span> } | { ok: false; message: string; offset: number; line: number; column: number };

/** The text as JSON, with its spans; or the first error, located. */
export function parseJson(text: string): Parsed {
  const { spans, error } = scanJson(text);
  if (!error) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown, spans };
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : 'Not valid JSON', offset: 0, line: 1, column: 1 };
    }
  }
  return { ok: false, message: error.message, offset: error.offset, ...lineCol(text, error.offset) };
}
