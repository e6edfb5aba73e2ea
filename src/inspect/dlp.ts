import type { DlpEngine, SecretMatch } from '../dlp/index.js';
import { fingerprint } from '../dlp/index.js';
import type { Inspector } from './chain.js';
import { decodedBody } from './body.js';
import type { Flow } from './flow.js';

/** Blocks the model's signed reasoning: editing them would invalidate their signatures. */
const SIGNED_BLOCK_TYPES = new Set(['thinking', 'redacted_thinking']);

interface Hit {
  match: SecretMatch;
  where: string;
  action: 'redact' | 'block' | 'record';
  signed: boolean;
}

/**
 * Secret DLP on outgoing requests: finds secrets in the URL, headers and body; planted
 * canaries block the request, other findings are redacted (deterministic placeholders inside
 * JSON string values, or in plain text), blocked or recorded as the policy says. Runs before
 * the LLM parser so that everything after it (egress accounting, audit) sees what actually left.
 */
export class DlpInspector implements Inspector {
  readonly name = 'dlp';
  constructor(private readonly engine: DlpEngine) {}

  onRequest(flow: Flow): void {
    const hits: Hit[] = [];
    const scanPlain = (text: string, where: string) => {
      for (const match of this.engine.scan(text)) hits.push({ match, where, action: this.engine.actionFor(match), signed: false });
    };
    scanPlain(`${flow.host}${flow.request.path}`, 'url');
    for (const [name, value] of Object.entries(flow.request.headers)) {
      if (name === 'authorization' || name === 'x-api-key' || name === 'x-goog-api-key' || name === 'proxy-authorization') continue; // credentials: their own inspector
      if (value !== undefined) scanPlain(Array.isArray(value) ? value.join(', ') : String(value), `header ${name}`);
    }
    const body = flow.request.body.length > 0 ? decodedBody(flow.request.headers, flow.request.body) : undefined;
    let rewritten: string | undefined;
    if (body !== undefined) {
      const text = body.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (json !== undefined && typeof json === 'object' && json !== null) {
        let changed = false;
        const walk = (value: unknown, path: string, signed: boolean): unknown => {
          if (typeof value === 'string') {
            if (value.length < 8) return value;
            const out = this.redact(value, path, signed, hits);
            if (out !== value) changed = true;
            return out;
          }
          if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`, signed));
          if (value && typeof value === 'object') {
            const obj = value as Record<string, unknown>;
            const isSigned = signed || (typeof obj.type === 'string' && SIGNED_BLOCK_TYPES.has(obj.type));
            const next: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(obj)) next[k] = walk(v, path ? `${path}.${k}` : k, isSigned);
            return next;
          }
          return value;
        };
        const result = walk(json, '', false);
        if (changed) rewritten = JSON.stringify(result);
      } else {
        const out = this.redact(text, 'body', false, hits);
        if (out !== text) rewritten = out;
      }
    }
    if (hits.length === 0) return;
    const blocking = hits.find((h) => h.action === 'block' || (h.action === 'redact' && isUnredactable(h.where)));
    for (const h of hits) {
      const action = h.signed && h.action === 'redact' ? 'record' : h === blocking || h.action === 'block' ? 'block' : h.action;
      flow.findings.push({
        inspector: this.name,
        severity: h.match.kind === 'canary' ? 'high' : h.match.severity === 'low' ? 'info' : h.match.severity === 'medium' ? 'warning' : 'high',
        message: `${h.match.kind === 'canary' ? 'CANARY ' : ''}${h.match.description} (${h.match.ruleId}) in ${h.where}: ${action}${h.signed && h.action === 'redact' ? ' (inside a signed thinking block, left as is)' : ''}`,
        rule: h.match.ruleId,
        kind: h.match.kind,
        action,
        where: h.where,
        fingerprint: fingerprint(h.match.secret),
      });
    }
    if (blocking) {
      const what = blocking.match.kind === 'canary' ? `a planted canary credential (${blocking.match.description})` : `${blocking.match.description} (${blocking.match.ruleId})`;
      flow.blocked = { status: 403, reason: `request carries ${what} in ${blocking.where}; blocked by Glassbox DLP` };
      return;
    }
    if (rewritten !== undefined) {
      flow.request.body = Buffer.from(rewritten);
      // The rewritten body is sent as identity; any content-encoding no longer applies.
      delete flow.request.headers['content-encoding'];
    }
  }

  /** Records every finding in `text` and returns it with the redactable ones replaced (end first, so offsets hold). */
  private redact(text: string, where: string, signed: boolean, hits: Hit[]): string {
    let out = text;
    for (const match of [...this.engine.scan(text)].sort((a, b) => b.start - a.start)) {
      const action = this.engine.actionFor(match);
      hits.push({ match, where, action, signed });
      if (action === 'redact' && !signed) out = out.slice(0, match.start) + this.engine.placeholderFor(match.secret) + out.slice(match.end);
    }
    return out;
  }
}

/** Findings in the URL or headers cannot be redacted without breaking the request: they block. */
function isUnredactable(where: string): boolean {
  return where === 'url' || where.startsWith('header ');
}
