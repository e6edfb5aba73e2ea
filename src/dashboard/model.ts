/**
 * What the dashboard shows, derived from a session's audit events alone, so the local UI (from
 * the machine's SQLite log) and the org hub (from PostgreSQL) show exactly the same thing.
 */
import { arr, num, obj, str } from '../util/json.js';
import type { AuditEvent, EgressFacts, EgressPoint, EgressRow, FileLeft, Finding, Overview, OverviewPoint, SessionDetail, SessionSummary, ToolDecision } from './types.js';

/** An entry as stored (body as its canonical JSON text, null where purged) read as an event. */
export function auditEvent(r: { seq: number | string; ts: string; kind: string; body: string | null }): AuditEvent {
  return { seq: Number(r.seq), ts: r.ts, kind: r.kind, body: r.body === null ? null : (JSON.parse(r.body) as Record<string, unknown>) };
}

/** Text or null, a count or 0: what the dashboard's fields hold when an event lacks them. */
const text = (v: unknown): string | null => str(v) ?? null;
const count = (v: unknown): number => num(v) ?? 0;

/** The command as people read it: a long argument (a script passed with -e) shortened; the chain keeps it whole. */
function shownCommand(v: unknown): string[] {
  return (arr(v) as string[]).map((a) => (typeof a === 'string' && a.length > 160 ? `${a.slice(0, 80)}… (${a.length} characters)` : String(a)));
}

export function summarize(id: string, machine: string, events: readonly AuditEvent[]): SessionSummary {
  return foldSummary(undefined, id, machine, events);
}

/**
 * A session's summary from its events, folded onto what earlier events gave: the hub receives
 * a session in pieces and keeps only the summary, never re-reading what it already counted.
 */
export function foldSummary(prev: SessionSummary | undefined, id: string, machine: string, events: readonly AuditEvent[]): SessionSummary {
  const s: SessionSummary = prev
    ? { ...prev }
    : { id, machine, user: null, repo: null, agent: null, agentVersion: null, command: [], workspace: null, started: events[0]?.ts ?? null, ended: null, status: 'running', exitCode: null, events: 0, denied: 0, bytesOut: 0, novelBytes: 0, secrets: 0, toolDenied: 0 };
  for (const e of events) {
    const b = obj(e.body);
    if (e.kind === 'session.start') {
      const agent = obj(b.agent);
      const pkg = obj(agent.npmPackage);
      s.user = text(b.user);
      s.repo = text(b.repo);
      s.command = shownCommand(b.command);
      s.agent = b.purpose === 'reach' ? 'glassbox reach' : (text(pkg.name) ?? text(agent.resolved)?.split('/').pop() ?? s.command[0] ?? null);
      s.agentVersion = text(pkg.version);
      s.workspace = text(b.workspace);
      if (b.refused) s.status = 'refused';
    } else if (e.kind === 'session.end') {
      s.ended = e.ts;
      s.exitCode = typeof b.exitCode === 'number' ? b.exitCode : null;
      if (s.status !== 'refused') s.status = b.abnormal ? 'abnormal' : 'ended';
      s.bytesOut = 0;
      s.novelBytes = 0;
      for (const h of Object.values(obj(obj(b.egress).hosts))) {
        s.bytesOut += count(obj(h).bytesOut);
        s.novelBytes += count(obj(h).novelBytes);
      }
    }
    if (b.decision === 'deny') s.denied++;
    if (e.kind === 'tool' && b.decision === 'deny') s.toolDenied++;
  }
  s.events += events.length;
  s.secrets += findings(events).length;
  return s;
}

