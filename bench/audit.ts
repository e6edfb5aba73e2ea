/**
 * Audit log throughput, against plain SQLite doing the same inserts and reads without chaining,
 * hashing or signing, in the same run. Goals: ≥ 50k events/s append, ≥ 1M events/s verify.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditStore } from '../src/audit/store.js';
import { verifyChain, verifyLog } from '../src/audit/verify.js';

const SINGLE = Number(process.env.BENCH_AUDIT_EVENTS ?? 100_000);
const GROUPED = 4 * SINGLE;
const GROUP = 100;

function event(i: number): Record<string, unknown> {
  return { method: 'CONNECT', host: `api${i % 7}.example.com`, port: 443, decision: i % 11 ? 'allow' : 'deny', mode: 'inspect', flow: `f-${i}` };
}

const rate = (n: number, since: bigint) => n / (Number(process.hrtime.bigint() - since) / 1e9);

export async function benchAudit(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  // Peer: the same rows into plain SQLite (WAL, synchronous=NORMAL), one commit per event and
  // then GROUP per commit, and one sequential read of everything.
  const plain = new Database(join(dir, 'plain.db'));
  plain.pragma('journal_mode = WAL');
  plain.pragma('synchronous = NORMAL');
  plain.exec('CREATE TABLE e (seq INTEGER PRIMARY KEY, ts TEXT, session TEXT, kind TEXT, body TEXT)');
  const ins = plain.prepare('INSERT INTO e (seq, ts, session, kind, body) VALUES (?, ?, ?, ?, ?)');
  let t = process.hrtime.bigint();
  for (let i = 1; i <= SINGLE; i++) ins.run(i, new Date().toISOString(), 's', 'network', JSON.stringify(event(i)));
  const plainSingle = rate(SINGLE, t);
  const insGroup = plain.transaction((from: number) => {
    for (let i = from; i < from + GROUP; i++) ins.run(i, new Date().toISOString(), 's', 'network', JSON.stringify(event(i)));
  });
  t = process.hrtime.bigint();
  for (let i = SINGLE + 1; i <= SINGLE + GROUPED; i += GROUP) insGroup(i);
  const plainGrouped = rate(GROUPED, t);
  t = process.hrtime.bigint();
  let n = 0;
  for (const row of plain.prepare('SELECT seq, ts, session, kind, body FROM e ORDER BY seq').raw().iterate()) if (row) n++;
  const plainRead = rate(n, t);
  plain.close();

  const store = new AuditStore(join(dir, 'audit.db'));
  t = process.hrtime.bigint();
  for (let i = 1; i <= SINGLE; i++) store.append('s', 'network', event(i));
  const single = rate(SINGLE, t);
  t = process.hrtime.bigint();
  for (let i = SINGLE + 1; i <= SINGLE + GROUPED; i += GROUP) {
    const batch = [];
    for (let j = i; j < i + GROUP; j++) batch.push({ session: 's', kind: 'network', body: event(j) });
    store.appendMany(batch);
  }
  store.checkpoint();
  const grouped = rate(GROUPED, t);
  const total = SINGLE + GROUPED;

  t = process.hrtime.bigint();
  const sequential = verifyChain(store.db);
  const verifySeq = rate(sequential.entries, t);
  t = process.hrtime.bigint();
  const parallel = await verifyLog(store.path);
  const verifyPar = rate(parallel.entries, t);
  store.close();
  rmSync(dir, { recursive: true, force: true });
  if (!sequential.ok || !parallel.ok) throw new Error(`bench log failed verification: ${[...sequential.problems, ...parallel.problems].join('; ')}`);

  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log(`\naudit log benchmark (${total} events, checkpoint every 1000, ${availableParallelism()} cores)`);
  console.log(`append, one commit each:   ${single.toFixed(0)} events/s chained+signed vs ${plainSingle.toFixed(0)} plain SQLite (${x(single, plainSingle)})`);
  console.log(`append, ${GROUP} per commit:    ${grouped.toFixed(0)} events/s chained+signed vs ${plainGrouped.toFixed(0)} plain SQLite (${x(grouped, plainGrouped)}); goal ≥ 50000`);
  console.log(`verify, one thread:        ${verifySeq.toFixed(0)} events/s (chain, bodies, Merkle, ${sequential.checkpoints} signatures) vs ${plainRead.toFixed(0)} plain reads (${x(verifySeq, plainRead)})`);
  console.log(`verify, worker threads:    ${verifyPar.toFixed(0)} events/s vs ${plainRead.toFixed(0)} plain reads (${x(verifyPar, plainRead)}); goal ≥ 1000000`);
}
