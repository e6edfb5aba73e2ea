import { createPublicKey, hash as oneShotHash, verify as verifySig } from 'node:crypto';
import Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MerkleAccumulator, rootOf } from './merkle.js';
import { type Checkpoint, CHECKPOINT_COLUMNS, checkpointMessage, entryHash, GENESIS, keyIdOf } from './store.js';

export interface VerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  purgedBodies: number;
  /** What is wrong, each naming the entry; empty when ok. */
  problems: string[];
  /** Entries of the session asked about, when one was. */
  sessionEntries?: number;
  witness?: 'matches' | 'mismatch' | 'truncated';
  /** Id of the key that signed the first checkpoint: the log's identity, worth writing down. */
  anchorKey?: string;
}

const sha = (s: string) => oneShotHash('sha256', s, 'hex');

/** Every entry with its body (inline, or from the blob table; null where retention purged it), in chain order. */
const ENTRY_ROWS = 'SELECT seq, ts, session, kind, body_hash, prev_hash, entry_hash, COALESCE(body, (SELECT body FROM blobs WHERE hash = body_hash)) FROM entries';

/** Collects at most `max` problems; the rest are counted by the caller's verdict only. */
function problemList(max: number): { problems: string[]; report: (p: string) => void } {
  const problems: string[] = [];
  return {
    problems,
    report: (p) => {
      if (problems.length < max) problems.push(p);
    },
  };
}

