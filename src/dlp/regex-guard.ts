/**
 * User-supplied rules (policy, gitleaks TOML) are compiled by V8's backtracking engine, so a
 * pattern like (a+)+$ could stall the proxy on a crafted prompt. Rather than hoping, patterns
 * are checked before use and refused unless they are safe by construction:
 * - no backreferences or lookarounds (they need backtracking to mean anything);
 * - no repeated group that itself contains a quantifier, and no unboundedly repeated group
 *   holding an alternation (the nested or ambiguous repetition behind catastrophic
 *   backtracking); a group may still be made optional with `?`.
 * Then the pattern only ever runs on bounded windows around its keywords, so the worst case
 * is polynomial in the window, not exponential in the input.
 */
export class UnsafeRegexError extends Error {}

export function assertLinearRegex(source: string): void {
  if (/\\[1-9]|\\k</.test(source)) throw new UnsafeRegexError('backreferences are not allowed (they need a backtracking engine)');
  if (/\(\?<?[=!]/.test(source)) throw new UnsafeRegexError('lookahead/lookbehind is not allowed');
  // Walk groups: for each group, remember whether it holds a quantifier or an alternation.
  const stack: { quantified: boolean; alternation: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      continue;
    }
    if (c === '|') {
      if (stack.length > 0) stack[stack.length - 1]!.alternation = true;
      continue;
    }
    if (c === ')') {
      const group = stack.pop() ?? { quantified: false, alternation: false };
      const q = /^(?:([*+])|\{(\d+)(,(\d*))?\}|(\?))/.exec(source.slice(i + 1));
      const unbounded = q !== null && (q[1] !== undefined || (q[3] !== undefined && q[4] === ''));
      const max = q === null || q[5] !== undefined ? 1 : unbounded ? Infinity : Number(q[3] === undefined ? q[2] : q[4]);
      if (max > 1 && (group.quantified || (group.alternation && unbounded))) {
        throw new UnsafeRegexError('a repeated group contains a repetition or an alternation (nested quantifiers can backtrack exponentially); repeat single characters or classes instead');
      }
      if (stack.length > 0 && (group.quantified || q !== null)) stack[stack.length - 1]!.quantified = true;
      continue;
    }
    if (c === '*' || c === '+' || c === '{' || c === '?') {
      const before = source[i - 1];
      // "(?" is group syntax and "+?", "*?", "??", "}?" are lazy markers, not quantifiers.
      if (c === '?' && (before === '(' || before === '*' || before === '+' || before === '?' || before === '}')) continue;
      if (stack.length > 0) stack[stack.length - 1]!.quantified = true;
    }
  }
}
