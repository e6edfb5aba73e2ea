/** `npm run demo` must keep working: it is the first thing a new user runs. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { REPO, runProcess } from './helpers.js';

it('the demo runs a scripted agent in the box and shows what was blocked', async () => {
  const out = await runProcess([process.execPath, join(REPO, 'dist', 'src', 'demo', 'demo.js')], { timeoutMs: 120_000 });
  // The demo leaves its files for people to look at; the test does not need them.
  const files = /Demo files: (\/tmp\/glassbox-demo-[A-Za-z0-9]+)/.exec(out.stdout)?.[1];
  if (files) rmSync(files, { recursive: true, force: true });
  assert.equal(out.code, 0, out.stdout + out.stderr);
  for (const line of [
    /✔ blocked\s+read ~\/\.ssh\/id_ed25519/,
    /✔ blocked\s+plant \.git\/hooks\/post-checkout/,
    /✔ blocked\s+HTTPS to exfil\.example\.com\s+glassbox: exfil\.example\.com is not in network\.allow/,
    /✔ blocked\s+direct TCP to 1\.1\.1\.1:443/,
    /• allowed\s+edit the project/,
    /• allowed\s+run the real Claude Code CLI \(claude --version\)\s+\d+\.\d+\.\d+ \(Claude Code\)/,
    /✔ Claude Code ran to the end inside the box\s+answer: Done: the app exports answer = 42\./,
    /✔ the agent only ever held a placeholder key\s+sk-ant-api03-glassbox/,
    /✔ the model API received the real key/,
    /✔ curl to exfil\.example\.com failed/,
    /workspace files that left this machine: src\/app\.ts → api\.anthropic\.com ×1/,
    /SSH private key ~\/\.ssh\/id_ed25519\s+bare: reachable\s+→\s+box: a decoy/,
    /cloud metadata endpoint 169\.254\.169\.254\s+bare: reachable\s+→\s+box: refused by the proxy/,
    /✔ contained: no critical asset reachable inside the box/,
  ]) {
    assert.match(out.stdout, line);
  }
});
