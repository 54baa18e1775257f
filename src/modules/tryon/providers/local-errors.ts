/**
 * The local engine's errors caused by the input start with this: they cross the worker-thread
 * boundary as plain messages, and local.ts turns them back into `bad_input` provider errors.
 * Its own module, so local.ts reads it without loading the pixel code (and sharp).
 */
export const BAD_INPUT = 'bad_input: ';
