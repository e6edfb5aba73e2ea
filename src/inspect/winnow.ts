/**
 * Winnowing fingerprints (Schleimer, Wilkerson, Aiken 2003): hashes of k-character grams,
 * keeping the minimum of every window of w hashes. Any shared run of at least w+k-1
 * normalised characters yields a shared fingerprint, whatever surrounds it.
 */
export const K = 40;
export const W = 24;

/**
 * Normalises text so that a file and its copy in a prompt compare equal: agents' file readers
 * prefix line numbers ("   12\t", "12→"), and whitespace is reflowed freely.
 */
export function normalize(text: string): string {
  return text
    .replace(/^[ \t]*\d+(?:\t|→|: |\| )/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function fingerprints(text: string): Set<number> {
  const s = normalize(text);
  const out = new Set<number>();
  if (s.length < K) return out;
  const n = s.length - K + 1;
  const hashes = new Uint32Array(n);
  // Polynomial rolling hash over UTF-16 code units, mod 2^32.
  const B = 257;
  let pow = 1;
  for (let i = 0; i < K - 1; i++) pow = Math.imul(pow, B) >>> 0;
  let h = 0;
  for (let i = 0; i < K; i++) h = (Math.imul(h, B) + s.charCodeAt(i)) >>> 0;
  hashes[0] = h;
  for (let i = 1; i < n; i++) {
    h = (h - Math.imul(s.charCodeAt(i - 1), pow)) >>> 0;
    h = (Math.imul(h, B) + s.charCodeAt(i + K - 1)) >>> 0;
    hashes[i] = h;
  }
  if (n <= W) {
    let min = hashes[0]!;
    for (const x of hashes) if (x < min) min = x;
    out.add(min);
    return out;
  }
  for (let i = 0; i + W <= n; i++) {
    let min = hashes[i]!;
    for (let j = i + 1; j < i + W; j++) if (hashes[j]! < min) min = hashes[j]!;
    out.add(min);
  }
  return out;
}
