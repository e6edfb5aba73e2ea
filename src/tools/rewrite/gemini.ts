import { arr, type Decide, obj, parseData, type ResponseRewriter, str, withData, type J } from './types.js';

/**
 * Gemini generateContent / streamGenerateContent. A `functionCall` part always arrives whole
 * in one chunk, so each chunk is decided as it comes: a denied call becomes a text part in its
 * place (Gemini reports STOP whether or not it called tools, so there is no reason to fix).
 */
export function geminiRewriter(decide: Decide): ResponseRewriter {
  const rewriteChunk = async (chunk: J): Promise<boolean> => {
    let changed = false;
    for (const cand of arr(chunk.candidates)) {
      const content = obj(obj(cand).content);
      if (!Array.isArray(content.parts)) continue;
      const parts: unknown[] = [];
      for (const p of content.parts) {
        const fc = obj(obj(p).functionCall);
        if (!obj(p).functionCall) {
          parts.push(p);
          continue;
        }
        const input = JSON.stringify(fc.args ?? {});
        const v = await decide({ id: str(fc.id) ?? '', name: str(fc.name) ?? '', input });
        if (v.allow && v.input === input) parts.push(p);
        else {
          changed = true;
          parts.push(v.allow ? { ...obj(p), functionCall: { ...fc, args: JSON.parse(v.input) as unknown } } : { text: v.message });
        }
      }
      content.parts = parts;
    }
    return changed;
  };
  return {
    async event(ev) {
      const d = parseData(ev.data);
      if (!d) return [ev];
      return (await rewriteChunk(d)) ? [withData(ev, d)] : [ev];
    },
    async body(json) {
      // A stream without alt=sse arrives as one JSON array of chunks.
      for (const chunk of Array.isArray(json) ? json : [json]) await rewriteChunk(obj(chunk));
      return json;
    },
  };
}
