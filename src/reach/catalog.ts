/**
 * The sensitive assets `glassbox reach` looks for, and what "reachable" means for each: a
 * secret is reachable when its bytes can be read (the host's own file, or a copy of it), a
 * persistence point when the host's own file or directory can be written, a socket when it
 * accepts a connection, a network when a packet could be sent there.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from './probe.js';

export type Severity = 'critical' | 'high' | 'medium';
export type Category = 'ssh' | 'cloud' | 'database' | 'registry' | 'git' | 'browser' | 'passwords' | 'history' | 'env' | 'socket' | 'network' | 'persistence';

export interface Asset {
  id: string;
  category: Category;
  severity: Severity;
  /** What a person reads: "SSH private key ~/.ssh/id_ed25519". */
  name: string;
  check: Check;
}

export interface CatalogInputs {
  home: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  uid: number;
}

const CATEGORY_TITLES: Record<Category, string> = {
  ssh: 'SSH keys and agent',
  cloud: 'Cloud and cluster credentials',
  database: 'Database credentials',
  registry: 'Package registry and container credentials',
  git: 'Git credentials',
  browser: 'Browser profiles',
  passwords: 'Password stores and keyrings',
  history: 'Shell and REPL history',
  env: 'Secrets in the environment',
  socket: 'Control sockets',
  network: 'Network',
  persistence: 'Persistence points',
};
export function categoryTitle(c: Category): string {
  return CATEGORY_TITLES[c];
}

/** Home-relative secrets: [path, category, severity, what it is]. */
const HOME_SECRETS: [string, Category, Severity, string][] = [
  ['.aws/credentials', 'cloud', 'critical', 'AWS credentials'],
  ['.aws/config', 'cloud', 'medium', 'AWS profiles'],
  ['.aws/sso/cache', 'cloud', 'critical', 'AWS SSO tokens'],
  ['.config/gcloud', 'cloud', 'critical', 'Google Cloud credentials'],
  ['.azure', 'cloud', 'critical', 'Azure CLI tokens'],
  ['.kube/config', 'cloud', 'critical', 'Kubernetes config'],
  ['.oci/config', 'cloud', 'high', 'Oracle Cloud config'],
  ['.config/doctl', 'cloud', 'high', 'DigitalOcean token'],
  ['.terraform.d/credentials.tfrc.json', 'cloud', 'high', 'Terraform Cloud token'],
  ['.vault-token', 'cloud', 'critical', 'HashiCorp Vault token'],
  ['.s3cfg', 'cloud', 'critical', 's3cmd keys'],
  ['.boto', 'cloud', 'critical', 'boto / gsutil keys'],
  ['.config/rclone/rclone.conf', 'cloud', 'high', 'rclone remotes'],
  ['.databrickscfg', 'cloud', 'high', 'Databricks token'],
  ['.config/helm/repositories.yaml', 'cloud', 'medium', 'Helm repository logins'],
  ['.pgpass', 'database', 'critical', 'PostgreSQL passwords'],
  ['.my.cnf', 'database', 'high', 'MySQL client password'],
  ['.docker/config.json', 'registry', 'high', 'Docker registry auth'],
  ['.config/containers/auth.json', 'registry', 'high', 'Podman/Buildah registry auth'],
  ['.npmrc', 'registry', 'high', 'npm token'],
  ['.pypirc', 'registry', 'high', 'PyPI token'],
  ['.gem/credentials', 'registry', 'high', 'RubyGems key'],
  ['.cargo/credentials.toml', 'registry', 'high', 'crates.io token'],
  ['.m2/settings.xml', 'registry', 'high', 'Maven server passwords'],
  ['.gradle/gradle.properties', 'registry', 'high', 'Gradle properties'],
  ['.netrc', 'git', 'critical', '.netrc logins'],
  ['.git-credentials', 'git', 'critical', 'git credential store'],
  ['.config/gh/hosts.yml', 'git', 'critical', 'GitHub CLI token'],
  ['.config/glab-cli/config.yml', 'git', 'critical', 'GitLab CLI token'],
  ['.config/hub', 'git', 'high', 'hub token'],
  ['.gitconfig', 'git', 'medium', 'git config (credential helpers, identities)'],
  ['.ssh/known_hosts', 'ssh', 'medium', 'SSH known hosts (a map of the servers you reach)'],
  ['.config/google-chrome', 'browser', 'critical', 'Chrome profile (cookies, saved logins)'],
  ['.config/chromium', 'browser', 'critical', 'Chromium profile'],
  ['.config/BraveSoftware', 'browser', 'critical', 'Brave profile'],
  ['.config/microsoft-edge', 'browser', 'critical', 'Edge profile'],
  ['.mozilla/firefox', 'browser', 'critical', 'Firefox profile'],
  ['snap/firefox/common/.mozilla/firefox', 'browser', 'critical', 'Firefox (snap) profile'],
  ['.password-store', 'passwords', 'critical', 'pass store'],
  ['.local/share/keyrings', 'passwords', 'critical', 'GNOME keyring'],
  ['.gnupg/private-keys-v1.d', 'passwords', 'critical', 'GnuPG private keys'],
  ['.config/Bitwarden', 'passwords', 'high', 'Bitwarden data'],
  ['.config/op', 'passwords', 'high', '1Password CLI config'],
  ['.local/share/kwalletd', 'passwords', 'critical', 'KWallet'],
  ['.bash_history', 'history', 'high', 'bash history'],
  ['.zsh_history', 'history', 'high', 'zsh history'],
  ['.local/share/fish/fish_history', 'history', 'high', 'fish history'],
  ['.python_history', 'history', 'medium', 'Python history'],
  ['.node_repl_history', 'history', 'medium', 'Node REPL history'],
  ['.psql_history', 'history', 'high', 'psql history'],
  ['.mysql_history', 'history', 'high', 'MySQL history'],
];

