import { api } from './api.js';

// The trigger catalogue (GET /v1/triggers), loaded once per page load.
let catalogue = null;
export async function loadCatalogue() {
  if (!catalogue) catalogue = api.get('/v1/triggers').then((r) => r.data).catch((err) => { catalogue = null; throw err; });
  return catalogue;
}

// humanize turns a trigger type or field name into words: "tag_applied" → "Tag applied".
export function humanize(s) {
  const t = String(s || '').replaceAll('_', ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

// triggerParams are the params a trigger may carry besides its type.
const paramNames = ['tag', 'field', 'info', 'sequence', 'assignee', 'author', 'name', 'direction', 'amount', 'unit', 'at', 'timezone'];

// triggerLabel says what a rule's trigger is: "Tag applied: Order Closed".
export function triggerLabel(trigger) {
  if (!trigger) return '';
  if (trigger.type === 'datetime_based_trigger') {
    const amt = trigger.amount ? `${trigger.amount} ${trigger.unit || 'days'} ${trigger.direction || 'on'} ` : `${trigger.direction === 'on' || !trigger.direction ? 'on ' : ''}`;
    return `Date in ${trigger.field || '?'}: ${amt}${trigger.at ? `at ${trigger.at}` : ''}`.trim();
  }
  const params = paramNames.filter((p) => trigger[p] !== undefined && trigger[p] !== '' && trigger[p] !== null).map((p) => trigger[p]);
  return params.length ? `${humanize(trigger.type)}: ${params.join(', ')}` : humanize(trigger.type);
}
