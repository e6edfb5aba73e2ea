import type { AgentPin, AgentsPolicy } from '../policy/types.js';
import type { AgentIdentity } from './identity.js';
import { asList, wildcard } from '../util/glob.js';

export type PinVerdict = { ok: true; pin?: number } | { ok: false; reason: string };


function matches(pin: AgentPin, id: AgentIdentity): string | undefined {
  if (pin.package !== undefined && id.npmPackage?.name !== pin.package) return `not package ${pin.package}`;
  if (pin.path !== undefined && id.resolved !== pin.path) return `not ${pin.path}`;
  const versions = asList(pin.version);
  if (versions.length > 0 && !versions.some((v) => wildcard(v).test(id.npmPackage?.version ?? ''))) return `version ${id.npmPackage?.version ?? 'unknown'} is not ${versions.join(' or ')}`;
  const hashes = asList(pin.sha256).map((h) => h.toLowerCase());
  if (hashes.length > 0) {
    if (!id.digest || !hashes.includes(id.digest)) return `digest ${(id.digest ?? 'none').slice(0, 16)}… is not a pinned one`;
  }
  return undefined;
}

/** Whether the agent is one the policy allows; with no pins every agent is (and is still recorded). */
export function checkPins(agents: AgentsPolicy, id: AgentIdentity): PinVerdict {
  if (agents.allow.length === 0) return { ok: true };
  if (!id.resolved) return { ok: false, reason: `${id.command} was not found on PATH, so it cannot match agents.allow` };
  const misses: string[] = [];
  for (const [i, pin] of agents.allow.entries()) {
    const miss = matches(pin, id);
    if (miss === undefined) return { ok: true, pin: i };
    misses.push(miss);
  }
  const what = id.npmPackage ? `${id.npmPackage.name}@${id.npmPackage.version}` : id.resolved;
  return { ok: false, reason: `agent ${what} matches no agents.allow entry (${[...new Set(misses)].join('; ')}); \`glassbox attest -- ${id.command}\` prints a pin for it` };
}
