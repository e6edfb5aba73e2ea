import { sendOtlp } from '../audit/otlp.js';
import { errorMessage } from '../errors.js';
import type { HubStore } from './store.js';

const PAGE = 5000;

/**
 * Ships every verified event to an OpenTelemetry Collector, per machine in chain order. A
 * cursor per machine (in PostgreSQL) records what the collector acknowledged, so a collector
 * that was down gets the backlog on the next push, and nothing twice after a restart.
 */
export class OtlpForwarder {
  private readonly running = new Map<string, Promise<void>>();
  constructor(
    private readonly store: HubStore,
    private readonly endpoint: string,
    private readonly version: string,
    private readonly warn: (m: string) => void,
  ) {}

  /** Sends what the machine has beyond its cursor; one drain per machine at a time. */
  drain(machine: string): Promise<void> {
    const prev = this.running.get(machine) ?? Promise.resolve();
    const next = prev.then(() => this.drainNow(machine));
    this.running.set(machine, next);
    return next;
  }

  private async drainNow(machine: string): Promise<void> {
    try {
      const row = (await this.store.machines()).find((m) => m.name === machine);
      let seq = row?.otlpSeq ?? 0;
      for (;;) {
        const events = await this.store.entriesAfter(machine, seq, PAGE);
        if (events.length === 0) return;
        await sendOtlp(this.endpoint, events, this.version, 1000, machine);
        seq = events[events.length - 1]!.seq;
        await this.store.setOtlpSeq(machine, seq);
      }
    } catch (err) {
      this.warn(`OTLP export to ${this.endpoint} for ${machine} failed (${errorMessage(err)}); it resumes with the next push`);
    }
  }

  async idle(): Promise<void> {
    await Promise.all(this.running.values());
  }
}
