/**
 * The flows API's shapes as the dashboard reads them (contracts/flows.ts, mirrored by hand so the
 * bundle does not pull TypeBox in; only the fields the flow pages use). A draft is any JSON: it is
 * saved even with errors, so the editor reads it loosely.
 */

export type FlowIssue = { code: string; path: string; step_id?: string; message: string };

export type Flow = {
  id: string;
  name: string;
  bot_id: string | null;
  published_version: number | null;
  latest_version: number | null;
  draft: unknown;
  draft_valid: boolean;
  draft_errors: FlowIssue[];
  created_at: string;
  updated_at: string;
};

export type FlowVersion = { flow_id: string; version: number; definition: unknown; published: boolean; created_at: string; published_at: string | null };

export type Validation = { valid: boolean; errors: FlowIssue[]; warnings: FlowIssue[] };

/** A shopper's input in a test script (POST /v1/flows/:id/test). */
export type TestInput = string | { reply: string } | { image: string } | { timeout: true };

export type TranscriptEntry = { from: 'shopper' | 'bot' | 'system'; content: Record<string, unknown>; step_id: string | null };

export type TestResult = {
  transcript: TranscriptEntry[];
  session: { status: string; step_id: string; waiting: boolean; variables: Record<string, unknown>; cart: unknown[]; end_reason: string | null };
  visited: string[];
};

/** A step as the editor reads it from a draft that may break its schema. */
export type LooseStep = Record<string, unknown> & { id?: unknown; type?: unknown };
