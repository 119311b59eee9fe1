/**
 * The page's HTML and CSS, served from memory: no inline script or style (the Content-Security-
 * Policy forbids both), no external resource. The script is app.js, compiled from
 * src/inspect/client. Everything the page shows of the data is set with textContent.
 */
/** The page; `modules` are the script files, preloaded at once rather than found import by import. */
export const pageHtml = (modules: readonly string[]): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>turnlog inspect</title>
<link rel="icon" href="favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="style.css">
<script type="module" src="app.js"></script>
${modules.map((m) => `<link rel="modulepreload" href="${m}">`).join('\n')}
</head>
<body>
<header class="top">
  <a class="brand" href="#/" id="home"><span class="logo">◆</span> turnlog <span class="dim">inspect</span></a>
  <span class="store" id="store"></span>
  <span class="live" id="live" title="Live updates from the store">connecting…</span>
</header>
<main id="main"><p class="empty">Loading…</p></main>
</body>
</html>
`;

export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1l7 7-7 7-7-7z" fill="#4f6bed"/></svg>`;

export const PAGE_CSS = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --text: #1d2330; --dim: #667085; --line: #e3e6ec;
  --accent: #4f6bed; --accent-soft: #e8ecfd; --user: #e7f0ff; --assistant: #ffffff; --system: #fff7e0;
  --tool: #f2f0fb; --bad: #c62828; --bad-soft: #fdecec; --good: #1b7f3b; --good-soft: #e6f5eb; --warn: #8a6100;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1217; --panel: #171b22; --text: #e4e7ec; --dim: #8d96a7; --line: #2a303b;
    --accent: #8198ff; --accent-soft: #1f2744; --user: #1b2a45; --assistant: #1c2129; --system: #2e2815;
    --tool: #231f35; --bad: #ff6b6b; --bad-soft: #3a1d1f; --good: #5fd38a; --good-soft: #173224; --warn: #e0b64f;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 var(--sans); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
