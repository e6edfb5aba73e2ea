/**
 * The org hub's PostgreSQL store: machines and their witness state, every verified entry, the
 * checkpoints that signed them, a summary row per session for filtering, and alerts.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Checkpoint } from '../audit/store.js';
import { auditEvent, foldEgress, foldSummary } from '../dashboard/model.js';
import type { AuditEvent, EgressFacts, SessionSummary } from '../dashboard/types.js';
import { UserError } from '../errors.js';
import { checkpointBatches, EMPTY_WITNESS, type PushRequest, SegmentError, verifySegment, type WitnessState } from './segment.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS machines (
  name text PRIMARY KEY,
  token_hash text UNIQUE NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  revoked boolean NOT NULL DEFAULT false,
  size bigint NOT NULL DEFAULT 0,
  witness jsonb NOT NULL,
  status text NOT NULL DEFAULT 'empty',
  problem text,
  last_push timestamptz,
  otlp_seq bigint NOT NULL DEFAULT 0
);
-- No foreign key on entries: the hub sets machine itself from the authenticated token, and a
-- per-row key check would cost more than the rest of the insert.
CREATE TABLE IF NOT EXISTS entries (
  machine text NOT NULL,
  seq bigint NOT NULL,
  ts text NOT NULL,
  session text NOT NULL,
  kind text NOT NULL,
  body_hash text NOT NULL,
  prev_hash text NOT NULL,
  entry_hash text NOT NULL,
  body text,
  PRIMARY KEY (machine, seq)
);
CREATE INDEX IF NOT EXISTS entries_by_session ON entries (machine, session, seq);
CREATE INDEX IF NOT EXISTS entries_reports ON entries (kind) WHERE kind IN ('reach', 'probe');
CREATE TABLE IF NOT EXISTS checkpoints (
  machine text NOT NULL REFERENCES machines(name),
  size bigint NOT NULL,
  body jsonb NOT NULL,
  PRIMARY KEY (machine, size)
);
CREATE TABLE IF NOT EXISTS sessions (
  machine text NOT NULL REFERENCES machines(name),
  id text NOT NULL,
  user_name text,
  repo text,
  agent text,
  agent_version text,
  status text NOT NULL,
  started text,
  summary jsonb NOT NULL,
  egress jsonb NOT NULL,
  PRIMARY KEY (machine, id)
);
CREATE TABLE IF NOT EXISTS alerts (
  id bigserial PRIMARY KEY,
  machine text NOT NULL,
  ts timestamptz NOT NULL DEFAULT now(),
  problem text NOT NULL
);
`;

/** Machine tokens are shown once and kept only as a hash. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface MachineRow {
  name: string;
  revoked: boolean;
  size: number;
  witness: WitnessState;
  status: 'empty' | 'verified' | 'tampered';
  problem: string | null;
  lastPush: string | null;
  otlpSeq: number;
}

export interface IngestResult {
  accepted: number;
  size: number;
  purged: number;
  sessions: number;
}

/** Entries per page when the stored chain is walked again. */
const VERIFY_PAGE = 20_000;
/** Rows per INSERT. */
const INSERT_CHUNK = 5000;
/**
 * Entries go in as one JSON parameter that PostgreSQL unpacks: one round trip per chunk, and
 * JSON text is cheaper to build and to parse than array literals of escaped bodies.
 */
export const INSERT_ENTRIES = `INSERT INTO entries (machine, seq, ts, session, kind, body_hash, prev_hash, entry_hash, body)
  SELECT $1, x.seq, x.ts, x.session, x.kind, x."bodyHash", x."prevHash", x."entryHash", x.body
  FROM json_to_recordset($2::json) AS x(seq bigint, ts text, session text, kind text, "bodyHash" text, "prevHash" text, "entryHash" text, body text)`;

