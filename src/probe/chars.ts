/**
 * Characters that carry a signal a reader cannot see: invisible ones (zero-width, joiners,
 * bidi controls, tag characters, variation selectors) and look-alikes of Latin letters and
 * ASCII punctuation from other scripts and width forms.
 */
export function isInvisible(cp: number): boolean {
  return (
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2064) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0xfeff ||
    cp === 0x00ad ||
    cp === 0x180e ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0000 && cp <= 0xe007f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

/** Look-alikes: Cyrillic and Greek letters drawn like Latin ones, fullwidth ASCII, odd spaces. */
const LOOKALIKES = new Map<number, string>([
  ...[...'аеорсухіјѕԁӏԛԝАВЕКМНОРСТХІЈЅ'].map((c, i) => [c.codePointAt(0)!, 'aeopcyxijsdlqwABEKMHOPCTXIJS'[i]!] as [number, string]),
  ...[...'αοιρνΑΒΕΗΙΚΜΝΟΡΤΧΥΖ'].map((c, i) => [c.codePointAt(0)!, 'aoipvABEHIKMNOPTXYZ'[i]!] as [number, string]),
  [0x00a0, ' '],
  [0x2007, ' '],
  [0x202f, ' '],
  [0x2009, ' '],
  [0x200a, ' '],
  [0x2024, '.'],
  [0x2010, '-'],
  [0x2011, '-'],
  [0x2212, '-'],
]);

export function lookalikeOf(cp: number): string | undefined {
  if (cp >= 0xff01 && cp <= 0xff5e) return String.fromCodePoint(cp - 0xfee0);
  return LOOKALIKES.get(cp);
}

export function codePointLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Hidden characters in prompt text: invisibles anywhere, look-alikes inside otherwise Latin words. */
export function hiddenCharacters(text: string, limit = 20): { index: number; codePoint: string; kind: 'invisible' | 'lookalike'; looksLike?: string }[] {
  const out: { index: number; codePoint: string; kind: 'invisible' | 'lookalike'; looksLike?: string }[] = [];
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp > 0x7f) {
      if (isInvisible(cp)) out.push({ index: i, codePoint: codePointLabel(cp), kind: 'invisible' });
      else {
        const like = lookalikeOf(cp);
        // A Cyrillic word is Cyrillic; one Cyrillic letter among Latin ones is a disguise.
        if (like && /[A-Za-z]/.test(text.slice(Math.max(0, i - 1), i) + text.slice(i + ch.length, i + ch.length + 1))) out.push({ index: i, codePoint: codePointLabel(cp), kind: 'lookalike', looksLike: like });
      }
      if (out.length >= limit) break;
    }
    i += ch.length;
  }
  return out;
}
