// tandemd dashboard: everything here is read by POSTing the ordinary JSON control commands
// (Kea's protocol) to the listener that served this page, so the browser reuses its basic
// auth credentials and TLS session, and the page shows what tandemctl and kea-shell show.
// No library, no other origin (the server's Content-Security-Policy forbids both).
'use strict';
(function () {
  const POLL_MS = 1500;          // status-get + statistic-get-all every 1.5 s
  const POINTS = 160;            // chart history: 4 minutes at 1.5 s
  const SVGNS = 'http://www.w3.org/2000/svg';
  const NORMAL = ['load-balancing', 'hot-standby', 'passive-backup', 'backup'];
  const SKEW_WARN = 30;          // s, as tandemctl ha status (Kea terminates above 60 s)

  // Lease activity: [label, statistic names summed, class]. Drops sum every pkt4-*-drop
  // counter (Kea's pkt4-receive-drop and tandemd's own drop counters).
  const DORA = [
    ['DISCOVER', ['pkt4-discover-received'], 's-discover'],
    ['OFFER', ['pkt4-offer-sent'], 's-offer'],
    ['REQUEST', ['pkt4-request-received'], 's-request'],
    ['ACK', ['pkt4-ack-sent'], 's-ack'],
  ];
  const TROUBLE = [
    ['NAK', ['pkt4-nak-sent'], 's-nak'],
    ['DECLINE', ['pkt4-decline-received'], 's-decline'],
    ['RELEASE', ['pkt4-release-received'], 's-release'],
    ['drops', [/^pkt4-[a-z0-9-]*drop$/], 's-drop'],
  ];

  const st = {
    reload: null,           // status-get "reload" of the config we hold
    subnets: new Map(),     // id -> {prefix, network, pools: [text]}
    prevCounters: null,     // {time, values}
    rates: new Map(),       // label -> [rate...]
    trend: new Map(),       // statistic name -> [value...]
    partnerSeen: [],        // [{time, state}], newest first
    polls: 0,
  };

  // ---- helpers ----------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }

  function replace(parent, ...children) {
    parent.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
  }

  async function command(name, args) {
    const body = { command: name };
    if (args !== undefined) body.arguments = args;
    // location.origin, not a relative URL: a page opened with user:password@ in its address
    // must not put the credentials into a request URL (fetch refuses those); the browser
    // sends the credentials it used for the page.
    const r = await fetch(location.origin + '/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (!r.ok) throw new Error(name + ': HTTP ' + r.status);
    const j = await r.json();
    return Array.isArray(j) ? j[0] : j;  // Control Agent style answers are lists
  }

  function fmtNum(n) { return n === undefined || n === null ? '-' : Number(n).toLocaleString('en-US'); }
  function fmtDuration(s) {
    if (s === undefined || s === null) return '-';
    s = Math.max(0, Math.round(s));
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.floor(s / 60) + ' min';
    if (s < 172800) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d';
  }
  function pct(a, t) { return t > 0 ? (100 * a) / t : 0; }
  // Times in UTC, like status-get's system-time and the state history.
  function clock(d) { return d.toISOString().slice(11, 19); }
  function utc(d) { return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC'; }
  function badge(s, text) { return el('span', { class: stateClass(s) }, text === undefined ? s : text); }
  function push(map, key, v) {
    let a = map.get(key);
    if (!a) { a = []; map.set(key, a); }
    a.push(v);
    if (a.length > POINTS) a.shift();
  }
  function stateClass(s) {
    if (!s || s === 'unavailable' || s === 'terminated') return 'state bad';
    if (NORMAL.includes(s)) return 'state ok';
    if (s === 'partner-down' || s === 'communication-recovery' || s.includes('maintenance')) return 'state warn';
    return 'state busy';
  }

  // ---- configuration: subnet prefixes, shared-network names, pool ranges --------------------
  function readConfig(args) {
    const d = (args && (args.Dhcp4 || args)) || {};
    const subnets = new Map();
    let auto = 0;
    const add = (s, network) => {
      // Kea numbers subnets without an id in order; explicit ids are the norm in HA setups.
      const id = s.id !== undefined ? s.id : ++auto;
      auto = Math.max(auto, id);
      subnets.set(id, {
        prefix: s.subnet || '?',
        network: network || '',
        pools: (s.pools || []).map((p) => String(p.pool || '').replace(/\s+/g, '')),
      });
    };
    for (const s of d.subnet4 || []) add(s, '');
    for (const n of d['shared-networks'] || []) for (const s of n.subnet4 || []) add(s, n.name);
    st.subnets = subnets;
  }

  // ---- the HA pair --------------------------------------------------------------------------
  function assess(local, remote) {
    const problems = [];
    if (!NORMAL.includes(local.state)) {
      problems.push('this server (' + local['server-name'] + ') is in ' + local.state +
                    (local['state-reason'] ? ': ' + local['state-reason'] : ''));
    }
    if (remote) {
      const last = remote['last-state'];
      if (!remote['in-touch'] || !last || last === 'unavailable') {
        problems.push('partner ' + remote['server-name'] + ' is unreachable (no heartbeat answer)');
      } else if (!NORMAL.includes(last)) {
        problems.push('partner ' + remote['server-name'] + ' is in ' + last);
      }
      if (remote['communication-interrupted']) problems.push('communication with ' + remote['server-name'] + ' is interrupted');
      if (remote['clock-skew'] !== null && Math.abs(remote['clock-skew']) > SKEW_WARN) {
        problems.push('clock skew with ' + remote['server-name'] + ' is ' + remote['clock-skew'] + ' s');
      }
    }
    return problems;
  }

  function row(label, value, field, cls) {
    return el('tr', {}, el('th', {}, label), el('td', { 'data-field': field, class: cls }, value));
  }

  function peerCard(kind, p) {
    const title = kind === 'local' ? 'this server' : 'partner';
    return el('div', { class: 'peer', 'data-peer': kind },
      el('h3', {}, el('span', { 'data-field': 'name' }, p.name), ' ', el('span', { class: 'muted' }, '(' + title + ', ' + p.role + ')')),
      el('div', { class: stateClass(p.state), 'data-field': 'state' }, p.stateText),
      el('table', { class: 'kv' }, p.rows));
  }

  function renderPair(status) {
    const ha = status['high-availability'];
    if (!Array.isArray(ha) || ha.length === 0) {
      replace($('pair-verdict'), 'not configured');
      $('pair-verdict').dataset.health = 'none';
      replace($('peers'), el('p', { class: 'muted' }, 'This server runs without high availability.'));
      return;
    }
    const servers = ha[0]['ha-servers'] || {};
    const local = servers.local || {};
    const remote = servers.remote || null;
    $('server-name').textContent = local['server-name'] || '';
    document.title = 'tandemd ' + (local['server-name'] || '');

    const history = local['state-history'] || [];
    const since = history.length ? history[history.length - 1].age : null;
    const sync = local.sync || {};
    let syncText = 'idle';
    if (sync['in-progress']) {
      const r = sync['in-progress'];
      syncText = 'pulling from ' + r.peer + ': ' + fmtNum(r['leases-received']) + ' leases, ' + r.pages + ' pages';
    } else if (sync.last) {
      syncText = 'last ' + sync.last.result + ' from ' + sync.last.peer + ' (' + fmtNum(sync.last.leases) + ' leases, ' +
        sync.last['duration-ms'] + ' ms)';
    }
    const localRows = [
      row('reason', local['state-reason'] || '-', 'reason'),
      row('in state for', fmtDuration(since), 'since'),
      row('scopes served', (local.scopes || []).join(', ') || '(none)', 'scopes'),
      row('unsent updates', fmtNum(local['unsent-update-count']), 'unsent'),
      row('lease sync', syncText, 'sync'),
      row('mode', ha[0]['ha-mode'], 'mode'),
    ];
    const cards = [peerCard('local', { name: local['server-name'], role: local.role, state: local.state,
                                       stateText: local.state, rows: localRows })];
    if (remote) {
      const last = remote['last-state'];
      const reachable = remote['in-touch'] && last && last !== 'unavailable';
      const skew = remote['clock-skew'];
      const remoteRows = [
        row('last heartbeat', remote['in-touch'] ? fmtDuration(remote.age) + ' ago' : 'never / lost', 'heartbeat'),
        row('scopes served', (remote['last-scopes'] || []).join(', ') || '(none)', 'scopes'),
        row('clock skew', skew === null || skew === undefined ? '-' : (skew > 0 ? '+' : '') + skew + ' s', 'skew',
            skew !== null && Math.abs(skew) > SKEW_WARN ? 'bad' : ''),
        row('communication', remote['communication-interrupted'] ? 'interrupted' : 'ok', 'comm',
            remote['communication-interrupted'] ? 'bad' : ''),
        row('unacked / connecting clients', fmtNum(remote['unacked-clients']) + ' / ' + fmtNum(remote['connecting-clients']), 'unacked'),
        row('unsent updates', fmtNum(remote['unsent-update-count']), 'unsent'),
      ];
      cards.push(peerCard('remote', { name: remote['server-name'], role: remote.role, state: reachable ? last : 'unavailable',
                                      stateText: reachable ? last : 'unreachable' + (last && last !== 'unavailable' ? ' (was ' + last + ')' : ''),
                                      rows: remoteRows }));
      const seen = reachable ? last : 'unreachable';
      if (!st.partnerSeen.length || st.partnerSeen[0].state !== seen) {
        st.partnerSeen.unshift({ time: new Date(), state: seen });
        if (st.partnerSeen.length > 20) st.partnerSeen.pop();
      }
    }
    replace($('peers'), cards);

    const problems = assess(local, remote);
    const v = $('pair-verdict');
    v.textContent = problems.length ? 'degraded' : 'healthy';
    v.dataset.health = problems.length ? 'degraded' : 'healthy';
    v.className = 'verdict ' + (problems.length ? 'warn' : 'ok');
    replace($('pair-problems'), problems.map((p) => el('div', {}, p)));

    replace($('history').tBodies[0], history.slice().reverse().map((h) =>
      el('tr', {}, el('td', { class: 'nowrap' }, String(h.time).slice(5)), el('td', {}, badge(h.from)),
         el('td', {}, badge(h.to)), el('td', {}, h.reason || ''))));
    replace($('partner-history').tBodies[0], st.partnerSeen.map((p) =>
      el('tr', {}, el('td', {}, clock(p.time)), el('td', {}, badge(p.state === 'unreachable' ? '' : p.state, p.state)))));
  }

  // ---- statistics ---------------------------------------------------------------------------
  function current(stats, name) {
    const s = stats[name];
    return Array.isArray(s) && s.length && Array.isArray(s[0]) ? Number(s[0][0]) : undefined;
  }

  function counterSum(stats, names) {
    let sum = 0;
    for (const n of names) {
      if (n instanceof RegExp) {
        for (const k of Object.keys(stats)) if (n.test(k)) sum += current(stats, k) || 0;
      } else {
        sum += current(stats, n) || 0;
      }
    }
    return sum;
  }

  function renderActivity(stats) {
    const now = performance.now() / 1000;
    const values = {};
    for (const [label, names] of DORA.concat(TROUBLE)) values[label] = counterSum(stats, names);
    if (st.prevCounters) {
      const dt = now - st.prevCounters.time;
      for (const [label] of DORA.concat(TROUBLE)) {
        const d = values[label] - st.prevCounters.values[label];
        push(st.rates, label, dt > 0 && d > 0 ? d / dt : 0);  // a reset counter is no negative rate
      }
    }
    st.prevCounters = { time: now, values };
    replace($('charts'), chart('DORA', DORA), chart('NAK, DECLINE, RELEASE, drops', TROUBLE));
    const counters = [
      ['received', 'pkt4-received'], ['DISCOVER', 'pkt4-discover-received'], ['OFFER', 'pkt4-offer-sent'],
      ['REQUEST', 'pkt4-request-received'], ['ACK', 'pkt4-ack-sent'], ['NAK', 'pkt4-nak-sent'],
      ['DECLINE', 'pkt4-decline-received'], ['RELEASE', 'pkt4-release-received'], ['INFORM', 'pkt4-inform-received'],
      ['receive drops', 'pkt4-receive-drop'], ['parse failures', 'pkt4-parse-failed'],
      ['allocation failures', 'v4-allocation-fail'],
    ];
    replace($('counters'), counters.map(([label, name]) =>
      el('div', { class: 'counter' }, el('span', { class: 'muted' }, label),
         el('b', { 'data-stat': name }, fmtNum(current(stats, name) || 0)))));
  }

  // A line chart of per-second rates: one polyline per series, y scaled to a round maximum.
  function chart(title, series) {
    const W = 600, H = 160, L = 44, B = 18, T = 8;
    let max = 0;
    for (const [label] of series) for (const v of st.rates.get(label) || []) max = Math.max(max, v);
    const top = niceMax(max);
    const box = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
    for (let i = 0; i <= 4; i++) {
      const y = T + ((H - T - B) * i) / 4;
      box.append(svg('line', { x1: L, x2: W, y1: y, y2: y, class: 'gridline' }));
      const t = svg('text', { x: L - 4, y: y + 4, class: 'axis', 'text-anchor': 'end' });
      t.textContent = fmtRate((top * (4 - i)) / 4);
      box.append(t);
    }
    const xlab = svg('text', { x: W, y: H - 4, class: 'axis', 'text-anchor': 'end' });
    xlab.textContent = 'now';
    box.append(xlab);
    const xl = svg('text', { x: L, y: H - 4, class: 'axis' });
    xl.textContent = '-' + Math.round((POINTS * POLL_MS) / 60000) + ' min';
    box.append(xl);
    const legend = [];
    for (const [label, , cls] of series) {
      const data = st.rates.get(label) || [];
      const pts = data.map((v, i) => {
        const x = L + ((W - L) * (POINTS - data.length + i)) / (POINTS - 1);
        const y = T + (H - T - B) * (1 - v / top);
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      if (pts.length > 1) box.append(svg('polyline', { points: pts.join(' '), class: 'line ' + cls }));
      const last = data.length ? data[data.length - 1] : 0;
      legend.push(el('span', { class: 'legend ' + cls, 'data-rate': label }, label + ' ' + fmtRate(last) + '/s'));
    }
    return el('figure', { class: 'chart-box' }, el('figcaption', {}, title, ' ', legend), box);
  }

  function niceMax(v) {
    if (v <= 1) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }
  function fmtRate(v) {
    if (v >= 100) return Math.round(v).toString();
    return (v >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\.?0+$/, '') || '0';
  }

  function renderPools(stats) {
    // Every subnet and pool that has statistics, with the config's names for them.
    const ids = new Set();
    for (const k of Object.keys(stats)) {
      const m = /^subnet\[(\d+)\]\.total-addresses$/.exec(k);
      if (m) ids.add(Number(m[1]));
    }
    const rows = [];
    for (const id of [...ids].sort((a, b) => a - b)) {
      const cfg = st.subnets.get(id) || { prefix: '', network: '', pools: [] };
      const label = `subnet ${id}` + (cfg.prefix ? ' ' + cfg.prefix : '') + (cfg.network ? ' (' + cfg.network + ')' : '');
      rows.push(poolRow(stats, `subnet[${id}]`, label, 'subnet'));
      for (let i = 0; current(stats, `subnet[${id}].pool[${i}].total-addresses`) !== undefined; i++) {
        rows.push(poolRow(stats, `subnet[${id}].pool[${i}]`, 'pool ' + (cfg.pools[i] || i), 'pool'));
      }
    }
    if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'no subnets')));
    replace($('pool-table').tBodies[0], rows);
  }

  function poolRow(stats, scope, label, cls) {
    const a = current(stats, scope + '.assigned-addresses') || 0;
    const d = current(stats, scope + '.declined-addresses') || 0;
    const t = current(stats, scope + '.total-addresses') || 0;
    push(st.trend, scope, a);
    const use = pct(a + d, t);
    const bar = svg('svg', { viewBox: '0 0 100 10', class: 'bar', preserveAspectRatio: 'none' });
    bar.append(svg('rect', { x: 0, y: 0, width: 100, height: 10, class: 'bar-bg' }));
    bar.append(svg('rect', { x: 0, y: 0, width: Math.min(100, pct(a, t)).toFixed(2), height: 10,
                             class: use >= 90 ? 'bar-fg bad' : use >= 75 ? 'bar-fg warn' : 'bar-fg' }));
    return el('tr', { class: cls, 'data-scope': scope },
      el('td', {}, label),
      el('td', { 'data-stat': scope + '.assigned-addresses' }, fmtNum(a)),
      el('td', { 'data-stat': scope + '.declined-addresses' }, fmtNum(d)),
      el('td', { 'data-stat': scope + '.total-addresses' }, fmtNum(t)),
      el('td', { class: 'use' }, bar, ' ', use.toFixed(1) + ' %'),
      el('td', {}, sparkline(st.trend.get(scope))));
  }

  function sparkline(data) {
    const W = 120, H = 20;
    const box = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'spark' });
    if (!data || data.length < 2) return box;
    const lo = Math.min(...data), hi = Math.max(...data);
    const span = hi - lo || 1;
    const pts = data.map((v, i) => {
      const x = (W * (POINTS - data.length + i)) / (POINTS - 1);
      const y = hi === lo ? H / 2 : H - 2 - ((H - 4) * (v - lo)) / span;
      return x.toFixed(1) + ',' + y.toFixed(1);
    });
    box.append(svg('polyline', { points: pts.join(' '), class: 'line s-ack' }));
    return box;
  }

  // ---- lease search -------------------------------------------------------------------------
  const STATES = { 0: 'default', 1: 'declined', 2: 'expired-reclaimed' };

  function searchCommand(kind, text) {
    if (kind === 'auto') {
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) kind = 'address';
      else if (/^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(text)) kind = 'mac';
      else if (/^[0-9a-f]{2}([:-][0-9a-f]{2})+$/i.test(text)) kind = 'client-id';
      else kind = 'hostname';
    }
    switch (kind) {
      case 'address': return ['lease4-get', { 'ip-address': text }];
      case 'mac': return ['lease4-get-by-hw-address', { 'hw-address': text.replace(/-/g, ':').toLowerCase() }];
      case 'client-id': return ['lease4-get-by-client-id', { 'client-id': text.replace(/-/g, ':').toLowerCase() }];
      default: return ['lease4-get-by-hostname', { hostname: text }];
    }
  }

  async function search(ev) {
    ev.preventDefault();
    const text = $('search-text').value.trim();
    const out = $('search-result');
    if (!text) { replace(out); return; }
    const [name, args] = searchCommand($('search-kind').value, text);
    out.dataset.state = 'busy';
    replace(out, el('p', { class: 'muted' }, name + ' ...'));
    try {
      const a = await command(name, args);
      let leases = [];
      if (a.result === 0) leases = name === 'lease4-get' ? [a.arguments] : (a.arguments && a.arguments.leases) || [];
      else if (a.result !== 3) throw new Error(a.text || 'result ' + a.result);
      out.dataset.count = String(leases.length);
      if (!leases.length) {
        replace(out, el('p', { class: 'muted' }, 'No lease (' + name + ').'));
      } else {
        const now = Date.now() / 1000;
        replace(out, el('table', { class: 'grid', id: 'search-table' },
          el('thead', {}, el('tr', {}, ['address', 'MAC', 'client-id', 'hostname', 'subnet', 'state', 'expires'].map((h) => el('th', {}, h)))),
          el('tbody', {}, leases.map((l) => {
            const exp = (l.cltt || 0) + (l['valid-lft'] || 0);
            return el('tr', { 'data-address': l['ip-address'] },
              el('td', {}, l['ip-address']), el('td', {}, l['hw-address'] || ''), el('td', {}, l['client-id'] || ''),
              el('td', {}, l.hostname || ''), el('td', {}, l['subnet-id']), el('td', {}, STATES[l.state] || l.state),
              el('td', {}, utc(new Date(exp * 1000)) + (exp > now ? ' (in ' + fmtDuration(exp - now) + ')' : ' (expired)')));
          }))));
      }
      out.dataset.state = 'done';
    } catch (e) {
      out.dataset.state = 'error';
      replace(out, el('p', { class: 'bad' }, 'Search failed: ' + e.message));
    }
  }

  // ---- polling ------------------------------------------------------------------------------
  async function poll() {
    try {
      const [status, stats] = await Promise.all([command('status-get'), command('statistic-get-all')]);
      if (status.result !== 0) throw new Error('status-get: ' + status.text);
      if (stats.result !== 0) throw new Error('statistic-get-all: ' + stats.text);
      const s = status.arguments || {};
      // Config again after a reload (its age went down), for new subnets and pools.
      if (st.reload === null || s.reload < st.reload) {
        const cfg = await command('config-get');
        if (cfg.result === 0) readConfig(cfg.arguments);
      }
      st.reload = s.reload;
      $('uptime').textContent = 'up ' + fmtDuration(s.uptime) + ', pid ' + s.pid +
        (s['dhcp-state'] && s['dhcp-state']['globally-disabled'] ? ', DHCP DISABLED' : '');
      renderPair(s);
      renderActivity(stats.arguments || {});
      renderPools(stats.arguments || {});
      st.polls++;
      const c = $('conn');
      c.textContent = 'live, ' + clock(new Date()) + ' UTC';
      c.dataset.conn = 'ok';
      c.className = 'conn ok';
      document.body.dataset.polls = String(st.polls);
    } catch (e) {
      const c = $('conn');
      c.textContent = 'no answer from the server (' + e.message + '), retrying';
      c.dataset.conn = 'error';
      c.className = 'conn bad';
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  async function start() {
    $('poll-interval').textContent = String(POLL_MS / 1000);
    $('search-form').addEventListener('submit', search);
    try {
      const v = await command('version-get');
      if (v.result === 0) $('version').textContent = v.text;
    } catch (e) {
      // poll() reports the connection state.
    }
    poll();
  }

  start();
})();
