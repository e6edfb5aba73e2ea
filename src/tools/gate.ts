import { hash as oneShot } from 'node:crypto';
import type { EventSink } from '../audit/events.js';
import type { DlpEngine } from '../dlp/index.js';
import type { Flow } from '../inspect/flow.js';
import { canonicalJson } from '../policy/load.js';
import type { ToolPolicy } from '../policy/types.js';
import type { ApprovalDesk, ApprovalOutcome } from './approvals.js';
import type { CallFacts } from './facts.js';
import type { ToolRules, Verdict } from './rules.js';

/** A complete tool call the model asked for, arguments as the model wrote them. */
export interface ToolCall {
  id: string;
  name: string;
  /** JSON arguments (or free-form input for grammar tools such as Codex's apply_patch). */
  input: string;
}

/** What the stream rewriters do with a call. */
export interface GateDecision {
  allow: boolean;
  /** Allowed: the arguments to hand the agent (redaction placeholders put back). */
  input: string;
  /** Denied: the text the agent shows in place of the call. */
  message: string;
}

export interface GateOptions {
  session: string;
  rules: ToolRules;
  approval: ToolPolicy['approval'];
  events: EventSink;
  dlp?: DlpEngine;
  desk?: ApprovalDesk;
  /** Whether a person can answer an `ask` (a terminal, not CI). */
  interactive: boolean;
  /** Tells the person at the terminal that a call waits for them. */
  notify: (message: string) => void;
}

/**
 * Decides each tool call: policy verdict, then (for `ask`) an approval from outside the box,
 * then the record. Allowed calls get the session's redacted secrets back, since they run
 * here, on this machine, where the secrets already are.
 */
export class ToolGate {
  constructor(private readonly opts: GateOptions) {}

  async decide(flow: Flow, call: ToolCall): Promise<GateDecision> {
    const { restored, count } = this.restore(call.input);
    const verdict = this.opts.rules.evaluate(call.name, restored);
    const callHash = hashCall(this.opts.session, call.name, restored);
    // What is shown and recorded comes from the call as the model wrote it (no restored secrets).
    const shown = count > 0 ? this.opts.rules.evaluate(call.name, call.input).facts : verdict.facts;
    const summary = summarise(call, shown);
    let approval: ApprovalOutcome | { status: 'unanswerable' } | undefined;
    let allow = verdict.action === 'allow';
    if (verdict.action === 'ask') {
      approval = await this.ask(flow, call, summary, verdict, callHash);
      allow = approval.status === 'approved';
    }
    this.opts.events.emit({
      kind: 'tool',
      flow: flow.id,
      api: flow.llm?.api ?? null,
      callId: call.id,
      tool: call.name,
      // As the model wrote it: placeholders, never restored secrets.
      input: call.input.slice(0, 2000),
      commands: shown.commands.slice(0, 20),
      paths: shown.paths.slice(0, 50),
      verdict: verdict.action,
      rule: verdict.rule ?? null,
      reason: verdict.reason,
      decision: allow ? 'allow' : 'deny',
      callHash,
      ...(approval ? { approval } : {}),
      ...(count > 0 ? { restoredSecrets: count } : {}),
    });
    if (allow) return { allow, input: restored, message: '' };
    const why =
      approval?.status === 'unanswerable'
        ? `it needs approval (${verdict.reason}) and nobody can approve from here: no terminal`
        : approval?.status === 'expired'
          ? `it needs approval (${verdict.reason}) and none came in ${this.opts.approval.timeout} s`
          : approval?.status === 'denied'
            ? `the approver refused it (${verdict.reason})`
            : verdict.reason;
    return { allow, input: call.input, message: `[glassbox] Blocked tool call ${summary}: ${why}. It was not run.` };
  }

  private async ask(flow: Flow, call: ToolCall, summary: string, verdict: Verdict, callHash: string): Promise<ApprovalOutcome | { status: 'unanswerable' }> {
    const { desk } = this.opts;
    if (!desk || (!this.opts.interactive && this.opts.approval.headless === 'deny')) return { status: 'unanswerable' };
    const row = desk.request({
      session: this.opts.session,
      flow: flow.id,
      callHash,
      tool: call.name,
      summary,
      reason: verdict.reason,
      timeoutMs: this.opts.approval.timeout * 1000,
    });
    this.opts.notify(`tool call waiting for approval: ${summary} (${verdict.reason}); in another terminal: glassbox approve ${row.id}   (or --deny; ${this.opts.approval.timeout} s)`);
    return desk.wait(row);
  }

  /** The model may echo a redaction placeholder; the local call gets the real value back. */
  private restore(input: string): { restored: string; count: number } {
    const dlp = this.opts.dlp;
    if (!dlp || !input.includes('GLASSBOX_REDACTED_')) return { restored: input, count: 0 };
    let count = 0;
    const put = (s: string) => dlp.restore(s, () => count++);
    try {
      // Through the parsed value, so a secret with quotes or backslashes stays valid JSON.
      const restored = JSON.stringify(mapStrings(JSON.parse(input), put));
      return { restored, count };
    } catch {
      return { restored: put(input), count };
    }
  }
}

function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)]));
  return v;
}

/** Binds an approval to one exact call: session, tool and canonical arguments. */
export function hashCall(session: string, name: string, input: string): string {
  let args: string;
  try {
    args = canonicalJson(JSON.parse(input));
  } catch {
    args = input;
  }
  return oneShot('sha256', `glassbox-tool-call/v1\n${session}\n${name}\n${args}`, 'hex');
}

function summarise(call: ToolCall, facts: CallFacts): string {
  const what = facts.commands[0] ?? facts.paths.join(' ');
  const text = what || call.input;
  return `${call.name}: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
}
