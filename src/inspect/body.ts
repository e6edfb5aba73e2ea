import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';

/** The body as the server will read it: undoes gzip, deflate and brotli. Undefined when it cannot. */
export function decodedBody(headers: IncomingHttpHeaders, body: Buffer): Buffer | undefined {
  const enc = String(headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  try {
    if (enc === 'identity' || enc === '') return body;
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body);
    if (enc === 'deflate') return inflateSync(body);
    if (enc === 'br') return brotliDecompressSync(body);
  } catch {
    return undefined;
  }
  return undefined;
}

export function parseJson(buf: Buffer | undefined): unknown {
  if (!buf || buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}
