import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { EventSink } from '../audit/events.js';
import { InspectorChain } from '../inspect/chain.js';
import type { AllowRule } from '../policy/types.js';
import type { CertificateAuthority } from '../tls/ca.js';
import { checkAllowed, normalizeHost } from './allowlist.js';
import { type ExchangeContext, handleExchange, refuse, refuseRaw, type Target } from './exchange.js';
import { socks5Handshake } from './socks5.js';
import { GuardError, guardedAddress, type Resolver, systemResolver, upstreamAgents } from './upstream.js';
import { handleUpgrade } from './websocket.js';

export interface ProxyOptions {
  session?: string;
  allow: readonly AllowRule[];
  routes?: Readonly<Record<string, string>>;
  events: EventSink;
  chain?: InspectorChain;
  /** Needed when any host is inspected or routed. */
  ca?: CertificateAuthority;
  resolve?: Resolver;
  /** Extra trusted roots for upstream TLS (tests, private gateways). */
  upstreamCa?: string[];
  maxBodyBytes?: number;
  /** How long a client may take to send request headers (slow-loris guard). */
  headersTimeoutMs?: number;
}

/** What the proxy answers a client after its policy decision, in that client's protocol. */
interface Reply {
  ok(): void;
  refuse(status: number, reason: string): void;
}

/**
 * The supervisor's egress proxy: the box's only way out. One socket speaks HTTP proxy (CONNECT
 * and absolute-form) and SOCKS5, told apart by the first byte. Hosts outside network.allow are
 * refused; allowed hosts are tunnelled, or, when inspected or routed, TLS is terminated with
 * the session CA and every request becomes a Flow through the inspector chain.
 */
export class EgressProxy {
  private readonly listener: NetServer;
  private readonly front: HttpServer;
  private readonly sockets = new Set<Duplex>();
  private readonly ctx: ExchangeContext;
  private readonly contexts = new Map<string, SecureContext>();
  private readonly headersTimeoutMs: number;