/** Home-relative places where a write runs code later, outside any box. */
const HOME_PERSISTENCE: [string, Severity, string][] = [
  ['.bashrc', 'critical', 'bash rc'],
  ['.bash_profile', 'critical', 'bash login profile'],
  ['.profile', 'critical', 'login profile'],
  ['.zshrc', 'critical', 'zsh rc'],
  ['.zprofile', 'critical', 'zsh login profile'],
  ['.config/fish/config.fish', 'critical', 'fish config'],
  ['.ssh/authorized_keys', 'critical', 'SSH authorized keys'],
  ['.ssh/config', 'high', 'SSH client config (ProxyCommand)'],
  ['.config/systemd/user', 'critical', 'systemd user units'],
  ['.config/autostart', 'high', 'desktop autostart entries'],
  ['.local/bin', 'high', '~/.local/bin (ahead on PATH)'],
  ['.gitconfig', 'high', 'git config (aliases, hooksPath, pager)'],
];

/** Workspace-relative persistence: code run by git or editors on the next open. */
const WORKSPACE_PERSISTENCE: [string, Severity, string][] = [
  ['.git/hooks', 'critical', 'git hooks'],
  ['.git/config', 'critical', 'git config of the repository (hooksPath, fsmonitor)'],
  ['.vscode/tasks.json', 'high', 'VS Code tasks'],
  ['.envrc', 'high', 'direnv script'],
];

/** Addresses for the route checks: a connect() on UDP picks a route and sends nothing. */
const NETWORK: [string, Severity, string, string, number][] = [
  ['metadata', 'critical', 'cloud metadata endpoint 169.254.169.254', '169.254.169.254', 80],
  ['private-10', 'high', 'private network 10.0.0.0/8', '10.0.0.1', 443],
  ['private-172', 'high', 'private network 172.16.0.0/12', '172.16.0.1', 443],
  ['private-192', 'high', 'private network 192.168.0.0/16', '192.168.0.1', 443],
];
/** A name no policy lists on purpose: the proxy's answer tells whether any host at all is reachable. */
export const UNLISTED_HOST = 'reach-probe.glassbox.invalid';

function sshKeys(home: string): string[] {
  try {
    return readdirSync(join(home, '.ssh'))
      .filter((n) => /^id_|\.pem$|\.key$/.test(n) && !n.endsWith('.pub'))
      .sort();
  } catch {
    return [];
  }
}

