import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditStore } from '../audit/store.js';
import { UserError } from '../errors.js';

/**
 * The approval desk: a held tool call waits here until someone runs `glassbox approve` (or
 * answers on the `glassbox ui` page) from outside the box. It lives in the audit database (0600, outside every
 * sandbox), so an agent cannot approve its own calls. An approval names the hash of the exact
 * call it approves and expires; the waiting supervisor accepts it only if the hash is the one
 * it computed.
 */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface ApprovalRow {
  id: string;
  session: string;
  flow: string;
  created: string;
  expires: string;
  callHash: string;
  tool: string;
  summary: string;
  reason: string;
  status: ApprovalStatus;
  decided: string | null;
  decidedBy: string | null;
  decidedHash: string | null;
}

export interface ApprovalRequest {
  session: string;
  flow: string;
  callHash: string;
  tool: string;
  summary: string;
  reason: string;
  timeoutMs: number;
}

export interface ApprovalOutcome {
  id: string;
  status: Exclude<ApprovalStatus, 'pending'>;
  by?: string;
}

const COLUMNS = `id, session, flow, created, expires, call_hash AS callHash, tool, summary, reason, status, decided, decided_by AS decidedBy, decided_hash AS decidedHash`;
const POLL_MS = 200;

export class ApprovalDesk {
  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS approvals (id TEXT PRIMARY KEY, session TEXT NOT NULL, flow TEXT NOT NULL, created TEXT NOT NULL,
      expires TEXT NOT NULL, call_hash TEXT NOT NULL, tool TEXT NOT NULL, summary TEXT NOT NULL, reason TEXT NOT NULL, status TEXT NOT NULL,
      decided TEXT, decided_by TEXT, decided_hash TEXT)`);
  }

  /** Files a request; short ids are easy to type in another terminal. */
  request(r: ApprovalRequest): ApprovalRow {
    const now = Date.now();
    const row: ApprovalRow = {
      id: randomBytes(4).toString('hex'),
      session: r.session,
      flow: r.flow,
      created: new Date(now).toISOString(),
      expires: new Date(now + r.timeoutMs).toISOString(),
      callHash: r.callHash,
      tool: r.tool,
      summary: r.summary,
      reason: r.reason,
      status: 'pending',
      decided: null,
      decidedBy: null,
      decidedHash: null,
    };
    this.db
      .prepare('INSERT INTO approvals (id, session, flow, created, expires, call_hash, tool, summary, reason, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, row.session, row.flow, row.created, row.expires, row.callHash, row.tool, row.summary, row.reason, row.status);
    return row;
  }

  get(id: string): ApprovalRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM approvals WHERE id = ?`).get(id) as ApprovalRow | undefined;
  }

  /** Requests still waiting (expired ones are marked as such first). */
  pending(): ApprovalRow[] {
    this.expireOld();
    return this.db.prepare(`SELECT ${COLUMNS} FROM approvals WHERE status = 'pending' ORDER BY created`).all() as ApprovalRow[];
  }

  private expireOld(): void {
    this.db.prepare("UPDATE approvals SET status = 'expired' WHERE status = 'pending' AND expires <= ?").run(new Date().toISOString());
  }

  /**
   * An approver's answer. `hash` (a prefix is enough) pins the call the approver looked at;
   * the decision is refused when it names another call, or the request is gone or expired.
   */
  decide(id: string, status: 'approved' | 'denied', by: string, hash?: string): ApprovalRow {
    return this.db.transaction(() => {
      this.expireOld();
      const row = this.get(id);
      if (!row) throw new UserError(`no approval request ${id}; \`glassbox approve\` lists the pending ones`);
      if (row.status !== 'pending') throw new UserError(`approval request ${id} is already ${row.status}`);
      if (hash !== undefined && !row.callHash.startsWith(hash.toLowerCase())) {
        throw new UserError(`approval request ${id} is for call ${row.callHash.slice(0, 12)}, not ${hash}; check what you are approving`);
      }
      const decided = new Date().toISOString();
      this.db.prepare('UPDATE approvals SET status = ?, decided = ?, decided_by = ?, decided_hash = ? WHERE id = ?').run(status, decided, by, row.callHash, id);
      return { ...row, status, decided, decidedBy: by, decidedHash: row.callHash };
    })();
  }

  /**
   * Waits for the answer to a request. Only an approval carrying exactly `callHash` counts;
   * at the deadline the request is marked expired (and the call denied).
   */
  wait(row: ApprovalRow, signal?: AbortSignal): Promise<ApprovalOutcome> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const now = Date.now();
        const cur = this.get(row.id);
        if (cur && cur.status !== 'pending') {
          const ok = cur.status === 'approved' ? cur.decidedHash === row.callHash : true;
          resolve({ id: row.id, status: ok ? cur.status : 'denied', ...(cur.decidedBy ? { by: cur.decidedBy } : {}) });
          return true;
        }
        if (signal?.aborted || now >= Date.parse(row.expires)) {
          this.db.prepare("UPDATE approvals SET status = 'expired' WHERE id = ? AND status = 'pending'").run(row.id);
          // An approval may have landed between the read and the update: read once more.
          const last = this.get(row.id);
          if (last && last.status !== 'expired') return check();
          resolve({ id: row.id, status: 'expired' });
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setInterval(() => {
        if (check()) clearInterval(timer);
      }, POLL_MS);
    });
  }
}

/**
 * A person's answer, from the CLI or the web page: decided on the desk, then appended to the
 * audit chain with who decided.
 */
export function decideApproval(store: AuditStore, desk: ApprovalDesk, id: string, status: 'approved' | 'denied', by: string, hash?: string): ApprovalRow {
  const row = desk.decide(id, status, by, hash);
  store.append(row.session, 'approval', { id: row.id, flow: row.flow, callHash: row.callHash, tool: row.tool, summary: row.summary, decision: status, by });
  return row;
}
