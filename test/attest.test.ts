/**
 * Agent attestation: the identity a run records (executable, npm package and version, platform
 * packages, hashes), pins in policy, and `glassbox run` refusing an agent that is not pinned.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { agentIdentity, HashCache } from '../src/attest/identity.js';
import { checkPins } from '../src/attest/pin.js';
import { actors, glassbox, makeWorkspace, writePolicy } from './helpers.js';

/** A fake npm-installed agent whose wrapper runs a binary from a platform package. */
function fakeInstall(): { root: string; bin: string; platformBin: string } {
  const root = mkdtempSync(join(tmpdir(), 'gb-attest-'));
  const pkg = join(root, 'node_modules', 'fake-agent');
  const platform = join(root, 'node_modules', 'fake-agent-linux-x64');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  mkdirSync(join(platform, 'vendor'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'fake-agent', version: '1.4.2', optionalDependencies: { 'fake-agent-linux-x64': '1.4.2', 'fake-agent-darwin-arm64': '1.4.2' } }));
  writeFileSync(join(pkg, 'bin', 'agent.js'), '#!/usr/bin/env node\nconsole.log("fake agent")\n');
  chmodSync(join(pkg, 'bin', 'agent.js'), 0o755);
  writeFileSync(join(platform, 'package.json'), JSON.stringify({ name: 'fake-agent-linux-x64', version: '1.4.2' }));
  writeFileSync(join(platform, 'vendor', 'agent-bin'), 'binary v1');
  return { root, bin: join(pkg, 'bin', 'agent.js'), platformBin: join(platform, 'vendor', 'agent-bin') };
}

describe('agent identity', () => {
  it('names the package, version and installed platform packages; the digest follows the binary a wrapper starts', () => {
    const { root, bin, platformBin } = fakeInstall();
    const cache = new HashCache(join(root, 'cache.json'));
    const id = agentIdentity(bin, undefined, root, cache);
    assert.equal(id.resolved, bin);
    assert.deepEqual([id.npmPackage?.name, id.npmPackage?.version, id.npmPackage?.files], ['fake-agent', '1.4.2', 2]);
    assert.deepEqual(id.platformPackages?.map((p) => p.name), ['fake-agent-linux-x64'], 'platform packages that are not installed are skipped');
    assert.match(id.digest!, /^[0-9a-f]{64}$/);
    assert.equal(agentIdentity(bin, undefined, root, new HashCache(join(root, 'cache.json'))).digest, id.digest, 'cached hashes give the same digest');
    writeFileSync(platformBin, 'binary v2 (swapped)');
    const swapped = agentIdentity(bin, undefined, root, new HashCache(join(root, 'cache.json')));
    assert.equal(swapped.npmPackage?.sha256, id.npmPackage?.sha256, "the wrapper's own files did not change");
    assert.notEqual(swapped.digest, id.digest, 'but the digest did: the cache noticed the changed file');
  });

  it('pins: package, version glob and digest must all match; the refusal says why and how to pin', () => {
    const { root, bin } = fakeInstall();
    const id = agentIdentity(bin, undefined, root);
    assert.deepEqual(checkPins({ allow: [], onMismatch: 'refuse' }, id), { ok: true });
    assert.deepEqual(checkPins({ allow: [{ package: 'other' }, { package: 'fake-agent', version: '1.4.*', sha256: id.digest! }], onMismatch: 'refuse' }, id), { ok: true, pin: 1 });
    const v = checkPins({ allow: [{ package: 'fake-agent', version: ['1.3.*', '2.*'] }, { package: 'fake-agent', sha256: 'a'.repeat(64) }], onMismatch: 'refuse' }, id);
    assert.equal(v.ok, false);
    assert.match((v as { reason: string }).reason, /^agent fake-agent@1\.4\.2 matches no agents\.allow entry \(version 1\.4\.2 is not 1\.3\.\* or 2\.\*; digest [0-9a-f]{16}… is not a pinned one\); `glassbox attest -- .*agent\.js` prints a pin for it$/);
  });
});

for (const actor of actors()) {
  describe(`glassbox run with pinned agents as ${actor.kind}`, () => {
    it('runs the pinned agent, refuses a changed one before anything starts, warns when told to', async () => {
      const ws = makeWorkspace(actor);
      const agent = join(ws, 'agent.sh');
      writeFileSync(agent, '#!/bin/sh\necho agent-ran > ran.txt\necho agent-ran\n');
      chmodSync(agent, 0o755);
      const attest = await glassbox(actor, ['attest', '--json', '--', agent], { cwd: ws });
      assert.equal(attest.code, 0, attest.stderr);
      const id = JSON.parse(attest.stdout) as { resolved: string; digest: string };
      assert.equal(id.resolved, agent);
      const pinned = writePolicy(actor, `agents:\n  allow:\n    - path: ${agent}\n      sha256: ${id.digest}\n`);
      const ok = await glassbox(actor, ['run', '--policy', pinned, '--workspace', ws, '--', agent], { cwd: ws });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /agent-ran/);
      assert.match(ok.stderr, /agent .*agent\.sh \(digest [0-9a-f]{16}…\) \(pinned by agents\.allow\[0\]\)/);
      // Someone (the agent itself, in its last session) changes the agent.
      writeFileSync(agent, '#!/bin/sh\necho changed > changed.txt\n');
      const refused = await glassbox(actor, ['run', '--policy', pinned, '--workspace', ws, '--', agent], { cwd: ws });
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^glassbox: refusing to start: agent .*agent\.sh matches no agents\.allow entry \(digest [0-9a-f]{16}… is not a pinned one\)/m);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      const warned = await glassbox(actor, ['run', '--policy', writePolicy(actor, `agents:\n  onMismatch: warn\n  allow:\n    - path: ${agent}\n      sha256: ${id.digest}\n`), '--workspace', ws, '--', agent], { cwd: ws });
      assert.equal(warned.code, 0, warned.stderr);
      assert.match(warned.stderr, /warning: agent .* matches no agents\.allow entry .*\(agents\.onMismatch: warn\)/);
    });
  });
}

describe('glassbox attest', () => {
  it('prints the identity of a real agent CLI and a pin for it', async () => {
    const actor = actors()[0]!;
    const out = await glassbox(actor, ['attest', '--', 'claude'], { pathPrefix: join(actor.repo, 'node_modules', '.bin') });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^agent +@anthropic-ai\/claude-code@\d+\.\d+\.\d+ \(digest [0-9a-f]{16}…/m);
    assert.match(out.stdout, /package: "@anthropic-ai\/claude-code"\n +version: "\d+\.\d+\.\d+"\n +sha256: [0-9a-f]{64}/);
    const missing = await glassbox(actor, ['attest', '--', 'no-such-agent-xyz']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'glassbox: no-such-agent-xyz is not on PATH; give the command as you would run it\n');
  });
});
