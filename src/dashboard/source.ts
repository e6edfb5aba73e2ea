import type { ApprovalRow } from '../tools/approvals.js';
import type { Facets, Integrity, Overview, ReportRow, SessionDetail, SessionFilter, SessionSummary } from './types.js';

export { FILTER_KEYS } from './types.js';
export type { Facets, Integrity, MachineStatus, Overview, ReportRow, SessionFilter } from './types.js';

/**
 * Where the dashboard reads from: this machine's audit log (`glassbox ui`) or the org hub's
 * PostgreSQL (`glassbox hub`). The server and the page are the same for both.
 */
export interface DashboardSource {
  readonly kind: 'local' | 'hub';
  sessions(filter: SessionFilter): Promise<{ sessions: SessionSummary[]; facets: Facets }>;
  session(id: string, machine?: string): Promise<SessionDetail | undefined>;
  overview(filter: SessionFilter): Promise<Overview>;
  reports(): Promise<ReportRow[]>;
  integrity(): Promise<Integrity>;
  /** Tool calls waiting for a person: only where the waiting supervisors are (this machine). */
  approvals?: {
    pending(): Promise<ApprovalRow[]>;
    decide(id: string, status: 'approved' | 'denied', by: string, hash?: string): Promise<ApprovalRow>;
  };
  close(): Promise<void>;
}

export function matches(s: SessionSummary, f: SessionFilter): boolean {
  if (f.machine && s.machine !== f.machine) return false;
  if (f.user && s.user !== f.user) return false;
  if (f.repo && s.repo !== f.repo) return false;
  if (f.agent && s.agent !== f.agent) return false;
  if (f.version && s.agentVersion !== f.version) return false;
  if (f.status && s.status !== f.status) return false;
  if (f.q && !s.command.join(' ').includes(f.q) && !s.id.includes(f.q)) return false;
  return true;
}

export function facetsOf(all: readonly SessionSummary[]): Facets {
  const uniq = (pick: (s: SessionSummary) => string | null) => [...new Set(all.map(pick).filter((v): v is string => Boolean(v)))].sort();
  return { machine: uniq((s) => s.machine), user: uniq((s) => s.user), repo: uniq((s) => s.repo), agent: uniq((s) => s.agent), version: uniq((s) => s.agentVersion), status: uniq((s) => s.status) };
}
