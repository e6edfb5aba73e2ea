/**
 * The dashboard page's HTML and CSS. They carry no data (everything comes from the API behind
 * the token) and live in the build, so the dashboard works from any copy of dist/.
 */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Glassbox</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header>
  <a class="brand" href="#/">Glassbox</a>
  <nav>
    <a href="#/" data-nav="sessions">Sessions</a>
    <a href="#/approvals" data-nav="approvals" id="nav-approvals">Approvals <span id="pending-count" class="badge" hidden></span></a>
    <a href="#/reports" data-nav="reports">Reach &amp; probe</a>
    <a href="#/integrity" data-nav="integrity">Integrity</a>
  </nav>
  <span id="scope"></span>
</header>
<main id="main"><p>Loading…</p></main>
<script type="module" src="/app.js"></script>
</body>
</html>
`;

export const STYLE_CSS = `
:root { --bad: #b3261e; --bad-bg: #fde7e4; --ok: #1e6b34; --ok-bg: #e6f4ea; --warn: #8a5a00; --warn-bg: #fff4d6; --line: #d8dde3; --muted: #5f6b76; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1c2329; background: #f6f8fa; }
header { display: flex; gap: 1.5em; align-items: center; padding: .6em 1.5em; background: #10202e; color: #fff; }
header a { color: #cfe0f5; text-decoration: none; }
header a.active { color: #fff; font-weight: 600; border-bottom: 2px solid #7fb0ff; }
header nav { display: flex; gap: 1.2em; }
.brand { font-weight: 700; font-size: 1.15em; color: #fff !important; }
#scope { margin-left: auto; color: #9fb3c8; font-size: .9em; }
main { padding: 1.2em 1.5em 3em; max-width: 1400px; }
h1 { font-size: 1.35em; margin: .2em 0 .6em; } h2 { font-size: 1.1em; margin: 1.6em 0 .5em; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef2f6; font-weight: 600; font-size: .92em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.clickable { cursor: pointer; } tr.clickable:hover td { background: #f0f6ff; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .92em; word-break: break-all; }
.pill { display: inline-block; padding: 0 .5em; border-radius: 1em; font-size: .85em; font-weight: 600; }
.pill.bad, .bad-text { color: var(--bad); } .pill.bad { background: var(--bad-bg); }
.pill.ok { color: var(--ok); background: var(--ok-bg); } .pill.warn { color: var(--warn); background: var(--warn-bg); }
.pill.muted { color: var(--muted); background: #eceff2; }
.badge { background: var(--bad); color: #fff; border-radius: 1em; padding: 0 .45em; font-size: .8em; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: .8em; margin: .5em 0 1em; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .6em .8em; }
.card .v { font-size: 1.35em; font-weight: 650; } .card .k { color: var(--muted); font-size: .85em; }
.filters { display: flex; flex-wrap: wrap; gap: .6em; align-items: end; margin: .4em 0 1em; }
.filters label { display: flex; flex-direction: column; font-size: .8em; color: var(--muted); }
select, input, button { font: inherit; padding: 3px 6px; border: 1px solid #b9c2cc; border-radius: 4px; background: #fff; }
button { cursor: pointer; } button.approve { background: var(--ok); color: #fff; border-color: var(--ok); } button.deny { background: var(--bad); color: #fff; border-color: var(--bad); }
.chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5em; }
.chart svg { display: block; width: 100%; height: auto; }
.chart text { font-size: 11px; fill: #44515c; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; } @media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
.muted { color: var(--muted); } .error { color: var(--bad); background: var(--bad-bg); padding: .6em .8em; border-radius: 4px; }
.verdict { font-size: 1.15em; padding: .6em .8em; border-radius: 6px; margin: .5em 0; }
.verdict.ok { background: var(--ok-bg); color: var(--ok); } .verdict.bad { background: var(--bad-bg); color: var(--bad); }
details { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .4em .8em; margin: .5em 0; }
summary { cursor: pointer; }
`;
