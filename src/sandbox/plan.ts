import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { EffectivePolicy } from '../policy/types.js';
import { expandHome, isWithin, resolvePolicyPath } from '../util/paths.js';
import { PRESET_HOME_SETUP } from '../policy/presets.js';
import { prepareHome } from './home.js';
import { planProtection, type Placeholder } from './protect.js';
import { commandMounts } from './resolve-command.js';
import { SYSTEM_DIRS, systemMounts } from './system.js';
import type { Mount } from './types.js';

export interface MountPlanInputs {
  policy: EffectivePolicy;
  workspace: string;
  hostHome: string;
  sessionHome: string;
  command: string[];
  hostPath: string | undefined;
  cwd: string;
  /** Extra workspace paths to protect (e.g. the policy file itself when it lives there). */
  extraProtected: string[];
}

export interface MountPlan {
  mounts: Mount[];
  placeholders: Placeholder[];
  /** Things the user should know (skipped paths, projected config). */
  notes: string[];
}

/** Refuses workspaces that would expose what the box exists to hide. */
export function checkWorkspace(raw: string, hostHome: string): string {
  let ws: string;
  try {
    ws = realpathSync(raw);
  } catch {
    throw new UserError(`workspace ${raw} does not exist; pass an existing project directory with --workspace`);
  }
  if (!statSync(ws).isDirectory()) throw new UserError(`workspace ${raw} is not a directory; pass a project directory with --workspace`);
  const home = existsSync(hostHome) ? realpathSync(hostHome) : hostHome;
  if (isWithin(home, ws)) {
    throw new UserError(`workspace ${ws} contains your home directory, which would expose ~/.ssh and every credential; choose a project directory instead`);
  }
  for (const dir of [...SYSTEM_DIRS, '/tmp', '/var/tmp', '/var', '/run', '/proc', '/dev', '/sys', '/home']) {
    if (isWithin(dir, ws)) throw new UserError(`workspace ${ws} is or contains the system directory ${dir}; choose a project directory instead`);
  }
  return ws;
}

/**
 * Decides what the box sees, most specific rule last so it wins: system read-only, fresh HOME,
 * workspace read-write, extra read/write paths, the agent's own program, protected paths,
 * and finally deny rules, which hide even what an earlier rule showed.
 */
export function planMounts(inp: MountPlanInputs): MountPlan {
  const { policy, workspace, hostHome } = inp;
  const notes: string[] = [];
  const resolveAll = (paths: string[]) => paths.map((p) => resolvePolicyPath(p, workspace, hostHome));
  const existing = (paths: string[], what: string) =>
    paths.filter((p) => {
      if (existsSync(p)) return true;
      notes.push(`${what} path ${p} does not exist; skipped`);
      return false;
    });
  const readPaths = existing(resolveAll(policy.filesystem.read), 'filesystem.read');
  const writePaths = existing(resolveAll(policy.filesystem.write), 'filesystem.write');
  const denyPaths = resolveAll(policy.filesystem.deny);

  const mounts: Mount[] = systemMounts();
  for (const p of readPaths) mounts.push({ kind: 'ro-bind', source: p, target: p });
  const home = prepareHome(inp.sessionHome, hostHome, policy.home, PRESET_HOME_SETUP[policy.preset]);
  mounts.push(...home.mounts);
  if (home.projected.length > 0) notes.push(`home: ${home.projected.join(', ')}`);
  mounts.push({ kind: 'rw-bind', source: workspace, target: workspace });
  for (const p of writePaths) mounts.push({ kind: 'rw-bind', source: p, target: p });

  // Longest matching prefix decides whether a host path is already visible in the box.
  const rules: [string, boolean][] = [
    ['/', false],
    ...SYSTEM_DIRS.map((d): [string, boolean] => [d, true]),
    ...['/tmp', '/run', '/var'].map((d): [string, boolean] => [d, false]),
    [hostHome, false],
    ...policy.home.filter((h) => h.mode !== 'copy').map((h): [string, boolean] => [expandHome(h.path, hostHome), true]),
    [workspace, true],
    ...readPaths.map((p): [string, boolean] => [p, true]),
    ...writePaths.map((p): [string, boolean] => [p, true]),
    ...denyPaths.map((p): [string, boolean] => [p, false]),
  ];
  const visible = (p: string) => {
    let best: [string, boolean] = ['/', false];
    for (const rule of rules) if (isWithin(p, rule[0]) && rule[0].length >= best[0].length) best = rule;
    return best[1];
  };
  const cmdMounts = commandMounts(inp.command[0]!, inp.hostPath, inp.cwd, visible);
  mounts.push(...cmdMounts);
  for (const m of cmdMounts) if (m.kind === 'ro-bind') notes.push(`agent program shown read-only: ${m.target}`);

  const protectedPaths = [...policy.filesystem.protect, ...inp.extraProtected];
  const protection = planProtection(workspace, protectedPaths);
  mounts.push(...protection.mounts);

  for (const p of denyPaths) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue; // nothing there to hide
    }
    mounts.push(st.isDirectory() ? { kind: 'hide-dir', target: p } : { kind: 'hide-file', target: p });
  }
  return { mounts, placeholders: protection.placeholders, notes };
}
