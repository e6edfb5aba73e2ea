/**
 * The Glassbox dashboard page: a small hash-routed app over the JSON API. Every value is put
 * on the page as text (never as HTML), so nothing an agent wrote can run here.
 */
import type { EgressPoint, Facets, FileLeft, Integrity, Overview, ReportRow, SessionDetail, SessionFilter, SessionSummary } from '../dashboard/types.js';

interface Approval {
  id: string;
  session: string;
  tool: string;
  summary: string;
  reason: string;
  callHash: string;
  expires: string;
}

type Child = Node | string | number | null | undefined | false;

function h(tag: string, attrs: Record<string, string | number | boolean | ((e: Event) => void)> = {}, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === false) continue;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag: string, attrs: Record<string, string | number> = {}, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// The token arrives in the fragment (never sent to the server) and is kept for this tab only.
if (location.hash.startsWith('#token=')) {
  sessionStorage.setItem('glassbox-token', decodeURIComponent(location.hash.slice(7)));
  history.replaceState(null, '', `${location.pathname}#/`);
}
const token = sessionStorage.getItem('glassbox-token') ?? '';

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  const body = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

const main = document.getElementById('main')!;

/**
 * Puts a page on screen, unless the reader has moved on while it loaded: a slow answer (or a
 * refresh timer's) must not cover the page they are on now.
 */
function show(view: string, ...children: (Node | string)[]): void {
  if (location.hash === view) main.replaceChildren(...children);
}
let info: { kind: 'local' | 'hub'; approvals: boolean } = { kind: 'local', approvals: false };

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
const time = (ts: string | null) => (ts ? ts.replace('T', ' ').slice(0, 19) : '—');
function pill(text: string, tone: 'ok' | 'bad' | 'warn' | 'muted'): HTMLElement {
  return h('span', { class: `pill ${tone}` }, text);
}
function statusPill(status: string): HTMLElement {
  return pill(status, status === 'ended' ? 'ok' : status === 'running' ? 'warn' : status === 'abnormal' || status === 'refused' ? 'bad' : 'muted');
}
function decisionPill(d: string | null): HTMLElement | string {
  if (!d) return '';
  return pill(d, d === 'allow' || d === 'approved' ? 'ok' : d === 'deny' || d === 'denied' ? 'bad' : 'muted');
}
function table(headers: string[], rows: Child[][], opts: { numeric?: number[]; empty?: string; rowAttrs?: (i: number) => Record<string, string | ((e: Event) => void)> } = {}): HTMLElement {
  const numeric = new Set(opts.numeric ?? []);
  if (rows.length === 0) return h('p', { class: 'muted' }, opts.empty ?? 'None.');
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, headers.map((t, i) => h('th', numeric.has(i) ? { class: 'num' } : {}, t)))),
    h('tbody', {}, rows.map((r, ri) => h('tr', opts.rowAttrs?.(ri) ?? {}, r.map((c, i) => h('td', numeric.has(i) ? { class: 'num' } : {}, c))))),
  );
}
function card(k: string, v: Child, tone?: 'bad'): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: `v${tone ? ' bad-text' : ''}` }, v), h('div', { class: 'k' }, k));
}

/** Bars of bytes out (and the part never sent before) over time. */
function egressChart(points: { label: string; bytesOut: number; novelBytes: number }[], title: string): HTMLElement {
  const W = 640;
  const H = 180;
  const pad = { l: 56, r: 8, t: 18, b: 34 };
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  svg.append(s('text', { x: pad.l, y: 12 }, title));
  if (points.length === 0) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'nothing left this machine'));
    return h('div', { class: 'chart', 'data-chart': 'egress' }, svg);
  }
  const max = Math.max(...points.map((p) => p.bytesOut), 1);
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const bw = Math.max(2, Math.min(40, iw / points.length - 2));
  svg.append(s('line', { x1: pad.l, y1: pad.t + ih, x2: W - pad.r, y2: pad.t + ih, stroke: '#889' }));
  svg.append(s('text', { x: pad.l - 4, y: pad.t + 8, 'text-anchor': 'end' }, bytes(max)));
  svg.append(s('text', { x: pad.l - 4, y: pad.t + ih, 'text-anchor': 'end' }, '0'));
  points.forEach((p, i) => {
    const x = pad.l + (iw / points.length) * i + 1;
    const hAll = (p.bytesOut / max) * ih;
    const hNew = (p.novelBytes / max) * ih;
    const bar = s('rect', { x, y: pad.t + ih - hAll, width: bw, height: Math.max(hAll, 1), fill: '#9db8e8', 'data-bytes': p.bytesOut });
    bar.append(s('title', {}, `${p.label}: ${bytes(p.bytesOut)} out, ${bytes(p.novelBytes)} new`));
    svg.append(bar, s('rect', { x, y: pad.t + ih - hNew, width: bw, height: hNew, fill: '#1d4ed8' }));
    if (points.length <= 12 || i % Math.ceil(points.length / 12) === 0) svg.append(s('text', { x: x + bw / 2, y: H - 18, 'text-anchor': 'middle' }, p.label));
  });
  svg.append(s('rect', { x: W - 190, y: H - 12, width: 10, height: 10, fill: '#9db8e8' }), s('text', { x: W - 176, y: H - 3 }, 'bytes out'));
  svg.append(s('rect', { x: W - 110, y: H - 12, width: 10, height: 10, fill: '#1d4ed8' }), s('text', { x: W - 96, y: H - 3 }, 'never sent before'));
  return h('div', { class: 'chart', 'data-chart': 'egress' }, svg);
}