function findings(events: readonly AuditEvent[]): Finding[] {
  const out: Finding[] = [];
  for (const e of events) {
    const b = obj(e.body);
    if (e.kind === 'http') {
      for (const f of arr(b.findings).map(obj)) {
        if (f.inspector !== 'dlp') continue;
        out.push({ seq: e.seq, ts: e.ts, source: `${String(b.method ?? '')} ${String(b.host ?? '')}${String(b.path ?? '')}`, ruleId: String(f.ruleId ?? f.rule ?? ''), severity: String(f.severity ?? ''), action: String(f.action ?? ''), kind: String(f.kind ?? 'rule'), where: String(f.where ?? f.location ?? '') });
      }
    } else if (e.kind === 'secrets') {
      for (const f of arr(b.findings).map(obj)) {
        out.push({ seq: e.seq, ts: e.ts, source: String(b.source ?? 'scan'), ruleId: String(f.ruleId ?? ''), severity: String(f.severity ?? ''), action: 'record', kind: 'rule', where: `${String(f.file ?? '')}:${String(f.line ?? '')}` });
      }
    }
  }
  return out;
}

function timelineText(kind: string, b: Record<string, unknown>): string {
  switch (kind) {
    case 'session.start':
      return `${shownCommand(b.command).join(' ')} in ${String(b.workspace ?? '')}${b.refused ? ` — refused: ${String(b.refused)}` : ''}`;
    case 'session.end':
      return `exit ${String(b.exitCode ?? '-')}${b.abnormal ? ` (abnormal: ${String(b.reason ?? '')})` : ''}`;
    case 'exec':
      return (arr(b.argv) as string[]).join(' ');
    case 'tool':
      return `${String(b.tool)} ${(arr(b.commands) as string[])[0] ?? (arr(b.paths) as string[]).join(' ')} — ${String(b.reason ?? '')}`;
    case 'approval':
      return `${String(b.decision)} by ${String(b.by)}: ${String(b.summary)}`;
    case 'filesystem':
      return `${String(b.syscall)} ${(arr(b.paths) as string[]).join(' → ')} refused: ${String(b.errno)}`;
    case 'reach':
      return `reach: ${String(b.verdict)}${(arr(b.criticalInBox) as string[]).length ? ` (${(arr(b.criticalInBox) as string[]).join(', ')})` : ''}`;
    case 'probe':
      return `probe: ${String(b.verdict)} (${arr(b.findings).length} differences)`;
    case 'secrets':
      return `${arr(b.findings).length} secrets in ${String(b.source ?? '')}`;
    default: {
      const llm = obj(b.llm);
      const model = llm.api ? ` [${String(llm.api)} ${String(llm.model ?? '')}]` : '';
      return `${String(b.method ?? '')} ${String(b.host ?? b.target ?? '')}${b.port ? `:${String(b.port)}` : ''}${b.path ? ` ${String(b.path)}` : ''}${model}${b.reason ? ` — ${String(b.reason)}` : ''}`;
    }
  }
}

