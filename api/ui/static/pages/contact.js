// One contact: its state, tags, custom fields and conversation, with a
// timeline of its trigger events and deliveries. Tags and fields change
// through the contact API (POST/DELETE …/tags, PATCH), which ingests them as
// events: rules fire as they would for an event from the platform.
import { h, clear, append, timeEl, fmtTime, pretty } from '../js/dom.js';
import { api, qs } from '../js/api.js';
import { field, input, clearErrors, showProblem, errorBox } from '../js/form.js';
import { humanize } from '../js/catalogue.js';
import { eventSummary } from './activity.js';

export const title = 'Contact';

const TIMELINE = 50;
const infoFields = [['name', 'Name'], ['first_name', 'First name'], ['last_name', 'Last name'], ['email', 'Email'], ['phone', 'Phone'], ['channel', 'Channel']];

export async function render(view, ctx) {
  const id = ctx.params.id;
  let c = await api.get(`/v1/contacts/${encodeURIComponent(id)}`);
  if (ctx.stale()) return;
  const enc = encodeURIComponent(id);

  const timeline = h('ol', { class: 'timeline', 'aria-live': 'polite' });
  async function loadTimeline() {
    const [tes, ds] = await Promise.all([
      api.get(`/v1/trigger-events${qs({ contact_id: id, limit: TIMELINE })}`),
      api.get(`/v1/deliveries${qs({ contact_id: id, limit: TIMELINE })}`)]);
    if (ctx.stale()) return;
    const items = [
      ...tes.data.map((e) => ({ at: e.created_at || e.timestamp, el: h('li', { dataset: { kind: 'event', event: e.id } },
        timeEl(e.timestamp || e.created_at), ' ', h('a', { href: `#/activity/${encodeURIComponent(e.id)}` }, humanize(e.type)), ' ', h('span', { class: 'muted' }, e.erased ? 'erased' : eventSummary(e))) })),
      ...ds.data.map((d) => ({ at: d.created_at, el: h('li', { dataset: { kind: 'delivery', delivery: d.id } },
        timeEl(d.created_at), ' ', h('span', { class: `badge ${d.status}` }, d.status), ' ', h('a', { href: `#/deliveries/${d.id}` }, `Delivery of ${d.event}`)) }))]
      .sort((a, b) => String(b.at).localeCompare(String(a.at)));
    clear(timeline).append(...items.map((i) => i.el));
    if (!items.length) timeline.append(h('li', { class: 'muted' }, 'Nothing yet.'));
  }

  const tagResult = h('div', { role: 'status', 'aria-live': 'polite' });
  const tagsBox = h('ul', { class: 'tag-list editable' });
  function drawTags() {
    clear(tagsBox);
    if (!c.tags.length) tagsBox.append(h('li', { class: 'muted' }, 'No tags.'));
    for (const t of c.tags) {
      const rm = h('button', { type: 'button', class: 'link small', 'aria-label': `Remove tag ${t}` }, '×');
      rm.addEventListener('click', () => change(() => api.del(`/v1/contacts/${enc}/tags/${encodeURIComponent(t)}`), `Tag ${t} removed.`, rm));
      tagsBox.append(h('li', { class: 'badge', dataset: { tag: t } }, t, ' ', rm));
    }
  }
  // change runs a contact change, redraws and says what it did.
  async function change(fn, said, btn) {
    if (btn) btn.disabled = true;
    clear(tagResult);
    try {
      c = await fn();
      if (ctx.stale()) return;
      drawTags();
      drawState();
      ctx.toast(said);
      tagResult.append(h('p', { class: 'muted small' }, said, ' Rules listening for it fired as for any event: see the timeline.'));
      await loadTimeline();
    } catch (err) {
      tagResult.append(errorBox(err));
    } finally {
      if (btn) btn.disabled = false;
    }
  }
  const newTag = input({ name: 'tag', autocomplete: 'off', placeholder: 'vip' });
  const tagForm = h('form', { class: 'row align-end tag-form' }, field('Tag to apply', newTag),
    h('button', { type: 'submit' }, 'Apply tag'));
  tagForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = newTag.value.trim();
    if (!t) { newTag.focus(); return; }
    await change(() => api.post(`/v1/contacts/${enc}/tags`, { tag: t }), `Tag ${t} applied.`, tagForm.querySelector('button'));
    if (!tagResult.querySelector('.problem-summary')) newTag.value = '';
  });

  const stateBox = h('dl', { class: 'meta' });
  function drawState() {
    const cv = c.conversation;
    append(clear(stateBox), [
      h('dt', {}, 'Id'), h('dd', {}, h('code', {}, c.id)),
      h('dt', {}, 'Subscribed'), h('dd', {}, c.subscribed ? 'yes' : 'no'),
      h('dt', {}, 'Conversation'), h('dd', {}, cv ? `${cv.status}, with the ${cv.handler}${cv.assignee ? `, assigned to ${cv.assignee}` : ''}${cv.follow_up ? ', marked for follow-up' : ''}${cv.archived ? ', archived' : ''} (${cv.id})` : h('span', { class: 'muted' }, 'none')),
      h('dt', {}, 'Sequences'), h('dd', {}, c.sequences?.length ? c.sequences.join(', ') : h('span', { class: 'muted' }, 'none')),
      c.referred_by ? [h('dt', {}, 'Referred by'), h('dd', {}, h('a', { href: `#/contacts/${encodeURIComponent(c.referred_by)}` }, c.referred_by))] : null,
      h('dt', {}, 'First seen'), h('dd', {}, fmtTime(c.created_at)),
      h('dt', {}, 'Updated'), h('dd', {}, timeEl(c.updated_at))]);
  }

  // Fields: the contact's info and custom fields, saved as one PATCH of
  // what changed.
  const fieldsForm = h('form', { class: 'card contact-fields', novalidate: true });
  function drawFields() {
    clear(fieldsForm);
    const info = infoFields.map(([k, label]) => field(label, input({ name: k, value: c[k] || '', autocomplete: 'off' }), { name: k }));
    const rows = h('div', { class: 'cf-rows' });
    const addRow = (name = '', value = undefined) => {
      const n = input({ name: 'cf_name', value: name, autocomplete: 'off', 'aria-label': 'Custom field name' });
      const v = input({ name: 'cf_value', value: value === undefined ? '' : shown(value), autocomplete: 'off', 'aria-label': `Value of ${name || 'the new field'}` });
      n.dataset.original = name;
      const rm = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Clear ${name || 'this field'}` }, 'Clear');
      const row = h('div', { class: 'cf-row', dataset: { field: name } }, n, v, rm);
      rm.addEventListener('click', () => { row.hidden = true; row.dataset.cleared = '1'; });
      rows.append(row);
      return n;
    };
    for (const [k, v] of Object.entries(c.custom_fields || {})) addRow(k, v);
    const add = h('button', { type: 'button', class: 'secondary small' }, 'Add a custom field');
    add.addEventListener('click', () => addRow().focus());
    const save = h('button', { type: 'submit' }, 'Save fields');
    fieldsForm.append(h('h2', {}, 'Fields'), h('div', { class: 'grid3' }, info),
      h('h3', {}, 'Custom fields'),
      h('p', { class: 'hint' }, 'A value is JSON when it reads as JSON (1000 is a number, true a boolean, "1000" the text); anything else is text. Clear sets a field to null, which removes it.'),
      rows, h('div', { class: 'row' }, add, h('span', { class: 'spacer' }), save));
  }
  fieldsForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(fieldsForm);
    const patch = {};
    for (const [k] of infoFields) {
      const v = fieldsForm.querySelector(`input[name="${k}"]`).value.trim();
      if (v !== (c[k] || '')) patch[k] = v;
    }
    const cf = {};
    for (const row of fieldsForm.querySelectorAll('.cf-row')) {
      const name = row.querySelector('input[name="cf_name"]').value.trim();
      const orig = row.querySelector('input[name="cf_name"]').dataset.original;
      const raw = row.querySelector('input[name="cf_value"]').value;
      if (row.dataset.cleared) { if (orig) cf[orig] = null; continue; }
      if (!name) continue;
      if (orig && orig !== name) cf[orig] = null; // renamed
      const value = parsed(raw);
      if (!orig || orig !== name || JSON.stringify(value) !== JSON.stringify(c.custom_fields[orig])) cf[name] = value;
    }
    if (Object.keys(cf).length) patch.custom_fields = cf;
    if (!Object.keys(patch).length) { ctx.toast('Nothing changed.'); return; }
    const btn = fieldsForm.querySelector('button[type="submit"]');
    btn.disabled = true;
    try {
      c = await api.patch(`/v1/contacts/${enc}`, patch);
      if (ctx.stale()) return;
      drawFields();
      drawState();
      ctx.toast('Fields saved: rules on these changes fired.');
      await loadTimeline();
    } catch (err) {
      showProblem(fieldsForm, err);
    } finally {
      btn.disabled = false;
    }
  });

  const erase = h('button', { type: 'button', class: 'danger' }, 'Erase contact');
  erase.addEventListener('click', async () => {
    if (!window.confirm(`Erase ${c.name || c.id}? Its state and payloads are deleted for good (GDPR); delivery records are kept without their content.`)) return;
    try {
      await api.del(`/v1/contacts/${enc}`);
      ctx.toast('Contact erased.');
      ctx.navigate('#/contacts');
    } catch (err) {
      ctx.toast(err.detail || String(err), 'error');
    }
  });

  drawTags();
  drawState();
  drawFields();
  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/contacts' }, '← Contacts')),
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, c.name || c.id), h('p', { class: 'muted' }, [c.email, c.phone, c.channel].filter(Boolean).join(' · '))),
      h('div', { class: 'actions' },
        h('a', { class: 'button secondary', href: `#/activity${qs({ contact_id: id })}` }, 'Activity'),
        h('a', { class: 'button secondary', href: `#/deliveries${qs({ contact_id: id })}` }, 'Deliveries'),
        erase)),
    h('div', { class: 'grid2 contact-grid' },
      h('section', { class: 'card', 'aria-labelledby': 'state-h' }, h('h2', { id: 'state-h' }, 'State'), stateBox),
      h('section', { class: 'card', 'aria-labelledby': 'tags-h' }, h('h2', { id: 'tags-h' }, 'Tags'), tagsBox, tagForm, tagResult)),
    fieldsForm,
    h('section', { class: 'card', 'aria-labelledby': 'timeline-h' },
      h('h2', { id: 'timeline-h' }, 'Timeline'),
      h('p', { class: 'muted small' }, `Its latest ${TIMELINE} trigger events and deliveries, newest first.`),
      timeline),
    h('details', {}, h('summary', {}, 'The contact as rules see it (contact.…)'), h('pre', {}, pretty(c))));
  await loadTimeline();
}

// shown writes a custom field's value for its input: text as it is, unless
// it would read back as something else (then as JSON, quoted).
function shown(v) {
  if (typeof v === 'string') return JSON.stringify(parsed(v)) === JSON.stringify(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

// parsed reads an input: JSON when it parses, else the text.
function parsed(raw) {
  const s = raw.trim();
  try { return JSON.parse(s); } catch { return raw; }
}
