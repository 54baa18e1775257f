/**
 * The style analysers from configuration: Gemini when GEMINI_API_KEY is set (GEMINI_BASE_URL,
 * PROBADOR_STYLE_GEMINI_MODEL), and the offline analyser (`../analyser/`), which the module passes
 * in, always last.
 */
import type { Config } from '../../../config.js';
import type { FetchLike } from '../../../platform/providers/http.js';
import { createGeminiStyleAnalyser, type GeminiStyleAnalyser } from './gemini.js';
import { createStyleRouter, type StyleRouterOptions } from './router.js';
import type { StyleAnalyser } from '../analyser/index.js';

export function createGeminiStyleAnalyserFromConfig(config: Pick<Config, 'providers' | 'style'>, fetch?: FetchLike): GeminiStyleAnalyser | undefined {
  const gemini = config.providers.gemini;
  if (!gemini?.apiKey.trim()) return undefined;
  return createGeminiStyleAnalyser({ apiKey: gemini.apiKey.trim(), baseUrl: gemini.baseUrl, model: config.style.geminiModel, fetch });
}

export function createStyleRouterFromConfig(config: Pick<Config, 'providers' | 'style' | 'tryon'>, local: StyleAnalyser, opts: Partial<StyleRouterOptions> & { fetch?: FetchLike } = {}) {
  const gemini = createGeminiStyleAnalyserFromConfig(config, opts.fetch);
  return createStyleRouter({ analysers: gemini ? [gemini, local] : [local], retries: config.tryon.retries, ...opts });
}

export { createGeminiStyleAnalyser, type GeminiStyleAnalyser } from './gemini.js';
export { createStyleRouter, type StyleRouter, type StyleRouteResult } from './router.js';
export type { AnalyserInput, AnalyserOutput, StyleAnalyser } from '../analyser/index.js';
