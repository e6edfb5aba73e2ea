/**
 * The CLI's contract for bad input and broken machines: one clear line, a non-zero exit,
 * no stack trace, and never an agent run outside the sandbox.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, runProcess } from './helpers.js';

const home = mkdtempSync(join(tmpdir(), 'gb-clihome-'));
const GLASSBOX = join(REPO, 'bin', 'glassbox.js');
const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home };
const cli = (args: string[], extraEnv: Record<string, string> = {}) => runProcess([process.execPath, GLASSBOX, ...args], { env: { ...env, ...extraEnv } });

function oneLine(stderr: string): string {
  assert.equal(stderr.split('\n').filter(Boolean).length, 1, `expected one line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at |Error:/);
  return stderr.trim();
}

describe('glassbox CLI input errors', () => {
  it('unknown command', async () => {
    const out = await cli(['rnu']);
    assert.equal(out.code, 2);
    assert.equal(oneLine(out.stderr), 'glassbox: unknown command "rnu"; run `glassbox --help` for the list');
  });

  it('run with no command', async () => {
    const out = await cli(['run', '--preset', 'claude']);
    assert.equal(out.code, 2);
    assert.equal(oneLine(out.stderr), 'glassbox: no command given; usage: glassbox run [options] -- CMD ARGS...');
  });

  it('run with an unknown option, a missing value and a bad preset', async () => {
    const a = await cli(['run', '--polcy', 'x', '--', 'true']);
    assert.equal(a.code, 2);
    assert.match(oneLine(a.stderr), /^glassbox: unknown option --polcy for `glassbox run`; known options: --policy, --workspace/);
    const b = await cli(['run', '--policy']);
    assert.equal(oneLine(b.stderr), 'glassbox: option --policy needs a value (a policy YAML file)');
    const c = await cli(['run', '--preset', 'cursor', '--', 'true']);
    assert.equal(oneLine(c.stderr), 'glassbox: unknown preset "cursor"; choose one of claude, codex, gemini, none');
  });

  it('run with an invalid policy reports file:line and runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-cli-'));
    const policy = join(dir, 'p.yaml');
    writeFileSync(policy, 'network:\n  allow:\n    - host: bad host\n');
    const marker = join(dir, 'ran');
    const out = await cli(['run', '--policy', policy, '--workspace', dir, '--', 'touch', marker]);
    assert.equal(out.code, 2);
    assert.match(oneLine(out.stderr), new RegExp(`^${policy}:3:13: network\\.allow\\[0\\]\\.host: expected a host name`));
    assert.equal(existsSync(marker), false);
  });

  it('help and version exit 0', async () => {
    assert.match((await cli(['--help'])).stdout, /glassbox run \[options\] -- CMD ARGS/);
    assert.match((await cli(['run', '--help'])).stdout, /--workspace DIR/);
    assert.match((await cli(['--version'])).stdout, /^glassbox \d+\.\d+\.\d+\n$/);
  });
});

describe('a damaged audit log', () => {
  it('is reported in one line and never replaced silently', async () => {
    const h = mkdtempSync(join(tmpdir(), 'gb-badlog-'));
    const dir = join(h, '.local', 'share', 'glassbox');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'audit.db'), 'this is not a database, it was overwritten');
    const out = await cli(['verify'], { HOME: h });
    assert.equal(out.code, 2);
    assert.match(oneLine(out.stderr), /^glassbox: the audit log .*audit\.db cannot be opened \(file is not a database\); keep it for investigation and move it aside to start a new one$/);
    const ws = mkdtempSync(join(tmpdir(), 'gb-cli-'));
    const run = await cli(['run', '--workspace', ws, '--', '/usr/bin/touch', join(ws, 'ran')], { HOME: h });
    assert.equal(run.code, 2);
    assert.equal(existsSync(join(ws, 'ran')), false, 'nothing runs without its audit log');
  });
});

describe('glassbox run on machines that cannot sandbox', () => {
  it('without bubblewrap: names the package, exits non-zero, runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-cli-'));
    const marker = join(dir, 'ran');
    const out = await cli(['run', '--workspace', dir, '--', '/usr/bin/touch', marker], { PATH: '/nonexistent' });
    assert.equal(out.code, 2);
    assert.match(oneLine(out.stderr), /^glassbox: bubblewrap \(bwrap\) is not installed: run `sudo apt-get install bubblewrap`; glassbox never runs an agent unsandboxed$/);
    assert.equal(existsSync(marker), false);
  });

  it('without user namespaces (as in an unprivileged container): names the cause, runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-cli-'));
    const marker = join(dir, 'ran');
    // A real environment where the kernel refuses new user namespaces: a bwrap box with
    // user.max_user_namespaces=0, like a locked-down container.
    const out = await runProcess(
      ['bwrap', '--unshare-user', '--disable-userns', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--bind', tmpdir(), tmpdir(), '--',
        process.execPath, GLASSBOX, 'run', '--workspace', dir, '--', '/usr/bin/touch', marker],
      { env: { ...env } },
    );
    assert.equal(out.code, 2);
    assert.match(oneLine(out.stderr), /^glassbox: cannot sandbox: (user namespaces cannot be created here: this process runs inside a sandbox or container|user namespaces are disabled \(user\.max_user_namespaces=0\)).*Nothing was run\.$/);
    assert.equal(existsSync(marker), false);
  });
});
