import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { UserError } from '../errors.js';
import { makePlaceholder, type SessionCredential } from '../inspect/credentials.js';
import type { CredentialRule } from '../policy/types.js';
import { expandHome } from '../util/paths.js';

/** Reads each credential's real value on the host and mints its session placeholder. */
export function resolveCredentials(rules: readonly CredentialRule[], hostEnv: NodeJS.ProcessEnv, home = homedir()): { credentials: SessionCredential[]; boxEnv: Record<string, string>; notes: string[] } {
  const credentials: SessionCredential[] = [];
  const boxEnv: Record<string, string> = {};
  const notes: string[] = [];
  for (const rule of rules) {
    let real: string | undefined;
    if (rule.from.env) real = hostEnv[rule.from.env] || undefined;
    else if (rule.from.file) {
      try {
        real = readFileSync(expandHome(rule.from.file, home), 'utf8').split('\n')[0]!.trim() || undefined;
      } catch {
        real = undefined;
      }
    }
    const source = rule.from.env ? `environment variable ${rule.from.env}` : `file ${rule.from.file}`;
    if (!real) {
      if (rule.optional) continue;
      throw new UserError(`credential ${rule.name}: ${source} is not set on this machine; set it, or mark the credential \`optional: true\``);
    }
    const placeholder = makePlaceholder(real);
    credentials.push({ name: rule.name, placeholder, real, hosts: rule.hosts });
    for (const name of [rule.env ?? rule.from.env!].flat()) boxEnv[name] = placeholder;
    notes.push(`credential ${rule.name}: the sandbox holds a placeholder; the real value goes only to ${rule.hosts.join(', ')}`);
  }
  return { credentials, boxEnv, notes };
}
