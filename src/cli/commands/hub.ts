import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DashboardServer } from '../../dashboard/server.js';
import { UserError } from '../../errors.js';
import { machineRoutes } from '../../hub/api.js';
import { pushLog } from '../../hub/client.js';
import { OtlpForwarder } from '../../hub/otlp.js';
import { HubSource } from '../../hub/source.js';
import { HubStore } from '../../hub/store.js';
import { glassboxVersion } from '../../util/version.js';
import { parseArgs, untilStopped } from '../args.js';
import { openStore } from './audit.js';

const HUB_USAGE = `usage: glassbox hub --database postgres://... [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE] [--admin-token-file FILE] [--otlp-endpoint URL]
       glassbox hub token add NAME | list | revoke NAME --database postgres://...
       glassbox hub verify --database postgres://...`;

function readSecretFile(path: string, what: string): string {
  try {
    const v = readFileSync(path, 'utf8').trim();
    if (!v) throw new Error('empty');
    return v;
  } catch (err) {
    throw new UserError(`cannot read ${what} from ${path} (${(err as Error).message === 'empty' ? 'the file is empty' : (err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

function database(options: Record<string, string | boolean>): string {
  const url = typeof options.database === 'string' ? options.database : process.env.GLASSBOX_HUB_DATABASE;
  if (!url) throw new UserError('the hub needs --database postgres://USER@HOST:PORT/DB (or GLASSBOX_HUB_DATABASE)');
  return url;
}

function listenOption(v: string | boolean | undefined): { host: string; port: number } {
  const raw = typeof v === 'string' ? v : '127.0.0.1:8420';
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(raw);
  if (!m || Number(m[2]) > 65535) throw new UserError(`--listen must be HOST:PORT (e.g. 0.0.0.0:8420), not ${JSON.stringify(raw)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

async function tokenCommand(argv: string[]): Promise<number> {
  const { options, positionals } = parseArgs(argv, [{ name: 'database', value: 'a postgres:// URL' }], 'hub token');
  const [verb, name] = positionals;
  const store = await HubStore.open(database(options));
  try {
    if (verb === 'add' && name && positionals.length === 2) {
      const token = await store.addMachine(name);
      process.stdout.write(`${token}\n`);
      process.stderr.write(`glassbox hub: machine ${name} registered; give it this token (shown once) as GLASSBOX_HUB_TOKEN or a --token-file for \`glassbox push\`\n`);
      return 0;
    }
    if (verb === 'revoke' && name && positionals.length === 2) {
      await store.revokeMachine(name);
      process.stdout.write(`revoked ${name}\n`);
      return 0;
    }
    if (verb === 'list' && positionals.length === 1) {
      for (const m of await store.machines()) process.stdout.write(`${m.name.padEnd(24)} ${m.revoked ? 'revoked ' : m.status.padEnd(8)} ${String(m.size).padStart(8)} entries  last push ${m.lastPush ?? 'never'}${m.problem ? `  problem: ${m.problem}` : ''}\n`);
      return 0;
    }
    throw new UserError(HUB_USAGE);
  } finally {
    await store.close();
  }
}

/** `glassbox hub verify`: every machine's stored chain walked again; exit 1 when any fails. */
async function hubVerifyCommand(argv: string[]): Promise<number> {
  const { options, positionals } = parseArgs(argv, [{ name: 'database', value: 'a postgres:// URL' }], 'hub verify');
  if (positionals.length > 0) throw new UserError(HUB_USAGE);
  const store = await HubStore.open(database(options));
  try {
    const report = await new HubSource(store).integrity();
    for (const m of report.machines ?? []) process.stdout.write(`${m.name.padEnd(24)} ${m.status.padEnd(9)} ${String(m.size).padStart(8)} entries${m.anchorKey ? `  first key ${m.anchorKey}` : ''}${m.problem ? `  problem: ${m.problem}` : ''}\n`);
    process.stdout.write(report.ok ? `verified: ${report.entries} entries of ${report.machines?.length ?? 0} machines, ${report.checkpoints} signed checkpoints\n` : `TAMPERED: ${report.problems.length} machine${report.problems.length === 1 ? '' : 's'}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

/** `glassbox hub`: the org server. Machines push verified chain segments; people read the dashboard. */
export async function hubCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'token') return tokenCommand(argv.slice(1));
  if (argv[0] === 'verify') return hubVerifyCommand(argv.slice(1));
  const { options, positionals } = parseArgs(
    argv,
    [
      { name: 'database', value: 'a postgres:// URL' },
      { name: 'listen', value: 'HOST:PORT (default 127.0.0.1:8420)' },
      { name: 'tls-cert', value: 'a PEM certificate file' },
      { name: 'tls-key', value: 'a PEM private key file' },
      { name: 'admin-token-file', value: 'a file holding the dashboard token' },
      { name: 'otlp-endpoint', value: 'an OTLP/HTTP collector URL' },
    ],
    'hub',
  );
  if (positionals.length > 0) throw new UserError(HUB_USAGE);
  if (Boolean(options['tls-cert']) !== Boolean(options['tls-key'])) throw new UserError('TLS needs both --tls-cert and --tls-key');
  const tls = typeof options['tls-cert'] === 'string' ? { cert: readSecretFile(options['tls-cert'], 'the TLS certificate'), key: readSecretFile(options['tls-key'] as string, 'the TLS key') } : undefined;
  const { host, port } = listenOption(options.listen);
  const adminToken = typeof options['admin-token-file'] === 'string' ? readSecretFile(options['admin-token-file'], 'the admin token') : randomBytes(24).toString('base64url');
  const store = await HubStore.open(database(options));
  const say = (m: string) => process.stderr.write(`glassbox hub: ${m}\n`);
  const otlp = typeof options['otlp-endpoint'] === 'string' ? new OtlpForwarder(store, options['otlp-endpoint'], glassboxVersion(), say) : undefined;
  const server = new DashboardServer({
    source: new HubSource(store),
    token: adminToken,
    ...(tls ? { tls } : {}),
    routes: machineRoutes(store, (machine, r) => {
      if (r.accepted > 0) say(`${machine}: ${r.accepted} entries verified and stored (now ${r.size})`);
      void otlp?.drain(machine);
    }),
    approver: 'hub',
  });
  try {
    const bound = await server.listen(port, host);
    const scheme = tls ? 'https' : 'http';
    const shown = host.includes(':') ? `[${host}]` : host;
    process.stdout.write(`glassbox hub: ${scheme}://${shown}:${bound}/#token=${adminToken}\n`);
    say(`machines push to ${scheme}://${shown}:${bound}; register one with \`glassbox hub token add NAME\`${otlp ? `; forwarding to ${String(options['otlp-endpoint'])}` : ''}`);
    for (const m of await store.machines()) if (otlp) void otlp.drain(m.name);
    await untilStopped();
  } finally {
    await server.close();
    await otlp?.idle();
    await store.close();
  }
  return 0;
}

/** `glassbox push`: this machine's audit chain to the org hub, once or every N seconds. */
export async function pushCommand(argv: string[]): Promise<number> {
  const { options, positionals } = parseArgs(
    argv,
    [
      { name: 'hub', value: 'the hub URL, e.g. https://hub.example:8420' },
      { name: 'token-file', value: 'a file holding this machine’s token' },
      { name: 'ca', value: 'a PEM CA file to trust for the hub' },
      { name: 'watch', value: 'seconds between pushes (continuous shipping)' },
    ],
    'push',
  );
  if (positionals.length > 0) throw new UserError('usage: glassbox push --hub URL [--token-file FILE] [--ca FILE] [--watch SECONDS]');
  const url = typeof options.hub === 'string' ? options.hub : process.env.GLASSBOX_HUB_URL;
  if (!url) throw new UserError('glassbox push needs --hub URL (or GLASSBOX_HUB_URL)');
  const token = typeof options['token-file'] === 'string' ? readSecretFile(options['token-file'], 'the machine token') : process.env.GLASSBOX_HUB_TOKEN;
  if (!token) throw new UserError('glassbox push needs the machine token: --token-file FILE or GLASSBOX_HUB_TOKEN (from `glassbox hub token add NAME` on the hub)');
  const ca = typeof options.ca === 'string' ? readSecretFile(options.ca, 'the CA certificate') : undefined;
  const watch = options.watch === undefined ? 0 : Number(options.watch);
  if (!Number.isFinite(watch) || watch < 0 || (options.watch !== undefined && watch < 1)) throw new UserError('--watch takes a number of seconds, at least 1');
  const hub = { url, token, ...(ca ? { ca } : {}) };
  const once = async () => {
    const store = openStore();
    try {
      const r = await pushLog(store, hub);
      process.stdout.write(`pushed ${r.sent} entries in ${r.batches} batch${r.batches === 1 ? '' : 'es'} as ${r.machine}; the hub holds ${r.size}\n`);
    } finally {
      store.close();
    }
  };
  if (!watch) {
    await once();
    return 0;
  }
  let stop = false;
  void untilStopped().then(() => (stop = true));
  while (!stop) {
    try {
      await once();
    } catch (err) {
      // A hub that is down now may be up at the next round; a refusal is worth saying each time.
      process.stderr.write(`glassbox push: ${(err as Error).message}\n`);
    }
    for (let waited = 0; waited < watch * 10 && !stop; waited++) await new Promise((r) => setTimeout(r, 100));
  }
  return 0;
}
