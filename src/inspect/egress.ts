import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Inspector } from './chain.js';
import type { Flow } from './flow.js';
import { fingerprints } from './winnow.js';

const SKIP_DIRS = new Set(['.git', 'node_modules', 'dist', 'build', 'target', '.venv', 'venv', '__pycache__', '.next', 'vendor']);

/** Fingerprints of the workspace's text files, to recognise their content in outgoing requests. */
export class WorkspaceIndex {
  readonly files: { path: string; size: number; fingerprints: number }[] = [];
  private readonly owners = new Map<number, number[]>();
  readonly skipped: string[] = [];

  constructor(
    readonly root: string,
    limits = { maxFiles: 20_000, maxFileBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 },
  ) {
    let total = 0;
    const walk = (dir: string) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) walk(p);
          continue;
        }
        if (!e.isFile()) continue;
        if (this.files.length >= limits.maxFiles || total >= limits.maxTotalBytes) {
          this.skipped.push(relative(root, p));
          continue;
        }
        let size: number;
        try {
          size = statSync(p).size;
        } catch {
          continue;
        }
        if (size === 0 || size > limits.maxFileBytes) continue;
        let buf: Buffer;
        try {
          buf = readFileSync(p);
        } catch {
          continue;
        }
        if (buf.subarray(0, 8192).includes(0)) continue; // binary
        total += size;
        const fps = fingerprints(buf.toString('utf8'));
        if (fps.size === 0) continue;
        const idx = this.files.length;
        this.files.push({ path: relative(root, p), size, fingerprints: fps.size });
        for (const fp of fps) {
          const list = this.owners.get(fp);
          if (list) list.push(idx);
          else this.owners.set(fp, [idx]);
        }
      }
    };
    walk(root);
  }

  /** Files whose fingerprints appear in `text`, with how many and what share of each file. */
  attribute(text: string): { path: string; fingerprints: number; share: number }[] {
    const hits = new Map<number, number>();
    for (const fp of fingerprints(text)) for (const idx of this.owners.get(fp) ?? []) hits.set(idx, (hits.get(idx) ?? 0) + 1);
    const out: { path: string; fingerprints: number; share: number }[] = [];
    for (const [idx, n] of hits) {
      const f = this.files[idx]!;
      // Two shared fingerprints, or all of a tiny file's, is a real copy rather than a chance collision.
      if (n >= 2 || n === f.fingerprints) out.push({ path: f.path, fingerprints: n, share: Math.round((n / f.fingerprints) * 1000) / 1000 });
    }
    return out.sort((a, b) => b.fingerprints - a.fingerprints);
  }
}

export interface HostTotals {
  requests: number;
  bytesOut: number;
  novelBytes: number;
}

/** What left the machine during a session, across all flows. */
export class EgressLedger {
  private readonly seen = new Set<string>();
  readonly hosts = new Map<string, HostTotals>();
  /** file -> host -> how many requests newly carried its content. */
  readonly files = new Map<string, Map<string, number>>();

  /** Returns whether the block was new this session. */
  firstSighting(text: string): boolean {
    const h = createHash('sha256').update(text).digest('base64');
    if (this.seen.has(h)) return false;
    this.seen.add(h);
    return true;
  }
}

function headerBytes(flow: Flow): number {
  let n = flow.request.method.length + flow.request.path.length + 12;
  for (const [k, v] of Object.entries(flow.request.headers)) n += k.length + 4 + (Array.isArray(v) ? v.join(', ').length : String(v ?? '').length);
  return n;
}

/**
 * Counts bytes out per request, the part of it never sent before (agents resend the whole
 * history every turn), and which workspace files that new content came from.
 */
export class EgressInspector implements Inspector {
  readonly name = 'egress';
  constructor(
    readonly ledger: EgressLedger,
    private readonly index: WorkspaceIndex | undefined,
  ) {}

  onRequest(flow: Flow): void {
    const bytesOut = headerBytes(flow) + flow.request.body.length;
    const blocks = flow.blocks.length > 0 ? flow.blocks : flow.request.body.length > 0 && !flow.request.body.includes(0) ? [{ path: 'body', text: flow.request.body.toString('utf8') }] : [];
    let novelBytes = 0;
    const novelTexts: string[] = [];
    for (const b of blocks) {
      if (!b.text || !this.ledger.firstSighting(b.text)) continue;
      novelBytes += Buffer.byteLength(b.text);
      novelTexts.push(b.text);
    }
    const files = this.index && novelTexts.length > 0 ? this.index.attribute(novelTexts.join('\n')) : [];
    flow.egress = { bytesOut, novelBytes, files };
    const totals = this.ledger.hosts.get(flow.host) ?? { requests: 0, bytesOut: 0, novelBytes: 0 };
    totals.requests++;
    totals.bytesOut += bytesOut;
    totals.novelBytes += novelBytes;
    this.ledger.hosts.set(flow.host, totals);
    for (const f of files) {
      const perHost = this.ledger.files.get(f.path) ?? new Map<string, number>();
      perHost.set(flow.host, (perHost.get(flow.host) ?? 0) + 1);
      this.ledger.files.set(f.path, perHost);
    }
  }
}
