#include "server/console_page.h"

namespace strata::server {
namespace {

// The shell only: every view is built by app.js. No inline script or style (the CSP forbids
// inline scripts; the style sheet is a file too, for the same single policy).
constexpr std::string_view kHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strata console</title>
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body>
<header class="top">
  <span class="brand">Strata</span>
  <nav id="nav" hidden>
    <a href="#/buckets" id="nav-buckets">Buckets</a>
    <a href="#/tiers" id="nav-tiers">Tiers &amp; drives</a>
  </nav>
  <span class="spacer"></span>
  <span id="who" class="who"></span>
  <button id="logout" class="link" type="button" hidden>Sign out</button>
</header>
<main>
  <section id="login" class="login" hidden>
    <form id="login-form" autocomplete="on">
      <h1>Sign in</h1>
      <p class="hint">The console is read-only and for the root account.</p>
      <label>Access key <input id="access_key" name="access_key" autocomplete="username" required></label>
      <label>Secret key <input id="secret_key" name="secret_key" type="password" autocomplete="current-password" required></label>
      <button type="submit" id="login-submit">Sign in</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>
  </section>
  <section id="view" hidden></section>
  <noscript>The Strata console needs JavaScript.</noscript>
</main>
</body>
</html>
)HTML";

constexpr std::string_view kCss = R"CSS(:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #667085; --line: #e3e6eb;
  --accent: #2f6fde; --used: #2f6fde; --free: #d8e3f7; --ok: #1f9d55; --warn: #c27c0e;
  --bad: #d1373f; --mono: ui-monospace, "DejaVu Sans Mono", Menlo, monospace;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.45 system-ui, "Liberation Sans", "DejaVu Sans", sans-serif;
  color: var(--ink); background: var(--bg); }
.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem;
  background: #172033; color: #fff; }
