// Activity: the stream of trigger events (GET /v1/trigger-events), newest
// first, live, filterable by trigger type, contact, rule and source (kept in
// the address: #/activity?type=&contact_id=&rule_id=&source=&cursor=). Each
// event opens to what every rule made of it (pages/event.js).
import { h, clear, append, timeEl } from '../js/dom.js';
import { api, qs } from '../js/api.js';
import { field, input, select } from '../js/form.js';
import { loadCatalogue, humanize } from '../js/catalogue.js';

export const title = 'Activity';

const PAGE = 25;
const LIVE_MS = 5000;

export async function render(view, ctx) {
  const q = {
    type: ctx.query.get('type') || '',
    contact_id: ctx.query.get('contact_id') || '',
    rule_id: ctx.query.get('rule_id') || '',
    source: ctx.query.get('source') || '',
  };
  const cursor = ctx.query.get('cursor') || '';
  const [catalogue, rules] = await Promise.all([loadCatalogue(), api.all('/v1/rules')]);
  if (ctx.stale()) return undefined;
  const go = (over) => ctx.navigate(`#/activity${qs({ ...q, ...over })}`);

  const typeSel = select([['', 'All triggers'], ...catalogue.map((t) => [t.type, humanize(t.type)])], q.type, { name: 'type' });
  const ruleSel = select([['', 'Any rule'], ...rules.map((r) => [r.id, r.name])], q.rule_id, { name: 'rule_id' });
  const contact = input({ name: 'contact_id', value: q.contact_id, autocomplete: 'off', placeholder: 'c_123' });
  const source = input({ name: 'source', value: q.source, autocomplete: 'off', placeholder: 'Sales bot' });
  const filtered = Object.values(q).some(Boolean);
  const filters = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Filter trigger events' },
    field('Trigger', typeSel), field('Contact id', contact),
    field('Rule', ruleSel), field('Source (id or name)', source),
    h('div', { class: 'row filter-buttons' },
      h('button', { type: 'submit', class: 'secondary' }, 'Apply'),
      filtered ? h('a', { href: '#/activity', class: 'button secondary' }, 'Clear filters') : null));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go({ type: typeSel.value, rule_id: ruleSel.value, contact_id: contact.value.trim(), source: source.value.trim(), cursor: '' });
  });

  const tbody = h('tbody');
  const pager = h('nav', { class: 'row pager', 'aria-label': 'Pages' });
  const status = h('span', { role: 'status', 'aria-live': 'polite' });
  const updated = h('span', {});
  async function load() {
    const page = await api.get(`/v1/trigger-events${qs({ ...q, limit: PAGE, cursor })}`);
    if (ctx.stale()) return;
    const focused = document.activeElement?.closest?.('tr[data-event]')?.dataset.event;
    clear(tbody);
    for (const e of page.data) tbody.append(row(e));
    if (focused) tbody.querySelector(`tr[data-event="${CSS.escape(focused)}"] a`)?.focus();
    if (!page.data.length) {
      tbody.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, filtered
        ? 'No trigger event matches these filters.'
        : 'No trigger events yet. They appear here as soon as your platform posts events to /v1/events, or when you tag a contact or edit its fields on its page.')));
    }
    append(clear(pager), [
      cursor ? h('a', { class: 'button secondary small', href: `#/activity${qs(q)}` }, 'Newest') : null,
      page.next_cursor ? h('a', { class: 'button secondary small', href: `#/activity${qs({ ...q, cursor: page.next_cursor })}`, rel: 'next' }, 'Older →') : null]);
    const said = `${page.data.length} trigger event${page.data.length === 1 ? '' : 's'} shown${cursor ? ' (older page)' : ''}.`;
    if (status.dataset.said !== said) {
      status.dataset.said = said;
      status.textContent = said;
    }
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  }
  function row(e) {
    const who = e.contact_name ? `${e.contact_name} (${e.contact_id})` : e.contact_id;
    return h('tr', { dataset: { event: e.id, type: e.type } },
      h('td', { 'data-label': 'When' }, timeEl(e.timestamp || e.created_at)),
      h('td', { 'data-label': 'Trigger' }, h('a', { href: `#/activity/${encodeURIComponent(e.id)}`, 'aria-label': `${humanize(e.type)} ${e.id}: what the rules made of it` }, humanize(e.type))),
      h('td', { 'data-label': 'Contact' }, e.contact_id
        ? h('a', { href: `#/contacts/${encodeURIComponent(e.contact_id)}` }, who) : h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'Details' }, e.erased ? h('span', { class: 'muted' }, 'erased (GDPR)') : eventSummary(e)));
  }

  // Live on the newest page: the list refreshes itself.
  const live = h('input', { type: 'checkbox', id: 'live', checked: !cursor && sessionStorage.getItem('tripline.activity.live') !== '0', disabled: Boolean(cursor) });
  let timer = 0;
  const refresh = async () => {
    try { await load(); } catch (err) { ctx.toast(err.detail || String(err), 'error'); }
  };
  const arm = () => {
    clearInterval(timer);
    if (live.checked) timer = setInterval(refresh, LIVE_MS);
  };
  live.addEventListener('change', () => { sessionStorage.setItem('tripline.activity.live', live.checked ? '1' : '0'); arm(); });

  view.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Activity'),
        h('p', { class: 'muted' }, 'What happened to your contacts, as the triggers rules listen for. Open one to see, rule by rule, whether it fired and why not. Filtered by a rule, the list shows the events of its trigger.')),
      h('div', { class: 'actions' },
        h('label', { class: 'check', for: 'live' }, live, ' Live (every 5 s)'),
        h('button', { type: 'button', class: 'secondary', on: { click: refresh } }, 'Refresh now'))),
    filters,
    h('section', { 'aria-labelledby': 'events-h' },
      h('h2', { id: 'events-h' }, 'Trigger events'),
      h('p', { class: 'muted small' }, status, ' ', updated),
      h('div', { class: 'table-wrap' }, h('table', { class: 'stack events' },
        h('thead', {}, h('tr', {}, ['When', 'Trigger', 'Contact', 'Details'].map((t) => h('th', {}, t)))),
        tbody)),
      pager));
  await load();
  if (ctx.stale()) return undefined;
  arm();
  return () => clearInterval(timer);
}

// eventSummary says in a line what a trigger event carries (its own fields).
export function eventSummary(e) {
  const parts = [];
  const show = (v) => (typeof v === 'string' ? `“${v}”` : JSON.stringify(v));
  if (e.tag !== undefined) parts.push(`tag ${show(e.tag)}`);
  if (e.custom_field) parts.push(`${e.custom_field.name}: ${show(e.custom_field.old_value ?? null)} → ${show(e.custom_field.new_value ?? null)}`);
  if (e.message) parts.push(`${e.message.author || 'message'}: ${show(e.message.text ?? '')}`);
  if (e.rating !== undefined) parts.push(`rated ${e.rating}${e.comment ? ` ${show(e.comment)}` : ''}`);
  if (e.sequence_name || e.sequence_id) parts.push(`sequence ${show(e.sequence_name || e.sequence_id)}`);
  if (e.assigned_to) parts.push(`to ${show(e.assigned_to)}`);
  if (e.name !== undefined && e.type === 'custom') parts.push(show(e.name));
  if (e.changes) parts.push(e.changes.map((c) => c.field).join(', '));
  if (e.source?.name) parts.push(`via ${e.source.name}`);
  return parts.length ? parts.join(' · ') : h('span', { class: 'muted' }, '—');
}
