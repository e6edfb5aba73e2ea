import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Duplex, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { InspectorChain } from '../inspect/chain.js';
import type { Flow } from '../inspect/flow.js';
import type { ResponseRewriter, WireEvent } from '../tools/rewrite/index.js';
import { SseParser } from '../inspect/sse.js';
import type { AllowRule } from '../policy/types.js';
import { wildcard } from '../util/glob.js';
import { GuardError, guardedLookup, type Resolver, upstreamAgents } from './upstream.js';
import { readBody } from '../util/body.js';

/** Where an intercepted connection was headed, as the CONNECT (or SOCKS) request named it. */
export interface Target {
  host: string;
  port: number;
  scheme: 'https' | 'http';
  rule: AllowRule;
}

export interface ExchangeContext {
  session: string;
  chain: InspectorChain;
  routes: Readonly<Record<string, string>>;
  resolver: Resolver;
  agents: ReturnType<typeof upstreamAgents>;
  maxBodyBytes: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings', 'host']);
const MAX_CAPTURE = 16 * 1024 * 1024;

export function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith(':') || HOP_BY_HOP.has(k) || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

/** Method and path restrictions of the allow rule, for inspected hosts. */
export function ruleRefusal(rule: AllowRule, method: string, path: string): string | undefined {
  if (rule.methods && !rule.methods.includes(method)) return `method ${method} is not allowed for ${rule.host} (allowed: ${rule.methods.join(', ')})`;
  const pathOnly = path.split('?')[0]!;
  if (rule.paths && !rule.paths.some((g) => wildcard(g).test(pathOnly))) return `path ${pathOnly} is not allowed for ${rule.host}`;
  return undefined;
}

export function newFlow(ctx: ExchangeContext, target: Target, transport: Flow['transport'], method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Flow {
  const route = ctx.routes[target.host];
  return {
    id: randomUUID(),
    session: ctx.session,
    startedAt: Date.now(),
    host: target.host,
    port: target.port,
    scheme: target.scheme,
    transport,
    request: { method, path, headers: { ...headers }, body },
    upstream: { origin: route ?? `${target.scheme}://${target.host}${target.port === (target.scheme === 'https' ? 443 : 80) ? '' : `:${target.port}`}`, routed: route !== undefined },
    blocks: [],
    findings: [],
  };
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  switch ((encoding ?? '').toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

type AnyReq = IncomingMessage | Http2ServerRequest;
type AnyRes = ServerResponse | Http2ServerResponse;

/** A refusal written straight onto a socket that has no HTTP response object (CONNECT, upgrades). */
export function refuseRaw(socket: Duplex, status: number, reason: string): void {
  const body = `glassbox: ${reason}\n`;
  const text = { 400: 'Bad Request', 403: 'Forbidden', 413: 'Payload Too Large', 502: 'Bad Gateway' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Glassbox-Decision: deny\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** A refusal the agent can read: JSON for API clients, with the reason and a marker header. */
export function refuse(res: AnyRes, status: number, reason: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'error', error: { type: 'glassbox_policy', message: `glassbox: ${reason}` } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-glassbox-decision': 'deny' });
  res.end(body);
}

/**
 * The admission step every inspected flow takes: a rule refusal, or else the inspector chain.
 * Returns the block when the flow must not leave.
 */
export function admit(ctx: ExchangeContext, flow: Flow, refusal?: { status: number; reason: string }): Flow['blocked'] {
  if (refusal) flow.blocked = refusal;
  else ctx.chain.request(flow);
  return flow.blocked;
}

/**
 * One inspected HTTP exchange: read the request, run the inspectors, send it to the upstream
 * (or its route), and stream the answer back, feeding SSE events to the inspectors as they pass.
 */
export async function handleExchange(ctx: ExchangeContext, target: Target, req: AnyReq, res: AnyRes, transport: Flow['transport']): Promise<void> {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  const refusal = ruleRefusal(target.rule, method, path);
  const body = await readBody(req, ctx.maxBodyBytes).catch(() => undefined);
  const flow = newFlow(ctx, target, transport, method, path, req.headers, body ?? Buffer.alloc(0));
  const blocked = admit(
    ctx,
    flow,
    refusal ? { status: 403, reason: refusal } : body === undefined ? { status: 413, reason: `request body larger than ${ctx.maxBodyBytes} bytes` } : undefined,
  );
  if (blocked) {
    refuse(res, blocked.status, blocked.reason);
    ctx.chain.done(flow);
    return;
  }

  const origin = new URL(flow.upstream.origin);
  const secure = origin.protocol === 'https:';
  const headers = forwardableHeaders(flow.request.headers);
  headers.host = flow.upstream.routed ? origin.host : (req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? target.host);
  headers['content-length'] = String(flow.request.body.length);
  const send = secure ? httpsRequest : httpRequest;
  const upstreamReq = send({
    protocol: origin.protocol,
    hostname: origin.hostname,
    port: origin.port || (secure ? 443 : 80),
    method,
    path: flow.request.path,
    headers,
    agent: secure ? ctx.agents.https : ctx.agents.http,
    servername: origin.hostname,
    // Routes are configured by the policy author; everything else passes the address guard.
    ...(flow.upstream.routed ? {} : { lookup: guardedLookup(ctx.resolver, target.rule.allowPrivate === true) }),
  });
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    if (error) flow.error = error;
    ctx.chain.done(flow);
  };
  upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
    if (err instanceof GuardError) {
      // The name resolved somewhere the box must not reach: a policy decision, not a failure.
      flow.blocked = { status: 403, reason: err.message };
      refuse(res, 403, err.message);
      return finish();
    }
    if (!res.headersSent) refuse(res, 502, `upstream ${flow.upstream.origin}: ${err.code ?? err.message}`);
    else res.destroy();
    finish(`upstream: ${err.code ?? err.message}`);
  });
  res.on('close', () => {
    if (!finished) upstreamReq.destroy();
  });
  upstreamReq.on('response', (up) => {
    flow.response = { status: up.statusCode ?? 502, headers: up.headers, bytes: 0 };
    ctx.chain.responseHeaders(flow);
    const outHeaders = forwardableHeaders(up.headers);
    const contentType = String(up.headers['content-type'] ?? '');
    const isSse = contentType.includes('text/event-stream');
    // Tool-call policy: a successful model answer reaches the agent only through the rewriter,
    // re-encoded from its decoded form.
    const rewriter = flow.rewriter && flow.response.status < 300 && (isSse || contentType.includes('json')) ? flow.rewriter : undefined;
    if (rewriter) {
      delete outHeaders['content-length'];
      delete outHeaders['content-encoding'];
    }
    res.writeHead(flow.response.status, outHeaders as never);
    const decoder = decoderFor(up.headers['content-encoding'] as string | undefined);
    const captured: Buffer[] = [];
    let capturedBytes = 0;
    const sse = isSse ? new SseParser() : undefined;
    const text = new StringDecoder('utf8');
    let queue: Promise<void> = Promise.resolve();
    let failed = false;
    const rewrite = (step: () => Promise<void>) => {
      queue = queue.then(step).catch((err: Error) => {
        // Fail closed: a call that could not be decided must not reach the agent.
        if (!failed) res.destroy();
        failed = true;
        flow.error = `tool policy: ${err.message}`;
      });
    };
    const onPlain = (chunk: Buffer) => {
      if (sse) {
        const events = sse.push(text.write(chunk));
        for (const ev of events) ctx.chain.streamEvent(flow, { kind: 'sse', event: ev.event, data: ev.data });
        // One step and one write per chunk: a TLS record per event would cost more than the check.
        if (rewriter && events.length > 0) {
          rewrite(async () => {
            let out = '';
            for (const ev of events) for (const o of await rewriter.event(ev)) out += encodeSse(o);
            if (out) (res as ServerResponse).write(out);
          });
        }
      } else if (capturedBytes < MAX_CAPTURE) {
        captured.push(chunk);
        capturedBytes += chunk.length;
      } else if (rewriter && !failed) {
        failed = true;
        flow.error = `tool policy: answer larger than ${MAX_CAPTURE} bytes cannot be checked`;
        res.destroy();
      }
    };
    decoder?.on('data', onPlain);
    decoder?.on('error', () => {});
    up.on('data', (chunk: Buffer) => {
      flow.response!.bytes += chunk.length;
      // Without a rewriter bytes go to the agent as they arrive: streams are never held back.
      if (!rewriter) (res as ServerResponse).write(chunk);
      if (decoder) decoder.write(chunk);
      else onPlain(chunk);
    });
    up.on('end', () => {
      const done = () => {
        if (!sse) flow.response!.body = Buffer.concat(captured);
        if (rewriter && !sse) rewrite(async () => void (res as ServerResponse).write(await rewriteJson(rewriter, flow.response!.body!)));
        queue.then(() => {
          if (!failed) res.end();
          finish();
        });
      };
      if (decoder) {
        decoder.once('end', done);
        decoder.end();
      } else done();
    });
    up.on('error', (err) => {
      res.destroy();
      finish(`upstream response: ${err.message}`);
    });
  });
  upstreamReq.end(flow.request.body);
}

/** One SSE event on the wire; the default event name (`message`) is left implicit, as servers send it. */
export function encodeSse(ev: WireEvent): string {
  const lines = ev.event && ev.event !== 'message' ? [`event: ${ev.event}`] : [];
  if (ev.id !== undefined) lines.push(`id: ${ev.id}`);
  for (const line of ev.data.split('\n')) lines.push(`data: ${line}`);
  return lines.join('\n') + '\n\n';
}

/** Words every tool call of every supported API carries in a JSON answer. */
const TOOL_MARKERS = ['tool_use', 'tool_calls', 'functionCall', 'function_call', 'custom_tool_call', 'local_shell_call'];

/** A whole JSON answer through the rewriter; a body that is not JSON cannot carry a call and passes. */
async function rewriteJson(rewriter: ResponseRewriter, body: Buffer): Promise<Buffer> {
  // Most answers carry no call: no parse and re-encode for them.
  if (!TOOL_MARKERS.some((m) => body.includes(m))) return body;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  return Buffer.from(JSON.stringify(await rewriter.body(json)));
}
