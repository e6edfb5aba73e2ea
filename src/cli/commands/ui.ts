import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { LocalSource } from '../../dashboard/local.js';
import { DashboardServer } from '../../dashboard/server.js';
import { UserError } from '../../errors.js';
import { parseArgs, portOption, untilStopped } from '../args.js';
import { AuditStore } from '../../audit/store.js';

/**
 * `glassbox ui`: the dashboard over this machine's audit log, on 127.0.0.1 only, behind a
 * token made afresh at every start (printed in the address, never stored).
 */
export async function uiCommand(argv: string[]): Promise<number> {
  const { options, positionals } = parseArgs(argv, [{ name: 'port', value: 'a TCP port (default: a free one)' }], 'ui');
  if (positionals.length > 0) throw new UserError('usage: glassbox ui [--port N]');
  const port = portOption(options.port, 0);
  // Opened (and created when new) like a run would: the page may come up before the first session.
  const source = new LocalSource(AuditStore.open());
  const token = randomBytes(24).toString('base64url');
  const server = new DashboardServer({
    source,
    token,
    // Only the loopback names: a page elsewhere that rebinds its DNS to 127.0.0.1 is refused.
    allowedHosts: (p) => [`127.0.0.1:${p}`, `localhost:${p}`],
    approver: `${userInfo().username} (web dashboard, pid ${process.pid})`,
  });
  try {
    const bound = await server.listen(port, '127.0.0.1');
    process.stdout.write(`glassbox ui: http://127.0.0.1:${bound}/#token=${token}\n`);
    process.stderr.write('glassbox ui: serving this machine’s audit log; Ctrl-C to stop\n');
    await untilStopped();
  } finally {
    await server.close();
    await source.close();
  }
  return 0;
}