export function detail(id: string, machine: string, events: readonly AuditEvent[]): SessionDetail {
  const summary = summarize(id, machine, events);
  const end = obj(events.find((e) => e.kind === 'session.end')?.body);
  const egressHosts = obj(obj(end.egress).hosts);
  const egress: EgressRow[] = Object.entries(egressHosts).map(([host, t]) => ({ host, requests: count(obj(t).requests), bytesOut: count(obj(t).bytesOut), novelBytes: count(obj(t).novelBytes) }));
  // A session still running has no totals yet: add up its HTTP events instead.
  const perMinute = new Map<string, EgressPoint>();
  const running = new Map<string, EgressRow>();
  for (const e of events) {
    if (e.kind !== 'http') continue;
    const b = obj(e.body);
    const eg = obj(b.egress);
    const host = String(b.host ?? '');
    const key = `${e.ts.slice(0, 16)}|${host}`;
    const p = perMinute.get(key) ?? { minute: e.ts.slice(0, 16), host, bytesOut: 0, novelBytes: 0 };
    p.bytesOut += count(eg.bytesOut);
    p.novelBytes += count(eg.novelBytes);
    perMinute.set(key, p);
    const r = running.get(host) ?? { host, requests: 0, bytesOut: 0, novelBytes: 0 };
    r.requests++;
    r.bytesOut += count(eg.bytesOut);
    r.novelBytes += count(eg.novelBytes);
    running.set(host, r);
  }
  const files: FileLeft[] = [];
  for (const [file, hosts] of Object.entries(obj(obj(end.egress).files))) for (const [host, n] of Object.entries(obj(hosts))) files.push({ file, host, times: count(n) });
  const tools: ToolDecision[] = events
    .filter((e) => e.kind === 'tool')
    .map((e) => {
      const b = obj(e.body);
      return { seq: e.seq, ts: e.ts, tool: String(b.tool ?? ''), what: (arr(b.commands) as string[])[0] ?? (arr(b.paths) as string[]).join(' ') ?? '', verdict: String(b.verdict ?? ''), decision: String(b.decision ?? ''), reason: String(b.reason ?? ''), approval: text(obj(b.approval).status) };
    });
  return {
    summary,
    timeline: events.map((e) => ({ seq: e.seq, ts: e.ts, kind: e.kind, decision: text(e.body?.decision), text: e.body ? timelineText(e.kind, e.body) : '(body purged by retention)' })),
    egress: egress.length > 0 ? egress : [...running.values()],
    egressOverTime: [...perMinute.values()],
    files,
    findings: findings(events),
    tools,
    reach: events.filter((e) => e.kind === 'reach' && e.body).map((e) => ({ seq: e.seq, ts: e.ts, ...e.body })),
    probe: events.filter((e) => e.kind === 'probe' && e.body).map((e) => ({ seq: e.seq, ts: e.ts, ...e.body })),
  };
}

/**
 * What one session adds to the overview's pictures: bytes out per hour, and the workspace files
 * that left (totals from its end). Folded piece by piece, like the summary.
 */
export function foldEgress(prev: EgressFacts | undefined, events: readonly AuditEvent[]): EgressFacts {
  const facts: EgressFacts = prev ? { hours: { ...prev.hours }, files: prev.files } : { hours: {}, files: [] };
  for (const e of events) {
    if (e.kind === 'http') {
      const eg = obj(obj(e.body).egress);
      const hour = e.ts.slice(0, 13);
      const h = facts.hours[hour] ?? { bytesOut: 0, novelBytes: 0, requests: 0 };
      facts.hours[hour] = { bytesOut: h.bytesOut + count(eg.bytesOut), novelBytes: h.novelBytes + count(eg.novelBytes), requests: h.requests + 1 };
    } else if (e.kind === 'session.end') {
      facts.files = [];
      for (const [file, hosts] of Object.entries(obj(obj(obj(e.body).egress).files))) for (const [host, n] of Object.entries(obj(hosts))) facts.files.push({ file, host, times: count(n) });
    }
  }
  return facts;
}

/** The overview's pictures over a set of sessions: egress per hour and the files that left. */
export function overviewOf(items: readonly { summary: SessionSummary; facts: EgressFacts }[]): Overview {
  const hours = new Map<string, OverviewPoint>();
  const files = new Map<string, Overview['files'][number]>();
  for (const { summary, facts } of items) {
    for (const [hour, h] of Object.entries(facts.hours)) {
      const acc = hours.get(hour) ?? { hour, bytesOut: 0, novelBytes: 0, requests: 0 };
      acc.bytesOut += h.bytesOut;
      acc.novelBytes += h.novelBytes;
      acc.requests += h.requests;
      hours.set(hour, acc);
    }
    for (const f of facts.files) {
      const key = `${summary.repo ?? summary.workspace}|${f.file}|${f.host}`;
      const acc = files.get(key) ?? { file: f.file, host: f.host, times: 0, repo: summary.repo };
      acc.times += f.times;
      files.set(key, acc);
    }
  }
  return {
    sessions: items.length,
    egressByHour: [...hours.values()].sort((a, b) => a.hour.localeCompare(b.hour)),
    files: [...files.values()].sort((a, b) => b.times - a.times).slice(0, 200),
  };
}
