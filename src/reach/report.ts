import { escapeHtml as esc } from '../util/html.js';
import { categoryTitle, type Category } from './catalog.js';
import { type AssetReport, type ReachReport, worthShowing } from './reach.js';

const mark = (reachable: boolean) => (reachable ? 'REACHABLE' : 'no');

function grouped(r: ReachReport): [Category, AssetReport[]][] {
  const groups = new Map<Category, AssetReport[]>();
  for (const a of r.assets) if (worthShowing(a)) groups.set(a.category, [...(groups.get(a.category) ?? []), a]);
  return [...groups];
}

function headline(r: ReachReport): string {
  const s = r.summary;
  return r.verdict === 'contained'
    ? `Contained: no critical asset is reachable from inside the box (bare: ${s.bare.critical} critical, ${s.bare.high} high; in the box: ${s.box.critical} critical, ${s.box.high} high).`
    : `EXPOSED: ${r.criticalInBox.length} critical asset${r.criticalInBox.length === 1 ? '' : 's'} reachable from inside the box: ${r.criticalInBox.join(', ')}.`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The risk committee's read: one table per category, bare against in the box. */
export function markdownReport(r: ReachReport): string {
  const out = [
    `# What an agent could reach: ${r.user}@this machine`,
    '',
    `Generated ${r.generated} · policy ${r.policyFile ?? '(built-in defaults)'} (sha256 ${r.policyHash.slice(0, 16)}) · workspace \`${r.workspace}\` · probed live in box session \`${r.session}\``,
    '',
    `**${headline(r)}**`,
    '',
    `| | critical | high | medium |`,
    `|---|---|---|---|`,
    `| reachable bare (any process of ${r.user}) | ${r.summary.bare.critical} | ${r.summary.bare.high} | ${r.summary.bare.medium} |`,
    `| reachable inside the box | ${r.summary.box.critical} | ${r.summary.box.high} | ${r.summary.box.medium} |`,
    '',
    `The box reaches these hosts by design, through the proxy: ${r.allowedHosts.length ? r.allowedHosts.map((h) => `\`${h}\``).join(', ') : 'none'}.`,
  ];
  for (const [category, assets] of grouped(r)) {
    out.push('', `## ${categoryTitle(category)}`, '', '| asset | severity | bare | in the box |', '|---|---|---|---|');
    for (const a of assets) out.push(`| ${cell(a.name)} | ${a.severity} | ${mark(a.bare.reachable)}: ${cell(a.bare.detail)} | ${mark(a.box.reachable)}: ${cell(a.box.detail)} |`);
  }
  const absent = r.assets.filter((a) => !worthShowing(a)).length;
  out.push('', `${absent} more assets looked for are not present on this machine (\`--format json\` lists them).`, '');
  return out.join('\n');
}

export function htmlReport(r: ReachReport): string {
  const sections = grouped(r)
    .map(([category, assets]) => {
      const rows = assets
        .map(
          (a) =>
            `<tr><td>${esc(a.name)}</td><td class="sev ${a.severity}">${a.severity}</td><td class="${a.bare.reachable ? 'bad' : 'ok'}">${mark(a.bare.reachable)}<br><small>${esc(a.bare.detail)}</small></td><td class="${a.box.reachable ? 'bad' : 'ok'}">${mark(a.box.reachable)}<br><small>${esc(a.box.detail)}</small></td></tr>`,
        )
        .join('\n');
      return `<h2>${esc(categoryTitle(category))}</h2><table><tr><th>asset</th><th>severity</th><th>bare</th><th>in the box</th></tr>${rows}</table>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>glassbox reach: ${esc(r.user)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td.bad{background:#fdd;font-weight:bold}td.ok{background:#efe}.sev.critical{color:#a00;font-weight:bold}.sev.high{color:#b60}.verdict{font-size:1.2em}.exposed{color:#a00}</style></head>
<body><h1>What an agent could reach</h1>
<p>${esc(r.user)} (uid ${r.uid}) · ${esc(r.generated)} · policy ${esc(r.policyFile ?? '(built-in defaults)')} <code>${esc(r.policyHash.slice(0, 16))}</code> · workspace <code>${esc(r.workspace)}</code> · box session <code>${esc(r.session)}</code></p>
<p class="verdict ${r.verdict}"><strong>${esc(headline(r))}</strong></p>
<table><tr><th></th><th>critical</th><th>high</th><th>medium</th></tr>
<tr><td>bare</td><td>${r.summary.bare.critical}</td><td>${r.summary.bare.high}</td><td>${r.summary.bare.medium}</td></tr>
<tr><td>inside the box</td><td>${r.summary.box.critical}</td><td>${r.summary.box.high}</td><td>${r.summary.box.medium}</td></tr></table>
<p>Hosts the box reaches by design: ${r.allowedHosts.map((h) => `<code>${esc(h)}</code>`).join(', ') || 'none'}</p>
${sections}</body></html>
`;
}
