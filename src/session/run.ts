import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';
import { JsonlEventSink } from '../audit/events.js';
import { parseSize } from '../policy/load.js';
import type { LoadedPolicy } from '../policy/types.js';
import { EgressProxy } from '../proxy/server.js';
import { BubblewrapBackend } from '../sandbox/bwrap.js';
import { buildEnv } from '../sandbox/env.js';
import { checkWorkspace, planMounts } from '../sandbox/plan.js';
import { removePlaceholders } from '../sandbox/protect.js';
import type { SandboxBackend } from '../sandbox/types.js';
import { isWithin } from '../util/paths.js';

/** The port the agent's proxy variables point at inside the box (its own network namespace). */
const BOX_PROXY_PORT = 3128;

export interface RunOptions {
  command: string[];
  loaded: LoadedPolicy;
  workspace?: string;
  /** Suppress the banner and summary on stderr. */
  quiet?: boolean;
  backend?: SandboxBackend;
  /** Override for tests: where sessions are kept. */
  stateRoot?: string;
}

export interface RunResult {
  exitCode: number;
  sessionId: string;
  sessionDir: string;
  events: JsonlEventSink;
}

export function stateRoot(home = homedir()): string {
  return join(process.env.XDG_STATE_HOME || join(home, '.local', 'state'), 'glassbox');
}

function newSessionId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${t}-${randomBytes(3).toString('hex')}`;
}

function say(quiet: boolean | undefined, msg: string): void {
  if (!quiet) process.stderr.write(`glassbox: ${msg}\n`);
}

/** `glassbox run`: the agent inside the sandbox, its only way out through the egress proxy. */
export async function runSession(opts: RunOptions): Promise<RunResult> {
  const { policy, hash } = opts.loaded;
  const backend = opts.backend ?? new BubblewrapBackend();
  await backend.preflight();

  const hostHome = homedir();
  const workspace = checkWorkspace(opts.workspace ?? policy.workspace ?? process.cwd(), hostHome);
  const sessionId = newSessionId();
  const sessionDir = join(opts.stateRoot ?? stateRoot(hostHome), 'sessions', sessionId);
  mkdirSync(sessionDir, { recursive: true, mode: 0o700 });
  const events = new JsonlEventSink(sessionId, join(sessionDir, 'events.jsonl'));
  // Sockets and scratch files live in a private temp dir: short paths (unix sockets allow 108
  // bytes) and never visible inside the box, whose /tmp is its own.
  const runtimeDir = mkdtempSync(join(tmpdir(), 'glassbox-'));
  const bridgeDir = join(runtimeDir, 'bridge');
  mkdirSync(bridgeDir, { mode: 0o700 });

  const proxy = new EgressProxy({ allow: policy.network.allow, events });
  let placeholders: ReturnType<typeof planMounts>['placeholders'] = [];
  try {
    await proxy.listen(join(bridgeDir, 'proxy.sock'));
    const cwd = isWithin(process.cwd(), workspace) ? process.cwd() : workspace;
    const extraProtected =
      opts.loaded.file && isWithin(opts.loaded.file, workspace) ? [relative(workspace, opts.loaded.file)] : [];
    const plan = planMounts({
      policy,
      workspace,
      hostHome,
      sessionHome: join(sessionDir, 'home'),
      command: opts.command,
      hostPath: process.env.PATH,
      cwd,
      extraProtected,
    });
    placeholders = plan.placeholders;
    const user = userInfo().username;
    const env = buildEnv({
      hostEnv: process.env,
      pass: policy.env.pass,
      set: policy.env.set,
      ...(policy.env.tz !== undefined ? { tz: policy.env.tz } : {}),
      home: hostHome,
      user,
      proxyUrl: `http://127.0.0.1:${BOX_PROXY_PORT}`,
      sessionId,
      shell: existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh',
    });
    const limits = {
      processes: policy.limits.processes,
      openFiles: policy.limits.openFiles,
      memoryBytes: parseSize(policy.limits.memory),
      fileSizeBytes: parseSize(policy.limits.fileSize),
    };
    const box = await backend.start({
      id: sessionId,
      command: opts.command,
      cwd,
      env,
      mounts: plan.mounts,
      limits,
      bridge: { hostDir: bridgeDir, socketName: 'proxy.sock', boxPort: BOX_PROXY_PORT },
      sharesTerminal: Boolean(process.stdin.isTTY),
      stateDir: join(runtimeDir, 'state'),
    });
    events.emit({
      kind: 'session.start',
      command: opts.command,
      workspace,
      policyHash: hash,
      policyFile: opts.loaded.file ?? null,
      preset: policy.preset,
      backend: backend.name,
      enforcement: box.enforcement,
      protected: [...policy.filesystem.protect, ...extraProtected],
      allow: policy.network.allow.map((r) => `${r.host}:${r.ports.join(',')}`),
    });
    const hosts = policy.network.allow.map((r) => `${r.host}:${r.ports.join(',')}`).join(' ') || 'none';
    say(opts.quiet, `session ${sessionId} · workspace ${workspace} · network: ${hosts} · policy ${hash.slice(0, 12)}`);
    for (const n of plan.notes) say(opts.quiet, n);

    // Forward termination requests to the agent so it can exit cleanly and report its status.
    // SIGINT from a shared terminal already reached the agent directly; only forward otherwise.
    const forwarded: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGINT'];
    const handlers = forwarded.map((sig) => {
      const h = () => {
        if (sig === 'SIGINT' && process.stdin.isTTY) return;
        box.signal(sig);
      };
      process.on(sig, h);
      return [sig, h] as const;
    });
    const exit = await box.exited;
    for (const [sig, h] of handlers) process.off(sig, h);

    const denied = events.events.filter((e) => e.kind === 'network' && e.decision === 'deny');
    events.emit({ kind: 'session.end', exitCode: exit.code, deniedConnections: denied.length });
    if (denied.length > 0) {
      const list = denied.slice(0, 5).map((e) => `${String(e.host ?? e.target)}:${String(e.port ?? '')} (${String(e.reason)})`);
      say(opts.quiet, `blocked ${denied.length} connection${denied.length === 1 ? '' : 's'}: ${list.join('; ')}${denied.length > 5 ? '; …' : ''}`);
    }
    say(opts.quiet, `session ${sessionId} ended with exit code ${exit.code}; events in ${join(sessionDir, 'events.jsonl')}`);
    return { exitCode: exit.code, sessionId, sessionDir, events };
  } finally {
    await proxy.close();
    removePlaceholders(placeholders);
    rmSync(runtimeDir, { recursive: true, force: true });
  }
}
