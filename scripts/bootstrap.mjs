#!/usr/bin/env node
// Brings a fresh clone to a runnable state with nothing but Node installed:
// npm dependencies, the TypeScript build, and the system tools the sandbox needs.
// Plain JavaScript on purpose: it must run before any dependency exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const forTests = process.argv.includes('--tests');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function say(msg) {
  process.stderr.write(`bootstrap: ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) return { ok: false, why: r.error.message };
  return { ok: r.status === 0, why: `exit ${r.status}` };
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function onPath(bin) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, bin))) return true;
  }
  return false;
}

/** Debian keeps the server programs off PATH, under /usr/lib/postgresql/VERSION/bin. */
const POSTGRES_INITDB = 'postgresql initdb';
function postgresInstalled() {
  try {
    return readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')));
  } catch {
    return onPath('initdb');
  }
}

// 1. npm dependencies: install when missing or older than the lock file.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || mtime(lock) > mtime(installed)) {
  say('installing npm dependencies (better-sqlite3 compiles from source: about a minute)');
  // Native modules build from source: nothing is downloaded at install time.
  const env = { ...process.env, npm_config_build_from_source: 'true' };
  const r = existsSync(lock)
    ? run('npm', ['ci', '--no-audit', '--no-fund'], { env })
    : run('npm', ['install', '--no-audit', '--no-fund'], { env });
  if (!r.ok) {
    say(`npm install failed (${r.why}); check that the npm registry is reachable`);
    process.exit(1);
  }
}

// 2. The TypeScript build (incremental enough: tsc is a few seconds).
{
  // The server and CLI, then the dashboard page (browser types, its own config).
  for (const config of ['tsconfig.json', 'tsconfig.web.json']) {
    const r = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config]);
    if (!r.ok) {
      say(`TypeScript build failed for ${config} (see errors above)`);
      process.exit(1);
    }
  }
}

// 3. System tools. The sandbox needs bubblewrap and socat; the test suite also
// uses real network clients and tmux so that escape attempts are genuine.
const needed = [
  ['bwrap', 'bubblewrap'],
  ['socat', 'socat'],
];
// The exec trail uses strace; without it sessions run with that record off.
if (isRoot) needed.push(['strace', 'strace']);
if (forTests) {
  needed.push(['curl', 'curl'], ['wget', 'wget'], ['nc', 'netcat-openbsd'], ['tmux', 'tmux'], ['getent', 'libc-bin'], ['openssl', 'openssl']);
  // The hub's tests start their own PostgreSQL cluster; the dashboard's drive Debian's Chromium.
  needed.push(['chromium', 'chromium'], [POSTGRES_INITDB, 'postgresql']);
}
const missing = needed.filter(([bin]) => (bin === POSTGRES_INITDB ? !postgresInstalled() : !onPath(bin)));
if (missing.length > 0) {
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  if (isRoot) {
    say(`installing ${pkgs.join(' ')} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const upd = run('apt-get', ['update', '-qq'], { env });
    const ins = upd.ok ? run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env }) : upd;
    if (!ins.ok) {
      say(`apt-get failed (${ins.why}); install these packages by hand: ${pkgs.join(' ')}`);
      process.exit(1);
    }
  } else {
    say(`missing system packages: ${pkgs.join(' ')}; run: sudo apt-get install ${pkgs.join(' ')}`);
    process.exit(1);
  }
}
