import type { EventSink } from '../audit/events.js';
import { AuditInspector } from './audit.js';
import { InspectorChain } from './chain.js';
import { CredentialsInspector, type SessionCredential } from './credentials.js';
import { EgressInspector, EgressLedger, type WorkspaceIndex } from './egress.js';
import { LlmParseInspector } from './llm-parse.js';
import { DlpInspector } from './dlp.js';
import type { DlpEngine } from '../dlp/index.js';
import type { ToolGate } from '../tools/gate.js';
import { ToolPolicyInspector } from './tool-policy.js';
import { HiddenCharsInspector } from './hidden-chars.js';

export interface ChainParts {
  events: EventSink;
  credentials: readonly SessionCredential[];
  ledger: EgressLedger;
  index?: WorkspaceIndex;
  dlp?: DlpEngine;
  tools?: ToolGate;
}

/**
 * The one place that fixes inspector order. DLP comes first so that every later inspector
 * sees the request as it will leave (redacted). Parsing next (others read flow.llm and
 * flow.blocks), then tool policy (it needs flow.llm); credentials before egress so that a
 * blocked exfiltration is not counted as sent; audit last so that it records every other
 * inspector's verdict.
 */
export function buildChain(parts: ChainParts): InspectorChain {
  return new InspectorChain([
    ...(parts.dlp ? [new DlpInspector(parts.dlp)] : []),
    new LlmParseInspector(),
    new HiddenCharsInspector(),
    ...(parts.tools ? [new ToolPolicyInspector(parts.tools)] : []),
    new CredentialsInspector(parts.credentials),
    new EgressInspector(parts.ledger, parts.index),
    new AuditInspector(parts.events),
  ]);
}

export { EgressLedger };
