import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { which } from '../sandbox/resolve-command.js';

export interface AgentIdentity {
  /** argv[0] as given. */
  command: string;
  /** The executable it resolved to on the host, symlinks followed. */
  resolved?: string;
  /** The npm package that ships it, when it is one. */
  npmPackage?: { name: string; version: string };
}

/** What the session actually ran: the resolved executable and, for npm installs, its package and version. */
export function agentIdentity(argv0: string, pathVar: string | undefined, cwd: string): AgentIdentity {
  const found = which(argv0, pathVar, cwd);
  if (!found) return { command: argv0 };
  const resolved = realpathSync(found);
  let dir = dirname(resolved);
  // Walk up to the nearest package.json inside node_modules (never beyond the package root).
  while (dir.includes(`${sep}node_modules${sep}`)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
        if (json.name && json.version) return { command: argv0, resolved, npmPackage: { name: json.name, version: json.version } };
      } catch {
        /* not a readable manifest: keep looking */
      }
    }
    dir = dirname(dir);
  }
  return { command: argv0, resolved };
}
