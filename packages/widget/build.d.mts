export const WIDGET_DIR: string;
export const WIDGET_OUT: string;
export const WIDGET_ESM: string;
export const WIDGET_TYPES: string;
type Built = { file: string; bytes: number; gzipBytes: number };
export function buildWidget(opts?: { minify?: boolean; types?: boolean }): Promise<Built & { esm: Built; version: string }>;