  constructor(private readonly opts: ProxyOptions) {
    this.ctx = {
      session: opts.session ?? 'proxy',
      chain: opts.chain ?? new InspectorChain([]),
      routes: opts.routes ?? {},
      resolver: opts.resolve ?? systemResolver,
      agents: upstreamAgents(opts.upstreamCa),
      maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024 * 1024,
    };
    this.headersTimeoutMs = opts.headersTimeoutMs ?? 30_000;
    // This parser never listens itself (connections are handed to it), so only its size limit
    // applies; the slow-client guard is the socket timeout in onSocket.
    this.front = createHttpServer({ maxHeaderSize: 32 * 1024 });
    this.front.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => this.onConnect(req, client, head));
    this.front.on('request', (req: IncomingMessage, res: ServerResponse) => this.onPlainRequest(req, res));
    this.front.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => this.onPlainUpgrade(req, client, head));
    this.front.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      this.opts.events.emit({ kind: 'network', decision: 'error', reason: `malformed request: ${err.code ?? err.message}` });
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
    this.listener = createNetServer((socket) => this.onSocket(socket));
  }

  listen(socketPath: string): Promise<void> {
    return this.listenOn(() => this.listener.listen(socketPath));
  }

  /** TCP listener on loopback, for benchmarks and clients outside a box. Returns the port. */
  async listenTcp(port = 0, host = '127.0.0.1'): Promise<number> {
    await this.listenOn(() => this.listener.listen(port, host));
    return (this.listener.address() as { port: number }).port;
  }

  private listenOn(start: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.once('listening', () => {
        this.listener.off('error', reject);
        resolve();
      });
      start();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.ctx.agents.http.destroy();
    this.ctx.agents.https.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private track(s: Duplex): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  private onSocket(socket: Socket): void {
    this.track(socket);
    socket.on('error', () => socket.destroy());
    // Our HTTP parser never listens itself, so Node's header timeouts do not run: a client gets
    // this long to finish its proxy request (CONNECT, SOCKS or plain), then it is dropped.
    socket.setTimeout(this.headersTimeoutMs, () => {
      this.opts.events.emit({ kind: 'network', decision: 'error', reason: 'client too slow to send its request; dropped' });
      if (socket.writable) socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
    });
    socket.once('data', (first: Buffer) => {
      if (first[0] === 0x05) {
        socks5Handshake(
          socket,
          first,
          (host, port, reply) =>
            void this.openConnect(normalizeHost(host), port, socket, Buffer.alloc(0), 'SOCKS5', {
              ok: () => reply.ok(),
              refuse: (status) => reply.fail(status === 403 ? 0x02 : 0x04),
            }),
          (reason) => this.opts.events.emit({ kind: 'network', decision: 'error', method: 'SOCKS5', reason }),
        );
        return;
      }
      socket.pause();
      socket.unshift(first);
      this.front.emit('connection', socket);
      socket.resume();
    });
  }

  private onConnect(req: IncomingMessage, client: Duplex, head: Buffer): void {
    client.on('error', () => client.destroy());
    const target = parseAuthority(req.url ?? '');
    const reply: Reply = {
      ok: () => client.write('HTTP/1.1 200 Connection Established\r\n\r\n'),
      refuse: (status, reason) => refuseRaw(client, status, reason),
    };
    if (!target) {
      this.opts.events.emit({ kind: 'network', decision: 'deny', method: 'CONNECT', target: req.url, reason: 'malformed CONNECT target' });
      return reply.refuse(400, `malformed CONNECT target ${JSON.stringify(req.url)}; expected host:port`);
    }
    void this.openConnect(normalizeHost(target.host), target.port, client, head, 'CONNECT', reply);
  }

  /** The policy decision for a CONNECT or SOCKS request, then a tunnel or an interception. */
  private async openConnect(host: string, port: number, client: Duplex, head: Buffer, method: string, reply: Reply): Promise<void> {
    (client as Socket).setTimeout?.(0);
    const verdict = checkAllowed(this.opts.allow, host, port);
    if (!verdict.allowed) {
      this.opts.events.emit({ kind: 'network', decision: 'deny', method, host, port, reason: verdict.reason });
      return reply.refuse(403, verdict.reason);
    }
    const rule = verdict.rule;
    const routed = this.ctx.routes[host] !== undefined;
    if ((rule.inspect || routed) && this.opts.ca) {
      this.opts.events.emit({ kind: 'network', decision: 'allow', method, host, port, mode: routed ? 'route' : 'inspect' });
      reply.ok();
      if (head.length > 0) client.unshift(head);
      this.intercept(client, { host, port, scheme: 'https', rule });
      return;
    }
    let address: string;
    try {
      address = await guardedAddress(host, this.ctx.resolver, rule.allowPrivate === true);
    } catch (err) {
      const reason = err instanceof GuardError ? err.message : String(err);
      const unresolved = reason.startsWith('cannot resolve') || reason.startsWith('no address');
      this.opts.events.emit({ kind: 'network', decision: unresolved ? 'error' : 'deny', method, host, port, reason });
      return reply.refuse(unresolved ? 502 : 403, reason);
    }
    const upstream = connect({ host: address, port });
    this.track(upstream);
    upstream.once('connect', () => {
      this.opts.events.emit({ kind: 'network', decision: 'allow', method, host, port, address, mode: 'tunnel' });
      reply.ok();
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      client.resume();
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      this.opts.events.emit({ kind: 'network', decision: 'error', method, host, port, reason: `upstream: ${err.code ?? err.message}` });
      reply.refuse(502, `cannot connect to ${host}:${port}: ${err.code ?? err.message}`);
    });
    client.once('close', () => upstream.destroy());
  }

  private secureContext(host: string): SecureContext {
    let ctx = this.contexts.get(host);
    if (!ctx) {
      const { certPem, keyPem } = this.opts.ca!.issue(host);
      ctx = createSecureContext({ cert: certPem, key: keyPem });
      this.contexts.set(host, ctx);
    }
    return ctx;
  }

  /**
   * Terminates the agent's TLS with a leaf for the CONNECT host and serves HTTP/2 or HTTP/1.1
   * (ALPN) on it, WebSocket upgrades included. One small server per connection keeps the
   * CONNECT target bound to every request that arrives on it.
   */
  private intercept(client: Duplex, target: Target): void {
    const { certPem, keyPem } = this.opts.ca!.issue(target.host);
    const server = createSecureServer({
      allowHTTP1: true,
      cert: certPem,
      key: keyPem,
      SNICallback: (sni, cb) => {
        // The name inside TLS must be the one the policy approved in CONNECT (no fronting).
        if (sni && normalizeHost(sni) !== target.host) {
          this.opts.events.emit({ kind: 'network', decision: 'deny', method: 'TLS', host: target.host, port: target.port, reason: `TLS server name ${sni} differs from CONNECT host ${target.host}` });
          cb(new Error('SNI mismatch'), undefined);
          return;
        }
        cb(null, this.secureContext(target.host));
      },
    });
    server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
      (req.socket as Socket).setNoDelay?.(true);
      void handleExchange(this.ctx, target, req, res, req.httpVersionMajor === 2 ? 'h2' : 'http/1.1').catch(() => res.destroy());
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void handleUpgrade(this.ctx, target, req, socket, head));
    server.on('tlsClientError', () => client.destroy());
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      this.opts.events.emit({ kind: 'network', decision: 'error', host: target.host, port: target.port, reason: `malformed request inside TLS: ${err.code ?? err.message}` });
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    server.on('sessionError', () => client.destroy());
    this.track(client);
    server.emit('connection', client);
    client.resume();
  }

  /** Absolute-form `http://` requests: always visible, so always inspected. */
  private onPlainRequest(req: IncomingMessage, res: ServerResponse): void {
    req.socket.setTimeout(0);
    const target = this.plainTarget(req, res);
    if (target) void handleExchange(this.ctx, target, req, res, 'http/1.1').catch(() => res.destroy());
  }

  private onPlainUpgrade(req: IncomingMessage, client: Duplex, head: Buffer): void {
    const target = this.plainTarget(req, undefined, client);
    if (!target) return;
    void handleUpgrade(this.ctx, target, req, client, head);
  }

  private plainTarget(req: IncomingMessage, res?: ServerResponse, socket?: Duplex): Target | undefined {
    const fail = (status: number, reason: string) => (res ? refuse(res, status, reason) : socket && refuseRaw(socket, status, reason));
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      fail(400, 'not a proxy request: send absolute-form URLs (http://host/path) or use CONNECT');
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'ws:') {
      fail(400, `unsupported scheme ${url.protocol} for a plain proxy request; use CONNECT for https`);
      return undefined;
    }
    const host = normalizeHost(url.hostname);
    const port = url.port ? Number(url.port) : 80;
    const verdict = checkAllowed(this.opts.allow, host, port);
    if (!verdict.allowed) {
      this.opts.events.emit({ kind: 'network', decision: 'deny', method: req.method, host, port, path: url.pathname, reason: verdict.reason });
      fail(403, verdict.reason);
      return undefined;
    }
    this.opts.events.emit({ kind: 'network', decision: 'allow', method: req.method, host, port, mode: 'http' });
    req.url = url.pathname + url.search;
    return { host, port, scheme: 'http', rule: verdict.rule };
  }
}

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/]+):(\d{1,5})$/.exec(authority);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}
