import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { UserError } from '../errors.js';
import type { HomeProjection } from '../policy/types.js';
import { expandHome } from '../util/paths.js';
import type { Mount } from './types.js';

/**
 * The box gets a fresh HOME: a per-session directory on the host, mounted at the user's home
 * path so that absolute paths in agent config keep working. The real home stays invisible; only
 * what the policy projects enters, as a private copy or a read-only / read-write bind.
 */
export function prepareHome(
  sessionHome: string,
  hostHome: string,
  projections: readonly HomeProjection[],
  setup?: (read: (rel: string) => string | undefined, write: (rel: string, text: string) => void) => void,
): { mounts: Mount[]; projected: string[] } {
  mkdirSync(sessionHome, { recursive: true, mode: 0o700 });
  const mounts: Mount[] = [{ kind: 'rw-bind', source: sessionHome, target: hostHome }];
  const projected: string[] = [];
  for (const item of projections) {
    const source = expandHome(item.path, hostHome);
    if (!existsSync(source)) {
      if (item.optional) continue;
      throw new UserError(
        `home projection ${item.path} does not exist on this machine; create it or mark it \`optional: true\` in the policy`,
      );
    }
    const inSession = join(sessionHome, relative(hostHome, source));
    if (item.mode === 'copy') {
      mkdirSync(dirname(inSession), { recursive: true, mode: 0o700 });
      cpSync(source, inSession, { recursive: true, dereference: true, errorOnExist: false });
    } else {
      mounts.push({ kind: item.mode === 'ro' ? 'ro-bind' : 'rw-bind', source, target: source });
    }
    projected.push(`${item.path} (${item.mode})`);
  }
  setup?.(
    (rel) => {
      try {
        return readFileSync(join(sessionHome, rel), 'utf8');
      } catch {
        return undefined;
      }
    },
    (rel, text) => {
      mkdirSync(dirname(join(sessionHome, rel)), { recursive: true, mode: 0o700 });
      writeFileSync(join(sessionHome, rel), text, { mode: 0o600 });
    },
  );
  return { mounts, projected };
}
