import { randomBytes } from 'node:crypto';
import { arr, type Decide, obj, parseData, type ResponseRewriter, str, type WireEvent, withData, type J } from './types.js';

const TOOL_ITEMS = new Set(['function_call', 'custom_tool_call', 'local_shell_call']);

/** A call item's arguments as one string, whatever its kind. */
function inputOf(item: J): string {
  return str(item.arguments) ?? str(item.input) ?? JSON.stringify(item.action ?? {});
}

function withInput(item: J, input: string): J {
  if (typeof item.arguments === 'string') return { ...item, arguments: input };
  if (typeof item.input === 'string') return { ...item, input };
  try {
    return { ...item, action: JSON.parse(input) as unknown };
  } catch {
    return item;
  }
}

function messageItem(id: string, text: string, status: string): J {
  return { id, type: 'message', status, role: 'assistant', content: status === 'completed' ? [{ type: 'output_text', text, annotations: [] }] : [] };
}

/**
 * OpenAI Responses (SSE and WebSocket). Every event of a tool-call item (added, argument or
 * input deltas, done) is held until `response.output_item.done`; a denied call is replaced by
 * an assistant message item at the same output index, and the final `response.completed`
 * output is patched to match. Sequence numbers are renumbered so they stay consecutive.
 */
export function openaiResponsesRewriter(decide: Decide): ResponseRewriter {
  const held = new Map<number, WireEvent[]>();
  /** Item id -> the item that replaces it in the final response. */
  const replaced = new Map<string, J>();
  let seq: number | undefined;

  const numbered = (ev: WireEvent, d: J): WireEvent => {
    if (typeof d.sequence_number !== 'number') return ev;
    seq ??= d.sequence_number;
    const n = seq++;
    return n === d.sequence_number ? ev : withData(ev, { ...d, sequence_number: n });
  };
  const emit = (like: WireEvent, d: J): WireEvent => numbered(withData(like, d), d);

  const decideItem = async (like: WireEvent, outputIndex: number, events: WireEvent[], item: J): Promise<WireEvent[]> => {
    const input = inputOf(item);
    const v = await decide({ id: str(item.call_id) ?? str(item.id) ?? '', name: str(item.name) ?? String(item.type), input });
    const itemId = str(item.id) ?? '';
    if (v.allow) {
      if (v.input === input) return events.map((e) => numbered(e, parseData(e.data) ?? {}));
      const done = withInput(item, v.input);
      replaced.set(itemId, done);
      // Deltas carried the placeholder text: send the restored arguments whole instead.
      return events
        .map((e) => parseData(e.data) ?? {})
        .filter((d) => !String(d.type).endsWith('.delta'))
        .map((d) => {
          if (d.type === 'response.output_item.done') return emit(like, { ...d, item: done });
          if (typeof d.arguments === 'string') return emit(like, { ...d, arguments: v.input });
          if (typeof d.input === 'string') return emit(like, { ...d, input: v.input });
          return emit(like, d);
        });
    }
    const id = `msg_glassbox_${randomBytes(6).toString('hex')}`;
    const text = v.message;
    const part = { type: 'output_text', text, annotations: [] };
    const done = messageItem(id, text, 'completed');
    replaced.set(itemId, done);
    const base = { item_id: id, output_index: outputIndex, content_index: 0 };
    return [
      emit(like, { type: 'response.output_item.added', sequence_number: 0, output_index: outputIndex, item: messageItem(id, '', 'in_progress') }),
      emit(like, { type: 'response.content_part.added', sequence_number: 0, ...base, part: { ...part, text: '' } }),
      emit(like, { type: 'response.output_text.delta', sequence_number: 0, ...base, delta: text }),
      emit(like, { type: 'response.output_text.done', sequence_number: 0, ...base, text }),
      emit(like, { type: 'response.content_part.done', sequence_number: 0, ...base, part }),
      emit(like, { type: 'response.output_item.done', sequence_number: 0, output_index: outputIndex, item: done }),
    ];
  };

  const patchResponse = (response: J): J => (replaced.size === 0 ? response : { ...response, output: arr(response.output).map((it) => replaced.get(str(obj(it).id) ?? '') ?? it) });

  return {
    async event(ev) {
      const d = parseData(ev.data);
      if (!d) return [ev];
      const type = str(d.type) ?? ev.event ?? '';
      const index = typeof d.output_index === 'number' ? d.output_index : undefined;
      if (type === 'response.output_item.added' && index !== undefined && TOOL_ITEMS.has(String(obj(d.item).type))) {
        held.set(index, [ev]);
        return [];
      }
      const h = index !== undefined ? held.get(index) : undefined;
      if (h && index !== undefined) {
        h.push(ev);
        if (type !== 'response.output_item.done') return [];
        held.delete(index);
        return decideItem(ev, index, h, obj(d.item));
      }
      if ((type === 'response.completed' || type === 'response.incomplete') && replaced.size > 0) return [emit(ev, { ...d, response: patchResponse(obj(d.response)) })];
      return [numbered(ev, d)];
    },
    async body(json) {
      const r = obj(json);
      if (!Array.isArray(r.output)) return json;
      const output: unknown[] = [];
      for (const [i, it] of r.output.entries()) {
        const item = obj(it);
        if (!TOOL_ITEMS.has(String(item.type))) {
          output.push(it);
          continue;
        }
        await decideItem({ data: '{}' }, i, [], item);
        output.push(replaced.get(str(item.id) ?? '') ?? it);
      }
      return { ...r, output };
    },
  };
}
