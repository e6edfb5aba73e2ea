/**
 * The Glassbox proxy in a process of its own, as in real use (the supervisor is never the
 * agent's process). Reads its settings as JSON from argv[2]; prints the port when listening.
 */
import { JsonlEventSink } from '../src/audit/events.js';
import { buildChain, EgressLedger } from '../src/inspect/index.js';
import { EgressProxy } from '../src/proxy/server.js';
import { CertificateAuthority } from '../src/tls/ca.js';
import { DlpEngine } from '../src/dlp/index.js';
import { mergePolicies } from '../src/policy/load.js';
import { DEFAULTS } from '../src/policy/presets.js';
import { ToolGate } from '../src/tools/gate.js';
import { ToolRules } from '../src/tools/rules.js';

const cfg = JSON.parse(process.argv[2]!) as { host: string; upstreamPort: number; upstreamCa: string };
const events = new JsonlEventSink('bench');
// The bench sink keeps nothing in memory; every event still passes through the chain.
(events as unknown as { events: { push: () => number } }).events.push = () => 0;
const ca = new CertificateAuthority([cfg.host]);
// The chain a session builds: DLP with the default rules and tool-call policy with the defaults.
const policy = mergePolicies([DEFAULTS], 'none');
const dlp = DlpEngine.fromPolicy(policy.dlp, []);
const tools = new ToolGate({ session: 'bench', rules: new ToolRules(policy.tools, process.cwd(), process.env.HOME ?? '/'), approval: policy.tools.approval, events, dlp, interactive: false, notify: () => {} });
const proxy = new EgressProxy({
  session: 'bench',
  allow: [{ host: cfg.host, ports: [cfg.upstreamPort], inspect: true, allowPrivate: true }],
  events,
  ca,
  chain: buildChain({ events, credentials: [], ledger: new EgressLedger(), dlp, tools }),
  upstreamCa: [cfg.upstreamCa],
});
const port = await proxy.listenTcp(0);
process.stdout.write(JSON.stringify({ port, ca: ca.certPem }) + '\n');
process.on('SIGTERM', () => process.exit(0));
