// One trigger event (GET /v1/trigger-events/{id}): what happened, the
// contact before and after, and for every rule whether it fired, whether it
// matches now and, when not, why not — down to the condition row that was
// false and the value it saw.
import { h, append, timeEl, fmtTime, pretty } from '../js/dom.js';
import { api } from '../js/api.js';
import { humanize, triggerLabel } from '../js/catalogue.js';
import { eventSummary } from './activity.js';

export const title = 'Trigger event';

export async function render(view, ctx) {
  const id = ctx.params.id;
  const [d, rules] = await Promise.all([api.get(`/v1/trigger-events/${encodeURIComponent(id)}`), api.all('/v1/rules')]);
  if (ctx.stale()) return;
  const te = d.trigger_event;
  const byID = new Map(rules.map((r) => [r.id, r]));
  const who = te.contact?.name ? `${te.contact.name} (${te.contact_id})` : te.contact_id;
  // Rules that fired first, then those that would match now, then the rest.
  const rank = (v) => (v.fired ? 0 : v.matched ? 1 : v.reason === 'trigger_type' ? 3 : 2);
  const verdicts = [...d.rules].sort((a, b) => rank(a) - rank(b));
  const concerned = verdicts.filter((v) => rank(v) < 3);
  const others = verdicts.filter((v) => rank(v) === 3);

  append(view, [
    h('p', { class: 'crumbs' }, h('a', { href: '#/activity' }, '← Activity')),
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, `${humanize(te.type)}${who ? ` · ${who}` : ''}`),
        h('p', { class: 'muted' }, timeEl(te.timestamp || d.created_at), ' · ', h('code', {}, te.id),
          d.erased ? ' · erased (GDPR): the contact and the event were erased, so no rule is evaluated.' : ''))),
    h('dl', { class: 'meta card' },
      h('dt', {}, 'Trigger'), h('dd', {}, humanize(te.type)),
      h('dt', {}, 'Details'), h('dd', {}, eventSummary(te)),
      h('dt', {}, 'Contact'), h('dd', {}, te.contact_id ? h('a', { href: `#/contacts/${encodeURIComponent(te.contact_id)}` }, who) : '—'),
      h('dt', {}, 'Stored'), h('dd', {}, fmtTime(d.created_at))),
    h('section', { 'aria-labelledby': 'rules-h' },
      h('h2', { id: 'rules-h' }, 'Rules'),
      h('p', { class: 'notice', id: 'evaluation-note' }, `Evaluated ${fmtTime(d.evaluated_at)} with the rules as they are now, against this stored event (its contact before and after). “Fired” is what really happened: the deliveries the rule made for this event.`),
      concerned.length ? concerned.map((v) => verdict(v, byID.get(v.rule_id))) : h('p', { class: 'empty' }, 'No rule listens for this trigger. ', h('a', { href: '#/rules/new' }, 'Make one')),
      others.length ? h('details', {}, h('summary', {}, `${others.length} rule${others.length === 1 ? '' : 's'} listening for other triggers`),
        h('ul', {}, others.map((v) => h('li', {}, h('a', { href: `#/rules/${v.rule_id}` }, v.name), ' ', h('span', { class: 'muted small' }, triggerLabel(byID.get(v.rule_id)?.trigger)))))) : null),
    d.erased ? null : h('section', { 'aria-labelledby': 'contact-h' },
      h('h2', { id: 'contact-h' }, 'The contact, before and after'),
      changes(te.previous, te.contact),
      h('details', {}, h('summary', {}, 'The trigger event as rules and payloads see it'), h('pre', {}, pretty(te))))]);
}

// reasonText says why a rule does not match, in a sentence.
export function reasonText(v, rule) {
  const f = rule?.frequency || {};
  switch (v.reason) {
    case 'rule_disabled': return 'The rule is off.';
    case 'folder_disabled': return 'The rule’s folder is off.';
    case 'trigger_type': return `It listens for ${triggerLabel(rule?.trigger) || 'another trigger'}.`;
    case 'trigger_param': return `Its trigger wants ${triggerLabel(rule?.trigger) || 'another parameter'}, and this event is not that.`;
    case 'condition_false': return 'Its condition was false.';
    case 'condition_error': return `Its condition failed: ${v.error || 'an error'}.`;
    case 'frequency': return f.once_per_contact ? 'It fires once per contact, and already fired for this contact.'
      : `It waits ${f.cooldown_seconds || '?'} s between fires for a contact, and fired within that time.`;
    default: return v.reason || '';
  }
}

