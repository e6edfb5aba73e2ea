/**
 * What a machine pushes to the hub, and the check the hub makes before it keeps any of it.
 *
 * A segment is a run of chain entries that starts right after the last entry the hub holds for
 * that machine and ends on a checkpoint the machine signed. The hub holds, per machine, the
 * head it has verified (size, last entry hash, Merkle frontier) and the key the last
 * checkpoint named for the next one: the witness. A machine that rewrites history it already
 * pushed cannot produce a segment that links to that head, nor a checkpoint signed by the named
 * key over a root that includes it.
 */
import { createPublicKey, hash, verify as verifySig } from 'node:crypto';
import { MerkleAccumulator } from '../audit/merkle.js';
import { type Checkpoint, checkpointMessage, type Entry, entryHash, GENESIS, keyIdOf } from '../audit/store.js';

/** A chain entry as pushed: its fields, and the canonical JSON text its body hash covers (null where local retention purged it). */
export type PushedEntry = Entry & { body: string | null };

export interface PushRequest {
  entries: PushedEntry[];
  /** Every checkpoint the machine signed within the segment, ascending; the last ends it. */
  checkpoints: Checkpoint[];
  /** The machine's newest checkpoint, so a log that shrank or was rewritten shows even with nothing new. */
  head: Checkpoint | null;
}

/** The hub's verified view of one machine's chain. */
export interface WitnessState {
  size: number;
  lastHash: string;
  frontier: { size: number; hash: string }[];
  /** The key the last witnessed checkpoint named to sign the next one. */
  nextKey: string | null;
  anchorKey: string | null;
  checkpoint: Checkpoint | null;
}

export const EMPTY_WITNESS: WitnessState = { size: 0, lastHash: GENESIS, frontier: [], nextKey: null, anchorKey: null, checkpoint: null };

/** A push the hub refuses. `tampered` when it shows the machine's log no longer matches what the hub witnessed. */
export class SegmentError extends Error {
  constructor(
    message: string,
    readonly tampered: boolean,
  ) {
    super(message);
  }
}

function signatureValid(cp: Checkpoint): boolean {
  try {
    return verifySig(null, checkpointMessage(cp.size, cp.root, cp.ts, cp.nextKey), createPublicKey(cp.publicKey), Buffer.from(cp.signature, 'base64'));
  } catch {
    return false;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

function wellFormed(e: PushedEntry): boolean {
  return (
    Number.isSafeInteger(e.seq) &&
    typeof e.ts === 'string' &&
    typeof e.session === 'string' &&
    typeof e.kind === 'string' &&
    HEX64.test(e.bodyHash) &&
    HEX64.test(e.prevHash) &&
    HEX64.test(e.entryHash) &&
    (e.body === null || typeof e.body === 'string')
  );
}

/** Checks the machine's head against the witness: a log that is now shorter, or differs at the witnessed size. */
export function checkHead(state: WitnessState, head: Checkpoint | null): void {
  if (!head || !state.checkpoint) return;
  if (head.size < state.checkpoint.size) throw new SegmentError(`log truncated or rewritten: the machine's newest checkpoint covers ${head.size} entries, the hub witnessed ${state.checkpoint.size}`, true);
  if (head.size === state.checkpoint.size && head.root !== state.checkpoint.root) throw new SegmentError(`log rewritten: the machine's checkpoint at ${head.size} entries has another root than the one the hub witnessed`, true);
}

/**
 * Verifies a segment against the witness and returns the witness after it. Throws SegmentError
 * on the first problem; nothing of a refused segment is kept.
 */
export function verifySegment(state: WitnessState, push: PushRequest): { next: WitnessState; purged: number } {
  checkHead(state, push.head);
  const { entries, checkpoints } = push;
  if (entries.length === 0) return { next: state, purged: 0 };
  if (checkpoints.length === 0) throw new SegmentError('a segment must end on a signed checkpoint; push again (glassbox push signs the head first)', false);
  const first = entries[0]!;
  if (first.seq !== state.size + 1) throw new SegmentError(`segment starts at entry ${first.seq}, the hub holds ${state.size}; ask for the state and push from ${state.size + 1}`, false);
  if (first.prevHash !== state.lastHash) throw new SegmentError(`history rewritten: entry ${first.seq} does not follow the entry ${state.size} the hub witnessed`, true);
  const bySize = new Map<number, Checkpoint>();
  for (const cp of checkpoints) bySize.set(cp.size, cp);
  const last = checkpoints[checkpoints.length - 1]!;
  if (last.size !== entries[entries.length - 1]!.seq) throw new SegmentError(`segment ends at entry ${entries[entries.length - 1]!.seq} but its last checkpoint covers ${last.size}`, false);

  const merkle = new MerkleAccumulator();
  merkle.resume(state.frontier, state.size);
  let prev = state.lastHash;
  let expectedKey = state.nextKey;
  let anchorKey = state.anchorKey;
  let witnessed = state.checkpoint;
  let purged = 0;
  let seen = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (!wellFormed(e)) throw new SegmentError(`entry ${i} of the segment is malformed`, false);
    if (e.seq !== first.seq + i) throw new SegmentError(`entries are not consecutive at ${e.seq}`, false);
    if (e.prevHash !== prev) throw new SegmentError(`chain broken at entry ${e.seq}: it does not follow entry ${e.seq - 1}`, true);
    if (entryHash(e.seq, e.ts, e.session, e.kind, e.bodyHash, e.prevHash) !== e.entryHash) throw new SegmentError(`entry ${e.seq} was modified: its hash does not match its fields`, true);
    if (e.body === null) purged++;
    else if (hash('sha256', e.body, 'hex') !== e.bodyHash) throw new SegmentError(`the body of entry ${e.seq} was modified`, true);
    merkle.push(e.entryHash);
    prev = e.entryHash;
    const cp = bySize.get(e.seq);
    if (!cp) continue;
    seen++;
    if (merkle.root() !== cp.root) throw new SegmentError(`checkpoint at ${cp.size} entries does not match the entries pushed`, true);
    if (!signatureValid(cp)) throw new SegmentError(`checkpoint at ${cp.size} entries has an invalid signature`, true);
    if (expectedKey && cp.publicKey !== expectedKey) throw new SegmentError(`checkpoint at ${cp.size} entries is signed by a key the witnessed checkpoint did not name (history re-signed with another key)`, true);
    anchorKey ??= keyIdOf(cp.publicKey);
    // Checkpoints from before keys evolved name no successor: the same key goes on signing.
    expectedKey = cp.nextKey ?? cp.publicKey;
    witnessed = cp;
  }
  if (seen !== bySize.size) throw new SegmentError('the segment carries checkpoints outside its entries', false);
  return { next: { size: last.size, lastHash: prev, frontier: merkle.frontier(), nextKey: expectedKey, anchorKey, checkpoint: witnessed }, purged };
}

/**
 * Splits checkpoints (ascending, all after entry `from`) into segments of about `maxEntries`
 * entries, each ending on a checkpoint; a segment is never empty, however far apart they are.
 */
export function checkpointBatches(checkpoints: readonly Checkpoint[], from: number, maxEntries: number): { from: number; to: number; checkpoints: Checkpoint[] }[] {
  const out: { from: number; to: number; checkpoints: Checkpoint[] }[] = [];
  let i = 0;
  while (i < checkpoints.length) {
    const group: Checkpoint[] = [];
    do group.push(checkpoints[i++]!);
    while (i < checkpoints.length && checkpoints[i]!.size - from <= maxEntries);
    const to = group[group.length - 1]!.size;
    out.push({ from, to, checkpoints: group });
    from = to;
  }
  return out;
}
