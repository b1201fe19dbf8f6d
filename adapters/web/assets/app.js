// The dashboard: reads /api/v1/dash/* with the bearer token kept in
// sessionStorage, draws the figures and charts, and opens a participant's
// history. Every figure element carries data-figure so tests can find it.
// The DOM is built with textContent only: no data ever becomes markup.
'use strict';

(() => {
  const tokenKey = 'jaminan.token';
  const langKey = 'jaminan.lang';
  const programmeOrder = ['JKK', 'JKM', 'JHT', 'JKP', 'SCHOLARSHIP'];
  const arrearsTopRows = 8;
  const palette = {
    teal: '#0f766e', tealSoft: 'rgba(15, 118, 110, 0.18)', green: '#16a34a', blue: '#2563eb', slate: '#475569',
    amber: '#f59e0b', orange: '#ea580c', red: '#dc2626', darkRed: '#991b1b',
    series: ['#0f766e', '#2563eb', '#f59e0b', '#7c3aed', '#db2777', '#16a34a', '#ea580c', '#0891b2', '#65a30d', '#9333ea', '#475569'],
  };

  const state = { data: null, kecamatan: null, charts: {} };
  const $ = (selector) => document.querySelector(selector);

  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // --- token --------------------------------------------------------------

  // takeTokenFromHash keeps #token=... in sessionStorage and removes it from
  // the address bar, so it is neither bookmarked nor shown over a shoulder.
  function takeTokenFromHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const token = params.get('token');
    if (!token) return;
    sessionStorage.setItem(tokenKey, token);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
  }

  function showTokenBox() {
    const box = $('#token-box');
    box.hidden = false;
    $('#token-input').focus();
  }

  async function api(path) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(tokenKey);
    if (token) headers.Authorization = 'Bearer ' + token;
    const response = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin' });
    if (response.status === 401) {
      showTokenBox();
      throw new HttpError(401, I18n.t('needToken'));
    }
    if (!response.ok) {
      let message = response.status + ' ' + (response.statusText || '');
      try {
        const problem = await response.json();
        if (problem && problem.detail) message = problem.detail + ' (' + response.status + (problem.field ? ', ' + problem.field : '') + ')';
      } catch (_) { /* not a problem document: keep the status line */ }
      throw new HttpError(response.status, message.trim());
    }
    return response.json();
  }

  // --- DOM helpers --------------------------------------------------------

  function cell(text, options = {}) {
    const element = document.createElement(options.header ? 'th' : 'td');
    if (options.header) element.scope = 'row';
    if (options.num) element.className = 'num';
    if (options.figure) element.dataset.figure = options.figure;
    if (options.title) element.title = options.title;
    element.textContent = text;
    return element;
  }

  function row(cells, options = {}) {
    const element = document.createElement('tr');
    for (const c of cells) element.append(c);
    if (options.selected) element.setAttribute('aria-selected', 'true');
    return element;
  }

  function fill(tableSelector, rows, emptyKey = 'none') {
    const body = $(tableSelector + ' tbody');
    body.replaceChildren(...rows);
    if (rows.length === 0) {
      const columns = $(tableSelector + ' thead tr').children.length;
      const empty = cell(I18n.t(emptyKey));
      empty.colSpan = columns;
      empty.className = 'empty';
      body.append(row([empty]));
    }
  }

  function figure(name, text) {
    for (const element of document.querySelectorAll(`[data-figure="${CSS.escape(name)}"]`)) element.textContent = text;
  }

  function setStatus(text, isError = false) {
    const status = $('#status');
    status.textContent = text;
    status.classList.toggle('error', isError);
  }

  // --- data ---------------------------------------------------------------

  async function load() {
    setStatus(I18n.t('loading'));
    document.body.dataset.state = 'loading';
    try {
      const [summary, arrears, claims, payouts, scholarships, funds] = await Promise.all([
        api('/api/v1/dash/summary'),
        api('/api/v1/dash/arrears_ageing'),
        api('/api/v1/dash/claims_by_programme'),
        api('/api/v1/dash/payouts_by_programme'),
        api('/api/v1/dash/scholarship_commitments'),
        api('/api/v1/dash/fund_totals'),
      ]);
      state.data = { summary, arrears: arrears.rows, claims: claims.rows, payouts: payouts.rows, scholarships: scholarships.rows, funds: funds.rows };
      if (!state.kecamatan || !summary.by_kecamatan.some((k) => k.kecamatan === state.kecamatan)) {
        state.kecamatan = summary.by_kecamatan.length ? summary.by_kecamatan[0].kecamatan : null;
      }
      $('#token-box').hidden = true;
      render();
      setStatus('');
      $('#updated').dataset.at = new Date().toISOString();
      renderUpdated();
      document.body.dataset.state = 'ready';
    } catch (error) {
      document.body.dataset.state = error.status === 401 ? 'token' : 'error';
      setStatus(error.status === 401 ? I18n.t('needToken') : I18n.t('loadFailed') + ': ' + error.message, true);
    }
  }

  function renderUpdated() {
    const at = $('#updated').dataset.at;
    $('#updated').textContent = at ? I18n.t('updated') + ' ' + Format.dateTime(at, I18n.lang) + '.' : '';
  }

  function render() {
    if (!state.data) return;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = palette.slate;
    Chart.defaults.animation = false;
    renderHeadline();
    renderKecamatan();
    renderDesa();
    renderCategories();
    renderCollections();
    renderArrears();
    renderClaims();
    renderScholarships();
    renderFunds();
  }

  function renderHeadline() {
    const { summary } = state.data;
    figure('protected-workers', Format.count(summary.protected_workers));
    figure('card/collected', Format.rupiah(summary.collections.collected));
    figure('card/arrears', Format.rupiah(summary.arrears.total_overdue));
    figure('card/benefits-paid', Format.rupiah(summary.benefits.paid));
    figure('card/scholarships', Format.rupiah(summary.scholarships.outstanding));
  }

  // chart replaces the chart on a canvas; Chart.js keeps one per canvas.
  function chart(id, config) {
    if (state.charts[id]) state.charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
    state.charts[id] = new Chart(document.getElementById(id), config);
  }

  function selectKecamatan(name) {
    state.kecamatan = name;
    renderKecamatan();
    renderDesa();
  }

  function renderKecamatan() {
    const areas = state.data.summary.by_kecamatan;
    fill('#kecamatan-table', areas.map((area) => {
      const tr = row([cell(area.kecamatan, { header: true }), cell(Format.count(area.protected_workers), { num: true, figure: 'kecamatan/' + area.kecamatan })],
        { selected: area.kecamatan === state.kecamatan });
      tr.tabIndex = 0;
      tr.className = 'pick';
      tr.addEventListener('click', () => selectKecamatan(area.kecamatan));
      tr.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); selectKecamatan(area.kecamatan); } });
      return tr;
    }));
    chart('chart-kecamatan', {
      type: 'bar',
      data: {
        labels: areas.map((a) => a.kecamatan),
        datasets: [{ label: I18n.t('colWorkers'), data: areas.map((a) => a.protected_workers), borderRadius: 4,
          backgroundColor: areas.map((a) => (a.kecamatan === state.kecamatan ? palette.teal : palette.tealSoft)),
          borderColor: palette.teal, borderWidth: 1 }],
      },
      options: {
        indexAxis: 'y',
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => Format.count(areas[c.dataIndex].protected_workers) + ' ' + I18n.t('workers') } } },
        scales: { x: { beginAtZero: true, ticks: { callback: (v) => Format.compact(v, I18n.lang) } }, y: { grid: { display: false } } },
        onClick: (_, elements) => { if (elements.length) selectKecamatan(areas[elements[0].index].kecamatan); },
      },
    });
    const select = $('#kecamatan-select');
    select.replaceChildren(...areas.map((a) => new Option(a.kecamatan, a.kecamatan, false, a.kecamatan === state.kecamatan)));
  }

  function renderDesa() {
    $('#desa-kecamatan').textContent = state.kecamatan || '';
    const desa = state.data.summary.by_desa.filter((d) => d.kecamatan === state.kecamatan);
    fill('#desa-table', desa.map((d) => row([cell(d.desa, { header: true }),
      cell(Format.count(d.protected_workers), { num: true, figure: 'desa/' + d.kecamatan + '/' + d.desa })])));
  }

  function renderCategories() {
    const categories = state.data.summary.by_category;
    // The table is the chart's legend: each row carries its slice's colour.
    fill('#category-table', categories.map((c, i) => {
      const name = cell(I18n.category(c.category), { header: true });
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = palette.series[i % palette.series.length];
      name.prepend(swatch);
      return row([name, cell(Format.count(c.protected_workers), { num: true, figure: 'category/' + c.category })]);
    }));
    chart('chart-category', {
      type: 'doughnut',
      data: {
        labels: categories.map((c) => I18n.category(c.category)),
        datasets: [{ data: categories.map((c) => c.protected_workers), backgroundColor: categories.map((_, i) => palette.series[i % palette.series.length]), borderWidth: 2, borderColor: '#fff' }],
      },
      options: {
        cutout: '58%',
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => I18n.category(categories[c.dataIndex].category) + ': ' + Format.count(categories[c.dataIndex].protected_workers) } },
        },
      },
    });
  }

  function renderCollections() {
    const { collections } = state.data.summary;
    figure('collections/assessed', Format.rupiah(collections.assessed));
    figure('collections/collected', Format.rupiah(collections.collected));
    figure('collections/outstanding', Format.rupiah(collections.outstanding));
    const periods = collections.by_period;
    chart('chart-collections', {
      type: 'bar',
      data: {
        labels: periods.map((p) => Format.month(p.period, I18n.lang)),
        datasets: [
          { type: 'bar', label: I18n.t('assessed'), data: periods.map((p) => Format.plot(p.assessed)), backgroundColor: palette.tealSoft, borderColor: palette.teal, borderWidth: 1, borderRadius: 3, order: 2 },
          { type: 'line', label: I18n.t('collected'), data: periods.map((p) => Format.plot(p.collected)), borderColor: palette.blue, backgroundColor: palette.blue, pointRadius: 3, tension: 0.25, order: 1 },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + Format.rupiah(c.datasetIndex === 0 ? periods[c.dataIndex].assessed : periods[c.dataIndex].collected) } },
        },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => 'Rp' + Format.compact(v, I18n.lang) } }, x: { grid: { display: false } } },
      },
    });
  }

  function renderArrears() {
    const buckets = ['days_0_30', 'days_31_60', 'days_61_90', 'days_over_90'];
    const { arrears } = state.data.summary;
    for (const bucket of buckets) figure('arrears/' + bucket, Format.rupiah(arrears[bucket]));
    chart('chart-arrears', {
      type: 'bar',
      data: {
        labels: buckets.map((b) => I18n.t(b)),
        datasets: [{ data: buckets.map((b) => Format.plot(arrears[b])), backgroundColor: [palette.amber, palette.orange, palette.red, palette.darkRed], borderRadius: 4 }],
      },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => Format.rupiah(arrears[buckets[c.dataIndex]]) } } },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => 'Rp' + Format.compact(v, I18n.lang) } }, x: { grid: { display: false } } },
      },
    });
    // The view is ordered by total_overdue, largest first.
    fill('#arrears-table', state.data.arrears.slice(0, arrearsTopRows).map((a) => row([cell(a.payer_id, { header: true }),
      cell(Format.count(a.bills_overdue), { num: true }),
      cell(Format.rupiah(a.total_overdue), { num: true, figure: 'arrears/payer/' + a.payer_id })])), 'arrearsNone');
  }

  // byProgramme sums view rows per programme exactly: counts as integers,
  // money as decimal strings.
  function byProgramme(rows, counts, amounts) {
    const sums = new Map();
    for (const r of rows) {
      const sum = sums.get(r.programme) || Object.fromEntries([...counts.map((c) => [c, 0]), ...amounts.map((a) => [a, '0.00'])]);
      for (const c of counts) sum[c] += r[c];
      for (const a of amounts) sum[a] = Format.add(sum[a], r[a] ?? '0.00');
      sums.set(r.programme, sum);
    }
    const order = (p) => (programmeOrder.indexOf(p) + 1 || programmeOrder.length + 1);
    return [...sums.entries()].sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0]));
  }

  function renderClaims() {
    const claims = byProgramme(state.data.claims, ['count'], ['total', 'paid_out']);
    fill('#claims-table', claims.map(([p, s]) => row([cell(I18n.programme(p), { header: true }),
      cell(Format.count(s.count), { num: true, figure: 'claims/' + p + '/count' }),
      cell(Format.rupiah(s.total), { num: true, figure: 'claims/' + p + '/approved' }),
      cell(Format.rupiah(s.paid_out), { num: true, figure: 'claims/' + p + '/paid_out' })])));
    const payouts = byProgramme(state.data.payouts, ['count', 'reversed_count'], ['amount', 'reversed_amount']);
    fill('#payouts-table', payouts.map(([p, s]) => row([cell(I18n.programme(p), { header: true }),
      cell(Format.count(s.count), { num: true, figure: 'payouts/' + p + '/count' }),
      cell(Format.rupiah(s.amount), { num: true, figure: 'payouts/' + p + '/amount' }),
      cell(Format.rupiah(s.reversed_amount), { num: true, figure: 'payouts/' + p + '/reversed', title: Format.count(s.reversed_count) })])));
    chart('chart-claims', {
      type: 'bar',
      data: {
        labels: claims.map(([p]) => p === 'SCHOLARSHIP' ? I18n.programme(p) : p),
        datasets: [
          { label: I18n.t('approved'), data: claims.map(([, s]) => Format.plot(s.total)), backgroundColor: palette.teal, borderRadius: 3 },
          { label: I18n.t('paidOut'), data: claims.map(([, s]) => Format.plot(s.paid_out)), backgroundColor: palette.blue, borderRadius: 3 },
        ],
      },
      options: {
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + Format.rupiah(c.datasetIndex === 0 ? claims[c.dataIndex][1].total : claims[c.dataIndex][1].paid_out) } },
        },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => 'Rp' + Format.compact(v, I18n.lang) } }, x: { grid: { display: false } } },
      },
    });
  }

  function renderScholarships() {
    const rows = state.data.scholarships;
    // The grand total from the summary: the view's total row comes last, maybe on a later page.
    const total = state.data.summary.scholarships;
    figure('scholarships/total/outstanding', Format.rupiah(total.outstanding));
    figure('scholarships/total/paid', Format.rupiah(total.paid));
    fill('#scholarships-table', rows.filter((r) => r.scope === 'claim').map((r) => row([cell(r.claim_id, { header: true }),
      cell([r.desa, r.kecamatan].filter(Boolean).join(', ')),
      cell(Format.count(r.tranches_scheduled), { num: true }),
      cell(r.next_school_year ? r.next_school_year + '/' + (r.next_school_year + 1) : '—', { num: true }),
      cell(Format.rupiah(r.outstanding), { num: true, figure: 'scholarships/claim/' + r.claim_id + '/outstanding' })])));
  }

  function renderFunds() {
    const order = (p) => (programmeOrder.indexOf(p) + 1 || programmeOrder.length + 1);
    const funds = [...state.data.funds].sort((a, b) => order(a.programme) - order(b.programme));
    fill('#funds-table', funds.map((f) => {
      const net = cell(Format.rupiah(f.net), { num: true, figure: 'fund/' + f.programme + '/net' });
      if (f.net.startsWith('-')) net.classList.add('negative');
      return row([cell(I18n.programme(f.programme), { header: true }),
        cell(Format.rupiah(f.contributions), { num: true, figure: 'fund/' + f.programme + '/contributions' }),
        cell(Format.rupiah(f.benefits_paid), { num: true, figure: 'fund/' + f.programme + '/benefits_paid' }), net]);
    }));
  }

  // --- participant history ------------------------------------------------

  async function openHistory(nik) {
    const panel = $('#history');
    const error = $('#history-error');
    const table = $('#history-table');
    panel.hidden = false;
    error.hidden = true;
    table.hidden = true;
    $('#history-title').textContent = I18n.t('historyFor') + ' ' + nik;
    if (!/^\d{16}$/.test(nik)) {
      showHistoryError(I18n.t('nikInvalid'));
      return;
    }
    panel.dataset.state = 'loading';
    try {
      const body = await api('/api/v1/participants/' + encodeURIComponent(nik) + '/history');
      const entries = Array.isArray(body.entries) ? body.entries : [];
      fill('#history-table', entries.map(historyRow), 'historyEmpty');
      table.hidden = false;
      panel.dataset.state = 'ready';
    } catch (failure) {
      showHistoryError(I18n.t('historyFailed') + ': ' + failure.message);
    }
    panel.scrollIntoView({ block: 'start' });
  }

  function showHistoryError(message) {
    const error = $('#history-error');
    error.textContent = message;
    error.hidden = false;
    $('#history').dataset.state = 'error';
  }

  function historyRow(entry) {
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = I18n.t('show');
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(entry.state_after ?? null, null, 2);
    details.append(summary, pre);
    const stateCell = cell('');
    stateCell.append(details);
    const hash = String(entry.hash ?? '');
    const hashCell = cell(hash.slice(0, 12) + (hash.length > 12 ? '…' : ''), { title: hash });
    hashCell.className = 'mono';
    return row([cell(Format.count(entry.position), { num: true }), cell(Format.count(entry.version), { num: true }),
      cell((entry.type ?? '') + (entry.payer_id ? ' · ' + entry.payer_id : '')), cell(Format.dateTime(entry.occurred_at, I18n.lang)), cell(Format.dateTime(entry.recorded_at, I18n.lang)),
      cell(entry.actor ?? ''), hashCell, stateCell]);
  }

  // --- language -----------------------------------------------------------

  function applyLanguage(lang) {
    const current = I18n.apply(lang);
    localStorage.setItem(langKey, current);
    const button = $('#lang');
    button.textContent = I18n.t('langButton');
    button.lang = current === 'id' ? 'en' : 'id';
    button.setAttribute('aria-label', I18n.t('langAria'));
    if (state.kecamatan) $('#desa-kecamatan').textContent = state.kecamatan;
    render();
    renderUpdated();
  }

  // --- start --------------------------------------------------------------

  function start() {
    takeTokenFromHash();
    applyLanguage(localStorage.getItem(langKey) || 'id');
    $('#lang').addEventListener('click', () => applyLanguage(I18n.lang === 'id' ? 'en' : 'id'));
    $('#kecamatan-select').addEventListener('change', (event) => selectKecamatan(event.target.value));
    $('#search').addEventListener('submit', (event) => {
      event.preventDefault();
      openHistory($('#nik').value.trim());
    });
    $('#history-close').addEventListener('click', () => { $('#history').hidden = true; });
    $('#token-box').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('#token-input').value.trim();
      if (!token) return;
      sessionStorage.setItem(tokenKey, token);
      $('#token-input').value = '';
      load();
    });
    load();
  }

  start();
})();
