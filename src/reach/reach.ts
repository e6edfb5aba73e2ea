/**
 * `glassbox reach`: what a process of this user can reach on this machine (bare), and what
 * stays reachable from inside the box under a given policy, probed live in a real box.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostEnvSecrets } from '../dlp/local-secrets.js';
import { UserError } from '../errors.js';
import type { LoadedPolicy } from '../policy/types.js';
import { runSession } from '../session/run.js';
import { catalog, proxyChecks, type Asset, type Category, type Severity } from './catalog.js';
import { BOX_FLAG, type Check, type CheckResult, type EnvResult, type ProxyResult, type ReadResult, type RouteResult, runChecks, type SetgidResult, type SocketResult, type WriteResult } from './probe.js';

export interface Reachability {
  reachable: boolean;
  /** Why, in a few words: "readable", "hidden", "decoy in its place", "refused by the proxy: …". */
  detail: string;
}

export interface AssetReport {
  id: string;
  category: Category;
  severity: Severity;
  name: string;
  /** Present on this machine at all (a missing key cannot leak). */
  present: boolean;
  bare: Reachability;
  box: Reachability;
}

/** Worth showing: it exists here, or it is reachable anyway (a network, a creatable persistence point). */
export function worthShowing(a: AssetReport): boolean {
  return a.present || a.bare.reachable || a.box.reachable;
}

export interface ReachReport {
  generated: string;
  user: string;
  uid: number;
  home: string;
  workspace: string;
  policyHash: string;
  policyFile: string | null;
  /** The box session the live probe ran in (its events are in the audit log). */
  session: string;
  /** Hosts the policy lets the box reach by design. */
  allowedHosts: string[];
  assets: AssetReport[];
  summary: { bare: Record<Severity, number>; box: Record<Severity, number> };
  /** Critical assets reachable from inside the box: the CI gate. */
  criticalInBox: string[];
  verdict: 'contained' | 'exposed';
}

const EMPTY_SHA = createHash('sha256').digest('hex');

/** The checker's compiled source, passed to node inside the box (the repository is not visible there). */
function checkerSource(): string {
  return readFileSync(fileURLToPath(new URL('./probe.js', import.meta.url)), 'utf8');
}

function sha(v: string): string {
  return createHash('sha256').update(v).digest('hex');
}

function sameContent(host: ReadResult, box: ReadResult): boolean {
  const mine = new Set((host.hashes ?? []).filter((h) => h !== EMPTY_SHA));
  return (box.hashes ?? []).some((h) => mine.has(h));
}

function judgeRead(host: ReadResult, box: ReadResult | undefined): [boolean, Reachability, Reachability] {
  const bare: Reachability = !host.exists ? { reachable: false, detail: 'not present' } : host.readable ? { reachable: true, detail: 'readable' } : { reachable: false, detail: 'not readable by this user' };
  if (!box) return [host.exists, bare, { reachable: false, detail: 'not probed' }];
  let inBox: Reachability;
  if (!box.exists) inBox = { reachable: false, detail: host.exists ? 'hidden' : 'not present' };
  else if (!box.readable) inBox = { reachable: false, detail: 'not readable' };
  else if (host.exists && box.identity === host.identity) inBox = { reachable: true, detail: 'the host file itself is visible' };
  else if (host.exists && sameContent(host, box)) inBox = { reachable: true, detail: 'a copy of the host file is visible' };
  else inBox = { reachable: false, detail: host.exists ? 'a decoy or the box’s own file in its place' : 'the box’s own file (not the host’s)' };
  return [host.exists, bare, inBox];
}

