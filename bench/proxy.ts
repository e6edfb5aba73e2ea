/**
 * Proxy overhead, measured in one run against peers on the same machine:
 *   direct     client → upstream (TLS, keep-alive)
 *   glassbox   client → Glassbox (CONNECT, TLS terminated, full inspector chain) → upstream (TLS)
 *   mitmproxy  client → mitmdump (CONNECT, TLS terminated) → upstream (TLS)   [Debian's mitmproxy]
 * Prints latency p50/p99 for sequential keep-alive requests, req/s with 8 parallel connections,
 * and the time to relay a 200-event SSE model turn ending in a tool call (decided by the policy); then the ratios against the goals
 * (≤ +0.5 ms p50 added, ≥ 10× mitmproxy's req/s). Absolute numbers vary with the machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { CertificateAuthority } from '../src/tls/ca.js';

const HOST = 'localhost';
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const PARALLEL_TOTAL = Number(process.env.BENCH_PARALLEL ?? 4000);
const CONNECTIONS = 8;
const BODY = JSON.stringify({ model: 'bench', max_tokens: 16, messages: [{ role: 'user', content: 'x'.repeat(2000) }] });

interface Route {
  name: string;
  /** The proxy's pid, to read its CPU time. */
  pid?: number;
  /** Opens a TLS connection to the upstream, possibly through a proxy. */
  connect(): Promise<Duplex>;
}

function connectVia(proxyPort: number, upstreamPort: number, ca: string[]): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `${HOST}:${upstreamPort}`, agent: false });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
      const t = tlsConnect({ socket, servername: HOST, ca, ALPNProtocols: ['http/1.1'] }, () => resolve(t));
      t.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** An https.Agent whose connections come from `route` (one TLS connection per agent socket). */
function agentFor(route: Route): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  (agent as unknown as { createConnection: (o: unknown, cb: (e: Error | null, s?: Duplex) => void) => void }).createConnection = (_o, cb) => {
    route.connect().then((s) => cb(null, s), (e: Error) => cb(e));
  };
  return agent;
}

