import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { homedir } from 'node:os';
import { dataDir } from '../audit/store.js';
import { which } from '../sandbox/resolve-command.js';

export interface PackageIdentity {
  name: string;
  version: string;
  /** Tree hash of the package's own files (nested node_modules excluded). */
  sha256: string;
  files: number;
}

/** What a session actually ran. */
export interface AgentIdentity {
  /** argv[0] as given. */
  command: string;
  /** The executable it resolved to on the host, symlinks followed. */
  resolved?: string;
  /** sha256 of that file. */
  sha256?: string;
  /** The npm package that ships it, when it is one. */
  npmPackage?: PackageIdentity;
  /** Installed platform packages the wrapper runs (Codex ships its binary as @openai/codex-linux-x64). */
  platformPackages?: PackageIdentity[];
  /**
   * The one hash a policy pins: over the package and its platform packages (so swapping the
   * binary a wrapper starts changes it), or the executable's own hash outside npm.
   */
  digest?: string;
}

/**
 * File hashes are cached by (path, size, mtime, inode): agents ship binaries of hundreds of MB
 * (Claude Code's is 235 MB, about a second to hash) and every run attests them.
 */
export class HashCache {
  private entries: Record<string, { key: string; sha256: string }>;
  private dirty = false;

  constructor(private readonly file?: string) {
    try {
      this.entries = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as typeof this.entries) : {};
    } catch {
      this.entries = {};
    }
  }

  /** The user's cache, beside the audit log. */
  static forHome(home = homedir()): HashCache {
    return new HashCache(join(dataDir(home), 'hash-cache.json'));
  }

  fileHash(path: string): string {
    const st = statSync(path);
    const key = `${st.size}:${st.mtimeMs}:${st.ino}:${st.ctimeMs}`;
    const hit = this.entries[path];
    if (hit && hit.key === key) return hit.sha256;
    const h = createHash('sha256');
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      let n: number;
      while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    const sha256 = h.digest('hex');
    this.entries[path] = { key, sha256 };
    this.dirty = true;
    return sha256;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      writeFileSync(this.file, JSON.stringify(this.entries), { mode: 0o600 });
    } catch {
      /* a cache that cannot be written only costs time */
    }
  }
}

/** sha256 over "relative-path NUL file-sha256 LF" for every file of a package, sorted by path. */
function packageTree(root: string, cache: HashCache): { sha256: string; files: number } {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.isFile()) files.push(p);
    }
  };
  walk(root);
  const lines = files.map((f) => relative(root, f).split(sep).join('/')).sort();
  const h = createHash('sha256');
  for (const rel of lines) h.update(`${rel}\0${cache.fileHash(join(root, rel))}\n`);
  return { sha256: h.digest('hex'), files: lines.length };
}

function readManifest(dir: string): { name?: string; version?: string; optionalDependencies?: Record<string, string> } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as never;
  } catch {
    return undefined;
  }
}

/** Where node would find `name` from `dir` (walking up node_modules folders). */
function findInstalled(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The resolved executable, its hash and, for npm installs, its package (and platform packages) with tree hashes. */
export function agentIdentity(argv0: string, pathVar: string | undefined, cwd: string, cache = new HashCache()): AgentIdentity {
  const found = which(argv0, pathVar, cwd);
  if (!found) return { command: argv0 };
  const resolved = realpathSync(found);
  const id: AgentIdentity = { command: argv0, resolved, sha256: cache.fileHash(resolved) };
  // Walk up to the nearest package.json inside node_modules (never beyond the package root).
  for (let dir = dirname(resolved); dir.includes(`${sep}node_modules${sep}`); dir = dirname(dir)) {
    const json = readManifest(dir);
    if (!json?.name || !json.version) continue;
    id.npmPackage = { name: json.name, version: json.version, ...packageTree(dir, cache) };
    const platform: PackageIdentity[] = [];
    for (const dep of Object.keys(json.optionalDependencies ?? {})) {
      const at = findInstalled(dep, dir);
      const m = at ? readManifest(at) : undefined;
      if (at && m?.name && m.version) platform.push({ name: m.name, version: m.version, ...packageTree(at, cache) });
    }
    if (platform.length > 0) id.platformPackages = platform;
    break;
  }
  const parts = id.npmPackage ? [id.npmPackage, ...(id.platformPackages ?? [])].map((p) => `${p.name}@${p.version} ${p.sha256}\n`) : [];
  id.digest = parts.length > 0 ? createHash('sha256').update(parts.join('')).digest('hex') : id.sha256;
  cache.save();
  return id;
}

/** One line: package and version with its tree hash, or the executable with its hash. */
export function describeAgent(id: AgentIdentity): string {
  if (id.npmPackage) return `${id.npmPackage.name}@${id.npmPackage.version} (digest ${id.digest!.slice(0, 16)}…, ${id.resolved})`;
  if (id.resolved) return `${id.resolved} (digest ${id.digest!.slice(0, 16)}…)`;
  return `${id.command} (not found on PATH)`;
}

/** A policy snippet that pins exactly this agent. */
export function pinFor(id: AgentIdentity): string {
  if (id.npmPackage) return `agents:\n  allow:\n    - package: "${id.npmPackage.name}"\n      version: "${id.npmPackage.version}"\n      sha256: ${id.digest}\n`;
  return `agents:\n  allow:\n    - path: ${id.resolved}\n      sha256: ${id.digest}\n`;
}
