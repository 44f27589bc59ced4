// One endpoint: its health, its settings, and what can be done to it
// (enable or disable, send a test, rotate the secret, recover deliveries,
// delete). The signing secret is never shown here, except once after a
// rotation.
import { h, clear, append, timeEl, fmtTime, pretty } from '../js/dom.js';
import { api } from '../js/api.js';
import { field, input, select, showProblem, clearErrors, errorBox } from '../js/form.js';
import { loadCatalogue, humanize } from '../js/catalogue.js';
import { health, statsLine, setEnabled, secretBox, AUTO_DISABLE_AFTER } from './endpoints.js';
import { signatureEditor, disableAfterEditor } from './endpoint_dialects.js';

export const title = 'Endpoint';

export async function render(view, ctx) {
  const id = ctx.params.id;
  const [ep, catalogue] = await Promise.all([api.get(`/v1/endpoints/${encodeURIComponent(id)}`), loadCatalogue().catch(() => [])]);
  if (ctx.stale()) return;
  const reload = () => ctx.navigate(location.hash);
  const fail = (err) => ctx.toast(err.detail || String(err), 'error');
  const hl = health(ep);

  // Enable / disable
  const enableBtn = h('button', { type: 'button', id: 'toggle-endpoint', class: ep.enabled ? 'secondary' : '' }, ep.enabled ? 'Disable endpoint' : 'Enable endpoint');
  enableBtn.addEventListener('click', async () => {
    enableBtn.disabled = true;
    try {
      const got = await setEnabled(ep, !ep.enabled);
      if (got) {
        ctx.toast(got.enabled ? `Endpoint ${ep.name} is enabled.` : `Endpoint ${ep.name} is disabled: its deliveries wait (paused).`);
        reload();
      }
    } catch (err) { fail(err); } finally { enableBtn.disabled = false; }
  });

  const healthCard = h('section', { class: 'card', 'aria-labelledby': 'health-h' },
    h('h2', { id: 'health-h' }, 'Health'),
    h('p', {}, h('span', { class: `badge ${hl.cls}`, id: 'endpoint-state' }, hl.label), ' ', ep.enabled ? h('span', { class: 'health-text' }, hl.text) : null),
    h('dl', { class: 'meta' },
      h('dt', {}, 'Enabled'), h('dd', {}, ep.enabled ? 'Yes' : 'No'),
      ep.enabled ? null : [h('dt', {}, 'Disabled reason'), h('dd', { class: 'disabled-reason' }, ep.disabled_reason || 'Disabled by hand')],
      h('dt', {}, 'Failed attempts in a row'), h('dd', {}, String(ep.failure_streak)),
      h('dt', {}, 'Dead deliveries in a row'), h('dd', {}, `${ep.dead_streak} (at ${AUTO_DISABLE_AFTER} the endpoint is disabled)`),
      h('dt', {}, 'Last success'), h('dd', {}, timeEl(ep.last_success_at)),
      h('dt', {}, 'Deliveries'), h('dd', {}, statsLine(ep)),
      h('dt', {}, 'Last attempt'), h('dd', {}, ep.last_attempt_at ? fmtTime(ep.last_attempt_at) : 'none yet'),
      h('dt', {}, 'Last failure'), h('dd', {}, ep.last_failure_at ? fmtTime(ep.last_failure_at) : 'none'),
      h('dt', {}, 'Created'), h('dd', {}, fmtTime(ep.created_at))),
    h('div', { class: 'row' }, enableBtn,
      h('a', { class: 'button secondary', href: `#/deliveries?endpoint_id=${encodeURIComponent(ep.id)}` }, 'View its deliveries')));

  // Send a test
  const events = catalogue.length ? catalogue.map((t) => [t.type, humanize(t.type)]) : [['tag_applied', 'Tag applied']];
  const testEvent = select(events, 'tag_applied', { name: 'event' });
  const testBtn = h('button', { type: 'submit' }, 'Send test');
  const testOut = h('div', { class: 'test-result', role: 'status', 'aria-live': 'polite' });
  const testForm = h('form', { class: 'card', 'aria-labelledby': 'test-h' },
    h('h2', { id: 'test-h' }, 'Send a test'),
    h('p', { class: 'hint' }, 'Sends a signed sample payload of the event to this endpoint now, even when it is disabled. Nothing is stored.'),
    h('div', { class: 'row align-end' }, field('Event', testEvent, { name: 'event' }), testBtn),
    testOut);
  testForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(testForm);
    testBtn.disabled = true;
    clear(testOut).append(h('p', { class: 'muted' }, 'Sending…'));
    try {
      const r = await api.post(`/v1/endpoints/${ep.id}/test`, { event: testEvent.value });
      const ok = r.status_code !== null && r.status_code >= 200 && r.status_code < 300;
      append(clear(testOut), [
        h('p', {}, h('span', { class: `badge ${ok ? 'ok' : 'bad'}` }, r.status_code === null ? 'No answer' : `HTTP ${r.status_code}`),
          ` in ${r.duration_ms} ms`, ok ? ' — the receiver accepted it.' : ' — the receiver did not accept it.'),
        r.error ? h('p', { class: 'error' }, r.error) : null,
        h('details', {}, h('summary', {}, 'Response headers'), h('pre', {}, pretty(r.response_headers))),
        h('h3', {}, 'Response body'), h('pre', { class: 'response-body' }, r.response_body || '(empty)')]);
    } catch (err) {
      clear(testOut);
      showProblem(testForm, err);
    } finally {
      testBtn.disabled = false;
    }
  });

  // Rotate the secret
  const grace = select([['', 'The default grace period'], ['0', 'None: the old secret stops now'], ['3600', '1 hour'], ['86400', '24 hours'], ['604800', '7 days']], '', { name: 'grace_seconds' });
  const rotateBtn = h('button', { type: 'submit', class: 'secondary' }, 'Rotate secret');
  const rotateOut = h('div', { 'aria-live': 'polite' });
  const rotateForm = h('form', { class: 'card', 'aria-labelledby': 'rotate-h' },
    h('h2', { id: 'rotate-h' }, 'Signing secret'),
    h('p', {}, 'The secret was shown once, when the endpoint was created. Rotating makes a new one, shown once. ',
      'During the grace period Tripline signs every request with both secrets (two signatures in webhook-signature), so your receiver keeps working while you update it.'),
    ep.previous_secret_expires_at ? h('p', { class: 'notice' }, `The previous secret still signs until ${fmtTime(ep.previous_secret_expires_at)}.`) : null,
    h('div', { class: 'row align-end' }, field('Grace period', grace, { name: 'grace_seconds' }), rotateBtn),
    rotateOut);
  rotateForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(rotateForm);
    if (!window.confirm(`Rotate the signing secret of ${ep.name}?`)) return;
    rotateBtn.disabled = true;
    try {
      const body = grace.value === '' ? {} : { grace_seconds: Number(grace.value) };
      const r = await api.post(`/v1/endpoints/${ep.id}/rotate-secret`, body);
      clear(rotateOut).append(secretBox('New signing secret', r.secret,
        h('p', {}, r.previous_secret_expires_at
          ? `The old secret keeps signing beside it until ${fmtTime(r.previous_secret_expires_at)}: update your receiver before then.`
          : 'The old secret no longer signs: update your receiver now.')));
      rotateOut.querySelector('h2').setAttribute('tabindex', '-1');
      rotateOut.querySelector('h2').focus();
      ctx.toast('Secret rotated.');
    } catch (err) {
      showProblem(rotateForm, err);
    } finally {
      rotateBtn.disabled = false;
    }
  });

  // Recover
  const since = h('input', { type: 'datetime-local', name: 'since', required: true, value: localInput(new Date(Date.now() - 24 * 3600 * 1000)) });
  const statusBoxes = ['failed', 'dead', 'succeeded', 'discarded'].map((s) => {
    const cb = h('input', { type: 'checkbox', name: 'statuses', value: s, checked: s === 'failed' || s === 'dead' });
    return h('label', { class: 'check' }, cb, ` ${s}`);
  });
  const statusSet = h('fieldset', { class: 'checks', 'data-field': 'statuses' }, h('legend', {}, 'Statuses'), statusBoxes);
  const recoverBtn = h('button', { type: 'submit', class: 'secondary' }, 'Recover deliveries');
  const recoverOut = h('p', { role: 'status', 'aria-live': 'polite' });
  const recoverForm = h('form', { class: 'card', 'aria-labelledby': 'recover-h' },
    h('h2', { id: 'recover-h' }, 'Recover failed deliveries'),
    h('p', { class: 'hint' }, 'After an outage: send again, as new attempts with the same webhook-id, the deliveries created since a time with the chosen statuses. Paused deliveries are sent by enabling the endpoint.'),
    h('div', { class: 'grid2' }, field('Created since', since, { name: 'since' }), statusSet),
    recoverBtn, recoverOut);
  recoverForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(recoverForm);
    recoverBtn.disabled = true;
    try {
      const statuses = [...statusSet.querySelectorAll('input:checked')].map((c) => c.value);
      const d = since.value ? new Date(since.value) : null;
      const r = await api.post(`/v1/endpoints/${ep.id}/recover`, { since: d && !Number.isNaN(d.getTime()) ? d.toISOString() : null, statuses });
      recoverOut.textContent = r.recovered ? `${r.recovered} deliver${r.recovered === 1 ? 'y is' : 'ies are'} queued again.` : 'No delivery matched: nothing to recover.';
    } catch (err) {
      showProblem(recoverForm, err);
    } finally {
      recoverBtn.disabled = false;
    }
  });

  // Settings
  const f = {
    name: input({ name: 'name', value: ep.name, autocomplete: 'off' }),
    url: input({ type: 'url', name: 'url', value: ep.url, autocomplete: 'off', inputmode: 'url' }),
    description: h('textarea', { name: 'description', rows: 2 }, ep.description),
    headers: h('textarea', { name: 'headers', rows: 3, class: 'code headers-input', placeholder: 'X-Team: sales' }, Object.entries(ep.headers || {}).map(([k, v]) => `${k}: ${v}`).join('\n')),
    timeout: input({ type: 'number', name: 'timeout_seconds', min: 1, value: ep.timeout_seconds }),
    retry: input({ name: 'retry_schedule', value: ep.retry_schedule ? ep.retry_schedule.join(', ') : '', placeholder: 'the default schedule', autocomplete: 'off' }),
    rate: input({ type: 'number', name: 'rate_limit_per_second', min: 0, value: ep.rate_limit_per_second }),
    inflight: input({ type: 'number', name: 'max_in_flight', min: 0, value: ep.max_in_flight }),
    sigs: signatureEditor(ep.signatures),
    disableAfter: disableAfterEditor(ep.disable_after),
  };
  f.description.value = ep.description;
  const saveBtn = h('button', { type: 'submit' }, 'Save settings');
  const settings = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'settings-h' },
    h('h2', { id: 'settings-h' }, 'Settings'),
    h('div', { class: 'grid2' },
      field('Name', f.name, { name: 'name' }),
      field('URL', f.url, { name: 'url' })),
    field('Description', f.description, { name: 'description' }),
    field('Extra headers', f.headers, { name: 'headers', hint: 'One "Name: value" a line, sent with every request.' }),
    h('div', { class: 'grid2' },
      field('Timeout (seconds)', f.timeout, { name: 'timeout_seconds' }),
      field('Retry schedule (seconds)', f.retry, { name: 'retry_schedule', hint: 'Waits before each retry, e.g. "5, 300, 1800". Empty: the default schedule.' }),
      field('Rate limit (requests per second)', f.rate, { name: 'rate_limit_per_second', hint: '0: unlimited.' }),
      field('At most in flight', f.inflight, { name: 'max_in_flight', hint: 'Concurrent requests; 0: unlimited.' })),
    f.sigs.el, f.disableAfter.el,
    saveBtn);
  settings.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(settings);
    const headers = {};
    const bad = [];
    for (const line of f.headers.value.split('\n')) {
      if (!line.trim()) continue;
      const i = line.indexOf(':');
      if (i <= 0) { bad.push(line); continue; }
      headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    if (bad.length) {
      showProblem(settings, { detail: 'The settings are not valid.', errors: [{ field: 'headers', message: `write each header as "Name: value" (not: ${bad[0]})` }] });
      return;
    }
    const retryText = f.retry.value.trim();
    const retry = retryText === '' ? null : retryText.split(/[\s,]+/).filter(Boolean).map(Number);
    if (retry && retry.some((n) => !Number.isInteger(n))) {
      showProblem(settings, { detail: 'The settings are not valid.', errors: [{ field: 'retry_schedule', message: 'must be whole numbers of seconds, separated by commas' }] });
      return;
    }
    saveBtn.disabled = true;
    try {
      await api.patch(`/v1/endpoints/${ep.id}`, {
        name: f.name.value.trim(), url: f.url.value.trim(), description: f.description.value, headers,
        timeout_seconds: Number(f.timeout.value), retry_schedule: retry,
        rate_limit_per_second: Number(f.rate.value), max_in_flight: Number(f.inflight.value), signatures: f.sigs.value(), disable_after: f.disableAfter.value(),
      });
      ctx.toast('Settings saved.');
      reload();
    } catch (err) {
      showProblem(settings, err);
    } finally {
      saveBtn.disabled = false;
    }
  });

  // Delete
  const deleteBtn = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete endpoint ${ep.name}` }, 'Delete endpoint');
  const deleteOut = h('div', { 'aria-live': 'polite' });
  deleteBtn.addEventListener('click', async () => {
    if (!window.confirm(`Delete the endpoint ${ep.name}? Its deliveries stay in the log; those not sent yet are discarded.`)) return;
    clear(deleteOut);
    try {
      await api.del(`/v1/endpoints/${ep.id}`);
      ctx.toast(`Endpoint ${ep.name} deleted.`);
      ctx.navigate('#/endpoints');
    } catch (err) {
      deleteOut.append(errorBox(err));
    }
  });

  append(view, [
    h('p', { class: 'crumbs' }, h('a', { href: '#/endpoints' }, '← Endpoints')),
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, ep.name), h('p', { class: 'muted url' }, ep.url), ep.description ? h('p', {}, ep.description) : null),
      h('div', { class: 'actions' }, h('span', { class: `badge ${ep.enabled ? 'ok' : 'bad'}` }, ep.enabled ? 'Enabled' : 'Disabled'))),
    ep.enabled ? null : h('p', { class: 'notice', role: 'note' }, ep.disabled_reason ? `Disabled: ${ep.disabled_reason}. ` : 'Disabled by hand. ',
      'New deliveries wait (paused) until you enable it again.'),
    h('div', { class: 'grid2 endpoint-grid' },
      h('div', {}, healthCard, testForm, rotateForm),
      h('div', {}, settings, recoverForm,
        h('section', { class: 'card', 'aria-labelledby': 'danger-h' }, h('h2', { id: 'danger-h' }, 'Delete'),
          h('p', { class: 'hint' }, 'An endpoint that rules still send to cannot be deleted.'), deleteBtn, deleteOut)))]);
}

// localInput formats a date for a datetime-local input, in local time.
function localInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
