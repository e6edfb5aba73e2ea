import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretScanner } from '../../dlp/engine.js';
import { policyRules } from '../../dlp/index.js';
import { dotenvSecrets } from '../../dlp/local-secrets.js';
import { type ScanFinding, scanGitDiff, scanPaths, toSarif } from '../../dlp/scan.js';
import { UserError } from '../../errors.js';
import { loadPolicy } from '../../policy/load.js';
import { parseArgs } from '../args.js';
import { paint } from '../../util/paint.js';


/** `glassbox scan [PATH...] [--staged] [--since REV] [--format text|json|sarif] [--policy FILE]`: exit 1 when secrets are found. */
export function scanCommand(argv: string[]): number {
  const { options, positionals } = parseArgs(
    argv,
    [
      { name: 'staged' },
      { name: 'since', value: 'a git revision, e.g. origin/main' },
      { name: 'format', value: 'text, json or sarif' },
      { name: 'policy', value: 'a policy file with dlp rules' },
      { name: 'rules' },
    ],
    'scan',
  );
  const format = (options.format as string | undefined) ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UserError(`unsupported format ${JSON.stringify(format)}; use text, json or sarif`);
  if (options.staged && options.since) throw new UserError('--staged and --since are alternatives; give one');
  const { policy } = loadPolicy({ ...(typeof options.policy === 'string' ? { file: options.policy } : {}), useDefaultFile: true });
  const rules = policyRules(policy.dlp);
  if (options.rules) {
    for (const r of rules) process.stdout.write(`${r.id.padEnd(34)} ${r.severity.padEnd(6)} ${r.description}\n`);
    return 0;
  }
  const scanner = new SecretScanner(rules, policy.dlp.localSecrets ? dotenvSecrets(process.cwd()) : []);
  let findings: ScanFinding[];
  if (options.staged || options.since) {
    if (positionals.length > 0) throw new UserError('paths and --staged/--since do not mix; scan paths, or a diff');
    findings = scanGitDiff(scanner, process.cwd(), options.staged ? ['--cached'] : [String(options.since)]);
  } else {
    findings = scanPaths(scanner, positionals.length > 0 ? positionals : ['.']);
  }
  if (format === 'json') process.stdout.write(JSON.stringify(findings, null, 2) + '\n');
  else if (format === 'sarif') process.stdout.write(JSON.stringify(toSarif(findings, rules), null, 2) + '\n');
  else {
    for (const f of findings) process.stdout.write(`${f.file}:${f.line}:${f.column}: ${paint(f.severity === 'high' ? '31' : '33', f.severity)} ${f.description} (${f.ruleId}) ${f.preview}\n`);
    process.stdout.write(findings.length === 0 ? `${paint('32', 'no secrets found')} (${rules.length} rules)\n` : `${findings.length} secret${findings.length === 1 ? '' : 's'} found\n`);
  }
  return findings.length > 0 ? 1 : 0;
}

const HOOK_MARK = '# glassbox pre-commit hook';

/** `glassbox hook install`: a git pre-commit hook that runs `glassbox scan --staged`. */
export function hookCommand(argv: string[]): number {
  const { positionals } = parseArgs(argv, [], 'hook');
  if (positionals[0] !== 'install') throw new UserError('usage: glassbox hook install (adds a pre-commit hook running `glassbox scan --staged`)');
  const top = spawnSync('git', ['rev-parse', '--git-path', 'hooks'], { encoding: 'utf8' });
  if (top.status !== 0) throw new UserError('not inside a git repository; run `glassbox hook install` from your project');
  const hooks = resolve(top.stdout.trim());
  const hook = join(hooks, 'pre-commit');
  if (existsSync(hook) && !readFileSync(hook, 'utf8').includes(HOOK_MARK)) {
    throw new UserError(`${hook} already exists and is not ours; add \`glassbox scan --staged\` to it yourself`);
  }
  const cli = fileURLToPath(new URL('../../../../bin/glassbox.js', import.meta.url));
  writeFileSync(hook, `#!/bin/sh\n${HOOK_MARK}: refuses commits that add secrets (bypass: git commit --no-verify)\nexec "${process.execPath}" "${cli}" scan --staged\n`);
  chmodSync(hook, 0o755);
  process.stdout.write(`installed ${hook}\n`);
  return 0;
}