function signatureValid(cp: Checkpoint): boolean {
  try {
    return verifySig(null, checkpointMessage(cp.size, cp.root, cp.ts, cp.nextKey), createPublicKey(cp.publicKey), Buffer.from(cp.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Walks the whole chain: sequence, links, entry hashes, body hashes, every checkpoint's root and
 * signature, truncation after the last checkpoint, and (given a previously exported
 * checkpoint) whether the log still has the history that checkpoint vouched for.
 */
export function verifyChain(db: Database.Database, opts: { session?: string; witness?: Checkpoint; maxProblems?: number } = {}): VerifyReport {
  const { problems, report } = problemList(opts.maxProblems ?? 20);
  const checkpoints = db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY size`).all() as Checkpoint[];
  const bySize = new Map(checkpoints.map((c) => [c.size, c]));
  const merkle = new MerkleAccumulator();
  let expectedSeq = 1;
  let prev = GENESIS;
  let purged = 0;
  let count = 0;
  let sessionEntries = 0;
  let witness: VerifyReport['witness'];
  const rows = db
    .prepare(`${ENTRY_ROWS} ORDER BY seq`)
    .raw()
    .iterate() as Iterable<[number, string, string, string, string, string, string, string | null]>;
  for (const [seq, ts, session, kind, bodyHash, prevHash, entryHashValue, body] of rows) {
    count++;
    if (session === opts.session) sessionEntries++;
    if (seq !== expectedSeq) report(seq > expectedSeq ? `entries ${expectedSeq}..${seq - 1} are missing (deleted)` : `entry ${seq} is out of order`);
    if (prevHash !== prev) report(`chain broken at entry ${seq}: it does not follow entry ${seq - 1} (deleted, inserted or reordered)`);
    if (entryHash(seq, ts, session, kind, bodyHash, prevHash) !== entryHashValue) report(`entry ${seq} was modified: its hash does not match its fields`);
    if (body === null) purged++;
    else if (sha(body) !== bodyHash) report(`the body of entry ${seq} was modified`);
    merkle.push(entryHashValue);
    const cp = bySize.get(merkle.count);
    if (cp && merkle.root() !== cp.root) report(`checkpoint at ${cp.size} entries does not match the log (history before it was rewritten)`);
    if (opts.witness && merkle.count === opts.witness.size) witness = merkle.root() === opts.witness.root ? 'matches' : 'mismatch';
    expectedSeq = seq + 1;
    prev = entryHashValue;
  }
  return finish({ checkpoints, count, purged, sessionEntries, witness, problems, report }, opts);
}

/** The checks that follow the walk over the entries: signatures, truncation, the exported witness. */
function finish(
  walk: { checkpoints: Checkpoint[]; count: number; purged: number; sessionEntries: number; witness: VerifyReport['witness']; problems: string[]; report: (p: string) => void },
  opts: { session?: string; witness?: Checkpoint },
): VerifyReport {
  const { checkpoints, count, purged, sessionEntries, problems, report } = walk;
  let witness = walk.witness;
  for (const cp of checkpoints) if (!signatureValid(cp)) report(`checkpoint at ${cp.size} entries has an invalid signature`);
  // Forward security: each checkpoint must be signed by the key its predecessor named.
  for (let i = 1; i < checkpoints.length; i++) {
    const before = checkpoints[i - 1]!;
    const cp = checkpoints[i]!;
    if (before.nextKey && before.nextKey !== cp.publicKey) report(`checkpoint at ${cp.size} entries is signed by a key the checkpoint at ${before.size} did not name (history re-signed with another key)`);
  }
  const anchorKey = checkpoints[0] ? keyIdOf(checkpoints[0].publicKey) : undefined;
  const last = checkpoints[checkpoints.length - 1];
  if (last && last.size > count) report(`log truncated: the checkpoint at ${last.size} entries is signed, but only ${count} entries remain`);
  if (opts.witness) {
    if (!signatureValid(opts.witness)) report('the exported checkpoint given with --checkpoint has an invalid signature');
    if (opts.witness.size > count) {
      witness = 'truncated';
      report(`log truncated: the exported checkpoint covers ${opts.witness.size} entries, the log has ${count}`);
    } else if (witness === 'mismatch') report(`the log was rewritten: its first ${opts.witness.size} entries no longer match the exported checkpoint`);
  }
  return { ok: problems.length === 0, entries: count, checkpoints: checkpoints.length, purgedBodies: purged, problems, ...(opts.session ? { sessionEntries } : {}), ...(witness ? { witness } : {}), ...(anchorKey ? { anchorKey } : {}) };
}

/** What one worker reports about a contiguous run of entries [from, to] (by seq). */
export interface RangeResult {
  from: number;
  to: number;
  count: number;
  /** False when anything inside the range is wrong; the caller then re-walks sequentially to say what. */
  intact: boolean;
  firstPrev: string | null;
  lastHash: string | null;
  purged: number;
  sessionEntries: number;
  /** Local Merkle frontier (hashes) of the range, and at each requested global size inside it. */
  frontier: { size: number; hash: string }[];
  at: Record<number, string[]>;
}

/**
 * Checks one range on its own: sequence, links, entry and body hashes. `from` must be a
 * multiple of a power of two at least as large as the range, so the range's Merkle subtrees
 * line up with the global tree's and the global root at any size inside it is the prefix's
 * frontier followed by this range's local frontier.
 */
export function verifyRange(db: Database.Database, from: number, to: number, sizes: readonly number[], session?: string): RangeResult {
  const merkle = new MerkleAccumulator();
  const wanted = new Set(sizes);
  const at: Record<number, string[]> = {};
  let intact = true;
  let expectedSeq = from;
  let prev: string | null = null;
  let firstPrev: string | null = null;
  let purged = 0;
  let sessionEntries = 0;
  const rows = db
    .prepare(`${ENTRY_ROWS} WHERE seq BETWEEN ? AND ? ORDER BY seq`)
    .raw()
    .iterate(from, to) as Iterable<[number, string, string, string, string, string, string, string | null]>;
  for (const [seq, ts, sess, kind, bodyHash, prevHash, entryHashValue, body] of rows) {
    if (prev === null) firstPrev = prevHash;
    else if (prevHash !== prev) intact = false;
    if (seq !== expectedSeq) intact = false;
    if (sess === session) sessionEntries++;
    if (entryHash(seq, ts, sess, kind, bodyHash, prevHash) !== entryHashValue) intact = false;
    if (body === null) purged++;
    else if (sha(body) !== bodyHash) intact = false;
    merkle.push(entryHashValue);
    const global = from - 1 + merkle.count;
    if (wanted.has(global)) at[global] = merkle.frontier().map((f) => f.hash);
    expectedSeq = seq + 1;
    prev = entryHashValue;
  }
  return { from, to, count: merkle.count, intact, firstPrev, lastHash: prev, purged, sessionEntries, frontier: merkle.frontier(), at };
}

/** Entries per range handed to a worker (a power of two, see verifyRange). */
export const RANGE = 1 << 16;
/** Below this many entries, starting workers costs more than it saves. */
export const PARALLEL_MIN = 4 * RANGE;

/**
 * verifyChain over the log file at `path`, split across worker threads when the log is large.
 * An intact log is confirmed in parallel; if any range is not intact, the log is walked again
 * sequentially so the report names exactly what is wrong.
 */
export async function verifyLog(
  path: string,
  opts: { session?: string; witness?: Checkpoint; maxProblems?: number; workers?: number; parallelMin?: number } = {},
): Promise<VerifyReport> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const snapshot = db.transaction(() => ({
      checkpoints: db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY size`).all() as Checkpoint[],
      maxSeq: (db.prepare('SELECT COALESCE(MAX(seq), 0) AS m FROM entries').get() as { m: number }).m,
    }))();
    const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), 8));
    if (snapshot.maxSeq < (opts.parallelMin ?? PARALLEL_MIN) || workers < 2) return verifyChain(db, opts);
    const sizes = snapshot.checkpoints.map((c) => c.size).filter((s) => s <= snapshot.maxSeq);
    if (opts.witness) sizes.push(opts.witness.size);
    const ranges: { from: number; to: number }[] = [];
    for (let from = 1; from <= snapshot.maxSeq; from += RANGE) ranges.push({ from, to: Math.min(from + RANGE - 1, snapshot.maxSeq) });
    const results = await runRanges(path, ranges, sizes, opts.session, Math.min(workers, ranges.length));
    const combined = combine(results, snapshot.checkpoints, opts.witness);
    if (!combined) return verifyChain(db, opts);
    return finish({ checkpoints: snapshot.checkpoints, ...combined, ...problemList(opts.maxProblems ?? 20) }, opts);
  } finally {
    db.close();
  }
}

