import { auditEvent, detail, overviewOf } from '../dashboard/model.js';
import type { DashboardSource } from '../dashboard/source.js';
import type { EgressFacts, Facets, Integrity, MachineStatus, Overview, ReportRow, SessionFilter, SessionSummary } from '../dashboard/types.js';
import type { HubStore } from './store.js';

const COLUMN: Record<Exclude<keyof SessionFilter, 'q'>, string> = { machine: 'machine', user: 'user_name', repo: 'repo', agent: 'agent', version: 'agent_version', status: 'status' };

/** The filter as SQL: every value a bound parameter. */
function where(f: SessionFilter): { sql: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  for (const [k, col] of Object.entries(COLUMN) as [keyof typeof COLUMN, string][]) {
    const v = f[k];
    if (!v) continue;
    params.push(v);
    parts.push(`${col} = $${params.length}`);
  }
  if (f.q) {
    params.push(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    parts.push(`(id LIKE $${params.length} OR summary->>'command' LIKE $${params.length})`);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** The dashboard over the hub's PostgreSQL: every machine's verified sessions. */
export class HubSource implements DashboardSource {
  readonly kind = 'hub' as const;
  constructor(private readonly store: HubStore) {}

  async sessions(filter: SessionFilter): Promise<{ sessions: SessionSummary[]; facets: Facets }> {
    const w = where(filter);
    const rows = await this.store.pool.query(`SELECT summary FROM sessions ${w.sql} ORDER BY started DESC NULLS LAST LIMIT 1000`, w.params);
    const facetRows = await this.store.pool.query(
      `SELECT array_agg(DISTINCT machine) AS machine, array_agg(DISTINCT user_name) FILTER (WHERE user_name IS NOT NULL) AS user,
              array_agg(DISTINCT repo) FILTER (WHERE repo IS NOT NULL) AS repo, array_agg(DISTINCT agent) FILTER (WHERE agent IS NOT NULL) AS agent,
              array_agg(DISTINCT agent_version) FILTER (WHERE agent_version IS NOT NULL) AS version, array_agg(DISTINCT status) AS status FROM sessions`,
    );
    const f = facetRows.rows[0] as Record<keyof Facets, string[] | null>;
    const sorted = (v: string[] | null) => (v ?? []).slice().sort();
    return {
      sessions: rows.rows.map((r: { summary: SessionSummary }) => r.summary),
      facets: { machine: sorted(f.machine), user: sorted(f.user), repo: sorted(f.repo), agent: sorted(f.agent), version: sorted(f.version), status: sorted(f.status) },
    };
  }

  async session(id: string, machine?: string) {
    const owners = await this.store.pool.query('SELECT machine FROM sessions WHERE id = $1 AND ($2::text IS NULL OR machine = $2)', [id, machine ?? null]);
    if (owners.rows.length !== 1) return undefined;
    const owner = (owners.rows[0] as { machine: string }).machine;
    const r = await this.store.pool.query('SELECT seq, ts, kind, body FROM entries WHERE machine = $1 AND session = $2 ORDER BY seq', [owner, id]);
    return detail(id, owner, (r.rows as { seq: string; ts: string; kind: string; body: string | null }[]).map(auditEvent));
  }

  async overview(filter: SessionFilter): Promise<Overview> {
    const w = where(filter);
    // Each session's share was folded at ingest; the overview only adds them up.
    const r = await this.store.pool.query(`SELECT summary, egress FROM sessions ${w.sql}`, w.params);
    return overviewOf((r.rows as { summary: SessionSummary; egress: EgressFacts }[]).map((x) => ({ summary: x.summary, facts: x.egress })));
  }

  async reports(): Promise<ReportRow[]> {
    const r = await this.store.pool.query("SELECT machine, session, seq, ts, kind, body FROM entries WHERE kind IN ('reach', 'probe') AND body IS NOT NULL ORDER BY ts DESC LIMIT 500");
    return (r.rows as { machine: string; session: string; seq: string; ts: string; kind: 'reach' | 'probe'; body: string }[]).map((x) => {
      const body = JSON.parse(x.body) as Record<string, unknown>;
      return { kind: x.kind, machine: x.machine, session: x.session, seq: Number(x.seq), ts: x.ts, verdict: String(body.verdict ?? ''), body };
    });
  }

  /** Each machine's pushes as checked on arrival, and its stored chain walked again now. */
  async integrity(): Promise<Integrity> {
    const machines: MachineStatus[] = [];
    for (const m of await this.store.machines()) {
      const stored = m.size > 0 ? await this.store.verifyStored(m.name) : { ok: true, problem: null };
      machines.push({
        name: m.name,
        size: m.size,
        checkpoint: m.witness.checkpoint ? { size: m.witness.checkpoint.size, root: m.witness.checkpoint.root, ts: m.witness.checkpoint.ts, keyId: m.witness.checkpoint.keyId } : null,
        anchorKey: m.witness.anchorKey,
        status: stored.ok ? m.status : 'tampered',
        problem: [m.problem, stored.problem].filter(Boolean).join('; ') || null,
        lastPush: m.lastPush,
      });
    }
    const problems = machines.filter((m) => m.status === 'tampered').map((m) => `${m.name}: ${m.problem ?? 'tampered'}`);
    const cps = await this.store.pool.query('SELECT count(*)::int AS n FROM checkpoints');
    return { ok: problems.length === 0, scope: 'hub', entries: machines.reduce((n, m) => n + m.size, 0), checkpoints: (cps.rows[0] as { n: number }).n, problems, machines, alerts: await this.store.alerts(), checked: new Date().toISOString() };
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
