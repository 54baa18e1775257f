/**
 * docs/errors.md and the ERRORS table stay in step: every code is documented once, with its status
 * and title, at the anchor its problem `type` URL points to; nothing documented is made up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, problemType, type ErrorCode } from '../src/platform/errors.js';
import { projectRoot } from '../src/platform/paths.js';

const doc = readFileSync(join(projectRoot(), 'docs', 'errors.md'), 'utf8');

type Row = { anchor: string; code: string; status: number; title: string; when: string; todo: string };
/** Table rows of the form | <a id="anchor"></a>`CODE` | status | title | when | what to do | */
const ROW = /^\|\s*<a id="([^"]+)"><\/a>`([^`]+)`\s*\|\s*(\d{3})\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$/;
const rows: Row[] = doc
  .split('\n')
  .map((line) => ROW.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ anchor: m[1]!, code: m[2]!, status: Number(m[3]), title: m[4]!, when: m[5]!, todo: m[6]! }));
const codes = Object.keys(ERRORS) as ErrorCode[];

describe('happy', () => {
  it('documents every error code with its status and title', () => {
    const documented = new Set(rows.map((r) => r.code));
    const missing = codes.filter((c) => !documented.has(c));
    expect(missing, `codes missing from docs/errors.md: ${missing.join(', ')}`).toEqual([]);
    for (const code of codes) {
      const row = rows.find((r) => r.code === code)!;
      expect({ code, status: row.status, title: row.title }).toEqual({ code, status: ERRORS[code].status, title: ERRORS[code].title });
      expect(row.when.length, `${code}: when it happens`).toBeGreaterThan(20);
      expect(row.todo.length, `${code}: what to do`).toBeGreaterThan(10);
    }
  });

  it('puts each code at the anchor its problem type URL points to', () => {
    for (const code of codes) {
      const anchor = new URL(problemType(code)).hash.slice(1);
      expect(rows.find((r) => r.code === code)?.anchor, code).toBe(anchor);
    }
    const anchors = [...doc.matchAll(/<a id="([^"]+)">/g)].map((m) => m[1]);
    expect(new Set(anchors).size, 'anchors are unique').toBe(anchors.length);
  });

  it('describes the problem document and shows an example', () => {
    for (const member of ['type', 'title', 'status', 'detail', 'code', 'request_id']) expect(doc).toContain(`| \`${member}\` |`);
    expect(doc).toContain('application/problem+json');
    const example = /```json\n([\s\S]*?)\n```/.exec(doc) ?? /\n\n(\{\n[\s\S]*?\n\})\n```/.exec(doc);
    expect(example, 'an example problem document').not.toBeNull();
    const body = JSON.parse(example![1]!) as Record<string, unknown>;
    const code = body.code as ErrorCode;
    expect(ERRORS[code]).toBeDefined();
    expect(body).toMatchObject({ type: problemType(code), title: ERRORS[code].title, status: ERRORS[code].status });
  });
});

describe('errors', () => {
  it('documents no code that does not exist, and none twice', () => {
    const unknown = rows.map((r) => r.code).filter((c) => !(c in ERRORS));
    expect(unknown, `documented codes that are not in ERRORS: ${unknown.join(', ')}`).toEqual([]);
    expect(rows.length).toBe(new Set(rows.map((r) => r.code)).size);
    // Every backticked SCREAMING_CASE word that looks like a code is a real one (catches stale mentions in prose).
    const mentioned = new Set([...doc.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)].map((m) => m[1]!));
    const settings = [...mentioned].filter((w) => /^(PROBADOR|DATABASE|REDIS|GEMINI|FAL|REPLICATE|FASHN|SMTP|MAIL)_/.test(w));
    const stale = [...mentioned].filter((w) => !(w in ERRORS) && !settings.includes(w));
    expect(stale, `unknown codes mentioned: ${stale.join(', ')}`).toEqual([]);
  });
});
