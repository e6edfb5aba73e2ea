/**
 * The reach checker: looks at what this process can reach and says so as JSON. The same code
 * runs bare (in the `glassbox reach` process) and inside the box (as `node -e`), so both
 * columns of the report come from one implementation. It imports only Node built-ins because
 * inside the box it is passed as source text: the repository is not visible there.
 *
 * It reports facts (readable, writable, connectable, routable, file identity and content
 * hashes), never contents: no secret leaves this checker.
 */
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { accessSync, closeSync, constants, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';

export type Check =
  | { id: string; type: 'read'; path: string }
  | { id: string; type: 'write'; path: string }
  | { id: string; type: 'socket'; path: string }
  | { id: string; type: 'env' }
  | { id: string; type: 'route'; address: string }
  | { id: string; type: 'proxy'; host: string; port: number }
  | { id: string; type: 'setgid'; path: string };

export interface ReadResult {
  exists: boolean;
  readable: boolean;
  kind?: 'file' | 'dir' | 'other';
  /** dev:ino of the object: a bind mount shows the host's own; a copy or decoy does not. */
  identity?: string;
  /** sha256 of the file, or of the files below a directory (bounded): a copy shows the host's. */
  hashes?: string[];
}
export interface WriteResult {
  /** The path that would be written: the object itself, or its nearest existing ancestor. */
  target: string;
  exists: boolean;
  writable: boolean;
  identity?: string;
}
export interface SocketResult {
  exists: boolean;
  connectable: boolean;
  error?: string;
}
export interface EnvResult {
  /** Variable name to sha256 of its value. */
  vars: Record<string, string>;
}
export interface RouteResult {
  routable: boolean;
  error?: string;
}
export interface ProxyResult {
  /** No proxy variable in this environment. */
  noProxy?: boolean;
  status?: number;
  reason?: string;
  error?: string;
}
export interface SetgidResult {
  exists: boolean;
  /** The set-group-id bit takes effect here (no_new_privs is off). */
  effective: boolean;
}
export type CheckResult = ReadResult | WriteResult | SocketResult | EnvResult | RouteResult | ProxyResult | SetgidResult;

/** Directory walks stay small: enough to recognise a copy, never a crawl of a browser profile. */
const WALK_FILES = 64;
const WALK_DEPTH = 2;
const HASH_MAX = 1 << 20;
const TIMEOUT_MS = 3000;

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function identityOf(st: { dev: number | bigint; ino: number | bigint }): string {
  return `${st.dev}:${st.ino}`;
}

function can(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** sha256 of the first HASH_MAX bytes; undefined when the file cannot be read. */
function hashFile(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(HASH_MAX);
    const n = readSync(fd, buf, 0, HASH_MAX, 0);
    return sha256(buf.subarray(0, n));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function walkHashes(dir: string, depth: number, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (out.length >= WALK_FILES) return;
    const p = join(dir, name);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isFile() && st.size > 0) {
      const h = hashFile(p);
      if (h) out.push(h);
    } else if (st.isDirectory() && depth > 0) walkHashes(p, depth - 1, out);
  }
}

function checkRead(path: string): ReadResult {
  let st;
  try {
    st = statSync(path);
  } catch {
    return { exists: false, readable: false };
  }
  const identity = identityOf(st);
  if (st.isDirectory()) {
    const readable = can(path, constants.R_OK | constants.X_OK);
    const hashes: string[] = [];
    if (readable) walkHashes(path, WALK_DEPTH, hashes);
    return { exists: true, readable, kind: 'dir', identity, hashes };
  }
  const hash = st.isFile() ? hashFile(path) : undefined;
  return { exists: true, readable: hash !== undefined, kind: st.isFile() ? 'file' : 'other', identity, hashes: hash ? [hash] : [] };
}

function checkWrite(path: string): WriteResult {
  let target = path;
  for (;;) {
    try {
      const st = statSync(target);
      return { target, exists: target === path, writable: can(target, constants.W_OK), identity: identityOf(st) };
    } catch {
      const up = dirname(target);
      if (up === target) return { target, exists: false, writable: false };
      target = up;
    }
  }
}

function checkSocket(path: string): Promise<SocketResult> {
  try {
    if (!lstatSync(path).isSocket()) return Promise.resolve({ exists: true, connectable: false, error: 'not a socket' });
  } catch {
    return Promise.resolve({ exists: false, connectable: false });
  }
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (r: SocketResult) => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ exists: true, connectable: false, error: 'timed out' }), TIMEOUT_MS);
    s.once('connect', () => done({ exists: true, connectable: true }));
    s.once('error', (e: NodeJS.ErrnoException) => done({ exists: true, connectable: false, error: e.code ?? e.message }));
  });
}

