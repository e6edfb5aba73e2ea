/**
 * `glassbox ui` in real Chromium: a real Claude Code session in the box asks to run a command
 * the policy says to ask about; a person opens the dashboard, sees the session running, approves
 * the exact call from the page, and the agent goes on to run it. The session page then shows
 * the tool decision, the egress table and the pictures; the integrity page verifies the log.
 * Run as root and as an unprivileged user.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { MockLlm } from '../src/mock-llm/server.js';
import { actorEnv, actors, asActor, glassbox, inBox, makeWorkspace, runRoutedAgent, startServing, type Actor } from './helpers.js';
import { launchChromium } from './services.js';

async function startUi(actor: Actor): Promise<{ child: ChildProcess; url: string }> {
  const { child, line } = await startServing(asActor(actor, actorEnv(actor), [process.execPath, join(actor.repo, 'bin', 'glassbox.js'), 'ui', '--port', '0']));
  const url = /^glassbox ui: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)$/.exec(line)?.[1];
  if (!url) throw new Error(`glassbox ui printed ${JSON.stringify(line)}`);
  return { child, url };
}

const mock = new MockLlm();
let mockPort = 0;
let browser: Browser;
before(async () => {
  mockPort = await mock.listen(0);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mock.close();
});

for (const actor of actors()) {
  describe(`glassbox ui in Chromium as ${actor.kind}`, () => {
    it('shows the running session, approves the held call from the page, and the agent runs it', async () => {
      const ws = makeWorkspace(actor, { 'README.md': 'project\n' });
      mock.setScenario({
        turns: [
          { text: 'I will leave a note.', tool: { name: 'Bash', input: { command: 'echo approved-in-browser > approved.txt', description: 'note' } } },
          { text: 'Done after approval.' },
        ],
      });
      const agent = runRoutedAgent(actor, {
        preset: 'claude',
        host: 'api.anthropic.com',
        mockPort,
        workspace: ws,
        command: ['claude', '-p', 'leave a note', '--allowedTools', 'Bash'],
        env: { ANTHROPIC_API_KEY: 'sk-ant-api03-test-0123456789abcdefghijklmnopqrstuvwxyz' },
        policyExtra: 'tools:\n  approval: { timeout: 90, headless: wait }\n  rules:\n    - { action: ask, command: "echo approved-in-browser*", reason: notes need a person }\n',
      });
      const ui = await startUi(actor);
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        const origin = new URL(ui.url).origin;
        // The API wants the token and the loopback Host, whatever else asks.
        assert.equal((await fetch(`${origin}/api/sessions`)).status, 401);
        assert.equal((await fetch(`${origin}/api/sessions`, { headers: { authorization: 'Bearer wrong' } })).status, 401);

        await page.goto(ui.url);
        // The session shows as running while its call waits.
        await page.locator('tbody tr', { hasText: 'running' }).first().waitFor({ timeout: 60_000 });
        await page.click('a[data-nav="approvals"]');
        const approve = page.locator('button[data-approve]');
        await approve.first().waitFor({ timeout: 60_000 });
        const row = page.locator('tbody tr', { has: approve.first() });
        assert.match(await row.innerText(), /Bash: echo approved-in-browser > approved\.txt[\s\S]*notes need a person/);
        await page.locator('#pending-count', { hasText: /^1$/ }).waitFor();
        await approve.first().click();
        await page.locator('#approval-status', { hasText: 'Approved' }).waitFor();

        const out = await agent;
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stdout, /Done after approval\./);
        assert.equal(readFileSync(join(ws, 'approved.txt'), 'utf8'), 'approved-in-browser\n');
        assert.match(out.stderr, /tool calls: 1 allowed, 0 denied \(1 asked\)/);
        const session = /session (\d{8}T\d{6}-[0-9a-f]{6}) ended/.exec(out.stderr)![1]!;

        // The session page: the decision with its approval, what left, the pictures.
        await page.goto(`${origin}/#/session/${session}`);
        await page.locator('#session-id', { hasText: session }).waitFor();
        const tools = await page.locator('#tools').innerText();
        assert.match(tools, /Bash\s+echo approved-in-browser > approved\.txt\s+ask\s+allow\s+approved/);
        assert.match(await page.locator('#egress').innerText(), /api\.anthropic\.com\s+\d+/);
        assert.ok((await page.locator('[data-chart="egress"] rect[data-bytes]').count()) >= 1, 'egress bars are drawn');
        await page.selectOption('#timeline-kind', 'approval');
        assert.match(await page.locator('tbody').last().innerText(), /approved by .*web dashboard/);
        await page.screenshot({ path: join(ws, 'session.png'), fullPage: true });
        assert.ok(existsSync(join(ws, 'session.png')));

        await page.click('a[data-nav="integrity"]');
        await page.locator('#integrity-verdict', { hasText: 'Verified' }).waitFor({ timeout: 30_000 });
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
        ui.child.kill('SIGTERM');
      }
    });

    it('puts what an agent wrote on the page as text, and refuses other Host names', async () => {
      const payload = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
      const run = await inBox(actor, `echo '${payload}'`);
      assert.equal(run.code, 0, run.stderr);
      const ui = await startUi(actor);
      const page = await browser.newPage();
      try {
        const origin = new URL(ui.url).origin;
        const token = new URL(ui.url).hash.slice('#token='.length);
        // DNS rebinding: a page on another name that resolves to 127.0.0.1 gets nothing.
        const rebound = await new Promise<number>((resolve, reject) => {
          const req = request(`${origin}/api/sessions`, { headers: { host: `attacker.example:${new URL(origin).port}`, authorization: `Bearer ${token}` } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(rebound, 421);
        const listed = (await (await fetch(`${origin}/api/sessions`, { headers: { authorization: `Bearer ${token}` } })).json()) as { sessions: { id: string; command: string[] }[] };
        const session = listed.sessions.find((x) => x.command.join(' ').includes(payload))!.id;
        await page.goto(ui.url);
        await page.goto(`${origin}/#/session/${session}`);
        await page.locator('#session-id, #error').first().waitFor();
        assert.equal(await page.locator('#error').count(), 0, await page.locator('main').innerText());
        assert.ok((await page.locator('main').innerText()).includes(payload), 'the command is shown, as text');
        assert.equal(await page.locator('main img').count(), 0);
        assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
        // A reach report run meanwhile appears on the reports page, with its assets.
        const reached = await glassbox(actor, ['reach', '--workspace', run.workspace], { cwd: run.workspace });
        assert.equal(reached.code, 0, reached.stderr);
        await page.click('a[data-nav="reports"]');
        const report = page.locator('details[data-report="reach"]').first();
        await report.waitFor();
        assert.match(await report.locator('summary').innerText(), /reach · .* · contained · session/);
        await report.locator('summary').click();
        assert.match(await report.innerText(), /SSH private key ~\/\.ssh\/id_ed25519\s+critical\s+REACHABLE: readable\s+no: a decoy/);
      } finally {
        await page.close();
        ui.child.kill('SIGTERM');
      }
    });
  });
}
