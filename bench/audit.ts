/**
 * Audit log throughput, against plain SQLite doing the same inserts and reads without chaining,
 * hashing or signing, in the same run. Goals: ≥ 50k events/s append, ≥ 1M events/s verify.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditStore } from '../src/audit/store.js';
import { verifyChain } from '../src/audit/verify.js';

const N = Number(process.env.BENCH_AUDIT_EVENTS ?? 200_000);

function event(i: number): Record<string, unknown> {
  return { method: 'CONNECT', host: `api${i % 7}.example.com`, port: 443, decision: i % 11 ? 'allow' : 'deny', mode: 'inspect', flow: `f-${i}` };
}

export async function benchAudit(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  // Peer: the same rows into plain SQLite (WAL, synchronous=NORMAL, one commit per event).
  const plain = new Database(join(dir, 'plain.db'));
  plain.pragma('journal_mode = WAL');
  plain.pragma('synchronous = NORMAL');
  plain.exec('CREATE TABLE e (seq INTEGER PRIMARY KEY, ts TEXT, session TEXT, kind TEXT, body TEXT)');
  const ins = plain.prepare('INSERT INTO e (seq, ts, session, kind, body) VALUES (?, ?, ?, ?, ?)');
  let t = process.hrtime.bigint();
  for (let i = 1; i <= N; i++) ins.run(i, new Date().toISOString(), 's', 'network', JSON.stringify(event(i)));
  const plainAppend = N / (Number(process.hrtime.bigint() - t) / 1e9);
  t = process.hrtime.bigint();
  let n = 0;
  for (const row of plain.prepare('SELECT seq, ts, session, kind, body FROM e ORDER BY seq').raw().iterate()) if (row) n++;
  const plainRead = n / (Number(process.hrtime.bigint() - t) / 1e9);
  plain.close();

  const store = new AuditStore(join(dir, 'audit.db'));
  t = process.hrtime.bigint();
  for (let i = 1; i <= N; i++) store.append('s', 'network', event(i));
  store.checkpoint();
  const append = N / (Number(process.hrtime.bigint() - t) / 1e9);
  t = process.hrtime.bigint();
  const report = verifyChain(store.db);
  const verify = report.entries / (Number(process.hrtime.bigint() - t) / 1e9);
  store.close();
  if (!report.ok) throw new Error(`bench log failed verification: ${report.problems.join('; ')}`);

  console.log(`\naudit log benchmark (${N} events, one commit each, checkpoint every 1000)`);
  console.log(`append: ${append.toFixed(0)} events/s chained+signed vs ${plainAppend.toFixed(0)} plain SQLite (${(append / plainAppend).toFixed(2)}×); goal ≥ 50000`);
  console.log(`verify: ${verify.toFixed(0)} events/s (chain, bodies, Merkle, ${report.checkpoints} signatures) vs ${plainRead.toFixed(0)} plain reads (${(verify / plainRead).toFixed(2)}×); goal ≥ 1000000`);
}
