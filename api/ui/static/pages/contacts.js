// Contacts: search by part of the id, name, email or phone, or by a tag
// (GET /v1/contacts?q=&tag=), kept in the address (#/contacts?q=&tag=&cursor=).
import { h, append, timeEl } from '../js/dom.js';
import { api, qs } from '../js/api.js';
import { field, input } from '../js/form.js';

export const title = 'Contacts';

const PAGE = 25;

export async function render(view, ctx) {
  const q = { q: ctx.query.get('q') || '', tag: ctx.query.get('tag') || '' };
  const cursor = ctx.query.get('cursor') || '';
  const page = await api.get(`/v1/contacts${qs({ ...q, limit: PAGE, cursor })}`);
  if (ctx.stale()) return;
  const filtered = Boolean(q.q || q.tag);

  const search = input({ type: 'search', name: 'q', value: q.q, autocomplete: 'off', placeholder: 'John, john@example.com, +1555…, c_123' });
  const tag = input({ name: 'tag', value: q.tag, autocomplete: 'off', placeholder: 'vip' });
  const form = h('form', { class: 'filters card contact-search', role: 'search', 'aria-label': 'Search contacts' },
    field('Name, email, phone or id', search), field('Tag', tag),
    h('div', { class: 'row filter-buttons' },
      h('button', { type: 'submit', class: 'secondary' }, 'Search'),
      filtered ? h('a', { href: '#/contacts', class: 'button secondary' }, 'Clear') : null));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.navigate(`#/contacts${qs({ q: search.value.trim(), tag: tag.value.trim() })}`);
  });

  const tbody = h('tbody', {}, page.data.map((c) => h('tr', { dataset: { contact: c.id } },
    h('td', { 'data-label': 'Contact' }, h('a', { href: `#/contacts/${encodeURIComponent(c.id)}` }, c.name || c.id),
      c.name ? h('div', { class: 'muted small' }, c.id) : null),
    h('td', { 'data-label': 'Email' }, c.email || h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Phone' }, c.phone || h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Tags' }, c.tags.length ? h('span', { class: 'tag-list' }, c.tags.map((t) => h('a', { class: 'badge', href: `#/contacts${qs({ tag: t })}`, title: `Contacts tagged ${t}` }, t))) : h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Updated' }, timeEl(c.updated_at)))));
  if (!page.data.length) {
    tbody.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, filtered
      ? 'No contact matches this search.'
      : 'No contacts yet. A contact appears when your platform posts its first event about it to POST /v1/events, such as {"type": "contact_updated", "contact_id": "c_1", "contact": {"name": "John"}}.')));
  }
  const pager = append(h('nav', { class: 'row pager', 'aria-label': 'Pages' }), [
    cursor ? h('a', { class: 'button secondary small', href: `#/contacts${qs(q)}` }, 'First page') : null,
    page.next_cursor ? h('a', { class: 'button secondary small', href: `#/contacts${qs({ ...q, cursor: page.next_cursor })}`, rel: 'next' }, 'Next →') : null]);

  view.append(
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Contacts'),
      h('p', { class: 'muted' }, 'The people your bots talk to, with their tags, fields and history. Open one to tag it or edit its fields: the change fires your rules like an event from your platform.'))),
    form,
    h('p', { class: 'muted small', role: 'status' }, `${page.data.length} contact${page.data.length === 1 ? '' : 's'} shown${cursor ? ' (a later page)' : ''}.`),
    h('div', { class: 'table-wrap' }, h('table', { class: 'stack contacts' },
      h('thead', {}, h('tr', {}, ['Contact', 'Email', 'Phone', 'Tags', 'Updated'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody)),
    pager);
}
