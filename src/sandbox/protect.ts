import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { UserError } from '../errors.js';
import { SHELL_RC_FILES } from '../policy/presets.js';
import { isWithin } from '../util/paths.js';
import type { Mount } from './types.js';

/**
 * Protected workspace paths stay read-only, and ones that do not exist yet stay uncreatable.
 *
 * Two facts shape this:
 * - A read-only bind on `.git/hooks` alone is not enough: the agent could rename `.git` away and
 *   build a new one around a planted hook. A mount point cannot be renamed or removed (EBUSY), so
 *   every ancestor between the workspace and the protected path is bound onto itself too.
 * - A missing path has nothing to bind over. We create an empty placeholder for its first
 *   missing component and bind an empty read-only file or directory there; the placeholder is
 *   removed after the session if it is still empty.
 */

/** Names that are files when they exist; a placeholder for them is an empty file. */
const FILE_LIKE = new Set(['config', '.gitmodules', '.envrc', '.mcp.json', ...SHELL_RC_FILES]);

export interface Placeholder {
  path: string;
  type: 'file' | 'dir';
}

export interface ProtectionPlan {
  mounts: Mount[];
  /** Placeholders created on the host for missing protected paths. */
  placeholders: Placeholder[];
}

/**
 * Plans mounts protecting `relPaths` under `workspace` (a real, symlink-free path).
 * Creates placeholders on the host for missing paths (call removePlaceholders afterwards).
 */
export function planProtection(workspace: string, relPaths: readonly string[]): ProtectionPlan {
  const placeholders: Placeholder[] = [];
  try {
    return { mounts: planInto(workspace, relPaths, placeholders), placeholders };
  } catch (err) {
    // Leave the user's workspace as we found it.
    removePlaceholders(placeholders);
    throw err;
  }
}

function planInto(workspace: string, relPaths: readonly string[], placeholders: Placeholder[]): Mount[] {
  const mounts: Mount[] = [];
  const anchored = new Set<string>();

  const anchorAncestors = (target: string) => {
    // Bind every directory strictly between the workspace and target onto itself.
    const rel = relative(workspace, dirname(target));
    if (rel === '') return;
    let cur = workspace;
    for (const part of rel.split(sep)) {
      cur = join(cur, part);
      if (!anchored.has(cur)) {
        anchored.add(cur);
        mounts.push({ kind: 'rw-bind', source: cur, target: cur });
      }
    }
  };

  // Already read-only (protected or placeholder) paths: anything below them is covered.
  const covered: string[] = [];
  for (const rel of relPaths) {
    if (covered.some((c) => isWithin(join(workspace, rel), c))) continue;
    // Walk down to the first component that does not exist.
    let cur = workspace;
    let firstMissing: string | undefined;
    let missingIsLast = false;
    const parts = rel.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const next = join(cur, parts[i]!);
      let st;
      try {
        st = lstatSync(next);
      } catch {
        firstMissing = next;
        missingIsLast = i === parts.length - 1;
        break;
      }
      if (st.isSymbolicLink()) {
        // A symlink cannot be covered by a mount (the mount lands on its target), so the agent
        // could delete it and create the real thing. Refuse rather than protect in name only.
        throw new UserError(
          `protected path ${relative(workspace, next)} is a symlink; glassbox cannot keep it read-only in place. ` +
            `Replace it with a real file or directory, or list it under filesystem.unprotect`,
        );
      }
      cur = next;
      // A file where a directory would be (a worktree's `.git` file pointing elsewhere):
      // keeping that file read-only is what stops the path below it from being redirected.
      if (!st.isDirectory()) break;
    }
    if (firstMissing === undefined) {
      anchorAncestors(cur);
      mounts.push({ kind: 'ro-bind', source: cur, target: cur });
      covered.push(cur);
      continue;
    }
    const type: 'file' | 'dir' = missingIsLast && FILE_LIKE.has(basename(firstMissing)) ? 'file' : 'dir';
    if (type === 'file') closeSync(openSync(firstMissing, 'wx', 0o444));
    else mkdirSync(firstMissing, { mode: 0o555 });
    placeholders.push({ path: firstMissing, type });
    covered.push(firstMissing);
    anchorAncestors(firstMissing);
    mounts.push(type === 'file' ? { kind: 'hide-file', target: firstMissing } : { kind: 'hide-dir', target: firstMissing });
  }
  return mounts;
}

/** Removes placeholders that are still empty; anything else is left for the user to see. */
export function removePlaceholders(placeholders: readonly Placeholder[]): void {
  for (const p of [...placeholders].reverse()) {
    try {
      const st = lstatSync(p.path);
      if (p.type === 'file' && st.isFile() && st.size === 0) unlinkSync(p.path);
      if (p.type === 'dir' && st.isDirectory() && readdirSync(p.path).length === 0) rmdirSync(p.path);
    } catch {
      /* already gone */
    }
  }
}