function socketPaths(inp: CatalogInputs): [string, Severity, string][] {
  const run = inp.env.XDG_RUNTIME_DIR || `/run/user/${inp.uid}`;
  return [
    ['/var/run/docker.sock', 'critical', 'Docker daemon (root on the host)'],
    ['/run/docker.sock', 'critical', 'Docker daemon'],
    [join(run, 'docker.sock'), 'critical', 'rootless Docker daemon'],
    ['/run/containerd/containerd.sock', 'critical', 'containerd'],
    ['/run/podman/podman.sock', 'critical', 'Podman (root)'],
    [join(run, 'podman/podman.sock'), 'critical', 'Podman'],
    [join(run, 'gnupg/S.gpg-agent'), 'high', 'GnuPG agent'],
    [join(run, 'bus'), 'medium', 'D-Bus session bus'],
    ['/run/dbus/system_bus_socket', 'medium', 'D-Bus system bus'],
  ];
}

function tilde(rel: string): string {
  return `~/${rel}`;
}

/** Every asset for this user, home and workspace. */
export function catalog(inp: CatalogInputs): Asset[] {
  const { home, workspace } = inp;
  const assets: Asset[] = [];
  for (const key of sshKeys(home)) {
    assets.push({ id: `ssh-key:${key}`, category: 'ssh', severity: 'critical', name: `SSH private key ${tilde(`.ssh/${key}`)}`, check: { id: `ssh-key:${key}`, type: 'read', path: join(home, '.ssh', key) } });
  }
  if (sshKeys(home).length === 0) {
    assets.push({ id: 'ssh-key', category: 'ssh', severity: 'critical', name: 'SSH private keys ~/.ssh/id_*', check: { id: 'ssh-key', type: 'read', path: join(home, '.ssh', 'id_ed25519') } });
  }
  assets.push({
    id: 'ssh-agent',
    category: 'ssh',
    severity: 'critical',
    name: `SSH agent socket${inp.env.SSH_AUTH_SOCK ? ` ${inp.env.SSH_AUTH_SOCK}` : ' ($SSH_AUTH_SOCK unset)'}`,
    check: { id: 'ssh-agent', type: 'socket', path: inp.env.SSH_AUTH_SOCK || join(home, '.ssh', 'agent.sock') },
  });
  for (const [rel, category, severity, what] of HOME_SECRETS) {
    const id = `file:${rel}`;
    assets.push({ id, category, severity, name: `${what} ${tilde(rel)}`, check: { id, type: 'read', path: join(home, rel) } });
  }
  assets.push({ id: 'env', category: 'env', severity: 'critical', name: 'credential-like environment variables', check: { id: 'env', type: 'env' } });
  for (const [path, severity, what] of socketPaths(inp)) {
    const id = `socket:${path}`;
    assets.push({ id, category: 'socket', severity, name: `${what} ${path}`, check: { id, type: 'socket', path } });
  }
  for (const [key, severity, what, address] of NETWORK) {
    assets.push({ id: `net:${key}`, category: 'network', severity, name: what, check: { id: `net:${key}`, type: 'route', address } });
  }
  assets.push({ id: 'net:internet', category: 'network', severity: 'high', name: 'internet (any host)', check: { id: 'net:internet', type: 'route', address: '192.0.2.1' } });
  for (const [rel, severity, what] of HOME_PERSISTENCE) {
    const id = `persist:${rel}`;
    assets.push({ id, category: 'persistence', severity, name: `${what} ${tilde(rel)}`, check: { id, type: 'write', path: join(home, rel) } });
  }
  for (const [rel, severity, what] of WORKSPACE_PERSISTENCE) {
    const id = `persist:ws/${rel}`;
    assets.push({ id, category: 'persistence', severity, name: `${what} (workspace ${rel})`, check: { id, type: 'write', path: join(workspace, rel) } });
  }
  assets.push({ id: 'persist:crontab', category: 'persistence', severity: 'high', name: 'cron (crontab)', check: { id: 'persist:crontab', type: 'setgid', path: '/usr/bin/crontab' } });
  return assets;
}

/** Through the proxy: the network assets' targets, asked of the box's only way out. */
export function proxyChecks(): Check[] {
  return [
    ...NETWORK.map(([key, , , address, port]): Check => ({ id: `proxy:${key}`, type: 'proxy', host: address, port })),
    { id: 'proxy:internet', type: 'proxy', host: UNLISTED_HOST, port: 443 },
  ];
}
