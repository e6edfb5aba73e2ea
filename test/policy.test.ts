/**
 * Policy files: precise file:line errors, the JSON Schema, the effective policy.
 * The validator runs in-process; the CLI checks run the real binary.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadPolicy, mergePolicies, parseSize, PolicyError } from '../src/policy/load.js';
import { DEFAULTS, PRESETS } from '../src/policy/presets.js';
import { policySchema } from '../src/policy/schema.js';
import { parseAndValidate } from '../src/policy/validate.js';
import { REPO, runProcess } from './helpers.js';

function issues(yaml: string): string[] {
  return parseAndValidate(yaml, policySchema).issues.map((i) => `${i.line}:${i.column}: ${i.message}`);
}

function policyFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gb-pol-'));
  const f = join(dir, 'policy.yaml');
  writeFileSync(f, yaml);
  return f;
}

// A HOME without ~/.config/glassbox, so the default policy file never leaks into these checks.
const cleanHome = mkdtempSync(join(tmpdir(), 'gb-clihome-'));
const cli = (...args: string[]) =>
  runProcess([process.execPath, join(REPO, 'bin', 'glassbox.js'), ...args], { env: { PATH: process.env.PATH, HOME: cleanHome } });

describe('policy validation', () => {
  it('accepts a complete, valid policy', () => {
    const yaml = `version: 1
preset: claude
workspace: ~/src/app
filesystem:
  read: [/opt/shared]
  write: [~/scratch]
  deny: [secrets, ~/.kube]
  protect: [deploy/hooks]
  unprotect: [.vscode]
home:
  - path: ~/.gitconfig
    mode: ro
env:
  pass: [CLAUDE_CODE_*, MY_VAR]
  set: { NODE_ENV: development }
  tz: UTC
network:
  allow:
    - host: api.anthropic.com
    - host: "*.githubusercontent.com"
      port: [443, 80]
limits:
  processes: 512
  memory: 4G
  fileSize: 512M
  openFiles: 4096
`;
    assert.deepEqual(issues(yaml), []);
  });

  it('reports an unknown key with its line, a suggestion and the allowed keys', () => {
    const got = issues('version: 1\nnetwrok:\n  allow: []\n');
    assert.equal(got.length, 1);
    assert.match(got[0]!, /^2:1: netwrok: unknown key \(did you mean `network`\?\); allowed here: version, preset, workspace/);
  });

  it('reports wrong types and ranges at the value', () => {
    const got = issues('network:\n  allow:\n    - host: api.example.com\n      port: https\nlimits:\n  processes: 3\n');
    assert.deepEqual(got, [
      '4:13: network.allow[0].port: expected a port number 1-65535 or a list of them (default 443), got the text "https"',
      '6:14: limits.processes: expected a whole number 16-1000000, got 3',
    ]);
  });

  it('explains patterns in words: hosts, sizes, home paths, env names', () => {
    const got = issues(
      'network:\n  allow:\n    - host: "https://api.example.com"\nlimits:\n  memory: lots\nhome:\n  - path: /etc/passwd\nenv:\n  pass: ["BAD-NAME"]\n',
    );
    assert.equal(got.length, 4);
    assert.match(got[0]!, /^3:13: network\.allow\[0\]\.host: expected a host name such as `api\.anthropic\.com`/);
    assert.match(got[1]!, /^5:11: limits\.memory: expected a size such as `512M`/);
    assert.match(got[2]!, /^7:11: home\[0\]\.path: expected a path inside the home directory written as `~\/\.\.\.`/);
    assert.match(got[3]!, /^9:10: env\.pass\[0\]: expected an environment variable name/);
  });

  it('reports missing required keys, empty values and bad enums', () => {
    const got = issues('preset: cursor\nnetwork:\n  allow:\n    - port: 443\nfilesystem:\n  read:\n');
    assert.deepEqual(got, [
      '1:9: preset: expected one of "claude", "codex", "gemini", "none", got the text "cursor"',
      '4:7: network.allow[0]: missing required key `host`',
      '6:3: filesystem.read: has no value; expected a list',
    ]);
  });

  it('rejects workspace-escaping protected paths', () => {
    const got = issues('filesystem:\n  protect: ["../outside", "/abs"]\n');
    assert.equal(got.length, 2);
    assert.match(got[0]!, /^2:13: filesystem\.protect\[0\]: expected a path relative to the workspace, without `\.\.`/);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    assert.match(issues('network:\n  allow: [\n')[0]!, /^\d+:\d+: YAML syntax: /);
    const dup = issues('preset: claude\npreset: codex\n');
    assert.equal(dup.length, 1);
    assert.match(dup[0]!, /^2:1: YAML syntax: .*[Mm]ap keys must be unique/);
  });

  it('treats an empty file as an empty policy', () => {
    assert.deepEqual(issues(''), []);
  });
});

describe('effective policy', () => {
  it('merges defaults, preset and file: lists add up, later scalars win, unprotect removes', () => {
    const p = mergePolicies(
      [DEFAULTS, PRESETS.claude, { filesystem: { unprotect: ['.claude'] }, network: { allow: [{ host: 'Example.COM', port: [80, 80] }] }, limits: { processes: 99 } }],
      'claude',
    );
    assert.deepEqual(
      p.network.allow.map((r) => `${r.host}:${r.ports.join(',')}`),
      ['api.anthropic.com:443', 'example.com:80'],
    );
    assert.equal(p.limits.processes, 99);
    assert.equal(p.limits.memory, '8G');
    assert.ok(!p.filesystem.protect.includes('.claude'));
    assert.ok(p.filesystem.protect.includes('.git/hooks'));
    assert.equal(p.env.set.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, '1');
  });

  it('hashes meaning, not formatting', () => {
    const a = loadPolicy({ file: policyFile('network:\n  allow:\n    - host: a.example\n      port: 443\n') });
    const b = loadPolicy({ file: policyFile('# comment\nnetwork: {allow: [{port: 443, host: a.example}]}\n') });
    const c = loadPolicy({ file: policyFile('network: {allow: [{host: b.example}]}\n') });
    assert.equal(a.hash, b.hash);
    assert.notEqual(a.hash, c.hash);
  });

  it('throws a PolicyError naming the file for invalid files', () => {
    const f = policyFile('limits:\n  memory: 12 apples\n');
    assert.throws(() => loadPolicy({ file: f }), (err: unknown) => err instanceof PolicyError && err.message.startsWith(`${f}:2:11: limits.memory`));
  });

  it('parses sizes', () => {
    assert.equal(parseSize('512M'), 512 * 1024 * 1024);
    assert.equal(parseSize('8G'), 8 * 1024 ** 3);
    assert.equal(parseSize('100'), 100);
    assert.equal(parseSize('unlimited'), undefined);
  });
});

describe('glassbox policy (CLI)', () => {
  it('check: valid file → exit 0 with its hash', async () => {
    const out = await cli('policy', 'check', policyFile('preset: codex\n'));
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /: valid \(effective policy sha256:[0-9a-f]{64}\)/);
  });

  it('check: every problem as file:line:col, exit 2, no stack trace', async () => {
    const f = policyFile('netwrok: {}\nlimits:\n  processes: many\n');
    const out = await cli('policy', 'check', f);
    assert.equal(out.code, 2);
    const lines = out.stderr.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`^${f}:1:1: netwrok: unknown key`));
    assert.match(lines[1]!, new RegExp(`^${f}:3:14: limits.processes: expected a whole number`));
    assert.doesNotMatch(out.stderr, /\n\s+at /);
  });

  it('check: a missing file is one clear line', async () => {
    const out = await cli('policy', 'check', '/nonexistent/policy.yaml');
    assert.equal(out.code, 2);
    assert.equal(out.stderr, 'glassbox: cannot read policy /nonexistent/policy.yaml: no such file; pass an existing YAML file with --policy\n');
  });

  it('schema: a JSON Schema that describes every top-level key', async () => {
    const out = await cli('policy', 'schema');
    assert.equal(out.code, 0);
    const schema = JSON.parse(out.stdout) as { $schema: string; properties: Record<string, unknown>; additionalProperties: boolean };
    assert.match(schema.$schema, /json-schema\.org/);
    assert.deepEqual(Object.keys(schema.properties), ['version', 'preset', 'workspace', 'filesystem', 'home', 'env', 'network', 'credentials', 'audit', 'dlp', 'agents', 'tools', 'limits']);
    assert.equal(schema.additionalProperties, false);
  });

  it('check: a custom DLP regex that could backtrack catastrophically is refused in one line', async () => {
    const f = policyFile("dlp:\n  custom:\n    - id: slow\n      regex: '(a+)+$'\n");
    const out = await cli('policy', 'check', f);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /^glassbox: .*: dlp\.custom: rule slow: regex refused: a repeated group contains a repetition/);
    assert.equal(out.stderr.trim().split('\n').length, 1);
  });

  it('check: tool rules are checked with their line (action, empty pattern lists)', async () => {
    const f = policyFile("tools:\n  rules:\n    - action: block\n      command: 'rm *'\n    - action: deny\n      path: []\n");
    const out = await cli('policy', 'check', f);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /:3:\d+: tools\.rules\[0\]\.action: expected one of "allow", "ask", "deny", got the text "block"/);
    assert.match(out.stderr, /:6:\d+: tools\.rules\[1\]\.path: expected a pattern, or a list of patterns, got a list/);
  });

  it('show: the effective policy with preset applied, as YAML or JSON', async () => {
    const f = policyFile('network:\n  allow:\n    - host: internal.example.com\n');
    const yaml = await cli('policy', 'show', '--policy', f, '--preset', 'gemini');
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^# sha256:[0-9a-f]{64}$/m);
    assert.match(yaml.stdout, /host: generativelanguage\.googleapis\.com/);
    assert.match(yaml.stdout, /host: internal\.example\.com/);
    const json = await cli('policy', 'show', '--policy', f, '--json');
    const parsed = JSON.parse(json.stdout) as { policy: { preset: string; network: { allow: unknown[] } } };
    assert.equal(parsed.policy.preset, 'none');
    assert.equal(parsed.policy.network.allow.length, 1);
  });
});
