import type { ContentBlock, LlmExchange } from '../flow.js';
import { arr, type J, num, obj, str } from '../../util/json.js';

/**
 * Adapters for the LLM APIs agents speak. Each turns a request body into the common
 * LlmExchange plus content blocks, and folds streamed events (SSE or WebSocket) or a whole
 * JSON response into the exchange. They read; they never rewrite.
 */
export interface LlmApi {
  readonly api: LlmExchange['api'];
  matches(path: string): boolean;
  parseRequest(body: unknown, path: string): { llm: LlmExchange; blocks: ContentBlock[] };
  /** One streamed event's JSON payload (`type` names it when the transport does not). */
  onEvent(llm: LlmExchange, eventName: string, data: unknown, state: Map<string, unknown>): void;
  onResponse(llm: LlmExchange, body: unknown): void;
}


function emptyExchange(api: LlmExchange['api'], req: J, stream: boolean): LlmExchange {
  return { api, ...(str(req.model) ? { model: str(req.model)! } : {}), stream, system: [], messages: [], toolResults: [], text: '', toolCalls: [], usage: {} };
}

/** Text of a content value that may be a string, a block, or a list of blocks. */
function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(textOf).filter(Boolean).join('\n');
  const o = obj(v);
  return str(o.text) ?? str(o.thinking) ?? (o.content !== undefined ? textOf(o.content) : o.output !== undefined ? textOf(o.output) : '');
}

// ---------------------------------------------------------------- Anthropic Messages
export const anthropicMessages: LlmApi = {
  api: 'anthropic.messages',
  matches: (path) => /\/v1\/messages(\?|$)/.test(path),
  parseRequest(body) {
    const req = obj(body);
    const llm = emptyExchange('anthropic.messages', req, req.stream === true);
    const blocks: ContentBlock[] = [];
    const system = req.system;
    if (typeof system === 'string') {
      llm.system.push(system);
      blocks.push({ path: 'system', text: system });
    } else {
      arr(system).forEach((b, i) => {
        const t = textOf(b);
        llm.system.push(t);
        blocks.push({ path: `system[${i}]`, text: t });
      });
    }
    arr(req.messages).forEach((m, mi) => {
      const msg = obj(m);
      const role = str(msg.role) ?? 'user';
      const content = typeof msg.content === 'string' ? [{ type: 'text', text: msg.content }] : arr(msg.content);
      content.forEach((c, ci) => {
        const block = obj(c);
        const path = `messages[${mi}].content[${ci}]`;
        if (block.type === 'tool_result') {
          const t = textOf(block.content);
          llm.toolResults.push({ id: str(block.tool_use_id) ?? '', text: t });
          blocks.push({ path, text: t });
        } else if (block.type === 'tool_use') {
          blocks.push({ path, text: JSON.stringify(block.input ?? {}) });
        } else if (block.type === 'text' || block.type === 'thinking') {
          const t = textOf(block);
          llm.messages.push({ role, text: t });
          blocks.push({ path, text: t });
        }
      });
    });
    return { llm, blocks };
  },
  onEvent(llm, eventName, data, state) {
    const d = obj(data);
    const type = str(d.type) ?? eventName;
    if (type === 'message_start') {
      const m = obj(d.message);
      if (str(m.model)) llm.model = str(m.model)!;
      llm.usage.inputTokens = num(obj(m.usage).input_tokens);
    } else if (type === 'content_block_start') {
      const b = obj(d.content_block);
      if (b.type === 'tool_use') state.set(`tool:${num(d.index)}`, { id: str(b.id) ?? '', name: str(b.name) ?? '', input: '' });
    } else if (type === 'content_block_delta') {
      const delta = obj(d.delta);
      if (delta.type === 'text_delta') llm.text += str(delta.text) ?? '';
      else if (delta.type === 'input_json_delta') {
        const t = state.get(`tool:${num(d.index)}`) as { input: string } | undefined;
        if (t) t.input += str(delta.partial_json) ?? '';
      }
    } else if (type === 'content_block_stop') {
      const key = `tool:${num(d.index)}`;
      const t = state.get(key) as LlmExchange['toolCalls'][number] | undefined;
      if (t) {
        llm.toolCalls.push({ ...t, input: t.input || '{}' });
        state.delete(key);
      }
    } else if (type === 'message_delta') {
      const stop = str(obj(d.delta).stop_reason);
      if (stop) llm.stopReason = stop;
      const out = num(obj(d.usage).output_tokens);
      if (out !== undefined) llm.usage.outputTokens = out;
    }
  },
  onResponse(llm, body) {
    const r = obj(body);
    if (str(r.model)) llm.model = str(r.model)!;
    for (const c of arr(r.content)) {
      const b = obj(c);
      if (b.type === 'text') llm.text += str(b.text) ?? '';
      if (b.type === 'tool_use') llm.toolCalls.push({ id: str(b.id) ?? '', name: str(b.name) ?? '', input: JSON.stringify(b.input ?? {}) });
    }
    if (str(r.stop_reason)) llm.stopReason = str(r.stop_reason)!;
    llm.usage = { inputTokens: num(obj(r.usage).input_tokens), outputTokens: num(obj(r.usage).output_tokens) };
  },
};

