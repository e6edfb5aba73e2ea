/**
 * TLS interception, streaming and protocol hardening, with real TLS clients (Node's https,
 * http2 and a raw WebSocket) against the real proxy and real upstream servers on loopback.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { JsonlEventSink } from '../src/audit/events.js';
import { buildChain, EgressLedger } from '../src/inspect/index.js';
import { MockLlm } from '../src/mock-llm/server.js';
import { EgressProxy } from '../src/proxy/server.js';
import { CertificateAuthority } from '../src/tls/ca.js';
import { encodeFrame, FrameReader, OP } from '../src/ws/codec.js';

/** Opens a CONNECT tunnel through the proxy and returns the raw socket. */
function tunnel(proxyPort: number, authority: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority });
    req.on('connect', (res, socket) => (res.statusCode === 200 ? resolve(socket) : reject(new Error(`CONNECT ${res.statusCode}`))));
    req.on('error', reject);
    req.end();
  });
}

function tlsOver(socket: Socket, servername: string, ca: string, alpn: string[] = ['http/1.1']): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tlsConnect({ socket, servername, ca, ALPNProtocols: alpn }, () => resolve(t));
    t.on('error', reject);
  });
}

describe('session CA', () => {
  it('issues leaves that verify for permitted hosts and are refused for any other', async () => {
    const ca = new CertificateAuthority(['api.example.com', '*.models.example.net']);
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(caCert.ca, true);
    const good = new X509Certificate(ca.issue('api.example.com').certPem);
    assert.ok(good.verify(caCert.publicKey));
    assert.equal(good.checkHost('api.example.com'), 'api.example.com');
    // A real TLS client enforces the CA's name constraints: a leaf for another name is rejected
    // even though the CA itself signed it.
    for (const [name, ok] of [['eu.models.example.net', true], ['evil.example.org', false]] as const) {
      const leaf = ca.issue(name);
      const server = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem }, (s) => s.end('hi'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      const result = await new Promise<string>((resolve) => {
        const c = tlsConnect({ host: '127.0.0.1', port, servername: name, ca: ca.certPem }, () => {
          c.end();
          resolve('ok');
        });
        c.on('error', (e) => resolve(e.message));
      });
      server.close();
      if (ok) assert.equal(result, 'ok');
      else assert.match(result, /subtree|name constraint/i);
    }
  });
});

