import { closeSync, openSync, readSync } from 'node:fs';
import type { EventSink, GlassboxEvent } from './events.js';

/** Undoes strace's C-style string escapes. */
function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r', v: '\v', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

/** One strace line `PID execve("path", ["a", "b"], ...) = 0` as {pid, path, argv}; failed execs are not execs. */
export function parseExecLine(line: string): { pid: number; path: string; argv: string[] } | undefined {
  const m = /^(\d+)\s+execve\("((?:[^"\\]|\\.)*)", \[(.*?)\](?:\.\.\.)?, .*\) = 0$/.exec(line);
  if (!m) return undefined;
  const argv = [...m[3]!.matchAll(/"((?:[^"\\]|\\.)*)"(\.\.\.)?/g)].map((a) => unescape(a[1]!) + (a[2] ?? ''));
  return { pid: Number(m[1]), path: unescape(m[2]!), argv };
}

const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/;
const DENIED = /= -1 (EROFS|EACCES|EPERM|EBUSY|EXDEV) /;

/** A refused write-intent file syscall: `PID mkdir("/x", 0777) = -1 EROFS (Read-only file system)`. */
export function parseFileDenial(line: string): { pid: number; syscall: string; paths: string[]; errno: string } | undefined {
  const m = /^(\d+)\s+(\w+)\((.*)\) += -1 (E[A-Z]+) /.exec(line);
  if (!m || !DENIED.test(line) || m[2] === 'execve') return undefined;
  // openat only counts when it asked to write or create.
  if ((m[2] === 'openat' || m[2] === 'open') && !WRITE_FLAGS.test(m[3]!)) return undefined;
  const paths = [...m[3]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((p) => unescape(p[1]!));
  return { pid: Number(m[1]), syscall: m[2]!, paths, errno: m[4]! };
}

/**
 * Follows the exec trail strace writes (outside the box) and records each program run as an
 * `exec` event. Read incrementally while the session runs, and once more at its end.
 */
export class ExecTrail {
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  count = 0;
  /** The pid running the box's init script; its next exec is the agent, and recording starts there. */
  private initPid: number | undefined;
  private recording = false;

  constructor(
    private readonly file: string,
    private readonly events: EventSink,
    private readonly initScript: string,
  ) {}

  start(intervalMs = 250): void {
    this.timer = setInterval(() => this.drain(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.drain();
  }

  drain(): void {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const buf = Buffer.alloc(256 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        const text = this.partial + buf.subarray(0, n).toString('utf8');
        const lines = text.split('\n');
        this.partial = lines.pop() ?? '';
        const batch: Omit<GlassboxEvent, 'ts' | 'session'>[] = [];
        for (const line of lines) {
          const denial = this.recording ? parseFileDenial(line) : undefined;
          if (denial) {
            batch.push({ kind: 'filesystem', decision: 'deny', ...denial });
            continue;
          }
          const exec = parseExecLine(line);
          if (!exec) continue;
          // Glassbox's own start-up (prlimit, bwrap, the init script, the bridge) is not the agent's.
          if (!this.recording) {
            if (exec.argv[1] === this.initScript) this.initPid = exec.pid;
            else if (exec.pid === this.initPid) this.recording = true;
            if (!this.recording) continue;
          }
          this.count++;
          batch.push({ kind: 'exec', pid: exec.pid, path: exec.path, argv: exec.argv });
        }
        // One commit per chunk read: a build running thousands of processes is cheap to record.
        if (this.events.emitMany) this.events.emitMany(batch);
        else for (const e of batch) this.events.emit(e);
      }
    } finally {
      closeSync(fd);
    }
  }
}
