/**
 * Aho-Corasick multi-pattern search: finds every occurrence of any of many literal keywords in
 * one pass over the text, however many keywords there are. Matching is on UTF-16 code units;
 * `caseless` folds ASCII letters (keywords are folded when added).
 */
export class AhoCorasick {
  private readonly goto: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  /** Pattern ids ending at each state (own and inherited through fail links). */
  private readonly out: number[][] = [[]];
  private readonly lengths: number[] = [];
  private built = false;

  constructor(private readonly caseless: boolean) {}

  private fold(c: number): number {
    return this.caseless && c >= 65 && c <= 90 ? c + 32 : c;
  }

  /** Adds a pattern; returns its id. */
  add(pattern: string): number {
    if (this.built) throw new Error('AhoCorasick: add after search');
    if (pattern.length === 0) throw new Error('AhoCorasick: empty pattern');
    let state = 0;
    for (let i = 0; i < pattern.length; i++) {
      const c = this.fold(pattern.charCodeAt(i));
      let next = this.goto[state]!.get(c);
      if (next === undefined) {
        next = this.goto.length;
        this.goto.push(new Map());
        this.fail.push(0);
        this.out.push([]);
        this.goto[state]!.set(c, next);
      }
      state = next;
    }
    const id = this.lengths.length;
    this.lengths.push(pattern.length);
    this.out[state]!.push(id);
    return id;
  }

  /** Full transition table over ASCII (the DFA), built once: one array read per character. */
  private delta = new Int32Array(0);
  private hasOut = new Uint8Array(0);

  private build(): void {
    const queue: number[] = [];
    for (const s of this.goto[0]!.values()) queue.push(s);
    for (let q = 0; q < queue.length; q++) {
      const state = queue[q]!;
      for (const [c, next] of this.goto[state]!) {
        let f = this.fail[state]!;
        while (f !== 0 && !this.goto[f]!.has(c)) f = this.fail[f]!;
        const target = this.goto[f]!.get(c);
        this.fail[next] = target !== undefined && target !== next ? target : 0;
        this.out[next] = [...this.out[next]!, ...this.out[this.fail[next]!]!];
        queue.push(next);
      }
    }
    const n = this.goto.length;
    this.delta = new Int32Array(n * 128);
    this.hasOut = new Uint8Array(n);
    // Breadth-first order guarantees a state's fail target is complete before the state.
    const order = [0, ...queue];
    for (const state of order) {
      this.hasOut[state] = this.out[state]!.length > 0 ? 1 : 0;
      for (let c = 0; c < 128; c++) {
        const next = this.goto[state]!.get(c);
        this.delta[state * 128 + c] = next !== undefined ? next : state === 0 ? 0 : this.delta[this.fail[state]! * 128 + c]!;
      }
    }
    this.built = true;
  }

  /** Calls `hit(id, start)` for each occurrence, in text order of their ends. */
  search(text: string, hit: (id: number, start: number) => void): void {
    if (!this.built) this.build();
    let state = 0;
    const delta = this.delta;
    const hasOut = this.hasOut;
    const caseless = this.caseless;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 128) {
        // Non-ASCII: follow the sparse trie (keywords and known secrets may contain any character).
        let next = this.goto[state]!.get(c);
        while (next === undefined && state !== 0) {
          state = this.fail[state]!;
          next = this.goto[state]!.get(c);
        }
        state = next ?? 0;
      } else {
        if (caseless && c >= 65 && c <= 90) c += 32;
        state = delta[state * 128 + c]!;
      }
      if (hasOut[state] === 0) continue;
      const found = this.out[state]!;
      for (let k = 0; k < found.length; k++) hit(found[k]!, i - this.lengths[found[k]!]! + 1);
    }
  }
}
