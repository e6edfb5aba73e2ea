import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { acceptKey, encodeFrame, FrameReader, OP } from '../ws/codec.js';
import { arr } from '../util/json.js';

/**
 * A scriptable inference server speaking the Anthropic Messages, OpenAI Chat Completions and
 * Responses (SSE and WebSocket) and Gemini APIs. It plays scripted turns, so agents can be run
 * offline against a policy, and records every request byte it receives.
 */
export interface ScriptedTool {
  name: string;
  input: Record<string, unknown>;
}

export interface Turn {
  text?: string;
  tool?: ScriptedTool;
  /** Several calls in one answer (an agent runs them all, then answers). */
  tools?: ScriptedTool[];
}

function toolsOf(t: Turn): ScriptedTool[] {
  return [...(t.tool ? [t.tool] : []), ...(t.tools ?? [])];
}

export interface Scenario {
  model?: string;
  turns: Turn[];
}

export interface RecordedRequest {
  ts: string;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  transport: 'http' | 'websocket';
}

const DEFAULT: Scenario = { turns: [{ text: 'Hello from mock-llm.' }] };
const id = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

type J = Record<string, unknown>;

/**
 * Which turn to play: one more than the rounds of tool results already in the history (the
 * results of one answer's several calls come back together and count once).
 */
function turnIndex(body: J): number {
  let n = 0;
  let inRun = false;
  const step = (isResult: boolean) => {
    if (isResult && !inRun) n++;
    inRun = isResult;
  };
  for (const m of arr(body.messages)) {
    const msg = m as J;
    step(msg.role === 'tool' || arr(msg.content).some((c) => (c as J).type === 'tool_result'));
  }
  inRun = false;
  for (const it of arr(body.input)) step(typeof (it as J).type === 'string' && ((it as J).type as string).endsWith('_call_output'));
  inRun = false;
  for (const c of arr(body.contents)) step(arr((c as J).parts).some((p) => (p as J).functionResponse));
  return n;
}

/** Whether the client can take a tool call: it declared tools, or (Codex's Responses "lite" mode) a tool_choice. */
function declaresTools(body: J): boolean {
  return arr(body.tools).length > 0 || (body.tool_choice !== undefined && body.tool_choice !== 'none');
}

/**
 * The smallest value that satisfies a JSON Schema (Gemini writes types in capitals). Agents use
 * structured-output side calls (routers, classifiers) and retry with backoff on anything else.
 */