describe('intercepting proxy', () => {
  let proxy: EgressProxy;
  let port = 0;
  let ca: CertificateAuthority;
  let mock: MockLlm;
  let streamer: Server;
  let release: () => void = () => {};
  const events = new JsonlEventSink('t');
  const ledger = new EgressLedger();

  before(async () => {
    mock = new MockLlm({ turns: [{ text: 'streamed answer from the model', tool: { name: 'Bash', input: { command: 'ls' } } }] });
    const mockPort = await mock.listen(0);
    // An SSE upstream that sends its second event only after the client has seen the first:
    // if the proxy buffered the stream, this test would hang instead of pass.
    streamer = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: one\ndata: {"n":1}\n\n');
      new Promise<void>((r) => (release = r)).then(() => res.end('event: two\ndata: {"n":2}\n\n'));
    });
    await new Promise<void>((r) => streamer.listen(0, '127.0.0.1', () => r()));
    const streamPort = (streamer.address() as { port: number }).port;
    ca = new CertificateAuthority(['api.anthropic.com', 'stream.test', 'strict.test', 'api.openai.com']);
    proxy = new EgressProxy({
      session: 't',
      allow: [
        { host: 'api.anthropic.com', ports: [443], inspect: true },
        { host: 'api.openai.com', ports: [443], inspect: true },
        { host: 'stream.test', ports: [443], inspect: true },
        { host: 'strict.test', ports: [443], inspect: true, methods: ['POST'], paths: ['/v1/*'] },
      ],
      routes: {
        'api.anthropic.com': `http://127.0.0.1:${mockPort}`,
        'api.openai.com': `http://127.0.0.1:${mockPort}`,
        'stream.test': `http://127.0.0.1:${streamPort}`,
        'strict.test': `http://127.0.0.1:${mockPort}`,
      },
      events,
      ca,
      chain: buildChain({ events, credentials: [], ledger }),
      headersTimeoutMs: 600,
    });
    port = await proxy.listenTcp(0);
  });

  after(async () => {
    await proxy.close();
    await mock.close();
    streamer.close();
  });

  it('serves HTTP/1.1 over intercepted TLS and parses the streamed Anthropic answer', async () => {
    const socket = await tunnel(port, 'api.anthropic.com:443');
    const body = JSON.stringify({ model: 'claude-test', stream: true, max_tokens: 10, tools: [{ name: 'Bash' }], messages: [{ role: 'user', content: 'hello there' }] });
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        { host: 'api.anthropic.com', path: '/v1/messages', method: 'POST', ca: ca.certPem, createConnection: () => tlsConnect({ socket, servername: 'api.anthropic.com', ca: ca.certPem }), headers: { 'content-type': 'application/json' } },
        (res) => {
          let t = '';
          res.setEncoding('utf8').on('data', (d: string) => (t += d)).on('end', () => resolve(t));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.match(text, /event: message_stop/);
    await new Promise((r) => setTimeout(r, 50));
    const flow = events.events.filter((e) => e.kind === "http").at(-1) as unknown as { llm: { api: string; model: string; toolCalls: { name: string; input: string }[]; usage: { inputTokens: number } }; transport: string };
    assert.equal(flow.transport, 'http/1.1');
    assert.equal(flow.llm.api, 'anthropic.messages');
    assert.equal(flow.llm.model, 'claude-test');
    assert.deepEqual(flow.llm.toolCalls.map((t) => [t.name, JSON.parse(t.input)]), [['Bash', { command: 'ls' }]]);
    assert.equal(flow.llm.usage.inputTokens, 100);
  });

  it('serves HTTP/2 when the client negotiates it', async () => {
    const socket = await tunnel(port, 'api.anthropic.com:443');
    const tls = await tlsOver(socket, 'api.anthropic.com', ca.certPem, ['h2']);
    assert.equal(tls.alpnProtocol, 'h2');
    const session = h2connect('https://api.anthropic.com', { createConnection: () => tls });
    const text = await new Promise<string>((resolve, reject) => {
      const s = session.request({ ':method': 'POST', ':path': '/v1/messages', 'content-type': 'application/json' });
      let t = '';
      s.setEncoding('utf8').on('data', (d: string) => (t += d)).on('end', () => resolve(t)).on('error', reject);
      s.end(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    });
    session.close();
    assert.match(text, /"type":"message"/);
    assert.equal((events.events.filter((e) => e.kind === "http").at(-1) as unknown as { transport: string }).transport, 'h2');
  });

  it('streams server-sent events without holding them back', async () => {
    const socket = await tunnel(port, 'stream.test:443');
    const got = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: 'stream.test', path: '/events', createConnection: () => tlsConnect({ socket, servername: 'stream.test', ca: ca.certPem }) }, (res) => {
        let t = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          t += d;
          if (t.includes('"n":1')) release();
        });
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end();
    });
    assert.match(got, /"n":1[\s\S]*"n":2/);
  });

  it('relays an inspected WebSocket and parses each Responses turn', async () => {
    const socket = await tunnel(port, 'api.openai.com:443');
    const tls = await tlsOver(socket, 'api.openai.com', ca.certPem);
    tls.write('GET /v1/responses HTTP/1.1\r\nHost: api.openai.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n');
    const reader = new FrameReader();
    const types: string[] = [];
    let head = '';
    await new Promise<void>((resolve, reject) => {
      tls.on('data', (chunk: Buffer) => {
        if (!head.includes('\r\n\r\n')) {
          head += chunk.toString('latin1');
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          assert.match(head, /^HTTP\/1\.1 101/);
          assert.doesNotMatch(head, /permessage-deflate/i);
          tls.write(encodeFrame(OP.text, Buffer.from(JSON.stringify({ type: 'response.create', model: 'gpt-test', input: [{ role: 'user', content: 'hi' }], tool_choice: 'auto' })), true));
          chunk = Buffer.from(head.slice(end + 4), 'latin1');
        }
        for (const m of reader.push(chunk).messages) {
          const type = (JSON.parse(m.data.toString()) as { type: string }).type;
          types.push(type);
          if (type === 'response.completed') resolve();
        }
      });
      tls.on('error', reject);
    });
    tls.destroy();
    assert.ok(types.includes('response.output_item.done'));
    await new Promise((r) => setTimeout(r, 50));
    const turn = events.events.filter((e) => e.kind === 'http' && e.transport === "websocket" && e.llm).at(-1) as unknown as { llm: { api: string; text: string; toolCalls: { name: string }[] } };
    assert.equal(turn.llm.api, 'openai.responses');
    assert.equal(turn.llm.text, 'streamed answer from the model');
    assert.deepEqual(turn.llm.toolCalls.map((t) => t.name), ['Bash']);
  });

  it('applies method and path rules on inspected hosts', async () => {
    const call = async (method: string, path: string) => {
      const socket = await tunnel(port, 'strict.test:443');
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest({ host: 'strict.test', method, path, createConnection: () => tlsConnect({ socket, servername: 'strict.test', ca: ca.certPem }) }, (res) => {
          let t = '';
          res.setEncoding('utf8').on('data', (d: string) => (t += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body: t }));
        });
        req.on('error', reject);
        req.end(method === 'POST' ? '{}' : undefined);
      });
    };
    const get = await call('GET', '/v1/models');
    assert.equal(get.status, 403);
    assert.match(get.body, /method GET is not allowed for strict\.test/);
    const wrongPath = await call('POST', '/admin/delete');
    assert.equal(wrongPath.status, 403);
    assert.match(wrongPath.body, /path \/admin\/delete is not allowed/);
    assert.equal((await call('POST', '/v1/messages')).status, 200);
  });

  it('refuses a TLS server name that differs from the CONNECT host (no fronting)', async () => {
    const socket = await tunnel(port, 'api.anthropic.com:443');
    await assert.rejects(tlsOver(socket, 'stream.test', ca.certPem));
    assert.ok(events.events.some((e) => String(e.reason).includes('TLS server name stream.test differs from CONNECT host api.anthropic.com')));
  });

  it('rejects request smuggling (Content-Length with Transfer-Encoding) and keeps serving', async () => {
    const raw = (data: string) =>
      new Promise<string>((resolve) => {
        const s = netConnect(port, '127.0.0.1');
        let t = '';
        s.on('data', (d) => (t += d.toString()));
        s.on('close', () => resolve(t));
        s.on('error', () => resolve(t));
        s.write(data);
        setTimeout(() => s.destroy(), 1500);
      });
    const smuggle = 'POST http://api.anthropic.com/v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n';
    assert.match(await raw(smuggle), /^HTTP\/1\.1 400/);
    const dup = 'POST http://api.anthropic.com/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd';
    assert.match(await raw(dup), /^HTTP\/1\.1 400/);
    const socket = await tunnel(port, 'api.anthropic.com:443');
    socket.destroy();
  });

  it('drops a client that dribbles its headers (slow loris) while serving others', async () => {
    const slow = netConnect(port, '127.0.0.1');
    slow.write('CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com\r\n');
    const closed = new Promise<string>((resolve) => {
      let t = '';
      slow.on('data', (d) => (t += d.toString()));
      slow.on('close', () => resolve(t));
    });
    // Meanwhile another client is served normally.
    const fast = await tunnel(port, 'api.anthropic.com:443');
    fast.destroy();
    const answer = await closed;
    assert.match(answer, /^HTTP\/1\.1 408|^$/);
  });
});
