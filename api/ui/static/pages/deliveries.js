// Recent deliveries: the delivery log with filters kept in the address
// (#/deliveries?endpoint_id=&rule_id=&status=&contact_id=&cursor=), a chart
// of deliveries per hour by outcome, and an optional auto-refresh.
import { h, clear, append, timeEl, fmtTime } from '../js/dom.js';
import { api, qs } from '../js/api.js';
import { field, input, select } from '../js/form.js';
import { statusOrder } from './endpoints.js';

export const title = 'Deliveries';

const PAGE = 25;
const REFRESH_MS = 10000;

export async function render(view, ctx) {
  const q = {
    endpoint_id: ctx.query.get('endpoint_id') || '',
    rule_id: ctx.query.get('rule_id') || '',
    status: ctx.query.get('status') || '',
    contact_id: ctx.query.get('contact_id') || '',
    source_id: ctx.query.get('source_id') || '',
  };
  const cursor = ctx.query.get('cursor') || '';
  const [endpoints, rules] = await Promise.all([api.all('/v1/endpoints'), api.all('/v1/rules')]);
  if (ctx.stale()) return;
  const epName = new Map(endpoints.map((e) => [e.id, e.name]));
  const ruleName = new Map(rules.map((r) => [r.id, r.name]));
  const go = (over) => ctx.navigate(`#/deliveries${qs({ ...q, ...over })}`);

  // Filters apply together with Apply (or Enter): the address changes and
  // the page renders again. Not on each change: arrow keys on a closed select
  // fire change, and re-rendering would take the reader's focus away.
  const epSel = select([['', 'All endpoints'], ...endpoints.map((e) => [e.id, e.name])], q.endpoint_id, { name: 'endpoint_id' });
  const ruleSel = select([['', 'All rules'], ...rules.map((r) => [r.id, r.name])], q.rule_id, { name: 'rule_id' });
  const statusSel = select([['', 'All statuses'], ...statusOrder.map((s) => [s, s])], q.status, { name: 'status' });
  const contact = input({ name: 'contact_id', value: q.contact_id, autocomplete: 'off', placeholder: 'c_123' });
  const filters = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Filter deliveries' },
    field('Endpoint', epSel), field('Rule', ruleSel), field('Status', statusSel),
    field('Contact id', contact),
    h('div', { class: 'row filter-buttons' },
      h('button', { type: 'submit', class: 'secondary' }, 'Apply'),
      Object.values(q).some(Boolean) ? h('a', { href: '#/deliveries', class: 'button secondary' }, 'Clear filters') : null));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go({ endpoint_id: epSel.value, rule_id: ruleSel.value, status: statusSel.value, contact_id: contact.value.trim(), cursor: '' });
  });

  // Chart
  const chartBox = h('div', { class: 'chart-box' });
  async function loadChart() {
    const stats = await api.get(`/v1/deliveries/stats${qs({ endpoint_id: q.endpoint_id, rule_id: q.rule_id })}`);
    if (ctx.stale()) return;
    clear(chartBox).append(chart(stats, chartBox.clientWidth));
  }

  // Table
  const tbody = h('tbody');
  const pager = h('nav', { class: 'row pager', 'aria-label': 'Pages' });
  const status = h('span', { role: 'status', 'aria-live': 'polite' });
  const updated = h('span', {});
  async function loadTable() {
    const page = await api.get(`/v1/deliveries${qs({ ...q, limit: PAGE, cursor })}`);
    if (ctx.stale()) return;
    // Keep the keyboard's place across a refresh.
    const focusedRow = document.activeElement?.closest?.('tr[data-delivery]')?.dataset.delivery;
    clear(tbody);
    for (const d of page.data) tbody.append(row(d));
    if (focusedRow) tbody.querySelector(`tr[data-delivery="${CSS.escape(focusedRow)}"] a`)?.focus();
    if (!page.data.length) {
      tbody.append(h('tr', {}, h('td', { colspan: 8, class: 'empty' },
        Object.values(q).some(Boolean) ? 'No delivery matches these filters.' : 'No deliveries yet. When a rule fires, its webhooks show up here.')));
    }
    append(clear(pager), [
      cursor ? h('a', { class: 'button secondary small', href: `#/deliveries${qs(q)}` }, 'Newest') : null,
      page.next_cursor ? h('a', { class: 'button secondary small', href: `#/deliveries${qs({ ...q, cursor: page.next_cursor })}`, rel: 'next' }, 'Older →') : null]);
    // The live region speaks when the list changes, not on every refresh.
    const said = `${page.data.length} deliver${page.data.length === 1 ? 'y' : 'ies'} shown${cursor ? ' (older page)' : ''}.`;
    if (status.dataset.said !== said) {
      status.dataset.said = said;
      status.textContent = said;
    }
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  }
  function row(d) {
    const code = d.last_status_code;
    return h('tr', { dataset: { delivery: d.id, status: d.status } },
      h('td', { 'data-label': 'Status' }, h('span', { class: `badge ${d.status}` }, d.status)),
      h('td', { 'data-label': 'Event' }, h('div', {}, h('a', { href: `#/deliveries/${d.id}`, 'aria-label': `${d.event} delivery ${d.id}` }, d.event),
        h('div', { class: 'muted small' }, epName.get(d.endpoint_id) || d.endpoint_id, d.rule_id ? ` · ${ruleName.get(d.rule_id) || d.rule_id}` : ''))),
      h('td', { 'data-label': 'HTTP', class: 'num' }, code ? h('span', { class: `code ${code >= 200 && code < 300 ? 'ok' : 'bad'}` }, String(code)) : h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'Attempts', class: 'num' }, String(d.attempt_count)),
      h('td', { 'data-label': 'Took', class: 'num' }, took(d)),
      h('td', { 'data-label': 'Contact' }, d.contact_id ? h('a', { href: `#/deliveries${qs({ ...q, contact_id: d.contact_id })}`, title: `Deliveries of ${d.contact_id}` }, d.contact_id) : h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'Created' }, timeEl(d.created_at)),
      h('td', { 'data-label': 'Error', class: 'err-cell' }, d.last_error ? h('span', { class: 'error-text', title: d.last_error }, d.last_error) : null));
  }

  // Auto-refresh, on the newest page only.
  const auto = h('input', { type: 'checkbox', id: 'auto-refresh', checked: sessionStorage.getItem('tripline.autorefresh') === '1' && !cursor, disabled: Boolean(cursor) });
  let timer = 0;
  const refresh = async () => {
    try { await Promise.all([loadTable(), loadChart()]); } catch (err) { ctx.toast(err.detail || String(err), 'error'); }
  };
  const arm = () => {
    clearInterval(timer);
    if (auto.checked) timer = setInterval(refresh, REFRESH_MS);
  };
  auto.addEventListener('change', () => { sessionStorage.setItem('tripline.autorefresh', auto.checked ? '1' : '0'); arm(); });

  view.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Recent deliveries'),
        h('p', { class: 'muted' }, 'Every webhook a rule sent, with its outcome. Open one to see its payload and attempts, or send it again.')),
      h('div', { class: 'actions' },
        h('label', { class: 'check', for: 'auto-refresh' }, auto, ' Refresh every 10 s'),
        h('button', { type: 'button', class: 'secondary', on: { click: refresh } }, 'Refresh now'))),
    filters,
    h('section', { class: 'card', 'aria-labelledby': 'chart-h' },
      h('h2', { id: 'chart-h' }, 'Deliveries per hour, last 24 hours'),
      (q.status || q.contact_id) ? h('p', { class: 'hint' }, 'The chart follows the endpoint and rule filters; it counts every status and contact.') : null,
      chartBox),
    h('section', { 'aria-labelledby': 'log-h' },
      h('h2', { id: 'log-h' }, 'Log'),
      h('p', { class: 'muted small' }, status, ' ', updated),
      h('div', { class: 'table-wrap' }, h('table', { class: 'stack deliveries' },
        h('thead', {}, h('tr', {}, ['Status', 'Event', 'HTTP', 'Attempts', 'Took', 'Contact', 'Created', 'Error'].map((t) => h('th', { class: ['HTTP', 'Attempts', 'Took'].includes(t) ? 'num' : null, title: t === 'Took' ? 'From creation to the successful attempt' : null }, t)))),
        tbody)),
      pager));
  await Promise.all([loadTable(), loadChart()]);
  if (ctx.stale()) return undefined; // left during the first load: no timer
  arm();
  return () => clearInterval(timer);
}

