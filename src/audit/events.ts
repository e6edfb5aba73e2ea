import { appendFileSync } from 'node:fs';

/** One decision or fact, as the supervisor saw it. The hash-chained log (issue 4) stores these. */
export interface GlassboxEvent {
  ts: string;
  session: string;
  kind: 'session.start' | 'session.end' | 'network' | 'http' | 'exec' | 'sandbox' | 'filesystem' | 'secrets' | 'tool' | 'approval' | 'reach' | 'probe';
  [field: string]: unknown;
}

export interface EventSink {
  emit(event: Omit<GlassboxEvent, 'ts' | 'session'>): void;
  /** Several events known at once; a durable sink commits them together. */
  emitMany?(events: readonly Omit<GlassboxEvent, 'ts' | 'session'>[]): void;
  readonly events: readonly GlassboxEvent[];
}

/** Keeps events in memory and appends each, synchronously, as a JSON line to a file. */
export class JsonlEventSink implements EventSink {
  readonly events: GlassboxEvent[] = [];
  constructor(
    private readonly session: string,
    private readonly file?: string,
  ) {}

  emit(event: Omit<GlassboxEvent, 'ts' | 'session'>): void {
    const full = { ts: new Date().toISOString(), session: this.session, ...event } as GlassboxEvent;
    this.events.push(full);
    if (this.file) appendFileSync(this.file, JSON.stringify(full) + '\n', { mode: 0o600 });
  }
}
