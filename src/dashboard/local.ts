import { hostname } from 'node:os';
import type { AuditStore } from '../audit/store.js';
import { verifyLog } from '../audit/verify.js';
import { ApprovalDesk, decideApproval } from '../tools/approvals.js';
import { auditEvent, detail, foldEgress, foldSummary, overviewOf } from './model.js';
import { type DashboardSource, facetsOf, type Integrity, matches, type Overview, type ReportRow, type SessionFilter } from './source.js';
import type { AuditEvent, EgressFacts, SessionSummary } from './types.js';

const EVENT_COLUMNS = 'seq, ts, session, kind, COALESCE(body, (SELECT body FROM blobs WHERE hash = body_hash)) AS body';

/**
 * The dashboard over this machine's own audit log. The log only grows, so summaries are folded
 * from the entries after the last one read: a refresh costs what arrived since, not the log.
 */
export class LocalSource implements DashboardSource {
  readonly kind = 'local' as const;
  private readonly machine = hostname();
  private readonly desk: ApprovalDesk;
  private cursor = 0;
  private readonly folded = new Map<string, { summary: SessionSummary; facts: EgressFacts }>();
  private readonly reportRows: ReportRow[] = [];

  constructor(private readonly store: AuditStore) {
    this.desk = new ApprovalDesk(store.db);
  }

  private catchUp(): { summary: SessionSummary; facts: EgressFacts }[] {
    const rows = this.store.db.prepare(`SELECT ${EVENT_COLUMNS} FROM entries WHERE seq > ? ORDER BY seq`).all(this.cursor) as { seq: number; ts: string; session: string; kind: string; body: string | null }[];
    const bySession = new Map<string, AuditEvent[]>();
    for (const r of rows) {
      const e = auditEvent(r);
      const list = bySession.get(r.session) ?? [];
      list.push(e);
      bySession.set(r.session, list);
      if ((e.kind === 'reach' || e.kind === 'probe') && e.body) this.reportRows.push({ kind: e.kind, machine: this.machine, session: r.session, seq: e.seq, ts: e.ts, verdict: String(e.body.verdict ?? ''), body: e.body });
      this.cursor = r.seq;
    }
    for (const [id, events] of bySession) {
      const prev = this.folded.get(id);
      this.folded.set(id, { summary: foldSummary(prev?.summary, id, this.machine, events), facts: foldEgress(prev?.facts, events) });
    }
    // Sessions are those the store started (the chain also holds machine-wide entries).
    const known = new Set(this.store.sessions().map((s) => s.id));
    return [...this.folded].filter(([id]) => known.has(id)).map(([, v]) => v);
  }

  async sessions(filter: SessionFilter) {
    const all = this.catchUp().map((s) => s.summary);
    const sessions = all.filter((s) => matches(s, filter)).sort((a, b) => (b.started ?? '').localeCompare(a.started ?? ''));
    return { sessions, facets: facetsOf(all) };
  }

  async session(id: string) {
    const events = this.store.sessionEvents(id);
    if (events.length === 0) return undefined;
    return detail(id, this.machine, events);
  }

  async overview(filter: SessionFilter): Promise<Overview> {
    return overviewOf(this.catchUp().filter((s) => matches(s.summary, filter)));
  }

  async reports(): Promise<ReportRow[]> {
    this.catchUp();
    return [...this.reportRows].sort((a, b) => b.ts.localeCompare(a.ts));
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