/**
 * Whether the kernel has a route to an address. A UDP connect() only selects a route: it sends
 * no packet, so this asks the question without touching the network.
 */
function checkRoute(address: string): Promise<RouteResult> {
  return new Promise((resolve) => {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const done = (r: RouteResult) => {
      try {
        s.close();
      } catch {
        /* already closed */
      }
      resolve(r);
    };
    const fail = (e: NodeJS.ErrnoException) => done({ routable: false, error: e.code ?? e.message });
    s.once('error', fail);
    // Node hands a failed connect() to the callback, not to 'error'.
    (s.connect as (port: number, address: string, cb: (err?: NodeJS.ErrnoException) => void) => void).call(s, 9, address, (err) => (err ? fail(err) : done({ routable: true })));
  });
}

function proxyUrl(env: NodeJS.ProcessEnv): URL | undefined {
  const raw = env.HTTPS_PROXY ?? env.https_proxy ?? env.ALL_PROXY ?? env.all_proxy;
  if (!raw) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** Asks the environment's proxy to CONNECT to host:port and reads only the status line. */
function checkProxy(host: string, port: number, env: NodeJS.ProcessEnv): Promise<ProxyResult> {
  const url = proxyUrl(env);
  if (!url || !/^https?:$/.test(url.protocol)) return Promise.resolve({ noProxy: true });
  return new Promise((resolve) => {
    const s = connect({ host: url.hostname, port: Number(url.port || 80) });
    let head = '';
    const done = (r: ProxyResult) => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ error: 'timed out' }), TIMEOUT_MS * 3);
    s.once('connect', () => s.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0 && head.length < 8192) return;
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const body = end >= 0 ? head.slice(end + 4) : '';
      const reason = /glassbox: ([^\n]*)/.exec(body)?.[1];
      done({ status, ...(reason ? { reason } : {}) });
    });
    s.once('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    s.once('end', () => done({ error: 'proxy closed the connection' }));
  });
}

function checkSetgid(path: string): SetgidResult {
  let st;
  try {
    st = statSync(path);
  } catch {
    return { exists: false, effective: false };
  }
  let noNewPrivs = false;
  try {
    noNewPrivs = /^NoNewPrivs:\s*1/m.test(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    /* unknown: assume the bit works */
  }
  return { exists: true, effective: (st.mode & 0o2000) !== 0 && !noNewPrivs && can(path, constants.X_OK) };
}

export async function runChecks(checks: readonly Check[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, CheckResult>> {
  const out: Record<string, CheckResult> = {};
  for (const c of checks) {
    switch (c.type) {
      case 'read':
        out[c.id] = checkRead(c.path);
        break;
      case 'write':
        out[c.id] = checkWrite(c.path);
        break;
      case 'socket':
        out[c.id] = await checkSocket(c.path);
        break;
      case 'env':
        out[c.id] = { vars: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, sha256(v ?? '')])) };
        break;
      case 'route':
        out[c.id] = await checkRoute(c.address);
        break;
      case 'proxy':
        out[c.id] = await checkProxy(c.host, c.port, env);
        break;
      case 'setgid':
        out[c.id] = checkSetgid(c.path);
        break;
    }
  }
  return out;
}

/** The in-box entry point: `node --input-type=module -e SOURCE -- --glassbox-reach CHECKS_JSON`. */
export const BOX_FLAG = '--glassbox-reach';
const flagAt = process.argv.indexOf(BOX_FLAG);
if (flagAt > 0 && process.argv[flagAt + 1] !== undefined) {
  runChecks(JSON.parse(process.argv[flagAt + 1]!) as Check[]).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e: unknown) => {
      process.stderr.write(`reach checker: ${String(e)}\n`);
      process.exitCode = 3;
    },
  );
}
