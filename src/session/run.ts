import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { homedir, hostname, tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';
import type { EventSink } from '../audit/events.js';
import { recoverAbandoned, selfIdentity } from '../audit/recover.js';
import { applyRetention } from '../audit/retention.js';
import { ExecTrail } from '../audit/exec-trail.js';
import { which } from '../sandbox/resolve-command.js';
import { AuditLogSink } from '../audit/sink.js';
import { AuditStore } from '../audit/store.js';
import { parseSize } from '../policy/load.js';
import type { LoadedPolicy } from '../policy/types.js';
import { EgressLedger, WorkspaceIndex } from '../inspect/egress.js';
import { buildChain } from '../inspect/index.js';
import { EgressProxy } from '../proxy/server.js';
import { CertificateAuthority } from '../tls/ca.js';
import { agentIdentity, describeAgent, HashCache } from '../attest/identity.js';
import { checkPins } from '../attest/pin.js';
import { UserError } from '../errors.js';
import { resolveCredentials } from './credentials.js';
import { DlpEngine } from '../dlp/index.js';
import { canarySecrets, makeCanaries, plantCanaries } from '../dlp/canaries.js';
import { dotenvSecrets, hostEnvSecrets } from '../dlp/local-secrets.js';
import { scanWorkspaceChanges } from '../dlp/scan.js';
import { ApprovalDesk } from '../tools/approvals.js';
import { ToolGate } from '../tools/gate.js';
import { ToolRules } from '../tools/rules.js';
import { BOX_RUNTIME_DIR, BubblewrapBackend, INIT_PATH } from '../sandbox/bwrap.js';
import { buildEnv } from '../sandbox/env.js';
import { checkWorkspace, planMounts } from '../sandbox/plan.js';
import { removePlaceholders } from '../sandbox/protect.js';
import type { SandboxBackend } from '../sandbox/types.js';
import { workspaceRepo } from '../util/git.js';
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
  /** Probe variations: the box's host name, the port its proxy variables name, extra variables. */
  hostname?: string;
  boxProxyPort?: number;
  extraEnv?: Record<string, string>;
  /** The agent's terminal output is discarded. */
  silent?: boolean;
  /** The agent's stdout goes to this host file descriptor (a checker's report). */
  stdoutFd?: number;
  /** Why this session ran, when not to run an agent (`reach`): the dashboard labels it. */
  purpose?: 'reach';
}

