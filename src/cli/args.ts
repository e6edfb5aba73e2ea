import { UserError } from '../errors.js';

export interface OptionSpec {
  /** Long name without dashes. */
  name: string;
  /** Takes a value; the text says what kind, for error messages. */
  value?: string;
  short?: string;
}

export interface Parsed {
  options: Record<string, string | boolean>;
  positionals: string[];
  /** Everything after `--`, untouched. */
  rest: string[];
}

/** Strict option parsing: every unknown option or missing value is a one-line error. */
export function parseArgs(argv: string[], specs: OptionSpec[], command: string): Parsed {
  const options: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const [flag, inline] = arg.startsWith('--') ? (arg.slice(2).split(/=(.*)/s, 2) as [string, string?]) : [arg.slice(1), undefined];
      const spec = specs.find((s) => (arg.startsWith('--') ? s.name === flag : s.short === flag));
      if (!spec) {
        const known = specs.map((s) => `--${s.name}`).join(', ');
        throw new UserError(`unknown option ${arg} for \`glassbox ${command}\`; known options: ${known || 'none'}`);
      }
      if (spec.value) {
        const value = inline ?? argv[++i];
        if (value === undefined || (inline === undefined && value.startsWith('--'))) {
          throw new UserError(`option --${spec.name} needs a value (${spec.value})`);
        }
        options[spec.name] = value;
      } else {
        if (inline !== undefined) throw new UserError(`option --${spec.name} takes no value`);
        options[spec.name] = true;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { options, positionals, rest };
}

/** A --port value: 0 to 65535, where 0 lets the system pick a free one. */
export function portOption(v: string | boolean | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`--port must be a port number from 0 to 65535 (0 picks a free one), not ${JSON.stringify(v)}`);
  return n;
}

/** Resolves when a serving command is asked to stop, so it can close cleanly. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => resolve());
  });
}
