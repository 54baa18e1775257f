export const WIDGET_OUT: string;
export function buildWidget(opts?: { minify?: boolean }): Promise<{ file: string; bytes: number; gzipBytes: number }>;
