import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { createCgroups, prlimitArgs, removeCgroups } from './limits.js';
import { which } from './resolve-command.js';
import { buildSeccompFilter, seccompSupported } from './seccomp.js';
import type { Mount, RunningSandbox, SandboxBackend, SandboxExit, SandboxSpec } from './types.js';

/** Where the bridge directory (proxy socket + init script) appears inside the box. */
export const BOX_RUNTIME_DIR = '/run/glassbox';
const INIT_SCRIPT = 'init.sh';
export const INIT_PATH = `${BOX_RUNTIME_DIR}/${INIT_SCRIPT}`;
/** Syscalls that create, change or remove a path: their refusals are filesystem denials. */
export const FILE_SYSCALLS = ['openat', 'creat', 'mkdir', 'mkdirat', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat', 'link', 'linkat', 'symlink', 'symlinkat', 'truncate', 'rmdir'];

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Names the reason bubblewrap cannot create namespaces, from the kernel's own settings. */
function explainNamespaceFailure(bwrapMessage: string): string {
  if (readSysctl('/proc/sys/kernel/unprivileged_userns_clone') === '0') {
    return 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0); an administrator can enable them with `sysctl -w kernel.unprivileged_userns_clone=1`';
  }
  if (readSysctl('/proc/sys/user/max_user_namespaces') === '0') {
    return 'user namespaces are disabled (user.max_user_namespaces=0), as inside an unprivileged container or a nested sandbox; run glassbox on the host or raise user.max_user_namespaces';
  }
  if (readSysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1') {
    return 'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1); allow bwrap with an AppArmor profile or set the sysctl to 0';
  }
  if (/ENOSPC|max_\*?_?namespaces|nesting depth/.test(bwrapMessage)) {
    return `user namespaces cannot be created here: this process runs inside a sandbox or container that forbids more of them (bwrap: ${bwrapMessage}); run glassbox on the host, or raise user.max_user_namespaces`;
  }
  return `bubblewrap could not create the sandbox's namespaces (${bwrapMessage}); this kernel or container does not allow user namespaces`;
}

export class BubblewrapBackend implements SandboxBackend {
  readonly name = 'bubblewrap';
  private bwrapPath: string | undefined;

