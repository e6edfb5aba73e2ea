/** Credential placeholders: shape, where they are swapped, and where they are stopped. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CredentialsInspector, makePlaceholder } from '../src/inspect/credentials.js';
import type { Flow } from '../src/inspect/flow.js';

const REAL = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-secret';

function flow(host: string, headers: Record<string, string>, path: string, body: string): Flow {
  return { id: 'f', session: 's', startedAt: 0, host, port: 443, scheme: 'https', transport: 'http/1.1', request: { method: 'POST', path, headers, body: Buffer.from(body) }, upstream: { origin: `https://${host}`, routed: false }, blocks: [], findings: [] };
}

describe('credential placeholders', () => {
  it('keep the vendor prefix and length but none of the secret', () => {
    const p = makePlaceholder(REAL);
    assert.ok(p.startsWith('sk-ant-api03-glassbox'));
    assert.ok(p.length >= REAL.length);
    assert.ok(!p.includes('AbCdEf') && !p.includes('secret'));
    assert.notEqual(makePlaceholder(REAL), p, 'a fresh placeholder per session');
  });

  it('are swapped in headers and the URL toward their own host only; bodies keep the placeholder', () => {
    const ph = makePlaceholder(REAL);
    const insp = new CredentialsInspector([{ name: 'anthropic', placeholder: ph, real: REAL, hosts: ['api.anthropic.com'] }]);
    const f = flow('api.anthropic.com', { 'x-api-key': ph }, `/v1/messages?key=${ph}`, `{"note":"${ph}"}`);
    insp.onRequest(f);
    assert.equal(f.blocked, undefined);
    assert.equal(f.request.headers['x-api-key'], REAL);
    assert.equal(f.request.path, `/v1/messages?key=${REAL}`);
    assert.equal(f.request.body.toString(), `{"note":"${ph}"}`);
  });

  it('block any request that carries a placeholder to another host, in any part', () => {
    const ph = makePlaceholder(REAL);
    const insp = new CredentialsInspector([{ name: 'anthropic', placeholder: ph, real: REAL, hosts: ['api.anthropic.com', '*.anthropic.com'] }]);
    for (const f of [flow('paste.example.com', { authorization: `Bearer ${ph}` }, '/', ''), flow('paste.example.com', {}, `/?k=${ph}`, ''), flow('evil-anthropic.com', {}, '/', `data=${ph}`)]) {
      insp.onRequest(f);
      assert.equal(f.blocked?.status, 403);
      assert.match(f.blocked!.reason, /credential anthropic may only be sent to api\.anthropic\.com, \*\.anthropic\.com/);
      assert.equal(f.findings[0]?.severity, 'high');
    }
    const sub = flow('console.anthropic.com', { 'x-api-key': ph }, '/', '');
    insp.onRequest(sub);
    assert.equal(sub.request.headers['x-api-key'], REAL);
  });
});
