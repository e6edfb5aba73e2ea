import { glassboxVersion } from '../util/version.js';
import { PolicyError } from '../policy/load.js';
import { UserError, errorMessage } from '../errors.js';
import { policyCommand } from './commands/policy.js';
import { exportCommand, logCommand, showCommand, verifyCommand } from './commands/audit.js';
import { mockLlmCommand } from './commands/mock-llm.js';
import { runCommand } from './commands/run.js';
import { hookCommand, scanCommand } from './commands/scan.js';
import { approveCommand } from './commands/approve.js';
import { attestCommand } from './commands/attest.js';
import { probeCommand } from './commands/probe.js';
import { reachCommand } from './commands/reach.js';
import { uiCommand } from './commands/ui.js';
import { hubCommand, pushCommand } from './commands/hub.js';

const HELP = `glassbox: a runtime trust boundary around AI coding agents

usage: glassbox run [options] -- CMD ARGS...   run an agent inside the sandbox
       glassbox policy check|schema|show       work with policy files
       glassbox mock-llm [--port N] [--scenario FILE]   a local inference server for offline drills
       glassbox log | show SESSION | verify [SESSION] | export   the tamper-evident audit log
       glassbox scan [PATH...] [--staged] [--since REV] [--format text|json|sarif]   find secrets
       glassbox hook install                   a git pre-commit hook running \`scan --staged\`
       glassbox approve [ID [--deny]]          answer a tool call the policy asks about
       glassbox attest [--json] -- CMD         the agent's identity (package, version, hashes) and a pin
       glassbox probe [--vary tz,locale,...] -- CMD   find environment-dependent covert encoding
       glassbox reach [--policy FILE] [--format md|html|json]   what an agent could reach, bare and in the box
       glassbox ui [--port N]                  the web dashboard over this machine's audit log
       glassbox hub --database postgres://...  the org hub: verified pushes from machines, one dashboard
       glassbox push --hub URL                 ship this machine's audit chain to the hub (--watch N: keep shipping)
       glassbox --version

Run \`glassbox COMMAND --help\` for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
      return runCommand(rest);
    case 'policy':
      return policyCommand(rest);
    case 'mock-llm':
      return mockLlmCommand(rest);
    case 'log':
      return logCommand(rest);
    case 'show':
      return showCommand(rest);
    case 'verify':
      return verifyCommand(rest);
    case 'export':
      return exportCommand(rest);
    case 'scan':
      return scanCommand(rest);
    case 'hook':
      return hookCommand(rest);
    case 'approve':
      return approveCommand(rest);
    case 'attest':
      return attestCommand(rest);
    case 'probe':
      return probeCommand(rest);
    case 'reach':
      return reachCommand(rest);
    case 'ui':
      return uiCommand(rest);
    case 'hub':
      return hubCommand(rest);
    case 'push':
      return pushCommand(rest);
    case '--version':
    case '-V':
      process.stdout.write(`glassbox ${glassboxVersion()}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP + '\n');
      return 0;
    default:
      throw new UserError(`unknown command ${JSON.stringify(cmd)}; run \`glassbox --help\` for the list`);
  }
}

/** Exits only once stdout and stderr are flushed: a pipe reader must get every byte (e.g. `log --json | jq`). */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    if (err instanceof PolicyError) {
      process.stderr.write(err.message + '\n');
      return exitWhenFlushed(err.exitCode);
    }
    if (err instanceof UserError) {
      process.stderr.write(`glassbox: ${err.message}\n`);
      return exitWhenFlushed(err.exitCode);
    }
    // A bug of ours: still one line, with the details only on request.
    process.stderr.write(`glassbox: internal error: ${errorMessage(err)} (set GLASSBOX_DEBUG=1 for details; please report it)\n`);
    if (process.env.GLASSBOX_DEBUG) process.stderr.write(String((err as Error)?.stack) + '\n');
    exitWhenFlushed(70);
  },
);
