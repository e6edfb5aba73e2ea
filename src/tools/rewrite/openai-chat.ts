import { arr, type Decide, obj, parseData, type ResponseRewriter, str, type WireEvent, type J } from './types.js';

interface HeldCall {
  id: string;
  type: string;
  name: string;
  args: string;
}

/**
 * OpenAI Chat Completions. Tool-call fragments (`delta.tool_calls`) are taken out of the
 * chunks as they come; at the choice's `finish_reason` the calls are decided and the allowed
 * ones sent whole in one chunk (indices renumbered from 0), denied ones as content. With none
 * allowed, `finish_reason: tool_calls` becomes `stop`.
 */
export function openaiChatRewriter(decide: Decide): ResponseRewriter {
  const held = new Map<number, Map<number, HeldCall>>();

  const release = async (choice: number): Promise<{ calls: J[]; text: string }> => {
    const calls = [...(held.get(choice) ?? new Map<number, HeldCall>()).entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
    held.delete(choice);
    const out: J[] = [];
    const texts: string[] = [];
    for (const c of calls) {
      const v = await decide({ id: c.id, name: c.name, input: c.args });
      if (v.allow) out.push({ index: out.length, id: c.id, type: c.type, function: { name: c.name, arguments: v.input } });
      else texts.push(v.message);
    }
    return { calls: out, text: texts.join('\n') };
  };

  return {
    async event(ev) {
      if (ev.data.trim() === '[DONE]' && held.size > 0) {
        // A stream that ended without finish_reason: decide what is held before the end.
        const out: WireEvent[] = [];
        for (const choice of [...held.keys()]) out.push({ ...ev, data: JSON.stringify({ object: 'chat.completion.chunk', choices: [releasedChoice(choice, await release(choice), null)] }) });
        return [...out, ev];
      }
      const d = parseData(ev.data);
      if (!d || !Array.isArray(d.choices)) return [ev];
      let changed = false;
      const before: WireEvent[] = [];
      for (const c of d.choices) {
        const choice = obj(c);
        const index = typeof choice.index === 'number' ? choice.index : 0;
        const delta = obj(choice.delta);
        if (Array.isArray(delta.tool_calls)) {
          const calls = held.get(index) ?? new Map<number, HeldCall>();
          held.set(index, calls);
          for (const t of delta.tool_calls) {
            const tc = obj(t);
            const i = typeof tc.index === 'number' ? tc.index : 0;
            const cur = calls.get(i) ?? { id: '', type: 'function', name: '', args: '' };
            cur.id = str(tc.id) ?? cur.id;
            cur.type = str(tc.type) ?? cur.type;
            cur.name = str(obj(tc.function).name) ?? cur.name;
            cur.args += str(obj(tc.function).arguments) ?? '';
            calls.set(i, cur);
          }
          delete delta.tool_calls;
          changed = true;
        }
        if (str(choice.finish_reason) && held.has(index)) {
          const released = await release(index);
          before.push({ ...ev, data: JSON.stringify({ ...d, choices: [releasedChoice(index, released, null)] }) });
          if (choice.finish_reason === 'tool_calls' && released.calls.length === 0) choice.finish_reason = 'stop';
          changed = true;
        }
      }
      if (!changed) return [ev];
      const empty = d.choices.every((c) => Object.keys(obj(obj(c).delta)).length === 0 && obj(c).finish_reason == null) && d.usage == null;
      return [...before, ...(empty ? [] : [{ ...ev, data: JSON.stringify(d) }])];
    },
    async body(json) {
      const r = obj(json);
      for (const c of arr(r.choices)) {
        const choice = obj(c);
        const m = obj(choice.message);
        if (!Array.isArray(m.tool_calls)) continue;
        const kept: unknown[] = [];
        const texts: string[] = [];
        for (const t of m.tool_calls) {
          const tc = obj(t);
          const fn = obj(tc.function);
          const input = str(fn.arguments) ?? '';
          const v = await decide({ id: str(tc.id) ?? '', name: str(fn.name) ?? '', input });
          if (v.allow) kept.push(v.input === input ? t : { ...tc, function: { ...fn, arguments: v.input } });
          else texts.push(v.message);
        }
        if (kept.length > 0) m.tool_calls = kept;
        else delete m.tool_calls;
        if (texts.length > 0) m.content = [str(m.content), ...texts].filter(Boolean).join('\n');
        if (kept.length === 0 && choice.finish_reason === 'tool_calls') choice.finish_reason = 'stop';
      }
      return r;
    },
  };
}

function releasedChoice(index: number, released: { calls: J[]; text: string }, finish: string | null): J {
  return {
    index,
    delta: { ...(released.text ? { content: released.text } : {}), ...(released.calls.length > 0 ? { tool_calls: released.calls } : {}) },
    finish_reason: finish,
  };
}