function judgeWrite(host: WriteResult, box: WriteResult | undefined): [boolean, Reachability, Reachability] {
  const what = host.exists ? 'writable' : `creatable (${host.target} is writable)`;
  const bare: Reachability = host.writable ? { reachable: true, detail: what } : { reachable: false, detail: host.exists ? 'read-only for this user' : `not creatable (${host.target} is read-only)` };
  if (!box) return [true, bare, { reachable: false, detail: 'not probed' }];
  let inBox: Reachability;
  if (box.target === host.target && box.identity === host.identity) {
    inBox = box.writable
      ? { reachable: true, detail: host.exists ? 'the host file is writable' : `can be created (host ${host.target} is writable)` }
      : { reachable: false, detail: host.exists ? 'read-only in the box' : 'cannot be created in the box' };
  } else if (!box.writable && box.target.length > host.target.length) {
    // Something stands in the box where the host has nothing: a protection placeholder.
    inBox = { reachable: false, detail: 'a read-only placeholder stops its creation' };
  } else inBox = { reachable: false, detail: 'only the box’s own copy, discarded with it' };
  return [true, bare, inBox];
}

function judgeSocket(host: SocketResult, box: SocketResult | undefined): [boolean, Reachability, Reachability] {
  const says = (r: SocketResult): Reachability =>
    !r.exists ? { reachable: false, detail: 'not present' } : r.connectable ? { reachable: true, detail: 'accepts connections' } : { reachable: false, detail: `refuses connections (${r.error ?? 'no answer'})` };
  return [host.exists, says(host), box ? says(box) : { reachable: false, detail: 'not probed' }];
}

function judgeEnv(hostSecrets: Map<string, string>, box: EnvResult | undefined): [boolean, Reachability, Reachability] {
  const names = [...hostSecrets.keys()];
  const bare: Reachability = names.length > 0 ? { reachable: true, detail: `${names.length} set: ${names.join(', ')}` } : { reachable: false, detail: 'none set' };
  if (!box) return [names.length > 0, bare, { reachable: false, detail: 'not probed' }];
  const values = new Set(hostSecrets.values());
  const leaked = Object.entries(box.vars).filter(([, h]) => values.has(h)).map(([k]) => k);
  const inBox: Reachability = leaked.length > 0 ? { reachable: true, detail: `real values visible: ${leaked.join(', ')}` } : { reachable: false, detail: names.length > 0 ? 'scrubbed (credentials only as placeholders)' : 'none set' };
  return [names.length > 0, bare, inBox];
}

function judgeNetwork(host: RouteResult, box: RouteResult | undefined, viaProxy: ProxyResult | undefined): [boolean, Reachability, Reachability] {
  const bare: Reachability = host.routable ? { reachable: true, detail: 'routable' } : { reachable: false, detail: `no route (${host.error ?? 'unreachable'})` };
  if (!box) return [true, bare, { reachable: false, detail: 'not probed' }];
  if (box.routable) return [true, bare, { reachable: true, detail: 'routable from the box' }];
  let inBox: Reachability;
  if (!viaProxy || viaProxy.noProxy) inBox = { reachable: false, detail: 'no route and no proxy' };
  else if (viaProxy.status === 200) inBox = { reachable: true, detail: 'the proxy connects it' };
  else if (viaProxy.status === 502) inBox = { reachable: true, detail: `allowed by the policy (upstream failed: ${viaProxy.reason ?? 'bad gateway'})` };
  else if (viaProxy.status === 403) inBox = { reachable: false, detail: `refused by the proxy: ${viaProxy.reason ?? 'forbidden'}` };
  else inBox = { reachable: false, detail: `no route; proxy answered ${viaProxy.status ?? viaProxy.error}` };
  return [true, bare, inBox];
}

function judgeSetgid(host: SetgidResult, box: SetgidResult | undefined): [boolean, Reachability, Reachability] {
  const says = (r: SetgidResult): Reachability => (!r.exists ? { reachable: false, detail: 'not installed' } : r.effective ? { reachable: true, detail: 'crontab can install jobs' } : { reachable: false, detail: 'set-group-id has no effect (no_new_privs)' });
  return [host.exists, says(host), box ? says(box) : { reachable: false, detail: 'not probed' }];
}

