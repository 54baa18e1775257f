export const INPUTS: string[];
export const OUTPUTS: string[];
export const STAMP: string;
export function hashInputs(root: string): { hash: string; files: Record<string, string> };
export function staleReasons(root: string): string[];
export function writeStamp(root: string): string;
export function buildIfStale(root: string, opts?: { build?: () => number; log?: (line: string) => void }): Promise<boolean>;
