// Sources: inbound URLs that take a platform's own webhooks (SPEC section
// 13). The list shows each source's switch and kind; the create form takes
// the kind, the platform's signing secret and, for custom, a mapping.
import { h, clear, timeEl, toggle } from '../js/dom.js';
import { api } from '../js/api.js';
import { field, input, select, showProblem, clearErrors } from '../js/form.js';

export const title = 'Sources';

// KINDS are the kinds of source, with what each needs to verify requests.
export const KINDS = [
  ['onwebchat', 'onWebChat', 'X-OWC-Signature (hex HMAC-SHA256): paste the endpoint\'s signing secret.'],
  ['pollybot', 'Pollybot', 'X-Webhook-Signature: sha256=<hex>: paste the webhook\'s secret.'],
  ['chat-data', 'Chat Data', 'X-Chat-Data-Hmac-Sha256 (base64): paste your SIGNING_SECRET.'],
  ['chatonbo', 'Chatonbo', 'Chatonbo documents no signature header: name the header below, or leave the secret empty.'],
  ['chatbotx', 'ChatbotX', 'ChatbotX documents no signature header: name the header below, or leave the secret empty.'],
  ['custom', 'Custom', 'Any sender: name its signature header and write a mapping (see docs/sources.md).'],
];

export const kindLabel = (k) => (KINDS.find((x) => x[0] === k) || [k, k])[1];

export async function render(view, ctx) {
  const list = await api.all('/v1/sources');
  if (ctx.stale()) return;
  const fail = (err) => ctx.toast(err.detail || String(err), 'error');

  const name = input({ name: 'name', autocomplete: 'off', placeholder: 'e.g. Sales bot' });
  const kind = select(KINDS.map(([v, l]) => [v, l]), 'onwebchat', { name: 'kind' });
  const secret = input({ type: 'password', name: 'secret', autocomplete: 'off' });
  const header = input({ name: 'header', autocomplete: 'off', placeholder: 'X-Signature' });
  const prefix = input({ name: 'prefix', autocomplete: 'off', placeholder: 'sha256=' });
  const mapping = h('textarea', { name: 'mapping', rows: 8, spellcheck: 'false',
    placeholder: '{"event": "type", "id": "id", "events": {"*": {"type": "contact_updated", "fields": {"contact_id": "user.id"}}}}' });
  const kindHint = h('p', { class: 'hint', 'aria-live': 'polite' });
  const headerFields = h('div', { class: 'grid2' },
    field('Signature header', header, { name: 'verify.header', hint: 'The header the sender puts its HMAC-SHA256 in.' }),
    field('Prefix', prefix, { name: 'verify.prefix', hint: 'Before the signature, as in sha256=… (optional).' }));
  const mappingField = field('Mapping (JSON)', mapping, { name: 'mapping', hint: 'gjson paths of the sender\'s JSON for each Tripline field.' });
  const sync = () => {
    const k = KINDS.find((x) => x[0] === kind.value);
    kindHint.textContent = k[2];
    headerFields.hidden = !['chatonbo', 'chatbotx', 'custom'].includes(kind.value);
    mappingField.hidden = kind.value !== 'custom';
  };
  kind.addEventListener('change', sync);
  const submit = h('button', { type: 'submit' }, 'Create source');
  const form = h('form', { class: 'card', novalidate: true, hidden: true, 'aria-labelledby': 'new-src-h' },
    h('h2', { id: 'new-src-h' }, 'New source'),
    h('div', { class: 'grid2' },
      field('Kind', kind, { name: 'kind' }),
      field('Name', name, { name: 'name', hint: 'Rules can match on it: event.source.name.' })),
    kindHint,
    field('Signing secret', secret, { name: 'verify.secret', hint: 'Encrypted at rest and never shown again. Leave empty to accept unsigned requests.' }),
    headerFields, mappingField,
    h('div', { class: 'row' }, submit,
      h('button', { type: 'button', class: 'secondary', on: { click: () => { form.hidden = true; newBtn.focus(); } } }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { name: name.value.trim(), kind: kind.value };
    if (secret.value) {
      body.verify = { secret: secret.value };
      if (!headerFields.hidden && header.value.trim()) Object.assign(body.verify, { header: header.value.trim(), prefix: prefix.value });
    }
    if (kind.value === 'custom') {
      try { body.mapping = JSON.parse(mapping.value || 'null'); } catch (err) {
        showProblem(form, { detail: 'The mapping is not JSON.', errors: [{ field: 'mapping', message: `is not JSON: ${err.message}` }] });
        return;
      }
    }
    submit.disabled = true;
    try {
      const src = await api.post('/v1/sources', body);
      ctx.toast(`Source ${src.name} created: paste its ingest URL into the platform.`);
      ctx.navigate(`#/sources/${src.id}`);
    } catch (err) {
      showProblem(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  const newBtn = h('button', { type: 'button', on: { click: () => { form.hidden = false; sync(); kind.focus(); } } }, '+ New source');

  const tbody = h('tbody');
  for (const src of list) {
    const sw = toggle(`Source ${src.name} enabled`, src.enabled, async (on) => {
      try {
        Object.assign(src, await api.patch(`/v1/sources/${src.id}`, { enabled: on }));
        ctx.toast(on ? `Source ${src.name} is enabled.` : `Source ${src.name} is disabled: its URL answers 404.`);
      } catch (err) { fail(err); throw err; }
    });
    tbody.append(h('tr', { dataset: { source: src.id } },
      h('td', { 'data-label': 'Enabled' }, sw),
      h('td', { 'data-label': 'Source' }, h('a', { href: `#/sources/${src.id}` }, src.name)),
      h('td', { 'data-label': 'Kind' }, kindLabel(src.kind)),
      h('td', { 'data-label': 'Signed' }, src.verify ? src.verify.header || src.verify.scheme : h('span', { class: 'muted' }, 'unsigned')),
      h('td', { 'data-label': 'Created' }, timeEl(src.created_at))));
  }
  if (!list.length) tbody.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No sources yet. Create one and paste its URL into your chatbot platform\'s webhook settings.')));

  view.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Sources'),
        h('p', { class: 'muted' }, 'Inbound URLs for a platform\'s own webhooks: verified, mapped to events, and matched by your rules.')),
      h('div', { class: 'actions' }, newBtn)),
    form,
    h('div', { class: 'table-wrap' }, h('table', { class: 'stack sources' },
      h('caption', { class: 'visually-hidden' }, 'Sources'),
      h('thead', {}, h('tr', {}, h('th', {}, 'Enabled'), h('th', {}, 'Source'), h('th', {}, 'Kind'), h('th', {}, 'Signed'), h('th', {}, 'Created'))),
      tbody)));
  sync();
  if (ctx.query.get('new') !== null) { form.hidden = false; kind.focus(); }
}