export function judge(asset: Asset, host: CheckResult, box: Record<string, CheckResult> | undefined, hostSecrets: Map<string, string>): AssetReport {
  const inBox = box?.[asset.id];
  let verdict: [boolean, Reachability, Reachability];
  switch (asset.check.type) {
    case 'read':
      verdict = judgeRead(host as ReadResult, inBox as ReadResult | undefined);
      break;
    case 'write':
      verdict = judgeWrite(host as WriteResult, inBox as WriteResult | undefined);
      break;
    case 'socket':
      verdict = judgeSocket(host as SocketResult, inBox as SocketResult | undefined);
      break;
    case 'env':
      verdict = judgeEnv(hostSecrets, inBox as EnvResult | undefined);
      break;
    case 'route':
      verdict = judgeNetwork(host as RouteResult, inBox as RouteResult | undefined, box?.[asset.id.replace(/^net:/, 'proxy:')] as ProxyResult | undefined);
      break;
    case 'setgid':
      verdict = judgeSetgid(host as SetgidResult, inBox as SetgidResult | undefined);
      break;
    default:
      throw new Error(`no judge for check ${asset.check.type}`);
  }
  const [present, bare, boxed] = verdict;
  return { id: asset.id, category: asset.category, severity: asset.severity, name: asset.name, present, bare, box: boxed };
}

export interface ReachOptions {
  loaded: LoadedPolicy;
  workspace: string;
  progress?: (m: string) => void;
}

/** Runs the checker bare, then in a real box under the policy, and compares the two. */
export async function reach(opts: ReachOptions): Promise<ReachReport> {
  const home = homedir();
  const uid = process.getuid?.() ?? -1;
  const assets = catalog({ home, workspace: opts.workspace, env: process.env, uid });
  const checks = assets.map((a) => a.check);
  const hostSecrets = new Map(hostEnvSecrets(process.env).map((s) => [s.label.replace(/^host env /, ''), sha(s.value)]));
  const bare = await runChecks(checks);

  // The box's stdout goes to a host file that only this process reads.
  const outFile = join(tmpdir(), `glassbox-reach-${process.pid}-${Date.now()}.json`);
  const fd = openSync(outFile, 'wx', 0o600);
  let boxed: Record<string, CheckResult>;
  let session: string;
  try {
    const boxChecks: Check[] = [...checks, ...proxyChecks()];
    const result = await runSession({
      command: [process.execPath, '--input-type=module', '-e', checkerSource(), '--', BOX_FLAG, JSON.stringify(boxChecks)],
      loaded: opts.loaded,
      workspace: opts.workspace,
      quiet: true,
      stdoutFd: fd,
      purpose: 'reach',
    });
    session = result.sessionId;
    const text = readFileSync(outFile, 'utf8');
    if (result.exitCode !== 0 || !text.trim()) throw new UserError(`the in-box checker failed (exit ${result.exitCode}); see \`glassbox show ${session}\``);
    try {
      boxed = JSON.parse(text) as Record<string, CheckResult>;
    } catch {
      throw new UserError(`the in-box checker printed something other than its report; see \`glassbox show ${session}\``);
    }
  } finally {
    closeSync(fd);
    rmSync(outFile, { force: true });
  }
  opts.progress?.(`probed ${checks.length} assets bare and in the box (session ${session})`);

  const reports = assets.map((a) => judge(a, bare[a.id]!, boxed, hostSecrets));
  const count = (pick: (r: AssetReport) => boolean) => {
    const out: Record<Severity, number> = { critical: 0, high: 0, medium: 0 };
    for (const r of reports) if (pick(r)) out[r.severity]++;
    return out;
  };
  const criticalInBox = reports.filter((r) => r.severity === 'critical' && r.box.reachable).map((r) => r.id);
  const policy = opts.loaded.policy;
  return {
    generated: new Date().toISOString(),
    user: userInfo().username,
    uid,
    home,
    workspace: opts.workspace,
    policyHash: opts.loaded.hash,
    policyFile: opts.loaded.file ?? null,
    session,
    allowedHosts: policy.network.allow.map((r) => `${r.host}:${r.ports.join(',')}${r.inspect ? ' (inspected)' : ''}`),
    assets: reports,
    summary: { bare: count((r) => r.bare.reachable), box: count((r) => r.box.reachable) },
    criticalInBox,
    verdict: criticalInBox.length > 0 ? 'exposed' : 'contained',
  };
}