/** Which workspace files went to which hosts: files on the left, hosts on the right. */
function filesMap(files: readonly Pick<FileLeft, 'file' | 'host' | 'times'>[]): HTMLElement {
  const shown = files.slice(0, 30);
  const names = [...new Set(shown.map((f) => f.file))];
  const hosts = [...new Set(shown.map((f) => f.host))];
  const row = 20;
  const H = Math.max(names.length, hosts.length, 1) * row + 30;
  const W = 640;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'workspace files that left, by destination' });
  svg.append(s('text', { x: 8, y: 12 }, 'workspace files that left → where they went'));
  if (shown.length === 0) {
    svg.append(s('text', { x: W / 2, y: H / 2 + 6, 'text-anchor': 'middle' }, 'no workspace file content left this machine'));
    return h('div', { class: 'chart', 'data-chart': 'files' }, svg);
  }
  const y = (i: number) => 30 + i * row;
  const max = Math.max(...shown.map((f) => f.times));
  for (const f of shown) {
    const line = s('line', { x1: 300, y1: y(names.indexOf(f.file)), x2: 430, y2: y(hosts.indexOf(f.host)), stroke: '#1d4ed8', 'stroke-opacity': 0.35 + (0.65 * f.times) / max, 'stroke-width': 1 + (3 * f.times) / max });
    line.append(s('title', {}, `${f.file} → ${f.host}: ${f.times}×`));
    svg.append(line);
  }
  names.forEach((n, i) => svg.append(s('text', { x: 294, y: y(i) + 4, 'text-anchor': 'end', 'data-file': n }, n.length > 44 ? `…${n.slice(-43)}` : n)));
  hosts.forEach((n, i) => svg.append(s('circle', { cx: 434, cy: y(i), r: 4, fill: '#b3261e' }), s('text', { x: 442, y: y(i) + 4, 'data-host': n }, n)));
  return h('div', { class: 'chart', 'data-chart': 'files' }, svg);
}

function sessionLink(x: SessionSummary): string {
  return `#/session/${encodeURIComponent(x.id)}${info.kind === 'hub' ? `?machine=${encodeURIComponent(x.machine)}` : ''}`;
}

function readFilter(): SessionFilter {
  const q = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const f: SessionFilter = {};
  for (const k of ['machine', 'user', 'repo', 'agent', 'version', 'status', 'q'] as const) {
    const v = q.get(k);
    if (v) f[k] = v;
  }
  return f;
}

function filterBar(f: SessionFilter, facets: Facets): HTMLElement {
  const set = (k: keyof SessionFilter, v: string) => {
    const next = { ...f, [k]: v };
    if (!v) delete next[k];
    const qs = new URLSearchParams(next as Record<string, string>).toString();
    location.hash = `#/${qs ? `?${qs}` : ''}`;
  };
  const select = (k: keyof Facets, label: string) =>
    h('label', {}, label, h('select', { name: k, onchange: (e: Event) => set(k, (e.target as HTMLSelectElement).value) }, h('option', { value: '' }, 'all'), facets[k].map((v) => h('option', { value: v, selected: f[k] === v }, v))));
  return h(
    'form',
    { class: 'filters', onsubmit: (e: Event) => e.preventDefault() },
    ...(info.kind === 'hub' ? [select('machine', 'machine')] : []),
    select('user', 'user'),
    select('repo', 'repo'),
    select('agent', 'agent'),
    select('version', 'version'),
    select('status', 'status'),
    h('label', {}, 'command or id', h('input', { name: 'q', value: f.q ?? '', onchange: (e: Event) => set('q', (e.target as HTMLInputElement).value) })),
  );
}

