/**
 * Hub ingest into PostgreSQL with verification, against plain PostgreSQL inserts of the same
 * rows (same batches, same INSERT statement, no verification, no session summaries) in the same
 * run and on the same server. Goal: ≥ 20k events/s ingested and verified.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AuditStore, CHECKPOINT_COLUMNS, type Checkpoint } from '../src/audit/store.js';
import { DashboardServer } from '../src/dashboard/server.js';
import { machineRoutes } from '../src/hub/api.js';
import { PUSH_ENTRY_ROWS, pushLog } from '../src/hub/client.js';
import { checkpointBatches, EMPTY_WITNESS, type PushedEntry, verifySegment } from '../src/hub/segment.js';
import { HubSource } from '../src/hub/source.js';
import { HubStore, INSERT_ENTRIES } from '../src/hub/store.js';
import { startPostgres } from '../test/services.js';

const EVENTS = Number(process.env.BENCH_HUB_EVENTS ?? 200_000);
const BATCH = 5000;
const rate = (n: number, since: bigint) => n / (Number(process.hrtime.bigint() - since) / 1e9);

/** What sessions really log: mostly network decisions and HTTP flows with an LLM summary, some tool calls. */
function event(i: number, session: number): { session: string; kind: string; body: Record<string, unknown> } {
  const s = `20261201T1200${String(session % 60).padStart(2, '0')}-${(session * 7919).toString(16).padStart(6, '0').slice(-6)}`;
  if (i % 500 === 0) return { session: s, kind: 'session.start', body: { command: ['claude', '-p', 'fix the tests'], user: `dev${session % 17}`, repo: `acme/app${session % 5}`, agent: { npmPackage: { name: '@anthropic-ai/claude-code', version: '2.1.197' } }, workspace: `/src/app${session % 5}` } };
  if (i % 500 === 499) return { session: s, kind: 'session.end', body: { exitCode: 0, egress: { hosts: { 'api.anthropic.com': { requests: 40, bytesOut: 400_000, novelBytes: 30_000 } }, files: { 'src/app.ts': { 'api.anthropic.com': 2 } } } } };
  if (i % 3 === 0)
    return {
      session: s,
      kind: 'http',
      body: { flow: `f-${i}`, method: 'POST', host: 'api.anthropic.com', path: '/v1/messages', status: 200, decision: 'allow', egress: { bytesOut: 9000 + (i % 700), novelBytes: 300 + (i % 90), files: [] }, llm: { api: 'anthropic', model: 'claude-sonnet', messages: i % 40, text: 'Let me look at the failing test and the code it covers. '.repeat(6), toolCalls: [{ id: `t${i}`, name: 'Read', input: '{"file_path":"src/app.ts"}' }] }, findings: [] },
    };
  if (i % 7 === 0) return { session: s, kind: 'tool', body: { tool: 'Bash', commands: ['npm test'], verdict: 'allow', decision: 'allow', reason: 'tools.default is allow', callHash: 'ab'.repeat(32) } };
  return { session: s, kind: 'network', body: { decision: i % 11 ? 'allow' : 'deny', method: 'CONNECT', host: `api${i % 7}.example.com`, port: 443, mode: 'inspect' } };
}

export async function benchHub(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hub-'));
  const server = await startPostgres();
  try {
    // The machine's log: EVENTS real chain entries with checkpoints every 1000 and at the end.
    const local = new AuditStore(join(dir, 'audit.db'));
    for (let i = 0; i < EVENTS; i += 1000) local.appendMany(Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => event(i + j, Math.floor((i + j) / 500))));
    local.checkpoint();
    const checkpoints = local.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY size`).all() as Checkpoint[];
    const rows = local.db.prepare(PUSH_ENTRY_ROWS);
    const batches = checkpointBatches(checkpoints, 0, BATCH).map((b) => ({ entries: rows.all(b.from, b.to) as PushedEntry[], checkpoints: b.checkpoints }));
    const bytes = batches.reduce((n, b) => n + b.entries.reduce((m, e) => m + (e.body?.length ?? 0), 0), 0);
    console.log(`machine log: ${EVENTS} events, ${checkpoints.length} checkpoints, ${(bytes / EVENTS).toFixed(0)} bytes of body per event, ${batches.length} pushes of ≤ ${BATCH}`);

    // Verification alone, in JS.
    let t = process.hrtime.bigint();
    let w = EMPTY_WITNESS;
    for (const b of batches) w = verifySegment(w, { ...b, head: null }).next;
    const verifyOnly = rate(EVENTS, t);

    // Peer: plain PostgreSQL, the same rows, batches and INSERT, nothing checked or summarised.
    const plainUrl = await server.database('bench_plain');
    const plain = new pg.Pool({ connectionString: plainUrl, max: 2 });
    await plain.query('CREATE TABLE entries (machine text, seq bigint, ts text, session text, kind text, body_hash text, prev_hash text, entry_hash text, body text, PRIMARY KEY (machine, seq)); CREATE INDEX ON entries (machine, session, seq)');
    t = process.hrtime.bigint();
    for (const b of batches) {
      await plain.query(INSERT_ENTRIES, ['m', JSON.stringify(b.entries)]);
    }
    const plainRate = rate(EVENTS, t);
    await plain.end();

    // The hub: verification, entries, checkpoints, session summaries, witness, one transaction a push.
    const hub = await HubStore.open(await server.database('bench_hub'));
    await hub.addMachine('direct');
    t = process.hrtime.bigint();
    for (const b of batches) await hub.ingest('direct', { ...b, head: null });
    const ingest = rate(EVENTS, t);
    t = process.hrtime.bigint();
    const stored = await hub.verifyStored('direct');
    const reverify = rate(stored.entries, t);
    if (!stored.ok) throw new Error(`stored chain does not verify: ${stored.problem}`);

    // End to end: `glassbox push` over HTTP into the hub's server, reading the machine's SQLite.
    const token = await hub.addMachine('over-http');
    const http = new DashboardServer({ source: new HubSource(hub), token: 'admin', routes: machineRoutes(hub), approver: 'bench' });
    const port = await http.listen(0, '127.0.0.1');
    t = process.hrtime.bigint();
    const pushed = await pushLog(local, { url: `http://127.0.0.1:${port}`, token }, BATCH);
    const endToEnd = rate(pushed.sent, t);
    await http.close();
    await hub.close();
    local.close();

    const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
    console.log(`verify only (JS):            ${k(verifyOnly)} events/s`);
    console.log(`plain PostgreSQL inserts:    ${k(plainRate)} events/s (peer)`);
    console.log(`hub ingest with verification: ${k(ingest)} events/s = ${(ingest / plainRate).toFixed(2)}x plain; goal ≥ 20k/s: ${ingest >= 20_000 ? 'met' : 'NOT met'}`);
    console.log(`hub verify of the stored chain: ${k(reverify)} events/s (read back from PostgreSQL and walked again)`);
    console.log(`glassbox push over HTTP:      ${k(endToEnd)} events/s = ${(endToEnd / plainRate).toFixed(2)}x plain (read SQLite, send, verify, store)`);
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
