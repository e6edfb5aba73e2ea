import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceLimits } from './types.js';

/**
 * Resource limits come from two mechanisms, whichever this machine allows:
 * - rlimits (via util-linux `prlimit` around bubblewrap), always: file size, open files, data
 *   size, and process count. The kernel never applies RLIMIT_NPROC to host root, so as root a
 *   fork bomb is only stopped by the next mechanism.
 * - a cgroup per session (v1 or v2) with pids and memory limits, when the supervisor may create
 *   one (root, or a delegated cgroup). It bounds the whole box, not each process.
 */

export interface CgroupHandle {
  /** `cgroup.procs` files the launcher writes its own pid into before starting the box. */
  procsFiles: string[];
  /** What is enforced, e.g. "cgroup v1 pids.max=2048". */
  enforced: string[];
  dirs: string[];
}

function ownCgroupPaths(): Map<string, string> {
  const map = new Map<string, string>();
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
      const [, controllers, path] = line.split(':', 3) as [string, string, string];
      for (const c of controllers === '' ? ['unified'] : controllers.split(',')) map.set(c, path);
    }
  } catch {
    /* no cgroups visible */
  }
  return map;
}

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

/** Creates a cgroup for the session where possible. Never throws: absent cgroups just enforce less. */
export function createCgroups(name: string, limits: ResourceLimits): CgroupHandle {
  const handle: CgroupHandle = { procsFiles: [], enforced: [], dirs: [] };
  const own = ownCgroupPaths();
  const makeChild = (base: string): string | undefined => {
    const dir = join(base, name);
    try {
      mkdirSync(dir);
      handle.dirs.push(dir);
      return dir;
    } catch {
      return undefined;
    }
  };

  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    // Pure cgroup v2: the parent must delegate pids and memory to children.
    const base = join('/sys/fs/cgroup', own.get('unified') ?? '/');
    if (tryWrite(join(base, 'cgroup.subtree_control'), '+pids +memory')) {
      const dir = makeChild(base);
      if (dir) {
        if (tryWrite(join(dir, 'pids.max'), String(limits.processes))) handle.enforced.push(`cgroup v2 pids.max=${limits.processes}`);
        if (limits.memoryBytes !== undefined && tryWrite(join(dir, 'memory.max'), String(limits.memoryBytes))) {
          tryWrite(join(dir, 'memory.swap.max'), '0');
          handle.enforced.push(`cgroup v2 memory.max=${limits.memoryBytes}`);
        }
        handle.procsFiles.push(join(dir, 'cgroup.procs'));
      }
    }
    return handle;
  }

  // cgroup v1 (or hybrid): one hierarchy per controller.
  const pidsRoot = '/sys/fs/cgroup/pids';
  if (existsSync(join(pidsRoot, 'cgroup.procs'))) {
    const dir = makeChild(join(pidsRoot, own.get('pids') ?? '/'));
    if (dir && tryWrite(join(dir, 'pids.max'), String(limits.processes))) {
      handle.enforced.push(`cgroup v1 pids.max=${limits.processes}`);
      handle.procsFiles.push(join(dir, 'cgroup.procs'));
    }
  }
  const memRoot = '/sys/fs/cgroup/memory';
  if (limits.memoryBytes !== undefined && existsSync(join(memRoot, 'cgroup.procs'))) {
    const dir = makeChild(join(memRoot, own.get('memory') ?? '/'));
    if (dir && tryWrite(join(dir, 'memory.limit_in_bytes'), String(limits.memoryBytes))) {
      handle.enforced.push(`cgroup v1 memory.limit_in_bytes=${limits.memoryBytes}`);
      handle.procsFiles.push(join(dir, 'cgroup.procs'));
    }
  }
  return handle;
}

/** Removes the session's cgroups once the box is gone (they are empty by then). */
export async function removeCgroups(handle: CgroupHandle): Promise<void> {
  for (const dir of [...handle.dirs].reverse()) {
    for (let attempt = 0; attempt < 120; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY') break;
        // The last processes of the box may still be exiting.
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }
}

/**
 * prlimit(1) arguments for the rlimits. Soft and hard limits are equal so the box cannot raise
 * them; an unlimited value is left as inherited (an unprivileged user may not raise a hard limit).
 */
export function prlimitArgs(limits: ResourceLimits): string[] {
  const args = [`--nproc=${limits.processes}:${limits.processes}`, `--nofile=${limits.openFiles}:${limits.openFiles}`, '--core=0:0'];
  if (limits.fileSizeBytes !== undefined) args.push(`--fsize=${limits.fileSizeBytes}:${limits.fileSizeBytes}`);
  // RLIMIT_DATA rather than RLIMIT_AS: V8 and Rust runtimes reserve far more address space
  // than they use, and an address-space cap breaks them; data counts what is actually writable.
  if (limits.memoryBytes !== undefined) args.push(`--data=${limits.memoryBytes}:${limits.memoryBytes}`);
  return args;
}