async function sessionsPage(): Promise<void> {
  const view = location.hash;
  const f = readFilter();
  const qs = new URLSearchParams(f as Record<string, string>).toString();
  const [{ sessions, facets }, overview] = await Promise.all([api<{ sessions: SessionSummary[]; facets: Facets }>(`/api/sessions?${qs}`), api<Overview>(`/api/overview?${qs}`)]);
  const total = (pick: (x: SessionSummary) => number) => sessions.reduce((n, x) => n + pick(x), 0);
  show(view, 
    h('h1', {}, info.kind === 'hub' ? 'Agent sessions across the organisation' : 'Agent sessions on this machine'),
    filterBar(f, facets),
    h(
      'div',
      { class: 'cards' },
      card('sessions', sessions.length),
      card('bytes out', bytes(total((x) => x.bytesOut))),
      card('never sent before', bytes(total((x) => x.novelBytes))),
      card('denials', total((x) => x.denied), total((x) => x.denied) > 0 ? 'bad' : undefined),
      card('secrets found', total((x) => x.secrets), total((x) => x.secrets) > 0 ? 'bad' : undefined),
      card('abnormal ends', sessions.filter((x) => x.status === 'abnormal').length),
    ),
    h('div', { class: 'grid2' }, egressChart(overview.egressByHour.map((p) => ({ ...p, label: `${p.hour.slice(5, 10)} ${p.hour.slice(11, 13)}h` })), 'egress per hour'), filesMap(overview.files)),
    h('h2', {}, 'Sessions'),
    table(
      [...(info.kind === 'hub' ? ['machine'] : []), 'session', 'user', 'repo', 'agent', 'started', 'status', 'exit', 'events', 'denied', 'out', 'new', 'secrets'],
      sessions.map((x) => [
        ...(info.kind === 'hub' ? [x.machine] : []),
        h('a', { href: sessionLink(x), class: 'mono' }, x.id),
        x.user ?? '—',
        x.repo ?? '—',
        `${x.agent ?? '?'}${x.agentVersion ? `@${x.agentVersion}` : ''}`,
        time(x.started),
        statusPill(x.status),
        x.exitCode ?? '—',
        x.events,
        x.denied ? h('span', { class: 'bad-text' }, x.denied) : 0,
        bytes(x.bytesOut),
        bytes(x.novelBytes),
        x.secrets ? h('span', { class: 'bad-text' }, x.secrets) : 0,
      ]),
      { numeric: info.kind === 'hub' ? [8, 9, 10, 11, 12] : [7, 8, 9, 10, 11], empty: 'No sessions match.' },
    ),
  );
}

/** A long exec trail would make a page no one can scroll; the rest is a kind filter away. */
const TIMELINE_ROWS = 3000;

