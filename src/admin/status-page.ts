// The status page: plain HTML, a stylesheet and one small script, shipped inside the Worker (no
// build step, no CDN). The script polls the JSON admin API (metrics, pools) with the session
// cookie and draws hand-written SVG charts; every value goes in through textContent or an SVG
// attribute, never as markup. The Content-Security-Policy admits only this response's own script
// and style (by nonce) and connections to this origin.

/** Content-Security-Policy for a page whose script and style carry `nonce`. */
export function pagePolicy(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{display:flex;gap:1rem;align-items:center;padding:.75rem 1.25rem;background:#1d2330;color:#fff}
header h1{font-size:1.1rem;margin:0;flex:1}
header select,header button{font:inherit}
main{padding:1rem 1.25rem;display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(420px,1fr))}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.75rem 1rem}
section h2{font-size:.95rem;margin:0 0 .5rem}
.wide{grid-column:1/-1}
.tiles{grid-column:1/-1;display:flex;flex-wrap:wrap;gap:1rem}
.tile{min-width:8rem}.tile b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}
td,th{padding:.2rem .4rem;border-bottom:1px solid #eef0f3;text-align:left;white-space:nowrap}
.scroll{overflow-x:auto}td.wrap{white-space:normal;word-break:break-word;min-width:8rem}
td.n,th.n{text-align:right}
.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;background:#9aa3b1}
tr[data-state=up] .dot{background:#1f9d55}tr[data-state=down] .dot{background:#d64545}
svg{width:100%;height:auto;display:block}
svg text{font-size:10px;fill:#5b6575}
.legend span{margin-right:.8rem;font-size:.8rem}.legend i{display:inline-block;width:.7rem;height:.7rem;margin-right:.25rem}
.sw-requests,.sw-p50{background:#3b73d9}.sw-errors,.sw-p99{background:#d64545}.sw-p95{background:#e3a008}.sw-hits{background:#1f9d55}.sw-misses{background:#9aa3b1}
.muted{color:#5b6575;font-size:.85rem}
.error{color:#d64545}
form{max-width:22rem;margin:4rem auto;background:#fff;padding:1.5rem;border:1px solid #dde1e7;border-radius:6px}
form input{width:100%;box-sizing:border-box;font:inherit;padding:.4rem;margin:.5rem 0}
`

const SCRIPT = `
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = { requests: '#3b73d9', errors: '#d64545', p50: '#3b73d9', p95: '#e3a008', p99: '#d64545', hits: '#1f9d55', misses: '#9aa3b1', rateLimited: '#8e44ad' };
  var minutes = 60;
  var timer;
  function $(id) { return document.getElementById(id); }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }
  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function ms(v) { return v === null || v === undefined ? '–' : (v < 10 ? v.toFixed(1) : Math.round(v)) + ' ms'; }
  function pct(v) { return v === null || v === undefined ? '–' : (v * 100).toFixed(1) + '%'; }
  function hhmm(iso) { var d = new Date(iso); return ('0' + d.getHours()).slice(-2) + ':' + ('0' + d.getMinutes()).slice(-2); }
  function row(cells, attrs) {
    var tr = el('tr', null, attrs);
    cells.forEach(function (c) {
      var td = el('td');
      if (c && c.nodeType) td.appendChild(c);
      else { td.textContent = c === undefined || c === null ? '' : String(c); if (typeof c === 'number') td.className = 'n'; }
      tr.appendChild(td);
    });
    return tr;
  }
  function table(head, rows) {
    var box = el('div', null, { class: 'scroll' }), t = el('table'), thead = el('tr');
    head.forEach(function (h) { thead.appendChild(el('th', h)); });
    t.appendChild(thead);
    rows.forEach(function (r) { t.appendChild(r); });
    box.appendChild(t);
    return box;
  }
  function legend(names) {
    var d = el('div', null, { class: 'legend' });
    names.forEach(function (n) { var s = el('span'); s.appendChild(el('i', null, { class: 'sw-' + n })); s.appendChild(document.createTextNode(n)); d.appendChild(s); });
    return d;
  }
  // One chart: time on x (one slot per minute), series as bars (stacked when asked) or lines.
  function chart(id, points, names, kind) {
    var svg = clear($(id)), W = 600, H = 150, L = 36, B = 16, n = points.length;
    var max = 0;
    points.forEach(function (p) {
      var sum = 0;
      names.forEach(function (k) { var v = p[k] || 0; sum += v; if (kind !== 'stacked' && v > max) max = v; });
      if (kind === 'stacked' && sum > max) max = sum;
    });
    max = max > 0 ? max * 1.1 : 1;
    var slot = (W - L) / Math.max(n, 1);
    var y = function (v) { return H - B - (v / max) * (H - B - 10); };
    for (var g = 0; g <= 2; g++) {
      var gv = (max / 2) * g;
      svg.appendChild(svgEl('line', { x1: L, x2: W, y1: y(gv), y2: y(gv), stroke: '#eef0f3' }));
      var t = svgEl('text', { x: L - 4, y: y(gv) + 3, 'text-anchor': 'end' }); t.textContent = gv >= 10 ? Math.round(gv) : gv.toFixed(1); svg.appendChild(t);
    }
    if (n > 0) {
      var t0 = svgEl('text', { x: L, y: H - 3 }); t0.textContent = hhmm(points[0].minute); svg.appendChild(t0);
      var t1 = svgEl('text', { x: W, y: H - 3, 'text-anchor': 'end' }); t1.textContent = hhmm(points[n - 1].minute); svg.appendChild(t1);
    }
    var drawn = 0;
    if (kind === 'line') {
      names.forEach(function (k) {
        var d = '';
        var dots = [];
        points.forEach(function (p, i) {
          if (p[k] === null || p[k] === undefined) return;
          var cx = (L + slot * (i + 0.5)).toFixed(1), cy = y(p[k]).toFixed(1);
          d += (d ? 'L' : 'M') + cx + ' ' + cy;
          dots.push(svgEl('circle', { cx: cx, cy: cy, r: 2, fill: COLORS[k], 'data-series': k, 'data-value': p[k] }));
          drawn++;
        });
        if (d) svg.appendChild(svgEl('path', { d: d, fill: 'none', stroke: COLORS[k], 'stroke-width': 1.5, 'data-series': k }));
        dots.forEach(function (c) { svg.appendChild(c); });
      });
    } else {
      var bw = kind === 'stacked' ? slot * 0.8 : (slot * 0.8) / names.length;
      points.forEach(function (p, i) {
        var base = 0;
        names.forEach(function (k, j) {
          var v = p[k] || 0;
          if (v <= 0) return;
          var x = L + slot * i + slot * 0.1 + (kind === 'stacked' ? 0 : bw * j);
          var top = y(base + v), bottom = y(base);
          svg.appendChild(svgEl('rect', { x: x.toFixed(1), y: top.toFixed(1), width: Math.max(bw, 1).toFixed(1), height: Math.max(bottom - top, 1).toFixed(1), fill: COLORS[k], class: 'bar', 'data-series': k, 'data-value': v }));
          if (kind === 'stacked') base += v;
          drawn++;
        });
      });
    }
    svg.setAttribute('data-points', String(drawn));
  }
  function tiles(m) {
    var t = m.totals, box = clear($('tiles'));
    [['Requests', t.requests], ['Error rate', pct(t.errorRate)], ['Cache hit ratio', pct(t.hitRatio)], ['p50', ms(t.latencyMs.p50)], ['p95', ms(t.latencyMs.p95)], ['p99', ms(t.latencyMs.p99)], ['Rate-limited', t.rateLimited]].forEach(function (x) {
      var d = el('div', x[0], { class: 'tile' }); d.appendChild(el('b', x[1])); box.appendChild(d);
    });
  }
  function health(pools, m) {
    var box = clear($('health')), seen = {};
    m.upstreams.forEach(function (u) { seen[u.key] = u; });
    if (!pools.pools) { box.appendChild(el('p', 'Configuration is invalid: see /_portico/config.', { class: 'error' })); return; }
    pools.pools.forEach(function (pool) {
      box.appendChild(el('h3', 'Pool ' + pool.name + ' (' + pool.algorithm + ')'));
      if (typeof pool.health === 'string') box.appendChild(el('p', pool.health, { class: 'muted' }));
      var rows = pool.upstreams.map(function (u) {
        var tracked = typeof u.available === 'boolean';
        var state = !tracked ? 'untracked' : u.available ? 'up' : 'down';
        var mine = seen[u.key] || { requests: 0, errors: 0, latencyMs: {} };
        var status = el('span'); status.appendChild(el('span', null, { class: 'dot' })); status.appendChild(document.createTextNode(' ' + state));
        var tr = row([status, u.key, u.latencyEwmaMs === undefined || u.latencyEwmaMs === null ? '–' : ms(u.latencyEwmaMs), u.consecutiveFailures === undefined ? '–' : u.consecutiveFailures, mine.requests, mine.errors, ms(mine.latencyMs.p95), u.lastFailure || ''], { 'data-upstream': u.key, 'data-state': state });
        tr.lastChild.className = 'wrap';
        return tr;
      });
      box.appendChild(table(['State', 'Upstream', 'Latency (EWMA)', 'Failures in a row', 'Requests', 'Errors', 'p95', 'Last failure'], rows));
    });
  }
  function experiments(m) {
    var box = clear($('experiments'));
    if (m.experiments.length === 0) { box.appendChild(el('p', 'No experiment exposures in this window.', { class: 'muted' })); return; }
    var palette = ['#3b73d9', '#e3a008', '#1f9d55', '#8e44ad', '#d64545', '#16a2b8'];
    m.experiments.forEach(function (x) {
      box.appendChild(el('h3', x.name + ' (' + x.exposures + ' exposures)'));
      var svg = svgEl('svg', { viewBox: '0 0 600 24', 'data-experiment': x.name }), at = 0;
      x.variants.forEach(function (v, i) {
        var w = v.share * 600;
        var r = svgEl('rect', { x: at.toFixed(1), y: 0, width: Math.max(w, 0.5).toFixed(1), height: 24, fill: palette[i % palette.length], 'data-variant': v.name, 'data-share': v.share });
        var title = svgEl('title', {}); title.textContent = v.name + ': ' + pct(v.share); r.appendChild(title);
        svg.appendChild(r); at += w;
      });
      box.appendChild(svg);
      box.appendChild(table(['Variant', 'Exposures', 'Share'], x.variants.map(function (v) { return row([v.name, v.exposures, pct(v.share)]); })));
    });
  }
  function rateLimits(m) {
    var box = clear($('ratelimits'));
    box.appendChild(el('p', m.totals.rateChecked + ' requests checked, ' + m.totals.rateLimited + ' refused.', { class: 'muted' }));
    if (m.rateLimits.length) box.appendChild(table(['Rule', 'Rejected', 'Logged only', 'Failed open', 'Failed closed'], m.rateLimits.map(function (r) { return row([r.rule, r.rejected, r.logged, r.failedOpen, r.failedClosed], { 'data-rule': r.rule }); })));
  }
  function routes(m) {
    var box = clear($('routes'));
    box.appendChild(table(['Route', 'Requests', 'Errors', 'p50', 'p95', 'p99'], m.routes.map(function (r) { return row([r.name, r.requests, r.errors, ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.latencyMs.p99)]); })));
  }
  function get(path) {
    return fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
      if (r.status === 401) { location.reload(); throw new Error('signed out'); }
      if (!r.ok) throw new Error(path + ': ' + r.status);
      return r.json();
    });
  }
  function refresh() {
    clearTimeout(timer);
    Promise.all([get('metrics?minutes=' + minutes), get('pools')]).then(function (both) {
      var m = both[0], p = both[1];
      tiles(m);
      chart('chart-requests', m.series, ['requests', 'errors'], 'bar');
      chart('chart-latency', m.series, ['p50', 'p95', 'p99'], 'line');
      chart('chart-cache', m.series, ['hits', 'misses'], 'stacked');
      chart('chart-ratelimited', m.series, ['rateLimited'], 'bar');
      health(p, m); experiments(m); rateLimits(m); routes(m);
      $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString() + (m.source === 'unbound' ? ' (no PORTICO_METRICS binding: metrics are not kept)' : '');
      $('updated').className = 'muted';
      document.body.setAttribute('data-loaded', String(Date.now()));
    }).catch(function (err) { $('updated').textContent = 'Could not load: ' + err.message; $('updated').className = 'error'; })
      .then(function () { timer = setTimeout(refresh, 3000); });
  }
  $('window').addEventListener('change', function (e) { minutes = Number(e.target.value); refresh(); });
  $('signout').addEventListener('click', function () { fetch('session', { method: 'DELETE', credentials: 'same-origin' }).then(function () { location.reload(); }); });
  var lg = { 'legend-requests': ['requests', 'errors'], 'legend-latency': ['p50', 'p95', 'p99'], 'legend-cache': ['hits', 'misses'] };
  for (var id in lg) $(id).appendChild(legend(lg[id]));
  refresh();
})();
`

const CHARTS = [
  ['chart-requests', 'Requests and errors per minute', 'legend-requests'],
  ['chart-latency', 'Latency per minute (ms)', 'legend-latency'],
  ['chart-cache', 'Cache: answered from storage and misses per minute', 'legend-cache'],
  ['chart-ratelimited', 'Rate-limited requests per minute', ''],
] as const

export function statusPage(nonce: string): string {
  const charts = CHARTS.map(
    ([id, title, legendId]) => `<section><h2>${title}</h2><svg id="${id}" data-chart="${id.slice(6)}" viewBox="0 0 600 150" role="img" aria-label="${title}"></svg>${legendId ? `<div id="${legendId}"></div>` : ''}</section>`,
  )
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>Portico status</title><style nonce="${nonce}">${STYLE}</style></head>
<body>
<header><h1>Portico status</h1><span id="updated" class="muted">Loading…</span>
<label>Window <select id="window"><option value="15">15 min</option><option value="60" selected>60 min</option></select></label>
<button id="signout" type="button">Sign out</button></header>
<main>
<section class="tiles" id="tiles"></section>
${charts.join('\n')}
<section class="wide"><h2>Upstream health</h2><div id="health"></div></section>
<section><h2>Experiments</h2><div id="experiments"></div></section>
<section><h2>Rate limits</h2><div id="ratelimits"></div></section>
<section><h2>Routes</h2><div id="routes"></div></section>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>
`
}

/** The sign-in form: it POSTs the token to /_portico/session, which answers with the session cookie. */
export function signInPage(nonce: string, message?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>Portico status: sign in</title><style nonce="${nonce}">${STYLE}</style></head>
<body><form method="post" action="session">
<h1>Portico status</h1>
<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
${message ? `<p class="error">${message}</p>` : ''}
<button type="submit">Sign in</button>
<p class="muted">Sets a cookie for this path, valid for 8 hours.</p>
</form></body></html>
`
}
