import type { PolicyDoc, PresetName, ToolRule } from './types.js';

/** Shell start-up files: whoever sources one runs what an agent planted in it. */
export const SHELL_RC_FILES: readonly string[] = ['.bashrc', '.bash_profile', '.bash_login', '.bash_logout', '.profile', '.zshrc', '.zshenv', '.zprofile', '.zlogin'];

/**
 * Workspace paths an agent must not create or change by default: each is a way to plant
 * something that later runs outside the box (git hooks and config, editor and agent settings,
 * shell rc and direnv files, dev containers, MCP server lists, husky hooks).
 */
export const DEFAULT_PROTECTED: readonly string[] = [
  '.git/hooks',
  '.git/config',
  '.gitmodules',
  '.husky',
  '.envrc',
  '.vscode',
  '.idea',
  '.devcontainer',
  '.claude',
  '.codex',
  '.gemini',
  '.mcp.json',
  ...SHELL_RC_FILES,
];

/**
 * Tool calls refused or asked about under every policy unless the policy file says otherwise
 * (its rules come first). Few and unambiguous: a model asking for these is wrong or hijacked.
 */
function defaultToolRules(): ToolRule[] {
  const targets = ['/', '/?', '~', '~/', '~/?', '$HOME', '$HOME/', '$HOME/?'];
  const pipes = ['curl', 'wget'].flatMap((d) => ['sh', 'bash', 'zsh'].flatMap((sh) => [`${d} *| ${sh}*`, `${d} *|${sh}*`]));
  return [
    { action: 'deny', command: targets.map((t) => `rm -*r* ${t}`), reason: 'recursive delete of / or the home directory' },
    { action: 'deny', command: ['mkfs*', 'dd * of=/dev/*'], reason: 'writes a raw device' },
    { action: 'deny', command: pipes, reason: 'runs a downloaded script unread (download it, read it, then run it)' },
    { action: 'ask', command: ['git push*--force*', 'git push* -f*'], reason: 'force-push rewrites shared history' },
  ];
}

/** The base layer under every policy. */
export const DEFAULTS: PolicyDoc = {
  version: 1,
  limits: { processes: 2048, memory: '8G', fileSize: '8G', openFiles: 8192 },
  tools: { rules: defaultToolRules() },
};

/**
 * Known agent CLIs: the hosts they need, the config they read from HOME, and the non-secret
 * variables that steer them. API keys are deliberately absent: a policy must name them.
 */
export const PRESETS: Record<PresetName, PolicyDoc> = {
  none: {},
  claude: {
    network: { allow: [{ host: 'api.anthropic.com', port: 443, inspect: true }] },
    credentials: [{ name: 'anthropic', from: { env: 'ANTHROPIC_API_KEY' }, env: 'ANTHROPIC_API_KEY', hosts: ['api.anthropic.com'], optional: true }],
    home: [
      { path: '~/.claude/settings.json', mode: 'copy' },
      { path: '~/.claude/CLAUDE.md', mode: 'copy' },
      { path: '~/.claude/agents', mode: 'copy' },
      { path: '~/.claude/commands', mode: 'copy' },
    ],
    env: {
      pass: ['ANTHROPIC_BASE_URL', 'ANTHROPIC_MODEL', 'ANTHROPIC_SMALL_FAST_MODEL', 'CLAUDE_CODE_*', 'DISABLE_TELEMETRY'],
      set: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' },
    },
  },
  codex: {
    network: {
      allow: [
        { host: 'api.openai.com', port: 443, inspect: true },
        { host: 'chatgpt.com', port: 443, inspect: true },
      ],
    },
    // Codex exec reads CODEX_API_KEY; other OpenAI clients read OPENAI_API_KEY.
    credentials: [{ name: 'openai', from: { env: 'OPENAI_API_KEY' }, env: ['OPENAI_API_KEY', 'CODEX_API_KEY'], hosts: ['api.openai.com', 'chatgpt.com'], optional: true }],
    home: [
      { path: '~/.codex/config.toml', mode: 'copy' },
      { path: '~/.codex/AGENTS.md', mode: 'copy' },
      { path: '~/.codex/prompts', mode: 'copy' },
    ],
    env: { pass: ['OPENAI_BASE_URL', 'CODEX_*'] },
  },
  gemini: {
    network: {
      allow: [
        { host: 'generativelanguage.googleapis.com', port: 443, inspect: true },
        { host: 'cloudcode-pa.googleapis.com', port: 443 },
        { host: 'oauth2.googleapis.com', port: 443 },
      ],
    },
    home: [
      { path: '~/.gemini/settings.json', mode: 'copy' },
      { path: '~/.gemini/GEMINI.md', mode: 'copy' },
      { path: '~/.gemini/commands', mode: 'copy' },
    ],
    env: { pass: ['GEMINI_MODEL', 'GOOGLE_GEMINI_BASE_URL', 'GOOGLE_CLOUD_PROJECT', 'GEMINI_CLI_*'] },
    credentials: [{ name: 'gemini', from: { env: 'GEMINI_API_KEY' }, env: 'GEMINI_API_KEY', hosts: ['generativelanguage.googleapis.com'], optional: true }],
  },
};

/**
 * Per-agent adjustments to the private HOME, applied after projections are copied in.
 * Codex runs its commands in its own bubblewrap sandbox, which cannot nest inside ours
 * (nested user namespaces are disabled), so inside Glassbox it is told that Glassbox is
 * the sandbox. Only the box's private copy of config.toml is changed, never the user's.
 */
export const PRESET_HOME_SETUP: Partial<Record<PresetName, (read: (rel: string) => string | undefined, write: (rel: string, text: string) => void) => void>> = {
  codex: (read, write) => {
    const current = read('.codex/config.toml') ?? '';
    if (/^\s*sandbox_mode\s*=/m.test(current)) return;
    write('.codex/config.toml', `# added by glassbox: the Glassbox box is the sandbox\nsandbox_mode = "danger-full-access"\n${current}`);
  },
};