function verdict(v, rule) {
  const name = v.deleted ? `${v.rule_id} (deleted)` : v.name;
  const badge = v.fired ? h('span', { class: 'badge ok' }, 'Fired')
    : v.matched ? h('span', { class: 'badge info' }, 'Matches now') : h('span', { class: 'badge bad' }, 'Did not fire');
  const now = v.deleted ? null : v.matched
    ? h('p', {}, v.fired ? 'It matches now too.' : 'It matches now, but did not fire then: the rule or its condition changed since.')
    : h('p', { class: 'why-not' }, v.fired ? 'It fired then; now it would not: ' : '', reasonText(v, rule));
  return h('article', { class: 'card verdict', dataset: { rule: v.rule_id, reason: v.reason || '' } },
    h('h3', { class: 'row' }, v.deleted ? name : h('a', { href: `#/rules/${v.rule_id}` }, name), badge),
    now,
    v.condition_rows?.length ? conditionTable(v) : null,
    v.deliveries.length ? h('ul', { class: 'deliveries-made' }, v.deliveries.map((dl) => h('li', {},
      h('span', { class: `badge ${dl.status}` }, dl.status), ' ', h('a', { href: `#/deliveries/${dl.id}` }, dl.id), ' ', timeEl(dl.created_at)))) : null);
}

// conditionTable shows each part of a condition with what it evaluated to and
// the value of the field it read.
export function conditionTable(v) {
  const joined = v.condition_logic ? ` (joined by ${v.condition_logic})` : '';
  return h('div', { class: 'table-wrap' }, h('table', { class: 'stack cond-explain' },
    h('caption', { class: 'visually-hidden' }, `The condition, part by part${joined}`),
    h('thead', {}, h('tr', {}, ['Condition', 'Result', 'Value it saw'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, v.condition_rows.map((r) => {
      const res = r.error ? 'error' : String(r.result);
      return h('tr', { dataset: { result: res } },
        h('td', { 'data-label': 'Condition' }, h('code', {}, r.source)),
        h('td', { 'data-label': 'Result' }, h('span', { class: `badge ${r.error ? 'bad' : r.result === true ? 'ok' : r.result === false ? 'bad' : ''}` }, res),
          r.error ? h('div', { class: 'error-text small' }, r.error) : null),
        h('td', { 'data-label': 'Value it saw' }, r.field ? h('span', {}, h('code', {}, r.field), ' = ', h('code', { class: 'seen' }, JSON.stringify(r.value ?? null))) : h('span', { class: 'muted' }, '—')));
    }))));
}

// changes lists the fields that differ between two contact states.
function changes(before, after) {
  if (!after) return h('p', { class: 'muted' }, 'No contact.');
  if (!before) return h('p', { class: 'muted' }, 'The contact’s first appearance: no state before.');
  const flat = (c) => {
    const out = {};
    for (const [k, v] of Object.entries(c || {})) {
      if (k === 'custom_fields') for (const [ck, cv] of Object.entries(v || {})) out[`custom_fields.${ck}`] = cv;
      else if (k !== 'updated_at') out[k] = v;
    }
    return out;
  };
  const a = flat(before);
  const b = flat(after);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  if (!keys.length) return h('p', { class: 'muted' }, 'The contact did not change (an occurrence: a message, a rating, …).');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
    h('thead', {}, h('tr', {}, ['Field', 'Before', 'After'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, keys.map((k) => h('tr', {},
      h('td', { 'data-label': 'Field' }, h('code', {}, k)),
      h('td', { 'data-label': 'Before' }, h('code', {}, JSON.stringify(a[k] ?? null))),
      h('td', { 'data-label': 'After' }, h('code', {}, JSON.stringify(b[k] ?? null))))))));
}
