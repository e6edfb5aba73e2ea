import type { Flow, StreamEvent } from './flow.js';

/**
 * An inspector does one job on each flow (mitmproxy-addon style). Hooks run in chain order;
 * `onRequest` may change the request or set `flow.blocked`.
 */
export interface Inspector {
  readonly name: string;
  /** Whether it may change the model's answer (then the proxy parses and re-encodes responses). */
  readonly rewritesResponses?: boolean;
  onRequest?(flow: Flow): void;
  onResponseHeaders?(flow: Flow): void;
  onStreamEvent?(flow: Flow, event: StreamEvent): void;
  /** Called once, when the exchange is over (also for blocked and failed flows). */
  onDone?(flow: Flow): void;
}

export class InspectorChain {
  constructor(readonly inspectors: readonly Inspector[]) {}

  get rewritesResponses(): boolean {
    return this.inspectors.some((i) => i.rewritesResponses === true);
  }

  request(flow: Flow): void {
    for (const i of this.inspectors) {
      if (flow.blocked) return;
      this.guard(flow, i, () => i.onRequest?.(flow));
    }
  }

  responseHeaders(flow: Flow): void {
    for (const i of this.inspectors) this.guard(flow, i, () => i.onResponseHeaders?.(flow));
  }

  streamEvent(flow: Flow, event: StreamEvent): void {
    for (const i of this.inspectors) this.guard(flow, i, () => i.onStreamEvent?.(flow, event));
  }

  done(flow: Flow): void {
    for (const i of this.inspectors) this.guard(flow, i, () => i.onDone?.(flow));
  }

  /** An inspector's bug must not take the proxy down, nor let a request through unexamined. */
  private guard(flow: Flow, inspector: Inspector, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      flow.findings.push({ inspector: inspector.name, severity: 'high', message: `inspector failed: ${(err as Error).message}` });
      if (!flow.response) flow.blocked ??= { status: 502, reason: `inspector ${inspector.name} failed; request not sent` };
    }
  }
}
