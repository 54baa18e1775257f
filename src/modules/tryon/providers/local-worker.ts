/** Worker-thread entry of the local engine (piscina): the pixel work off the job's event loop. */
import sharp from 'sharp';
import { configureSharp } from '../../../platform/images/sharp.js';
import { composeTryon, type ComposeRequest, type ComposeResult } from './local-compose.js';

configureSharp(sharp); // after this thread's import of sharp reset libvips' cache (platform/images/sharp.ts)

export default function run(req: ComposeRequest): Promise<ComposeResult> {
  return composeTryon(req);
}
