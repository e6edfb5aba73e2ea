import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { policyRules } from '../dlp/index.js';
import { sha256Hex } from '../util/hash.js';
import { DEFAULT_PROTECTED, DEFAULTS, PRESETS } from './presets.js';
import { policySchema } from './schema.js';
import type { EffectivePolicy, LoadedPolicy, PolicyDoc, PresetName } from './types.js';
import { parseAndValidate, type PolicyIssue } from './validate.js';

/** Thrown when a policy file is invalid; carries every issue, each printable as one line. */
export class PolicyError extends UserError {
  constructor(
    readonly file: string,
    readonly issues: PolicyIssue[],
  ) {
    super(issues.map((i) => `${file}:${i.line}:${i.column}: ${i.message}`).join('\n'));
    this.name = 'PolicyError';
  }
}

/** Where `glassbox run` looks for a policy when `--policy` is not given. */
export function defaultPolicyFile(home = homedir()): string {
  const base = process.env.XDG_CONFIG_HOME || join(home, '.config');
  return join(base, 'glassbox', 'policy.yaml');
}

/** Reads and validates one policy file. */
export function readPolicyFile(file: string): PolicyDoc {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new UserError(`cannot read policy ${file}: ${why}; pass an existing YAML file with --policy`);
  }
  const { value, issues } = parseAndValidate(text, policySchema);
  if (issues.length > 0) throw new PolicyError(file, issues);
  return (value ?? {}) as PolicyDoc;
}

function uniq<T>(items: T[], key: (t: T) => string = String): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Merges policy layers: lists accumulate, maps merge, later scalars win. */
export function mergePolicies(layers: PolicyDoc[], preset: PresetName): EffectivePolicy {
  const out: EffectivePolicy = {
    version: 1,
    preset,
    filesystem: { read: [], write: [], deny: [], protect: [...DEFAULT_PROTECTED], unprotect: [] },
    home: [],
    env: { pass: [], set: {} },
    network: { allow: [], route: {} },
    credentials: [],
    limits: { processes: 0, memory: '', fileSize: '', openFiles: 0 },
    audit: { retention: {}, exec: true, files: false },
    dlp: { actions: { high: 'redact', medium: 'redact', low: 'record', known: 'redact' }, rules: {}, custom: [], gitleaks: [], canaries: true, localSecrets: true },
    tools: { default: 'allow', rules: [], approval: { timeout: 120, headless: 'deny' } },
    agents: { allow: [], onMismatch: 'refuse' },
  };
  for (const layer of layers) {
    if (layer.workspace !== undefined) out.workspace = layer.workspace;
    const fs = layer.filesystem ?? {};
    out.filesystem.read.push(...(fs.read ?? []));
    out.filesystem.write.push(...(fs.write ?? []));
    out.filesystem.deny.push(...(fs.deny ?? []));
    out.filesystem.protect.push(...(fs.protect ?? []));
    out.filesystem.unprotect.push(...(fs.unprotect ?? []));
    for (const h of layer.home ?? []) {
      out.home = out.home.filter((existing) => existing.path !== h.path);
      out.home.push({ path: h.path, mode: h.mode ?? 'copy', optional: h.optional ?? true });
    }
    out.env.pass.push(...(layer.env?.pass ?? []));
    Object.assign(out.env.set, layer.env?.set ?? {});
    if (layer.env?.tz !== undefined) out.env.tz = layer.env.tz;
    for (const rule of layer.network?.allow ?? []) {
      const ports = rule.port === undefined ? [443] : Array.isArray(rule.port) ? rule.port : [rule.port];
      out.network.allow.push({
        host: rule.host.toLowerCase(),
        ports: uniq(ports),
        ...(rule.inspect !== undefined ? { inspect: rule.inspect } : {}),
        ...(rule.methods ? { methods: rule.methods } : {}),
        ...(rule.paths ? { paths: rule.paths } : {}),
        ...(rule.allowPrivate !== undefined ? { allowPrivate: rule.allowPrivate } : {}),
      });
    }
    for (const [host, origin] of Object.entries(layer.network?.route ?? {})) out.network.route[host.toLowerCase()] = origin.replace(/\/$/, '');
    for (const cred of layer.credentials ?? []) {
      out.credentials = out.credentials.filter((c) => c.name !== cred.name);
      out.credentials.push(cred);
    }
    Object.assign(out.audit.retention, layer.audit?.retention ?? {});
    if (layer.audit?.exec !== undefined) out.audit.exec = layer.audit.exec;
    if (layer.audit?.files !== undefined) out.audit.files = layer.audit.files;
    const dlp = layer.dlp ?? {};
    Object.assign(out.dlp.actions, dlp.actions ?? {});
    Object.assign(out.dlp.rules, dlp.rules ?? {});
    out.dlp.custom = [...out.dlp.custom.filter((c) => !(dlp.custom ?? []).some((n) => n.id === c.id)), ...(dlp.custom ?? [])];
    out.dlp.gitleaks.push(...(dlp.gitleaks ?? []));
    if (dlp.canaries !== undefined) out.dlp.canaries = dlp.canaries;
    if (dlp.localSecrets !== undefined) out.dlp.localSecrets = dlp.localSecrets;
    out.agents.allow.push(...(layer.agents?.allow ?? []));
    if (layer.agents?.onMismatch) out.agents.onMismatch = layer.agents.onMismatch;
    const tools = layer.tools ?? {};
    if (tools.default) out.tools.default = tools.default;
    // First match wins, so a later layer's rules (the policy file) go before earlier ones.
    out.tools.rules = [...(tools.rules ?? []), ...out.tools.rules];
    Object.assign(out.tools.approval, Object.fromEntries(Object.entries(tools.approval ?? {}).filter(([, v]) => v !== undefined)));
    Object.assign(
      out.limits,
      Object.fromEntries(Object.entries(layer.limits ?? {}).filter(([, v]) => v !== undefined)),
    );
  }
  for (const key of ['read', 'write', 'deny', 'protect', 'unprotect'] as const) {
    out.filesystem[key] = uniq(out.filesystem[key]);
  }
  out.filesystem.protect = out.filesystem.protect.filter((p) => !out.filesystem.unprotect.includes(p));
  out.env.pass = uniq(out.env.pass);
  // A later rule for the same host and ports replaces the earlier one (a file refines a preset).
  const byKey = new Map(out.network.allow.map((r) => [`${r.host}:${r.ports.join(',')}`, r]));
  out.network.allow = [...byKey.values()];
  return out;
}

