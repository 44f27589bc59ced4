'use strict';

const { api } = require('./client');
const { verify } = require('./verify');
const generated = require('../triggers.generated.json');

// The condition field every trigger offers: an expr expression, the same
// language as Tripline's rules (docs/conditions.md).
const conditionField = {
  key: 'condition',
  label: 'Only when (condition)',
  required: false,
  type: 'string',
  helpText:
    'Optional. An expression that must be true, such as `contact.custom_fields.plan == "pro"` (see Tripline\'s docs/conditions.md).',
};

// hookParams are the trigger params and condition of inputData that the
// trigger declares, left-out and empty ones dropped.
const hookParams = (def, inputData) => {
  const out = {};
  for (const p of def.params) {
    const v = inputData[p.key];
    if (v === undefined || v === null || v === '') continue;
    out[p.key] = p.type === 'integer' ? Number(v) : String(v);
  }
  if (inputData.condition) out.condition = String(inputData.condition);
  return out;
};

// hookTrigger is the REST-hook trigger of one catalogue trigger type.
const hookTrigger = (def) => ({
  key: def.type,
  noun: 'Event',
  display: {
    label: def.label,
    description: `Triggers when ${def.description.charAt(0).toLowerCase()}${def.description.slice(1)}`,
  },
  operation: {
    type: 'hook',
    inputFields: [...def.params.map((p) => ({ ...p, required: false })), conditionField],
    performSubscribe: async (z, bundle) => {
      const response = await z.request({
        url: api(bundle, '/v1/hooks'),
        method: 'POST',
        body: { target_url: bundle.targetUrl, event: def.type, ...hookParams(def, bundle.inputData) },
      });
      return response.data; // bundle.subscribeData: id, secret, …
    },
    performUnsubscribe: async (z, bundle) => {
      await z.request({ url: api(bundle, `/v1/hooks/${encodeURIComponent(bundle.subscribeData.id)}`), method: 'DELETE' });
      return {};
    },
    perform: (z, bundle) => {
      const raw = bundle.rawRequest;
      if (raw && raw.content !== undefined && bundle.subscribeData && bundle.subscribeData.secret) {
        verify(bundle.subscribeData.secret, raw.headers, raw.content);
      }
      return [bundle.cleanedRequest];
    },
    performList: async (z, bundle) => {
      const response = await z.request({
        url: api(bundle, '/v1/hooks/samples'),
        params: { event: def.type, limit: 3, ...hookParams(def, bundle.inputData) },
      });
      return response.data;
    },
    sample: def.sample,
  },
});

// pages reads a cursor-paginated Tripline list whole, at most 5 pages of 200.
const pages = async (z, bundle, path) => {
  const out = [];
  let cursor = '';
  for (let i = 0; i < 5; i++) {
    const params = { limit: 200 };
    if (cursor) params.cursor = cursor;
    const response = await z.request({ url: api(bundle, path), params });
    out.push(...response.data.data);
    cursor = response.data.next_cursor;
    if (!cursor) break;
  }
  return out;
};

// dropdown is a hidden trigger feeding a dynamic dropdown of trigger params.
const dropdown = (key, noun, path, label) => ({
  key,
  noun,
  display: { label: `List ${noun.toLowerCase()}s`, description: `Lists the ${noun.toLowerCase()}s seen on contacts, for dropdowns.`, hidden: true },
  operation: {
    perform: async (z, bundle) => (await pages(z, bundle, path)).map((v) => ({ id: v.name, name: label(v) })),
    sample: { id: 'VIP', name: 'VIP' },
  },
});

const dropdowns = [
  dropdown('tag_list', 'Tag', '/v1/tags', (v) => v.name),
  dropdown('field_list', 'Field', '/v1/fields', (v) => `${v.name} (${(v.types || []).join(', ')})`),
  dropdown('sequence_list', 'Sequence', '/v1/sequences', (v) => v.name),
];

const triggers = {};
for (const def of generated.triggers) triggers[def.type] = hookTrigger(def);
for (const d of dropdowns) triggers[d.key] = d;

module.exports = { triggers, hookParams };
