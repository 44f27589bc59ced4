// Endpoints: where webhooks go. The list shows each endpoint's switch and
// health; the create form shows the new signing secret once.
import { h, clear, timeEl, toggle, copyButton } from '../js/dom.js';
import { api } from '../js/api.js';
import { field, input, showProblem, clearErrors } from '../js/form.js';
import { signatureEditor, disableAfterEditor, secretInput } from './endpoint_dialects.js';

export const title = 'Endpoints';

// The statuses of a delivery, in the order the UI lists them.
export const statusOrder = ['succeeded', 'failed', 'pending', 'sending', 'paused', 'dead', 'discarded'];

// AUTO_DISABLE_AFTER mirrors actions.AutoDisableAfter: this many dead
// deliveries in a row disable an endpoint.
export const AUTO_DISABLE_AFTER = 5;

// secretBox shows a signing secret that the API answers only once, with a
// copy button and the warning that it will not be shown again.
export function secretBox(heading, secret, extra) {
  return h('section', { class: 'card secret-once', role: 'region', 'aria-label': heading },
    h('h2', {}, heading),
    h('p', {}, h('strong', {}, 'Copy this signing secret now: you will not see it again.'),
      ' Your receiver uses it to verify the webhook-signature header of every request. If you lose it, rotate the secret.'),
    h('div', { class: 'row secret-row' }, h('code', { class: 'secret', 'data-secret': '' }, secret), copyButton(secret, 'Copy secret')),
    extra || null);
}

// health summarizes an endpoint's state in a badge and a sentence.
export function health(ep) {
  if (!ep.enabled) {
    return { cls: 'bad', label: 'Disabled', text: ep.disabled_reason ? `Disabled: ${ep.disabled_reason}` : 'Disabled by hand: deliveries wait (paused) until it is enabled.' };
  }
  if (ep.dead_streak > 0 || ep.failure_streak > 0) {
    const parts = [];
    if (ep.failure_streak > 0) parts.push(`${ep.failure_streak} failed attempt${ep.failure_streak === 1 ? '' : 's'}`);
    if (ep.dead_streak > 0) parts.push(`${ep.dead_streak} of ${AUTO_DISABLE_AFTER} dead deliveries before it is disabled`);
    return { cls: 'warn', label: 'Failing', text: `Since the last success: ${parts.join(', ')}.` };
  }
  return { cls: 'ok', label: 'Healthy', text: ep.last_success_at ? 'The last attempt succeeded.' : 'Nothing has failed.' };
}

// statsLine shows delivery counts by status as links to the filtered log.
export function statsLine(ep) {
  if (!ep.stats) return h('span', { class: 'muted' }, '—');
  const items = statusOrder.filter((s) => ep.stats[s] > 0).map((s) =>
    h('a', { href: `#/deliveries?endpoint_id=${encodeURIComponent(ep.id)}&status=${s}`, class: `badge ${s}`, 'aria-label': `${ep.stats[s]} ${s} deliveries to ${ep.name}` }, `${ep.stats[s]} ${s}`));
  return items.length ? h('span', { class: 'stats-line' }, items) : h('span', { class: 'muted' }, 'No deliveries yet');
}

// setEnabled turns an endpoint on or off. Off is PATCH enabled=false (its
// waiting deliveries become paused). On is POST …/enable, which sends the
// paused deliveries or, if the reader chooses, discards them. It resolves to
// the endpoint, or null when the reader cancelled.
export async function setEnabled(ep, on) {
  if (!on) return api.patch(`/v1/endpoints/${ep.id}`, { enabled: false });
  const paused = ep.stats ? ep.stats.paused : 0;
  let discard = false;
  if (paused > 0) {
    const choice = await askPaused(ep, paused);
    if (choice === 'cancel') return null;
    discard = choice === 'discard';
  }
  return api.post(`/v1/endpoints/${ep.id}/enable`, { discard_paused: discard });
}

// askPaused asks what to do with an endpoint's paused deliveries when it is
// enabled: send them, discard them, or cancel.
// The dialog is shown non-modal with the rest of the page made inert: the
// same for keyboard and screen-reader users as showModal(), without the top
// layer (whose DevTools events the browser tests' driver does not know).
function askPaused(ep, n) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'card modal', 'aria-labelledby': 'paused-h', 'aria-modal': 'true' });
    const back = document.activeElement;
    const outside = [document.getElementById('top'), document.getElementById('main')];
    const done = (v) => {
      dialog.close();
      dialog.remove();
      outside.forEach((el) => { el.inert = false; });
      document.body.classList.remove('has-modal');
      if (back && back.isConnected) back.focus();
      resolve(v);
    };
    dialog.append(
      h('h2', { id: 'paused-h' }, `Enable ${ep.name}`),
      h('p', {}, `${n} deliver${n === 1 ? 'y waits' : 'ies wait'} (paused) for this endpoint. Send ${n === 1 ? 'it' : 'them'} now, or discard ${n === 1 ? 'it' : 'them'}?`),
      h('div', { class: 'row' },
        h('button', { type: 'button', on: { click: () => done('send') } }, `Enable and send ${n}`),
        h('button', { type: 'button', class: 'danger', on: { click: () => done('discard') } }, `Enable and discard ${n}`),
        h('button', { type: 'button', class: 'secondary', on: { click: () => done('cancel') } }, 'Cancel')));
    dialog.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); done('cancel'); } });
    document.body.append(dialog);
    outside.forEach((el) => { el.inert = true; });
    document.body.classList.add('has-modal');
    dialog.show();
    dialog.querySelector('button').focus();
  });
}

