// Workspace settings (GET and PATCH /v1/workspace): its name, the time zone
// datetime rules use when theirs names none, and whether destinations must
// be HTTPS.
import { h, clear, timeEl, copyButton } from '../js/dom.js';
import { api } from '../js/api.js';
import { field, input, clearErrors, showProblem } from '../js/form.js';

export const title = 'Settings';

export async function render(view, ctx) {
  const ws = await api.get('/v1/workspace');
  if (ctx.stale()) return;
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const name = input({ name: 'name', value: ws.name, autocomplete: 'off', required: true });
  const tz = input({ name: 'timezone', value: ws.timezone, autocomplete: 'off', list: 'tz-list', spellcheck: 'false' });
  const https = h('input', { type: 'checkbox', name: 'require_https', id: 'require-https', checked: ws.require_https });
  const save = h('button', { type: 'submit' }, 'Save settings');
  const form = h('form', { class: 'card settings-form', novalidate: true },
    h('h2', {}, 'Workspace'),
    field('Name', name, { name: 'name' }),
    field('Time zone', tz, { name: 'timezone', hint: `An IANA name such as Europe/Berlin. Datetime rules without a time zone of their own count days and times (“at 09:00”) in it. Your browser is in ${Intl.DateTimeFormat().resolvedOptions().timeZone}.` }),
    h('datalist', { id: 'tz-list' }, zones.map((z) => h('option', { value: z }))),
    h('div', { class: 'field' }, h('label', { class: 'check', for: 'require-https' }, https, ' Only HTTPS destinations'),
      h('p', { class: 'hint' }, 'Refuses http:// endpoint URLs when saved and when sent (the development allowlist excepted).')),
    h('p', { class: 'muted small' }, `Id ${ws.id} · created ${new Date(ws.created_at).toLocaleDateString()}`),
    save);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    save.disabled = true;
    try {
      const out = await api.patch('/v1/workspace', { name: name.value.trim(), timezone: tz.value.trim(), require_https: https.checked });
      if (ctx.stale()) return;
      ctx.session.workspace.name = out.name;
      document.getElementById('workspace-name').textContent = `Workspace ${out.name}`;
      ctx.toast('Settings saved.');
    } catch (err) {
      showProblem(form, err);
    } finally {
      save.disabled = false;
    }
  });
  // API keys: create (the secret is shown once), see when each was last
  // used, revoke.
  const keysBody = h('tbody');
  const shown = h('div', { role: 'status', 'aria-live': 'polite' });
  async function loadKeys() {
    const keys = await api.all('/v1/keys');
    if (ctx.stale()) return;
    clear(keysBody);
    for (const k of keys) {
      const revoke = k.current ? h('span', { class: 'muted small' }, 'in use by this session')
        : h('button', { type: 'button', class: 'danger small', 'aria-label': `Revoke ${k.name || k.prefix}` }, 'Revoke');
      if (!k.current) {
        revoke.addEventListener('click', async () => {
          if (!window.confirm(`Revoke the key ${k.name || k.prefix}…? Requests with it will be refused at once.`)) return;
          revoke.disabled = true;
          try {
            await api.del(`/v1/keys/${k.id}`);
            ctx.toast(`Key ${k.name || k.prefix} revoked.`);
            await loadKeys();
          } catch (err) {
            revoke.disabled = false;
            ctx.toast(err.detail || String(err), 'error');
          }
        });
      }
      keysBody.append(h('tr', { dataset: { key: k.id } },
        h('td', { 'data-label': 'Name' }, k.name || h('span', { class: 'muted' }, 'unnamed')),
        h('td', { 'data-label': 'Key' }, h('code', {}, `${k.prefix}…`)),
        h('td', { 'data-label': 'Created' }, timeEl(k.created_at)),
        h('td', { 'data-label': 'Last used' }, timeEl(k.last_used_at)),
        h('td', { 'data-label': '' }, revoke)));
    }
  }
  const keyName = input({ name: 'key_name', autocomplete: 'off', placeholder: 'Zapier' });
  const keyForm = h('form', { class: 'row align-end key-form' }, field('Name of a new key', keyName, { name: 'name' }),
    h('button', { type: 'submit' }, 'Create key'));
  keyForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(keyForm);
    clear(shown);
    try {
      const k = await api.post('/v1/keys', { name: keyName.value.trim() });
      keyName.value = '';
      shown.append(h('div', { class: 'notice secret-once' },
        h('p', {}, h('strong', {}, `Key ${k.name} created. Copy it now: it is not shown again.`)),
        h('div', { class: 'row secret-row' }, h('code', { class: 'secret', id: 'new-key' }, k.key), copyButton(k.key, 'Copy key'))));
      await loadKeys();
    } catch (err) {
      showProblem(keyForm, err);
    }
  });

  view.append(
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Settings'),
      h('p', { class: 'muted' }, 'This workspace’s name, time zone and API keys. Members are not managed here.'))),
    form,
    h('section', { class: 'card', 'aria-labelledby': 'keys-h' },
      h('h2', { id: 'keys-h' }, 'API keys'),
      h('p', { class: 'muted' }, 'Each key opens this workspace’s whole API: give each integration its own, so that you can revoke one without the others. “Last used” is updated at most once a minute.'),
      keyForm, shown,
      h('div', { class: 'table-wrap' }, h('table', { class: 'stack keys' },
        h('thead', {}, h('tr', {}, ['Name', 'Key', 'Created', 'Last used', ''].map((t) => h('th', { scope: 'col' }, t)))),
        keysBody))));
  await loadKeys();
}
