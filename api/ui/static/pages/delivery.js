// One delivery: where it went, what it sent (payload and headers) and every
// attempt with the receiver's answer; redeliver or discard it.
import { h, clear, timeEl, fmtTime, pretty, copyButton } from '../js/dom.js';
import { api } from '../js/api.js';
import { errorBox } from '../js/form.js';

export const title = 'Delivery';

// discardable are the statuses POST …/discard accepts.
const discardable = ['pending', 'failed', 'paused'];
// settling are the statuses a delivery leaves by itself soon.
const settling = ['pending', 'sending'];

export async function render(view, ctx) {
  const id = ctx.params.id;
  const d = await api.get(`/v1/deliveries/${encodeURIComponent(id)}`);
  if (ctx.stale()) return;
  const [ep, rule] = await Promise.all([
    api.get(`/v1/endpoints/${d.endpoint_id}`).catch(() => null),
    d.rule_id ? api.get(`/v1/rules/${d.rule_id}`).catch(() => null) : null,
  ]);
  if (ctx.stale()) return;

  const result = h('div', { class: 'op-result', role: 'status', 'aria-live': 'polite' });
  let poll = 0;
  // watch re-renders while the delivery is on its way, so that a new
  // attempt shows up without a reload.
  const watch = (n = 0) => {
    clearTimeout(poll);
    poll = setTimeout(async () => {
      try {
        const now = await api.get(`/v1/deliveries/${encodeURIComponent(id)}`);
        if (ctx.stale()) return;
        if (settling.includes(now.status) && n < 30) watch(n + 1);
        else ctx.navigate(location.hash);
      } catch { /* the page will show the error on the next load */ }
    }, 1000);
  };

  const redeliverBtn = h('button', { type: 'button', disabled: d.status === 'sending', 'aria-label': `Redeliver ${d.id}` }, 'Redeliver');
  redeliverBtn.addEventListener('click', async () => {
    redeliverBtn.disabled = true;
    clear(result);
    try {
      const r = await api.post(`/v1/deliveries/${d.id}/redeliver`);
      result.append(h('p', { class: 'notice' }, r.status === 'paused'
        ? 'Queued again, but its endpoint is disabled: it waits (paused) until the endpoint is enabled.'
        : 'Queued again with the same webhook-id: a new attempt starts now. This page updates when it is done.'));
      ctx.toast('Delivery queued again.');
      watch();
    } catch (err) {
      result.append(errorBox(err));
      redeliverBtn.disabled = false;
    }
  });
  const discardBtn = discardable.includes(d.status)
    ? h('button', { type: 'button', class: 'danger', 'aria-label': `Discard ${d.id}` }, 'Discard') : null;
  discardBtn?.addEventListener('click', async () => {
    if (!window.confirm('Discard this delivery? It will not be sent again (unless you redeliver it).')) return;
    discardBtn.disabled = true;
    clear(result);
    try {
      await api.post(`/v1/deliveries/${d.id}/discard`);
      ctx.toast('Delivery discarded.');
      ctx.navigate(location.hash);
    } catch (err) {
      result.append(errorBox(err));
      discardBtn.disabled = false;
    }
  });

  const meta = h('dl', { class: 'meta' },
    h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `badge ${d.status}`, id: 'delivery-status' }, d.status),
      d.next_attempt_at ? h('span', { class: 'muted small' }, ' next attempt ', timeEl(d.next_attempt_at)) : null),
    h('dt', {}, 'Event'), h('dd', {}, d.event),
    h('dt', {}, 'Endpoint'), h('dd', {}, ep ? h('a', { href: `#/endpoints/${ep.id}` }, ep.name) : h('span', {}, d.endpoint_id, h('span', { class: 'muted' }, ' (deleted)')),
      ep ? h('div', { class: 'muted small url' }, ep.url) : null),
    h('dt', {}, 'Rule'), h('dd', {}, d.rule_id ? (rule ? h('a', { href: `#/rules/${rule.id}` }, rule.name) : h('span', {}, d.rule_id, h('span', { class: 'muted' }, ' (deleted)'))) : h('span', { class: 'muted' }, '—')),
    h('dt', {}, 'Contact'), h('dd', {}, d.contact_id ? h('a', { href: `#/deliveries?contact_id=${encodeURIComponent(d.contact_id)}` }, d.contact_id) : h('span', { class: 'muted' }, '—')),
    h('dt', {}, 'webhook-id'), h('dd', { class: 'row' }, h('code', { id: 'webhook-id' }, d.id), copyButton(d.id, 'Copy id')),
    h('dt', {}, 'Trigger event'), h('dd', {}, d.trigger_event_id ? h('code', {}, d.trigger_event_id) : h('span', { class: 'muted' }, '—')),
    h('dt', {}, 'Created'), h('dd', {}, fmtTime(d.created_at)),
    h('dt', {}, 'Delivered'), h('dd', {}, d.delivered_at ? fmtTime(d.delivered_at) : h('span', { class: 'muted' }, 'not yet')),
    h('dt', {}, 'Attempts'), h('dd', {}, `${d.attempt_count} in this series, ${d.attempts.length} in all`),
    d.last_error ? [h('dt', {}, 'Last error'), h('dd', { class: 'error-text' }, d.last_error)] : null);

  const payload = d.payload === null
    ? h('p', { class: 'muted' }, 'The payload was erased (retention, or the contact was deleted).')
    : [h('div', { class: 'row' }, copyButton(JSON.stringify(d.payload), 'Copy payload')), h('pre', { class: 'payload', tabindex: '0', 'aria-label': 'Payload' }, pretty(d.payload))];
  const headers = Object.keys(d.request_headers).length
    ? headerTable('Request headers', d.request_headers)
    : h('p', { class: 'muted' }, 'No extra headers; Tripline adds webhook-id, webhook-timestamp, webhook-signature, Content-Type and User-Agent.');

  const attempts = d.attempts.length
    ? h('ol', { class: 'attempts', reversed: true }, d.attempts.slice().reverse().map((a, i) => attempt(a, d.attempts.length - i)))
    : h('p', { class: 'muted' }, 'No attempt yet.');

  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/deliveries' }, '← Recent deliveries')),
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, `${d.event} delivery`), h('p', { class: 'muted' }, `to ${ep ? ep.name : d.endpoint_id}, created ${fmtTime(d.created_at)}`)),
      h('div', { class: 'actions' }, redeliverBtn, discardBtn)),
    result,
    h('div', { class: 'grid2 delivery-grid' },
      h('section', { class: 'card', 'aria-labelledby': 'sum-h' }, h('h2', { id: 'sum-h' }, 'Summary'), meta),
      h('section', { class: 'card', 'aria-labelledby': 'payload-h' }, h('h2', { id: 'payload-h' }, 'Payload'), payload,
        h('h3', {}, 'Request headers'), headers)),
    h('section', { class: 'card', 'aria-labelledby': 'attempts-h' },
      h('h2', { id: 'attempts-h' }, `Attempts (${d.attempts.length})`), attempts));
  if (settling.includes(d.status)) watch();
  return () => clearTimeout(poll);
}

function attempt(a, n) {
  const code = a.status_code;
  const ok = code !== null && code >= 200 && code < 300;
  return h('li', { class: 'attempt', dataset: { status: code === null ? 'none' : String(code) } },
    h('h3', {}, `Attempt ${n}`, ' ',
      h('span', { class: `badge ${ok ? 'ok' : 'bad'}` }, code === null ? 'No answer' : `HTTP ${code}`), ' ',
      h('span', { class: 'muted small' }, `${fmtTime(a.at)} · ${a.duration_ms} ms`)),
    a.error ? h('p', { class: 'error-text' }, a.error) : null,
    Object.keys(a.response_headers).length ? h('details', {}, h('summary', {}, 'Response headers'), headerTable(`Response headers of attempt ${n}`, a.response_headers)) : null,
    h('details', { open: n === 1 || !ok }, h('summary', {}, 'Response body'),
      a.response_body ? h('pre', { class: 'response-body' }, a.response_body) : h('p', { class: 'muted' }, '(empty)')));
}

function headerTable(caption, headers) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'headers' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('tbody', {}, Object.entries(headers).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, h('code', {}, v)))))));
}
