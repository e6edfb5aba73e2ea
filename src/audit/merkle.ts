import { createHash, hash } from 'node:crypto';

/**
 * RFC 6962 Merkle tree hashing: leaves are H(0x00 || data), interior nodes H(0x01 || left || right),
 * and a tree of n leaves splits at the largest power of two below n.
 */
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

// One-shot hashing: several times cheaper than createHash() for inputs this small.
export function leafHash(data: Buffer): Buffer {
  return hash('sha256', Buffer.concat([LEAF, data]), 'buffer') as unknown as Buffer;
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return hash('sha256', Buffer.concat([NODE, left, right]), 'buffer') as unknown as Buffer;
}

/**
 * Incremental root: keeps one subtree root per set bit of the leaf count, so appending is
 * O(log n) and the root of everything so far can be read at any time.
 */
export class MerkleAccumulator {
  private stack: { size: number; hash: Buffer }[] = [];
  count = 0;

  push(leaf: Buffer): void {
    let node = { size: 1, hash: leafHash(leaf) };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === node.size) {
      const left = this.stack.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.count++;
  }

  /** RFC 6962 root of all leaves pushed so far (the empty tree hashes the empty string). */
  /** The subtree roots that summarise everything pushed so far, as stored with a checkpoint. */
  frontier(): { size: number; hash: string }[] {
    return this.stack.map((s) => ({ size: s.size, hash: s.hash.toString('hex') }));
  }

  /** Resumes from a stored frontier, as if its `count` leaves had been pushed again. */
  resume(frontier: readonly { size: number; hash: string }[], count: number): void {
    this.stack = frontier.map((s) => ({ size: s.size, hash: Buffer.from(s.hash, 'hex') }));
    this.count = count;
  }

  root(): Buffer {
    if (this.stack.length === 0) return createHash('sha256').digest();
    let acc = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = nodeHash(this.stack[i]!.hash, acc);
    return acc;
  }
}