function once(agent: Agent, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = httpsRequest({ host: HOST, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-api-key': 'bench' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function startMitmproxy(upstreamCaFile: string): Promise<{ port: number; ca: string; proc: ChildProcess } | undefined> {
  if (spawnSync('sh', ['-c', 'command -v mitmdump']).status !== 0) return undefined;
  const confdir = mkdtempSync(join(tmpdir(), 'bench-mitm-'));
  const port = 18000 + Math.floor(Math.random() * 1000);
  const proc = spawn('mitmdump', ['--listen-host', '127.0.0.1', '--listen-port', String(port), '--set', `confdir=${confdir}`, '--set', `ssl_verify_upstream_trusted_ca=${upstreamCaFile}`, '-q'], { stdio: 'ignore' });
  const caFile = join(confdir, 'mitmproxy-ca-cert.pem');
  for (let i = 0; i < 200 && !existsSync(caFile); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1500));
  if (!existsSync(caFile)) {
    proc.kill();
    return undefined;
  }
  return { port, ca: readFileSync(caFile, 'utf8'), proc };
}

export async function benchProxy(): Promise<void> {
  // Upstream: an HTTPS server on loopback with a JSON answer and an SSE stream.
  const upstreamCa = new CertificateAuthority([HOST]);
  const leaf = upstreamCa.issue(HOST);
  const upstream = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/messages?stream') {
        // A model turn as agents see it: 200 text deltas, then a tool call the policy decides.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < 200; i++) res.write(`event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"token ${i} "}}\n\n`);
        res.write(`event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"Bash","input":{}}}\n\n`);
        for (const piece of ['{"comm', 'and": "ls -la', ' src"}']) res.write(`event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: piece } })}\n\n`);
        res.write(`event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n`);
        res.write(`event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"}}\n\n`);
        return res.end();
      }
      const body = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 500, output_tokens: 1 } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const upstreamPort = (upstream.address() as { port: number }).port;
  const upstreamCaFile = join(mkdtempSync(join(tmpdir(), 'bench-ca-')), 'ca.pem');
  writeFileSync(upstreamCaFile, upstreamCa.certPem);

  // The proxy runs in its own process, like the real supervisor.
  const child = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), new URL('./proxy-child.js', import.meta.url).pathname, JSON.stringify({ host: HOST, upstreamPort, upstreamCa: upstreamCa.certPem })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port: proxyPort, ca: sessionCaPem } = await new Promise<{ port: number; ca: string }>((resolve) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out) as { port: number; ca: string });
    });
  });
  const sessionCa = { certPem: sessionCaPem };

  const routes: Route[] = [
    {
      name: 'direct',
      connect: () =>
        new Promise((resolve, reject) => {
          const t = tlsConnect({ host: '127.0.0.1', port: upstreamPort, servername: HOST, ca: [upstreamCa.certPem], ALPNProtocols: ['http/1.1'] }, () => resolve(t));
          t.on('error', reject);
        }),
    },
    { name: 'glassbox', pid: child.pid!, connect: () => connectVia(proxyPort, upstreamPort, [sessionCa.certPem]) },
  ];
  const mitm = await startMitmproxy(upstreamCaFile);
  if (mitm) routes.push({ name: 'mitmproxy', pid: mitm.proc.pid!, connect: () => connectVia(mitm.port, upstreamPort, [mitm.ca]) });
  else console.log('mitmproxy: not installed (apt-get install mitmproxy); its column is skipped');

  const results: Record<string, Measured> = {};
  for (const r of routes) {
    // mitmproxy is far slower: a tenth of the requests keeps the run short without changing its rate.
    const scale = r.name === 'mitmproxy' ? 0.1 : 1;
    results[r.name] = await measure(r, Math.floor(SEQUENTIAL * scale), Math.floor(PARALLEL_TOTAL * scale));
  }
  console.log('\nproxy benchmark (inspected HTTPS, keep-alive, 2 KB request body)');
  console.log('route       p50 ms   p99 ms   req/s (8 conns)   SSE 200 events ms   proxy CPU ms/req   proxy capacity req/s/core');
  for (const [name, m] of Object.entries(results)) {
    const cpu = m.cpuPerReq !== undefined ? m.cpuPerReq.toFixed(3).padStart(16) : ''.padStart(16);
    const cap = m.cpuPerReq ? (1000 / m.cpuPerReq).toFixed(0).padStart(24) : '';
    console.log(`${name.padEnd(10)} ${m.p50.toFixed(3).padStart(7)}  ${m.p99.toFixed(3).padStart(7)}  ${m.rps.toFixed(0).padStart(16)}   ${m.sseMs.toFixed(2).padStart(17)}   ${cpu}   ${cap}`);
  }
  const d = results.direct!;
  const g = results.glassbox!;
  console.log(`\nglassbox added p50: +${(g.p50 - d.p50).toFixed(3)} ms (goal ≤ +0.5 ms); p99: +${(g.p99 - d.p99).toFixed(3)} ms`);
  if (results.mitmproxy) {
    const m = results.mitmproxy;
    console.log(`glassbox req/s vs mitmproxy: ${(g.rps / m.rps).toFixed(1)}× end to end (capped by the client and upstream sharing the other core; direct is ${(d.rps / m.rps).toFixed(1)}×)`);
    if (g.cpuPerReq && m.cpuPerReq) console.log(`glassbox capacity vs mitmproxy (proxy CPU per request): ${(m.cpuPerReq / g.cpuPerReq).toFixed(1)}× (goal ≥ 10×)`);
    console.log(`mitmproxy added p50: +${(m.p50 - d.p50).toFixed(3)} ms`);
  }
  mitm?.proc.kill();
  child.kill();
  upstream.close();
}

interface Measured {
  p50: number;
  p99: number;
  rps: number;
  sseMs: number;
  /** Proxy CPU milliseconds per request in the parallel phase: capacity independent of the client. */
  cpuPerReq?: number;
}

/** utime+stime of a process in ms (Linux /proc, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(route: Route, sequential: number, parallel: number): Promise<Measured> {
  const seqAgent = agentFor(route);
  for (let i = 0; i < 50; i++) await once(seqAgent, '/v1/messages'); // warm-up
  const lat: number[] = [];
  for (let i = 0; i < sequential; i++) lat.push(await once(seqAgent, '/v1/messages'));
  seqAgent.destroy();
  const parAgent = agentFor(route);
  let left = parallel;
  const cpu0 = route.pid ? cpuMs(route.pid) : 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (left-- > 0) await once(parAgent, '/v1/messages');
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuPerReq = route.pid ? (cpuMs(route.pid) - cpu0) / parallel : undefined;
  const sseRuns: number[] = [];
  for (let i = 0; i < 10; i++) sseRuns.push(await once(parAgent, '/v1/messages?stream'));
  parAgent.destroy();
  return { p50: pct(lat, 50), p99: pct(lat, 99), rps: parallel / seconds, sseMs: pct(sseRuns, 50), ...(cpuPerReq !== undefined ? { cpuPerReq } : {}) };
}
