import { writeFileSync } from 'node:fs';
import { AuditStore } from '../../audit/store.js';
import { UserError } from '../../errors.js';
import { loadScenario } from '../../mock-llm/scenario.js';
import { loadPolicy } from '../../policy/load.js';
import { DIMENSIONS, type Dimension, probe } from '../../probe/probe.js';
import { htmlReport, textReport } from '../../probe/report.js';
import { PRESET_NAMES } from '../../policy/schema.js';
import { parseArgs } from '../args.js';
import { presetOption } from './run.js';

const USAGE = `usage: glassbox probe [--runs N] [--vary ${DIMENSIONS.join(',')}] [--all-values] [--preset P] [--policy FILE] [--scenario FILE] [--json FILE] [--html FILE] -- CMD ARGS...`;

/**
 * `glassbox probe`: runs the agent in the box once per environment and reports requests that
 * change with the environment in ways other than plainly saying so. Exit 1 when suspicious.
 */
export async function probeCommand(argv: string[]): Promise<number> {
  const { options, rest, positionals } = parseArgs(
    argv,
    [
      { name: 'runs', value: 'baseline repeats, at least 2' },
      { name: 'vary', value: `dimensions to vary: ${DIMENSIONS.join(',')}` },
      { name: 'all-values' },
      { name: 'preset', value: PRESET_NAMES.join('|') },
      { name: 'policy', value: 'a policy YAML file' },
      { name: 'scenario', value: 'a mock-llm scenario file' },
      { name: 'json', value: 'a file for the JSON report' },
      { name: 'html', value: 'a file for the HTML report' },
    ],
    'probe',
  );
  if (positionals.length > 0 || rest.length === 0) throw new UserError(USAGE);
  const runs = options.runs === undefined ? 2 : Number(options.runs);
  if (!Number.isInteger(runs) || runs < 2 || runs > 20) throw new UserError('--runs must be a whole number from 2 to 20 (baseline repeats that measure noise)');
  const vary = typeof options.vary === 'string' ? options.vary.split(',').map((d) => d.trim()).filter(Boolean) : [...DIMENSIONS];
  for (const d of vary) if (!DIMENSIONS.includes(d as Dimension)) throw new UserError(`unknown dimension ${JSON.stringify(d)} for --vary; choose from ${DIMENSIONS.join(', ')}`);
  const preset = presetOption(options.preset);
  const loaded = loadPolicy({ ...(typeof options.policy === 'string' ? { file: options.policy } : {}), ...(preset ? { preset } : {}), useDefaultFile: true });
  const report = await probe({
    command: rest,
    loaded,
    dimensions: vary as Dimension[],
    runs,
    allValues: Boolean(options['all-values']),
    ...(typeof options.scenario === 'string' ? { scenario: loadScenario(options.scenario) } : {}),
    progress: (m) => process.stderr.write(`glassbox probe: ${m}\n`),
  });
  // The verdict and what was found go into the audit chain, filed under the first baseline run.
  const first = report.runs[0];
  if (first) {
    const store = AuditStore.open();
    try {
      store.append(first.session, 'probe', { verdict: report.verdict, command: report.command, dimensions: report.dimensions, runs: report.runs, noise: report.noise.length, findings: report.findings.slice(0, 200) });
    } finally {
      store.close();
    }
  }
  if (typeof options.json === 'string') writeFileSync(options.json, JSON.stringify(report, null, 2) + '\n');
  if (typeof options.html === 'string') writeFileSync(options.html, htmlReport(report));
  process.stdout.write(textReport(report));
  return report.verdict === 'clean' ? 0 : 1;
}
