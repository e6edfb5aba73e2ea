/** One difference between two strings, in code points: what the baseline had, what the variant has. */
export interface Hunk {
  /** Code-point offsets of the change in the baseline and in the variant. */
  at: number;
  atVariant: number;
  removed: string;
  added: string;
}

/**
 * Myers' O((N+M)D) diff over code points (so an emoji or a tag character is one unit, never
 * half a surrogate pair). Returns undefined when the strings differ in more than `maxEdits`
 * places: then the field as a whole differs.
 */
export function diffCodePoints(a: string, b: string, maxEdits = 4000): Hunk[] | undefined {
  const x = [...a];
  const y = [...b];
  // Trim the common ends first: prompts differ in few places.
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xs = x.slice(pre, x.length - suf);
  const ys = y.slice(pre, y.length - suf);
  const n = xs.length;
  const m = ys.length;
  if (n === 0 && m === 0) return [];
  const max = Math.min(n + m, maxEdits);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let px = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let py = px - k;
      while (px < n && py < m && xs[px] === ys[py]) {
        px++;
        py++;
      }
      v[off + k] = px;
      if (px >= n && py >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  // Walk back through the trace to recover the edit script.
  const edits: { type: 'del' | 'ins'; i: number; j: number }[] = [];
  let px = n;
  let py = m;
  for (let d = found; d > 0; d--) {
    const vv = trace[d]!;
    const k = px - py;
    const prevK = k === -d || (k !== d && vv[off + k - 1]! < vv[off + k + 1]!) ? k + 1 : k - 1;
    const prevX = vv[off + prevK]!;
    const prevY = prevX - prevK;
    while (px > prevX && py > prevY) {
      px--;
      py--;
    }
    if (px === prevX) edits.push({ type: 'ins', i: px, j: prevY });
    else edits.push({ type: 'del', i: prevX, j: py });
    px = prevX;
    py = prevY;
  }
  edits.reverse();
  // Edits that follow each other with nothing equal between them are one hunk.
  const hunks: Hunk[] = [];
  let cur: Hunk | undefined;
  let endI = -1;
  let endJ = -1;
  for (const e of edits) {
    if (!cur || e.i !== endI || e.j !== endJ) {
      cur = { at: pre + e.i, atVariant: pre + e.j, removed: '', added: '' };
      hunks.push(cur);
    }
    if (e.type === 'del') {
      cur.removed += xs[e.i]!;
      endI = e.i + 1;
      endJ = e.j;
    } else {
      cur.added += ys[e.j]!;
      endI = e.i;
      endJ = e.j + 1;
    }
  }
  return hunks;
}
