// The nas dashboard: one page, three views (experiments, one experiment, compare), drawn from
// the server's JSON endpoints or from the document nas-report --html embeds. Charts are
// Chart.js's; this file only arranges data for them.
'use strict';
(function () {
  const STATUS_COLORS = {
    completed: '#2563eb', culled: '#f59e0b', failed: '#dc2626', interrupted: '#9ca3af',
    running: '#16a34a', rejected: '#7c3aed',
  };
  const POLL_MS = 3000;
  const state = {
    errors: [], charts: {}, view: '', updates: 0, timer: null, generation: 0,
    embedded: null, data: null, selected: null, detail: null,
    sort: { key: 'id', dir: 1 }, filter: 'all', logLatency: false, choice: null,
  };

  // ---- What went wrong, for the page and for tests (#nas-selftest) ----
  function note(message) {
    state.errors.push(String(message));
    selftest();
  }
  window.addEventListener('error', (e) => note(e.message || 'error'));
  window.addEventListener('unhandledrejection', (e) =>
    note('unhandled: ' + ((e.reason && e.reason.message) || e.reason)));
  const consoleError = console.error.bind(console);
  console.error = function (...args) { note(args.join(' ')); consoleError(...args); };

  function drawnPixels(chart) {
    try {
      const c = chart.canvas;
      const img = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < img.length; i += 16) if (img[i] > 0) n++;
      return n;
    } catch (e) { return -1; }
  }
  function selftest() {
    const out = document.getElementById('nas-selftest');
    if (!out) return;
    const charts = {};
    for (const [key, chart] of Object.entries(state.charts)) {
      charts[key] = {
        points: chart.data.datasets.reduce((n, d) => n + d.data.length, 0),
        pixels: drawnPixels(chart),
      };
    }
    out.textContent = JSON.stringify({
      view: state.view, updates: state.updates, errors: state.errors, charts,
      rows: document.querySelectorAll('#trials tbody tr').length,
      experiments: document.querySelectorAll('#experiments tbody tr').length,
      status: state.data && state.data.status, live: !!(state.data && state.data.live),
      detail: state.detail,
    });
  }

  // ---- Small helpers ----
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }
  const has = (v) => v !== null && v !== undefined && !(typeof v === 'number' && !isFinite(v));
  const fixed = (v, d) => (has(v) ? Number(v).toFixed(d) : '–');
  const pct = (v) => (has(v) ? Number(v).toFixed(2) + '%' : '–');
  const ms = (v) => (has(v) ? Number(v).toFixed(3) + ' ms' : '–');
  const grouped = (v) => (has(v) ? Math.round(v).toLocaleString('en-US') : '–');
  function human(v) {
    if (!has(v)) return '–';
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (a >= 1e3) return (v / 1e3).toFixed(1) + 'k';
    return String(v);
  }
  function duration(s) {
    if (!has(s)) return '–';
    s = Math.max(0, s);
    if (s < 60) return s.toFixed(1) + 's';
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = Math.floor(s % 60);
    if (h > 0) return h + 'h ' + String(m).padStart(2, '0') + 'm';
    return m + 'm ' + String(r).padStart(2, '0') + 's';
  }
  const plural = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');
  function alpha(hex, a) {
    const n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }
  const badge = (status) => el('span', { class: 'badge ' + status, text: status });
  function card(key, value, sub) {
    return el('div', { class: 'card' }, el('div', { class: 'k', text: key }),
      el('div', { class: 'v', text: value }), sub ? el('div', { class: 's', text: sub }) : null);
  }
  function banner(text, isError) {
    const b = document.getElementById('banner');
    b.hidden = !text;
    b.className = 'banner' + (isError ? ' error' : '');
    b.textContent = text || '';
  }
  function setLive(text, on) {
    const l = document.getElementById('live');
    l.textContent = text;
    l.className = 'live' + (on ? ' on' : '');
  }
  function crumbs(...items) {
    const nav = document.getElementById('crumbs');
    nav.replaceChildren();
    items.forEach((item, i) => {
      if (i > 0) nav.appendChild(el('span', { class: 'sep', text: '/' }));
      nav.appendChild(item.href ? el('a', { href: item.href, text: item.text }) : el('span', { text: item.text }));
    });
  }
  async function getJSON(url) {
    const r = await fetch(url, { cache: 'no-store' });
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (!r.ok) throw new Error((body && body.error) || (r.status + ' ' + r.statusText));
    return body;
  }
  function destroyCharts() {
    for (const c of Object.values(state.charts)) c.destroy();
    state.charts = {};
  }
  // Creates the chart the first time, then only swaps its data (no flicker while polling).
  function chart(key, canvas, config) {
    const old = state.charts[key];
    if (old && old.canvas === canvas) {
      old.data = config.data;
      old.options = config.options;
      old.update('none');
      return old;
    }
    if (old) old.destroy();
    state.charts[key] = new Chart(canvas, config);
    return state.charts[key];
  }
  function clickSelects(getId) {
    return (evt, elements, c) => {
      if (!elements.length) return;
      const id = getId(c.data.datasets[elements[0].datasetIndex], elements[0].index);
      if (has(id)) location.hash = '#/e/' + encodeURIComponent(state.data.id) + '/t/' + id;
    };
  }

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';
  Chart.defaults.color = '#4b5563';

  // ---- Router ----
  function route() {
    state.generation++;
    clearTimeout(state.timer);
    const hash = location.hash.replace(/^#/, '') || '/';
    const parts = hash.split('/').filter(Boolean).map(decodeURIComponent);
    banner('');
    if (state.embedded) {
      const trial = parts[0] === 'e' && parts[2] === 't' ? Number(parts[3]) : null;
      return showExperiment(state.embedded.experiment.id, trial);
    }
    if (parts[0] === 'e' && parts[1]) {
      return showExperiment(parts[1], parts[2] === 't' ? Number(parts[3]) : null);
    }
    if (parts[0] === 'compare' && parts[1]) return showCompare(parts[1].split(','));
    return showIndex();
  }

  // ---- Experiments ----
  async function showIndex() {
    const generation = state.generation;
    if (state.view !== 'index') { destroyCharts(); state.view = 'index'; state.data = null; }
    crumbs({ text: 'experiments' });
    let data;
    try {
      data = await getJSON('api/experiments');
    } catch (e) {
      banner('Cannot read the experiments: ' + e.message, true);
      return;
    }
    if (generation !== state.generation) return;
    const chosen = new Set();
    const compareButton = el('button', {
      class: 'primary', disabled: true,
      onclick: () => { location.hash = '#/compare/' + [...chosen].map(encodeURIComponent).join(','); },
    }, 'Compare selected');
    const rows = data.experiments.map((x) => el('tr', {
      onclick: (e) => { if (e.target.tagName !== 'INPUT') location.hash = '#/e/' + encodeURIComponent(x.id); },
    },
    el('td', { class: 'l' }, el('input', {
      type: 'checkbox', 'aria-label': 'compare ' + x.id,
      onchange: (e) => {
        if (e.target.checked) chosen.add(x.id); else chosen.delete(x.id);
        compareButton.disabled = chosen.size < 2;
      },
    })),
    el('td', { class: 'l' }, el('a', { href: '#/e/' + encodeURIComponent(x.id), text: x.id })),
    el('td', { class: 'l', text: x.name || '' }),
    el('td', { class: 'l' }, badge(x.status)),
    el('td', { text: x.trials }),
    el('td', { text: fixed(x.best_metric, 4) }),
    el('td', { class: 'l', text: x.created || '' }),
    el('td', { class: 'l muted', text: x.problem || '' })));
    const view = document.getElementById('view');
    view.replaceChildren(
      el('h1', { text: 'Experiments' }),
      el('p', { class: 'muted', text: data.root }),
      el('div', { class: 'toolbar' }, compareButton,
        el('span', { class: 'muted', text: 'tick two or more to compare them' })),
      el('div', { class: 'panel' }, data.experiments.length ? el('table', { id: 'experiments' },
        el('thead', {}, el('tr', {}, ['', 'id', 'name', 'status', 'trials', 'best metric', 'created', '']
          .map((h, i) => el('th', { class: i === 4 || i === 5 ? '' : 'l', text: h })))),
        el('tbody', {}, rows))
        : el('p', { class: 'muted', text: 'No experiments yet: start one with nas search.' })));
    const running = data.experiments.some((x) => x.status === 'running');
    setLive(running ? 'a search is running' : '', running);
    state.updates++;
    selftest();
    if (running) state.timer = setTimeout(() => { if (generation === state.generation) showIndex(); }, POLL_MS * 2);
  }

  // ---- One experiment ----
  async function showExperiment(id, trial) {
    const generation = state.generation;
    if (state.view !== 'experiment:' + id) {
      destroyCharts();
      state.view = 'experiment:' + id;
      state.data = null;
      document.getElementById('view').replaceChildren(el('p', { class: 'muted', text: 'Loading ' + id + '…' }));
    }
    state.selected = has(trial) && !isNaN(trial) ? trial : null;
    let data;
    try {
      data = state.embedded ? state.embedded.experiment : await getJSON('api/experiments/' + encodeURIComponent(id));
    } catch (e) {
      if (state.data && state.data.id === id) {
        // A search's own server stops with the search: keep what was last received.
        banner('Lost the dashboard server (' + e.message + '): showing the data last received. nas-report --serve shows the experiment again.', false);
        setLive('disconnected', false);
      } else {
        banner('Cannot read experiment ' + id + ': ' + e.message, true);
      }
      return;
    }
    if (generation !== state.generation) return;
    state.data = data;
    renderExperiment(data);
    state.updates++;
    if (data.live && !state.embedded) {
      setLive('live · updated ' + new Date().toLocaleTimeString(), true);
      state.timer = setTimeout(() => { if (generation === state.generation) showExperiment(id, state.selected); }, POLL_MS);
    } else {
      setLive(state.embedded ? 'snapshot' : data.status === 'running' ? '' : 'search ' + data.status, false);
    }
    await showDetail(data, generation);
    selftest();
  }

  function ensureLayout(data) {
    const view = document.getElementById('view');
    if (view.dataset.experiment === data.id) return;
    view.dataset.experiment = data.id;
    const canvas = (id) => el('canvas', { id: 'chart-' + id });
    const panel = (title, id, extra, cls) => el('div', { class: 'panel ' + (cls || '') },
      el('div', { class: 'chart-head' }, el('h2', { text: title }), extra || null),
      el('div', { class: 'chart-box' + (id === 'timeline' ? ' tall' : '') }, canvas(id)));
    const logToggle = el('label', { class: 'muted' }, el('input', {
      type: 'checkbox', id: 'log-latency',
      onchange: (e) => { state.logLatency = e.target.checked; renderCharts(state.data); },
    }), ' log latency');
    const choiceSelect = el('select', {
      id: 'choice-label',
      onchange: (e) => { state.choice = e.target.value; renderCharts(state.data); },
    });
    const filter = el('select', {
      id: 'status-filter',
      onchange: (e) => { state.filter = e.target.value; renderTable(state.data); },
    }, ['all', 'completed', 'culled', 'failed', 'interrupted', 'rejected', 'running'].map((s) => el('option', { value: s, text: s })));
    view.replaceChildren(
      el('h1', { id: 'title' }),
      el('p', { id: 'subtitle', class: 'muted' }),
      el('div', { id: 'problems' }),
      el('div', { id: 'cards', class: 'cards' }),
      el('div', { id: 'deploy', class: 'muted', style: 'margin:12px 0 14px' }),
      el('div', { class: 'grid' },
        panel('Accuracy against latency (Pareto front)', 'scatter', logToggle),
        panel('Metric per epoch, with cull thresholds', 'curves'),
        panel('Best metric so far, by finished trials', 'best-trials'),
        panel('Best metric so far, by search time', 'best-time'),
        panel('Trials over time, per slot', 'timeline', null, 'wide'),
        panel('Which choices the best quarter shares', 'choices', choiceSelect, 'wide')),
      el('div', { class: 'panel', style: 'margin-top:14px' },
        el('div', { class: 'toolbar' }, el('h2', { text: 'Trials', style: 'margin:0 auto 0 0' }),
          el('span', { class: 'muted' }, 'status '), filter),
        el('div', { class: 'table-wrap' }, el('table', { id: 'trials' }, el('thead'), el('tbody')))),
      el('div', { id: 'detail', class: 'detail' }),
      el('details', { class: 'panel', style: 'margin-top:14px' }, el('summary', { text: 'Options and environment' }),
        el('div', { id: 'options' })));
  }

  function renderExperiment(data) {
    const r = data.report, e = r.experiment;
    crumbs({ text: 'experiments', href: state.embedded ? null : '#/' }, { text: data.id });
    ensureLayout(data);
    document.getElementById('title').replaceChildren(e.name || data.id, ' ', badge(data.status));
    const o = e.options;
    document.getElementById('subtitle').textContent = [
      o.strategy + ' search', e.dataset.name,
      plural(o.epochs, 'epoch') + ' per trial', 'cull ratio ' + o.cull_ratio,
      has(o.target_latency_ms) ? o.reward + ' reward, target ' + ms(o.target_latency_ms) : null,
      has(o.max_latency_ms) ? 'max latency ' + ms(o.max_latency_ms) : null,
      o.latency_table ? 'latencies predicted for ' + o.latency_table.device + ' (latency table)' : null,
      has(o.max_macs) ? 'max ' + human(o.max_macs) + ' MACs' : null,
      has(o.max_params) ? 'max ' + human(o.max_params) + ' params' : null,
      has(o.time_budget_seconds) ? 'time budget ' + duration(o.time_budget_seconds) : null,
      e.ended_by === 'time_budget' ? 'ended by its time budget' : null,
      'seed ' + e.seed, 'created ' + e.created].filter(Boolean).join(' · ') + (data.hint ? ' — ' + data.hint : '');
    const problems = document.getElementById('problems');
    const other = r.other_data_retrains || [];
    problems.replaceChildren(...r.problems.map((p) => el('div', { class: 'warn', text: '⚠ skipped: ' + p })),
      ...(other.length ? [el('div', {
        class: 'muted',
        text: plural(other.length, 'retrain') + ' on other data than the experiment\'s (' +
          other.map((o) => 'trial ' + (has(o.trial) ? o.trial : '–') + ' on ' + o.dataset.name).join(', ') +
          '): not shown as retrained accuracy',
      })] : []));
    // The commands that take the best trial to an ONNX file (nas-report prints the same).
    const d = r.deploy;
    document.getElementById('deploy').replaceChildren(...(d ? [
      'Deploy the best trial (' + d.trial + '): ',
      ...d.commands.flatMap((cmd, i) => [i ? ' or ' : '', el('code', { text: cmd })]),
    ] : []));
    const c = r.counts;
    const best = r.top && r.top.length ? r.top[0] : null;
    const time = has(e.search_seconds) ? e.search_seconds : r.all_seconds;
    document.getElementById('cards').replaceChildren(
      card('Trials', (c.total - (c.rejected || 0)) + ' / ' + e.options.n_trials,
        [c.completed + ' completed', c.culled + ' culled', c.failed + ' failed',
          c.running ? c.running + ' running' : null, c.interrupted ? c.interrupted + ' interrupted' : null,
          c.rejected ? c.rejected + ' rejected over the limits' : null]
          .filter(Boolean).join(' · ')),
      card('Best metric', best ? fixed(best.metric, 4) : '–', best ? 'trial ' + best.id : 'no scored trial yet'),
      card('Best accuracy / latency', best ? pct(best.accuracy) : '–', best ? ms(best.latency_ms) + ' per image' : ''),
      card('Search time', duration(time), r.first.counted ? 'first ' + r.first.counted + ': ' + duration(r.first.seconds) : ''),
      card('Culling saved', plural(r.culling.epochs_saved, 'epoch'),
        has(r.culling.seconds_saved) ? '≈ ' + duration(r.culling.seconds_saved) + ' of training' : plural(r.culling.culled_trials, 'culled trial')),
      card('Devices', (e.devices || []).join(', ') || '–', e.workers && e.workers.length ? plural(e.workers.length, 'worker') : ''));
    renderOptions(e);
    renderCharts(data);
    renderTable(data);
  }

  function renderOptions(e) {
    const rows = [];
    for (const [k, v] of Object.entries(e.options)) rows.push([k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    rows.push(['dataset', e.dataset.name + ' (' + grouped(e.dataset.train_size) + ' train, ' + grouped(e.dataset.eval_size) + ' ' + e.dataset.split + ')']);
    rows.push(['nas / LibTorch', e.nas_version + ' / ' + e.libtorch_version]);
    if (e.environment) rows.push(['environment', JSON.stringify(e.environment)]);
    document.getElementById('options').replaceChildren(el('dl', { class: 'kv' },
      rows.map(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])));
  }

  function renderCharts(data) {
    const trials = data.trials;
    const scored = trials.filter((t) => has(t.accuracy) && has(t.latency_ms) && (t.status === 'completed' || t.status === 'culled'));
    const idOf = (ds, i) => ds.data[i] && ds.data[i].id;
    const tip = (ctx) => {
      const t = trials.find((x) => x.id === ctx.raw.id);
      if (!t) return ctx.dataset.label;
      return 'trial ' + t.id + ' (' + t.status + '): metric ' + fixed(t.metric, 4) + ', ' + pct(t.accuracy) + ', ' + ms(t.latency_ms);
    };
    // Accuracy against latency, with the front.
    const byStatus = (status) => scored.filter((t) => t.status === status)
      .map((t) => ({ x: t.latency_ms, y: t.accuracy, id: t.id }));
    const front = data.report.pareto.map((p) => ({ x: p.latency_ms, y: p.accuracy, id: p.id }));
    const selected = scored.filter((t) => t.id === state.selected).map((t) => ({ x: t.latency_ms, y: t.accuracy, id: t.id }));
    chart('scatter', document.getElementById('chart-scatter'), {
      type: 'scatter',
      data: {
        datasets: [
          { label: 'selected', data: selected, pointRadius: 9, pointStyle: 'circle', backgroundColor: 'rgba(0,0,0,0)', borderColor: '#111827', borderWidth: 2 },
          { label: 'Pareto front (completed)', data: front, showLine: true, stepped: 'after', borderColor: '#111827', borderWidth: 1.5, pointRadius: 0, pointHitRadius: 0 },
          { label: 'completed', data: byStatus('completed'), backgroundColor: alpha(STATUS_COLORS.completed, 0.7), pointRadius: 4 },
          { label: 'culled', data: byStatus('culled'), backgroundColor: alpha(STATUS_COLORS.culled, 0.7), pointRadius: 4, pointStyle: 'triangle' },
        ],
      },
      options: {
        onClick: clickSelects(idOf),
        plugins: { tooltip: { callbacks: { label: tip } }, legend: { labels: { filter: (l) => l.text !== 'selected' } } },
        scales: {
          x: { type: state.logLatency ? 'logarithmic' : 'linear', title: { display: true, text: 'latency (ms per image)' } },
          y: { title: { display: true, text: 'accuracy (%)' } },
        },
      },
    });
    // Per-epoch metric of every trial, and the thresholds culling compared against.
    const curves = trials.filter((t) => t.epochs.length).map((t) => ({
      label: 'trial ' + t.id, id: t.id,
      data: t.epochs.map((ep) => ({ x: ep.epoch, y: ep.metric, id: t.id })),
      borderColor: alpha(STATUS_COLORS[t.status] || '#6b7280', t.id === state.selected ? 1 : 0.45),
      backgroundColor: alpha(STATUS_COLORS[t.status] || '#6b7280', 0.8),
      borderWidth: t.id === state.selected ? 3 : 1.2, pointRadius: 2,
    }));
    const thresholds = [];
    for (const t of trials) for (const ep of t.epochs) if (has(ep.threshold)) thresholds.push({ x: ep.epoch, y: ep.threshold, id: t.id });
    curves.push({ label: 'cull threshold', data: thresholds, showLine: false, pointStyle: 'crossRot', pointRadius: 6, borderColor: '#111827', borderWidth: 1.5 });
    chart('curves', document.getElementById('chart-curves'), {
      type: 'line',
      data: { datasets: curves },
      options: {
        onClick: clickSelects(idOf),
        interaction: { mode: 'nearest', intersect: true },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (ctx) => (ctx.dataset.label === 'cull threshold' ? 'threshold ' : 'trial ' + ctx.raw.id + ' ') + fixed(ctx.raw.y, 4) + ' at epoch ' + ctx.raw.x } },
        },
        scales: {
          x: { type: 'linear', ticks: { stepSize: 1 }, title: { display: true, text: 'epoch' } },
          y: { title: { display: true, text: 'metric' } },
        },
      },
    });
    // Best so far.
    const bestLine = (points, xKey) => [{
      label: 'best metric', data: points.map((p) => ({ x: p[xKey], y: p.metric, id: p.id })),
      stepped: 'before', borderColor: STATUS_COLORS.completed, backgroundColor: STATUS_COLORS.completed, pointRadius: 2,
    }];
    const bestTip = { callbacks: { label: (ctx) => 'trial ' + ctx.raw.id + ': ' + fixed(ctx.raw.y, 4) } };
    chart('best-trials', document.getElementById('chart-best-trials'), {
      type: 'line',
      data: { datasets: bestLine(data.report.best_so_far, 'trials') },
      options: {
        onClick: clickSelects(idOf),
        plugins: { legend: { display: false }, tooltip: bestTip },
        scales: { x: { type: 'linear', title: { display: true, text: 'finished trials' } }, y: { title: { display: true, text: 'metric' } } },
      },
    });
    // Short searches read better in seconds, long ones in minutes.
    const span = Math.max(0, ...trials.map((t) => (has(t.end_s) ? t.end_s : 0)));
    const unit = span < 120 ? { div: 1, name: 'seconds' } : { div: 60, name: 'minutes' };
    const minutes = data.best_so_far_time.map((p) => ({ ...p, minutes: p.seconds / unit.div }));
    chart('best-time', document.getElementById('chart-best-time'), {
      type: 'line',
      data: { datasets: bestLine(minutes, 'minutes') },
      options: {
        onClick: clickSelects(idOf),
        plugins: { legend: { display: false }, tooltip: bestTip },
        scales: { x: { type: 'linear', title: { display: true, text: unit.name + ' since the first trial started' } }, y: { title: { display: true, text: 'metric' } } },
      },
    });
    // Timeline: one row per slot, one bar per trial.
    const lanes = data.lanes;
    const bars = (status) => trials.filter((t) => t.status === status && has(t.lane) && has(t.start_s))
      .map((t) => ({ x: [t.start_s / unit.div, Math.max(t.end_s, t.start_s + 0.5) / unit.div], y: lanes[t.lane], id: t.id }));
    const statuses = ['completed', 'culled', 'failed', 'interrupted', 'rejected', 'running'];
    chart('timeline', document.getElementById('chart-timeline'), {
      type: 'bar',
      data: {
        labels: lanes,
        datasets: statuses.map((s) => ({
          label: s, data: bars(s), backgroundColor: alpha(STATUS_COLORS[s], 0.8),
          borderColor: '#fff', borderWidth: 1, borderSkipped: false, grouped: false, barPercentage: 0.8, categoryPercentage: 1,
        })),
      },
      options: {
        indexAxis: 'y',
        onClick: clickSelects(idOf),
        plugins: {
          tooltip: { callbacks: { label: (ctx) => { const t = trials.find((x) => x.id === ctx.raw.id); return 'trial ' + ctx.raw.id + ' (' + ctx.dataset.label + '), ' + duration(t && t.seconds !== null ? t.seconds : (ctx.raw.x[1] - ctx.raw.x[0]) * unit.div); } } },
        },
        scales: {
          x: { type: 'linear', min: 0, title: { display: true, text: unit.name + ' since the first trial started' } },
          y: { type: 'category', ticks: { autoSkip: false } },
        },
      },
    });
    // Choices: the share of each candidate among the best quarter against among all trials.
    const labels = data.choices.labels;
    const select = document.getElementById('choice-label');
    if (select.options.length !== labels.length) {
      select.replaceChildren(...labels.map((l) => el('option', { value: l.label, text: l.label })));
    }
    if (!state.choice || !labels.some((l) => l.label === state.choice)) state.choice = labels.length ? labels[0].label : null;
    if (state.choice) select.value = state.choice;
    const row = labels.find((l) => l.label === state.choice);
    const cands = row ? row.candidates : [];
    const scoredN = data.choices.scored_trials, bestN = data.choices.best_quarter;
    chart('choices', document.getElementById('chart-choices'), {
      type: 'bar',
      data: {
        labels: cands.map((c) => (state.choice || '') + ' = ' + c.value),
        datasets: [
          { label: 'all ' + scoredN + ' scored trials', data: cands.map((c) => (scoredN ? 100 * c.trials / scoredN : 0)), backgroundColor: alpha('#9ca3af', 0.8) },
          { label: 'best quarter (' + bestN + ')', data: cands.map((c) => (bestN ? 100 * c.best_quarter / bestN : 0)), backgroundColor: alpha(STATUS_COLORS.completed, 0.85) },
        ],
      },
      options: {
        plugins: { tooltip: { callbacks: { afterLabel: (ctx) => 'mean metric ' + fixed(cands[ctx.dataIndex].mean_metric, 4) + ' over ' + plural(cands[ctx.dataIndex].trials, 'trial') } } },
        scales: { y: { min: 0, title: { display: true, text: '% of trials taking it' } } },
      },
    });
  }

  const COLUMNS = [
    ['id', 'id'], ['status', 'status', 'l'], ['metric', 'metric'], ['accuracy', 'accuracy'],
    ['latency_ms', 'latency'], ['params', 'params'], ['macs', 'MACs'], ['epochs_trained', 'epochs'],
    ['origin', 'origin', 'l'], ['parent', 'parent'], ['seconds', 'time'], ['retrained_accuracy', 'retrained'],
  ];
  function renderTable(data) {
    const table = document.getElementById('trials');
    const s = state.sort;
    table.tHead.replaceChildren(el('tr', {}, COLUMNS.map(([key, title, cls]) => el('th', {
      class: ['sortable', cls || '', s.key === key ? (s.dir > 0 ? 'sorted-asc' : 'sorted-desc') : ''].join(' '),
      text: title,
      onclick: () => { state.sort = { key, dir: s.key === key ? -s.dir : (key === 'id' ? 1 : -1) }; renderTable(state.data); },
    }))));
    const rows = data.trials.filter((t) => state.filter === 'all' || t.status === state.filter);
    rows.sort((a, b) => {
      const x = a[s.key], y = b[s.key];
      if (!has(x) && !has(y)) return a.id - b.id;
      if (!has(x)) return 1;
      if (!has(y)) return -1;
      return (x < y ? -1 : x > y ? 1 : 0) * s.dir || a.id - b.id;
    });
    const link = (id) => el('a', { href: '#/e/' + encodeURIComponent(data.id) + '/t/' + id, text: String(id), onclick: (e) => e.stopPropagation() });
    table.tBodies[0].replaceChildren(...rows.map((t) => el('tr', {
      class: t.id === state.selected ? 'selected' : '',
      onclick: () => { location.hash = '#/e/' + encodeURIComponent(data.id) + '/t/' + t.id; },
    },
    el('td', { text: t.id }), el('td', { class: 'l' }, badge(t.status)), el('td', { text: fixed(t.metric, 4) }),
    el('td', { text: pct(t.accuracy) }), el('td', { text: ms(t.latency_ms) }), el('td', { text: human(t.params) }),
    el('td', { text: human(t.macs) }), el('td', { text: t.epochs_trained + (has(t.culled_at_epoch) ? ' ✂' : '') }),
    el('td', { class: 'l', text: t.origin }), el('td', {}, has(t.parent) ? link(t.parent) : '–'),
    el('td', { text: duration(t.seconds) }),
    el('td', { text: has(t.retrained_accuracy) ? pct(t.retrained_accuracy) + (t.retrained_partial ? '*' : '') : '–' }))));
  }

  async function showDetail(data, generation) {
    const box = document.getElementById('detail');
    if (!has(state.selected)) { box.replaceChildren(); state.detail = null; return; }
    let d;
    try {
      d = state.embedded ? (data.details || {})[String(state.selected)]
        : await getJSON('api/experiments/' + encodeURIComponent(data.id) + '/trials/' + state.selected);
      if (!d) throw new Error('no trial ' + state.selected);
    } catch (e) {
      box.replaceChildren(el('div', { class: 'warn', text: 'Trial ' + state.selected + ': ' + e.message }));
      return;
    }
    if (generation !== state.generation) return;
    state.detail = d.trial.id;
    const t = d.trial;
    const link = (id) => el('a', { href: '#/e/' + encodeURIComponent(data.id) + '/t/' + id, text: 'trial ' + id });
    const kv = [
      ['status', badge(t.status)], ['metric', fixed(t.metric, 4)], ['accuracy', pct(t.accuracy)],
      ['latency', ms(t.latency_ms)], ['latency before training', ms(t.latency_before_ms)], ['params', grouped(t.params) + ' (' + human(t.params) + ')'],
      ['MACs', grouped(t.macs) + ' (' + human(t.macs) + ')'], ['origin', t.origin],
      ['parent', has(t.parent) ? link(t.parent) : '–'], ['device', t.device + (t.host ? ' on ' + t.host : '')],
      ['started', t.started], ['ended', t.ended || '–'], ['time', duration(t.seconds)],
      ['culled at epoch', has(t.culled_at_epoch) ? String(t.culled_at_epoch) : '–'],
      ['retrained', d.retrain ? pct(d.retrain.accuracy) + (d.retrained_partial ? ' (partial)' : '') : '–'],
      ['architecture key', t.arch_key],
    ];
    if (t.rejected_by) kv.push(['rejected by', '--' + t.rejected_by.replace('_', '-')]);
    if (t.nb201) {
      kv.push(['NAS-Bench-201 cell', t.nb201.cell]);
      kv.push(['table (' + t.nb201.dataset + ')', 'validation ' + pct(t.nb201.val_accuracy) + ', test ' + pct(t.nb201.test_accuracy)]);
    }
    if (t.error) kv.push(['error', t.error]);
    const epochs = el('table', {}, el('thead', {}, el('tr', {}, ['epoch', 'loss', 'accuracy', 'latency', 'metric', 'threshold / rank', 'time'].map((h) => el('th', { text: h })))),
      el('tbody', {}, t.epochs.map((ep) => el('tr', {}, el('td', { text: ep.epoch }), el('td', { text: fixed(ep.train_loss, 4) }),
        el('td', { text: pct(ep.accuracy) }), el('td', { text: ms(ep.latency_ms) }), el('td', { text: fixed(ep.metric, 4) }),
        el('td', { text: has(ep.cull_rank) ? 'rank ' + ep.cull_rank : fixed(ep.threshold, 4) }), el('td', { text: duration(ep.seconds) })))));
    let stages;
    if (d.plan) {
      const p = d.plan;
      stages = el('table', {}, el('thead', {}, el('tr', {}, ['stage', 'layer', 'in', 'exp', 'hidden', 'out', 'kernel', 'stride', 'SE', 'residual', 'act', 'size']
        .map((h) => el('th', { text: h })))),
      el('tbody', {},
        el('tr', {}, el('td', { class: 'l', text: 'stem' }), el('td', { class: 'l', colspan: 11, text: 'conv ' + p.stem_channels + ' ch, kernel ' + p.stem_kernel + ', stride 2, h-swish; separable dw3x3 + pw1x1, residual' })),
        p.blocks.map((b) => el('tr', {}, [b.stage, b.layer, b.in, b.expand, b.hidden, b.out, b.kernel, b.stride, b.se ? 'yes' : '–', b.residual ? 'yes' : '–', b.activation, b.out_size.join('×')]
          .map((v) => el('td', { text: String(v) })))),
        el('tr', {}, el('td', { class: 'l', text: 'head' }), el('td', { class: 'l', colspan: 11, text: 'conv1x1 ' + p.head_channels + ' ch, pool, conv1x1 ' + p.final_channels + ' ch, dropout ' + p.dropout + ', linear → ' + p.classes }))));
    } else if (t.nb201) {
      stages = el('p', { class: 'muted', text: 'A NAS-Bench-201 cell, looked up in its table: no network is built.' });
    } else {
      stages = el('p', { class: 'muted', text: 'No stage table: ' + (d.plan_error || 'unknown architecture') });
    }
    box.replaceChildren(el('div', { class: 'panel' },
      el('div', { class: 'chart-head' }, el('h2', { text: 'Trial ' + t.id }),
        el('a', { href: '#/e/' + encodeURIComponent(data.id), text: 'close' })),
      el('div', { class: 'cols' },
        el('div', {}, el('dl', { class: 'kv' }, kv.map(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)])),
          el('h2', { text: 'Epochs', style: 'margin-top:12px' }), epochs),
        el('div', {}, el('h2', { text: 'Network' }), stages))));
  }

  // ---- Compare ----
  async function showCompare(ids) {
    const generation = state.generation;
    destroyCharts();
    state.view = 'compare';
    state.data = null;
    crumbs({ text: 'experiments', href: '#/' }, { text: 'compare ' + ids.length });
    setLive('', false);
    let data;
    try {
      data = await getJSON('api/compare?ids=' + ids.map(encodeURIComponent).join(','));
    } catch (e) {
      banner('Cannot compare: ' + e.message, true);
      document.getElementById('view').replaceChildren();
      return;
    }
    if (generation !== state.generation) return;
    const t = data.table;
    const cellText = (c) => [pct(c.accuracy) + (c.retrained ? ' (retrained)' : ''), ms(c.latency_ms),
      duration(c.search_seconds) + (c.extrapolated ? ' (extrapolated from ' + c.trials_counted + ')' : ''),
      has(c.speedup) ? c.speedup.toFixed(2) + '× faster' : ''].filter(Boolean).join(' · ');
    const head = el('tr', {}, el('th', { class: 'l', text: 'experiment' }), el('th', { text: 'epochs' }), el('th', { text: 'cull ratio' }),
      el('th', { class: 'l', text: 'strategy' }), el('th', { text: 'best trial' }), el('th', { class: 'l', text: 'accuracy · latency · time for first ' + t.first + ' · speedup' }));
    const rows = t.cells.map((c) => el('tr', { onclick: () => { location.hash = '#/e/' + encodeURIComponent(c.experiment); } },
      el('td', { class: 'l' }, el('a', { href: '#/e/' + encodeURIComponent(c.experiment), text: c.experiment })),
      el('td', { text: c.epochs }), el('td', { text: c.cull_ratio }), el('td', { class: 'l', text: c.strategy }),
      el('td', { text: has(c.best_trial) ? c.best_trial : '–' }), el('td', { class: 'l', text: cellText(c) })));
    const palette = ['#2563eb', '#f59e0b', '#16a34a', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
    document.getElementById('view').replaceChildren(
      el('h1', { text: 'Compare ' + plural(ids.length, 'experiment') }),
      el('p', { class: 'muted', text: 'data set ' + t.dataset + (t.baseline ? ' · speedups against ' + t.baseline : '') }),
      ...(t.notes || []).map((n) => el('div', { class: 'warn', text: n })),
      el('div', { class: 'panel' }, el('table', { id: 'compare' }, el('thead', {}, head), el('tbody', {}, rows))),
      el('div', { class: 'panel', style: 'margin-top:14px' }, el('h2', { text: 'Best metric so far, by finished trials' }),
        el('div', { class: 'chart-box tall' }, el('canvas', { id: 'chart-compare' }))));
    chart('compare', document.getElementById('chart-compare'), {
      type: 'line',
      data: {
        datasets: data.curves.map((c, i) => ({
          label: c.experiment + ' (' + c.epochs + ' ep, cull ' + c.cull_ratio + ', ' + c.strategy + ')',
          data: c.points.map((p) => ({ x: p.trials, y: p.metric, id: p.id })), stepped: 'before',
          borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], pointRadius: 1.5,
        })),
      },
      options: { scales: { x: { type: 'linear', title: { display: true, text: 'finished trials' } }, y: { title: { display: true, text: 'metric' } } } },
    });
    state.updates++;
    selftest();
  }

  // ---- Start ----
  const embedded = document.getElementById('nas-data');
  if (embedded) state.embedded = JSON.parse(embedded.textContent);
  window.addEventListener('hashchange', route);
  route();
})();