async function sessionPage(id: string, machine: string | null): Promise<void> {
  const view = location.hash;
  const d = await api<SessionDetail>(`/api/sessions/${encodeURIComponent(id)}${machine ? `?machine=${encodeURIComponent(machine)}` : ''}`);
  const x = d.summary;
  const kinds = [...new Set(d.timeline.map((t) => t.kind))].sort();
  const timelineBody = h('div');
  const drawTimeline = (kind: string) => {
    const rows = d.timeline.filter((t) => !kind || t.kind === kind);
    timelineBody.replaceChildren(
      table(
        ['#', 'time', 'kind', 'decision', 'what'],
        rows.slice(0, TIMELINE_ROWS).map((t) => [t.seq, t.ts.slice(11, 23), t.kind, decisionPill(t.decision), h('span', { class: 'mono' }, t.text)]),
        { numeric: [0] },
      ),
      rows.length > TIMELINE_ROWS ? h('p', { class: 'muted' }, `${rows.length - TIMELINE_ROWS} more events: choose a kind above, or glassbox show ${x.id}`) : '',
    );
  };
  drawTimeline('');
  const perMinute = new Map<string, { label: string; bytesOut: number; novelBytes: number }>();
  for (const p of d.egressOverTime as EgressPoint[]) {
    const m = perMinute.get(p.minute) ?? { label: p.minute.slice(11), bytesOut: 0, novelBytes: 0 };
    m.bytesOut += p.bytesOut;
    m.novelBytes += p.novelBytes;
    perMinute.set(p.minute, m);
  }
  show(view, 
    h('p', {}, h('a', { href: '#/' }, '← all sessions')),
    h('h1', {}, 'Session ', h('span', { class: 'mono', id: 'session-id' }, x.id), ' ', statusPill(x.status)),
    h('p', { class: 'muted' }, h('code', {}, x.command.join(' ')), ` in ${x.workspace ?? '?'} · ${x.user ?? '?'}@${x.machine} · ${x.agent ?? '?'}${x.agentVersion ? `@${x.agentVersion}` : ''} · ${time(x.started)} → ${time(x.ended)}`),
    h(
      'div',
      { class: 'cards' },
      card('exit code', x.exitCode ?? '—'),
      card('events', x.events),
      card('bytes out', bytes(x.bytesOut)),
      card('never sent before', bytes(x.novelBytes)),
      card('denials', x.denied, x.denied ? 'bad' : undefined),
      card('tool calls denied', x.toolDenied, x.toolDenied ? 'bad' : undefined),
      card('secrets', x.secrets, x.secrets ? 'bad' : undefined),
    ),
    h('div', { class: 'grid2' }, egressChart([...perMinute.values()], 'egress per minute'), filesMap(d.files)),
    h('h2', {}, 'Egress'),
    h('div', { id: 'egress' }, table(['host', 'requests', 'bytes out', 'never sent before'], d.egress.map((e) => [e.host, e.requests, bytes(e.bytesOut), bytes(e.novelBytes)]), { numeric: [1, 2, 3], empty: 'Nothing was inspected on its way out.' })),
    h('h2', {}, 'Workspace files that left'),
    table(['file', 'to', 'times'], d.files.map((f) => [h('span', { class: 'mono' }, f.file), f.host, f.times]), { numeric: [2], empty: 'No workspace file content left.' }),
    h('h2', {}, 'Secrets (DLP findings and redactions)'),
    h('div', { id: 'findings' }, table(['#', 'rule', 'severity', 'action', 'where', 'request'], d.findings.map((f) => [f.seq, f.ruleId, f.severity, decisionPill(f.action === 'block' ? 'deny' : f.action), f.where, h('span', { class: 'mono' }, f.source)]), { numeric: [0], empty: 'No secrets found.' })),
    h('h2', {}, 'Tool calls'),
    h('div', { id: 'tools' }, table(['#', 'tool', 'what', 'rule says', 'decision', 'approval', 'reason'], d.tools.map((t) => [t.seq, t.tool, h('span', { class: 'mono' }, t.what), t.verdict, decisionPill(t.decision), t.approval ? decisionPill(t.approval) : '', t.reason]), { numeric: [0], empty: 'No tool calls were decided.' })),
    ...(d.reach.length ? [h('h2', {}, 'Reach'), ...d.reach.map((r) => reachBlock(r))] : []),
    ...(d.probe.length ? [h('h2', {}, 'Probe'), ...d.probe.map((r) => probeBlock(r))] : []),
    h('h2', {}, 'Timeline'),
    h('label', {}, 'kind ', h('select', { id: 'timeline-kind', onchange: (e: Event) => drawTimeline((e.target as HTMLSelectElement).value) }, h('option', { value: '' }, 'all'), kinds.map((k) => h('option', { value: k }, k)))),
    timelineBody,
  );
}

function reachBlock(r: Record<string, unknown>): HTMLElement {
  const assets = (r.assets as { name: string; severity: string; bare: { reachable: boolean; detail: string }; box: { reachable: boolean; detail: string } }[] | undefined) ?? [];
  const critical = (r.criticalInBox as string[] | undefined) ?? [];
  return h(
    'div',
    {},
    h('div', { class: `verdict ${r.verdict === 'contained' ? 'ok' : 'bad'}` }, r.verdict === 'contained' ? 'Contained: no critical asset reachable in the box' : `Exposed: ${critical.join(', ')}`),
    table(
      ['asset', 'severity', 'bare', 'in the box'],
      assets.map((a) => [a.name, a.severity, h('span', { class: a.bare.reachable ? 'bad-text' : '' }, `${a.bare.reachable ? 'REACHABLE' : 'no'}: ${a.bare.detail}`), h('span', { class: a.box.reachable ? 'bad-text' : '' }, `${a.box.reachable ? 'REACHABLE' : 'no'}: ${a.box.detail}`)]),
    ),
  );
}

