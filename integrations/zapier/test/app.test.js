'use strict';

// The Zapier app's tests, with zapier-platform-core's app tester, against a
// real Tripline: cmd/tripline's TestZapierApp starts one (temporary SQLite,
// a bootstrap API key, private destinations allowed) and runs
// `node --test test/` here with TRIPLINE_URL and TRIPLINE_API_KEY set.
// Deliveries go to a receiver this test runs on 127.0.0.1.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const fs = require('node:fs');

const zapier = require('zapier-platform-core');
const App = require('../index');
const { fromCatalogue, fetchCatalogue, OUT } = require('../scripts/generate-triggers');

const appTester = zapier.createAppTester(App);
const base = process.env.TRIPLINE_URL;
const key = process.env.TRIPLINE_API_KEY;
if (!base || !key) throw new Error('set TRIPLINE_URL and TRIPLINE_API_KEY (cmd/tripline TestZapierApp does)');
const authData = { base_url: `${base}/`, api_key: key };

// receiver collects deliveries; next() resolves with the next one.
function receiver() {
  const queue = [];
  const waiting = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.end('ok');
      const got = { headers: req.headers, content: body, path: req.url };
      const w = waiting.shift();
      if (w) w(got);
      else queue.push(got);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        next: () =>
          queue.length
            ? Promise.resolve(queue.shift())
            : new Promise((res, rej) => {
                const timer = setTimeout(() => rej(new Error('no delivery within 30 s')), 30000);
                waiting.push((v) => {
                  clearTimeout(timer);
                  res(v);
                });
              }),
        close: () => server.close(),
      }),
    ),
  );
}

const strip = (defs) => defs.map(({ sample, ...rest }) => rest); // samples carry fresh ids

test('the app validates against the Zapier schema', async () => {
  const results = await zapier.createAppHandler(App)({ command: 'validate' });
  assert.deepEqual(results.results, []);
});

test('triggers.generated.json matches the running catalogue (run npm run generate after the catalogue changes)', async () => {
  const live = fromCatalogue(await fetchCatalogue(base, key));
  const committed = JSON.parse(fs.readFileSync(OUT, 'utf8')).triggers;
  assert.deepEqual(strip(committed), strip(live), 'triggers.generated.json is stale: run `npm run generate` against a Tripline of this version');
  for (const def of live) {
    const t = App.triggers[def.type];
    assert.ok(t, `no trigger ${def.type}`);
    assert.equal(t.operation.type, 'hook');
    const keys = t.operation.inputFields.map((f) => f.key);
    assert.deepEqual(keys, [...def.params.map((p) => p.key), 'condition']);
    for (const f of t.operation.inputFields) {
      if (['tag', 'field', 'sequence'].includes(f.key)) assert.match(f.dynamic, /^(tag|field|sequence)_list\.id\.name$/);
    }
  }
});

test('authentication: GET /v1/me with the base URL and key', async () => {
  const me = await appTester(App.authentication.test, { authData });
  assert.equal(me.workspace.name, 'default');
  assert.ok(me.key.id);
  await assert.rejects(appTester(App.authentication.test, { authData: { ...authData, api_key: 'tl_wrong' } }), /API key is not valid/);
});

test('a REST-hook trigger with params: subscribe, deliver, perform, samples, unsubscribe', async () => {
  const rc = await receiver();
  try {
    const bundle = { authData, targetUrl: `${rc.url}/zap`, inputData: { tag: `VIP "gold"` } };
    const sub = await appTester(App.triggers.tag_applied.operation.performSubscribe, bundle);
    assert.match(sub.id, /^hk_/);
    assert.deepEqual(sub.params, { tag: `VIP "gold"` });

    // Not the hook's tag, then its tag: only the second is delivered.
    await appTester(App.creates.apply_tag.operation.perform, { authData, inputData: { contact_id: 'z_1', tag: 'other' } });
    const contact = await appTester(App.creates.apply_tag.operation.perform, { authData, inputData: { contact_id: 'z_1', tag: `VIP "gold"` } });
    assert.deepEqual(contact.tags, ['other', `VIP "gold"`]);
    const got = await rc.next();
    assert.equal(got.path, '/zap');
    const payload = JSON.parse(got.content);
    assert.equal(payload.tag, `VIP "gold"`);

    // perform verifies the signature with the hook's secret.
    const hookBundle = { authData, subscribeData: sub, cleanedRequest: payload, rawRequest: { headers: got.headers, content: got.content } };
    const out = await appTester(App.triggers.tag_applied.operation.perform, hookBundle);
    assert.equal(out[0].id, payload.id);
    const forged = { ...hookBundle, rawRequest: { headers: got.headers, content: got.content.replace('gold', 'lead') } };
    await assert.rejects(appTester(App.triggers.tag_applied.operation.perform, forged), /signature does not match/);

    // performList: the samples the hook would have received, and no others.
    const samples = await appTester(App.triggers.tag_applied.operation.performList, bundle);
    assert.deepEqual(samples.map((s) => s.tag), [`VIP "gold"`]);
    const conditioned = await appTester(App.triggers.tag_applied.operation.performList, {
      authData, inputData: { condition: 'event.tag == "other"' },
    });
    assert.deepEqual(conditioned.map((s) => s.tag), ['other']);

    await appTester(App.triggers.tag_applied.operation.performUnsubscribe, { authData, subscribeData: sub });
    const hooks = await appTester(async (z, b) => (await z.request({ url: `${base}/v1/hooks` })).data, { authData });
    assert.deepEqual(hooks.data.filter((h) => h.id === sub.id), []);
  } finally {
    rc.close();
  }
});

test('a param the trigger does not take is refused, naming it', async () => {
  await assert.rejects(
    appTester(App.triggers.custom_field_changed.operation.performList, { authData, inputData: { field: 'plan', condition: 'contact.tags contains' } }),
    /condition/,
  );
});

test('actions: post an event, update a contact; dropdowns list what contacts have', async () => {
  const posted = await appTester(App.creates.post_event.operation.perform, {
    authData,
    inputData: { type: 'subscribed_to_sequence', contact_id: 'z_2', fields: '{"sequence_id": "seq_onboarding", "sequence_name": "Onboarding"}' },
  });
  assert.equal(posted.accepted, 1);
  await assert.rejects(
    appTester(App.creates.post_event.operation.perform, { authData, inputData: { type: 'chat_rated', contact_id: 'z_2', fields: '{"rating": 9}' } }),
    /rating/,
  );
  const updated = await appTester(App.creates.update_contact.operation.perform, {
    authData,
    inputData: { contact_id: 'z_2', email: 'zed@example.com', custom_fields: { plan: 'pro', seats: '12' } },
  });
  assert.equal(updated.email, 'zed@example.com');
  assert.deepEqual(updated.custom_fields, { plan: 'pro', seats: 12 });

  const tags = await appTester(App.triggers.tag_list.operation.perform, { authData });
  assert.ok(tags.some((t) => t.id === 'other'), JSON.stringify(tags));
  const fields = await appTester(App.triggers.field_list.operation.perform, { authData });
  assert.deepEqual(fields.filter((f) => f.id === 'seats'), [{ id: 'seats', name: 'seats (number)' }]);
  const sequences = await appTester(App.triggers.sequence_list.operation.perform, { authData });
  assert.deepEqual(sequences, [{ id: 'seq_onboarding', name: 'seq_onboarding' }]);
});
