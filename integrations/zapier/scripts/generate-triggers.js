#!/usr/bin/env node
// Generates triggers.generated.json, the trigger definitions of the Zapier
// app, from a running Tripline's trigger catalogue (GET /v1/triggers), so
// that no trigger is hand-copied. Run it after the catalogue changes:
//
//   TRIPLINE_URL=http://localhost:8080 TRIPLINE_API_KEY=tl_… npm run generate
//
// The app's tests fail when the committed file and the catalogue differ.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const OUT = path.join(__dirname, '..', 'triggers.generated.json');

// The params that get a dynamic dropdown, by the hidden trigger feeding it.
const DROPDOWNS = { tag: 'tag_list.id.name', field: 'field_list.id.name', sequence: 'sequence_list.id.name' };
// The params that are integers.
const INTEGERS = new Set(['amount']);

const label = (type) =>
  type
    .split('_')
    .map((w, i) => (i === 0 ? w[0].toUpperCase() + w.slice(1) : w))
    .join(' ');

// fromCatalogue turns GET /v1/triggers's data into the app's definitions.
function fromCatalogue(catalogue) {
  return catalogue.map((t) => ({
    type: t.type,
    label: label(t.type),
    description: t.description,
    params: t.params.map((p) => {
      const field = { key: p.name, label: p.name, helpText: p.description };
      if (p.enum) field.choices = p.enum;
      if (DROPDOWNS[p.name]) field.dynamic = DROPDOWNS[p.name];
      if (INTEGERS.has(p.name)) field.type = 'integer';
      return field;
    }),
    fields: t.fields,
    sample: stableSample(t.sample_payload),
  }));
}

// stableSample is a catalogue sample without what changes from one Tripline
// to the next (the fresh event id, the workspace), so regenerating changes
// the file only when the catalogue did.
function stableSample(sample) {
  return { ...sample, id: `evt_sample_${sample.event}`, workspace_id: 'ws_sample' };
}

// fetchCatalogue reads GET /v1/triggers from a running Tripline.
async function fetchCatalogue(baseURL, apiKey) {
  const res = await fetch(new URL('/v1/triggers', baseURL), { headers: { Authorization: `Bearer ${apiKey}` } });
  if (!res.ok) throw new Error(`GET /v1/triggers: ${res.status} ${await res.text()}`);
  return (await res.json()).data;
}

function render(definitions) {
  return (
    JSON.stringify(
      { generated_by: 'scripts/generate-triggers.js from GET /v1/triggers; do not edit', triggers: definitions },
      null,
      2,
    ) + '\n'
  );
}

module.exports = { fromCatalogue, fetchCatalogue, render, stableSample, OUT };

if (require.main === module) {
  const base = process.env.TRIPLINE_URL;
  const key = process.env.TRIPLINE_API_KEY;
  if (!base || !key) {
    console.error('set TRIPLINE_URL and TRIPLINE_API_KEY to a running Tripline and one of its API keys');
    process.exit(2);
  }
  fetchCatalogue(base, key)
    .then((catalogue) => {
      fs.writeFileSync(OUT, render(fromCatalogue(catalogue)));
      console.log(`wrote ${path.relative(process.cwd(), OUT)}: ${catalogue.length} triggers`);
    })
    .catch((err) => {
      console.error(err.message);
      process.exit(1);
    });
}
