import type { Readable } from 'node:stream';

/**
 * Reads a request body up to a limit; undefined when it is larger. The rest is still read and
 * dropped, so the caller can answer (413) on a connection that is still in order.
 */
export function readBody(req: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
