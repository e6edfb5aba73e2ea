import type { GateDecision, ToolCall } from '../gate.js';
import { type J, obj, str } from '../../util/json.js';

/** One message of a streamed answer: an SSE event, or a WebSocket text message (no `event`). */
export interface WireEvent {
  event?: string;
  data: string;
  id?: string;
}

/**
 * Rewrites a model's answer so that only allowed tool calls reach the agent. Streams are
 * rewritten event by event: events of a tool call are held until its arguments are complete,
 * then released (allowed) or replaced by a text block (denied); everything else passes at once.
 */
export interface ResponseRewriter {
  event(ev: WireEvent): Promise<WireEvent[]>;
  /** A whole (non-streamed) JSON answer. */
  body(json: unknown): Promise<unknown>;
}

export type Decide = (call: ToolCall) => Promise<GateDecision>;

export { arr, type J, obj, str } from '../../util/json.js';

export function parseData(data: string): J | undefined {
  if (!data.startsWith('{')) return undefined;
  try {
    return obj(JSON.parse(data));
  } catch {
    return undefined;
  }
}

/** The same event carrying new JSON (and, for SSE, the event name when it follows the type). */
export function withData(ev: WireEvent, data: J): WireEvent {
  const type = str(data.type);
  return { ...ev, ...(ev.event !== undefined && type && ev.event !== 'message' ? { event: type } : {}), data: JSON.stringify(data) };
}