export interface RunResult {
  exitCode: number;
  sessionId: string;
  sessionDir: string;
  events: EventSink;
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
  const store = AuditStore.open(hostHome);
  for (const id of recoverAbandoned(store)) say(opts.quiet, `session ${id} had ended abnormally (its supervisor was killed); recorded and cleaned up`);
  const retention = policy.audit.retention;
  if (retention.days !== undefined || retention.maxSize !== undefined) {
    const purged = applyRetention(store, { ...(retention.days !== undefined ? { days: retention.days } : {}), ...(retention.maxSize ? { maxBytes: parseSize(retention.maxSize) } : {}) });
    if (purged.entries > 0) say(opts.quiet, `retention purged the bodies of ${purged.entries} old events (${purged.bytes} bytes); their hashes stay in the chain`);
  }
  const events = new AuditLogSink(store, sessionId, join(sessionDir, 'events.jsonl'));
  // Sockets and scratch files live in a private temp dir: short paths (unix sockets allow 108
  // bytes) and never visible inside the box, whose /tmp is its own.
  const runtimeDir = mkdtempSync(join(tmpdir(), 'glassbox-'));
  let proxy: EgressProxy | undefined;
  let placeholders: ReturnType<typeof planMounts>['placeholders'] = [];
  try {
    // Who ran it, where, on what: how the dashboard and the hub file the session.
    const who = { user: userInfo().username, host: hostname(), repo: workspaceRepo(workspace) };
    // Attestation: what is about to run, and whether the policy lets it.
    const agent = agentIdentity(opts.command[0]!, process.env.PATH, process.cwd(), HashCache.forHome(hostHome));
    const pinned = checkPins(policy.agents, agent);
    if (!pinned.ok) {
      if (policy.agents.onMismatch === 'refuse') {
        events.emit({ kind: 'session.start', command: opts.command, ...who, agent, workspace, policyHash: hash, policyFile: opts.loaded.file ?? null, refused: pinned.reason });
        events.emit({ kind: 'session.end', exitCode: null, refused: pinned.reason });
        throw new UserError(`refusing to start: ${pinned.reason}`);
      }
      say(opts.quiet, `warning: ${pinned.reason} (agents.onMismatch: warn)`);
    }
    const bridgeDir = join(runtimeDir, 'bridge');
    mkdirSync(bridgeDir, { mode: 0o700 });
    // Interception: a session CA for exactly the inspected (and routed) hosts.
    const inspected = policy.network.allow.filter((r) => r.inspect || policy.network.route[r.host]).map((r) => r.host);
    const ca = inspected.length > 0 ? new CertificateAuthority(inspected) : undefined;
    const boxCa = ca ? writeCaFiles(bridgeDir, ca.certPem) : {};
    const creds = resolveCredentials(policy.credentials, process.env, hostHome);
    const ledger = new EgressLedger();
    const indexStarted = Date.now();
    const index = inspected.length > 0 ? new WorkspaceIndex(workspace) : undefined;
    const indexMs = Date.now() - indexStarted;
    // DLP: the rule set, this machine's own secrets, and this session's canaries.
    const dlpNotes: string[] = [];
    const canaries = policy.dlp.canaries ? makeCanaries(userInfo().username) : [];
    const known = [
      ...(policy.dlp.localSecrets ? [...hostEnvSecrets(process.env), ...dotenvSecrets(workspace)] : []),
      ...canarySecrets(canaries),
    ];
    const dlp = DlpEngine.fromPolicy(policy.dlp, known, dlpNotes, creds.credentials.map((c) => c.placeholder));
    // Tool-call policy: every call the model asks for is decided before the agent sees it.
    const tools = new ToolGate({
      session: sessionId,
      rules: new ToolRules(policy.tools, workspace, hostHome),
      approval: policy.tools.approval,
      events,
      dlp,
      desk: new ApprovalDesk(store.db),
      interactive: Boolean(process.stdin.isTTY) && !process.env.CI,
      // Shown even when quiet: a person has to act on it.
      notify: (m) => process.stderr.write(`glassbox: ${m}\n`),
    });
    const chain = buildChain({ events, credentials: creds.credentials, ledger, dlp, tools, ...(index ? { index } : {}) });
    proxy = new EgressProxy({ session: sessionId, allow: policy.network.allow, routes: policy.network.route, events, chain, ...(ca ? { ca } : {}) });
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
    const planted = plantCanaries(join(sessionDir, 'home'), canaries);
    store.startSession({
      id: sessionId,
      started: new Date().toISOString(),
      pid: process.pid,
      command: JSON.stringify(opts.command),
      workspace,
      policyHash: hash,
      placeholders: JSON.stringify(placeholders),
      owner: selfIdentity(),
      runtime: runtimeDir,
    });
    const user = opts.extraEnv?.USER ?? userInfo().username;
    const boxPort = opts.boxProxyPort ?? BOX_PROXY_PORT;
    const env = buildEnv({
      hostEnv: process.env,
      pass: policy.env.pass,
      set: { ...boxCa, ...creds.boxEnv, ...policy.env.set, ...(opts.extraEnv ?? {}) },
      ...(policy.env.tz !== undefined ? { tz: policy.env.tz } : {}),
      home: hostHome,
      user,
      proxyUrl: `http://127.0.0.1:${boxPort}`,
      sessionId,
      shell: existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh',
    });
    const limits = {
      processes: policy.limits.processes,
      openFiles: policy.limits.openFiles,
      memoryBytes: parseSize(policy.limits.memory),
      fileSizeBytes: parseSize(policy.limits.fileSize),
    };
    // The exec trail needs strace inside the box; without it the session still runs, unrecorded execs noted.
    const traceFile = policy.audit.exec && which('strace', '/usr/bin:/bin', '/') ? join(runtimeDir, 'exec.trace') : undefined;
    if (!traceFile && policy.audit.exec) say(opts.quiet, 'exec trail off: strace is not installed (sudo apt-get install strace)');
    const trail = traceFile ? new ExecTrail(traceFile, events, INIT_PATH) : undefined;
    const box = await backend.start({
      id: sessionId,
      ...(traceFile ? { traceFile, traceFiles: policy.audit.files } : {}),
      command: opts.command,
      cwd,
      env,
      mounts: plan.mounts,
      limits,
      bridge: { hostDir: bridgeDir, socketName: 'proxy.sock', boxPort },
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      ...(opts.silent ? { silent: true } : {}),
      ...(opts.stdoutFd !== undefined ? { stdoutFd: opts.stdoutFd } : {}),
      sharesTerminal: Boolean(process.stdin.isTTY) && !opts.silent && opts.stdoutFd === undefined,
      stateDir: join(runtimeDir, 'state'),
    });
    events.emit({
      kind: 'session.start',
      command: opts.command,
      ...who,
      ...(opts.purpose ? { purpose: opts.purpose } : {}),
      agent,
      attestation: pinned.ok ? { allowed: true, pin: pinned.pin ?? null } : { allowed: false, reason: pinned.reason },
      workspace,
      policyHash: hash,
      policyFile: opts.loaded.file ?? null,
      preset: policy.preset,
      backend: backend.name,
      enforcement: box.enforcement,
      protected: [...policy.filesystem.protect, ...extraProtected],
      allow: policy.network.allow.map((r) => `${r.host}:${r.ports.join(',')}${r.inspect ? ' (inspect)' : ''}`),
      routes: policy.network.route,
      credentials: creds.credentials.map((c) => ({ name: c.name, hosts: c.hosts })),
      caSubjectHosts: inspected,
      dlp: { rules: dlp.scanner.rules.length, knownSecrets: dlp.scanner.knownCount, canaries: planted },
    });
    const hosts = policy.network.allow.map((r) => `${r.host}:${r.ports.join(',')}`).join(' ') || 'none';
    say(opts.quiet, `session ${sessionId} · workspace ${workspace} · network: ${hosts} · policy ${hash.slice(0, 12)}`);
    say(opts.quiet, `agent ${describeAgent(agent)}${pinned.ok && pinned.pin !== undefined ? ` (pinned by agents.allow[${pinned.pin}])` : ''}`);
    for (const n of [...plan.notes, ...creds.notes, ...dlpNotes]) say(opts.quiet, n);
    if (planted.length > 0) say(opts.quiet, `canary credentials planted in the box: ${planted.join(', ')}`);
    if (ca) say(opts.quiet, `inspecting TLS to ${inspected.join(', ')} (session CA, name-constrained)${index ? `; ${index.files.length} workspace files fingerprinted in ${indexMs} ms` : ''}`);

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
    trail?.start();
    const exit = await box.exited;
    trail?.stop();
    for (const [sig, h] of handlers) process.off(sig, h);

    // What the session leaves behind is scanned too: a secret written into the workspace is
    // one commit away from leaving.
    const leftBehind = scanWorkspaceChanges(dlp.scanner, workspace);
    if (leftBehind && leftBehind.length > 0) {
      events.emit({ kind: 'secrets', source: 'workspace changes', findings: leftBehind.map(({ file, line, ruleId, severity, fingerprint }) => ({ file, line, ruleId, severity, fingerprint })) });
      say(opts.quiet, `secrets in the session's workspace changes: ${leftBehind.slice(0, 5).map((f) => `${f.file}:${f.line} ${f.ruleId}`).join('; ')}${leftBehind.length > 5 ? `; … (${leftBehind.length})` : ''}`);
    }
    const denied = events.events.filter((e) => (e.kind === 'network' || e.kind === 'http') && e.decision === 'deny');
    const egress = {
      hosts: Object.fromEntries(ledger.hosts),
      files: Object.fromEntries([...ledger.files].map(([f, hosts]) => [f, Object.fromEntries(hosts)])),
    };
    events.emit({ kind: 'session.end', exitCode: exit.code, deniedConnections: denied.length, egress });
    for (const [host, t] of ledger.hosts) say(opts.quiet, `egress to ${host}: ${t.requests} requests, ${t.bytesOut} bytes, ${t.novelBytes} new`);
    if (ledger.files.size > 0) {
      const files = [...ledger.files].map(([f, hosts]) => `${f} → ${[...hosts].map(([h, n]) => `${h} ×${n}`).join(', ')}`);
      say(opts.quiet, `workspace files that left this machine: ${files.slice(0, 8).join('; ')}${files.length > 8 ? `; … (${files.length} in all)` : ''}`);
    }
    const dlpFindings = events.events.flatMap((e) => ((e.findings as { inspector: string; action?: string; kind?: string }[] | undefined) ?? []).filter((f) => f.inspector === 'dlp'));
    if (dlpFindings.length > 0) {
      const count = (pred: (f: (typeof dlpFindings)[number]) => boolean) => dlpFindings.filter(pred).length;
      say(opts.quiet, `secrets: ${count((f) => f.action === 'redact')} redacted, ${count((f) => f.action === 'block')} blocked (${count((f) => f.kind === 'canary')} canary), ${count((f) => f.action === 'record')} recorded; glassbox show ${sessionId} for details`);
    }
    const toolCalls = events.events.filter((e) => e.kind === 'tool');
    if (toolCalls.length > 0) {
      const refused = toolCalls.filter((e) => e.decision === 'deny');
      const asked = toolCalls.filter((e) => e.verdict === 'ask').length;
      say(
        opts.quiet,
        `tool calls: ${toolCalls.length - refused.length} allowed, ${refused.length} denied${asked ? ` (${asked} asked)` : ''}${refused.length ? `: ${refused.slice(0, 3).map((e) => `${String(e.tool)} (${String(e.reason)})`).join('; ')}` : ''}`,
      );
    }
    if (denied.length > 0) {
      const list = denied.slice(0, 5).map((e) => `${String(e.host ?? e.target)}:${String(e.port ?? '')} (${String(e.reason)})`);
      say(opts.quiet, `blocked ${denied.length} connection${denied.length === 1 ? '' : 's'}: ${list.join('; ')}${denied.length > 5 ? '; …' : ''}`);
    }
    store.endSession(sessionId, 'ended', exit.code);
    const cp = store.checkpoint();
    say(opts.quiet, `session ${sessionId} ended with exit code ${exit.code}; audit log ${store.path} (${cp.size} entries, signed root ${cp.root.slice(0, 12)}); events in ${join(sessionDir, 'events.jsonl')}`);
    return { exitCode: exit.code, sessionId, sessionDir, events };
  } finally {
    await proxy?.close();
    store.close();
    removePlaceholders(placeholders);
    rmSync(runtimeDir, { recursive: true, force: true });
  }
}

/**
 * The session CA alone and combined with the system roots, in the bridge dir (read-only in the
 * box at /run/glassbox), plus the variables that make common runtimes trust them.
 */
function writeCaFiles(bridgeDir: string, caPem: string): Record<string, string> {
  let system: string;
  try {
    system = readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
  } catch {
    system = rootCertificates.join('\n');
  }
  writeFileSync(join(bridgeDir, 'ca.pem'), caPem, { mode: 0o644 });
  writeFileSync(join(bridgeDir, 'ca-bundle.pem'), `${system.trimEnd()}\n${caPem}`, { mode: 0o644 });
  const bundle = `${BOX_RUNTIME_DIR}/ca-bundle.pem`;
  return {
    NODE_EXTRA_CA_CERTS: `${BOX_RUNTIME_DIR}/ca.pem`,
    SSL_CERT_FILE: bundle,
    REQUESTS_CA_BUNDLE: bundle,
    CURL_CA_BUNDLE: bundle,
    GIT_SSL_CAINFO: bundle,
    CODEX_CA_CERTIFICATE: bundle,
  };
}
