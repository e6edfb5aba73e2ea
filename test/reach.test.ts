/**
 * `glassbox reach`: real assets planted in a real home (keys, cloud and gh tokens, history, an
 * SSH agent socket, env secrets), the real CLI bare and in a real box, as root and as an
 * unprivileged user. The default policy contains every critical asset; policies that project
 * a key, pass a secret or unprotect git hooks are caught and fail the run (exit 1).
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReachReport } from '../src/reach/reach.js';
import { actors, glassbox, makeWorkspace, writePolicy, type Actor } from './helpers.js';

function plantAssets(actor: Actor): void {
  const put = (rel: string, content: string, mode = 0o600) => {
    const path = join(actor.home, rel);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(path, content, { mode });
    chownSync(path, actor.uid, actor.gid);
    chownSync(join(path, '..'), actor.uid, actor.gid);
  };
  put('.kube/config', 'apiVersion: v1\nusers:\n- name: admin\n  user: {token: reach-test-kube-token}\n');
  put('.config/gh/hosts.yml', 'github.com:\n  oauth_token: reach-test-gh-token\n');
  put('.bash_history', 'export DB_PASSWORD=reach-test\n');
  put('.bashrc', '# rc\n', 0o644);
  chownSync(join(actor.home, '.config'), actor.uid, actor.gid);
}

async function reachAs(actor: Actor, args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; report: ReachReport; stderr: string }> {
  const out = await glassbox(actor, ['reach', '--format', 'json', ...args], { env, cwd, timeoutMs: 60_000 });
  let report: ReachReport;
  try {
    report = JSON.parse(out.stdout) as ReachReport;
  } catch {
    throw new Error(`reach printed no JSON (exit ${out.code}):\n${out.stderr}`);
  }
  return { code: out.code, report, stderr: out.stderr };
}

const asset = (r: ReachReport, id: string) => {
  const a = r.assets.find((x) => x.id === id);
  assert.ok(a, `asset ${id} in the report`);
  return a;
};

for (const actor of actors()) {
  describe(`glassbox reach as ${actor.kind}`, () => {
    let agent: Server;
    let sockDir: string;
    let env: Record<string, string>;
    before(async () => {
      plantAssets(actor);
      // A live SSH agent socket of this user's, as ssh-agent would leave it.
      sockDir = mkdtempSync(join(tmpdir(), 'gb-agent-'));
      chownSync(sockDir, actor.uid, actor.gid);
      const sock = join(sockDir, 'agent.sock');
      agent = createServer((c) => c.end());
      await new Promise<void>((r) => agent.listen(sock, () => r()));
      chmodSync(sock, 0o600);
      chownSync(sock, actor.uid, actor.gid);
      env = { SSH_AUTH_SOCK: sock };
    });
    after(async () => {
      await new Promise((r) => agent.close(r));
      rmSync(sockDir, { recursive: true, force: true });
    });

    it('the default policy leaves no critical asset reachable inside the box (exit 0)', async () => {
      const ws = makeWorkspace(actor, { 'README.md': 'hello\n' });
      const { code, report, stderr } = await reachAs(actor, ['--workspace', ws], env, ws);
      assert.equal(code, 0, stderr);
      assert.equal(report.verdict, 'contained');
      assert.equal(report.user, actor.username);
      for (const id of ['ssh-key:id_ed25519', 'file:.aws/credentials', 'file:.kube/config', 'file:.config/gh/hosts.yml', 'file:.bash_history', 'ssh-agent', 'env', 'persist:.bashrc', 'persist:ws/.git/hooks']) {
        const a = asset(report, id);
        assert.equal(a.bare.reachable, true, `${id} is reachable bare: ${a.bare.detail}`);
        assert.equal(a.box.reachable, false, `${id} is not reachable in the box: ${a.box.detail}`);
      }
      assert.match(asset(report, 'env').bare.detail, /AWS_SECRET_ACCESS_KEY/);
      assert.match(asset(report, 'ssh-agent').bare.detail, /accepts connections/);
      // The box's ~/.aws/credentials is a canary decoy, not the user's file.
      assert.match(asset(report, 'file:.aws/credentials').box.detail, /decoy/);
      assert.match(asset(report, 'file:.kube/config').box.detail, /hidden/);
      assert.match(asset(report, 'persist:ws/.git/hooks').box.detail, /read-only/);
      // The networks were asked of the box's only way out, and refused by it.
      for (const id of ['net:metadata', 'net:private-10', 'net:internet']) assert.match(asset(report, id).box.detail, /refused by the proxy/, id);
      assert.equal(report.summary.box.critical, 0);
      assert.ok(report.summary.bare.critical >= 5, `bare critical count ${report.summary.bare.critical}`);
      // The report is in the audit chain, beside the box session's own events.
      const shown = await glassbox(actor, ['show', report.session, '--json'], { cwd: ws });
      assert.equal(shown.code, 0, shown.stderr);
      const kinds = (JSON.parse(shown.stdout) as { kind: string }[]).map((e) => e.kind);
      assert.ok(kinds.includes('reach') && kinds.includes('session.start') && kinds.filter((k) => k === 'network').length >= 5, kinds.join(','));
    });

    it('a policy that projects ~/.ssh, passes a secret and unprotects git hooks is exposed (exit 1)', async () => {
      const ws = makeWorkspace(actor, { 'README.md': 'hello\n' });
      const policy = writePolicy(
        actor,
        ['version: 1', 'home:', '  - { path: ~/.ssh, mode: ro }', '  - { path: ~/.config/gh/hosts.yml }', 'env:', '  pass: [AWS_SECRET_ACCESS_KEY]', 'filesystem:', '  unprotect: [.git/hooks]', ''].join('\n'),
      );
      const { code, report, stderr } = await reachAs(actor, ['--workspace', ws, '--policy', policy], env, ws);
      assert.equal(code, 1, stderr);
      assert.equal(report.verdict, 'exposed');
      assert.match(stderr, /EXPOSED/);
      assert.match(asset(report, 'ssh-key:id_ed25519').box.detail, /host file itself/);
      assert.match(asset(report, 'file:.config/gh/hosts.yml').box.detail, /a copy of the host file/);
      assert.match(asset(report, 'env').box.detail, /real values visible: AWS_SECRET_ACCESS_KEY/);
      assert.equal(asset(report, 'persist:ws/.git/hooks').box.reachable, true);
      for (const id of ['ssh-key:id_ed25519', 'file:.config/gh/hosts.yml', 'env', 'persist:ws/.git/hooks']) assert.ok(report.criticalInBox.includes(id), `${id} in ${report.criticalInBox.join(',')}`);
      // Still contained where the policy did not open anything.
      assert.equal(asset(report, 'file:.kube/config').box.reachable, false);
      assert.equal(asset(report, 'ssh-agent').box.reachable, false);
    });

    it('renders markdown and HTML for people', async () => {
      const ws = makeWorkspace(actor);
      const md = await glassbox(actor, ['reach', '--workspace', ws], { env, cwd: ws, timeoutMs: 60_000 });
      assert.equal(md.code, 0, md.stderr);
      assert.match(md.stdout, /^# What an agent could reach/m);
      assert.match(md.stdout, /\| SSH private key ~\/\.ssh\/id_ed25519 \| critical \| REACHABLE: readable \| no: a decoy or the box’s own file in its place \|/);
      const file = join(ws, 'reach.html');
      const html = await glassbox(actor, ['reach', '--workspace', ws, '--format', 'html', '--output', file], { env, cwd: ws, timeoutMs: 60_000 });
      assert.equal(html.code, 0, html.stderr);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /<h2>SSH keys and agent<\/h2>/);
      assert.match(text, /Contained: no critical asset/);
    });
  });
}

describe('glassbox reach input errors', () => {
  const actor = actors()[0]!;
  it('bad flags are one line, not a stack trace', async () => {
    const out = await glassbox(actor, ['reach', '--format', 'xml']);
    assert.equal(out.code, 2);
    assert.equal(out.stderr.trim(), 'glassbox: unknown --format "xml"; choose md, html or json');
    const ws = await glassbox(actor, ['reach', '--workspace', '/nonexistent/dir']);
    assert.equal(ws.code, 2);
    assert.match(ws.stderr, /^glassbox: workspace \/nonexistent\/dir does not exist; pass an existing project directory with --workspace\n$/);
  });
});
