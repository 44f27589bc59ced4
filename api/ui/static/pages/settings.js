// Workspace settings (GET and PATCH /v1/workspace): its name, the time zone
// datetime rules use when theirs names none, and whether destinations must
// be HTTPS.
import { h } from '../js/dom.js';
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
  view.append(
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Settings'),
      h('p', { class: 'muted' }, 'This workspace’s name and time zone. Members are not managed here.'))),
    form);
}
