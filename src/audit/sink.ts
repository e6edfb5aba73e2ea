import type { AuditStore } from './store.js';
import { type EventSink, type GlassboxEvent, JsonlEventSink } from './events.js';

/**
 * Every event of a session goes into the machine's hash-chained audit log (durable when emit
 * returns) and, for people reading along, the session's events.jsonl.
 */
export class AuditLogSink implements EventSink {
  private readonly jsonl: JsonlEventSink;
  constructor(
    private readonly store: AuditStore,
    private readonly session: string,
    jsonlFile?: string,
  ) {
    this.jsonl = new JsonlEventSink(session, jsonlFile);
  }

  get events(): readonly GlassboxEvent[] {
    return this.jsonl.events;
  }

  emit(event: Omit<GlassboxEvent, 'ts' | 'session'>): void {
    const ts = new Date().toISOString();
    const { kind, ...body } = event;
    this.store.append(this.session, String(kind), body, ts);
    this.jsonl.emit(event);
  }

  emitMany(events: readonly Omit<GlassboxEvent, 'ts' | 'session'>[]): void {
    const ts = new Date().toISOString();
    this.store.appendMany(
      events.map((event) => {
        const { kind, ...body } = event;
        return { session: this.session, kind: String(kind), body, ts };
      }),
    );
    for (const event of events) this.jsonl.emit(event);
  }
}
