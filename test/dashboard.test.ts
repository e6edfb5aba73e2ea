/**
 * The dashboard's model: a session folded piece by piece (as the hub and the live page receive
 * it) comes out the same as read whole; summaries, findings, tool decisions and egress facts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detail, foldEgress, foldSummary, overviewOf, summarize } from '../src/dashboard/model.js';
import type { AuditEvent } from '../src/dashboard/types.js';
import { repoName, workspaceRepo } from '../src/util/git.js';

const events: AuditEvent[] = [
  { seq: 1, ts: '2026-12-01T10:00:00.000Z', kind: 'session.start', body: { command: ['claude', '-p', 'x'], user: 'alice', repo: 'acme/app', workspace: '/src/app', agent: { npmPackage: { name: '@anthropic-ai/claude-code', version: '2.1.197' } } } },
  { seq: 2, ts: '2026-12-01T10:00:01.000Z', kind: 'network', body: { decision: 'deny', host: 'exfil.example', port: 443, reason: 'not in network.allow' } },
  { seq: 3, ts: '2026-12-01T10:00:02.000Z', kind: 'http', body: { method: 'POST', host: 'api.anthropic.com', path: '/v1/messages', decision: 'allow', egress: { bytesOut: 1000, novelBytes: 200 }, findings: [{ inspector: 'dlp', rule: 'github-pat', severity: 'high', action: 'redact', kind: 'rule', where: 'body.messages[0]' }] } },
  { seq: 4, ts: '2026-12-01T11:30:00.000Z', kind: 'tool', body: { tool: 'Bash', commands: ['rm -rf ~/'], verdict: 'deny', decision: 'deny', reason: 'recursive delete' } },
  { seq: 5, ts: '2026-12-01T11:30:01.000Z', kind: 'http', body: { method: 'POST', host: 'api.anthropic.com', path: '/v1/messages', decision: 'allow', egress: { bytesOut: 500, novelBytes: 50 }, findings: [] } },
  { seq: 6, ts: '2026-12-01T11:31:00.000Z', kind: 'session.end', body: { exitCode: 0, egress: { hosts: { 'api.anthropic.com': { requests: 2, bytesOut: 1500, novelBytes: 250 } }, files: { 'src/app.ts': { 'api.anthropic.com': 2 } } } } },
];

describe('dashboard model', () => {
  it('folding a session in pieces equals reading it whole', () => {
    const whole = summarize('s1', 'm', events);
    for (let cut = 1; cut < events.length; cut++) {
      const folded = foldSummary(foldSummary(undefined, 's1', 'm', events.slice(0, cut)), 's1', 'm', events.slice(cut));
      assert.deepEqual(folded, whole, `cut at ${cut}`);
      assert.deepEqual(foldEgress(foldEgress(undefined, events.slice(0, cut)), events.slice(cut)), foldEgress(undefined, events), `egress cut at ${cut}`);
    }
    assert.deepEqual(
      { user: whole.user, repo: whole.repo, agent: whole.agent, version: whole.agentVersion, status: whole.status, denied: whole.denied, toolDenied: whole.toolDenied, secrets: whole.secrets, bytesOut: whole.bytesOut, events: whole.events },
      { user: 'alice', repo: 'acme/app', agent: '@anthropic-ai/claude-code', version: '2.1.197', status: 'ended', denied: 2, toolDenied: 1, secrets: 1, bytesOut: 1500, events: 6 },
    );
    assert.equal(summarize('s1', 'm', events.slice(0, 3)).status, 'running');
  });

  it('session detail and overview: egress, files, findings, tools, hours', () => {
    const d = detail('s1', 'm', events);
    assert.deepEqual(d.egress, [{ host: 'api.anthropic.com', requests: 2, bytesOut: 1500, novelBytes: 250 }]);
    assert.deepEqual(d.files, [{ file: 'src/app.ts', host: 'api.anthropic.com', times: 2 }]);
    assert.deepEqual(d.findings.map((f) => [f.ruleId, f.action]), [['github-pat', 'redact']]);
    assert.deepEqual(d.tools.map((t) => [t.tool, t.decision]), [['Bash', 'deny']]);
    const o = overviewOf([{ summary: summarize('s1', 'm', events), facts: foldEgress(undefined, events) }]);
    assert.deepEqual(o.egressByHour.map((h) => [h.hour, h.bytesOut, h.requests]), [['2026-12-01T10', 1000, 1], ['2026-12-01T11', 500, 1]]);
    assert.deepEqual(o.files, [{ file: 'src/app.ts', host: 'api.anthropic.com', times: 2, repo: 'acme/app' }]);
  });

  it('shortens a script passed as an argument for display and labels reach sessions', () => {
    const script = 'x'.repeat(5000);
    const s = summarize('r', 'm', [{ seq: 1, ts: '2026-12-01T10:00:00.000Z', kind: 'session.start', body: { command: ['node', '-e', script, '--', '--glassbox-reach'], purpose: 'reach', agent: { resolved: '/usr/bin/node' } } }]);
    assert.equal(s.agent, 'glassbox reach');
    assert.deepEqual(s.command, ['node', '-e', `${'x'.repeat(80)}… (5000 characters)`, '--', '--glassbox-reach']);
  });

  it('names repositories from their remotes', () => {
    assert.equal(repoName('git@github.com:acme/app.git'), 'acme/app');
    assert.equal(repoName('https://gitlab.example/group/sub/app.git'), 'group/sub/app');
    assert.equal(repoName('ssh://git@host:2222/acme/app'), 'acme/app');
    assert.equal(workspaceRepo('/nonexistent/some-project'), 'some-project');
  });
});
