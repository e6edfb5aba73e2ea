import { isIP } from 'node:net';
import type { AllowRule } from '../policy/types.js';

/** Lower-cases and strips IPv6 brackets and a trailing dot, so matching sees one spelling. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

export function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1); // ".example.com"
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return pattern === host;
}

export type AllowVerdict = { allowed: true; rule: AllowRule } | { allowed: false; reason: string };

/** Decides whether host:port is in the policy's network.allow list. */
export function checkAllowed(rules: readonly AllowRule[], rawHost: string, port: number): AllowVerdict {
  const host = normalizeHost(rawHost);
  const byHost = rules.filter((r) => hostMatches(r.host, host));
  const rule = byHost.find((r) => r.ports.includes(port));
  if (rule) return { allowed: true, rule };
  if (byHost.length > 0) {
    return { allowed: false, reason: `port ${port} is not allowed for ${host} (allowed: ${byHost.flatMap((r) => r.ports).join(', ')})` };
  }
  if (isIP(host)) {
    return { allowed: false, reason: `${host} is an IP address; connections by address are refused unless network.allow names it` };
  }
  return { allowed: false, reason: `${host} is not in network.allow` };
}