/** Stable JSON: keys sorted, so the hash depends only on meaning. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface LoadOptions {
  /** Explicit policy file (from --policy). */
  file?: string;
  /** Preset from --preset, overriding the file's. */
  preset?: PresetName;
  /** Use the default policy file when it exists and no file was named. */
  useDefaultFile?: boolean;
}

/** Cross-field rules the schema cannot express. */
function checkSemantics(policy: EffectivePolicy, file: string | undefined): void {
  const where = file ?? 'policy';
  // Custom and gitleaks rules compile (and pass the linear-time guard) now, not mid-session.
  try {
    policyRules(policy.dlp);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${where}: ${err.message}`);
    throw err;
  }
  for (const host of Object.keys(policy.network.route)) {
    if (!policy.network.allow.some((r) => r.host === host)) {
      throw new UserError(`${where}: network.route names ${host}, which is not in network.allow; add it there (routed hosts are always inspected)`);
    }
  }
  for (const c of policy.credentials) {
    if (!c.from.env && !c.from.file) throw new UserError(`${where}: credential ${c.name} needs from.env or from.file`);
    if (!c.env && !c.from.env) throw new UserError(`${where}: credential ${c.name} needs \`env\`: the variable inside the sandbox that receives the placeholder`);
    for (const h of c.hosts) {
      const rule = policy.network.allow.find((r) => r.host === h);
      if (!rule || !(rule.inspect || policy.network.route[h])) {
        throw new UserError(`${where}: credential ${c.name} is for ${h}, which must be in network.allow with \`inspect: true\` so the proxy can swap it in`);
      }
    }
  }
}

/** Defaults → preset → policy file: the effective policy and its hash. */
export function loadPolicy(opts: LoadOptions): LoadedPolicy {
  let file = opts.file;
  if (!file && opts.useDefaultFile) {
    const candidate = defaultPolicyFile();
    try {
      readFileSync(candidate);
      file = candidate;
    } catch {
      /* no default policy: presets and defaults alone */
    }
  }
  const doc = file ? readPolicyFile(file) : {};
  const preset: PresetName = opts.preset ?? doc.preset ?? 'none';
  const policy = mergePolicies([DEFAULTS, PRESETS[preset], doc], preset);
  checkSemantics(policy, file);
  return { policy, hash: sha256Hex(canonicalJson(policy)), ...(file ? { file } : {}) };
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Parses a validated size (`512M`, `8G`, `unlimited`) into bytes; undefined means unlimited. */
export function parseSize(size: string): number | undefined {
  if (size === 'unlimited') return undefined;
  const m = /^([0-9]+)([KkMmGgTt]?)/.exec(size);
  if (!m) throw new UserError(`invalid size ${JSON.stringify(size)}: use a number with K, M, G or T, or "unlimited"`);
  return Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
}
