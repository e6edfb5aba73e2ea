import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { UserError, errorMessage } from '../errors.js';
import { readBody } from '../util/body.js';
import { INDEX_HTML, STYLE_CSS } from './page.js';
import { FILTER_KEYS, type DashboardSource, type SessionFilter } from './source.js';

/** Extra routes mounted before the dashboard's (the hub's push API). True when handled. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface DashboardServerOptions {
  source: DashboardSource;
  /** The bearer token every /api call must carry. */
  token: string;
  /** Accepted Host headers (DNS rebinding defence); undefined accepts any (a hub behind its own name). */
  allowedHosts?: (port: number) => string[];
  tls?: { cert: string; key: string };
  routes?: RouteHandler;
  /** Who an approval from the page is recorded as. */
  approver: string;
}

const STATIC: Record<string, [() => string | Buffer, string]> = {
  '/': [() => INDEX_HTML, 'text/html; charset=utf-8'],
  '/index.html': [() => INDEX_HTML, 'text/html; charset=utf-8'],
  '/app.js': [() => readFileSync(fileURLToPath(new URL('../web/app.js', import.meta.url))), 'text/javascript; charset=utf-8'],
  '/style.css': [() => STYLE_CSS, 'text/css; charset=utf-8'],
};
const BODY_MAX = 64 * 1024;


export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export async function readJson(req: IncomingMessage, max = BODY_MAX): Promise<unknown> {
  const body = await readBody(req, max);
  if (!body) throw new HttpError(413, `request body over ${max} bytes`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

/** Constant-time comparison of a presented secret with the expected one. */
export function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * The dashboard's HTTP server: the static page (no data in it) and a JSON API behind a bearer
 * token. The token travels in the URL fragment, which browsers never send, and from there in
 * an Authorization header, which a cross-site page cannot set: no cookie, so no CSRF.
 */
export class DashboardServer {
  private readonly server: Server;
  private port = 0;

  constructor(private readonly opts: DashboardServerOptions) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createHttpServer(handler);
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 60_000;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new UserError(e.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use; choose another with --port` : `cannot listen on ${host}:${port}: ${e.message}`)),
      );
      this.server.listen(port, host, () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections?.();
      this.server.close(() => resolve());
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      const allowed = this.opts.allowedHosts?.(this.port);
      if (allowed && !allowed.includes(String(req.headers.host ?? ''))) throw new HttpError(421, `unexpected Host ${JSON.stringify(req.headers.host ?? '')}; open the address glassbox printed`);
      const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
      if (this.opts.routes && (await this.opts.routes(req, res, url))) return;
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const file = STATIC[url.pathname];
      if (file && (req.method === 'GET' || req.method === 'HEAD')) {
        const body = file[0]();
        res.writeHead(200, { 'content-type': file[1], 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      if (!url.pathname.startsWith('/api/')) throw new HttpError(404, `no page ${url.pathname}`);
      const presented = bearer(req);
      if (!presented || !sameSecret(presented, this.opts.token)) throw new HttpError(401, 'missing or wrong access token; open the address glassbox printed (it carries the token)');
      sendJson(res, 200, await this.api(req, url));
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = err instanceof HttpError ? err.status : err instanceof UserError ? 409 : 500;
      sendJson(res, status, { error: status === 500 ? `internal error: ${errorMessage(err)}` : errorMessage(err) });
    }
  }

  private async api(req: IncomingMessage, url: URL): Promise<unknown> {
    const { source } = this.opts;
    const path = url.pathname;
    const filter: SessionFilter = {};
    for (const k of FILTER_KEYS) {
      const v = url.searchParams.get(k);
      if (v) filter[k] = v;
    }
    if (req.method === 'POST') {
      const m = /^\/api\/approvals\/([0-9a-f]{1,32})$/.exec(path);
      if (!m) throw new HttpError(404, `no API ${req.method} ${path}`);
      if (!source.approvals) throw new HttpError(404, 'approvals are answered on the machine where the session runs');
      const body = (await readJson(req)) as { decision?: unknown; hash?: unknown };
      if (body.decision !== 'approve' && body.decision !== 'deny') throw new HttpError(400, 'decision must be "approve" or "deny"');
      if (body.hash !== undefined && (typeof body.hash !== 'string' || !/^[0-9a-f]{4,64}$/i.test(body.hash))) throw new HttpError(400, 'hash must be a hex prefix of the call hash');
      return source.approvals.decide(m[1]!, body.decision === 'approve' ? 'approved' : 'denied', this.opts.approver, body.hash as string | undefined);
    }
    if (req.method !== 'GET') throw new HttpError(405, `method ${req.method} is not allowed here`);
    if (path === '/api/info') return { kind: source.kind, approvals: Boolean(source.approvals) };
    if (path === '/api/sessions') return source.sessions(filter);
    if (path === '/api/overview') return source.overview(filter);
    if (path === '/api/reports') return source.reports();
    if (path === '/api/integrity') return source.integrity();
    if (path === '/api/approvals') {
      if (!source.approvals) throw new HttpError(404, 'approvals are answered on the machine where the session runs');
      return source.approvals.pending();
    }
    const m = /^\/api\/sessions\/([\w.-]{1,128})$/.exec(path);
    if (m) {
      const d = await source.session(m[1]!, url.searchParams.get('machine') ?? undefined);
      if (!d) throw new HttpError(404, `no session ${m[1]}`);
      return d;
    }
    throw new HttpError(404, `no API ${path}`);
  }
}