export function sampleFromSchema(schema: unknown): unknown {
  const sc = (schema ?? {}) as J;
  if (Array.isArray(sc.enum) && sc.enum.length > 0) return sc.enum[0];
  const type = String(Array.isArray(sc.type) ? sc.type[0] : (sc.type ?? (sc.properties ? 'object' : 'string'))).toLowerCase();
  switch (type) {
    case 'object': {
      const out: J = {};
      for (const [k, v] of Object.entries((sc.properties ?? {}) as J)) out[k] = sampleFromSchema(v);
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return typeof sc.minimum === 'number' ? sc.minimum : 1;
    case 'boolean':
      return false;
    default:
      return 'mock';
  }
}

/** A structured-output request's schema, when the client asked for JSON. */
function requestedSchema(body: J): unknown {
  const gc = (body.generationConfig ?? {}) as J;
  if (gc.responseMimeType === 'application/json') return gc.responseJsonSchema ?? gc.responseSchema ?? {};
  const rf = (body.response_format ?? {}) as J;
  if (rf.type === 'json_schema') return ((rf.json_schema ?? {}) as J).schema ?? {};
  const tf = (((body.text ?? {}) as J).format ?? {}) as J;
  if (tf.type === 'json_schema') return tf.schema ?? {};
  return undefined;
}

export class MockLlm {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();

  constructor(
    private scenario: Scenario = DEFAULT,
    private readonly recordFile?: string,
  ) {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => this.onUpgrade(req, socket));
    this.server.on('connection', (s: Duplex) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  setScenario(s: Scenario): void {
    this.scenario = s;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((r) => this.server.listen(port, host, () => r()));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private record(r: RecordedRequest): void {
    this.requests.push(r);
    if (this.recordFile) appendFileSync(this.recordFile, JSON.stringify(r) + '\n');
  }

  private turn(body: J): Turn {
    const schema = requestedSchema(body);
    if (schema !== undefined) return { text: JSON.stringify(sampleFromSchema(schema)) };
    const turns = this.scenario.turns.length > 0 ? this.scenario.turns : DEFAULT.turns;
    const t = turns[Math.min(turnIndex(body), turns.length - 1)]!;
    // Side requests without tools (titles, summaries) get text only.
    return declaresTools(body) ? t : { text: t.text ?? 'OK' };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    if (path.startsWith('/_mock/requests')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(this.requests));
    }
    this.record({ ts: new Date().toISOString(), method: req.method ?? 'GET', path, headers: req.headers, body: raw, transport: 'http' });
    let body: J = {};
    try {
      body = raw ? (JSON.parse(raw) as J) : {};
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { message: 'mock-llm: body is not JSON' } }));
    }
    const model = String(body.model ?? this.scenario.model ?? 'mock-model');
    const p = path.split('?')[0]!;
    if (req.method === 'POST' && /\/v1\/messages$/.test(p)) return this.anthropic(res, body, model);
    if (req.method === 'POST' && /\/v1\/messages\/count_tokens$/.test(p)) return json(res, { input_tokens: Math.ceil(raw.length / 4) });
    if (req.method === 'POST' && /\/chat\/completions$/.test(p)) return this.openaiChat(res, body, model);
    if (req.method === 'POST' && /\/responses$/.test(p)) return this.openaiResponses(res, body, model);
    const g = /\/models\/([^/:]+):(stream)?[gG]enerateContent$/.exec(p);
    if (req.method === 'POST' && g) return this.gemini(res, body, decodeURIComponent(g[1]!), Boolean(g[2]));
    if (req.method === 'GET' && /\/v1\/models$/.test(p)) return json(res, { data: [{ id: model, type: 'model' }], object: 'list' });
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'not_found', message: `mock-llm: no route for ${req.method} ${p}` } }));
  }

  // ---------------------------------------------------------------- Anthropic
  private anthropic(res: ServerResponse, body: J, model: string): void {
    const t = this.turn(body);
    const msgId = id('msg');
    const content: J[] = [];
    if (t.text) content.push({ type: 'text', text: t.text });
    const calls = toolsOf(t).map((tool) => ({ id: id('toolu'), ...tool }));
    for (const c of calls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.input });
    const stop = calls.length > 0 ? 'tool_use' : 'end_turn';
    const usage = { input_tokens: 100, output_tokens: 20 };
    if (body.stream !== true) return json(res, { id: msgId, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage });
    const sse = startSse(res);
    sse('message_start', { type: 'message_start', message: { id: msgId, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 1 } } });
    let index = 0;
    if (t.text) {
      sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const piece of split(t.text)) sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
      sse('content_block_stop', { type: 'content_block_stop', index });
      index++;
    }
    for (const c of calls) {
      sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } });
      for (const piece of split(JSON.stringify(c.input))) sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
      sse('content_block_stop', { type: 'content_block_stop', index });
      index++;
    }
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 20 } });
    sse('message_stop', { type: 'message_stop' });
    res.end();
  }

  // ---------------------------------------------------------------- OpenAI Chat Completions
  private openaiChat(res: ServerResponse, body: J, model: string): void {
    const t = this.turn(body);
    const cid = id('chatcmpl');
    const created = Math.floor(Date.now() / 1000);
    const calls = toolsOf(t).map((tool) => ({ id: id('call'), type: 'function', function: { name: tool.name, arguments: JSON.stringify(tool.input) } }));
    const finish = calls.length > 0 ? 'tool_calls' : 'stop';
    const usage = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 };
    if (body.stream !== true) {
      return json(res, { id: cid, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: t.text ?? null, ...(calls.length > 0 ? { tool_calls: calls } : {}) }, finish_reason: finish }], usage });
    }
    const sse = startSse(res);
    const chunk = (delta: J, finish_reason: string | null = null) => sse(undefined, { id: cid, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason }] });
    chunk({ role: 'assistant', content: '' });
    for (const piece of split(t.text ?? '')) chunk({ content: piece });
    calls.forEach((call, index) => {
      chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      for (const piece of split(call.function.arguments)) chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
    });
    chunk({}, finish);
    sse(undefined, { id: cid, object: 'chat.completion.chunk', created, model, choices: [], usage });
    res.write('data: [DONE]\n\n');
    res.end();
  }

  // ---------------------------------------------------------------- OpenAI Responses
  private responsesEvents(body: J, model: string): J[] {
    const rid = id('resp');
    let seq = 0;
    const ev = (type: string, fields: J): J => ({ type, sequence_number: seq++, ...fields });
    const base = { id: rid, object: 'response', created_at: Math.floor(Date.now() / 1000), model, status: 'in_progress', output: [] as J[] };
    const events: J[] = [ev('response.created', { response: base }), ev('response.in_progress', { response: base })];
    if (body.generate === false) {
      // A prewarm: the client only opens the conversation; nothing is generated.
      events.push(ev('response.completed', { response: { ...base, status: 'completed', usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 } } }));
      return events;
    }
    const t = this.turn(body);
    const output: J[] = [];
    let oi = 0;
    if (t.text) {
      const mid = id('msg');
      const item = { id: mid, type: 'message', status: 'in_progress', role: 'assistant', content: [] };
      events.push(ev('response.output_item.added', { output_index: oi, item }));
      events.push(ev('response.content_part.added', { item_id: mid, output_index: oi, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
      for (const piece of split(t.text)) events.push(ev('response.output_text.delta', { item_id: mid, output_index: oi, content_index: 0, delta: piece }));
      events.push(ev('response.output_text.done', { item_id: mid, output_index: oi, content_index: 0, text: t.text }));
      const part = { type: 'output_text', text: t.text, annotations: [] };
      events.push(ev('response.content_part.done', { item_id: mid, output_index: oi, content_index: 0, part }));
      const done = { id: mid, type: 'message', status: 'completed', role: 'assistant', content: [part] };
      events.push(ev('response.output_item.done', { output_index: oi, item: done }));
      output.push(done);
      oi++;
    }
    for (const tool of toolsOf(t)) {
      const fid = id('fc');
      const callId = id('call');
      const args = JSON.stringify(tool.input);
      events.push(ev('response.output_item.added', { output_index: oi, item: { id: fid, type: 'function_call', status: 'in_progress', call_id: callId, name: tool.name, arguments: '' } }));
      for (const piece of split(args)) events.push(ev('response.function_call_arguments.delta', { item_id: fid, output_index: oi, delta: piece }));
      events.push(ev('response.function_call_arguments.done', { item_id: fid, output_index: oi, arguments: args }));
      const done = { id: fid, type: 'function_call', status: 'completed', call_id: callId, name: tool.name, arguments: args };
      events.push(ev('response.output_item.done', { output_index: oi, item: done }));
      output.push(done);
      oi++;
    }
    const usage = { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 120 };
    events.push(ev('response.completed', { response: { ...base, status: 'completed', output, usage } }));
    return events;
  }

  private openaiResponses(res: ServerResponse, body: J, model: string): void {
    const events = this.responsesEvents(body, model);
    if (body.stream !== true) return json(res, (events[events.length - 1] as J).response);
    const sse = startSse(res);
    for (const e of events) sse(String(e.type), e);
    res.end();
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex): void {
    socket.on('error', () => socket.destroy());
    const key = req.headers['sec-websocket-key'];
    const path = req.url ?? '/';
    this.record({ ts: new Date().toISOString(), method: 'GET', path, headers: req.headers, body: '', transport: 'websocket' });
    if (typeof key !== 'string' || !/\/responses(\?|$)/.test(path)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      let parsed;
      try {
        parsed = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const f of parsed.control) {
        if (f.opcode === OP.ping) socket.write(encodeFrame(OP.pong, f.payload, false));
        if (f.opcode === OP.close) socket.end(encodeFrame(OP.close, f.payload.subarray(0, 2), false));
      }
      for (const m of parsed.messages) {
        const text = m.data.toString('utf8');
        this.record({ ts: new Date().toISOString(), method: 'WS', path, headers: req.headers, body: text, transport: 'websocket' });
        let msg: J;
        try {
          msg = JSON.parse(text) as J;
        } catch {
          continue;
        }
        if (msg.type !== 'response.create') continue;
        for (const e of this.responsesEvents(msg, String(msg.model ?? this.scenario.model ?? 'mock-model'))) socket.write(encodeFrame(OP.text, Buffer.from(JSON.stringify(e)), false));
      }
    });
  }

  // ---------------------------------------------------------------- Gemini
  private gemini(res: ServerResponse, body: J, model: string, stream: boolean): void {
    const t = this.turn(body);
    const usageMetadata = { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 };
    const chunkOf = (parts: J[], finishReason?: string): J => ({ candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason ? { finishReason } : {}) }], usageMetadata, modelVersion: model });
    const parts: J[] = [];
    if (t.text) parts.push({ text: t.text });
    const calls = toolsOf(t).map((tool) => ({ functionCall: { name: tool.name, args: tool.input } }));
    parts.push(...calls);
    if (!stream) return json(res, chunkOf(parts, 'STOP'));
    const sse = startSse(res);
    const pieces = split(t.text ?? '');
    pieces.forEach((piece, i) => sse(undefined, chunkOf([{ text: piece }], i === pieces.length - 1 && calls.length === 0 ? 'STOP' : undefined)));
    if (calls.length > 0) sse(undefined, chunkOf(calls, 'STOP'));
    res.end();
  }
}

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function startSse(res: ServerResponse): (event: string | undefined, data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return (event, data) => res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
}

/** Splits text into a few pieces so clients see real incremental deltas. */
function split(text: string): string[] {
  if (text.length <= 8) return text ? [text] : [];
  const n = Math.min(4, Math.ceil(text.length / 8));
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
