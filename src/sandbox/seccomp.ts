/**
 * A classic-BPF seccomp filter, assembled here so that no compiler or libseccomp is needed.
 * bubblewrap loads it (`--seccomp FD`) just before it runs the command.
 *
 * It does two things:
 * - refuses TIOCSTI and TIOCLINUX on every fd: with those, a process sharing the user's terminal
 *   could push keystrokes into the shell that runs after the box exits (CVE-2017-5226 class).
 *   Only the low 32 bits of the ioctl number are compared, as the kernel does (CVE-2019-10063).
 * - refuses kernel interfaces an agent has no use for and that widen the attack surface on the
 *   host kernel (module loading, kexec, bpf, perf, userfaultfd, keyrings, io_uring, mount API).
 * Denied calls fail with EPERM rather than killing the process, so tools degrade gracefully.
 */

// BPF opcodes (linux/filter.h).
const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const BPF_RET_K = 0x06; // BPF_RET | BPF_K

const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const EPERM = 1;

// struct seccomp_data offsets.
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG1_LO = 24; // args[1], low word on little-endian

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;

const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;

/** x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
export const X86_64_DENIED: Record<string, number> = {
  acct: 163,
  add_key: 248,
  bpf: 321,
  clock_adjtime: 305,
  clock_settime: 227,
  delete_module: 176,
  finit_module: 313,
  fsconfig: 431,
  fsmount: 432,
  fsopen: 430,
  fspick: 433,
  init_module: 175,
  io_uring_enter: 426,
  io_uring_register: 427,
  io_uring_setup: 425,
  kexec_file_load: 320,
  kexec_load: 246,
  keyctl: 250,
  mount: 165,
  mount_setattr: 442,
  move_mount: 429,
  name_to_handle_at: 303,
  open_by_handle_at: 304,
  open_tree: 428,
  perf_event_open: 298,
  pivot_root: 155,
  reboot: 169,
  request_key: 249,
  settimeofday: 164,
  swapoff: 168,
  swapon: 167,
  umount2: 166,
  userfaultfd: 323,
};
const NR_IOCTL_X86_64 = 16;

type Insn = [code: number, jt: number, jf: number, k: number];

/** Whether this machine's architecture has a filter. Elsewhere the box uses a new session instead. */
export function seccompSupported(arch = process.arch): boolean {
  return arch === 'x64';
}

/** The filter program as bytes of `struct sock_filter[]`, ready for bwrap's --seccomp. */
export function buildSeccompFilter(): Buffer {
  const denied = Object.values(X86_64_DENIED);
  const prog: Insn[] = [];
  // 0: wrong architecture (e.g. 32-bit syscalls via int 0x80) => kill: the numbers would not mean what we check.
  prog.push([BPF_LD_W_ABS, 0, 0, OFF_ARCH]);
  prog.push([BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64]);
  prog.push([BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS]);
  prog.push([BPF_LD_W_ABS, 0, 0, OFF_NR]);
  // x32 ABI numbers alias the 64-bit ones with a high bit set: refuse them all.
  const denyLabel = -1; // patched below
  const jumpsToDeny: number[] = [];
  jumpsToDeny.push(prog.length);
  prog.push([BPF_JGE_K, denyLabel, 0, X32_SYSCALL_BIT]);
  for (const nr of denied) {
    jumpsToDeny.push(prog.length);
    prog.push([BPF_JEQ_K, denyLabel, 0, nr]);
  }
  prog.push([BPF_JEQ_K, 1, 0, NR_IOCTL_X86_64]);
  prog.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]);
  // ioctl: inspect the request number.
  prog.push([BPF_LD_W_ABS, 0, 0, OFF_ARG1_LO]);
  jumpsToDeny.push(prog.length);
  prog.push([BPF_JEQ_K, denyLabel, 0, TIOCSTI]);
  jumpsToDeny.push(prog.length);
  prog.push([BPF_JEQ_K, denyLabel, 0, TIOCLINUX]);
  prog.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]);
  const deny = prog.length;
  prog.push([BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM]);
  for (const at of jumpsToDeny) {
    const offset = deny - at - 1;
    if (offset > 255) throw new Error('seccomp program too long for 8-bit jumps');
    prog[at]![1] = offset;
  }
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
