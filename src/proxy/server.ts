import { lookup } from 'node:dns/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EventSink } from '../audit/events.js';
import type { AllowRule } from '../policy/types.js';
import { nonPublicReason } from './address-guard.js';
import { checkAllowed, normalizeHost } from './allowlist.js';

export interface ProxyOptions {
  allow: readonly AllowRule[];
  events: EventSink;
  /** Name resolution, replaceable so tests can point a name at a chosen address. */
  resolve?: (host: string) => Promise<string[]>;
}

async function systemResolve(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

type Destination = { ok: true; address: string } | { ok: false; status: number; reason: string };

/**
 * The supervisor's egress proxy: the box's only way out. It speaks HTTP proxy (CONNECT for TLS,
 * absolute-form requests for plain HTTP), admits only hosts in network.allow, resolves names
 * itself and refuses non-public addresses, and records every decision.
 */
export class EgressProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket | Duplex>();
  private readonly resolve: (host: string) => Promise<string[]>;

  constructor(private readonly opts: ProxyOptions) {
    this.resolve = opts.resolve ?? systemResolve;
    this.server = createServer({ maxHeaderSize: 32 * 1024, requestTimeout: 60_000 });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => void this.onConnect(req, client, head));
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      this.opts.events.emit({ kind: 'network', decision: 'error', reason: `malformed request: ${err.code ?? err.message}` });
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Policy check plus name resolution with the address guard. Connects only to the address judged. */
  private async destination(host: string, port: number): Promise<Destination> {
    const verdict = checkAllowed(this.opts.allow, host, port);
    if (!verdict.allowed) return { ok: false, status: 403, reason: verdict.reason };
    const name = normalizeHost(host);
    if (isIP(name)) return { ok: true, address: name };
    let addresses: string[];
    try {
      addresses = await this.resolve(name);
    } catch {
      return { ok: false, status: 502, reason: `cannot resolve ${name}` };
    }
    // Every answer must be public: one private answer means the name can be steered inward.
    for (const a of addresses) {
      const why = nonPublicReason(a);
      if (why) return { ok: false, status: 403, reason: `${name} resolves to ${why}` };
    }
    if (addresses.length === 0) return { ok: false, status: 502, reason: `no address for ${name}` };
    return { ok: true, address: addresses[0]! };
  }

  private async onConnect(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    client.on('error', () => client.destroy());
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      this.opts.events.emit({ kind: 'network', decision: 'deny', method: 'CONNECT', target: req.url, reason: 'malformed CONNECT target' });
      return refuse(client, 400, `malformed CONNECT target ${JSON.stringify(req.url)}; expected host:port`);
    }
    const dest = await this.destination(target.host, target.port);
    if (!dest.ok) {
      this.opts.events.emit({ kind: 'network', decision: 'deny', method: 'CONNECT', host: target.host, port: target.port, reason: dest.reason });
      return refuse(client, dest.status, dest.reason);
    }
    const upstream = connect({ host: dest.address, port: target.port });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.once('connect', () => {
      this.opts.events.emit({ kind: 'network', decision: 'allow', method: 'CONNECT', host: target.host, port: target.port, address: dest.address, mode: 'tunnel' });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      this.opts.events.emit({ kind: 'network', decision: 'error', method: 'CONNECT', host: target.host, port: target.port, reason: `upstream: ${err.code ?? err.message}` });
      if (!client.destroyed) refuse(client, 502, `cannot connect to ${target.host}:${target.port}: ${err.code ?? err.message}`);
    });
    client.once('close', () => upstream.destroy());
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return deny(res, 400, 'not a proxy request: send absolute-form URLs (http://host/path) or use CONNECT');
    }
    if (url.protocol !== 'http:') return deny(res, 400, `unsupported scheme ${url.protocol} for a plain proxy request; use CONNECT for https`);
    const port = url.port ? Number(url.port) : 80;
    const dest = await this.destination(url.hostname, port);
    if (!dest.ok) {
      this.opts.events.emit({ kind: 'network', decision: 'deny', method: req.method, host: url.hostname, port, path: url.pathname, reason: dest.reason });
      return deny(res, dest.status, dest.reason);
    }
    this.opts.events.emit({ kind: 'network', decision: 'allow', method: req.method, host: url.hostname, port, path: url.pathname, address: dest.address, mode: 'http' });
    const headers = { ...req.headers };
    for (const h of ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade']) delete headers[h];
    const upstream = httpRequest(
      { host: dest.address, port, method: req.method, path: url.pathname + url.search, headers: { ...headers, host: url.host }, setHost: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!res.headersSent) deny(res, 502, `cannot reach ${url.host}: ${err.code ?? err.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/]+):(\d{1,5})$/.exec(authority);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

function refuse(client: Duplex, status: number, reason: string): void {
  const body = `glassbox: ${reason}\n`;
  client.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Bad Gateway'}\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Glassbox-Decision: deny\r\nConnection: close\r\n\r\n${body}`,
  );
}

function deny(res: ServerResponse, status: number, reason: string): void {
  const body = `glassbox: ${reason}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-glassbox-decision': 'deny', connection: 'close' });
  res.end(body);
}
