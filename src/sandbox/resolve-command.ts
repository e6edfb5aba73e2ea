import { accessSync, constants, openSync, readSync, closeSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import type { Mount } from './types.js';

/** Finds an executable on PATH the way a shell would. */
export function which(cmd: string, pathVar: string | undefined, cwd: string): string | undefined {
  if (cmd.includes('/')) {
    const p = resolve(cwd, cmd);
    return isExecutable(p) ? p : undefined;
  }
  for (const dir of (pathVar ?? '').split(':')) {
    if (!dir) continue;
    const p = join(isAbsolute(dir) ? dir : resolve(cwd, dir), cmd);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The interpreter named by a `#!` line, resolving `/usr/bin/env NAME` through PATH. */
function shebangInterpreter(file: string, pathVar: string | undefined, cwd: string): string | undefined {
  const buf = Buffer.alloc(256);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
  } catch {
    return undefined;
  }
  const head = buf.subarray(0, n).toString('latin1');
  if (!head.startsWith('#!')) return undefined;
  const words = head.slice(2).split('\n')[0]!.trim().split(/\s+/);
  const interp = words[0];
  if (!interp) return undefined;
  if (interp.endsWith('/env')) {
    const name = words.slice(1).find((w) => !w.startsWith('-'));
    return name ? which(name, pathVar, cwd) : undefined;
  }
  return interp;
}

/**
 * The smallest directory that holds a program and what it loads: for npm packages the
 * outermost node_modules (dependencies may be siblings), else the file's own directory.
 */
function installRoot(realFile: string): string {
  const marker = `${sep}node_modules${sep}`;
  const at = realFile.indexOf(marker);
  if (at >= 0) return realFile.slice(0, at + marker.length - 1);
  return dirname(realFile);
}

/**
 * Makes the agent's program (and its script interpreter) visible in the box when it lives
 * outside what the box already shows, e.g. a global npm install under the real HOME.
 * Returns read-only mounts to add; `visible` says whether a host path is already shown.
 */
export function commandMounts(
  argv0: string,
  pathVar: string | undefined,
  cwd: string,
  visible: (p: string) => boolean,
): Mount[] {
  const found = which(argv0, pathVar, cwd);
  if (!found) {
    throw new UserError(`command not found: ${argv0}; check the name or give its full path after \`--\``);
  }
  const mounts: Mount[] = [];
  const seen = new Set<string>();
  const expose = (file: string) => {
    const real = realpathSync(file);
    const root = installRoot(real);
    if (!visible(real) && !seen.has(root)) {
      seen.add(root);
      mounts.push({ kind: 'ro-bind', source: root, target: root });
    }
    // Show the file at the path the box will look it up by, when that path is not covered yet.
    if (!visible(file) && !file.startsWith(root + sep) && !seen.has(file)) {
      seen.add(file);
      mounts.push({ kind: 'ro-bind', source: real, target: file });
    }
  };
  expose(found);
  const interp = shebangInterpreter(found, pathVar, cwd);
  if (interp && isExecutable(interp)) expose(interp);
  return mounts;
}
