import type { EventSink } from '../audit/events.js';
import type { Inspector } from './chain.js';
import type { Flow } from './flow.js';

/** Records each finished flow: where it went, what the model was asked and answered, what left. */
export class AuditInspector implements Inspector {
  readonly name = 'audit';
  constructor(private readonly events: EventSink) {}

  onDone(flow: Flow): void {
    const llm = flow.llm;
    this.events.emit({
      kind: 'http',
      flow: flow.id,
      transport: flow.transport,
      method: flow.request.method,
      host: flow.host,
      port: flow.port,
      path: flow.request.path.replace(/([?&](?:key|api_key|token)=)[^&]*/gi, '$1…'),
      upstream: flow.upstream.origin,
      routed: flow.upstream.routed,
      status: flow.blocked?.status ?? flow.response?.status ?? null,
      decision: flow.blocked ? 'deny' : 'allow',
      ...(flow.blocked ? { reason: flow.blocked.reason } : {}),
      ...(flow.error ? { error: flow.error } : {}),
      responseBytes: flow.response?.bytes ?? 0,
      ...(flow.egress ? { egress: flow.egress } : {}),
      ...(llm
        ? {
            llm: {
              api: llm.api,
              model: llm.model,
              stream: llm.stream,
              messages: llm.messages.length,
              toolResults: llm.toolResults.length,
              text: llm.text.slice(0, 4000),
              toolCalls: llm.toolCalls.map((t) => ({ id: t.id, name: t.name, input: t.input.slice(0, 2000) })),
              usage: llm.usage,
              stopReason: llm.stopReason,
            },
          }
        : {}),
      findings: flow.findings,
      ms: Date.now() - flow.startedAt,
    });
  }
}