export async function render(view, ctx) {
  const list = await api.all('/v1/endpoints');
  if (ctx.stale()) return;
  const endpoints = list; // list items carry their stats
  const fail = (err) => ctx.toast(err.detail || String(err), 'error');

  // Create
  const url = input({ type: 'url', name: 'url', required: true, autocomplete: 'off', placeholder: 'https://hooks.example.com/tripline', inputmode: 'url' });
  const name = input({ name: 'name', autocomplete: 'off', placeholder: 'e.g. Google Sheets' });
  const description = h('textarea', { name: 'description', rows: 2 });
  const sigs = signatureEditor();
  const secret = secretInput();
  const disableAfter = disableAfterEditor();
  const submit = h('button', { type: 'submit' }, 'Create endpoint');
  const created = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', novalidate: true, hidden: true, 'aria-labelledby': 'new-ep-h' },
    h('h2', { id: 'new-ep-h' }, 'New endpoint'),
    field('URL', url, { name: 'url', hint: 'Where Tripline POSTs the signed webhooks: an https:// address your receiver listens on.' }),
    h('div', { class: 'grid2' },
      field('Name', name, { name: 'name', hint: 'To tell endpoints apart; the host name if left empty.' }),
      field('Description', description, { name: 'description' })),
    sigs.el, secret.el, disableAfter.el,
    h('p', { class: 'hint' }, 'Retries, rate limits and headers can be set on the endpoint once it exists.'),
    h('div', { class: 'row' }, submit,
      h('button', { type: 'button', class: 'secondary', on: { click: () => { form.hidden = true; newBtn.focus(); } } }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const body = { url: url.value.trim(), name: name.value.trim(), description: description.value,
        signatures: sigs.value(), disable_after: disableAfter.value() };
      if (secret.control.value !== '') body.secret = secret.control.value;
      const ep = await api.post('/v1/endpoints', body);
      form.hidden = true;
      form.reset();
      ctx.toast(`Endpoint ${ep.name} created.`);
      clear(created).append(secretBox(`Endpoint ${ep.name} created`, ep.secret,
        h('div', { class: 'row' },
          h('a', { class: 'button', href: `#/endpoints/${ep.id}` }, `Open ${ep.name}`),
          h('button', { type: 'button', class: 'secondary', on: { click: () => ctx.navigate('#/endpoints') } }, 'Done, I copied it'))));
      created.querySelector('h2').setAttribute('tabindex', '-1');
      created.querySelector('h2').focus();
      endpoints.push(ep);
      rows();
    } catch (err) {
      showProblem(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  const newBtn = h('button', { type: 'button', on: { click: () => { form.hidden = false; clear(created); url.focus(); } } }, '+ New endpoint');

  // List
  const tbody = h('tbody');
  function rows() {
    clear(tbody);
    for (const ep of endpoints) tbody.append(row(ep));
    if (!endpoints.length) {
      tbody.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No endpoints yet. Create one to send webhooks to it.')));
    }
  }
  function row(ep) {
    const hl = health(ep);
    const sw = toggle(`Endpoint ${ep.name} enabled`, ep.enabled, async (on) => {
      try {
        const got = await setEnabled(ep, on);
        if (!got) { sw.checked = !on; return; }
        Object.assign(ep, got);
        ctx.toast(on ? `Endpoint ${ep.name} is enabled.` : `Endpoint ${ep.name} is disabled: its deliveries wait (paused).`);
        ctx.navigate(location.hash);
      } catch (err) { fail(err); throw err; }
    });
    return h('tr', { dataset: { endpoint: ep.id } },
      h('td', { 'data-label': 'Enabled' }, sw),
      h('td', { 'data-label': 'Endpoint' }, h('div', {},
        h('a', { href: `#/endpoints/${ep.id}` }, ep.name),
        h('div', { class: 'muted small url' }, ep.url))),
      h('td', { 'data-label': 'Health' }, h('div', {},
        h('span', { class: `badge ${hl.cls}` }, hl.label),
        h('div', { class: 'small muted health-text' }, hl.text))),
      h('td', { 'data-label': 'Last success' }, timeEl(ep.last_success_at)),
      h('td', { 'data-label': 'Last attempt' }, h('div', {}, timeEl(ep.last_attempt_at),
        ep.last_failure_at ? h('div', { class: 'small muted' }, 'failed ', timeEl(ep.last_failure_at)) : null)),
      h('td', { 'data-label': 'Deliveries' }, statsLine(ep)));
  }

  view.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Endpoints'),
        h('p', { class: 'muted' }, 'The URLs your rules send signed webhooks to. A disabled endpoint keeps its deliveries paused until it is enabled again.')),
      h('div', { class: 'actions' }, newBtn)),
    created, form,
    h('div', { class: 'table-wrap' }, h('table', { class: 'stack endpoints' },
      h('caption', { class: 'visually-hidden' }, 'Endpoints'),
      h('thead', {}, h('tr', {}, h('th', {}, 'Enabled'), h('th', {}, 'Endpoint'), h('th', {}, 'Health'), h('th', {}, 'Last success'), h('th', {}, 'Last attempt'), h('th', {}, 'Deliveries'))),
      tbody)));
  rows();
  if (ctx.query.get('new') !== null) { form.hidden = false; url.focus(); }
}