function runRanges(path: string, ranges: { from: number; to: number }[], sizes: number[], session: string | undefined, count: number): Promise<RangeResult[]> {
  return new Promise((resolve, reject) => {
    const results: RangeResult[] = [];
    let next = 0;
    let live = count;
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL('./verify-worker.js', import.meta.url), { workerData: { path, sizes, session } });
      const feed = () => {
        if (next < ranges.length) worker.postMessage(ranges[next++]);
        else void worker.terminate();
      };
      worker.on('message', (r: RangeResult) => {
        results.push(r);
        feed();
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        if (--live === 0) resolve(results.sort((a, b) => a.from - b.from));
      });
      feed();
    }
  });
}

/** Joins the ranges into whole-log facts, or null if anything does not line up. */
function combine(
  results: RangeResult[],
  checkpoints: Checkpoint[],
  witnessCp: Checkpoint | undefined,
): { count: number; purged: number; sessionEntries: number; witness: VerifyReport['witness'] } | null {
  const bySize = new Map(checkpoints.map((c) => [c.size, c]));
  const prefix = new MerkleAccumulator();
  let prev = GENESIS;
  let count = 0;
  let purged = 0;
  let sessionEntries = 0;
  let witness: VerifyReport['witness'];
  for (const r of results) {
    if (!r.intact || r.count !== r.to - r.from + 1 || r.firstPrev !== prev) return null;
    const prefixHashes = prefix.frontier().map((f) => f.hash);
    for (const [size, local] of Object.entries(r.at)) {
      const root = rootOf([...prefixHashes, ...local]);
      const cp = bySize.get(Number(size));
      if (cp && cp.root !== root) return null;
      if (witnessCp && witnessCp.size === Number(size)) witness = root === witnessCp.root ? 'matches' : 'mismatch';
    }
    prefix.append(r.frontier, r.count);
    prev = r.lastHash!;
    count += r.count;
    purged += r.purged;
    sessionEntries += r.sessionEntries;
  }
  return { count, purged, sessionEntries, witness };
}