/** What the last decision from this page did, kept across the page's refreshes. */
let approvalNote: { text: string; tone: 'ok' | 'error' } | null = null;

function probeBlock(r: Record<string, unknown>): HTMLElement {
  const findings = (r.findings as { dimension: string; value: string; kind: string; request: string; field: string; suspicious: boolean; removed: string[]; added: string[] }[] | undefined) ?? [];
  return h(
    'div',
    {},
    h('div', { class: `verdict ${r.verdict === 'clean' ? 'ok' : 'bad'}` }, r.verdict === 'clean' ? 'Clean: no environment-dependent encoding found' : `Suspicious: ${findings.filter((f) => f.suspicious).length} differences depend on the environment`),
    table(
      ['environment', 'kind', 'request / field', 'code points', ''],
      findings.map((f) => [`${f.dimension}=${f.value}`, f.kind, h('span', { class: 'mono' }, `${f.request} ${f.field}`), h('span', { class: 'mono' }, `${(f.removed ?? []).join(' ') || '∅'} → ${(f.added ?? []).join(' ') || '∅'}`), f.suspicious ? pill('suspicious', 'bad') : pill('expected', 'ok')]),
      { empty: 'No differences.' },
    ),
  );
}

async function approvalsPage(): Promise<void> {
  const view = location.hash;
  if (!info.approvals) {
    show(view, h('h1', {}, 'Approvals'), h('p', { class: 'muted' }, 'Tool calls are approved on the machine where the session runs (glassbox ui or glassbox approve there).'));
    return;
  }
  const list = await api<Approval[]>('/api/approvals');
  showPending(list.length);
  const status = h('p', { id: 'approval-status', class: approvalNote?.tone ?? 'muted' }, approvalNote?.text ?? '');
  const decide = async (a: Approval, decision: 'approve' | 'deny') => {
    try {
      await api(`/api/approvals/${a.id}`, { method: 'POST', body: JSON.stringify({ decision, hash: a.callHash }) });
      approvalNote = { text: `${decision === 'approve' ? 'Approved' : 'Denied'} ${a.id}: ${a.summary}`, tone: 'ok' };
    } catch (e) {
      approvalNote = { text: (e as Error).message, tone: 'error' };
    }
    await approvalsPage().catch(() => {});
  };
  show(view, 
    h('h1', {}, 'Tool calls waiting for a person'),
    status,
    table(
      ['request', 'session', 'call', 'why', 'call hash', 'expires', ''],
      list.map((a) => [
        h('span', { class: 'mono' }, a.id),
        h('a', { href: `#/session/${encodeURIComponent(a.session)}`, class: 'mono' }, a.session),
        h('span', { class: 'mono' }, a.summary),
        a.reason,
        h('span', { class: 'mono' }, a.callHash.slice(0, 12)),
        `${Math.max(0, Math.round((Date.parse(a.expires) - Date.now()) / 1000))} s`,
        h('span', {}, h('button', { class: 'approve', 'data-approve': a.id, onclick: () => void decide(a, 'approve') }, 'Approve'), ' ', h('button', { class: 'deny', 'data-deny': a.id, onclick: () => void decide(a, 'deny') }, 'Deny')),
      ]),
      { empty: 'Nothing is waiting.' },
    ),
  );
}

async function reportsPage(): Promise<void> {
  const view = location.hash;
  const rows = await api<ReportRow[]>('/api/reports');
  show(view, 
    h('h1', {}, 'Reach and probe reports'),
    rows.length === 0
      ? h('p', { class: 'muted' }, 'No reports yet: run glassbox reach or glassbox probe.')
      : h(
          'div',
          {},
          rows.map((r) =>
            h(
              'details',
              { 'data-report': r.kind },
              h('summary', {}, `${r.kind} · ${time(r.ts)} · ${r.machine} · `, pill(r.verdict, r.verdict === 'contained' || r.verdict === 'clean' ? 'ok' : 'bad'), ' · session ', h('a', { href: `#/session/${encodeURIComponent(r.session)}${info.kind === 'hub' ? `?machine=${encodeURIComponent(r.machine)}` : ''}`, class: 'mono' }, r.session)),
              r.kind === 'reach'
                ? reachBlock(r.body)
                : probeBlock(r.body),
            ),
          ),
        ),
  );
}

