/**
 * The policy file's JSON Schema: the single source of truth for what a policy may say.
 * `glassbox policy schema` prints it for editors, and the validator walks it over the YAML
 * syntax tree so that every error carries a file:line position.
 *
 * Only the JSON Schema keywords our validator understands are used here (see validate.ts).
 * `x-hint` is our extension: the human wording of what a pattern allows.
 */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  required?: string[];
  items?: Schema;
  enum?: readonly (string | number | boolean)[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  anyOf?: Schema[];
  'x-hint'?: string;
}

const dlpAction: Schema = { type: 'string', enum: ['redact', 'block', 'record'] };
const sha256Hex: Schema = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', 'x-hint': 'a sha256 as 64 hex digits' };
const toolAction: Schema = { type: 'string', enum: ['allow', 'ask', 'deny'] };
const stringOrList: Schema = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
  ],
  'x-hint': 'a pattern, or a list of patterns',
};

const pathString: Schema = {
  type: 'string',
  minLength: 1,
  description: 'A path: absolute, `~/...` for the home directory, or relative to the workspace.',
};

const workspaceRelative: Schema = {
  type: 'string',
  pattern: '^(?!/)(?!~)(?!.*(^|/)\\.\\.(/|$)).+$',
  'x-hint': 'a path relative to the workspace, without `..` (for example `.git/hooks`)',
};

const homePath: Schema = {
  type: 'string',
  pattern: '^~/(?!.*(^|/)\\.\\.(/|$)).+$',
  'x-hint': 'a path inside the home directory written as `~/...` (for example `~/.claude/settings.json`)',
};

const hostPattern: Schema = {
  type: 'string',
  pattern: '^(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$',
  'x-hint': 'a host name such as `api.anthropic.com`, or `*.example.com` for every subdomain',
};

const port: Schema = { type: 'integer', minimum: 1, maximum: 65535 };

const size: Schema = {
  type: 'string',
  pattern: '^([0-9]+([KkMmGgTt]i?[Bb]?)?|unlimited)$',
  'x-hint': 'a size such as `512M`, `8G` or `unlimited`',
};

const envName: Schema = {
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_]*\\*?$',
  'x-hint': 'an environment variable name, optionally ending in `*` to match a prefix (for example `CLAUDE_CODE_*`)',
};

export const PRESET_NAMES = ['claude', 'codex', 'gemini', 'none'] as const;

