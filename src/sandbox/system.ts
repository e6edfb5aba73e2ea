import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import type { Mount } from './types.js';

/** Host directories the box sees read-only: programs, libraries and configuration. */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'] as const;

/**
 * Files under the system directories that hold secrets. Running as root with every capability
 * dropped still passes owner permission checks on root-owned files, so they are hidden outright.
 */
const SYSTEM_SECRETS = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssl/private',
  '/etc/security/opasswd',
];

/** The box's base filesystem: system dirs read-only, fresh /dev, /proc, /tmp, /run and /var. */
export function systemMounts(): Mount[] {
  const mounts: Mount[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) mounts.push({ kind: 'symlink', linkTo: readlinkSync(dir), target: dir });
    else if (st.isDirectory()) mounts.push({ kind: 'ro-bind', source: dir, target: dir });
  }
  mounts.push(
    { kind: 'dev', target: '/dev' },
    { kind: 'proc', target: '/proc' },
    // Fresh, empty runtime dirs: the host's /run and /tmp hold sockets (docker, dbus, X11, ssh-agent).
    { kind: 'tmpfs', target: '/tmp' },
    { kind: 'tmpfs', target: '/run' },
    { kind: 'tmpfs', target: '/var' },
    { kind: 'tmpfs', target: '/var/tmp' },
  );
  for (const secret of [...SYSTEM_SECRETS, ...sshHostKeys()]) {
    let st;
    try {
      st = lstatSync(secret);
    } catch {
      continue;
    }
    mounts.push(st.isDirectory() ? { kind: 'hide-dir', target: secret } : { kind: 'hide-file', target: secret });
  }
  return mounts;
}

function sshHostKeys(): string[] {
  if (!existsSync('/etc/ssh')) return [];
  try {
    return readdirSync('/etc/ssh')
      .filter((f) => /^ssh_host_.*_key$/.test(f))
      .map((f) => `/etc/ssh/${f}`);
  } catch {
    return [];
  }
}
