/**
 * Test fixtures: real users, real homes with planted secrets, real workspaces, and the real
 * `glassbox` CLI run as a child process (no part of Glassbox is mocked).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const IS_ROOT = process.getuid?.() === 0;
export const TEST_USER = 'glassbox-test';

/** Secrets planted where an agent should never reach them; any of these in output is an escape. */
export const CANARY = {
  ssh: 'GLASSBOX-CANARY-SSH-7f3a',
  aws: 'GLASSBOX-CANARY-AWS-91bc',
  env: 'GLASSBOX-CANARY-ENV-c0de',
  other: 'GLASSBOX-CANARY-OTHERUSER-55aa',
};

export interface Actor {
  /** 'root' or 'user': who runs glassbox. */
  kind: 'root' | 'user';
  username: string;
  uid: number;
  gid: number;
  /** The HOME glassbox runs with, holding planted secrets. */
  home: string;
  /** Repository path this actor can read (a hard-linked copy when the clone is private). */
  repo: string;
}

function sh(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function plantSecrets(home: string, uid: number, gid: number): void {
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, '.ssh', 'id_ed25519'), `-----BEGIN OPENSSH PRIVATE KEY-----\n${CANARY.ssh}\n-----END OPENSSH PRIVATE KEY-----\n`, { mode: 0o600 });
  mkdirSync(join(home, '.aws'), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, '.aws', 'credentials'), `[default]\naws_secret_access_key = ${CANARY.aws}\n`, { mode: 0o600 });
  for (const p of ['.ssh', '.ssh/id_ed25519', '.aws', '.aws/credentials', '']) chownSync(join(home, p), uid, gid);
}

let cachedActors: Actor[] | undefined;

/** Everyone the sandbox tests run as: root (when we are root) and an unprivileged user. */
export function actors(): Actor[] {
  if (cachedActors) return cachedActors;
  const list: Actor[] = [];
  if (IS_ROOT) {
    if (sh('id', ['-u', TEST_USER]).status !== 0) {
      const r = sh('useradd', ['--create-home', '--shell', '/bin/bash', TEST_USER]);
      if (r.status !== 0) throw new Error(`useradd ${TEST_USER} failed: ${r.stderr}`);
    }
    const uid = Number(sh('id', ['-u', TEST_USER]).stdout.trim());
    const gid = Number(sh('id', ['-g', TEST_USER]).stdout.trim());
    const userHome = `/home/${TEST_USER}`;
    mkdirSync(userHome, { recursive: true });
    chownSync(userHome, uid, gid);
    plantSecrets(userHome, uid, gid);
    // A file of this user's that root's box must not see either.
    writeFileSync(join(userHome, 'private.txt'), CANARY.other, { mode: 0o600 });
    chownSync(join(userHome, 'private.txt'), uid, gid);

    // Root gets a throwaway HOME so the tests never touch the machine's real /root.
    const rootHome = mkdtempSync(join(tmpdir(), 'gb-roothome-'));
    plantSecrets(rootHome, 0, 0);
    list.push({ kind: 'root', username: 'root', uid: 0, gid: 0, home: rootHome, repo: REPO });
    list.push({ kind: 'user', username: TEST_USER, uid, gid, home: userHome, repo: repoFor(TEST_USER) });
  } else {
    const uid = process.getuid!();
    const gid = process.getgid!();
    const home = mkdtempSync(join(tmpdir(), 'gb-home-'));
    plantSecrets(home, uid, gid);
    list.push({ kind: 'user', username: sh('id', ['-un']).stdout.trim(), uid, gid, home, repo: REPO });
  }
  cachedActors = list;
  return list;
}

/** A path to the repository the user can read; CI may clone somewhere private to root. */
function repoFor(user: string): string {
  const probe = sh('runuser', ['-u', user, '--', 'test', '-r', join(REPO, 'dist', 'src', 'cli', 'main.js')]);
  if (probe.status === 0 && sh('runuser', ['-u', user, '--', 'test', '-x', join(REPO, 'node_modules', '.bin')]).status === 0) return REPO;
  // Made afresh each run, so that it never lags behind the build or the installed packages.
  const copy = join(tmpdir(), 'glassbox-test-repo');
  sh('rm', ['-rf', copy]);
  {
    mkdirSync(copy, { recursive: true });
    for (const part of ['package.json', 'bin', 'dist', 'node_modules']) {
      // Hard links: no extra space and the same file modes; fall back to a copy across filesystems.
      const r = sh('cp', ['-al', join(REPO, part), copy]);
      if (r.status !== 0) sh('cp', ['-a', join(REPO, part), copy]);
    }
  }
  sh('chmod', ['-R', 'a+rX', copy]);
  return copy;
}