// took is how long the delivery took from creation to success.
function took(d) {
  if (!d.delivered_at) return h('span', { class: 'muted' }, '—');
  const ms = new Date(d.delivered_at) - new Date(d.created_at);
  return ms < 1000 ? `${ms} ms` : ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60000)} min`;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const hourFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayHourFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });

// chart draws stats (GET /v1/deliveries/stats) as stacked bars per hour,
// with a text alternative: the svg's aria-label sums it up and a visually
// hidden table lists the busy hours. width is the room it has, in pixels:
// drawn at that size, its text keeps its size on a phone.
export function chart(stats, width) {
  const buckets = stats.buckets;
  const W = Math.max(280, Math.round(width) || 720);
  const H = 180;
  const pad = { l: 32, r: 8, t: 10, b: 24 };
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const top = niceMax(max);
  const bw = (W - pad.l - pad.r) / Math.max(1, buckets.length);
  const y = (n) => pad.t + (H - pad.t - pad.b) * (1 - n / top);
  const every = bw * 6 >= 90 ? 6 : 12; // hours between x labels: fewer when narrow
  const present = statusOrder.filter((st) => stats.counts[st] > 0);
  // since was rounded down to the hour: the range asked for is the whole hours.
  const hours = Math.floor((new Date(stats.until) - new Date(stats.since)) / 3600000);
  const summary = stats.total
    ? `${stats.total} deliver${stats.total === 1 ? 'y' : 'ies'} in the last ${hours} hours: ${present.map((st) => `${stats.counts[st]} ${st}`).join(', ')}.`
    : `No deliveries in the last ${hours} hours.`;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Deliveries per hour. ${summary}` });
  // Grid and y labels
  for (const n of [0, top / 2, top]) {
    svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: y(n), y2: y(n), class: 'grid' }),
      s('text', { x: pad.l - 4, y: y(n) + 3, 'text-anchor': 'end' }, String(n)));
  }
  buckets.forEach((b, i) => {
    const x = pad.l + i * bw;
    let acc = 0;
    const g = s('g', {}, s('title', {}, `${fmtTime(b.hour)}: ${b.total} deliver${b.total === 1 ? 'y' : 'ies'}${b.total ? ` (${statusOrder.filter((st) => b.counts[st]).map((st) => `${b.counts[st]} ${st}`).join(', ')})` : ''}`));
    for (const st of statusOrder) {
      const n = b.counts[st];
      if (!n) continue;
      g.append(s('rect', { x: x + 1, width: Math.max(1, bw - 2), y: y(acc + n), height: y(acc) - y(acc + n), class: `bar-${st}` }));
      acc += n;
    }
    // An invisible full-height target so the hour's tooltip shows anywhere in its column.
    g.prepend(s('rect', { x, width: bw, y: pad.t, height: H - pad.t - pad.b, class: 'hit' }));
    svg.append(g);
    const d = new Date(b.hour);
    const last = i === buckets.length - 1;
    if (i === 0) svg.append(s('text', { x, y: H - 8, 'text-anchor': 'start' }, hourFmt.format(d)));
    else if (last) svg.append(s('text', { x: x + bw, y: H - 8, 'text-anchor': 'end' }, hourFmt.format(d)));
    else if (i % every === 0 && buckets.length - i > every / 2) svg.append(s('text', { x: x + bw / 2, y: H - 8, 'text-anchor': 'middle' }, hourFmt.format(d)));
  });
  const legend = h('p', { class: 'legend', 'aria-hidden': 'true' },
    (present.length ? present : ['succeeded', 'failed', 'dead']).map((st) => h('span', { class: `k-${st}` }, st)));
  const busy = buckets.filter((b) => b.total > 0);
  // A table ignores the 1px width of .visually-hidden: hide a wrapper.
  const table = h('div', { class: 'visually-hidden' }, h('table', { class: 'chart-table' },
    h('caption', {}, 'Deliveries per hour by status'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Hour'), h('th', { scope: 'col' }, 'Total'), statusOrder.map((st) => h('th', { scope: 'col' }, st)))),
    h('tbody', {}, busy.length ? busy.map((b) => h('tr', {}, h('th', { scope: 'row' }, dayHourFmt.format(new Date(b.hour))), h('td', {}, String(b.total)), statusOrder.map((st) => h('td', {}, String(b.counts[st])))))
      : h('tr', {}, h('td', { colspan: 2 + statusOrder.length }, 'No deliveries.')))));
  return h('figure', { class: 'chart-figure' }, svg, h('figcaption', { class: 'chart-summary' }, summary), legend, table);
}

// niceMax rounds a maximum up to 1, 2, 4, 5 or 10 times a power of ten, and to an
// even number so that its half is a whole label.
function niceMax(n) {
  if (n <= 2) return 2;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 4, 5, 10]) if (m * p >= n && (m * p) % 2 === 0) return m * p;
  return 10 * p;
}
