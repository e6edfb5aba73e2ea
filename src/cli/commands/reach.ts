import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { AuditStore } from '../../audit/store.js';
import { UserError } from '../../errors.js';
import { loadPolicy } from '../../policy/load.js';
import { PRESET_NAMES } from '../../policy/schema.js';
import { reach, worthShowing } from '../../reach/reach.js';
import { htmlReport, markdownReport } from '../../reach/report.js';
import { checkWorkspace } from '../../sandbox/plan.js';
import { parseArgs } from '../args.js';
import { presetOption } from './run.js';

const FORMATS = ['md', 'html', 'json'] as const;
const USAGE = `usage: glassbox reach [--policy FILE] [--preset ${PRESET_NAMES.join('|')}] [--workspace DIR] [--format md|html|json] [--output FILE]`;

/**
 * `glassbox reach`: what this user's processes can reach, and what stays reachable from inside
 * the box under the policy. Exit 1 when a critical asset is reachable inside (a CI gate).
 */
export async function reachCommand(argv: string[]): Promise<number> {
  const { options, positionals, rest } = parseArgs(
    argv,
    [
      { name: 'policy', value: 'a policy YAML file' },
      { name: 'preset', value: PRESET_NAMES.join('|') },
      { name: 'workspace', value: 'the project directory the box would get' },
      { name: 'format', value: FORMATS.join('|') },
      { name: 'output', value: 'a file for the report (default: stdout)' },
    ],
    'reach',
  );
  if (positionals.length > 0 || rest.length > 0) throw new UserError(USAGE);
  const format = (options.format ?? 'md') as string;
  if (!FORMATS.includes(format as (typeof FORMATS)[number])) throw new UserError(`unknown --format ${JSON.stringify(format)}; choose md, html or json`);
  const preset = presetOption(options.preset);
  const loaded = loadPolicy({ ...(typeof options.policy === 'string' ? { file: options.policy } : {}), ...(preset ? { preset } : {}), useDefaultFile: true });
  const workspace = checkWorkspace(typeof options.workspace === 'string' ? options.workspace : (loaded.policy.workspace ?? process.cwd()), homedir());
  const report = await reach({ loaded, workspace, progress: (m) => process.stderr.write(`glassbox reach: ${m}\n`) });

  // The summary goes into the audit chain beside the box session's own events.
  const store = AuditStore.open();
  try {
    store.append(report.session, 'reach', { verdict: report.verdict, criticalInBox: report.criticalInBox, summary: report.summary, policyHash: report.policyHash, assets: report.assets.filter(worthShowing) });
  } finally {
    store.close();
  }
  const text = format === 'json' ? JSON.stringify(report, null, 2) + '\n' : format === 'html' ? htmlReport(report) : markdownReport(report);
  if (typeof options.output === 'string') writeFileSync(options.output, text);
  else process.stdout.write(text);
  process.stderr.write(`glassbox reach: ${report.verdict === 'contained' ? 'contained' : `EXPOSED (${report.criticalInBox.join(', ')})`}\n`);
  return report.verdict === 'contained' ? 0 : 1;
}
