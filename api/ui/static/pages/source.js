// Source: one inbound source: its ingest URL (copy, rotate), its switch,
// a panel to try a payload, and the log of its last 100 requests.
import { h, clear, timeEl, toggle, copyButton, pretty } from '../js/dom.js';
import { api } from '../js/api.js';
import { field, showProblem, clearErrors } from '../js/form.js';
import { kindLabel } from './sources.js';

export const title = 'Source';

export async function render(view, ctx) {
  const id = ctx.params.id;
  let src = await api.get(`/v1/sources/${encodeURIComponent(id)}`);
  const log = await api.get(`/v1/sources/${encodeURIComponent(id)}/requests`);
  if (ctx.stale()) return;
  const fail = (err) => ctx.toast(err.detail || String(err), 'error');

  const urlCode = h('code', { class: 'ingest-url', 'data-ingest-url': '' }, src.ingest_url);
  const copyWrap = h('span', {}, copyButton(src.ingest_url, 'Copy ingest URL'));
  const rotate = h('button', { type: 'button', class: 'secondary', on: { click: async () => {
    if (!window.confirm('Rotate the ingest URL? The current one stops working at once.')) return;
    try {
      src = await api.post(`/v1/sources/${src.id}/rotate-token`);
      urlCode.textContent = src.ingest_url;
      clear(copyWrap).append(copyButton(src.ingest_url, 'Copy ingest URL'));
      ctx.toast('New ingest URL: paste it into the platform; the old one answers 404.');
    } catch (err) { fail(err); }
  } } }, 'Rotate URL');
  const sw = toggle(`Source ${src.name} enabled`, src.enabled, async (on) => {
    try {
      src = await api.patch(`/v1/sources/${src.id}`, { enabled: on });
      ctx.toast(on ? 'Enabled.' : 'Disabled: the ingest URL answers 404.');
    } catch (err) { fail(err); throw err; }
  });

  // Try a payload: the events it becomes and the signature verdict.
  const payload = h('textarea', { name: 'payload', rows: 8, spellcheck: 'false', placeholder: '{"event": "…"}' });
  const headers = h('textarea', { name: 'headers', rows: 3, spellcheck: 'false', placeholder: 'X-OWC-Event: chat.closed' });
  const result = h('div', { class: 'try-result', 'aria-live': 'polite' });
  const tryBtn = h('button', { type: 'submit' }, 'Try');
  const tryForm = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'try-h' },
    h('h2', { id: 'try-h' }, 'Try a payload'),
    h('p', { class: 'hint' }, 'Nothing is stored or sent: see what the payload would become.'),
    field('Payload (the sender\'s raw JSON)', payload, { name: 'payload' }),
    field('Headers (one "Name: value" a line)', headers, { name: 'headers', hint: 'The signature header, to check it.' }),
    h('div', { class: 'row' }, tryBtn), result);
  tryForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(tryForm);
    const hs = {};
    for (const line of headers.value.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) hs[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    tryBtn.disabled = true;
    try {
      // Sent as a string: the raw bytes, so that a signature over them verifies.
      const r = await api.post(`/v1/sources/${src.id}/try`, { payload: payload.value, headers: hs });
      clear(result).append(
        h('p', {}, h('span', { class: `badge ${r.signature.valid ? 'ok' : 'bad'}` }, r.signature.valid ? 'Signature OK' : 'Signature refused'), ' ', r.signature.detail),
        h('p', {}, r.event_name ? `Sender event: ${r.event_name}` : 'No sender event name.', r.ignored ? ' It is ignored: the mapping maps it to nothing.' : ''),
        r.problems.length ? h('ul', { class: 'problems' }, r.problems.map((p) => h('li', {}, h('code', {}, p.path), ` (${p.field || 'body'}): ${p.message}`))) : null,
        r.events.length ? h('pre', { class: 'events' }, pretty(r.events)) : null);
    } catch (err) {
      showProblem(tryForm, err);
    } finally {
      tryBtn.disabled = false;
    }
  });

  const tbody = h('tbody');
  for (const e of log.data) {
    tbody.append(h('tr', { dataset: { request: e.id } },
      h('td', { 'data-label': 'Received' }, timeEl(e.received_at)),
      h('td', { 'data-label': 'Status' }, h('span', { class: `badge ${e.status < 300 ? 'ok' : 'bad'}` }, `${e.status} ${e.outcome}`)),
      h('td', { 'data-label': 'Event' }, e.event_name || '—'),
      h('td', { 'data-label': 'Detail' }, h('div', {}, e.detail,
        e.problems.length ? h('ul', { class: 'problems' }, e.problems.map((p) => h('li', {}, h('code', {}, p.path), `: ${p.message}`))) : null,
        e.body ? h('details', {}, h('summary', {}, 'Body'), h('pre', {}, e.body)) : null))));
  }
  if (!log.data.length) tbody.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'No requests yet.')));

  view.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, src.name), h('p', { class: 'muted' }, `${kindLabel(src.kind)} source · `,
        src.verify ? `signed (${src.verify.header || src.verify.scheme})` : 'unsigned',
        ' · ', h('a', { href: `#/deliveries?source_id=${encodeURIComponent(src.id)}` }, 'its deliveries'))),
      h('div', { class: 'actions' }, sw)),
    h('section', { class: 'card', 'aria-labelledby': 'url-h' },
      h('h2', { id: 'url-h' }, 'Ingest URL'),
      h('p', { class: 'hint' }, 'Paste it as the webhook URL in the platform. It needs no API key; keep it secret like a password.'),
      h('div', { class: 'row secret-row' }, urlCode, copyWrap, rotate)),
    tryForm,
    h('section', { 'aria-labelledby': 'log-h' },
      h('h2', { id: 'log-h' }, 'Last requests'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'stack requests' },
        h('caption', { class: 'visually-hidden' }, 'Last requests'),
        h('thead', {}, h('tr', {}, h('th', {}, 'Received'), h('th', {}, 'Status'), h('th', {}, 'Event'), h('th', {}, 'Detail'))),
        tbody))),
    h('p', {}, h('button', { type: 'button', class: 'danger', on: { click: async () => {
      if (!window.confirm(`Delete source ${src.name}? Its URL stops working.`)) return;
      try { await api.del(`/v1/sources/${src.id}`); ctx.toast('Source deleted.'); ctx.navigate('#/sources'); } catch (err) { fail(err); }
    } } }, 'Delete source')));
}
