/**
 * The platform-neutral description of a sandbox. `plan.ts` derives it from a policy; a backend
 * (today only bubblewrap on Linux) turns it into a running, enforced box.
 */

/** One entry of the box's filesystem view. Order matters: later entries cover earlier ones. */
export type Mount =
  | { kind: 'ro-bind'; source: string; target: string }
  | { kind: 'rw-bind'; source: string; target: string }
  /** A symlink inside the box (for merged-/usr systems where /bin -> usr/bin). */
  | { kind: 'symlink'; linkTo: string; target: string }
  /** An empty, read-only directory hiding whatever is at `target`. */
  | { kind: 'hide-dir'; target: string }
  /** An empty, read-only file hiding whatever is at `target`. */
  | { kind: 'hide-file'; target: string }
  /** A fresh writable tmpfs. */
  | { kind: 'tmpfs'; target: string }
  | { kind: 'proc'; target: string }
  | { kind: 'dev'; target: string };

export interface ResourceLimits {
  /** Most processes (threads count too) in the box. */
  processes: number;
  /** Bytes of memory for the box; undefined means unlimited. */
  memoryBytes?: number;
  /** Largest file a process may write, in bytes; undefined means unlimited. */
  fileSizeBytes?: number;
  openFiles: number;
}

/**
 * The box's only way out: a host directory, bound read-only into the box, that holds the
 * proxy's unix socket and the init script which starts the in-box forwarder.
 */
export interface NetworkBridge {
  hostDir: string;
  /** File name of the proxy socket inside hostDir. */
  socketName: string;
  /** The loopback port inside the box that forwards to the socket. */
  boxPort: number;
}

export interface SandboxSpec {
  /** Session id: names per-session kernel objects such as the cgroup. */
  id: string;
  /** argv of the program to run inside. */
  command: string[];
  cwd: string;
  env: Record<string, string>;
  mounts: Mount[];
  limits: ResourceLimits;
  bridge: NetworkBridge;
  /** True when stdin is a terminal the box shares with the user (TIOCSTI must be blocked). */
  sharesTerminal: boolean;
  /** The agent's stdin, stdout and stderr go nowhere (probe runs collect requests, not output). */
  silent?: boolean;
  /** A host file descriptor the box's stdout goes to (its stdin is then closed). */
  stdoutFd?: number;
  /** The box's host name (default `glassbox`: the host's own name stays hidden). */
  hostname?: string;
  /** Host directory for backend scratch files (seccomp program, cgroup notes). */
  stateDir: string;
  /** Host file for the exec trail (strace output), when tracing. */
  traceFile?: string;
  /** Trace refused file writes as well as execs (costlier). */
  traceFiles?: boolean;
}

/** How the box ended. */
export interface SandboxExit {
  /** Exit code in shell convention: 128+N when the command died of signal N. */
  code: number;
}

export interface RunningSandbox {
  /** Host pid of the backend process (bwrap). */
  pid: number;
  /** Sends a signal to the command inside the box. */
  signal(sig: NodeJS.Signals): void;
  exited: Promise<SandboxExit>;
  /** Which enforcement mechanisms are actually in force, for the audit record. */
  enforcement: string[];
}

export interface SandboxBackend {
  readonly name: string;
  /** Throws a UserError naming the cause when this machine cannot run the box. */
  preflight(): Promise<void>;
  start(spec: SandboxSpec): Promise<RunningSandbox>;
}
