import { UserError } from '../../errors.js';
import { loadPolicy } from '../../policy/load.js';
import { PRESET_NAMES } from '../../policy/schema.js';
import type { PresetName } from '../../policy/types.js';
import { runSession } from '../../session/run.js';
import { parseArgs } from '../args.js';

export const RUN_HELP = `usage: glassbox run [--policy FILE] [--workspace DIR] [--preset claude|codex|gemini|none] [--quiet] -- CMD ARGS...

Runs CMD inside the sandbox: workspace read-write, system read-only, a fresh HOME, a scrubbed
environment, and no network except through the Glassbox proxy. The exit code is CMD's.
Without --policy, ~/.config/glassbox/policy.yaml is used when it exists.`;

export function presetOption(value: string | boolean | undefined): PresetName | undefined {
  if (value === undefined) return undefined;
  if (!PRESET_NAMES.includes(value as PresetName)) {
    throw new UserError(`unknown preset ${JSON.stringify(value)}; choose one of ${PRESET_NAMES.join(', ')}`);
  }
  return value as PresetName;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { options, positionals, rest } = parseArgs(
    argv,
    [
      { name: 'policy', value: 'a policy YAML file' },
      { name: 'workspace', value: 'the project directory' },
      { name: 'preset', value: PRESET_NAMES.join('|') },
      { name: 'quiet', short: 'q' },
      { name: 'help', short: 'h' },
    ],
    'run',
  );
  if (options.help) {
    process.stdout.write(RUN_HELP + '\n');
    return 0;
  }
  const command = [...positionals, ...rest];
  if (positionals.length > 0 && rest.length > 0) {
    throw new UserError(`unexpected argument ${positionals[0]} before \`--\`; put the agent command after \`--\``);
  }
  if (command.length === 0) throw new UserError('no command given; usage: glassbox run [options] -- CMD ARGS...');
  const preset = presetOption(options.preset);
  const loaded = loadPolicy({
    ...(typeof options.policy === 'string' ? { file: options.policy } : {}),
    ...(preset ? { preset } : {}),
    useDefaultFile: true,
  });
  const result = await runSession({
    command,
    loaded,
    ...(typeof options.workspace === 'string' ? { workspace: options.workspace } : {}),
    quiet: Boolean(options.quiet),
  });
  return result.exitCode;
}
