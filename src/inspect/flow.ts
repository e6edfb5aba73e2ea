import type { ResponseRewriter } from '../tools/rewrite/index.js';
import type { IncomingHttpHeaders } from 'node:http';

/** What the model was sent and what it answered, in one shape for every supported API. */
export interface LlmExchange {
  api: 'anthropic.messages' | 'openai.chat' | 'openai.responses' | 'gemini';
  model?: string;
  stream: boolean;
  /** Request side. */
  system: string[];
  messages: { role: string; text: string }[];
  toolResults: { id: string; text: string }[];
  /** Response side, filled while the answer streams. */
  text: string;
  toolCalls: { id: string; name: string; input: string }[];
  usage: { inputTokens?: number; outputTokens?: number };
  stopReason?: string;
}

/** A unit of outgoing content, for egress accounting and (later) DLP. */
export interface ContentBlock {
  /** Where in the request it sits, e.g. `messages[3].content[0]`. */
  path: string;
  text: string;
}

export interface Finding {
  inspector: string;
  severity: 'info' | 'warning' | 'high';
  message: string;
  [detail: string]: unknown;
}

/**
 * One exchange through the proxy. Inspectors read it and add to it; the proxy forwards what it
 * holds when they are done. `blocked` set by any inspector stops the request before it leaves.
 */
export interface Flow {
  id: string;
  session: string;
  startedAt: number;
  host: string;
  port: number;
  scheme: 'https' | 'http';
  transport: 'http/1.1' | 'h2' | 'websocket';
  request: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer };
  /** Where the request actually goes (differs when network.route applies). */
  upstream: { origin: string; routed: boolean };
  /** `body` is a decoded copy of a non-streamed response, kept for parsing (capped). */
  response?: { status: number; headers: IncomingHttpHeaders; bytes: number; body?: Buffer };
  llm?: LlmExchange;
  /** Outgoing content broken into blocks by the LLM parser (or the whole body). */
  blocks: ContentBlock[];
  egress?: { bytesOut: number; novelBytes: number; files: { path: string; fingerprints: number; share: number }[] };
  findings: Finding[];
  blocked?: { status: number; reason: string };
  /** Set by the tool-policy inspector: the answer reaches the agent through it. */
  rewriter?: ResponseRewriter;
  error?: string;
}

/** A streamed piece of the response: an SSE event, or a WebSocket message in either direction. */
export type StreamEvent =
  | { kind: 'sse'; event: string; data: string }
  | { kind: 'ws'; direction: 'client' | 'server'; text: string };