/** A fresh git workspace owned by the actor. */
export function makeWorkspace(actor: Actor, files: Record<string, string> = {}): string {
  const ws = mkdtempSync(join(tmpdir(), 'gb-ws-'));
  const git = spawnSync('git', ['init', '-q', ws], { encoding: 'utf8' });
  if (git.status !== 0) throw new Error(`git init failed: ${git.stderr}`);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(ws, rel)), { recursive: true });
    writeFileSync(join(ws, rel), content);
  }
  sh('chown', ['-R', `${actor.uid}:${actor.gid}`, ws]);
  chmodSync(ws, 0o755);
  return ws;
}

export function writePolicy(actor: Actor, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gb-policy-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, yaml);
  chmodSync(dir, 0o755);
  chmodSync(file, 0o644);
  void actor;
  return file;
}

export interface RunOutput {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface GlassboxRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  /** Prepended to the host PATH (e.g. node_modules/.bin). */
  pathPrefix?: string;
}

/** The env an actor's shell would have, plus a secret that must never enter the box. */
export function actorEnv(actor: Actor, extra: Record<string, string> = {}, pathPrefix?: string): Record<string, string> {
  const basePath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return {
    PATH: pathPrefix ? `${pathPrefix}:${basePath}` : basePath,
    HOME: actor.home,
    USER: actor.username,
    LANG: 'C.UTF-8',
    TERM: process.env.TERM ?? 'xterm',
    AWS_SECRET_ACCESS_KEY: CANARY.env,
    GITHUB_TOKEN: CANARY.env,
    ...extra,
  };
}

/** argv that runs `cmd` as the actor with the given env (root runs directly). */
export function asActor(actor: Actor, env: Record<string, string>, cmd: string[]): string[] {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  if (actor.kind === 'root' || !IS_ROOT) return ['env', '-i', ...envArgs, ...cmd];
  return ['runuser', '-u', actor.username, '--', 'env', '-i', ...envArgs, ...cmd];
}

/** Runs the real glassbox CLI as the actor. */
export function glassbox(actor: Actor, args: string[], opts: GlassboxRunOptions = {}): Promise<RunOutput> {
  const argv = asActor(actor, actorEnv(actor, opts.env, opts.pathPrefix), [process.execPath, join(actor.repo, 'bin', 'glassbox.js'), ...args]);
  return runProcess(argv, { ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.input ? { input: opts.input } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
}

export function runProcess(
  argv: string[],
  opts: { cwd?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunOutput> {
  return new Promise((resolvePromise) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd ?? tmpdir(), stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a shell script inside the box as the actor, in a fresh workspace unless one is given. */
export async function inBox(actor: Actor, script: string, opts: GlassboxRunOptions & { workspace?: string; policy?: string } = {}): Promise<RunOutput & { workspace: string }> {
  const workspace = opts.workspace ?? makeWorkspace(actor);
  const args = ['run', '--quiet', '--workspace', workspace, ...(opts.policy ? ['--policy', opts.policy] : []), '--', 'bash', '-c', script];
  const out = await glassbox(actor, args, { ...opts, cwd: workspace });
  return { ...out, workspace };
}

export function toolAvailable(name: string): boolean {
  return sh('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** A real agent CLI (from node_modules) in `glassbox run`, its API host routed to a local mock-llm. */
export function runRoutedAgent(
  actor: Actor,
  o: { preset: string; host: string; mockPort: number; workspace: string; command: string[]; env: Record<string, string>; policyExtra?: string },
): Promise<RunOutput> {
  const policy = writePolicy(actor, `preset: ${o.preset}\nnetwork:\n  route:\n    ${o.host}: http://127.0.0.1:${o.mockPort}\n${o.policyExtra ?? ''}`);
  return glassbox(actor, ['run', '--policy', policy, '--workspace', o.workspace, '--', ...o.command], {
    cwd: o.workspace,
    pathPrefix: join(actor.repo, 'node_modules', '.bin'),
    env: o.env,
    timeoutMs: 120_000,
  });
}

/** The events of the session a `glassbox run` names on stderr ("events in FILE"). */
export function sessionEvents<T = Record<string, unknown>>(stderr: string): T[] {
  const file = /events in (\S+)/.exec(stderr)?.[1];
  if (!file) throw new Error(`no session log named in:\n${stderr}`);
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);
}

/**
 * Starts a long-running command (`glassbox ui`, `glassbox hub`) and resolves with its first line
 * of output, which names the address it serves; rejects if it exits first.
 */
export function startServing(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, line: out.slice(0, nl) });
    });
    child.once('exit', (code) => reject(new Error(`${argv.slice(0, 4).join(' ')} exited ${code}: ${err}`)));
  });
}
