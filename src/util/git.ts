import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A repository name from a remote URL: `git@github.com:acme/app.git` and `https://host/acme/app` → `acme/app`. */
export function repoName(remote: string): string {
  const path = remote
    .trim()
    .replace(/\.git$/, '')
    .replace(/^[a-z+]+:\/\/[^/]+\//i, '')
    .replace(/^[^@/]+@[^:]+:/, '');
  return path || remote;
}

/**
 * What the dashboard files a session under: the workspace's `origin` remote, read from
 * .git/config (no git process), else the directory's name.
 */
export function workspaceRepo(workspace: string): string {
  try {
    const config = readFileSync(join(workspace, '.git', 'config'), 'utf8');
    const origin = /\[remote "origin"\][^[]*?^\s*url\s*=\s*(.+)$/m.exec(config);
    if (origin) return repoName(origin[1]!);
  } catch {
    /* not a git checkout, or no config */
  }
  return basename(workspace);
}
