import { agentIdentity, describeAgent, HashCache, pinFor } from '../../attest/identity.js';
import { UserError } from '../../errors.js';
import { parseArgs } from '../args.js';

/** `glassbox attest [--json] -- CMD`: the identity a run would record, and a policy pin for it. */
export function attestCommand(argv: string[]): number {
  const { options, rest } = parseArgs(argv, [{ name: 'json' }], 'attest');
  if (rest.length === 0) throw new UserError('usage: glassbox attest [--json] -- CMD (the agent command, as you would give it to `glassbox run`)');
  const id = agentIdentity(rest[0]!, process.env.PATH, process.cwd(), HashCache.forHome());
  if (!id.resolved) throw new UserError(`${rest[0]} is not on PATH; give the command as you would run it`);
  if (options.json) {
    process.stdout.write(JSON.stringify(id, null, 2) + '\n');
    return 0;
  }
  const lines = [`agent      ${describeAgent(id)}`, `executable ${id.resolved} (sha256 ${id.sha256})`];
  if (id.npmPackage) lines.push(`package    ${id.npmPackage.name}@${id.npmPackage.version}, ${id.npmPackage.files} files, tree sha256 ${id.npmPackage.sha256}`);
  for (const p of id.platformPackages ?? []) lines.push(`platform   ${p.name}@${p.version}, ${p.files} files, tree sha256 ${p.sha256}`);
  lines.push(`digest     ${id.digest}   (what agents.allow[].sha256 pins)`);
  lines.push('', '# to allow only this agent, add to the policy:', pinFor(id).trimEnd());
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