button, input { font: inherit; color: inherit; }
button { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
input[type=search], input[type=text] { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.dim { color: var(--dim); }
.mono { font-family: var(--mono); font-size: 12.5px; }
.top { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
.brand { font-weight: 600; font-size: 15px; color: var(--text); }
.logo { color: var(--accent); }
.store { color: var(--dim); font-size: 13px; flex: 1; }
.live { font-size: 12px; color: var(--dim); }
.live.on::before { content: "● "; color: var(--good); }
.live.off::before { content: "● "; color: var(--bad); }
.live.error { color: var(--bad); font-weight: 600; }
.live.error::before { content: "⚠ "; }
main { padding: 16px 20px; }
.empty { color: var(--dim); padding: 24px; text-align: center; }
.toolbar { display: flex; gap: 10px; align-items: center; margin-bottom: 12px; flex-wrap: wrap; }
.toolbar input[type=search] { width: 320px; }
table.sessions { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
table.sessions th, table.sessions td { text-align: left; padding: 8px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.sessions th { font-size: 12px; font-weight: 600; color: var(--dim); text-transform: uppercase; letter-spacing: .03em; }
table.sessions td.num, table.sessions th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sessions tr:last-child td { border-bottom: 0; }
table.sessions tbody tr:hover { background: var(--accent-soft); }
table.sessions tr.fresh { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: var(--good-soft); } to { background: transparent; } }
td.summary { color: var(--dim); max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pager { display: flex; gap: 8px; margin-top: 12px; align-items: center; }
.session-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin-bottom: 12px; }
.session-head h1 { font-size: 18px; margin: 0; font-family: var(--mono); word-break: break-all; }
.versionbar { display: flex; align-items: center; gap: 8px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin-bottom: 14px; }
.versionbar input[type=range] { flex: 1; accent-color: var(--accent); }
.versionbar .vlabel { font-variant-numeric: tabular-nums; min-width: 120px; text-align: right; font-weight: 600; }
.badge { display: inline-block; font-size: 11px; padding: 1px 7px; border-radius: 10px; background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.badge.bad { background: var(--bad-soft); color: var(--bad); }
.badge.good { background: var(--good-soft); color: var(--good); }
.badge.warn { background: var(--system); color: var(--warn); }
.layout { display: grid; grid-template-columns: 290px minmax(0, 1fr) 340px; gap: 14px; align-items: start; }
@media (max-width: 1200px) { .layout { grid-template-columns: 250px minmax(0, 1fr); } .side { grid-column: 1 / -1; } }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin-bottom: 14px; }
.panel h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--dim); margin: 0 0 8px; font-weight: 600; }
.timeline { list-style: none; margin: 0; padding: 0; max-height: calc(100vh - 250px); overflow: auto; }
.timeline li { padding: 6px 8px; border-radius: 6px; cursor: pointer; border-left: 3px solid transparent; }
.timeline li:hover { background: var(--accent-soft); }
.timeline li.current { background: var(--accent-soft); border-left-color: var(--accent); }
.timeline .ev-head { display: flex; gap: 8px; align-items: baseline; font-size: 12px; }
.timeline .ev-v { font-weight: 700; font-variant-numeric: tabular-nums; }
.timeline .ev-type { font-family: var(--mono); font-size: 11.5px; color: var(--accent); }
.timeline .ev-line { font-size: 12.5px; color: var(--dim); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.timeline li.cut .ev-type::before { content: "✂ "; }
.history { display: flex; flex-direction: column; gap: 8px; max-height: calc(100vh - 200px); overflow: auto; padding: 2px 4px 2px 0; }
.cut-away { color: var(--dim); font-size: 12.5px; padding: 0 12px; }
.msg { border: 1px solid var(--line); border-radius: 10px; padding: 8px 12px; background: var(--assistant); max-width: 92%; }
.msg.user { background: var(--user); align-self: flex-end; }
.msg.assistant { align-self: flex-start; }
.msg.system, .msg.developer { background: var(--system); align-self: center; max-width: 100%; }
.msg.tool { background: var(--tool); align-self: flex-start; }
.msg.orphan { border: 2px solid var(--bad); }
.msg.added { box-shadow: inset 3px 0 0 var(--good); }
.msg.flash { outline: 2px solid var(--accent); }
.msg-head { display: flex; gap: 8px; align-items: center; font-size: 12px; color: var(--dim); margin-bottom: 4px; }
.msg-role { font-weight: 700; text-transform: lowercase; color: var(--text); }
.msg-text { white-space: pre-wrap; word-break: break-word; }
.call { font-family: var(--mono); font-size: 12.5px; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; margin-top: 6px; white-space: pre-wrap; word-break: break-all; }
.msg.tool .msg-text { font-family: var(--mono); font-size: 12.5px; }
.pairlink { cursor: pointer; }
details.raw summary { cursor: pointer; font-size: 11.5px; color: var(--dim); margin-top: 4px; }
pre { font-family: var(--mono); font-size: 12px; white-space: pre-wrap; word-break: break-all; margin: 4px 0 0; background: var(--bg); border-radius: 6px; padding: 6px 8px; max-height: 320px; overflow: auto; }
.marker { text-align: center; font-size: 12px; color: var(--warn); border-top: 1px dashed var(--warn); margin: 6px 0 2px; padding-top: 4px; }
.summary-card { border: 1px dashed var(--warn); background: var(--system); border-radius: 10px; padding: 8px 12px; white-space: pre-wrap; }
.diff .add { color: var(--good); }
.diff .del { color: var(--bad); }
.diff li { margin: 2px 0; font-size: 12.5px; word-break: break-word; }
.diff ul { list-style: none; padding-left: 0; margin: 4px 0; }
.cmd { display: flex; gap: 6px; align-items: center; margin: 4px 0; }
.cmd code { flex: 1; font-family: var(--mono); font-size: 12px; background: var(--bg); padding: 4px 6px; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
.actions { display: flex; gap: 8px; flex-wrap: wrap; }
.note { font-size: 12px; color: var(--dim); margin-top: 6px; }
.toast { position: fixed; bottom: 16px; right: 16px; background: var(--text); color: var(--bg); padding: 8px 14px; border-radius: 6px; font-size: 13px; }
.error { color: var(--bad); }
`;
