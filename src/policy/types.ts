import type { PRESET_NAMES } from './schema.js';

export type PresetName = (typeof PRESET_NAMES)[number];
export type HomeMode = 'copy' | 'ro' | 'rw';

/** A policy as written in a file (every part optional). Mirrors schema.ts. */
export interface PolicyDoc {
  version?: 1;
  preset?: PresetName;
  workspace?: string;
  filesystem?: {
    read?: string[];
    write?: string[];
    deny?: string[];
    protect?: string[];
    unprotect?: string[];
  };
  home?: { path: string; mode?: HomeMode; optional?: boolean }[];
  env?: { pass?: string[]; set?: Record<string, string>; tz?: string };
  network?: {
    allow?: { host: string; port?: number | number[]; inspect?: boolean; methods?: string[]; paths?: string[]; allowPrivate?: boolean }[];
    route?: Record<string, string>;
  };
  credentials?: CredentialRule[];
  limits?: { processes?: number; memory?: string; fileSize?: string; openFiles?: number };
  audit?: { retention?: { days?: number; maxSize?: string }; exec?: boolean; files?: boolean };
  dlp?: {
    actions?: Partial<Record<'high' | 'medium' | 'low' | 'known', DlpAction>>;
    rules?: Record<string, DlpAction | 'off'>;
    custom?: CustomRule[];
    gitleaks?: string[];
    canaries?: boolean;
    localSecrets?: boolean;
  };
  agents?: { allow?: AgentPin[]; onMismatch?: 'refuse' | 'warn' };
  tools?: {
    default?: ToolAction;
    rules?: ToolRule[];
    approval?: { timeout?: number; headless?: 'deny' | 'wait' };
  };
}

/** An agent the policy lets run: every field given must match. */
export interface AgentPin {
  package?: string;
  path?: string;
  version?: string | string[];
  sha256?: string | string[];
}

export interface AgentsPolicy {
  allow: AgentPin[];
  onMismatch: 'refuse' | 'warn';
}

export type ToolAction = 'allow' | 'ask' | 'deny';

/** One tool-call rule: every condition given must match (each may list alternatives). */
export interface ToolRule {
  action: ToolAction;
  tool?: string | string[];
  command?: string | string[];
  path?: string | string[];
  /** Shown to the agent (and the user) when the rule denies or asks. */
  reason?: string;
}

export interface ToolPolicy {
  default: ToolAction;
  rules: ToolRule[];
  /** `ask`: seconds an approval may take; `headless`: what ask means with no terminal (CI). */
  approval: { timeout: number; headless: 'deny' | 'wait' };
}

export type DlpAction = 'redact' | 'block' | 'record';

export interface CustomRule {
  id: string;
  description?: string;
  regex: string;
  keywords?: string[];
  severity?: 'high' | 'medium' | 'low';
  entropy?: number;
}

export interface DlpPolicy {
  actions: Record<'high' | 'medium' | 'low' | 'known', DlpAction>;
  rules: Record<string, DlpAction | 'off'>;
  custom: CustomRule[];
  gitleaks: string[];
  canaries: boolean;
  localSecrets: boolean;
}

export interface HomeProjection {
  path: string;
  mode: HomeMode;
  optional: boolean;
}

export interface AllowRule {
  host: string;
  ports: number[];
  inspect?: boolean;
  methods?: string[];
  paths?: string[];
  allowPrivate?: boolean;
}

export interface CredentialRule {
  name: string;
  from: { env?: string; file?: string };
  env?: string | string[];
  hosts: string[];
  optional?: boolean;
}

/** The policy in force after defaults, preset and file are merged. Everything is filled in. */
export interface EffectivePolicy {
  version: 1;
  preset: PresetName;
  workspace?: string;
  filesystem: { read: string[]; write: string[]; deny: string[]; protect: string[]; unprotect: string[] };
  home: HomeProjection[];
  env: { pass: string[]; set: Record<string, string>; tz?: string };
  network: { allow: AllowRule[]; route: Record<string, string> };
  credentials: CredentialRule[];
  limits: { processes: number; memory: string; fileSize: string; openFiles: number };
  audit: { retention: { days?: number; maxSize?: string }; exec: boolean; files: boolean };
  dlp: DlpPolicy;
  tools: ToolPolicy;
  agents: AgentsPolicy;
}

export interface LoadedPolicy {
  policy: EffectivePolicy;
  /** sha256 of the canonical JSON of `policy`: what the audit log records. */
  hash: string;
  /** The policy file, when one was given. */
  file?: string;
}
