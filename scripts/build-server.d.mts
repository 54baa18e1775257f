export const BUNDLE_DIR: string;
export const EXTERNAL: string[];
export function buildServer(opts?: { outdir?: string }): Promise<{ outdir: string; entry: string; metafile: { outputs: Record<string, { bytes: number }> } }>;
