import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { UserError } from '../errors.js';
import { assertLinearRegex, UnsafeRegexError } from './regex-guard.js';
import type { SecretRule, Severity } from './rules.js';

const POSIX: Record<string, string> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  digit: '0-9',
  lower: 'a-z',
  upper: 'A-Z',
  space: '\\s',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  punct: '!-\\/:-@\\[-`{-~',
};

/**
 * Compiles a user regex (ours, or RE2/Go syntax from gitleaks) into a JavaScript RegExp, after
 * the linear-time guard. Go's inline flags become whole-pattern flags: `(?i)` anywhere makes
 * the whole rule case-insensitive, which can only widen a match.
 */
export function compileUserRegex(source: string, where: string): RegExp {
  let flags = 'g';
  let src = source.replace(/\(\?([imsU]+)\)/g, (_, f: string) => {
    if (f.includes('i') && !flags.includes('i')) flags += 'i';
    if (f.includes('s') && !flags.includes('s')) flags += 's';
    return '';
  });
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\z/g, '$')
    .replace(/\\A/g, '^')
    .replace(/\[:(\w+):\]/g, (m, name: string) => POSIX[name] ?? m);
  try {
    assertLinearRegex(src);
  } catch (err) {
    if (err instanceof UnsafeRegexError) throw new UserError(`${where}: regex refused: ${err.message}`);
    throw err;
  }
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new UserError(`${where}: invalid regex: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

export interface UserRuleSpec {
  id: string;
  description?: string;
  regex: string;
  keywords?: string[];
  severity?: Severity;
  entropy?: number;
  secretGroup?: number;
}

export function userRule(spec: UserRuleSpec, where: string, allow: { regexes: RegExp[]; stopwords: string[] } = { regexes: [], stopwords: [] }): SecretRule {
  const regex = compileUserRegex(spec.regex, `${where}: rule ${spec.id}`);
  const allowRegexes = allow.regexes;
  const stopwords = allow.stopwords.map((w) => w.toLowerCase());
  return {
    id: spec.id,
    description: spec.description ?? spec.id,
    keywords: spec.keywords ?? [],
    regex,
    severity: spec.severity ?? 'high',
    ...(spec.entropy !== undefined ? { entropy: spec.entropy } : {}),
    ...(spec.secretGroup !== undefined ? { secretGroup: spec.secretGroup } : {}),
    window: 512,
    ...(allowRegexes.length || stopwords.length
      ? {
          accept: (secret: string) => {
            const lower = secret.toLowerCase();
            return !allowRegexes.some((r) => {
              r.lastIndex = 0;
              return r.test(secret);
            }) && !stopwords.some((w) => lower.includes(w));
          },
        }
      : {}),
  };
}

type TomlAllow = { regexes?: string[]; stopwords?: string[] };
type TomlRule = { id?: string; description?: string; regex?: string; keywords?: string[]; entropy?: number; secretGroup?: number; allowlist?: TomlAllow; allowlists?: TomlAllow[] };

/**
 * Loads gitleaks rules from a TOML config: id, description, regex, keywords, entropy,
 * secretGroup, and allowlists (regexes and stopwords, per rule and global). Path-only rules
 * and `extend` are skipped (they need file context the proxy does not have); each skip is
 * reported so nothing is silently dropped.
 */
export function loadGitleaksRules(file: string): { rules: SecretRule[]; skipped: string[] } {
  let doc: { rules?: TomlRule[]; allowlist?: TomlAllow; allowlists?: TomlAllow[] };
  try {
    doc = parseToml(readFileSync(file, 'utf8')) as typeof doc;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { line?: number; column?: number };
    if (e.code === 'ENOENT') throw new UserError(`gitleaks rules ${file}: no such file`);
    throw new UserError(`gitleaks rules ${file}${e.line ? `:${e.line}:${e.column ?? 1}` : ''}: not valid TOML (${e.message.split('\n')[0]})`);
  }
  const globalAllow = [doc.allowlist ?? {}, ...(doc.allowlists ?? [])];
  const rules: SecretRule[] = [];
  const skipped: string[] = [];
  for (const [i, r] of (doc.rules ?? []).entries()) {
    const id = r.id ?? `rule-${i + 1}`;
    if (!r.regex) {
      skipped.push(`${id}: no regex (path-only rules need a file, not a request)`);
      continue;
    }
    const allows = [...globalAllow, ...(r.allowlist ? [r.allowlist] : []), ...(r.allowlists ?? [])];
    const regexes = allows.flatMap((a) => a.regexes ?? []).map((src, k) => compileUserRegex(src, `${file}: rule ${id} allowlist ${k + 1}`));
    const stopwords = allows.flatMap((a) => a.stopwords ?? []);
    rules.push(
      userRule(
        { id: `gitleaks:${id}`, description: r.description ?? id, regex: r.regex, keywords: r.keywords ?? [], severity: 'high', ...(r.entropy !== undefined ? { entropy: r.entropy } : {}), ...(r.secretGroup !== undefined ? { secretGroup: r.secretGroup } : {}) },
        file,
        { regexes, stopwords },
      ),
    );
  }
  return { rules, skipped };
}
