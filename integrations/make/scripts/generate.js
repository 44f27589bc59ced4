#!/usr/bin/env node
// Generates the Make app's webhooks and instant triggers, one per trigger of
// a running Tripline's catalogue (GET /v1/triggers), into generated/:
//
//   TRIPLINE_URL=http://localhost:8080 TRIPLINE_API_KEY=tl_… node scripts/generate.js
//
// cmd/tripline's TestMakeApp fails when generated/ and the catalogue differ.
// Needs Node 18 or later and no packages.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const OUT = path.join(__dirname, '..', 'generated');
const RPCS = { tag: 'rpc://list_tags', field: 'rpc://list_fields', sequence: 'rpc://list_sequences' };
const INTEGERS = new Set(['amount']);

const label = (type) => type.charAt(0).toUpperCase() + type.slice(1).replace(/_/g, ' ');

// A Make parameter for a trigger param: a select for closed values, a
// dropdown fed by an RPC (free text allowed) for tags, fields and sequences.
function parameter(p) {
  const out = { name: p.name, label: p.name, help: p.description, required: false };
  if (p.enum) Object.assign(out, { type: 'select', options: p.enum.map((v) => ({ label: v, value: v })) });
  else if (RPCS[p.name]) Object.assign(out, { type: 'select', options: { store: RPCS[p.name] }, mappable: true });
  else out.type = INTEGERS.has(p.name) ? 'uinteger' : 'text';
  return out;
}

const condition = {
  name: 'condition', type: 'text', label: 'Only when (condition)', required: false,
  help: 'Optional. An expression that must be true, such as contact.custom_fields.plan == "pro" (Tripline docs/conditions.md).',
};

function webhook(t) {
  const body = { url: '{{webhook.url}}', event: t.type };
  for (const p of t.params) body[p.name] = `{{parameters.${p.name}}}`;
  body.condition = '{{parameters.condition}}';
  return {
    name: t.type,
    label: label(t.type),
    type: 'dedicated',
    connection: 'tripline',
    parameters: [...t.params.map(parameter), condition],
    attach: {
      url: '/v1/hooks',
      method: 'POST',
      body,
      response: { data: { hookId: '{{body.id}}', secret: '{{body.secret}}' } },
    },
    detach: { url: '/v1/hooks/{{webhook.hookId}}', method: 'DELETE' },
    communication: { output: '{{body}}' },
  };
}

// stableSample is a catalogue sample without what changes from one Tripline
// to the next (the fresh event id, the workspace).
const stableSample = (s) => ({ ...s, id: `evt_sample_${s.event}`, workspace_id: 'ws_sample' });

function module_(t) {
  return {
    name: `watch_${t.type}`,
    label: `Watch ${label(t.type)}`,
    description: t.description,
    type: 'instant_trigger',
    webhook: t.type,
    connection: 'tripline',
    expect: [],
    interface: Object.keys(t.sample_payload).map((name) => ({ name, label: name, type: interfaceType(t.sample_payload[name]) })),
    samples: stableSample(t.sample_payload),
  };
}

function interfaceType(v) {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'any';
  if (typeof v === 'object') return 'collection';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'text';
}

async function main() {
  const base = process.env.TRIPLINE_URL;
  const key = process.env.TRIPLINE_API_KEY;
  if (!base || !key) {
    console.error('set TRIPLINE_URL and TRIPLINE_API_KEY to a running Tripline and one of its API keys');
    process.exit(2);
  }
  const res = await fetch(new URL('/v1/triggers', base), { headers: { Authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`GET /v1/triggers: ${res.status} ${await res.text()}`);
  const catalogue = (await res.json()).data;
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(path.join(OUT, 'webhooks'), { recursive: true });
  fs.mkdirSync(path.join(OUT, 'modules'), { recursive: true });
  const write = (file, v) => fs.writeFileSync(path.join(OUT, file), JSON.stringify(v, null, 2) + '\n');
  for (const t of catalogue) {
    write(`webhooks/${t.type}.imljson`, webhook(t));
    write(`modules/watch_${t.type}.imljson`, module_(t));
  }
  write('index.json', {
    generated_by: 'scripts/generate.js from GET /v1/triggers; do not edit',
    triggers: catalogue.map((t) => ({ type: t.type, params: t.params.map((p) => p.name) })),
  });
  console.log(`wrote generated/: ${catalogue.length} webhooks and instant triggers`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
