import { hash } from 'node:crypto';

/**
 * RFC 6962 Merkle tree hashing: leaves are H(0x00 || data), interior nodes H(0x01 || left || right),
 * and a tree of n leaves splits at the largest power of two below n.
 *
 * Hashes travel as hex strings and inputs are assembled in reused scratch buffers: asking
 * node:crypto for a Buffer result costs more than the SHA-256 of 65 bytes itself.
 */
const leafInput = Buffer.alloc(33);
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 1;

/** H(0x00 || entry hash), entry hash given as 64 hex digits. */
export function leafHash(dataHex: string): string {
  leafInput.write(dataHex, 1, 'hex');
  return hash('sha256', leafInput, 'hex');
}

export function nodeHash(leftHex: string, rightHex: string): string {
  nodeInput.write(leftHex, 1, 'hex');
  nodeInput.write(rightHex, 33, 'hex');
  return hash('sha256', nodeInput, 'hex');
}

const EMPTY_ROOT = hash('sha256', '', 'hex');

/**
 * Incremental root: keeps one subtree root per set bit of the leaf count, so appending is
 * O(log n) and the root of everything so far can be read at any time.
 */
export class MerkleAccumulator {
  private sizes: number[] = [];
  private hashes: string[] = [];
  count = 0;

  /** Appends a leaf whose data is a 32-byte hash in hex (an entry hash). */
  push(leafHex: string): void {
    this.addSubtree(1, leafHash(leafHex));
    this.count++;
  }

  /** Adds a complete subtree, merging equal-sized neighbours as binary addition carries. */
  private addSubtree(size: number, hash: string): void {
    let node = hash;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      node = nodeHash(this.hashes.pop()!, node);
      size *= 2;
    }
    this.sizes.push(size);
    this.hashes.push(node);
  }

  /** The subtree roots that summarise everything pushed so far, as stored with a checkpoint. */
  frontier(): { size: number; hash: string }[] {
    return this.sizes.map((size, i) => ({ size, hash: this.hashes[i]! }));
  }

  /**
   * Appends a whole subtree run given by its frontier (a range of `count` leaves that starts at
   * a multiple of a power of two at least `count`), as if its leaves had been pushed one by one.
   */
  append(frontier: readonly { size: number; hash: string }[], count: number): void {
    for (const f of frontier) this.addSubtree(f.size, f.hash);
    this.count += count;
  }

  /** Resumes from a stored frontier, as if its `count` leaves had been pushed again. */
  resume(frontier: readonly { size: number; hash: string }[], count: number): void {
    this.sizes = frontier.map((s) => s.size);
    this.hashes = frontier.map((s) => s.hash);
    this.count = count;
  }

  /** RFC 6962 root (hex) of all leaves pushed so far; the empty tree hashes the empty string. */
  root(): string {
    return rootOf(this.hashes);
  }
}

/** Folds a frontier (largest subtree first) into the tree's root. */
export function rootOf(frontierHashes: readonly string[]): string {
  if (frontierHashes.length === 0) return EMPTY_ROOT;
  let acc = frontierHashes[frontierHashes.length - 1]!;
  for (let i = frontierHashes.length - 2; i >= 0; i--) acc = nodeHash(frontierHashes[i]!, acc);
  return acc;
}
