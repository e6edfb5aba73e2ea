import { homedir } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Expands a leading `~` to the given home directory. */
export function expandHome(p: string, home = homedir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return home + p.slice(1);
  return p;
}

/** Resolves a policy path: `~` against home, relative against `base`. */
export function resolvePolicyPath(p: string, base: string, home = homedir()): string {
  const expanded = expandHome(p, home);
  return isAbsolute(expanded) ? resolve(expanded) : resolve(base, expanded);
}

/** True when `child` is `parent` or lies below it (purely lexical). */
export function isWithin(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}
