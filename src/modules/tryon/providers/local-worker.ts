/** Worker-thread entry of the local engine (piscina): the pixel work off the job's event loop. */
import { composeTryon, type ComposeRequest, type ComposeResult } from './local-compose.js';

export default function run(req: ComposeRequest): Promise<ComposeResult> {
  return composeTryon(req);
}