// ---------------------------------------------------------------- OpenAI Chat Completions
export const openaiChat: LlmApi = {
  api: 'openai.chat',
  matches: (path) => /\/chat\/completions(\?|$)/.test(path),
  parseRequest(body) {
    const req = obj(body);
    const llm = emptyExchange('openai.chat', req, req.stream === true);
    const blocks: ContentBlock[] = [];
    arr(req.messages).forEach((m, i) => {
      const msg = obj(m);
      const role = str(msg.role) ?? 'user';
      const text = textOf(msg.content);
      const path = `messages[${i}]`;
      if (role === 'system' || role === 'developer') llm.system.push(text);
      else if (role === 'tool') llm.toolResults.push({ id: str(msg.tool_call_id) ?? '', text });
      else llm.messages.push({ role, text });
      if (text) blocks.push({ path, text });
      arr(msg.tool_calls).forEach((tc, j) => blocks.push({ path: `${path}.tool_calls[${j}]`, text: str(obj(obj(tc).function).arguments) ?? '' }));
    });
    return { llm, blocks };
  },
  onEvent(llm, _name, data, state) {
    const d = obj(data);
    if (str(d.model)) llm.model = str(d.model)!;
    for (const c of arr(d.choices)) {
      const choice = obj(c);
      const delta = obj(choice.delta);
      llm.text += str(delta.content) ?? '';
      for (const tc of arr(delta.tool_calls)) {
        const t = obj(tc);
        const key = `tool:${num(t.index) ?? 0}`;
        const cur = (state.get(key) as { id: string; name: string; input: string } | undefined) ?? { id: '', name: '', input: '' };
        cur.id = str(t.id) ?? cur.id;
        cur.name = str(obj(t.function).name) ?? cur.name;
        cur.input += str(obj(t.function).arguments) ?? '';
        state.set(key, cur);
      }
      if (str(choice.finish_reason)) {
        llm.stopReason = str(choice.finish_reason)!;
        for (const [k, v] of state) if (k.startsWith('tool:')) llm.toolCalls.push(v as LlmExchange['toolCalls'][number]);
        for (const k of [...state.keys()]) if (k.startsWith('tool:')) state.delete(k);
      }
    }
    const usage = obj(d.usage);
    if (num(usage.prompt_tokens) !== undefined) llm.usage = { inputTokens: num(usage.prompt_tokens), outputTokens: num(usage.completion_tokens) };
  },
  onResponse(llm, body) {
    const r = obj(body);
    if (str(r.model)) llm.model = str(r.model)!;
    for (const c of arr(r.choices)) {
      const m = obj(obj(c).message);
      llm.text += str(m.content) ?? '';
      for (const tc of arr(m.tool_calls)) {
        const t = obj(tc);
        llm.toolCalls.push({ id: str(t.id) ?? '', name: str(obj(t.function).name) ?? '', input: str(obj(t.function).arguments) ?? '' });
      }
      if (str(obj(c).finish_reason)) llm.stopReason = str(obj(c).finish_reason)!;
    }
    const usage = obj(r.usage);
    llm.usage = { inputTokens: num(usage.prompt_tokens), outputTokens: num(usage.completion_tokens) };
  },
};

