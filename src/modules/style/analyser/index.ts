/**
 * The analyser folder's face to the rest of the style module (the Gemini adapter and the style
 * router in ../providers/): the one analyser interface, the offline analyser, and the texts and
 * colour measures every analyser's answer shares.
 */
export type { AnalyserInput, AnalyserOutput, StyleAnalyser } from './types.js';
export { createLocalAnalyser, analyseLocal, LOCAL_ANALYSER_VERSION } from './local.js';
export { FACE_ADVICE } from './advice.js';
export { RETAKE_TEXT } from './retake-text.js';
export { chromaOf, hexToLab, hueAngle, itaCategory, itaOf, monkLevel, round } from './colour.js';
