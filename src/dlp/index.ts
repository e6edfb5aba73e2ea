import { createHmac, randomBytes } from 'node:crypto';
import type { DlpAction, DlpPolicy } from '../policy/types.js';
import { type KnownSecret, type SecretMatch, SecretScanner } from './engine.js';
import { BUILTIN_RULES, type SecretRule } from './rules.js';
import { loadGitleaksRules, userRule } from './user-rules.js';

export type { SecretMatch, KnownSecret };

/**
 * Rule sets already built, by the policy section they came from: loading a policy checks its
 * rules, and the session that follows reuses them instead of compiling and reading files again.
 */
const built = new WeakMap<DlpPolicy, { rules: SecretRule[]; notes: string[] }>();

/** The rule set a policy asks for: built-ins (minus `off`), custom rules, gitleaks files. */
export function policyRules(dlp: DlpPolicy, notes: string[] = []): SecretRule[] {
  const known = built.get(dlp);
  if (known) {
    notes.push(...known.notes);
    return known.rules;
  }
  const rules: SecretRule[] = BUILTIN_RULES.filter((r) => dlp.rules[r.id] !== 'off');
  const mine: string[] = [];
  for (const c of dlp.custom) rules.push(userRule(c, 'dlp.custom'));
  for (const file of dlp.gitleaks) {
    const loaded = loadGitleaksRules(file);
    rules.push(...loaded.rules.filter((r) => dlp.rules[r.id] !== 'off'));
    mine.push(`loaded ${loaded.rules.length} gitleaks rules from ${file}${loaded.skipped.length ? ` (skipped ${loaded.skipped.length}: ${loaded.skipped.slice(0, 3).join('; ')})` : ''}`);
  }
  built.set(dlp, { rules, notes: mine });
  notes.push(...mine);
  return rules;
}

/**
 * Decides what happens to each finding and keeps the session's redactions: every secret gets
 * one placeholder for the whole session (an HMAC under a per-session key), so a conversation
 * resent turn after turn stays byte-identical and prompt caching keeps working.
 */
export class DlpEngine {
  private readonly key = randomBytes(32);
  /** placeholder -> secret, for restoring a placeholder the model echoes into a local tool call. */
  readonly vault = new Map<string, string>();

  constructor(
    readonly scanner: SecretScanner,
    private readonly dlp: DlpPolicy,
    /** Strings that look like secrets by design: this session's credential placeholders. */
    private readonly ignore: readonly string[] = [],
  ) {}

  static fromPolicy(dlp: DlpPolicy, known: readonly KnownSecret[], notes: string[] = [], ignore: readonly string[] = []): DlpEngine {
    return new DlpEngine(new SecretScanner(policyRules(dlp, notes), known), dlp, ignore);
  }

  /** Findings in a text, minus credential placeholders (the credentials inspector owns those). */
  scan(text: string): SecretMatch[] {
    const found = this.scanner.scan(text);
    if (this.ignore.length === 0) return found;
    return found.filter((m) => !this.ignore.some((p) => p.includes(m.secret) || m.secret.includes(p)));
  }

  actionFor(m: SecretMatch): DlpAction {
    if (m.kind === 'canary') return 'block';
    const override = this.dlp.rules[m.ruleId];
    if (override && override !== 'off') return override;
    return m.kind === 'known' ? this.dlp.actions.known : this.dlp.actions[m.severity];
  }

  placeholderFor(secret: string): string {
    const p = `GLASSBOX_REDACTED_${createHmac('sha256', this.key).update(secret).digest('hex').slice(0, 12)}`;
    this.vault.set(p, secret);
    return p;
  }

  /** Puts secrets back where the model echoed their placeholders (for calls that run locally); `onRestored` counts them. */
  restore(text: string, onRestored?: () => void): string {
    if (!text.includes('GLASSBOX_REDACTED_')) return text;
    return text.replace(/GLASSBOX_REDACTED_[0-9a-f]{12}/g, (p) => {
      const secret = this.vault.get(p);
      if (secret === undefined) return p;
      onRestored?.();
      return secret;
    });
  }
}

/** A short, one-way fingerprint of a secret for the audit log (never the secret itself). */
export function fingerprint(secret: string): string {
  return createHmac('sha256', 'glassbox-fingerprint').update(secret).digest('hex').slice(0, 12);
}
