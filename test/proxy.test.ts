/**
 * The egress proxy on its real unix socket with real TCP upstreams on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JsonlEventSink } from '../src/audit/events.js';
import { nonPublicReason } from '../src/proxy/address-guard.js';
import { checkAllowed, hostMatches } from '../src/proxy/allowlist.js';
import { EgressProxy } from '../src/proxy/server.js';

/** Sends raw bytes to the proxy socket and collects everything until it closes or `until` matches. */
function exchange(socketPath: string, data: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
      if (until?.test(got)) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('end', () => resolve(got));
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(data);
  });
}

describe('egress proxy', () => {
  let echo: Server;
  let web: ReturnType<typeof createHttpServer>;
  let echoPort = 0;
  let webPort = 0;
  let proxy: EgressProxy;
  let sock = '';
  const events = new JsonlEventSink('test');

  before(async () => {
    echo = createServer((c) => c.pipe(c));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    echoPort = (echo.address() as { port: number }).port;
    web = createHttpServer((req, res) => res.end(`upstream saw ${req.method} ${req.url} host=${req.headers.host}`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    webPort = (web.address() as { port: number }).port;
    proxy = new EgressProxy({
      allow: [
        { host: '127.0.0.1', ports: [echoPort, webPort] },
        { host: 'rebind.test', ports: [443] },
        { host: 'metadata.test', ports: [80] },
        { host: '*.allowed.test', ports: [443] },
      ],
      events,
      resolve: async (h) =>
        ({ 'rebind.test': ['93.184.216.34', '127.0.0.1'], 'metadata.test': ['169.254.169.254'], 'x.allowed.test': ['10.1.2.3'] })[h] ?? [],
    });
    sock = join(mkdtempSync(join(tmpdir(), 'gb-proxy-')), 'p.sock');
    await proxy.listen(sock);
  });

  after(async () => {
    await proxy.close();
    echo.close();
    web.close();
  });

  it('tunnels an allowed CONNECT and passes bytes both ways', async () => {
    const got = await exchange(sock, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: 127.0.0.1:${echoPort}\r\n\r\nping-through-tunnel`, /ping-through-tunnel/);
    assert.match(got, /^HTTP\/1\.1 200 Connection Established\r\n\r\nping-through-tunnel/);
    assert.ok(events.events.some((e) => e.decision === 'allow' && e.port === echoPort));
  });

  it('refuses hosts outside network.allow with 403 and a reason', async () => {
    const got = await exchange(sock, 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n');
    assert.match(got, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(got, /X-Glassbox-Decision: deny/);
    assert.match(got, /glassbox: evil\.example is not in network\.allow\n$/);
    assert.ok(events.events.some((e) => e.decision === 'deny' && e.host === 'evil.example'));
  });

  it('refuses a port the rule does not name', async () => {
    const got = await exchange(sock, `CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n`);
    assert.match(got, /403 Forbidden/);
    assert.match(got, /port 1 is not allowed for 127\.0\.0\.1/);
  });

  it('refuses allowed names that resolve to loopback, private or metadata addresses', async () => {
    assert.match(await exchange(sock, 'CONNECT rebind.test:443 HTTP/1.1\r\n\r\n'), /403 Forbidden[\s\S]*rebind\.test resolves to 127\.0\.0\.1 is a loopback address/);
    assert.match(await exchange(sock, 'CONNECT x.allowed.test:443 HTTP/1.1\r\n\r\n'), /resolves to 10\.1\.2\.3 is a private or reserved address/);
    const meta = await exchange(sock, 'GET http://metadata.test/latest/meta-data/ HTTP/1.1\r\nHost: metadata.test\r\n\r\n');
    assert.match(meta, /^HTTP\/1\.1 403/);
    assert.match(meta, /link-local \/ cloud metadata/);
  });

  it('refuses IP literals that the policy does not name', async () => {
    const got = await exchange(sock, 'CONNECT 1.1.1.1:443 HTTP/1.1\r\n\r\n');
    assert.match(got, /1\.1\.1\.1 is an IP address; connections by address are refused/);
  });

  it('forwards plain HTTP for allowed hosts and strips proxy headers', async () => {
    const got = await exchange(
      sock,
      `GET http://127.0.0.1:${webPort}/path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:${webPort}\r\nProxy-Authorization: Basic c2VjcmV0\r\nConnection: close\r\n\r\n`,
    );
    assert.match(got, /^HTTP\/1\.1 200/);
    assert.match(got, new RegExp(`upstream saw GET /path\\?q=1 host=127\\.0\\.0\\.1:${webPort}`));
  });

  it('answers malformed requests with 400 and keeps serving', async () => {
    assert.match(await exchange(sock, 'THIS IS NOT HTTP\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await exchange(sock, 'CONNECT no-port-here HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await exchange(sock, 'GET /origin-form HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 400[\s\S]*not a proxy request/);
    const huge = `GET http://127.0.0.1:${webPort}/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
    assert.match(await exchange(sock, huge), /^HTTP\/1\.1 (400|431)/);
    // Still alive.
    const got = await exchange(sock, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\nstill-here`, /still-here/);
    assert.match(got, /200 Connection Established/);
  });
});

describe('allowlist and address guard', () => {
  it('matches wildcard hosts on label boundaries only', () => {
    assert.ok(hostMatches('*.example.com', 'a.example.com'));
    assert.ok(hostMatches('*.example.com', 'a.b.example.com'));
    assert.ok(!hostMatches('*.example.com', 'example.com'));
    assert.ok(!hostMatches('*.example.com', 'badexample.com'));
    assert.ok(hostMatches('api.example.com', 'api.example.com'));
  });

  it('normalizes case, brackets and trailing dots before matching', () => {
    const rules = [{ host: 'api.example.com', ports: [443] }];
    assert.equal(checkAllowed(rules, 'API.Example.COM.', 443).allowed, true);
    assert.equal(checkAllowed(rules, 'api.example.com', 8443).allowed, false);
  });

  it('classifies non-public addresses, including mapped IPv6 forms', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '64:ff9b::10.0.0.1', '224.0.0.1']) {
      assert.ok(nonPublicReason(a), `${a} should be refused`);
    }
    for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700::1111', '172.32.0.1']) {
      assert.equal(nonPublicReason(a), undefined, `${a} is public`);
    }
  });
});
