import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Flow } from '../inspect/flow.js';
import { encodeFrame, FrameReader, OP } from '../ws/codec.js';
import { admit, type ExchangeContext, forwardableHeaders, newFlow, refuseRaw, ruleRefusal, type Target } from './exchange.js';
import { guardedAddress } from './upstream.js';

const TURN_END = new Set(['response.completed', 'response.failed', 'response.incomplete', 'error']);

/**
 * An inspected WebSocket: the upgrade passes the inspectors like any request, then every
 * message the agent sends is a flow of its own (a model turn for the Responses API) that the
 * inspectors see before it is forwarded; server messages stream to the turn's inspectors.
 * permessage-deflate is not offered upstream, so every frame can be read.
 */
export async function handleUpgrade(ctx: ExchangeContext, target: Target, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  client.on('error', () => client.destroy());
  const path = req.url ?? '/';
  const upgradeFlow = newFlow(ctx, target, 'websocket', 'GET', path, req.headers, Buffer.alloc(0));
  const refusal = ruleRefusal(target.rule, 'GET', path);
  const blocked = admit(ctx, upgradeFlow, refusal ? { status: 403, reason: refusal } : undefined);
  if (blocked) {
    refuseRaw(client, blocked.status, blocked.reason);
    ctx.chain.done(upgradeFlow);
    return;
  }

  const origin = new URL(upgradeFlow.upstream.origin);
  const secure = origin.protocol === 'https:' || origin.protocol === 'wss:';
  const port = Number(origin.port || (secure ? 443 : 80));
  let upstream: Socket;
  try {
    const address = upgradeFlow.upstream.routed ? origin.hostname : await guardedAddress(origin.hostname, ctx.resolver, target.rule.allowPrivate === true);
    upstream = secure
      ? tlsConnect({ host: address, port, servername: origin.hostname, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host: address, port });
  } catch (err) {
    refuseRaw(client, 403, (err as Error).message);
    upgradeFlow.blocked = { status: 403, reason: (err as Error).message };
    ctx.chain.done(upgradeFlow);
    return;
  }

  const headers = forwardableHeaders(upgradeFlow.request.headers);
  delete headers['sec-websocket-extensions'];
  const lines = [`GET ${upgradeFlow.request.path} HTTP/1.1`, `Host: ${upgradeFlow.upstream.routed ? origin.host : (req.headers.host ?? target.host)}`, 'Connection: Upgrade', 'Upgrade: websocket'];
  for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(one)}`);
  upstream.write(lines.join('\r\n') + '\r\n\r\n');

  let response = Buffer.alloc(0);
  let relaying = false;
  const onHead = (chunk: Buffer) => {
    response = Buffer.concat([response, chunk]);
    const end = response.indexOf('\r\n\r\n');
    if (end < 0) return;
    upstream.off('data', onHead);
    const headText = response.subarray(0, end).toString('latin1');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1] ?? 502);
    upgradeFlow.response = { status, headers: {}, bytes: 0 };
    client.write(response.subarray(0, end + 4));
    const rest = response.subarray(end + 4);
    if (status !== 101) {
      // Not upgraded: relay the refusal as it is and finish.
      if (rest.length) client.write(rest);
      upstream.pipe(client);
      upstream.on('close', () => ctx.chain.done(upgradeFlow));
      return;
    }
    relaying = true;
    relay(ctx, target, upgradeFlow, client, upstream, head, rest);
  };
  upstream.on('data', onHead);
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (!relaying) {
      refuseRaw(client, 502, `upstream ${upgradeFlow.upstream.origin}: ${err.code ?? err.message}`);
      upgradeFlow.error = err.code ?? err.message;
      ctx.chain.done(upgradeFlow);
    } else client.destroy();
  });
}

function relay(ctx: ExchangeContext, target: Target, upgradeFlow: Flow, client: Duplex, upstream: Socket, clientHead: Buffer, serverRest: Buffer): void {
  const fromClient = new FrameReader();
  const fromServer = new FrameReader();
  let turn: Flow | undefined;
  const endTurn = () => {
    if (turn) ctx.chain.done(turn);
    turn = undefined;
  };

  const onClient = (chunk: Buffer) => {
    let parsed;
    try {
      parsed = fromClient.push(chunk);
    } catch (err) {
      upstream.destroy();
      client.destroy();
      upgradeFlow.error = (err as Error).message;
      return;
    }
    for (const f of parsed.control) upstream.write(encodeFrame(f.opcode, f.payload, true));
    for (const m of parsed.messages) {
      const msgFlow = newFlow(ctx, target, 'websocket', 'WS', upgradeFlow.request.path, upgradeFlow.request.headers, m.data);
      msgFlow.upstream = upgradeFlow.upstream;
      const blocked = admit(ctx, msgFlow);
      if (blocked) {
        // Policy violation (1008): the message never leaves; the agent sees why.
        const reason = Buffer.from(`glassbox: ${blocked.reason}`.slice(0, 120));
        const payload = Buffer.concat([Buffer.from([0x03, 0xf0]), reason]);
        client.write(encodeFrame(OP.close, payload, false));
        upstream.write(encodeFrame(OP.close, Buffer.from([0x03, 0xf0]), true));
        ctx.chain.done(msgFlow);
        continue;
      }
      if (msgFlow.llm) {
        endTurn();
        turn = msgFlow;
      } else ctx.chain.done(msgFlow);
      upstream.write(encodeFrame(m.opcode, msgFlow.request.body, true));
    }
  };

  // With tool-call policy every server message is re-encoded in order after the turn's
  // rewriter has seen it; otherwise bytes pass as they come.
  const gated = ctx.chain.rewritesResponses;
  let queue: Promise<unknown> = Promise.resolve();
  const toClient = (step: () => unknown) => {
    queue = queue.then(step).catch((err: Error) => {
      upgradeFlow.error = `tool policy: ${err.message}`;
      client.destroy();
    });
  };
  const onServer = (chunk: Buffer) => {
    if (!gated) client.write(chunk);
    let parsed;
    try {
      parsed = fromServer.push(chunk);
    } catch {
      if (gated) client.destroy();
      return;
    }
    for (const m of parsed.messages) {
      const current = turn;
      const text = m.opcode === OP.text ? m.data.toString('utf8') : undefined;
      const rewriter = text !== undefined ? current?.rewriter : undefined;
      if (rewriter && text !== undefined) {
        toClient(async () => {
          for (const out of await rewriter.event({ data: text })) client.write(encodeFrame(OP.text, Buffer.from(out.data), false));
        });
      } else if (gated) toClient(() => client.write(encodeFrame(m.opcode, m.data, false)));
      if (!current) continue;
      current.response ??= { status: 101, headers: {}, bytes: 0 };
      current.response.bytes += m.data.length;
      if (text === undefined) continue;
      ctx.chain.streamEvent(current, { kind: 'ws', direction: 'server', text });
      const type = /"type"\s*:\s*"([^"]+)"/.exec(text)?.[1];
      if (type && TURN_END.has(type)) endTurn();
    }
    if (gated) for (const f of parsed.control) toClient(() => client.write(encodeFrame(f.opcode, f.payload, false)));
  };

  client.on('data', onClient);
  upstream.on('data', onServer);
  if (clientHead.length) onClient(clientHead);
  if (serverRest.length) onServer(serverRest);
  const teardown = () => {
    endTurn();
    client.destroy();
    upstream.destroy();
  };
  let closed = false;
  const onClose = () => {
    if (closed) return;
    closed = true;
    teardown();
    ctx.chain.done(upgradeFlow);
  };
  client.on('close', onClose);
  upstream.on('close', onClose);
  client.on('error', onClose);
  upstream.on('error', onClose);
}
