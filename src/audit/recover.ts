import { removePlaceholders, type Placeholder } from '../sandbox/protect.js';
import type { AuditStore } from './store.js';

import { readFileSync, rmSync } from 'node:fs';

/** State and start time of a process (/proc/PID/stat fields 3 and 22), or undefined when gone. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return { state: rest[0]!, start: rest[19]! };
  } catch {
    return undefined;
  }
}

/** This process's identity: a pid alone can be reused, a pid with its start time cannot. */
export function selfIdentity(): string {
  return `${process.pid}:${procStat(process.pid)?.start ?? ''}`;
}

/** Whether the supervisor that owned a session still runs (not a zombie, not a reused pid). */
function alive(owner: string): boolean {
  const [pid, start] = owner.split(':');
  const st = procStat(Number(pid));
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return start === undefined || start === '' || st.start === start;
}

/**
 * Sessions whose supervisor died without closing them (kill -9, power loss) are marked as
 * ended abnormally, recorded in the chain, and the placeholders they left in workspaces are
 * swept. Their agents are already gone: bubblewrap kills the box when its parent dies.
 */
export function recoverAbandoned(store: AuditStore): string[] {
  const recovered: string[] = [];
  for (const s of store.sessions()) {
    if (s.status !== 'running' || alive(s.owner || String(s.pid))) continue;
    removePlaceholders(JSON.parse(s.placeholders) as Placeholder[]);
    // Only ever a directory this code created for the session: tmpdir()/glassbox-XXXXXX.
    if (/\/glassbox-[A-Za-z0-9]{6}$/.test(s.runtime)) rmSync(s.runtime, { recursive: true, force: true });
    store.append(s.id, 'session.end', { abnormal: true, reason: `supervisor (pid ${s.pid}) died without ending the session; recovered on a later start` });
    store.endSession(s.id, 'abnormal', null);
    store.checkpoint();
    recovered.push(s.id);
  }
  return recovered;
}
