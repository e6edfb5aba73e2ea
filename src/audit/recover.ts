import { removePlaceholders, type Placeholder } from '../sandbox/protect.js';
import type { AuditStore } from './store.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Sessions whose supervisor died without closing them (kill -9, power loss) are marked as
 * ended abnormally, recorded in the chain, and the placeholders they left in workspaces are
 * swept. Their agents are already gone: bubblewrap kills the box when its parent dies.
 */
export function recoverAbandoned(store: AuditStore): string[] {
  const recovered: string[] = [];
  for (const s of store.sessions()) {
    if (s.status !== 'running' || alive(s.pid)) continue;
    removePlaceholders(JSON.parse(s.placeholders) as Placeholder[]);
    store.append(s.id, 'session.end', { abnormal: true, reason: `supervisor (pid ${s.pid}) died without ending the session; recovered on a later start` });
    store.endSession(s.id, 'abnormal', null);
    store.checkpoint();
    recovered.push(s.id);
  }
  return recovered;
}
