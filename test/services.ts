/**
 * Real services the hub and dashboard tests use: a PostgreSQL cluster of their own (Debian's
 * server programs, started in a temp dir on a free loopback port) and Debian's Chromium
 * driven by playwright-core.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { IS_ROOT, TEST_USER, actors } from './helpers.js';

function pgBin(name: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', name))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length > 0) return join(base, versions[0]!, 'bin', name);
  return name;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Postgres {
  /** postgres://glassbox@127.0.0.1:PORT/ — append a database name. */
  base: string;
  /** A new, empty database; its URL. */
  database(name: string): Promise<string>;
  stop(): void;
}

/** A throwaway cluster. PostgreSQL refuses to run as root, so as root it runs as the test user. */
export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'gb-pg-'));
  const asUser = (argv: string[]) => (IS_ROOT ? ['runuser', '-u', TEST_USER, '--', ...argv] : argv);
  if (IS_ROOT) {
    actors(); // creates the test user
    const id = spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', TEST_USER], { encoding: 'utf8' });
    chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, 'data');
  const run = (argv: string[]) => {
    const full = asUser(argv);
    const r = spawnSync(full[0]!, full.slice(1), { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr || r.stdout || r.error}`);
  };
  run([pgBin('initdb'), '-D', data, '-U', 'glassbox', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  run([pgBin('pg_ctl'), '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, 'start']);
  const base = `postgres://glassbox@127.0.0.1:${port}/`;
  return {
    base,
    async database(name: string) {
      const c = new pg.Client({ connectionString: `${base}postgres` });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}"`);
        await c.query(`CREATE DATABASE "${name}"`);
      } finally {
        await c.end();
      }
      return `${base}${name}`;
    },
    stop() {
      const full = asUser([pgBin('pg_ctl'), '-D', data, '-m', 'immediate', 'stop']);
      spawnSync(full[0]!, full.slice(1), { cwd: dir });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with the flags that keep it off the (closed) network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
