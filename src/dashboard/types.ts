/**
 * The dashboard's data shapes, shared by the server (local log or hub) and the page.
 * No Node imports here: the page's build includes this file.
 */
export interface AuditEvent {
  seq: number;
  ts: string;
  kind: string;
  body: Record<string, unknown> | null;
}

export interface SessionSummary {
  id: string;
  machine: string;
  user: string | null;
  repo: string | null;
  agent: string | null;
  agentVersion: string | null;
  command: string[];
  workspace: string | null;
  started: string | null;
  ended: string | null;
  status: 'running' | 'ended' | 'abnormal' | 'refused';
  exitCode: number | null;
  events: number;
  denied: number;
  bytesOut: number;
  novelBytes: number;
  secrets: number;
  toolDenied: number;
}

export interface EgressRow {
  host: string;
  requests: number;
  bytesOut: number;
  novelBytes: number;
}

export interface FileLeft {
  file: string;
  host: string;
  times: number;
}

export interface Finding {
  seq: number;
  ts: string;
  source: string;
  ruleId: string;
  severity: string;
  action: string;
  kind: string;
  where: string;
}

export interface ToolDecision {
  seq: number;
  ts: string;
  tool: string;
  what: string;
  verdict: string;
  decision: string;
  reason: string;
  approval: string | null;
}

export interface TimelineRow {
  seq: number;
  ts: string;
  kind: string;
  decision: string | null;
  text: string;
}

/** Bytes that left, per minute: the egress-over-time picture. */
export interface EgressPoint {
  minute: string;
  host: string;
  bytesOut: number;
  novelBytes: number;
}

export interface SessionDetail {
  summary: SessionSummary;
  timeline: TimelineRow[];
  egress: EgressRow[];
  egressOverTime: EgressPoint[];
  files: FileLeft[];
  findings: Finding[];
  tools: ToolDecision[];
  reach: Record<string, unknown>[];
  probe: Record<string, unknown>[];
}

/** Filters the session list by; every field is an exact match, `q` a substring of the command. */
export interface SessionFilter {
  machine?: string;
  user?: string;
  repo?: string;
  agent?: string;
  version?: string;
  status?: string;
  q?: string;
}
export const FILTER_KEYS = ['machine', 'user', 'repo', 'agent', 'version', 'status', 'q'] as const;

export interface Facets {
  machine: string[];
  user: string[];
  repo: string[];
  agent: string[];
  version: string[];
  status: string[];
}

export interface MachineStatus {
  name: string;
  /** Entries the hub holds and has verified. */
  size: number;
  checkpoint: { size: number; root: string; ts: string; keyId: string } | null;
  anchorKey: string | null;
  status: 'verified' | 'tampered' | 'empty';
  problem: string | null;
  lastPush: string | null;
}

export interface Integrity {
  ok: boolean;
  /** `local`: the machine's own log walked end to end; `hub`: each machine's pushes checked on arrival. */
  scope: 'local' | 'hub';
  entries: number;
  checkpoints: number;
  problems: string[];
  anchorKey?: string;
  machines?: MachineStatus[];
  /** Refused pushes that showed tampering, newest first (hub only). */
  alerts?: { machine: string; ts: string; problem: string }[];
  checked: string;
}

export interface ReportRow {
  kind: 'reach' | 'probe';
  machine: string;
  session: string;
  seq: number;
  ts: string;
  verdict: string;
  body: Record<string, unknown>;
}

export interface OverviewPoint {
  hour: string;
  bytesOut: number;
  novelBytes: number;
  requests: number;
}

/** One session's share of the overview: per hour bytes out, and the files that left. */
export interface EgressFacts {
  hours: Record<string, { bytesOut: number; novelBytes: number; requests: number }>;
  files: { file: string; host: string; times: number }[];
}

export interface Overview {
  sessions: number;
  egressByHour: OverviewPoint[];
  /** Workspace files that left, across sessions: the files-to-hosts map. */
  files: { file: string; host: string; times: number; repo: string | null }[];
}
