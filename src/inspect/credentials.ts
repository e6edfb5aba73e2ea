import { randomBytes } from 'node:crypto';
import { hostMatches } from '../proxy/allowlist.js';
import type { Inspector } from './chain.js';
import type { Flow } from './flow.js';

/** A real secret held by the supervisor, and the stand-in the sandbox sees instead. */
export interface SessionCredential {
  name: string;
  placeholder: string;
  real: string;
  /** Host patterns the real value may be sent to. */
  hosts: string[];
}

/**
 * A placeholder shaped like the real value (same vendor prefix, e.g. `sk-ant-api03-`, and at
 * least its length) so that clients' format checks pass, but carrying none of its secret part.
 */
export function makePlaceholder(real: string): string {
  const prefix = /^([A-Za-z0-9]{1,8}[-_](?:[A-Za-z0-9]{1,8}[-_]){0,2})/.exec(real)?.[1] ?? '';
  const body = `glassbox${randomBytes(32).toString('hex')}`;
  return (prefix + body).slice(0, Math.max(real.length, prefix.length + 40));
}

/**
 * Swaps placeholders for real credentials in headers and the URL (where APIs take keys), only on
 * requests to the credential's own hosts.
 * A placeholder headed anywhere else is an exfiltration attempt: the request is blocked.
 */
export class CredentialsInspector implements Inspector {
  readonly name = 'credentials';
  constructor(private readonly credentials: readonly SessionCredential[]) {}

  onRequest(flow: Flow): void {
    const req = flow.request;
    for (const cred of this.credentials) {
      const inHeaders = Object.entries(req.headers).filter(([, v]) => (Array.isArray(v) ? v.join('\n') : String(v ?? '')).includes(cred.placeholder));
      const inPath = req.path.includes(cred.placeholder);
      const inBody = req.body.includes(cred.placeholder);
      if (inHeaders.length === 0 && !inPath && !inBody) continue;
      const where = [...inHeaders.map(([k]) => `header ${k}`), ...(inPath ? ['URL'] : []), ...(inBody ? ['body'] : [])].join(', ');
      if (inHeaders.length === 0 && !inPath && cred.hosts.some((h) => hostMatches(h, flow.host))) continue;
      if (!cred.hosts.some((h) => hostMatches(h, flow.host))) {
        flow.findings.push({ inspector: this.name, severity: 'high', message: `credential ${cred.name} sent to ${flow.host} (allowed only for ${cred.hosts.join(', ')})`, credential: cred.name, where });
        flow.blocked = { status: 403, reason: `credential ${cred.name} may only be sent to ${cred.hosts.join(', ')}, not ${flow.host}` };
        return;
      }
      for (const [k] of inHeaders) {
        const v = req.headers[k];
        req.headers[k] = Array.isArray(v) ? v.map((x) => x.split(cred.placeholder).join(cred.real)) : String(v).split(cred.placeholder).join(cred.real);
      }
      if (inPath) req.path = req.path.split(cred.placeholder).join(cred.real);
      // Bodies are conversation, not credentials: a placeholder the agent echoed into a prompt
      // stays a placeholder, so the real value never becomes model-visible text.
      flow.findings.push({ inspector: this.name, severity: 'info', message: `credential ${cred.name} supplied for ${flow.host}`, credential: cred.name, where });
    }
  }
}