.brand { font-weight: 700; letter-spacing: .04em; font-size: 1.1rem; }
.top nav { display: flex; gap: 1rem; }
.top nav a { color: #c8d3ea; text-decoration: none; padding: .2rem .1rem; }
.top nav a.active { color: #fff; border-bottom: 2px solid #6fa0ff; }
.spacer { flex: 1; }
.who { color: #c8d3ea; font-family: var(--mono); font-size: .85rem; }
button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid var(--line);
  background: var(--panel); padding: .3rem .7rem; color: var(--ink); }
button.primary, .login button[type=submit] { background: var(--accent); color: #fff;
  border-color: var(--accent); }
button.link { background: none; border: none; color: inherit; text-decoration: underline;
  white-space: nowrap; }
.top button.link { color: #c8d3ea; }
main { padding: 1.2rem 1.5rem; max-width: 1400px; margin: 0 auto; }
.login { display: flex; justify-content: center; padding-top: 8vh; }
.login form { background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 1.5rem 2rem; width: 24rem; display: flex; flex-direction: column; gap: .8rem; }
.login h1 { margin: 0; font-size: 1.3rem; }
.login label { display: flex; flex-direction: column; gap: .25rem; color: var(--muted); }
.login input { font: inherit; padding: .45rem .55rem; border: 1px solid var(--line);
  border-radius: 6px; color: var(--ink); }
.hint { color: var(--muted); margin: 0; }
.error { color: var(--bad); min-height: 1.2em; margin: 0; }
h2 { font-size: 1.15rem; margin: .2rem 0 .8rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 1rem 1.2rem; margin-bottom: 1rem; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: .8rem; text-transform: uppercase;
  letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: var(--mono); font-size: .85rem; word-break: break-all; }
a { color: var(--accent); }
a.key, a.folder-link, a.bucket-link { text-decoration: none; white-space: pre-wrap;
  word-break: break-all; }
a.key:hover, a.folder-link:hover, a.bucket-link:hover { text-decoration: underline; }
.crumbs { display: flex; flex-wrap: wrap; gap: .3rem; align-items: baseline; margin-bottom: .6rem; }
.crumbs a { white-space: pre-wrap; }
.browser { display: grid; grid-template-columns: minmax(0, 3fr) minmax(18rem, 2fr); gap: 1rem;
  align-items: start; }
@media (max-width: 900px) { .browser { grid-template-columns: 1fr; } }
tr.version-row td { background: #fafbfd; font-size: .9rem; }
tr.version-row td:first-child { padding-left: 2rem; }
tr.selected td { background: #eaf1ff; }
.badge { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .75rem;
  font-weight: 600; line-height: 1.5; border: 1px solid transparent; white-space: nowrap; }
.badge.ok, .badge.state-online, .badge.state-formatted, .badge.state-adopted {
  background: #e3f5ea; color: var(--ok); }
.badge.warn { background: #fdf1dc; color: var(--warn); }
.badge.bad, .badge.state-offline, .badge.state-unreachable, .badge.state-failed {
  background: #fbe4e5; color: var(--bad); }
.badge.info { background: #e6eefc; color: var(--accent); }
.badge.muted { background: #eef0f3; color: var(--muted); }
dl.props { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.props dt { color: var(--muted); }
dl.props dd { margin: 0; word-break: break-all; }
.empty { color: var(--muted); font-style: italic; }
.chart text { font-size: 12px; fill: var(--ink); }
.chart .bar-used { fill: var(--used); }
.chart .bar-free { fill: var(--free); }
.chart text.label { font-weight: 600; }
.chart text.value { fill: var(--muted); }
.legend { display: flex; gap: 1rem; color: var(--muted); font-size: .85rem; margin-top: .3rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px;
  vertical-align: -1px; margin-right: .3rem; }
.minibar { width: 8rem; height: .55rem; background: var(--free); border-radius: 3px;
  overflow: hidden; display: inline-block; vertical-align: middle; }
.minibar > span { display: block; height: 100%; background: var(--used); }
.toolbar { display: flex; gap: .6rem; align-items: center; margin-bottom: .6rem; }
.status { color: var(--muted); }
)CSS";

// Plain modern JS, no framework. Every piece of data goes into the page through text nodes
// (el() below, textContent), attributes set with setAttribute, or encodeURIComponent'd hrefs
// of the form "#/..." the script builds itself.
constexpr std::string_view kJs = R"JS('use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  // el('td', {class: 'num'}, 'text', node, ...): children are text unless they are nodes.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    }
  }

  class SignedOut extends Error {}

  function query(params) {
    const parts = [];
    for (const [k, v] of Object.entries(params || {})) {
      if (v === undefined || v === null || v === '') continue;
      parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
    }
    return parts.length ? '?' + parts.join('&') : '';
  }

  async function api(endpoint, params) {
    const r = await fetch('/console/api/' + endpoint + query(params), {
      credentials: 'same-origin', headers: {'Accept': 'application/json'}, cache: 'no-store'});
    if (r.status === 401) { showLogin(); throw new SignedOut(); }
    let body = {};
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) throw new Error((body && body.message) || ('HTTP ' + r.status));
    return body;
  }

  function bytes(n) {
    if (n === undefined || n === null) return '';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0; let v = Number(n);
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[i];
  }
  function when(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  }
  function pct(used, total) { return total > 0 ? Math.round(100 * used / total) : 0; }
  function badge(text, cls) { return el('span', {class: 'badge ' + (cls || 'muted')}, text); }

  // ---- Sign-in ----------------------------------------------------------------------------
  function showLogin(message) {
    $('view').hidden = true; $('view').replaceChildren();
    $('nav').hidden = true; $('logout').hidden = true; $('who').textContent = '';
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('access_key').focus();
  }

  async function signIn(ev) {
    ev.preventDefault();
    const form = new URLSearchParams();
    form.set('access_key', $('access_key').value);
    form.set('secret_key', $('secret_key').value);
    $('login-error').textContent = '';
    let r;
    try {
      r = await fetch('/console/login', {method: 'POST', credentials: 'same-origin', body: form,
        headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
    } catch (e) {
      $('login-error').textContent = 'Cannot reach the server: ' + e.message;
      return;
    }
    let body = {};
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) {
      $('login-error').textContent = body.message || ('Sign-in failed (HTTP ' + r.status + ')');
      return;
    }
    $('secret_key').value = '';
    start();
  }

  async function signOut() {
    try { await fetch('/console/logout', {method: 'POST', credentials: 'same-origin'}); } catch (e) {}
    location.hash = '';
    showLogin();
  }

  async function start() {
    let who;
    try { who = await api('session'); } catch (e) {
      if (!(e instanceof SignedOut)) showLogin('The server did not answer: ' + e.message);
      return;
    }
    $('login').hidden = true;
    $('nav').hidden = false; $('logout').hidden = false; $('view').hidden = false;
    $('who').textContent = who.access_key || '';
    route();
  }

  // ---- Routing: #/buckets, #/bucket/<bucket>/<prefix>, #/tiers ------------------------------
  // Each route bumps the generation; a view whose data arrives after the user moved on drops it.
  let generation = 0;
  function route() {
    if ($('login').hidden === false) return;
    generation++;
    const h = location.hash.replace(/^#\/?/, '');
    const parts = h.split('/');
    for (const a of document.querySelectorAll('#nav a')) a.classList.remove('active');
    if (parts[0] === 'tiers') { $('nav-tiers').classList.add('active'); return showTiers(); }
    $('nav-buckets').classList.add('active');
    if (parts[0] === 'bucket' && parts.length >= 2) {
      let bucket = ''; let prefix = '';
      try {
        bucket = decodeURIComponent(parts[1]);
        prefix = decodeURIComponent(parts.slice(2).join('/'));
      } catch (e) { return showBuckets(); }
      return showBucket(bucket, prefix);
    }
    return showBuckets();
  }
  const bucketHref = (bucket, prefix) =>
    '#/bucket/' + encodeURIComponent(bucket) + '/' + encodeURIComponent(prefix || '');

  function view(...children) {
    $('view').replaceChildren(...children);
  }
  function failed(e) {
    if (e instanceof SignedOut) return;
    view(el('div', {class: 'panel'}, el('p', {class: 'error', role: 'alert'}, String(e.message))));
  }

  // ---- Buckets ----------------------------------------------------------------------------
  async function showBuckets() {
    view(el('p', {class: 'status'}, 'Loading buckets…'));
    const mine = generation;
    let data;
    try { data = await api('buckets'); } catch (e) { return mine === generation && failed(e); }
    if (mine !== generation) return;
    const rows = data.buckets.map((b) => el('tr', {class: 'bucket-row', 'data-bucket': b.name},
      el('td', {}, el('a', {class: 'bucket-link', href: bucketHref(b.name, '')}, b.name)),
      el('td', {}, when(b.created)),
      el('td', {}, badge(b.versioning, b.versioning === 'Enabled' ? 'ok' :
                         b.versioning === 'Suspended' ? 'warn' : 'muted')),
      el('td', {}, b.object_lock ? badge(lockText(b), 'info') : badge('off', 'muted')),
      el('td', {class: 'num objects'}, '—'),
      el('td', {class: 'num bytes'}, '—')));
    const status = el('span', {class: 'status'});
    const count = el('button', {type: 'button', id: 'count-usage', onclick: async () => {
      count.disabled = true; status.textContent = 'Counting (scans every version)…';
      try {
        const u = await api('usage');
        const by = new Map(u.buckets.map((x) => [x.name, x]));
        for (const tr of rows) {
          const x = by.get(tr.getAttribute('data-bucket'));
          tr.querySelector('.objects').textContent = x ? String(x.current_objects) : '0';
          tr.querySelector('.bytes').textContent = x ? bytes(x.bytes) : '0 B';
        }
        status.textContent = 'Objects: current versions. Size: every version stored.';
      } catch (e) { if (!(e instanceof SignedOut)) status.textContent = e.message; }
      count.disabled = false;
    }}, 'Count objects and bytes');
    view(el('div', {class: 'panel'},
      el('h2', {}, 'Buckets'),
      el('div', {class: 'toolbar'}, count, status),
      rows.length ? el('table', {id: 'buckets'},
        el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Created'),
          el('th', {}, 'Versioning'), el('th', {}, 'Object lock'),
          el('th', {class: 'num'}, 'Objects'), el('th', {class: 'num'}, 'Size'))),
        el('tbody', {}, rows)) : el('p', {class: 'empty'}, 'No buckets yet.')));
  }
  function lockText(b) {
    const r = b.default_retention;
    if (!r) return 'enabled';
    return 'enabled, default ' + r.mode + ' ' + (r.years ? r.years + ' y' : r.days + ' d');
  }

  // ---- One bucket: prefix navigation, versions, detail panel ------------------------------
  async function showBucket(bucket, prefix) {
    const crumbs = el('div', {class: 'crumbs'},
      el('a', {href: '#/buckets'}, 'Buckets'), ' / ',
      el('a', {href: bucketHref(bucket, ''), class: 'crumb-bucket'}, bucket));
    let acc = '';
    for (const part of prefix.split('/').filter((p, i, all) => i < all.length - 1 || p)) {
      acc += part + '/';
      crumbs.append(' / ', el('a', {href: bucketHref(bucket, acc)}, part));
    }
    const tbody = el('tbody');
    const table = el('table', {id: 'objects'},
      el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {class: 'num'}, 'Size'),
        el('th', {}, 'Last modified'), el('th', {}, 'Storage class'), el('th', {}, 'Versions'))),
      tbody);
    const more = el('button', {type: 'button', id: 'more', hidden: true}, 'Load more');
    const status = el('p', {class: 'status'}, 'Loading…');
    const detail = el('aside', {id: 'detail', class: 'panel'},
      el('p', {class: 'empty'}, 'Select an object to see its details.'));
    view(el('div', {class: 'browser'},
      el('div', {class: 'panel'}, crumbs, table, status, more), detail));

    let marker = ''; let versionMarker = ''; let lastGroup = null;
    async function page() {
      more.hidden = true;
      let data;
      try {
        data = await api('objects', {bucket, prefix, marker, version_marker: versionMarker});
      } catch (e) {
        if (!(e instanceof SignedOut)) status.textContent = e.message;
        return;
      }
      for (const f of data.folders) {
        tbody.append(el('tr', {class: 'folder-row'},
          el('td', {colspan: 5}, el('a', {class: 'folder-link', href: bucketHref(bucket, f)},
            f.slice(prefix.length)))));
      }
      for (const o of data.objects) {
        // A key whose versions span two pages continues its group.
        if (lastGroup && lastGroup.key === o.key) lastGroup.add(o.versions);
        else lastGroup = objectGroup(bucket, prefix, o, tbody, detail);
      }
      status.textContent = tbody.children.length ? '' : 'Nothing here.';
      marker = data.next_marker; versionMarker = data.next_version_marker;
      more.hidden = !data.truncated;
    }
    more.addEventListener('click', page);
    await page();
  }

  function objectGroup(bucket, prefix, o, tbody, detail) {
    const versions = [];
    const latest = o.versions[0];
    const name = o.key.slice(prefix.length);
    const toggle = el('button', {type: 'button', class: 'versions-toggle link'});
    const row = el('tr', {class: 'object-row', 'data-key': o.key},
      el('td', {}, el('a', {class: 'key', href: '', onclick: (ev) => {
        ev.preventDefault(); select(row, bucket, o.key, latest.version_id, detail);
      }}, name), latest.delete_marker ? [' ', badge('deleted', 'bad')] : null),
      el('td', {class: 'num'}, latest.delete_marker ? '' : bytes(latest.size)),
      el('td', {}, when(latest.last_modified)),
      el('td', {}, latest.storage_class || ''),
      el('td', {}, toggle));
    tbody.append(row);
    let open = false;
    let after = row;
    function relabel() {
      toggle.textContent = versions.length + (versions.length === 1 ? ' version' : ' versions') +
        (open ? ' ▾' : ' ▸');
    }
    function add(list) {
      for (const v of list) {
        const vr = el('tr', {class: 'version-row', 'data-version': v.version_id, hidden: !open},
          el('td', {}, el('a', {class: 'version-link mono', href: '', onclick: (ev) => {
            ev.preventDefault(); select(vr, bucket, o.key, v.version_id, detail);
          }}, v.version_id), ' ', v.is_latest ? badge('latest', 'ok') : null,
            v.delete_marker ? [' ', badge('delete marker', 'bad')] : null),
          el('td', {class: 'num'}, v.delete_marker ? '' : bytes(v.size)),
          el('td', {}, when(v.last_modified)),
          el('td', {}, v.storage_class || ''),
          el('td', {}, ''));
        after.after(vr); after = vr;
        versions.push(vr);
      }
      relabel();
    }
    toggle.addEventListener('click', () => {
      open = !open;
      for (const vr of versions) vr.hidden = !open;
      relabel();
    });
    add(o.versions);
    return {key: o.key, add};
  }

  async function select(row, bucket, key, versionId, detail) {
    for (const r of document.querySelectorAll('tr.selected')) r.classList.remove('selected');
    row.classList.add('selected');
    detail.replaceChildren(el('p', {class: 'status'}, 'Loading…'));
    let d;
    try { d = await api('object', {bucket, key, versionId}); } catch (e) {
      if (!(e instanceof SignedOut)) {
        detail.replaceChildren(el('p', {class: 'error'}, e.message));
      }
      return;
    }
    const props = el('dl', {class: 'props'});
    const prop = (name, ...value) => props.append(el('dt', {}, name), el('dd', {}, ...value));
    prop('Key', el('span', {class: 'mono detail-key'}, d.key));
    prop('Version', el('span', {class: 'mono detail-version'}, d.version_id),
      d.is_latest ? [' ', badge('latest', 'ok')] : null);
    if (d.delete_marker) {
      prop('Type', badge('delete marker', 'bad'));
      prop('Last modified', when(d.last_modified));
      detail.replaceChildren(el('h2', {}, 'Object'), props);
      return;
    }
    prop('Size', bytes(d.size) + ' (' + d.size + ' bytes)');
    prop('ETag', el('span', {class: 'mono'}, d.etag));
    prop('Last modified', when(d.last_modified));
    prop('Storage class', el('span', {class: 'detail-class'}, d.storage_class),
      d.tier ? ' → tier ' + d.tier : '');
    if (d.parts) prop('Parts', String(d.parts));
    const ret = el('span', {class: 'retention'});
    if (d.retention) {
      ret.append(badge(d.retention.mode, d.retention.mode === 'COMPLIANCE' ? 'bad' : 'warn'),
        ' until ' + when(d.retention.retain_until),
        d.retention.active ? '' : ' (expired)');
    } else {
      ret.append('none');
    }
    prop('Retention', ret);
    prop('Legal hold', el('span', {class: 'legal-hold'},
      d.legal_hold ? badge('ON', 'bad') : 'off'));

    const tags = d.tags.length ? el('table', {class: 'tags'},
      el('thead', {}, el('tr', {}, el('th', {}, 'Tag'), el('th', {}, 'Value'))),
      el('tbody', {}, d.tags.map((t) => el('tr', {},
        el('td', {class: 'tag-key'}, t.key), el('td', {class: 'tag-value'}, t.value)))))
      : el('p', {class: 'empty tags-empty'}, 'No tags.');
    const headerNames = Object.keys(d.headers);
    const headers = headerNames.length ? el('table', {class: 'headers'},
      el('tbody', {}, headerNames.map((h) => el('tr', {},
        el('td', {class: 'mono'}, h), el('td', {class: 'mono'}, d.headers[h])))))
      : el('p', {class: 'empty'}, 'No stored headers.');
    detail.replaceChildren(el('h2', {}, 'Object'), props,
      el('h3', {}, 'Tags'), tags, el('h3', {}, 'Headers'), headers);
  }

  // ---- Tiers and drives -------------------------------------------------------------------
  async function showTiers() {
    view(el('p', {class: 'status'}, 'Loading tiers…'));
    const mine = generation;
    let data;
    try { data = await api('tiers'); } catch (e) { return mine === generation && failed(e); }
    if (mine !== generation) return;
    const classes = {};
    for (const [cls, tier] of Object.entries(data.storage_classes)) {
      (classes[tier] = classes[tier] || []).push(cls);
    }
    const panels = data.tiers.map((t) => el('div', {class: 'panel tier', 'data-tier': t.name},
      el('h3', {}, 'Tier ' + t.name + ' ',
        badge(t.drives_online + '/' + t.drives_total + ' drives online',
          t.drives_online === t.drives_total ? 'ok' :
          t.drives_online > 0 ? 'warn' : 'bad')),
      el('p', {class: 'status'}, 'Erasure ' + t.erasure + ', ' + t.sets +
        (t.sets === 1 ? ' set' : ' sets') + ', block ' + bytes(t.block_size) +
        '. Storage classes: ' + ((classes[t.name] || []).join(', ') || 'none') + '.'),
      el('table', {class: 'drives'},
        el('thead', {}, el('tr', {}, el('th', {}, 'Drive'), el('th', {}, 'Set'),
          el('th', {}, 'State'), el('th', {class: 'num'}, 'Used'),
          el('th', {class: 'num'}, 'Free'), el('th', {class: 'num'}, 'Total'), el('th', {}, ''))),
        el('tbody', {}, t.drives.map((d) => {
          const used = Math.max(0, d.bytes_total - d.bytes_free);
          const bar = el('span', {class: 'minibar', title: pct(used, d.bytes_total) + '% used'},
            el('span', {style: 'width:' + pct(used, d.bytes_total) + '%'}));
          return el('tr', {class: 'drive-row'},
            el('td', {class: 'mono'}, d.path), el('td', {}, String(d.set)),
            el('td', {}, badge(d.state, 'state-' + d.state.replace(/[^a-z]/g, ''))),
            el('td', {class: 'num'}, bytes(used)), el('td', {class: 'num'}, bytes(d.bytes_free)),
            el('td', {class: 'num'}, bytes(d.bytes_total)), el('td', {}, bar));
        })))));
    view(el('div', {class: 'panel'}, el('h2', {}, 'Capacity per tier'), chart(data.tiers),
      el('div', {class: 'legend'},
        el('span', {}, el('span', {class: 'swatch', style: 'background:var(--used)'}), 'used'),
        el('span', {}, el('span', {class: 'swatch', style: 'background:var(--free)'}), 'free')),
      el('p', {class: 'status'}, 'Sums of each drive\'s file system; drives that share a ' +
        'file system are counted once each.')),
      ...panels);
  }

  // One horizontal bar per tier: used and free, scaled to the largest tier.
  function chart(tiers) {
    const rowH = 34; const labelW = 110; const barW = 520; const valueW = 260;
    const width = labelW + barW + valueW; const height = Math.max(1, tiers.length) * rowH + 8;
    const max = Math.max(1, ...tiers.map((t) => t.bytes_total));
    const root = svg('svg', {id: 'capacity-chart', class: 'chart', width, height,
      viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'Capacity per tier'});
    tiers.forEach((t, i) => {
      const y = 4 + i * rowH;
      const used = Math.max(0, t.bytes_total - t.bytes_free);
      const total = t.bytes_total / max * barW;
      const usedW = t.bytes_total > 0 ? used / t.bytes_total * total : 0;
      const g = svg('g', {class: 'tier-bar', 'data-tier': t.name});
      g.append(svg('text', {class: 'label', x: 0, y: y + 18}, t.name));
      g.append(svg('rect', {class: 'bar-free', x: labelW, y, width: total.toFixed(1),
        height: 24, rx: 3}));
      const u = svg('rect', {class: 'bar-used', x: labelW, y, width: usedW.toFixed(1),
        height: 24, rx: 3});
      u.append(svg('title', {}, t.name + ': ' + bytes(used) + ' used of ' + bytes(t.bytes_total)));
      g.append(u);
      g.append(svg('text', {class: 'value', x: labelW + barW + 10, y: y + 18},
        bytes(used) + ' of ' + bytes(t.bytes_total) + ' (' + pct(used, t.bytes_total) + '%)'));
      root.append(g);
    });
    return root;
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', signIn);
    $('logout').addEventListener('click', signOut);
    window.addEventListener('hashchange', route);
    start();
  });
})();
)JS";

}  // namespace

std::string_view ConsoleHtml() { return kHtml; }
std::string_view ConsoleCss() { return kCss; }
std::string_view ConsoleJs() { return kJs; }

}  // namespace strata::server
