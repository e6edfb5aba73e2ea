import { createPublicKey, hash as oneShotHash, verify as verifySig } from 'node:crypto';
import type Database from 'better-sqlite3';
import { MerkleAccumulator } from './merkle.js';
import { type Checkpoint, checkpointMessage, GENESIS } from './store.js';

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
}

const sha = (s: string) => oneShotHash('sha256', s, 'hex');

function signatureValid(cp: Checkpoint): boolean {
  try {
    return verifySig(null, checkpointMessage(cp.size, cp.root, cp.ts), createPublicKey(cp.publicKey), Buffer.from(cp.signature, 'base64'));
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
  const max = opts.maxProblems ?? 20;
  const problems: string[] = [];
  const report = (p: string) => {
    if (problems.length < max) problems.push(p);
  };
  const checkpoints = db.prepare('SELECT size, root, ts, key_id AS keyId, signature, public_key AS publicKey FROM checkpoints ORDER BY size').all() as Checkpoint[];
  const bySize = new Map(checkpoints.map((c) => [c.size, c]));
  const merkle = new MerkleAccumulator();
  let expectedSeq = 1;
  let prev = GENESIS;
  let purged = 0;
  let count = 0;
  let sessionEntries = 0;
  let witness: VerifyReport['witness'];
  const rows = db
    .prepare('SELECT seq, ts, session, kind, body_hash, prev_hash, entry_hash, COALESCE(body, (SELECT body FROM blobs WHERE hash = body_hash)) FROM entries ORDER BY seq')
    .raw()
    .iterate() as Iterable<[number, string, string, string, string, string, string, string | null]>;
  for (const [seq, ts, session, kind, bodyHash, prevHash, entryHashValue, body] of rows) {
    count++;
    if (session === opts.session) sessionEntries++;
    if (seq !== expectedSeq) report(seq > expectedSeq ? `entries ${expectedSeq}..${seq - 1} are missing (deleted)` : `entry ${seq} is out of order`);
    if (prevHash !== prev) report(`chain broken at entry ${seq}: it does not follow entry ${seq - 1} (deleted, inserted or reordered)`);
    if (sha(`${seq}\n${ts}\n${session}\n${kind}\n${bodyHash}\n${prevHash}`) !== entryHashValue) report(`entry ${seq} was modified: its hash does not match its fields`);
    if (body === null) purged++;
    else if (sha(body) !== bodyHash) report(`the body of entry ${seq} was modified`);
    merkle.push(Buffer.from(entryHashValue, 'hex'));
    const cp = bySize.get(merkle.count);
    if (cp && merkle.root().toString('hex') !== cp.root) report(`checkpoint at ${cp.size} entries does not match the log (history before it was rewritten)`);
    if (opts.witness && merkle.count === opts.witness.size) witness = merkle.root().toString('hex') === opts.witness.root ? 'matches' : 'mismatch';
    expectedSeq = seq + 1;
    prev = entryHashValue;
  }
  for (const cp of checkpoints) if (!signatureValid(cp)) report(`checkpoint at ${cp.size} entries has an invalid signature`);
  const last = checkpoints[checkpoints.length - 1];
  if (last && last.size > count) report(`log truncated: the checkpoint at ${last.size} entries is signed, but only ${count} entries remain`);
  if (opts.witness) {
    if (!signatureValid(opts.witness)) report('the exported checkpoint given with --checkpoint has an invalid signature');
    if (opts.witness.size > count) {
      witness = 'truncated';
      report(`log truncated: the exported checkpoint covers ${opts.witness.size} entries, the log has ${count}`);
    } else if (witness === 'mismatch') report(`the log was rewritten: its first ${opts.witness.size} entries no longer match the exported checkpoint`);
  }
  return { ok: problems.length === 0, entries: count, checkpoints: checkpoints.length, purgedBodies: purged, problems, ...(opts.session ? { sessionEntries } : {}), ...(witness ? { witness } : {}) };
}