export const policySchema: Schema = {
  type: 'object',
  description: 'Glassbox policy: what an agent may reach inside `glassbox run`.',
  additionalProperties: false,
  properties: {
    version: { type: 'integer', enum: [1], description: 'Policy format version; currently 1.' },
    preset: {
      type: 'string',
      enum: PRESET_NAMES,
      description: 'Start from the settings for a known agent CLI (hosts, config dirs, env vars).',
    },
    workspace: { ...pathString, description: 'The directory the agent may write; `--workspace` overrides it.' },
    filesystem: {
      type: 'object',
      additionalProperties: false,
      properties: {
        read: { type: 'array', items: pathString, description: 'Extra paths visible read-only.' },
        write: { type: 'array', items: pathString, description: 'Extra paths visible read-write.' },
        deny: { type: 'array', items: pathString, description: 'Paths hidden even when another rule shows them.' },
        protect: {
          type: 'array',
          items: workspaceRelative,
          description: 'Extra workspace paths that stay read-only and uncreatable.',
        },
        unprotect: {
          type: 'array',
          items: workspaceRelative,
          description: 'Default protected workspace paths to leave writable.',
        },
      },
    },
    home: {
      type: 'array',
      description: 'What the fresh sandbox HOME receives from the real one.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: homePath,
          mode: {
            type: 'string',
            enum: ['copy', 'ro', 'rw'],
            description: 'copy: a private copy (default); ro: bound read-only; rw: bound read-write.',
          },
          optional: { type: 'boolean', description: 'Skip silently when the path does not exist (default true).' },
        },
      },
    },
    env: {
      type: 'object',
      additionalProperties: false,
      properties: {
        pass: { type: 'array', items: envName, description: 'Host variables to pass into the sandbox.' },
        set: {
          type: 'object',
          propertyNames: envName,
          additionalProperties: { type: 'string' },
          description: 'Variables to set inside the sandbox.',
        },
        tz: { type: 'string', minLength: 1, description: 'Pin TZ inside the sandbox (for example `UTC`).' },
      },
    },
    network: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allow: {
          type: 'array',
          description: 'Hosts the agent may reach through the Glassbox proxy; everything else is refused.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['host'],
            properties: {
              host: hostPattern,
              port: {
                anyOf: [port, { type: 'array', items: port }],
                'x-hint': 'a port number 1-65535 or a list of them (default 443)',
              },
              inspect: {
                type: 'boolean',
                description: 'Terminate TLS and inspect requests (LLM APIs, credentials, egress accounting). Default false: tunnel.',
              },
              methods: {
                type: 'array',
                items: { type: 'string', pattern: '^[A-Z]+$', 'x-hint': 'an HTTP method in capitals, e.g. `POST`' },
                description: 'Inspected hosts only: the methods allowed (default all).',
              },
              paths: {
                type: 'array',
                items: { type: 'string', pattern: '^/', 'x-hint': 'a URL path starting with `/`; `*` matches any run of characters' },
                description: 'Inspected hosts only: the paths allowed (default all).',
              },
              allowPrivate: {
                type: 'boolean',
                description: 'Allow this host to resolve to loopback/private addresses (an internal service). Default false.',
              },
            },
          },
        },
        route: {
          type: 'object',
          propertyNames: hostPattern,
          additionalProperties: {
            type: 'string',
            pattern: '^https?://[^/\\s]+/?$',
            'x-hint': 'an origin URL such as `http://127.0.0.1:18080` or `https://llm-gateway.internal`',
          },
          description: 'Send requests for a host to another upstream (a local model, a gateway); the agent is unaware.',
        },
      },
    },
    credentials: {
      type: 'array',
      description: 'Real secrets the sandbox never sees: it gets a placeholder that the proxy swaps in only toward the named hosts.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'from', 'hosts'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', 'x-hint': 'a short name of letters, digits, `.`, `_` or `-`' },
          from: {
            type: 'object',
            additionalProperties: false,
            properties: {
              env: { ...envName, description: 'Host environment variable holding the secret.' },
              file: { ...pathString, description: 'File holding the secret (first line).' },
            },
          },
          env: {
            anyOf: [envName, { type: 'array', items: envName }],
            'x-hint': 'a variable name, or a list of them, inside the sandbox that receive the placeholder',
            description: 'Variable(s) inside the sandbox that receive the placeholder (default: from.env).',
          },
          hosts: { type: 'array', items: hostPattern, description: 'Hosts the real value may be sent to (they must be inspected).' },
          optional: { type: 'boolean', description: 'Skip silently when the secret is not on this machine (default false).' },
        },
      },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      description: 'The audit log on this machine.',
      properties: {
        retention: {
          type: 'object',
          additionalProperties: false,
          description: 'Purge event bodies (never the hash chain) older than `days` or beyond `maxSize`; each purge is itself logged.',
          properties: {
            days: { type: 'integer', minimum: 1, maximum: 36500 },
            maxSize: { ...size, description: 'Keep the bodies of the newest events within this size, e.g. `512M`.' },
          },
        },
        exec: { type: 'boolean', description: 'Record every program executed inside the sandbox (strace, seccomp-bpf). Default true when strace is installed.' },
        files: {
          type: 'boolean',
          description: 'Also record refused file writes (read-only, protected or hidden paths). Costly on file-heavy work: every open is traced. Default false.',
        },
      },
    },
    dlp: {
      type: 'object',
      additionalProperties: false,
      description: 'Secret detection on everything the proxy inspects (requests to inspected hosts).',
      properties: {
        actions: {
          type: 'object',
          additionalProperties: false,
          description: 'What to do with a finding, by severity (defaults: high redact, medium redact, low record). Planted canaries are always blocked.',
          properties: { high: dlpAction, medium: dlpAction, low: dlpAction, known: { ...dlpAction, description: "This machine's own secrets (host env, workspace .env files)." } },
        },
        rules: {
          type: 'object',
          description: 'Per-rule action overrides, by rule id (`glassbox scan --rules` lists them); `off` disables a rule.',
          propertyNames: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', 'x-hint': 'a rule id' },
          additionalProperties: { type: 'string', enum: ['redact', 'block', 'record', 'off'] },
        },
        custom: {
          type: 'array',
          description: 'Your own rules. Regexes must be linear-time safe (no backreferences, lookarounds or nested repetition).',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'regex'],
            properties: {
              id: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', 'x-hint': 'letters, digits, `.`, `_` or `-`' },
              description: { type: 'string' },
              regex: { type: 'string', minLength: 1, description: 'JavaScript regex source; the first capture group is the secret.' },
              keywords: { type: 'array', items: { type: 'string', minLength: 2 }, description: 'Literals that must occur nearby (fast prefilter).' },
              severity: { type: 'string', enum: ['high', 'medium', 'low'] },
              entropy: { type: 'integer', minimum: 0, maximum: 8 },
            },
          },
        },
        gitleaks: { type: 'array', items: pathString, description: 'gitleaks TOML rule files to load as well.' },
        canaries: { type: 'boolean', description: 'Plant decoy credentials in the sandbox HOME and block any request carrying one (default true).' },
        localSecrets: { type: 'boolean', description: "Find this machine's own secrets verbatim: credential-like host env values and workspace .env values (default true)." },
      },
    },
    agents: {
      type: 'object',
      additionalProperties: false,
      description: 'Which agents may run: `glassbox attest -- CMD` prints a pin. With no `allow` list every agent runs (its identity is still recorded).',
      properties: {
        allow: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              package: { type: 'string', minLength: 1, description: 'npm package name, e.g. `@anthropic-ai/claude-code`.' },
              path: { ...pathString, description: 'The resolved executable (symlinks followed), for agents not installed from npm.' },
              version: { ...stringOrList, description: 'Allowed versions (`*` wildcard), e.g. `2.0.*`.' },
              sha256: {
                anyOf: [sha256Hex, { type: 'array', items: sha256Hex, minItems: 1 }],
                'x-hint': 'a sha256 (64 hex digits), or a list of them',
                description: 'Allowed agent digests, as `glassbox attest` prints them (package and platform packages, or the executable).',
              },
            },
          },
        },
        onMismatch: { type: 'string', enum: ['refuse', 'warn'], description: 'An agent that matches no entry: refuse to start (default) or warn and record.' },
      },
    },
    tools: {
      type: 'object',
      additionalProperties: false,
      description: 'Policy on the tool calls the model asks for (shell commands, file edits), applied in the proxy before the agent sees them.',
      properties: {
        default: { ...toolAction, description: 'For calls no rule matches (default allow).' },
        rules: {
          type: 'array',
          description: 'First match wins; rules in the policy file come before preset and built-in ones.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['action'],
            properties: {
              action: toolAction,
              tool: { ...stringOrList, description: 'Tool names (`*` wildcard, any case), e.g. `Bash`, `shell`, `run_shell_command`.' },
              command: { ...stringOrList, description: 'Command patterns; `*` matches anything. Each simple command of a line (and of `sh -c` scripts) is tried.' },
              path: { ...stringOrList, description: 'Path globs (`**` crosses directories; `~` and relative to the workspace); a directory covers what is below it.' },
              reason: { type: 'string', minLength: 1, description: 'Shown to the agent when the rule denies, and to the approver when it asks.' },
            },
          },
        },
        approval: {
          type: 'object',
          additionalProperties: false,
          description: '`ask` waits for `glassbox approve` from another terminal.',
          properties: {
            timeout: { type: 'integer', minimum: 1, maximum: 86400, description: 'Seconds to wait before the call is denied (default 120).' },
            headless: { type: 'string', enum: ['deny', 'wait'], description: 'With no terminal (CI), `ask` means deny (default) or still waits for an approver.' },
          },
        },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        processes: { type: 'integer', minimum: 16, maximum: 1000000, description: 'Most processes at once.' },
        memory: { ...size, description: 'Most memory for the whole sandbox.' },
        fileSize: { ...size, description: 'Largest file a process may write.' },
        openFiles: { type: 'integer', minimum: 64, maximum: 1048576, description: 'Most open files per process.' },
      },
    },
  },
};
