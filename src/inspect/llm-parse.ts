import type { Inspector } from './chain.js';
import { decodedBody, parseJson } from './body.js';
import type { Flow, StreamEvent } from './flow.js';
import { detectApi, openaiResponses, type LlmApi } from './llm/apis.js';

/** Recognises LLM API calls and fills `flow.llm` and `flow.blocks` from request and response. */
export class LlmParseInspector implements Inspector {
  readonly name = 'llm-parse';
  private readonly apis = new WeakMap<Flow, { api: LlmApi; state: Map<string, unknown> }>();

  onRequest(flow: Flow): void {
    const body = decodedBody(flow.request.headers, flow.request.body);
    if (flow.transport === 'websocket') {
      // A Responses API turn over WebSocket: {"type":"response.create", ...request fields}.
      const msg = parseJson(body) as Record<string, unknown> | undefined;
      if (msg && msg.type === 'response.create') this.attach(flow, openaiResponses, { ...msg, stream: true });
      return;
    }
    const api = detectApi(flow.request.method, flow.request.path);
    if (!api) return;
    if (body === undefined) {
      flow.findings.push({ inspector: this.name, severity: 'warning', message: `request body uses content-encoding ${String(flow.request.headers['content-encoding'])}, which cannot be inspected` });
      return;
    }
    this.attach(flow, api, parseJson(body) ?? {});
  }

  private attach(flow: Flow, api: LlmApi, json: unknown): void {
    const { llm, blocks } = api.parseRequest(json, flow.request.path);
    flow.llm = llm;
    flow.blocks = blocks;
    this.apis.set(flow, { api, state: new Map() });
  }

  onStreamEvent(flow: Flow, ev: StreamEvent): void {
    const entry = this.apis.get(flow);
    if (!entry || !flow.llm) return;
    const raw = ev.kind === 'sse' ? ev.data : ev.direction === 'server' ? ev.text : undefined;
    if (raw === undefined || raw === '[DONE]') return;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return;
    }
    entry.api.onEvent(flow.llm, ev.kind === 'sse' ? ev.event : '', data, entry.state);
  }

  onDone(flow: Flow): void {
    const entry = this.apis.get(flow);
    if (!entry || !flow.llm || !flow.response?.body) return;
    const json = parseJson(flow.response.body);
    if (json !== undefined) entry.api.onResponse(flow.llm, json);
  }
}
