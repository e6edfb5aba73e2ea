import { stringify } from 'yaml';
import { UserError } from '../../errors.js';
import { loadPolicy, readPolicyFile } from '../../policy/load.js';
import { policySchema } from '../../policy/schema.js';
import { parseArgs } from '../args.js';
import { presetOption } from './run.js';

export const POLICY_HELP = `usage: glassbox policy check FILE
       glassbox policy schema
       glassbox policy show [--policy FILE] [--preset NAME] [--json]

check   validate a policy file; every problem is reported as FILE:LINE:COL: what is wrong
schema  print the JSON Schema of policy files (for editor completion and validation)
show    print the effective policy (defaults + preset + file) and its hash`;

export function policyCommand(argv: string[]): number {
  const [sub, ...args] = argv;
  switch (sub) {
    case 'check': {
      const { positionals, options } = parseArgs(args, [{ name: 'help', short: 'h' }], 'policy check');
      if (options.help) return help();
      if (positionals.length !== 1) throw new UserError('usage: glassbox policy check FILE (exactly one policy file)');
      const file = positionals[0]!;
      readPolicyFile(file);
      const { hash } = loadPolicy({ file });
      process.stdout.write(`${file}: valid (effective policy sha256:${hash})\n`);
      return 0;
    }
    case 'schema': {
      const schema = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: 'https://glassbox.dev/schema/policy-v1.json',
        title: 'Glassbox policy',
        ...policySchema,
      };
      process.stdout.write(JSON.stringify(schema, null, 2) + '\n');
      return 0;
    }
    case 'show': {
      const { options } = parseArgs(
        args,
        [{ name: 'policy', value: 'a policy YAML file' }, { name: 'preset', value: 'claude|codex|gemini|none' }, { name: 'json' }, { name: 'help', short: 'h' }],
        'policy show',
      );
      if (options.help) return help();
      const preset = presetOption(options.preset);
      const loaded = loadPolicy({
        ...(typeof options.policy === 'string' ? { file: options.policy } : {}),
        ...(preset ? { preset } : {}),
        useDefaultFile: true,
      });
      if (options.json) {
        process.stdout.write(JSON.stringify({ hash: loaded.hash, file: loaded.file ?? null, policy: loaded.policy }, null, 2) + '\n');
      } else {
        process.stdout.write(`# effective policy${loaded.file ? ` from ${loaded.file}` : ''}\n# sha256:${loaded.hash}\n${stringify(loaded.policy)}`);
      }
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return help();
    default:
      throw new UserError(`unknown policy subcommand ${JSON.stringify(sub)}; use check, schema or show`);
  }
}

function help(): number {
  process.stdout.write(POLICY_HELP + '\n');
  return 0;
}