function describePgError(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string };
  const where = url.replace(/\/\/[^@/]*@/, '//…@');
  if (e.code === 'ECONNREFUSED') return `cannot reach PostgreSQL at ${where} (connection refused); is the server running?`;
  if (e.code === '28P01' || e.code === '28000') return `PostgreSQL at ${where} refused the login (${e.message}); check the user and password in --database`;
  if (e.code === '3D000') return `${e.message} at ${where}; create it first (createdb) or name another in --database`;
  return `PostgreSQL at ${where}: ${e.message ?? String(err)}`;
}

export class HubStore {
  private constructor(
    readonly pool: pg.Pool,
    private readonly url: string,
  ) {}

  /** Connects and creates the schema; a bad URL or unreachable server is a one-line error. */
  static async open(url: string): Promise<HubStore> {
    if (!/^postgres(?:ql)?:\/\//.test(url)) throw new UserError(`--database must be a postgres:// URL (e.g. postgres://glassbox@127.0.0.1:5432/glassbox), not ${JSON.stringify(url)}`);
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    // An idle client losing its server must not crash the hub; the next query reports it.
    pool.on('error', () => {});
    try {
      await pool.query(SCHEMA);
    } catch (err) {
      await pool.end().catch(() => {});
      throw new UserError(describePgError(err, url));
    }
    return new HubStore(pool, url);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Registers a machine and returns its token (the only time it is shown). */
  async addMachine(name: string): Promise<string> {
    if (!/^[\w.-]{1,100}$/.test(name)) throw new UserError(`machine name ${JSON.stringify(name)} may only hold letters, digits, '.', '_' and '-'`);
    const token = `gbm_${randomBytes(32).toString('base64url')}`;
    try {
      await this.pool.query('INSERT INTO machines (name, token_hash, witness) VALUES ($1, $2, $3)', [name, tokenHash(token), JSON.stringify(EMPTY_WITNESS)]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new UserError(`machine ${name} is already registered; revoke it first or choose another name`);
      throw new UserError(describePgError(err, this.url));
    }
    return token;
  }

  async revokeMachine(name: string): Promise<void> {
    const r = await this.pool.query('UPDATE machines SET revoked = true WHERE name = $1', [name]);
    if (r.rowCount === 0) throw new UserError(`no machine ${name}; \`glassbox hub token list\` shows them`);
  }

  private static row(r: Record<string, unknown>): MachineRow {
    return {
      name: String(r.name),
      revoked: Boolean(r.revoked),
      size: Number(r.size),
      witness: r.witness as WitnessState,
      status: r.status as MachineRow['status'],
      problem: (r.problem as string | null) ?? null,
      lastPush: r.last_push ? new Date(r.last_push as string).toISOString() : null,
      otlpSeq: Number(r.otlp_seq),
    };
  }

  async machines(): Promise<MachineRow[]> {
    const r = await this.pool.query('SELECT * FROM machines ORDER BY name');
    return r.rows.map((x) => HubStore.row(x as Record<string, unknown>));
  }

  /** The machine a bearer token belongs to; undefined for unknown or revoked tokens. */
  async machineForToken(token: string): Promise<MachineRow | undefined> {
    const r = await this.pool.query('SELECT * FROM machines WHERE token_hash = $1 AND NOT revoked', [tokenHash(token)]);
    return r.rows[0] ? HubStore.row(r.rows[0] as Record<string, unknown>) : undefined;
  }

  /**
   * Verifies a pushed segment against the machine's witness and stores it, all in one
   * transaction under the machine's row lock. A segment that shows tampering is refused and
   * the machine is marked tampered (with an alert) in a transaction of its own.
   */
  async ingest(machine: string, push: PushRequest): Promise<IngestResult> {
    const client = await this.pool.connect();
    let problem: SegmentError | undefined;
    try {
      await client.query('BEGIN');
      const locked = await client.query('SELECT * FROM machines WHERE name = $1 FOR UPDATE', [machine]);
      if (!locked.rows[0]) throw new UserError(`machine ${machine} is not registered`);
      const row = HubStore.row(locked.rows[0] as Record<string, unknown>);
      if (row.status === 'tampered') throw new SegmentError(`machine ${machine} is marked tampered (${row.problem ?? 'see alerts'}); investigate, then re-register it`, false);
      let verified: ReturnType<typeof verifySegment>;
      try {
        verified = verifySegment(row.witness, push);
      } catch (err) {
        if (err instanceof SegmentError && err.tampered) problem = err;
        throw err;
      }
      const { entries, checkpoints } = push;
      for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
        const chunk = entries.slice(i, i + INSERT_CHUNK);
        await client.query(INSERT_ENTRIES, [machine, JSON.stringify(chunk)]);
      }
      if (checkpoints.length > 0) {
        await client.query('INSERT INTO checkpoints (machine, size, body) SELECT $1, * FROM unnest($2::bigint[], $3::jsonb[])', [machine, checkpoints.map((c) => c.size), checkpoints.map((c) => JSON.stringify(c))]);
      }
      const sessions = await this.foldSessions(client, machine, entries);
      const next = verified.next;
      await client.query("UPDATE machines SET size = $2::bigint, witness = $3, status = CASE WHEN $2::bigint > 0 THEN 'verified' ELSE status END, last_push = now() WHERE name = $1", [machine, next.size, JSON.stringify(next)]);
      await client.query('COMMIT');
      return { accepted: entries.length, size: next.size, purged: verified.purged, sessions };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (problem) await this.markTampered(machine, problem.message);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Walks a machine's stored entries again, from the first, against the checkpoints it signed,
   * and compares the result with the witness: rows edited, deleted or added in PostgreSQL after
   * they were verified show here. Pages end on checkpoints (every push ended on one).
   */
  async verifyStored(machine: string): Promise<{ ok: boolean; entries: number; problem: string | null }> {
    const row = (await this.pool.query('SELECT witness, size FROM machines WHERE name = $1', [machine])).rows[0] as { witness: WitnessState; size: string } | undefined;
    if (!row) throw new UserError(`no machine ${machine}`);
    const cps = (await this.pool.query('SELECT body FROM checkpoints WHERE machine = $1 ORDER BY size', [machine])).rows.map((r: { body: Checkpoint }) => r.body);
    let state = EMPTY_WITNESS;
    try {
      for (const batch of checkpointBatches(cps, 0, VERIFY_PAGE)) {
        const r = await this.pool.query(
          'SELECT seq, ts, session, kind, body_hash AS "bodyHash", prev_hash AS "prevHash", entry_hash AS "entryHash", body FROM entries WHERE machine = $1 AND seq > $2 AND seq <= $3 ORDER BY seq',
          [machine, batch.from, batch.to],
        );
        const entries = r.rows.map((x: { seq: string }) => ({ ...(x as unknown as PushRequest['entries'][number]), seq: Number(x.seq) }));
        state = verifySegment(state, { entries, checkpoints: batch.checkpoints, head: null }).next;
      }
      const extra = (await this.pool.query('SELECT count(*)::int AS n FROM entries WHERE machine = $1 AND seq > $2', [machine, state.size])).rows[0] as { n: number };
      if (extra.n > 0) return { ok: false, entries: state.size, problem: `${extra.n} stored entries after entry ${state.size} were never covered by a verified push` };
      if (state.size !== Number(row.size) || state.lastHash !== row.witness.lastHash || state.anchorKey !== row.witness.anchorKey) return { ok: false, entries: state.size, problem: `the stored chain ends at entry ${state.size}, not at the witnessed ${row.size}` };
      return { ok: true, entries: state.size, problem: null };
    } catch (err) {
      if (err instanceof SegmentError) return { ok: false, entries: state.size, problem: `stored at the hub: ${err.message}` };
      throw err;
    }
  }

  async markTampered(machine: string, problem: string): Promise<void> {
    await this.pool.query("UPDATE machines SET status = 'tampered', problem = $2 WHERE name = $1", [machine, problem]);
    await this.pool.query('INSERT INTO alerts (machine, problem) VALUES ($1, $2)', [machine, problem]);
  }

  /** Folds the new entries into their sessions' rows: the summary and the overview's egress facts. */
  private async foldSessions(client: pg.PoolClient, machine: string, entries: PushRequest['entries']): Promise<number> {
    const bySession = new Map<string, AuditEvent[]>();
    for (const e of entries) {
      const list = bySession.get(e.session) ?? [];
      list.push(auditEvent(e));
      bySession.set(e.session, list);
    }
    const ids = [...bySession.keys()];
    const prev = await client.query('SELECT id, summary, egress FROM sessions WHERE machine = $1 AND id = ANY($2::text[])', [machine, ids]);
    const known = new Map(prev.rows.map((r: { id: string; summary: SessionSummary; egress: EgressFacts }) => [r.id, r]));
    const folded = ids
      .map((id) => ({ summary: foldSummary(known.get(id)?.summary, id, machine, bySession.get(id)!), egress: foldEgress(known.get(id)?.egress, bySession.get(id)!) }))
      // A session is one the chain saw start; machine-wide entries (retention purges) are not.
      .filter((s) => s.summary.command.length > 0 || known.has(s.summary.id));
    if (folded.length === 0) return 0;
    await client.query(
      `INSERT INTO sessions (machine, id, user_name, repo, agent, agent_version, status, started, summary, egress)
       SELECT $1, x.id, x.summary->>'user', x.summary->>'repo', x.summary->>'agent', x.summary->>'agentVersion', x.summary->>'status', x.summary->>'started', x.summary, x.egress
       FROM json_to_recordset($2::json) AS x(id text, summary jsonb, egress jsonb)
       ON CONFLICT (machine, id) DO UPDATE SET user_name = EXCLUDED.user_name, repo = EXCLUDED.repo, agent = EXCLUDED.agent,
         agent_version = EXCLUDED.agent_version, status = EXCLUDED.status, started = EXCLUDED.started, summary = EXCLUDED.summary, egress = EXCLUDED.egress`,
      [machine, JSON.stringify(folded.map((f) => ({ id: f.summary.id, summary: f.summary, egress: f.egress })))],
    );
    return folded.length;
  }

  /** Entries of a machine after `seq`, with bodies, in chain order (for OTLP shipping and tests). */
  async entriesAfter(machine: string, seq: number, limit: number): Promise<{ seq: number; ts: string; session: string; kind: string; bodyHash: string; prevHash: string; entryHash: string; body: Record<string, unknown> | null }[]> {
    const r = await this.pool.query(
      'SELECT seq, ts, session, kind, body_hash AS "bodyHash", prev_hash AS "prevHash", entry_hash AS "entryHash", body FROM entries WHERE machine = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [machine, seq, limit],
    );
    return r.rows.map((x: { seq: string; body: string | null }) => ({ ...(x as unknown as { ts: string; session: string; kind: string; bodyHash: string; prevHash: string; entryHash: string }), seq: Number(x.seq), body: x.body === null ? null : (JSON.parse(x.body) as Record<string, unknown>) }));
  }

  async setOtlpSeq(machine: string, seq: number): Promise<void> {
    await this.pool.query('UPDATE machines SET otlp_seq = GREATEST(otlp_seq, $2) WHERE name = $1', [machine, seq]);
  }

  async alerts(): Promise<{ machine: string; ts: string; problem: string }[]> {
    const r = await this.pool.query('SELECT machine, ts, problem FROM alerts ORDER BY id DESC LIMIT 200');
    return r.rows.map((x: { machine: string; ts: Date; problem: string }) => ({ machine: x.machine, ts: new Date(x.ts).toISOString(), problem: x.problem }));
  }
}
