import { type Decide, obj, parseData, type ResponseRewriter, str, type WireEvent, withData, type J } from './types.js';

/**
 * Anthropic Messages. A `tool_use` block (start, `input_json_delta`s, stop) is held until its
 * stop; a denied one becomes a text block at the same index, and when no call of the message
 * was allowed, `stop_reason: tool_use` becomes `end_turn` so the agent ends its turn.
 */
export function anthropicRewriter(decide: Decide): ResponseRewriter {
  const held = new Map<number, { block: J; events: WireEvent[]; json: string }>();
  let allowed = 0;
  let denied = 0;
  return {
    async event(ev) {
      const d = parseData(ev.data);
      if (!d) return [ev];
      const type = str(d.type) ?? ev.event;
      const index = typeof d.index === 'number' ? d.index : undefined;
      if (type === 'content_block_start' && index !== undefined && obj(d.content_block).type === 'tool_use') {
        held.set(index, { block: obj(d.content_block), events: [ev], json: '' });
        return [];
      }
      const h = index !== undefined ? held.get(index) : undefined;
      if (h && index !== undefined) {
        h.events.push(ev);
        const delta = obj(d.delta);
        if (type === 'content_block_delta' && delta.type === 'input_json_delta') h.json += str(delta.partial_json) ?? '';
        if (type !== 'content_block_stop') return [];
        held.delete(index);
        const input = h.json || '{}';
        const v = await decide({ id: str(h.block.id) ?? '', name: str(h.block.name) ?? '', input });
        if (v.allow) {
          allowed++;
          if (v.input === input) return h.events;
          const first = h.events[0]!;
          return [first, withData(first, { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: v.input } }), ev];
        }
        denied++;
        return textBlock(ev, index, v.message);
      }
      if (type === 'message_delta' && obj(d.delta).stop_reason === 'tool_use' && denied > 0 && allowed === 0) {
        return [withData(ev, { ...d, delta: { ...obj(d.delta), stop_reason: 'end_turn' } })];
      }
      return [ev];
    },
    async body(json) {
      const r = obj(json);
      if (!Array.isArray(r.content)) return json;
      let ok = 0;
      let no = 0;
      const content: unknown[] = [];
      for (const c of r.content) {
        const b = obj(c);
        if (b.type !== 'tool_use') {
          content.push(c);
          continue;
        }
        const input = JSON.stringify(b.input ?? {});
        const v = await decide({ id: str(b.id) ?? '', name: str(b.name) ?? '', input });
        if (v.allow) {
          ok++;
          content.push(v.input === input ? c : { ...b, input: JSON.parse(v.input) as unknown });
        } else {
          no++;
          content.push({ type: 'text', text: v.message });
        }
      }
      const stop = r.stop_reason === 'tool_use' && no > 0 && ok === 0 ? 'end_turn' : r.stop_reason;
      return { ...r, content, stop_reason: stop };
    },
  };
}

function textBlock(like: WireEvent, index: number, text: string): WireEvent[] {
  const ev = (data: J): WireEvent => withData(like, data);
  return [
    ev({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
    ev({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }),
    ev({ type: 'content_block_stop', index }),
  ];
}