  async preflight(): Promise<void> {
    if (process.platform !== 'linux') {
      throw new UserError(`glassbox run needs Linux (bubblewrap); this is ${process.platform}. Nothing was run.`);
    }
    this.bwrapPath = which('bwrap', process.env.PATH, process.cwd());
    if (!this.bwrapPath) {
      throw new UserError('bubblewrap (bwrap) is not installed: run `sudo apt-get install bubblewrap`; glassbox never runs an agent unsandboxed');
    }
    for (const [tool, pkg] of [['prlimit', 'util-linux'], ['socat', 'socat']] as const) {
      if (!which(tool, process.env.PATH, process.cwd())) {
        throw new UserError(`${tool} is not installed: run \`sudo apt-get install ${pkg}\`; the sandbox needs it`);
      }
    }
    // A throwaway box with the same namespace set proves the kernel allows it.
    const probe = spawnSync(
      this.bwrapPath,
      ['--unshare-all', '--unshare-user', '--disable-userns', '--cap-drop', 'ALL', '--die-with-parent', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true'],
      { encoding: 'utf8', timeout: 10_000, env: { PATH: '/usr/bin:/bin' } },
    );
    if (probe.status !== 0) {
      const msg = (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split('\n')[0]!.replace(/^bwrap: /, '');
      throw new UserError(`cannot sandbox: ${explainNamespaceFailure(msg)}. Nothing was run.`);
    }
  }

  async start(spec: SandboxSpec): Promise<RunningSandbox> {
    if (!this.bwrapPath) await this.preflight();
    const enforcement: string[] = ['bubblewrap: user, pid, ipc, uts, net, cgroup namespaces', 'capabilities dropped', 'nested user namespaces disabled'];
    mkdirSync(spec.stateDir, { recursive: true, mode: 0o700 });
    const emptyDir = join(spec.stateDir, 'empty-dir');
    const emptyFile = join(spec.stateDir, 'empty-file');
    mkdirSync(emptyDir, { recursive: true, mode: 0o555 });
    closeSync(openSync(emptyFile, 'a', 0o444));

    const useSeccomp = seccompSupported();
    // Sharing the user's terminal is safe only while TIOCSTI is filtered; otherwise detach.
    const newSession = !(spec.sharesTerminal && useSeccomp);
    const args: string[] = ['--unshare-all', '--unshare-user', '--disable-userns', '--cap-drop', 'ALL', '--die-with-parent', '--hostname', spec.hostname ?? 'glassbox'];
    if (newSession) args.push('--new-session');
    for (const m of spec.mounts) args.push(...mountArgs(m, emptyDir, emptyFile));
    writeInitScript(join(spec.bridge.hostDir, INIT_SCRIPT), `${BOX_RUNTIME_DIR}/${spec.bridge.socketName}`, spec.bridge.boxPort);
    args.push('--ro-bind', spec.bridge.hostDir, BOX_RUNTIME_DIR);
    args.push('--chdir', spec.cwd);
    // Extra fds: 3 = bwrap's arguments (kept off the command line, where any user could read
    // them), 4 = info (the box's pid), 5 = seccomp program.
    args.push('--info-fd', '4');
    if (useSeccomp) {
      args.push('--seccomp', '5');
      enforcement.push('seccomp: TIOCSTI/TIOCLINUX, module, kexec, bpf, perf, keyring, io_uring, mount API refused');
    }
    enforcement.push(newSession ? 'new terminal session' : 'shared terminal (TIOCSTI filtered)');
    // bwrap reads options from the fd; the command itself must follow on the real argv.
    const boxCommand = ['/bin/sh', `${BOX_RUNTIME_DIR}/${INIT_SCRIPT}`, ...spec.command];

    const cgroup = createCgroups(`glassbox-${spec.id}`, spec.limits);
    enforcement.push(...cgroup.enforced, `rlimits: nproc=${spec.limits.processes}, nofile=${spec.limits.openFiles}, fsize=${spec.limits.fileSizeBytes ?? 'unlimited'}, data=${spec.limits.memoryBytes ?? 'unlimited'}`);

    // The launcher joins the session's cgroups before anything else starts, so that no process
    // of the box is ever outside them, then applies rlimits and becomes bubblewrap.
    const launcher = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';
    // The exec trail: strace outside the box follows bubblewrap and everything below it. The
    // agent cannot see it (pid namespace) or its output (a host file); seccomp-bpf makes it stop
    // only on execve, so other syscalls run at full speed.
    // setpriv --pdeathsig: strace, the box's new ancestor, dies with the supervisor, and takes
    // its tracees (bubblewrap, then the whole box) with it.
    // With file tracing every status is kept (the parser keeps successful execs and refused writes).
    const traced = spec.traceFiles ? `trace=execve,${FILE_SYSCALLS.join(',')}` : 'trace=execve';
    const status = spec.traceFiles ? [] : ['-e', 'status=successful'];
    const trace = spec.traceFile ? ['setpriv', '--pdeathsig', 'KILL', 'strace', '-f', '-qq', '--seccomp-bpf', '-e', traced, ...status, '-e', 'signal=none', '-s', '1024', '-o', spec.traceFile, '--'] : [];
    if (spec.traceFile) enforcement.push(`exec trail: strace --seccomp-bpf outside the box, ${spec.traceFiles ? 'execve and file writes' : 'execve only'}`);
    const argv = ['-c', launcher, 'glassbox-launch', String(cgroup.procsFiles.length), ...cgroup.procsFiles, ...trace, 'prlimit', ...prlimitArgs(spec.limits), '--', this.bwrapPath!, '--args', '3', '--', ...boxCommand];
    const child = spawn('/bin/sh', argv, {
      stdio: [...agentStdio(spec), 'pipe', 'pipe', useSeccomp ? 'pipe' : 'ignore'],
      env: spec.env,
      cwd: '/',
    });
    const fds = child.stdio as unknown as (NodeJS.ReadWriteStream | null)[];
    // bwrap may exit before reading everything (e.g. on a bad mount); that is reported by its exit code.
    for (const fd of fds.slice(3)) fd?.on('error', () => {});
    fds[3]!.end(Buffer.from(args.map((a) => `${a}\0`).join('')));
    if (useSeccomp) fds[5]!.end(buildSeccompFilter());

    let boxInitPid: number | undefined;
    const infoStream = fds[4]!;
    let info = '';
    infoStream.setEncoding('utf8');
    infoStream.on('data', (chunk: string) => {
      info += chunk;
      const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
      if (m) boxInitPid = Number(m[1]);
    });

    const exited = new Promise<SandboxExit>((resolve) => {
      child.on('exit', async (code, signal) => {
        await removeCgroups(cgroup);
        resolve({ code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 1) : 1) });
      });
      child.on('error', () => resolve({ code: 125 }));
    });

    const signal = (sig: NodeJS.Signals) => {
      // Signal the command itself (the box's pid 2, child of bwrap's init), not bwrap, so that
      // the agent can shut down cleanly and its exit status comes back.
      const target = boxInitPid !== undefined ? firstChild(boxInitPid) : undefined;
      try {
        if (target !== undefined) process.kill(target, sig);
        else if (child.pid !== undefined) process.kill(child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    return { pid: child.pid ?? -1, signal, exited, enforcement };
  }
}

function firstChild(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length > 0 ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

function mountArgs(m: Mount, emptyDir: string, emptyFile: string): string[] {
  switch (m.kind) {
    case 'ro-bind':
      return ['--ro-bind', m.source, m.target];
    case 'rw-bind':
      return ['--bind', m.source, m.target];
    case 'symlink':
      return ['--symlink', m.linkTo, m.target];
    case 'hide-dir':
      return ['--ro-bind', emptyDir, m.target];
    case 'hide-file':
      return ['--ro-bind', emptyFile, m.target];
    case 'tmpfs':
      return ['--tmpfs', m.target];
    case 'proc':
      return ['--proc', m.target];
    case 'dev':
      return ['--dev', m.target];
  }
}

/** Writes the in-box init script: start the bridge's inside end, wait for it, exec the command. */
function writeInitScript(path: string, boxSocket: string, boxPort: number): void {
  const hexPort = boxPort.toString(16).toUpperCase().padStart(4, '0');
  writeFileSync(
    path,
    `#!/bin/sh
# Glassbox in-box init: the only way out of this network namespace is the proxy socket.
# Double fork so socat belongs to the box's init, not to the agent.
( socat TCP-LISTEN:${boxPort},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${boxSocket} </dev/null >/dev/null 2>&1 & )
i=0
while ! grep -q ':${hexPort} 00000000:0000 0A' /proc/net/tcp 2>/dev/null; do
  i=$((i+1))
  if [ "$i" -gt 1000 ]; then echo "glassbox: the network bridge did not start inside the sandbox" >&2; exit 125; fi
  sleep 0.005
done
exec "$@"
`,
    { mode: 0o555 },
  );
}

/** The agent's stdin, stdout and stderr: the user's terminal, nothing, or stdout to a host file. */
function agentStdio(spec: SandboxSpec): ('inherit' | 'ignore' | number)[] {
  const base: ('inherit' | 'ignore' | number)[] = spec.silent ? ['ignore', 'ignore', 'ignore'] : ['inherit', 'inherit', 'inherit'];
  if (spec.stdoutFd !== undefined) return ['ignore', spec.stdoutFd, base[2]!];
  return base;
}
