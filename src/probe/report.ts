import { escapeHtml as esc } from '../util/html.js';
import type { ProbeFinding, ProbeReport } from './probe.js';

const show = (s: string) => JSON.stringify(s).slice(1, -1);

function line(f: ProbeFinding): string {
  const cps = f.removed.length || f.added.length ? ` [${f.removed.join(' ') || '∅'} → ${f.added.join(' ') || '∅'}]` : '';
  return `${f.suspicious ? 'SUSPICIOUS' : 'expected  '} ${f.kind.padEnd(11)} ${f.dimension}=${f.value}  ${f.request} ${f.field}${cps}\n             baseline: "${show(f.baseline)}"\n             variant:  "${show(f.variant)}"`;
}

export function textReport(r: ProbeReport): string {
  const suspicious = r.findings.filter((f) => f.suspicious);
  const expected = r.findings.filter((f) => !f.suspicious);
  const out = [
    `probe of ${r.command.join(' ')}: ${r.runs.length} runs (${r.runs.filter((x) => x.dimension === 'baseline').length} baseline), dimensions ${r.dimensions.join(', ')}`,
    `${r.noise.length} fields differ between identical runs (noise, not compared)`,
    ...suspicious.slice(0, 40).map(line),
    ...(suspicious.length > 40 ? [`… and ${suspicious.length - 40} more suspicious differences (--json or --html for all)`] : []),
    ...(expected.length ? [`${expected.length} expected difference${expected.length === 1 ? '' : 's'} (dates and counts, or the varied value stated plainly):`, ...expected.slice(0, 20).map(line)] : []),
    r.verdict === 'clean' ? 'verdict: clean — no environment-dependent encoding found' : `verdict: SUSPICIOUS — ${suspicious.length} difference${suspicious.length === 1 ? '' : 's'} that depend on the environment and are not plain statements of it`,
  ];
  return out.join('\n') + '\n';
}

/** Invisible and non-ASCII characters made visible, so a reviewer sees what changed. */
const reveal = (s: string) => [...s].map((c) => (c.codePointAt(0)! > 0x7e || c.codePointAt(0)! < 0x20 ? `<mark title="U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}">${c.codePointAt(0)! < 0x20 || /\p{Cf}/u.test(c) ? `U+${c.codePointAt(0)!.toString(16).toUpperCase()}` : esc(c)}</mark>` : esc(c))).join('');

export function htmlReport(r: ProbeReport): string {
  const rows = r.findings
    .map(
      (f) =>
        `<tr class="${f.suspicious ? 'bad' : 'ok'}"><td>${f.suspicious ? 'suspicious' : 'expected'}</td><td>${esc(f.kind)}</td><td>${esc(f.dimension)}=${esc(f.value)}</td><td>${esc(f.request)}<br><code>${esc(f.field)}</code></td><td><code>${reveal(f.baseline)}</code></td><td><code>${reveal(f.variant)}</code></td><td>${esc(f.removed.join(' '))} → ${esc(f.added.join(' '))}</td></tr>`,
    )
    .join('\n');
  const runs = r.runs.map((x) => `<tr><td>${esc(x.dimension)}</td><td>${esc(x.value)}</td><td>${x.exitCode}</td><td>${x.requests}</td><td><code>${esc(x.session)}</code></td></tr>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>glassbox probe: ${esc(r.command.join(' '))}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
tr.bad td:first-child{background:#fdd;font-weight:bold}tr.ok td:first-child{background:#dfd}mark{background:#fe8;outline:1px solid #c90}code{white-space:pre-wrap;word-break:break-all}.verdict{font-size:1.3em}</style></head>
<body><h1>glassbox probe</h1><p><code>${esc(r.command.join(' '))}</code> · ${esc(r.started)} · dimensions: ${esc(r.dimensions.join(', '))}</p>
<p class="verdict">Verdict: <strong>${r.verdict === 'clean' ? 'clean' : 'SUSPICIOUS'}</strong> (${r.findings.filter((f) => f.suspicious).length} suspicious, ${r.findings.filter((f) => !f.suspicious).length} expected; ${r.noise.length} noisy fields not compared)</p>
<h2>Differences</h2><table><tr><th></th><th>kind</th><th>environment</th><th>request / field</th><th>baseline</th><th>variant</th><th>code points</th></tr>
${rows || '<tr><td colspan="7">none</td></tr>'}</table>
<h2>Runs</h2><table><tr><th>dimension</th><th>value</th><th>exit</th><th>requests</th><th>session</th></tr>${runs}</table></body></html>
`;
}
