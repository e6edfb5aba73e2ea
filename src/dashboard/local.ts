import { hostname } from 'node:os';
import { AuditStore } from '../audit/store.js';
import { verifyLog } from '../audit/verify.js';
import { ApprovalDesk, decideApproval } from '../tools/approvals.js';
import { detail, overviewOf, summarize } from './model.js';
import type { AuditEvent, SessionSummary } from './types.js';
import { type DashboardSource, facetsOf, type Integrity, matches, type Overview, type ReportRow, type SessionFilter } from './source.js';

const EVENT_COLUMNS = 'seq, ts, session, kind, COALESCE(body, (SELECT body FROM blobs WHERE hash = body_hash)) AS body';

/** The dashboard over this machine's own audit log. */
export class LocalSource implements DashboardSource {
  readonly kind = 'local' as const;
  private readonly machine = hostname();
  private readonly desk: ApprovalDesk;

  constructor(private readonly store: AuditStore) {
    this.desk = new ApprovalDesk(store.db);
  }

  /** Every session's events in one pass over the log, grouped by session, in chain order. */
  private grouped(kinds?: readonly string[]): Map<string, AuditEvent[]> {
    const where = kinds ? `WHERE kind IN (${kinds.map(() => '?').join(',')})` : '';
    const rows = this.store.db.prepare(`SELECT ${EVENT_COLUMNS} FROM entries ${where} ORDER BY seq`).all(...(kinds ?? [])) as { seq: number; ts: string; session: string; kind: string; body: string | null }[];
    const out = new Map<string, AuditEvent[]>();
    for (const r of rows) {
      const list = out.get(r.session) ?? [];
      list.push({ seq: r.seq, ts: r.ts, kind: r.kind, body: r.body === null ? null : (JSON.parse(r.body) as Record<string, unknown>) });
      out.set(r.session, list);
    }
    return out;
  }

  private summaries(): { summary: SessionSummary; events: AuditEvent[] }[] {
    // Sessions are those the store started (the chain also holds machine-wide entries).
    const known = new Set(this.store.sessions().map((s) => s.id));
    return [...this.grouped()].filter(([id]) => known.has(id)).map(([id, events]) => ({ summary: summarize(id, this.machine, events), events }));
  }

  async sessions(filter: SessionFilter) {
    const all = this.summaries().map((s) => s.summary);
    const sessions = all.filter((s) => matches(s, filter)).sort((a, b) => (b.started ?? '').localeCompare(a.started ?? ''));
    return { sessions, facets: facetsOf(all) };
  }

  async session(id: string) {
    const events = this.store.sessionEvents(id);
    if (events.length === 0) return undefined;
    return detail(id, this.machine, events);
  }

  async overview(filter: SessionFilter): Promise<Overview> {
    return overviewOf(this.summaries().filter((s) => matches(s.summary, filter)));
  }

  async reports(): Promise<ReportRow[]> {
    const out: ReportRow[] = [];
    for (const [session, events] of this.grouped(['reach', 'probe'])) {
      for (const e of events) if (e.body) out.push({ kind: e.kind as 'reach' | 'probe', machine: this.machine, session, seq: e.seq, ts: e.ts, verdict: String(e.body.verdict ?? ''), body: e.body });
    }
    return out.sort((a, b) => b.ts.localeCompare(a.ts));
  }

  async integrity(): Promise<Integrity> {
    const r = await verifyLog(this.store.path);
    return { ok: r.ok, scope: 'local', entries: r.entries, checkpoints: r.checkpoints, problems: r.problems, ...(r.anchorKey ? { anchorKey: r.anchorKey } : {}), checked: new Date().toISOString() };
  }

  readonly approvals = {
    pending: async () => this.desk.pending(),
    decide: async (id: string, status: 'approved' | 'denied', by: string, hash?: string) => decideApproval(this.store, this.desk, id, status, by, hash),
  };

  async close(): Promise<void> {
    this.store.close();
  }
}
