import { hash } from 'node:crypto';
import { AhoCorasick } from './aho-corasick.js';
import type { SecretRule, Severity } from './rules.js';

/** A secret found in a text: which rule, where, and the secret itself (kept in memory only). */
export interface SecretMatch {
  ruleId: string;
  description: string;
  severity: Severity;
  /** `rule` for pattern rules; `known` for this machine's own secrets; `canary` for decoys planted in the box. */
  kind: 'rule' | 'known' | 'canary';
  start: number;
  end: number;
  secret: string;
}

/** A literal secret to find verbatim: a host credential or a planted canary. */
export interface KnownSecret {
  value: string;
  label: string;
  kind: 'known' | 'canary';
}

/** How far before a keyword a match may start (the name in `name = value` rules, URL schemes, PEM armour). */
const LOOKBEHIND = 64;
const DEFAULT_WINDOW = 256;
/** Strings shorter than this are scanned directly; hashing them for the cache costs about as much. */
const CACHE_MIN = 256;
const CACHE_MAX = 4096;
/** Known secrets shorter than this would match ordinary words. */
export const KNOWN_MIN = 8;

/** Documentation and fixture values (AKIAIOSFODNN7EXAMPLE, xxxx…, ${VAR}, <token>): shaped like secrets, never real. */
const DOCUMENTATION_VALUE = /EXAMPLE|example|X{8}|x{8}|\*{6}|0{12}|<[A-Za-z_-]+>|\$\{|\{\{|your[-_]?(?:api[-_]?)?(?:key|token|secret|password)/;

export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * The secret scanner. One Aho-Corasick pass finds every rule keyword (case-folded) and every
 * known secret (exact); each rule's regex then runs only on windows around its own keywords.
 * Results are cached per text hash, so an agent resending its whole conversation each turn
 * costs a scan of only what is new.
 */
export class SecretScanner {
  private readonly keywords = new AhoCorasick(true);
  /** keyword id -> rules that keyword triggers */
  private readonly keywordRules: number[][] = [];
  private readonly unkeyed: number[] = [];
  private readonly literals = new AhoCorasick(false);
  private readonly literalInfo: KnownSecret[] = [];
  private readonly cache = new Map<string, SecretMatch[]>();
  /** Counters for the benchmark and the session summary. */
  readonly stats = { scannedChars: 0, cacheHits: 0 };

  constructor(
    readonly rules: readonly SecretRule[],
    known: readonly KnownSecret[] = [],
  ) {
    const byKeyword = new Map<string, number>();
    rules.forEach((rule, r) => {
      if (rule.keywords.length === 0) this.unkeyed.push(r);
      for (const kw of new Set(rule.keywords.map((k) => k.toLowerCase()))) {
        let id = byKeyword.get(kw);
        if (id === undefined) {
          id = this.keywords.add(kw);
          byKeyword.set(kw, id);
          this.keywordRules[id] = [];
        }
        this.keywordRules[id]!.push(r);
      }
    });
    const seen = new Set<string>();
    for (const k of known) {
      if (k.value.length < KNOWN_MIN || seen.has(k.value)) continue;
      seen.add(k.value);
      this.literals.add(k.value);
      this.literalInfo.push(k);
    }
  }

  get knownCount(): number {
    return this.literalInfo.length;
  }

  scan(text: string): SecretMatch[] {
    if (text.length < CACHE_MIN) return this.scanUncached(text);
    const key = hash('sha256', text, 'hex');
    const hit = this.cache.get(key);
    if (hit) {
      this.stats.cacheHits++;
      return hit;
    }
    const found = this.scanUncached(text);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, found);
    return found;
  }

  private scanUncached(text: string): SecretMatch[] {
    this.stats.scannedChars += text.length;
    const matches: SecretMatch[] = [];
    if (this.literalInfo.length > 0) {
      this.literals.search(text, (id, start) => {
        const k = this.literalInfo[id]!;
        matches.push({ ruleId: k.kind === 'canary' ? 'canary' : 'known-secret', description: k.label, severity: 'high', kind: k.kind, start, end: start + k.value.length, secret: k.value });
      });
    }
    // Windows per rule around each keyword hit, merged where they overlap.
    const windows = new Map<number, [number, number][]>();
    this.keywords.search(text, (id, at) => {
      for (const r of this.keywordRules[id]!) {
        const rule = this.rules[r]!;
        const from = Math.max(0, at - LOOKBEHIND);
        const to = Math.min(text.length, at + (rule.window ?? DEFAULT_WINDOW));
        let list = windows.get(r);
        if (!list) windows.set(r, (list = []));
        const last = list[list.length - 1];
        if (last && from <= last[1]) last[1] = Math.max(last[1], to);
        else list.push([from, to]);
      }
    });
    for (const r of this.unkeyed) windows.set(r, [[0, text.length]]);
    for (const [r, list] of windows) for (const [from, to] of list) this.runRule(this.rules[r]!, text, from, to, matches);
    return dedupe(matches);
  }

  private runRule(rule: SecretRule, text: string, from: number, to: number, out: SecretMatch[]): void {
    const slice = from === 0 && to === text.length ? text : text.slice(from, to);
    const re = rule.regex;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(slice)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const group = rule.secretGroup ?? (m.length > 1 ? 1 : 0);
      const secret = m[group] ?? m[0];
      const offset = m.index + (group === 0 ? 0 : m[0].indexOf(secret));
      if (rule.entropy !== undefined && shannonEntropy(secret) < rule.entropy) continue;
      if (DOCUMENTATION_VALUE.test(secret)) continue;
      if (rule.accept && !rule.accept(secret)) continue;
      out.push({ ruleId: rule.id, description: rule.description, severity: rule.severity, kind: 'rule', start: from + offset, end: from + offset + secret.length, secret });
    }
  }
}

/** One match per place: specific rules win over the generic one, and the same span is reported once. */
function dedupe(matches: SecretMatch[]): SecretMatch[] {
  matches.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const out: SecretMatch[] = [];
  const rank = (m: SecretMatch) => (m.kind === 'canary' ? 3 : m.kind === 'known' ? 2 : m.ruleId === 'generic-secret' ? 0 : 1);
  for (const m of matches) {
    const covering = out.find((o) => o.start <= m.start && o.end >= m.end);
    if (covering) {
      if (rank(m) > rank(covering)) out[out.indexOf(covering)] = { ...m, start: covering.start, end: covering.end, secret: covering.secret };
      continue;
    }
    const covered = out.findIndex((o) => m.start <= o.start && m.end >= o.end);
    if (covered >= 0 && rank(m) >= rank(out[covered]!)) {
      out[covered] = m;
      continue;
    }
    out.push(m);
  }
  return out;
}
