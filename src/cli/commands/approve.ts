import { userInfo } from 'node:os';
import { UserError } from '../../errors.js';
import { ApprovalDesk, type ApprovalRow, decideApproval } from '../../tools/approvals.js';
import { parseArgs } from '../args.js';
import { openStore } from './audit.js';

const USAGE = 'usage: glassbox approve [ID [--deny] [--hash PREFIX]] [--json]';

function describe(r: ApprovalRow): string {
  const left = Math.max(0, Math.round((Date.parse(r.expires) - Date.now()) / 1000));
  return `${r.id}  session ${r.session}  ${r.summary}\n          why: ${r.reason}; call ${r.callHash.slice(0, 12)}; expires in ${left} s`;
}

/**
 * `glassbox approve`: lists tool calls waiting for a person; `approve ID` lets one run,
 * `--deny` refuses it. The decision goes into the audit chain with who made it.
 */
export function approveCommand(argv: string[]): number {
  const { options, positionals } = parseArgs(argv, [{ name: 'deny' }, { name: 'hash', value: 'the start of the call hash shown by `glassbox approve`' }, { name: 'json' }], 'approve');
  if (positionals.length > 1) throw new UserError(USAGE);
  const store = openStore();
  try {
    const desk = new ApprovalDesk(store.db);
    const id = positionals[0];
    if (id === undefined) {
      if (options.deny || options.hash) throw new UserError(`--deny and --hash need the request id; ${USAGE}`);
      const pending = desk.pending();
      if (options.json) process.stdout.write(JSON.stringify(pending, null, 2) + '\n');
      else if (pending.length === 0) process.stdout.write('no tool calls are waiting for approval\n');
      else process.stdout.write(pending.map(describe).join('\n') + '\n');
      return 0;
    }
    const by = `${userInfo().username} (pid ${process.pid}${process.stdin.isTTY ? ', terminal' : ''})`;
    const status = options.deny ? 'denied' : 'approved';
    const row = decideApproval(store, desk, id, status, by, typeof options.hash === 'string' ? options.hash : undefined);
    if (options.json) process.stdout.write(JSON.stringify(row, null, 2) + '\n');
    else process.stdout.write(`${status} ${row.id}: ${row.summary} (call ${row.callHash.slice(0, 12)})\n`);
    return 0;
  } finally {
    store.close();
  }
}
