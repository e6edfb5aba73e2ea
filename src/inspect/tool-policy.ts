import type { ToolGate } from '../tools/gate.js';
import { rewriterFor } from '../tools/rewrite/index.js';
import type { Inspector } from './chain.js';
import type { Flow } from './flow.js';

/**
 * Tool-call policy: gives every LLM exchange a response rewriter that holds each tool call the
 * model asks for until the gate has decided it. Runs after llm-parse (it needs flow.llm).
 */
export class ToolPolicyInspector implements Inspector {
  readonly name = 'tool-policy';
  readonly rewritesResponses = true;
  constructor(private readonly gate: ToolGate) {}

  onRequest(flow: Flow): void {
    if (flow.llm) flow.rewriter = rewriterFor(flow.llm.api, (call) => this.gate.decide(flow, call));
  }
}
