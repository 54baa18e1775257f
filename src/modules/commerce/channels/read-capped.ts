/** A response body read whole but never past `max` bytes (the declared length checked first, then the stream), for drivers' media downloads. */
export async function readCapped(res: Response, max: number, tooBig: () => Error): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > max) throw tooBig();
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}
