// The endpoint settings of the platform dialects, shared by the create form
// (endpoints.js) and the settings form (endpoint.js): the signature schemes
// and presets, a secret you bring, and when failures disable the endpoint.
import { h, uid } from '../js/dom.js';
import { field, input, select } from '../js/form.js';

// SCHEMES are the choices of the signature list, in the order shown.
export const SCHEMES = [
  { key: 'standard-webhooks', label: 'Standard Webhooks (webhook-signature)', entry: { scheme: 'standard-webhooks' } },
  { key: 'pollybot', label: 'Pollybot (X-Webhook-Signature: sha256=<hex>)', entry: { preset: 'pollybot' } },
  { key: 'onwebchat', label: 'onWebChat (X-OWC-Signature: <hex>)', entry: { preset: 'onwebchat' } },
  { key: 'chat-data', label: 'Chat Data (X-Chat-Data-Hmac-Sha256: <base64>, X-Chat-Data-Topic)', entry: { preset: 'chat-data' } },
  { key: 'github', label: 'GitHub (X-Hub-Signature-256: sha256=<hex>)', entry: { preset: 'github' } },
  { key: 'tripline-legacy', label: 'Tripline legacy (X-Tripline-Signature: sha256=<hex>)', entry: { preset: 'tripline-legacy' } },
];

// signatureEditor returns the signature fieldset for sigs (an endpoint's
// expanded list; undefined: the default) and value(), the list to send.
export function signatureEditor(sigs) {
  sigs = sigs || [{ scheme: 'standard-webhooks' }];
  const keyOf = (s) => s.preset || (s.scheme === 'standard-webhooks' ? 'standard-webhooks' : null);
  const on = new Set(sigs.map(keyOf).filter(Boolean));
  const custom = sigs.find((s) => !keyOf(s));
  const boxes = SCHEMES.map((s) => {
    const cb = h('input', { type: 'checkbox', name: 'signature', value: s.key, checked: on.has(s.key), id: uid('sig') });
    return { s, cb, el: h('label', { class: 'check', for: cb.id }, cb, ' ', s.label) };
  });
  const customCb = h('input', { type: 'checkbox', name: 'signature', value: 'custom', checked: !!custom, id: uid('sig') });
  const header = input({ name: 'custom_header', value: custom?.header || '', placeholder: 'X-Signature', autocomplete: 'off' });
  const encoding = select([['hex', 'hex'], ['base64', 'base64']], custom?.encoding || 'hex', { name: 'custom_encoding' });
  const prefix = input({ name: 'custom_prefix', value: custom?.prefix || '', placeholder: 'sha256=', autocomplete: 'off' });
  const customFields = h('div', { class: 'grid2', hidden: !custom },
    field('Header', header, { name: 'custom_header' }),
    field('Encoding', encoding, { name: 'custom_encoding' }),
    field('Prefix', prefix, { name: 'custom_prefix', hint: 'Optional, before the digest.' }));
  customCb.addEventListener('change', () => { customFields.hidden = !customCb.checked; });
  const el = h('fieldset', { class: 'field signatures', dataset: { field: 'signatures' } },
    h('legend', {}, 'Signatures'),
    h('p', { class: 'hint' }, 'Every scheme chosen is sent. HMAC schemes sign the raw body with the secret string as you hold it; a platform\u2019s preset matches its documented receivers.'),
    ...boxes.map((b) => b.el),
    h('label', { class: 'check', for: customCb.id }, customCb, ' Custom HMAC-SHA256 header'),
    customFields);
  return {
    el,
    value() {
      const out = boxes.filter((b) => b.cb.checked).map((b) => ({ ...b.s.entry }));
      if (customCb.checked) {
        const e = { scheme: 'hmac-sha256', header: header.value.trim(), encoding: encoding.value };
        if (prefix.value) e.prefix = prefix.value;
        out.push(e);
      }
      return out;
    },
  };
}

// disableAfterEditor returns the disable-after fields for d (an endpoint's;
// undefined: the default) and value().
export function disableAfterEditor(d) {
  d = d || { failures: 5, counting: 'dead_deliveries' };
  const failures = input({ type: 'number', name: 'disable_after.failures', min: 1, max: 1000, value: d.failures });
  const counting = select([['dead_deliveries', 'dead deliveries in a row'], ['attempts', 'failed attempts in a row']], d.counting, { name: 'disable_after.counting' });
  const el = h('div', { class: 'grid2' },
    field('Disable after', failures, { name: 'disable_after.failures', hint: 'Tripline disables the endpoint after this many failures, with the reason shown.' }),
    field('Counting', counting, { name: 'disable_after.counting' }));
  return { el, value: () => ({ failures: Number(failures.value), counting: counting.value }) };
}

// secretInput is the optional secret of a new endpoint.
export function secretInput() {
  const el = input({ type: 'password', name: 'secret', autocomplete: 'off', placeholder: 'leave empty for a new whsec_ secret' });
  return { control: el, el: field('Secret you bring (optional)', el, { name: 'secret', hint: 'The secret your receiver already holds: a whsec_ secret, or for HMAC-only schemes any string of 16 bytes or more. Shown once, never again.' }) };
}
