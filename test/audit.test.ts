/**
 * The audit log on real SQLite: verification passes on an honest log and names each kind of
 * tampering; a killed supervisor loses no acknowledged event and its session is recovered.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditStore, CHECKPOINT_COLUMNS, CHECKPOINT_EVERY, type Checkpoint } from '../src/audit/store.js';
import { RANGE, verifyChain, verifyLog } from '../src/audit/verify.js';
import { applyRetention } from '../src/audit/retention.js';
import { actors, asActor, glassbox, makeWorkspace, REPO, runProcess } from './helpers.js';

function freshStore(n: number): AuditStore {
  const dir = mkdtempSync(join(tmpdir(), 'gb-audit-'));
  const store = new AuditStore(join(dir, 'audit.db'));
  for (let i = 0; i < n; i++) store.append(i < n / 2 ? 'sess-a' : 'sess-b', i % 3 ? 'network' : 'http', { i, host: `h${i}.example`, decision: i % 5 ? 'allow' : 'deny' });
  store.checkpoint();
  return store;
}

describe('audit chain verification', () => {
  it('verifies an honest log, with periodic and final checkpoints', () => {
    const store = freshStore(CHECKPOINT_EVERY + 250);
    const r = verifyChain(store.db);
    assert.deepEqual(r.problems, []);
    assert.equal(r.entries, CHECKPOINT_EVERY + 250);
    assert.equal(r.checkpoints, 2);
    store.close();
  });

  const tamper: [string, (s: AuditStore) => void, RegExp][] = [
    ['an edited entry', (s) => s.db.prepare("UPDATE entries SET kind = 'tampered' WHERE seq = 30").run(), /entry 30 was modified/],
    ['an edited body', (s) => s.db.prepare("UPDATE entries SET body = replace(body, 'deny', 'allow') WHERE seq = 51").run(), /body of entry 51 was modified/],
    [
      'an edited large body (blob table)',
      (s) => {
        s.append('sess-b', 'http', { big: 'y'.repeat(10_000), decision: 'deny' });
        s.db.prepare("UPDATE blobs SET body = replace(body, 'deny', 'allow')").run();
      },
      /body of entry 201 was modified/,
    ],
    ['a deleted entry', (s) => s.db.prepare('DELETE FROM entries WHERE seq = 70').run(), /entries 70\.\.70 are missing/],
    [
      'reordered entries',
      (s) => {
        s.db.prepare('UPDATE entries SET seq = -1 WHERE seq = 80').run();
        s.db.prepare('UPDATE entries SET seq = 80 WHERE seq = 81').run();
        s.db.prepare('UPDATE entries SET seq = 81 WHERE seq = -1').run();
      },
      /chain broken at entry 80/,
    ],
    ['a truncated tail', (s) => s.db.prepare('DELETE FROM entries WHERE seq > 150').run(), /log truncated: the checkpoint at 200 entries is signed, but only 150 entries remain/],
    ['a forged checkpoint', (s) => s.db.prepare("UPDATE checkpoints SET root = replace(root, substr(root, 1, 2), 'ff') WHERE size = 200").run(), /checkpoint at 200 entries (does not match the log|has an invalid signature)/],
  ];
  it('verifies a large log across worker threads, and names tampering found there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-audit-'));
    const store = new AuditStore(join(dir, 'audit.db'));
    const total = 3 * RANGE + 1234;
    for (let i = 0; i < total; i += 1000) {
      const batch = [];
      for (let j = i; j < Math.min(i + 1000, total); j++) batch.push({ session: j % 2 ? 'sess-a' : 'sess-b', kind: 'network', body: { j, host: `h${j}.example` } });
      store.appendMany(batch);
    }
    const witness = store.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE size = 150000`).get() as Checkpoint;
    store.checkpoint();
    const sequential = verifyChain(store.db, { session: 'sess-a', witness });
    const parallel = await verifyLog(store.path, { session: 'sess-a', witness, parallelMin: 0, workers: 2 });
    assert.deepEqual(parallel, sequential);
    assert.equal(parallel.ok, true);
    assert.equal(parallel.entries, total);
    assert.equal(parallel.witness, 'matches');
    store.db.prepare("UPDATE entries SET kind = 'tampered' WHERE seq = 140000").run();
    const damaged = await verifyLog(store.path, { parallelMin: 0, workers: 2 });
    assert.equal(damaged.ok, false);
    assert.ok(damaged.problems.some((p) => /entry 140000 was modified/.test(p)), damaged.problems.join(' | '));
    store.db.prepare("UPDATE entries SET kind = 'network' WHERE seq = 140000").run();
    store.db.prepare("UPDATE checkpoints SET root = replace(root, substr(root, 1, 2), 'ff') WHERE size = 70000").run();
    const forged = await verifyLog(store.path, { parallelMin: 0, workers: 2 });
    assert.ok(forged.problems.some((p) => /checkpoint at 70000 entries/.test(p)), forged.problems.join(' | '));
    store.close();
  });

  for (const [what, damage, expected] of tamper) {
    it(`detects ${what}`, () => {
      const store = freshStore(200);
      damage(store);
      const r = verifyChain(store.db);
      assert.equal(r.ok, false);
      assert.ok(r.problems.some((p) => expected.test(p)), `problems: ${r.problems.join(' | ')}`);
      store.close();
    });
  }

  it('detects a rewritten and re-signed tail against an exported checkpoint', () => {
    const store = freshStore(200);
    const witness = store.checkpoint();
    // An attacker with the machine's key rewrites history and signs it again: the log is
    // self-consistent, and only a checkpoint kept elsewhere shows the rewrite.
    const path = store.path;
    store.db.exec('DELETE FROM entries WHERE seq > 120; DELETE FROM checkpoints;');
    store.close();
    const forged = new AuditStore(path);
    for (let i = 0; i < 80; i++) forged.append('sess-b', 'network', { i, host: 'innocent.example', decision: 'allow' });
    forged.checkpoint();
    assert.equal(verifyChain(forged.db).ok, true, 'self-consistent after the rewrite');
    const r = verifyChain(forged.db, { witness });
    assert.equal(r.ok, false);
    assert.equal(r.witness, 'mismatch');
    assert.ok(r.problems.some((p) => /the log was rewritten: its first 200 entries no longer match the exported checkpoint/.test(p)));
    forged.close();
  });

  it('forward security: the current key cannot re-sign history that an earlier checkpoint covers', () => {
    const store = freshStore(2 * CHECKPOINT_EVERY + 10);
    const path = store.path;
    const anchor = verifyChain(store.db).anchorKey;
    assert.match(anchor ?? '', /^[0-9a-f]{16}$/);
    // The attacker holds everything on the machine now, including the current signing key. They
    // keep the first checkpoint (it looks authentic) and rewrite what came after it.
    store.db.exec(`DELETE FROM entries WHERE seq > ${CHECKPOINT_EVERY + 5}; DELETE FROM checkpoints WHERE size > ${CHECKPOINT_EVERY};`);
    store.close();
    const forged = new AuditStore(path);
    for (let i = 0; i < CHECKPOINT_EVERY; i++) forged.append('sess-b', 'network', { i, host: 'innocent.example', decision: 'allow' });
    forged.checkpoint();
    const r = verifyChain(forged.db);
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => new RegExp(`signed by a key the checkpoint at ${CHECKPOINT_EVERY} did not name`).test(p)), r.problems.join(' | '));
    assert.equal(r.anchorKey, anchor);
    forged.close();
  });

  it('stays verifiable when a retention rule purges bodies', () => {
    const store = freshStore(100);
    store.db.prepare('UPDATE entries SET body = NULL WHERE seq <= 10').run();
    const r = verifyChain(store.db);
    assert.equal(r.ok, true);
    assert.ok(r.purgedBodies >= 10);
    store.close();
  });
});

describe('several sessions at once', () => {
  it('supervisors appending to one chain concurrently keep it whole and verifiable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-conc-'));
    const db = join(dir, 'audit.db');
    new AuditStore(db).close();
    const script = `import { AuditStore } from ${JSON.stringify(join(REPO, 'dist', 'src', 'audit', 'store.js'))};
      const s = new AuditStore(${JSON.stringify(db)});
      for (let i = 0; i < 700; i++) s.append(process.argv[1], 'network', { i });
      s.checkpoint(); s.close();`;
    const runs = ['one', 'two', 'three'].map((name) => runProcess([process.execPath, '--input-type=module', '-e', script, name], { timeoutMs: 120_000 }));
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const store = new AuditStore(db);
    const report = verifyChain(store.db);
    assert.deepEqual(report.problems, []);
    assert.equal(report.entries, 2100);
    assert.ok(report.checkpoints >= 3);
    store.close();
  });
});

describe('retention', () => {
  it('purges old bodies by age and by size, logs each purge, and the chain still verifies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-ret-'));
    const store = new AuditStore(join(dir, 'audit.db'));
    const old = Date.now() - 40 * 86400_000;
    for (let i = 0; i < 50; i++) store.append('old', 'network', { i, pad: 'x'.repeat(100) }, new Date(old + i * 1000).toISOString());
    for (let i = 0; i < 50; i++) store.append('new', 'network', { i, pad: 'y'.repeat(100) });
    const byAge = applyRetention(store, { days: 30 });
    assert.equal(byAge.entries, 50);
    const events = store.sessionEvents('old');
    assert.ok(events.every((e) => e.body === null));
    assert.ok(store.sessionEvents('new').every((e) => e.body !== null));
    const purgeRecord = store.sessionEvents('retention')[0]!;
    assert.equal(purgeRecord.kind, 'retention.purge');
    assert.deepEqual({ ...purgeRecord.body, bytes: undefined }, { rule: 'older than 30 days', throughSeq: 50, entries: 50, bytes: undefined });
    const bySize = applyRetention(store, { maxBytes: 10 * 130 });
    assert.ok(bySize.entries >= 35 && bySize.entries <= 45, `purged ${bySize.entries}`);
    const r = verifyChain(store.db);
    assert.equal(r.ok, true, r.problems.join('; '));
    assert.ok(r.purgedBodies >= 85);
    store.close();
  });
});

describe('glassbox verify / log / show (CLI)', () => {
  it('reports verified or TAMPERED with the exit code, and checks an exported checkpoint', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gb-audithome-'));
    const dataDir = join(home, '.local', 'share', 'glassbox');
    const store = new AuditStore(join(dataDir, 'audit.db'));
    store.startSession({ id: 's1', started: new Date().toISOString(), pid: 1, command: '["claude"]', workspace: '/w', policyHash: 'p', placeholders: '[]', owner: '' });
    for (let i = 0; i < 20; i++) store.append('s1', 'network', { decision: i % 4 ? 'allow' : 'deny', host: `h${i}`, port: 443 });
    store.endSession('s1', 'ended', 0);
    store.checkpoint();
    store.close();
    const cli = (...args: string[]) => runProcess([process.execPath, join(REPO, 'bin', 'glassbox.js'), ...args], { env: { PATH: process.env.PATH, HOME: home } });
    const witness = join(home, 'witness.json');
    const ok = await cli('verify', '--export-checkpoint', witness);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^verified: 20 entries, 1 signed checkpoints/);
    const log = await cli('log');
    assert.match(log.stdout, /s1\s+ended\s+0\s+20\s+5/);
    const show = await cli('show', 's1', '--denied');
    assert.equal(show.stdout.trim().split('\n').length, 5);
    const db = new AuditStore(join(dataDir, 'audit.db'));
    db.db.prepare("UPDATE entries SET body = replace(body, 'deny', 'allow')").run();
    db.close();
    const bad = await cli('verify', '--checkpoint', witness);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^TAMPERED: \d+ problems?\n  - the body of entry 1 was modified/);
  });
});

describe('large CLI output through a pipe', () => {
  it('arrives whole (no truncation at the pipe buffer on exit)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gb-bigout-'));
    const store = new AuditStore(join(home, '.local', 'share', 'glassbox', 'audit.db'));
    for (let i = 0; i < 400; i++) {
      const id = `big-${String(i).padStart(4, '0')}`;
      store.startSession({ id, started: new Date().toISOString(), pid: 1, command: JSON.stringify(['agent', 'x'.repeat(200)]), workspace: '/w', policyHash: 'p', placeholders: '[]', owner: '' });
      store.endSession(id, 'ended', 0);
    }
    store.close();
    // A reader that starts late: the pipe fills, and an exit before the flush would cut the output.
    const out = await runProcess(['sh', '-c', `"${process.execPath}" "${join(REPO, 'bin', 'glassbox.js')}" log --json | (sleep 1; cat)`], { env: { PATH: process.env.PATH, HOME: home } });
    assert.equal(out.code, 0, out.stderr);
    assert.ok(out.stdout.length > 128 * 1024, `only ${out.stdout.length} bytes`);
    assert.equal((JSON.parse(out.stdout) as unknown[]).length, 400);
  });
});

describe('OTLP export', () => {
  it('posts every event to a collector as OTLP/HTTP JSON logs, denials as WARN', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gb-otlphome-'));
    const store = new AuditStore(join(home, '.local', 'share', 'glassbox', 'audit.db'));
    store.startSession({ id: 'otlp-1', started: new Date().toISOString(), pid: 1, command: '["codex"]', workspace: '/w', policyHash: 'p', placeholders: '[]', owner: '' });
    store.append('otlp-1', 'network', { decision: 'deny', host: 'evil.example', port: 443 });
    store.append('otlp-1', 'http', { decision: 'allow', host: 'api.openai.com', port: 443 });
    store.close();
    const received: { url: string; body: { resourceLogs: { scopeLogs: { logRecords: { severityText: string; attributes: { key: string; value: { stringValue?: string } }[] }[] }[] }[] } }[] = [];
    const collector = createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body: JSON.parse(b) });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const port = (collector.address() as { port: number }).port;
    const out = await runProcess([process.execPath, join(REPO, 'bin', 'glassbox.js'), 'export', '--format', 'otlp', '--endpoint', `http://127.0.0.1:${port}`], { env: { PATH: process.env.PATH, HOME: home } });
    collector.close();
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `exported 2 events to http://127.0.0.1:${port}\n`);
    assert.equal(received[0]!.url, '/v1/logs');
    const records = received[0]!.body.resourceLogs[0]!.scopeLogs[0]!.logRecords;
    assert.deepEqual(records.map((r) => r.severityText), ['WARN', 'INFO']);
    assert.equal(records[0]!.attributes.find((a) => a.key === 'server.address')?.value.stringValue, 'evil.example');
    // Nothing listens on the collector's port any more.
    const refused = await runProcess([process.execPath, join(REPO, 'bin', 'glassbox.js'), 'export', '--format', 'otlp', '--endpoint', `http://127.0.0.1:${port}`], { env: { PATH: process.env.PATH, HOME: home } });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^glassbox: OTLP export to http:\/\/127\.0\.0\.1:\d+ failed: fetch failed \(ECONNREFUSED\); check that a collector listens there\n$/);
  });
});

describe('crash safety', () => {
  for (const actor of actors()) {
    it(`kill -9 of the supervisor (${actor.kind}): no acknowledged event lost, no agent left, session recovered`, async () => {
      const ws = makeWorkspace(actor);
      const marker = `gb-crash-${Date.now()}`;
      const env = { PATH: '/usr/bin:/bin', HOME: actor.home, LANG: 'C.UTF-8' };
      const argv = asActor(actor, env, [process.execPath, join(actor.repo, 'bin', 'glassbox.js'), 'run', '--workspace', ws, '--', 'bash', '-c', `curl -s https://denied-before-crash.example/ ; echo ready; exec -a ${marker} sleep 300`]);
      const before = runtimeDirs();
      const child = spawn(argv[0]!, argv.slice(1), { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      for (let i = 0; i < 100 && !out.includes('ready'); i++) await sleep(100);
      assert.match(out, /ready/);
      assert.ok(existsSync(join(ws, '.mcp.json')), 'placeholders exist while the session runs');
      const sup = findSupervisor(ws);
      assert.ok(sup, 'supervisor not found');
      const ours = runtimeDirs().filter((d) => !before.includes(d));
      assert.equal(ours.length, 1, 'the session has one private runtime dir');
      process.kill(sup, 'SIGKILL');
      await new Promise((r) => child.on('close', r));
      await sleep(300);
      assert.equal(findByComm(marker), undefined, 'the agent must not outlive its supervisor');
      // Next start recovers the abandoned session.
      const next = await glassbox(actor, ['run', '--workspace', ws, '--', 'true'], { cwd: ws });
      assert.equal(next.code, 0, next.stderr);
      assert.match(next.stderr, /had ended abnormally \(its supervisor was killed\); recorded and cleaned up/);
      assert.equal(existsSync(join(ws, '.mcp.json')), false, 'the crashed session\'s placeholders are swept');
      assert.equal(existsSync(ours[0]!), false, 'the crashed session\'s runtime dir is removed');
      const log = await runProcess(asActor(actor, env, [process.execPath, join(actor.repo, 'bin', 'glassbox.js'), 'log', '--json']), {});
      assert.equal(log.code, 0, log.stderr);
      const sessions = JSON.parse(log.stdout) as { id: string; status: string; denied: number }[];
      const crashed = sessions.find((s) => s.status === 'abnormal');
      assert.ok(crashed, 'the crashed session is marked abnormal');
      assert.equal(crashed.denied, 1, 'the denial acknowledged before the crash is in the log');
      const verify = await runProcess(asActor(actor, env, [process.execPath, join(actor.repo, 'bin', 'glassbox.js'), 'verify']), {});
      assert.equal(verify.code, 0, verify.stdout);
    });
  }
});

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
function findSupervisor(ws: string): number | undefined {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const c = cmdline(p);
    if (c.startsWith(process.execPath) && c.includes('glassbox.js run') && c.includes(ws)) return Number(p);
  }
  return undefined;
}
function runtimeDirs(): string[] {
  return readdirSync(tmpdir()).filter((d) => /^glassbox-[A-Za-z0-9]{6}$/.test(d)).map((d) => join(tmpdir(), d));
}
function findByComm(name: string): number | undefined {
  for (const p of readdirSync('/proc')) if (/^\d+$/.test(p) && cmdline(p).startsWith(name)) return Number(p);
  return undefined;
}
