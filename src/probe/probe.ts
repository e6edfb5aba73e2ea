import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockLlm, type RecordedRequest, type Scenario } from '../mock-llm/server.js';
import { canonicalJson } from '../policy/load.js';
import type { EffectivePolicy, LoadedPolicy } from '../policy/types.js';
import { runSession } from '../session/run.js';
import { classifyStrings, flatten, type Difference } from './classify.js';
import { mask } from './mask.js';

export const DIMENSIONS = ['tz', 'locale', 'endpoint', 'proxy', 'host', 'user'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** One environment a run sees. The baseline is every dimension at its first value. */
interface Environment {
  tz: string;
  locale: string;
  endpoint?: string;
  proxy: number;
  host: string;
  user: string;
}

const BASELINE: Environment = { tz: 'UTC', locale: 'en_US.UTF-8', proxy: 3128, host: 'glassbox', user: 'developer' };
/** Values each dimension is varied to: regions, scripts, a corporate gateway, another proxy port. */
const VALUES: Record<Dimension, (string | number)[]> = {
  tz: ['Asia/Shanghai', 'America/Los_Angeles', 'Europe/Berlin', 'Australia/Sydney'],
  locale: ['zh_CN.UTF-8', 'de_DE.UTF-8', 'ja_JP.UTF-8'],
  endpoint: ['llm-gateway.corp.example', 'api.eu-gateway.example'],
  proxy: [8080, 3129],
  host: ['build-07.corp.example', 'dev-laptop'],
  user: ['alice', 'svc-ci'],
};
/** The default API hosts of the agents we know; always routed to the probe's mock-llm. */
const LLM_HOSTS = ['api.anthropic.com', 'api.openai.com', 'chatgpt.com', 'generativelanguage.googleapis.com'];
/** Headers that differ on every request by nature. */
const VOLATILE_HEADERS = new Set(['content-length', 'date', 'traceparent', 'tracestate', 'x-request-id', 'x-client-request-id', 'x-stainless-retry-count', 'x-stainless-timeout', 'connection', 'host']);

export interface ProbeOptions {
  command: string[];
  loaded: LoadedPolicy;
  dimensions: readonly Dimension[];
  /** Baseline repeats: what differs between identical runs is noise, not signal. */
  runs: number;
  /** Vary each dimension over all its values (default: the first). */
  allValues?: boolean;
  scenario?: Scenario;
  progress?: (message: string) => void;
}

export interface ProbeRun {
  dimension: Dimension | 'baseline';
  value: string;
  session: string;
  exitCode: number;
  requests: number;
}

export interface ProbeFinding extends Difference {
  dimension: Dimension;
  value: string;
  /** `POST /v1/messages #2`: the request, and which of its kind. */
  request: string;
  /** Field path: `body.system[1].text`, `headers.user-agent`, `path`. */
  field: string;
}

export interface ProbeReport {
  command: string[];
  started: string;
  dimensions: Dimension[];
  runs: ProbeRun[];
  /** Fields that differed between identical baseline runs, and so were not compared. */
  noise: string[];
  findings: ProbeFinding[];
  verdict: 'clean' | 'suspicious';
}

type Captured = Map<string, Map<string, string>>;

/** Plain statements of a varied value that an honest agent may make ("time zone: Asia/Shanghai"). */
function disclosedForms(dimension: Dimension, value: string): string[] {
  switch (dimension) {
    case 'tz': {
      const forms = [value, value.split('/').pop()!.replace(/_/g, ' ')];
      for (const style of ['long', 'short', 'longOffset', 'shortOffset'] as const) {
        const part = new Intl.DateTimeFormat('en-US', { timeZone: value, timeZoneName: style }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
        if (part) forms.push(part.value);
      }
      return forms;
    }
    case 'locale': {
      const base = value.split('.')[0]!;
      return [value, base, base.replace('_', '-')];
    }
    case 'proxy':
      return [`127.0.0.1:${value}`, `:${value}`];
    default:
      return [value];
  }
}

function environmentFor(dimension: Dimension, value: string | number): Environment {
  return { ...BASELINE, [dimension]: value } as Environment;
}

/** The policy a probe run uses: the user's, with every LLM host (and the varied endpoint) routed to mock-llm. */
function probePolicy(loaded: LoadedPolicy, env: Environment, mockOrigin: string): LoadedPolicy {
  const policy = structuredClone(loaded.policy) as EffectivePolicy;
  const hosts = new Set([...LLM_HOSTS, ...policy.network.allow.filter((r) => r.inspect).map((r) => r.host), ...(env.endpoint ? [env.endpoint] : [])]);
  for (const host of hosts) {
    const rule = policy.network.allow.find((r) => r.host === host);
    if (rule) rule.inspect = true;
    else policy.network.allow.push({ host, ports: [443], inspect: true });
    policy.network.route[host] = mockOrigin;
  }
  // The varied endpoint stands in for the real API host, credentials included.
  if (env.endpoint) for (const c of policy.credentials) if (c.hosts.some((h) => LLM_HOSTS.includes(h))) c.hosts = [...c.hosts, env.endpoint];
  policy.env.tz = env.tz;
  // The probe compares requests; tool calls are the mock's, and an ask must not wait.
  policy.tools.approval.headless = 'deny';
  const hash = createHash('sha256').update(canonicalJson(policy)).digest('hex');
  return { policy, hash, ...(loaded.file ? { file: loaded.file } : {}) };
}

function envVars(env: Environment): Record<string, string> {
  const vars: Record<string, string> = { LANG: env.locale, LC_ALL: env.locale, USER: env.user, LOGNAME: env.user };
  if (env.endpoint) {
    vars.ANTHROPIC_BASE_URL = `https://${env.endpoint}`;
    vars.OPENAI_BASE_URL = `https://${env.endpoint}/v1`;
    vars.GOOGLE_GEMINI_BASE_URL = `https://${env.endpoint}`;
  }
  return vars;
}

/** Masked fields of each request, keyed `METHOD /path #n` (the n-th request of that kind in the run). */
function capture(requests: RecordedRequest[], workspace: string, session: string): Captured {
  const out: Captured = new Map();
  const seen = new Map<string, number>();
  const paths = { workspace, home: homedir(), session };
  for (const r of requests) {
    const base = `${r.method} ${r.path.split('?')[0]}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const fields = new Map<string, string>();
    fields.set('path', mask(r.path, paths));
    for (const [k, v] of Object.entries(r.headers)) if (!VOLATILE_HEADERS.has(k) && v !== undefined) fields.set(`headers.${k}`, mask(String(v), paths));
    let body: unknown;
    try {
      body = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      body = r.body;
    }
    for (const [k, v] of flatten(body, 'body')) fields.set(k, mask(v, paths));
    out.set(`${base} #${n}`, fields);
  }
  return out;
}

function compare(a: Captured, b: Captured, disclosed: readonly string[], skip: ReadonlySet<string>): { request: string; field: string; diff: Difference }[] {
  const out: { request: string; field: string; diff: Difference }[] = [];
  for (const request of new Set([...a.keys(), ...b.keys()])) {
    const fa = a.get(request);
    const fb = b.get(request);
    if (!fa || !fb) {
      if (!skip.has(`${request}|*`)) out.push({ request, field: '*', diff: { kind: 'field', suspicious: true, baseline: fa ? 'sent' : 'not sent', variant: fb ? 'sent' : 'not sent', removed: [], added: [] } });
      continue;
    }
    for (const field of new Set([...fa.keys(), ...fb.keys()])) {
      if (skip.has(`${request}|${field}`)) continue;
      const va = fa.get(field);
      const vb = fb.get(field);
      if (va === vb) continue;
      if (va === undefined || vb === undefined) {
        out.push({ request, field, diff: { kind: 'field', suspicious: true, baseline: va ?? '(absent)', variant: vb ?? '(absent)', removed: [], added: [] } });
        continue;
      }
      for (const diff of classifyStrings(va, vb, disclosed)) out.push({ request, field, diff });
    }
  }
  return out;
}

/**
 * `glassbox probe`: the same agent command, in the box, against mock-llm, once per environment;
 * every request captured, masked and compared at code-point level against the baseline.
 */
export async function probe(opts: ProbeOptions): Promise<ProbeReport> {
  const mock = new MockLlm(opts.scenario ?? { turns: [{ text: 'OK.' }] });
  const port = await mock.listen(0);
  const origin = `http://127.0.0.1:${port}`;
  const report: ProbeReport = { command: opts.command, started: new Date().toISOString(), dimensions: [...opts.dimensions], runs: [], noise: [], findings: [], verdict: 'clean' };
  const say = opts.progress ?? (() => {});
  const runOnce = async (dimension: Dimension | 'baseline', env: Environment, value: string): Promise<Captured> => {
    const workspace = mkdtempSync(join(tmpdir(), 'glassbox-probe-'));
    chmodSync(workspace, 0o755);
    const before = mock.requests.length;
    try {
      const result = await runSession({
        command: opts.command,
        loaded: probePolicy(opts.loaded, env, origin),
        workspace,
        quiet: true,
        silent: true,
        hostname: env.host,
        boxProxyPort: env.proxy,
        extraEnv: envVars(env),
      });
      const requests = mock.requests.slice(before);
      report.runs.push({ dimension, value, session: result.sessionId, exitCode: result.exitCode, requests: requests.length });
      say(`${dimension === 'baseline' ? 'baseline' : `${dimension}=${value}`}: exit ${result.exitCode}, ${requests.length} requests (session ${result.sessionId})`);
      return capture(requests, workspace, result.sessionId);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  };
  try {
    const baselines: Captured[] = [];
    for (let i = 0; i < Math.max(2, opts.runs); i++) baselines.push(await runOnce('baseline', BASELINE, `run ${i + 1}`));
    const noise = new Set<string>();
    for (const other of baselines.slice(1)) for (const d of compare(baselines[0]!, other, [], new Set())) noise.add(`${d.request}|${d.field}`);
    report.noise = [...noise].sort();
    for (const dimension of opts.dimensions) {
      for (const v of opts.allValues ? VALUES[dimension] : VALUES[dimension].slice(0, 1)) {
        const value = String(v);
        const captured = await runOnce(dimension, environmentFor(dimension, v), value);
        for (const d of compare(baselines[0]!, captured, disclosedForms(dimension, value), noise)) report.findings.push({ dimension, value, request: d.request, field: d.field, ...d.diff });
      }
    }
  } finally {
    await mock.close();
  }
  report.verdict = report.findings.some((f) => f.suspicious) ? 'suspicious' : 'clean';
  return report;
}