async function integrityPage(): Promise<void> {
  const view = location.hash;
  show(view, h('h1', {}, 'Audit log integrity'), h('p', { class: 'muted' }, 'Verifying…'));
  const r = await api<Integrity>('/api/integrity');
  show(view, 
    h('h1', {}, 'Audit log integrity'),
    h('div', { class: `verdict ${r.ok ? 'ok' : 'bad'}`, id: 'integrity-verdict' }, r.ok ? `Verified: ${r.entries} entries, ${r.checkpoints} signed checkpoints` : `TAMPERED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`),
    h('ul', {}, r.problems.map((p) => h('li', { class: 'bad-text' }, p))),
    r.anchorKey ? h('p', { class: 'muted' }, 'first signing key ', h('code', {}, r.anchorKey), ' (write it down: a log rewritten from the start has another)') : '',
    ...(r.machines
      ? [
          h('h2', {}, 'Machines'),
          table(
            ['machine', 'status', 'entries', 'witnessed checkpoint', 'first key', 'last push', 'problem'],
            r.machines.map((m) => [m.name, pill(m.status, m.status === 'verified' ? 'ok' : m.status === 'tampered' ? 'bad' : 'muted'), m.size, m.checkpoint ? h('span', { class: 'mono' }, `${m.checkpoint.size} · ${m.checkpoint.root.slice(0, 16)}`) : '—', m.anchorKey ?? '—', time(m.lastPush), m.problem ?? '']),
            { numeric: [2] },
          ),
        ]
      : []),
    ...(r.alerts?.length ? [h('h2', {}, 'Alerts'), table(['when', 'machine', 'what the hub refused'], r.alerts.map((a) => [time(a.ts), a.machine, h('span', { class: 'bad-text' }, a.problem)]), {})] : []),
    h('p', { class: 'muted' }, `checked ${time(r.checked)} (${r.scope === 'hub' ? 'each push verified on arrival against the machine’s last witnessed checkpoint' : 'the whole local chain walked'})`),
  );
}

function showPending(n: number): void {
  const badge = document.getElementById('pending-count')!;
  badge.textContent = String(n);
  badge.hidden = n === 0;
}

async function refreshPending(): Promise<void> {
  if (!info.approvals) return;
  try {
    showPending((await api<Approval[]>('/api/approvals')).length);
  } catch {
    /* the page shows API errors where they matter */
  }
}

async function route(): Promise<void> {
  const view = location.hash;
  const [path] = location.hash.replace(/^#/, '').split('?');
  const name = path?.startsWith('/session/') ? 'sessions' : (path ?? '/').slice(1) || 'sessions';
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.getAttribute('data-nav') === name);
  try {
    if (path?.startsWith('/session/')) await sessionPage(decodeURIComponent(path.slice(9)), new URLSearchParams(location.hash.split('?')[1] ?? '').get('machine'));
    else if (path === '/approvals') await approvalsPage();
    else if (path === '/reports') await reportsPage();
    else if (path === '/integrity') await integrityPage();
    else await sessionsPage();
  } catch (e) {
    show(view, h('p', { class: 'error', id: 'error' }, (e as Error).message));
  }
  void refreshPending();
}

async function start(): Promise<void> {
  if (!token) {
    main.replaceChildren(h('p', { class: 'error', id: 'error' }, 'No access token: open the address glassbox printed (it ends in #token=…).'));
    return;
  }
  try {
    info = await api('/api/info');
  } catch (e) {
    main.replaceChildren(h('p', { class: 'error', id: 'error' }, (e as Error).message));
    return;
  }
  document.getElementById('scope')!.textContent = info.kind === 'hub' ? 'org hub' : 'this machine';
  if (!info.approvals) document.getElementById('nav-approvals')!.hidden = true;
  window.addEventListener('hashchange', () => void route());
  // Live without a reload: the approvals page, the session list and the badge refresh, except
  // while someone is choosing something on the page.
  setInterval(() => {
    if (document.querySelector('button:focus, select:focus, input:focus')) return;
    const [path] = location.hash.replace(/^#/, '').split('?');
    if (path === '/approvals') void approvalsPage().catch(() => {});
    else if (!path || path === '/') void sessionsPage().then(refreshPending, () => {});
    else void refreshPending();
  }, 2000);
  await route();
}

void start();