// ---------------------------------------------------------------- OpenAI Responses (HTTP SSE and WebSocket)
export const openaiResponses: LlmApi = {
  api: 'openai.responses',
  matches: (path) => /\/responses(\?|$)/.test(path),
  parseRequest(body) {
    const req = obj(body);
    const llm = emptyExchange('openai.responses', req, req.stream === true);
    const blocks: ContentBlock[] = [];
    if (str(req.instructions)) {
      llm.system.push(str(req.instructions)!);
      blocks.push({ path: 'instructions', text: str(req.instructions)! });
    }
    const input = typeof req.input === 'string' ? [{ role: 'user', content: req.input }] : arr(req.input);
    input.forEach((it, i) => {
      const item = obj(it);
      const type = str(item.type) ?? 'message';
      const path = `input[${i}]`;
      if (type === 'message') {
        const role = str(item.role) ?? 'user';
        const text = textOf(item.content);
        if (role === 'system' || role === 'developer') llm.system.push(text);
        else llm.messages.push({ role, text });
        if (text) blocks.push({ path, text });
      } else if (type.endsWith('_output')) {
        const text = textOf(item.output);
        llm.toolResults.push({ id: str(item.call_id) ?? '', text });
        blocks.push({ path, text });
      } else if (type === 'function_call' || type === 'custom_tool_call') {
        blocks.push({ path, text: str(item.arguments) ?? str(item.input) ?? '' });
      }
    });
    return { llm, blocks };
  },
  onEvent(llm, eventName, data) {
    const d = obj(data);
    const type = str(d.type) ?? eventName;
    if (type === 'response.created') {
      const model = str(obj(d.response).model);
      if (model) llm.model = model;
    } else if (type === 'response.output_text.delta') {
      llm.text += str(d.delta) ?? '';
    } else if (type === 'response.output_item.done') {
      const item = obj(d.item);
      if (item.type === 'function_call' || item.type === 'custom_tool_call' || item.type === 'local_shell_call') {
        llm.toolCalls.push({
          id: str(item.call_id) ?? str(item.id) ?? '',
          name: str(item.name) ?? String(item.type),
          input: str(item.arguments) ?? str(item.input) ?? JSON.stringify(item.action ?? {}),
        });
      }
    } else if (type === 'response.completed' || type === 'response.failed' || type === 'response.incomplete') {
      const r = obj(d.response);
      llm.stopReason = str(r.status) ?? type.slice('response.'.length);
      const u = obj(r.usage);
      llm.usage = { inputTokens: num(u.input_tokens), outputTokens: num(u.output_tokens) };
    }
  },
  onResponse(llm, body) {
    const r = obj(body);
    if (str(r.model)) llm.model = str(r.model)!;
    for (const it of arr(r.output)) this.onEvent(llm, 'response.output_item.done', { item: it }, new Map());
    for (const it of arr(r.output)) if (obj(it).type === 'message') llm.text += textOf(obj(it).content);
    this.onEvent(llm, 'response.completed', { response: r }, new Map());
  },
};

// ---------------------------------------------------------------- Gemini generateContent / streamGenerateContent
export const gemini: LlmApi = {
  api: 'gemini',
  matches: (path) => /:(stream)?[gG]enerateContent(\?|$)/.test(path),
  parseRequest(body, path) {
    const req = obj(body);
    const llm = emptyExchange('gemini', req, /:streamGenerateContent/.test(path));
    const model = /\/models\/([^/:]+):/.exec(path)?.[1];
    if (model) llm.model = decodeURIComponent(model);
    const blocks: ContentBlock[] = [];
    arr(obj(req.systemInstruction ?? req.system_instruction).parts).forEach((p, i) => {
      const t = str(obj(p).text) ?? '';
      llm.system.push(t);
      blocks.push({ path: `systemInstruction.parts[${i}]`, text: t });
    });
    arr(req.contents).forEach((c, ci) => {
      const content = obj(c);
      const role = str(content.role) ?? 'user';
      arr(content.parts).forEach((p, pi) => {
        const part = obj(p);
        const path = `contents[${ci}].parts[${pi}]`;
        if (str(part.text) !== undefined) {
          llm.messages.push({ role, text: str(part.text)! });
          blocks.push({ path, text: str(part.text)! });
        } else if (part.functionResponse) {
          const fr = obj(part.functionResponse);
          const text = JSON.stringify(fr.response ?? {});
          llm.toolResults.push({ id: str(fr.id) ?? str(fr.name) ?? '', text });
          blocks.push({ path, text });
        } else if (part.functionCall) {
          blocks.push({ path, text: JSON.stringify(obj(part.functionCall).args ?? {}) });
        }
      });
    });
    return { llm, blocks };
  },
  onEvent(llm, _name, data) {
    for (const chunk of Array.isArray(data) ? data : [data]) {
      const d = obj(chunk);
      for (const cand of arr(d.candidates)) {
        const c = obj(cand);
        for (const p of arr(obj(c.content).parts)) {
          const part = obj(p);
          if (str(part.text) !== undefined && !part.thought) llm.text += str(part.text)!;
          if (part.functionCall) {
            const fc = obj(part.functionCall);
            llm.toolCalls.push({ id: str(fc.id) ?? '', name: str(fc.name) ?? '', input: JSON.stringify(fc.args ?? {}) });
          }
        }
        if (str(c.finishReason)) llm.stopReason = str(c.finishReason)!;
      }
      const u = obj(d.usageMetadata);
      if (num(u.promptTokenCount) !== undefined) llm.usage = { inputTokens: num(u.promptTokenCount), outputTokens: num(u.candidatesTokenCount) };
    }
  },
  onResponse(llm, body) {
    this.onEvent(llm, 'message', body, new Map());
  },
};

export const LLM_APIS: readonly LlmApi[] = [anthropicMessages, openaiChat, openaiResponses, gemini];

export function detectApi(method: string, path: string): LlmApi | undefined {
  if (method !== 'POST' && method !== 'GET') return undefined;
  return LLM_APIS.find((a) => a.matches(path));
}
