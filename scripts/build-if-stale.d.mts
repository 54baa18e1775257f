export type Part = 'server' | 'widget' | 'dashboard';
export const PARTS: Record<Part, { inputs: string[]; outputs: string[]; scripts: string[] }>;
export const STAMP: string;
export function hashInputs(root: string, part: Part): { hash: string; files: Record<string, string> };
export function staleParts(root: string): Partial<Record<Part, string[]>>;
export function staleReasons(root: string): string[];
export function writeStamp(root: string, parts?: Part[], hashes?: Partial<Record<Part, { hash: string; files: Record<string, string> }>>): void;
export function buildIfStale(root: string, opts?: { run?: (script: string) => number; log?: (line: string) => void }): Promise<Part[]>;
export function withBuildLock<T>(root: string, fn: () => Promise<T> | T, log?: (line: string) => void): Promise<T>;
