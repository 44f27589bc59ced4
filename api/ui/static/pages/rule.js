// The rule editor (#/rules/new?folder=<id>, #/rules/<id>): "when this
// happens" from the trigger catalogue, conditions as builder rows or an expr,
// webhook actions with payload templates, a live preview of the unsaved rule
// (POST /v1/simulate {"rule"}) and a "send test" of the rendered payload.
import { h, clear, pretty, copyButton, toggle, uid, timeEl } from '../js/dom.js';
import { api } from '../js/api.js';
import { field, input, select, showProblem, clearErrors, where, controlFor } from '../js/form.js';
import { loadCatalogue, humanize } from '../js/catalogue.js';
import { conditionTable } from './event.js';

export const title = 'Rule';

// The builder's operators (engine/builder.go), in the order it offers them.
const OPERATORS = [
  ['is', 'is'], ['is not', 'is not'], ['contains', 'contains'], ['does not contain', 'does not contain'],
  ['starts with', 'starts with'], ['ends with', 'ends with'], ['>', 'greater than'], ['>=', 'at least'],
  ['<', 'less than'], ['<=', 'at most'], ['between', 'between'], ['is set', 'is set'], ['is not set', 'is not set'],
  ['has tag', 'has tag'], ['has no tag', 'has no tag'], ['before', 'before'], ['after', 'after'], ['in list', 'is one of'],
];
const NO_VALUE = new Set(['is set', 'is not set']);
const NUMBER_OPS = new Set(['>', '>=', '<', '<=']);

// The contact's fields (docs/conditions.md, the environment).
const CONTACT_FIELDS = ['name', 'first_name', 'last_name', 'email', 'phone', 'channel', 'tags', 'subscribed', 'sequences',
  'referred_by', 'created_at', 'updated_at', 'conversation.status', 'conversation.handler', 'conversation.assignee',
  'conversation.follow_up', 'conversation.archived'];
const EVENT_COMMON = ['id', 'type', 'timestamp', 'contact_id'];
// Members of event fields that are objects.
const EVENT_MEMBERS = { custom_field: ['name', 'old_value', 'new_value'], message: ['id', 'author', 'text'] };

const FREQ = [['always', 'Every time it happens'], ['once', 'Once per contact'], ['cooldown', 'At most once per contact every …']];

export async function render(view, ctx) {
  const ruleID = ctx.params.id || '';
  const [catalogue, folders, endpoints, stored] = await Promise.all([
    loadCatalogue(), api.all('/v1/folders'), api.all('/v1/endpoints'), ruleID ? api.get(`/v1/rules/${encodeURIComponent(ruleID)}`) : null,
  ]);
  if (ctx.stale()) return undefined;
  const contacts = await api.get('/v1/contacts?limit=50').then((r) => r.data || []).catch(() => []);
  if (ctx.stale()) return undefined;

  // The draft: what the form shows.
  const draft = stored ? structuredClone(stored) : {
    name: '', folder_id: ctx.query.get('folder') || null, enabled: true,
    trigger: { type: 'tag_applied' }, condition: '',
    actions: [{ type: 'webhook', endpoint_id: endpoints[0]?.id || '' }],
    frequency: { once_per_contact: false, cooldown_seconds: 0 },
  };
  if (!draft.actions.length) draft.actions.push({ type: 'webhook', endpoint_id: '' });
  let logic = 'and';
  let rows = [];
  let mode = 'builder';
  let advancedReason = '';
  // asWritten is the condition as its author wrote it: it is saved (and
  // previewed) byte for byte until a builder row is edited, which rewrites
  // it in the builder's own form.
  let asWritten = draft.condition || '';
  let rowsEdited = false;
  if (draft.condition) {
    const parsed = await api.post('/v1/conditions/parse', { condition: draft.condition });
    if (parsed.advanced) { mode = 'advanced'; advancedReason = parsed.reason; } else { logic = parsed.logic; rows = parsed.rows; }
  }
  if (ctx.stale()) return undefined;
  // Each action's editable text: the body template and headers.
  const acts = draft.actions.map((a) => ({
    endpoint_id: a.endpoint_id, body: a.body === undefined || a.body === null ? '' : pretty(a.body),
    headers: Object.entries(a.headers || {}),
  }));

  // Custom field names: the samples', the stored contacts' and the rule's own.
  const customNames = new Set();
  for (const t of catalogue) Object.keys(t.sample_payload?.contact?.custom_fields || {}).forEach((k) => customNames.add(k));
  for (const c of contacts) Object.keys(c.custom_fields || {}).forEach((k) => customNames.add(k));
  for (const r of rows) if (String(r.field).startsWith('contact.custom_fields.')) customNames.add(r.field.slice('contact.custom_fields.'.length));

  let dirty = false;
  let lastPreview = null; // the last simulation's outcome of the draft
  const form = h('form', { class: 'rule-editor', novalidate: true });
  const fieldList = h('datalist', { id: uid('fields') });
  const headingEl = h('h1', {}, stored ? stored.name : 'New rule');

  // 1. Basics
  const nameIn = input({ name: 'name', value: draft.name, required: true, autocomplete: 'off', placeholder: 'e.g. Big budget → CRM' });
  const folderSel = select([['', 'Not in a folder'], ...folders.map((f) => [f.id, f.name])], draft.folder_id || '');
  const enabledSw = toggle('Rule on', draft.enabled, (on) => { draft.enabled = on; changed(); });
  enabledSw.dataset.field = 'enabled';
  const freqKind = draft.frequency.once_per_contact ? 'once' : draft.frequency.cooldown_seconds > 0 ? 'cooldown' : 'always';
  const freqSel = select(FREQ, freqKind);
  const cooldownIn = h('input', { type: 'number', min: '1', step: '1', value: draft.frequency.cooldown_seconds || 3600, inputmode: 'numeric' });
  const cooldownField = field('Cooldown in seconds', cooldownIn, { name: 'frequency.cooldown_seconds', hint: '3600 is an hour, 86400 a day.' });
  const showCooldown = () => { cooldownField.hidden = freqSel.value !== 'cooldown'; };
  freqSel.addEventListener('change', showCooldown);
  showCooldown();
  nameIn.addEventListener('input', () => { headingEl.textContent = nameIn.value.trim() || (stored ? stored.name : 'New rule'); });

  const basics = h('section', { class: 'card', 'aria-labelledby': 'basics-h' },
    h('h2', { id: 'basics-h' }, 'Rule'),
    field('Name', nameIn, { name: 'name' }),
    h('div', { class: 'grid2' },
      field('Folder', folderSel, { name: 'folder_id' }),
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'On or off'),
        h('label', { class: 'row switch-label' }, enabledSw, h('span', {}, 'Run this rule')))),
    h('div', { class: 'grid2' }, field('How often', freqSel, { name: 'frequency' }), cooldownField));

  // 2. Trigger
  const typeSel = select(catalogue.map((t) => [t.type, humanize(t.type)]), draft.trigger.type);
  const triggerDesc = h('p', { class: 'hint', 'aria-live': 'polite' });
  const paramsBox = h('div', { class: 'grid2' });
  const paramInputs = {};
  const spec = () => catalogue.find((t) => t.type === typeSel.value);
  function renderParams() {
    clear(paramsBox);
    for (const k of Object.keys(paramInputs)) delete paramInputs[k];
    const s = spec();
    triggerDesc.textContent = s ? s.description : '';
    for (const p of s?.params || []) {
      const cur = draft.trigger[p.name];
      let ctl;
      if (p.enum) ctl = select([['', p.name === 'direction' ? 'On (default)' : 'Any'], ...p.enum.map((v) => [v, humanize(v)])], cur || '');
      else if (p.name === 'amount') ctl = h('input', { type: 'number', min: '1', step: '1', value: cur ?? '', inputmode: 'numeric' });
      else ctl = input({ value: cur ?? '', autocomplete: 'off', placeholder: p.name === 'at' ? 'HH:MM' : p.name === 'timezone' ? 'e.g. Europe/Berlin' : 'Any' });
      if (p.name === 'field' && s.type !== 'custom_field_changed' && s.type !== 'datetime_based_trigger') ctl.setAttribute('list', fieldList.id);
      paramInputs[p.name] = ctl;
      paramsBox.append(field(humanize(p.name), ctl, { name: `trigger.${p.name}`, hint: p.description }));
    }
    if (!(s?.params || []).length) paramsBox.append(h('p', { class: 'muted' }, 'This trigger has no settings.'));
  }
  typeSel.addEventListener('change', () => { draft.trigger = { type: typeSel.value }; renderParams(); suggest(); renderVars(); });
  renderParams();
  const triggerCard = h('section', { class: 'card', 'aria-labelledby': 'trigger-h' },
    h('h2', { id: 'trigger-h' }, 'When this happens'),
    field('Trigger', typeSel, { name: 'trigger.type' }), triggerDesc, paramsBox);

  // 3. Conditions
  const logicSel = select([['and', 'All of these are true (AND)'], ['or', 'Any of these is true (OR)']], logic);
  const rowsBox = h('div', { class: 'cond-rows' });
  const exprIn = h('textarea', { class: 'code', rows: 5, spellcheck: 'false', placeholder: 'e.g. number(contact.custom_fields.budget) > 1000 && "vip" in contact.tags' }, draft.condition);
  exprIn.value = draft.condition;
  const exprField = field('Condition (expr)', exprIn, { name: 'condition', hint: 'An expr expression that returns true or false; empty always matches. See docs/conditions.md.' });
  const modeNote = h('p', { class: 'notice small', role: 'status', hidden: !advancedReason }, advancedReason ? `The builder cannot show this condition: ${advancedReason}` : '');
  const builderBtn = h('button', { type: 'button', role: 'tab', id: 'tab-builder' }, 'Builder');
  const advancedBtn = h('button', { type: 'button', role: 'tab', id: 'tab-advanced' }, 'Advanced');
  const addRowBtn = h('button', { type: 'button', class: 'secondary small' }, '+ Add condition');
  const builderPane = h('div', { role: 'tabpanel', 'aria-labelledby': 'tab-builder' },
    field('Match', logicSel, { name: 'logic' }), rowsBox, addRowBtn,
    h('p', { class: 'hint no-cond-hint' }, 'No conditions: the rule runs every time its trigger happens.'));
  const advancedPane = h('div', { role: 'tabpanel', 'aria-labelledby': 'tab-advanced' }, exprField);
  const asWrittenNote = h('p', { class: 'hint as-written', hidden: !asWritten },
    'Saved exactly as written: ', h('code', {}, asWritten), '. Editing a row rewrites it in the builder’s form.');
  const markEdited = () => {
    if (rowsEdited) return;
    rowsEdited = true;
    asWrittenNote.hidden = true;
  };
  rowsBox.addEventListener('input', markEdited);
  rowsBox.addEventListener('change', markEdited);
  rowsBox.addEventListener('click', (ev) => { if (ev.target.closest('button')) markEdited(); });
  logicSel.addEventListener('change', markEdited);
  addRowBtn.addEventListener('click', markEdited);
  const errorNote = stored?.last_error ? h('div', { class: 'problem-summary rule-last-error', role: 'note' },
    h('p', {}, h('strong', {}, `This rule’s condition or payload failed ${stored.error_count} time${stored.error_count === 1 ? '' : 's'}`),
      stored.last_error_at ? [' (last ', timeEl(stored.last_error_at), ')'] : '', ': ', h('code', { id: 'rule-last-error' }, stored.last_error)),
    h('p', {}, fixHint(stored.last_error), ' ', h('a', { href: `#/activity?rule_id=${encodeURIComponent(stored.id)}` }, 'See the events it failed on'), '.')) : null;
  const conditionsCard = h('section', { class: 'card', 'aria-labelledby': 'cond-h' },
    h('h2', { id: 'cond-h' }, 'Only if'),
    h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'How to write the conditions' }, builderBtn, advancedBtn),
    errorNote, modeNote, asWrittenNote, builderPane, advancedPane);

  function valueText(r) {
    const v = r.value;
    if (v === undefined || v === null) return '';
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' && (x.includes(',') || /^(-?\d+(\.\d+)?|true|false)$/.test(x)) ? JSON.stringify(x) : String(x))).join(', ');
    if (typeof v === 'string' && (r.operator === 'is' || r.operator === 'is not') && /^(-?\d+(\.\d+)?|true|false)$/.test(v)) return JSON.stringify(v);
    return String(v);
  }
  // scalar reads a typed value: numbers and true/false as such, "quoted" as text.
  function scalar(s) {
    const t = s.trim();
    if (/^".*"$/.test(t)) { try { return JSON.parse(t); } catch { return t.slice(1, -1); } }
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    return t;
  }
  function splitList(s) {
    const out = [];
    const re = /\s*("(?:[^"\\]|\\.)*"|[^,]*)\s*(,|$)/g;
    let m;
    while ((m = re.exec(s)) && m[0] !== '') { if (m[1].trim() !== '') out.push(scalar(m[1])); if (!m[2]) break; }
    return out;
  }
  // rowFromControls reads one builder row back from its inputs.
  function readRow(el) {
    const op = el._op.value;
    const row = { field: el._field.value.trim(), operator: op };
    const raw = el._value.value;
    if (NO_VALUE.has(op)) return row;
    if (op === 'between') {
      row.value = [scalar(el._value.value), scalar(el._high.value)];
    } else if (op === 'in list') {
      row.value = splitList(raw);
    } else if (NUMBER_OPS.has(op)) {
      row.value = raw.trim() === '' || Number.isNaN(Number(raw)) ? raw : Number(raw);
    } else if (op === 'is' || op === 'is not') {
      row.value = scalar(raw);
    } else {
      row.value = raw.trim();
    }
    return row;
  }
  function rowEl(r) {
    const i = rowsBox.children.length;
    const f = input({ value: r.field || '', list: fieldList.id, autocomplete: 'off', placeholder: 'contact.custom_fields.budget' });
    const op = select(OPERATORS, r.operator || 'is');
    const v = input({ value: r.operator === 'between' && Array.isArray(r.value) ? String(r.value[0] ?? '') : valueText(r), autocomplete: 'off' });
    const hi = input({ value: r.operator === 'between' && Array.isArray(r.value) ? String(r.value[1] ?? '') : '', autocomplete: 'off', placeholder: 'high' });
    const valueField = field('Value', v, { name: `rows[${i}].value` });
    const hiField = field('and', hi);
    const remove = h('button', { type: 'button', class: 'danger small', 'aria-label': `Remove condition ${i + 1}` }, 'Remove');
    const el = h('div', { class: 'cond-row', dataset: { row: i } },
      field('Field', f, { name: `rows[${i}].field` }), field('Operator', op, { name: `rows[${i}].operator` }),
      h('div', { class: 'cond-value' }, valueField, hiField), h('div', { class: 'cond-remove' }, remove));
    Object.assign(el, { _field: f, _op: op, _value: v, _high: hi });
    const shape = () => {
      valueField.hidden = NO_VALUE.has(op.value);
      hiField.hidden = op.value !== 'between';
      v.placeholder = { between: 'low', 'in list': 'a, b, c', before: '2026-12-01', after: '2026-12-01', 'has tag': 'vip', 'has no tag': 'vip' }[op.value] || (NUMBER_OPS.has(op.value) ? '1000' : 'value');
      if ((op.value === 'has tag' || op.value === 'has no tag') && !f.value) f.value = 'contact.tags';
    };
    op.addEventListener('change', shape);
    shape();
    remove.addEventListener('click', () => { el.remove(); renumber(); changed(); addRowBtn.focus(); });
    return el;
  }
  function renumber() {
    [...rowsBox.children].forEach((el, i) => {
      el.dataset.row = i;
      el._field.dataset.field = `rows[${i}].field`;
      el._op.dataset.field = `rows[${i}].operator`;
      el._value.dataset.field = `rows[${i}].value`;
      el.querySelector('.cond-remove button').setAttribute('aria-label', `Remove condition ${i + 1}`);
    });
  }
  const readRows = () => [...rowsBox.children].map(readRow);
  for (const r of rows) rowsBox.append(rowEl(r));
  addRowBtn.addEventListener('click', () => {
    const el = rowEl({ field: '', operator: 'is', value: '' });
    rowsBox.append(el);
    el._field.focus();
    changed();
  });

  function showMode() {
    builderBtn.setAttribute('aria-selected', String(mode === 'builder'));
    advancedBtn.setAttribute('aria-selected', String(mode === 'advanced'));
    builderBtn.tabIndex = mode === 'builder' ? 0 : -1;
    advancedBtn.tabIndex = mode === 'advanced' ? 0 : -1;
    builderPane.hidden = mode !== 'builder';
    advancedPane.hidden = mode !== 'advanced';
    // The rule's "condition" errors go where the condition is written.
    logicSel.dataset.field = mode === 'builder' ? 'condition' : 'logic';
    exprIn.dataset.field = mode === 'advanced' ? 'condition' : 'advanced-condition';
  }
  // compile turns the rows into an expression, or shows why it cannot.
  async function compile() {
    const rs = readRows();
    if (!rs.length) return '';
    const out = await api.post('/v1/conditions/compile', { logic: logicSel.value, rows: rs });
    return out.condition;
  }
  builderBtn.addEventListener('click', async () => {
    if (mode === 'builder') return;
    try {
      const parsed = exprIn.value.trim() ? await api.post('/v1/conditions/parse', { condition: exprIn.value }) : { logic: 'and', rows: [] };
      if (parsed.advanced) {
        modeNote.hidden = false;
        modeNote.textContent = `This condition stays in advanced mode: the builder cannot show it (${parsed.reason}).`;
        return;
      }
      clear(rowsBox);
      logicSel.value = parsed.logic || 'and';
      for (const r of parsed.rows || []) rowsBox.append(rowEl(r));
      asWritten = exprIn.value;
      rowsEdited = false;
      asWrittenNote.hidden = !asWritten;
      asWrittenNote.querySelector('code').textContent = asWritten;
      modeNote.hidden = true;
      mode = 'builder';
      showMode();
      changed();
    } catch (err) { showProblem(form, err); }
  });
  advancedBtn.addEventListener('click', async () => {
    if (mode === 'advanced') return;
    try {
      exprIn.value = rowsEdited ? await compile() : asWritten;
      modeNote.hidden = true;
      mode = 'advanced';
      showMode();
      exprIn.focus();
      changed();
    } catch (err) { showProblem(form, err); }
  });
  for (const [b, other] of [[builderBtn, advancedBtn], [advancedBtn, builderBtn]]) {
    b.addEventListener('keydown', (ev) => { if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') { ev.preventDefault(); other.focus(); other.click(); } });
  }
  showMode();

  // Suggestions for condition fields.
  function suggest() {
    clear(fieldList);
    const s = spec();
    const names = [...CONTACT_FIELDS.map((f) => `contact.${f}`), ...[...customNames].map((n) => `contact.custom_fields.${n}`)];
    for (const f of [...EVENT_COMMON, ...(s?.fields || [])]) {
      if (EVENT_MEMBERS[f]) EVENT_MEMBERS[f].forEach((m) => names.push(`event.${f}.${m}`));
      else names.push(`event.${f}`);
    }
    names.push(...CONTACT_FIELDS.map((f) => `previous.${f}`));
    for (const n of names) fieldList.append(h('option', { value: n }));
  }
  suggest();

  // 4. Actions
  const actionsBox = h('div', { class: 'actions-list' });
  const addActionBtn = h('button', { type: 'button', class: 'secondary' }, '+ Add another webhook');
  const varButtons = [];
  function variables() {
    const s = spec();
    const out = [['contact.name', 'Name'], ['contact.first_name', 'First name'], ['contact.email', 'Email'], ['contact.phone', 'Phone'],
      ['contact.channel', 'Channel'], ['contact.tags', 'Tags (list)'], ['contact.id', 'Contact id']];
    for (const n of customNames) out.push([`contact.custom_fields.${n}`, `Custom field ${n}`]);
    for (const f of [...EVENT_COMMON, ...(s?.fields || [])]) {
      if (EVENT_MEMBERS[f]) EVENT_MEMBERS[f].forEach((m) => out.push([`event.${f}.${m}`, `Event ${f} ${m}`]));
      else out.push([`event.${f}`, `Event ${f}`]);
    }
    out.push(['rule.name', 'Rule name'], ['rule.id', 'Rule id'], ['now', 'Now']);
    return out;
  }
  function renderVars() {
    for (const box of varButtons) {
      clear(box);
      for (const [v, label] of variables()) {
        box.append(h('li', {}, h('button', { type: 'button', title: label, 'aria-label': `Insert ${v}`, on: { click: () => box._insert(v) } }, v)));
      }
    }
  }
  // insertAt puts text at the caret of a text control.
  function insertAt(ctl, text) {
    const start = ctl.selectionStart ?? ctl.value.length;
    const end = ctl.selectionEnd ?? start;
    ctl.value = ctl.value.slice(0, start) + text + ctl.value.slice(end);
    ctl.focus();
    ctl.setSelectionRange(start + text.length, start + text.length);
    ctl.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function endpointOptions() {
    return [['', 'Choose an endpoint…'], ...endpoints.map((e) => [e.id, `${e.name} — ${e.url}`]), ['__new', '+ Create a new endpoint…']];
  }

  function actionEl(a) {
    const i = actionsBox.children.length;
    const epSel = select(endpointOptions(), a.endpoint_id || '');
    const body = h('textarea', { class: 'code', rows: 8, spellcheck: 'false', placeholder: '{\n  "email": "{{ contact.email }}",\n  "budget": "{{ contact.custom_fields.budget }}"\n}' });
    body.value = a.body;
    let lastText = body;
    body.addEventListener('focus', () => { lastText = body; });
    const headersBox = h('div', { class: 'headers' });
    const headerRow = (k = '', v = '') => {
      const key = input({ value: k, autocomplete: 'off', placeholder: 'X-Source' });
      const val = input({ value: v, autocomplete: 'off', placeholder: 'tripline or {{ rule.name }}' });
      val.addEventListener('focus', () => { lastText = val; });
      const rm = h('button', { type: 'button', class: 'danger small', 'aria-label': 'Remove this header' }, 'Remove');
      const row = h('div', { class: 'header-row' }, field('Header', key), field('Value', val), rm);
      row._key = key; row._val = val;
      rm.addEventListener('click', () => { row.remove(); changed(); });
      return row;
    };
    for (const [k, v] of a.headers) headersBox.append(headerRow(k, v));
    const addHeader = h('button', { type: 'button', class: 'secondary small' }, '+ Add header');
    addHeader.addEventListener('click', () => { const r = headerRow(); headersBox.append(r); r._key.focus(); });

    const varsLabel = uid('vars');
    const vars = h('ul', { class: 'var-list', 'aria-labelledby': varsLabel });
    vars._insert = (v) => insertAt(lastText, `{{ ${v} }}`);
    varButtons.push(vars);

    // Inline creation of an endpoint.
    const newURL = input({ type: 'url', autocomplete: 'off', placeholder: 'https://example.com/hook' });
    const newName = input({ autocomplete: 'off', placeholder: 'e.g. CRM' });
    const createBtn = h('button', { type: 'button', class: 'small' }, 'Create endpoint');
    const secretBox = h('div', { 'aria-live': 'polite' });
    const newBox = h('div', { class: 'new-endpoint', hidden: true },
      h('div', { class: 'grid2' }, field('Endpoint URL', newURL, { name: `new_endpoint_${i}.url` }), field('Endpoint name', newName, { name: `new_endpoint_${i}.name`, hint: 'Default: the URL\'s host.' })),
      h('div', { class: 'row' }, createBtn));
    createBtn.addEventListener('click', async () => {
      createBtn.disabled = true;
      try {
        const body = { url: newURL.value.trim() };
        if (newName.value.trim()) body.name = newName.value.trim();
        const ep = await api.post('/v1/endpoints', body);
        endpoints.push(ep);
        for (const s of form.querySelectorAll('select.endpoint-select')) {
          const keep = s === epSel ? ep.id : s.value;
          clear(s);
          for (const [v, label] of endpointOptions()) s.append(h('option', { value: v, selected: v === keep }, label));
        }
        newBox.hidden = true;
        clear(secretBox).append(h('div', { class: 'notice' },
          h('p', {}, h('strong', {}, `Endpoint ${ep.name} created.`), ' Its signing secret is shown this once: copy it to your receiver to verify signatures.'),
          h('div', { class: 'row' }, h('code', { class: 'secret' }, ep.secret), copyButton(ep.secret, 'Copy secret'))));
        ctx.toast(`Endpoint ${ep.name} created.`);
        changed();
      } catch (err) {
        const errs = (err.errors || []).map((e) => ({ ...e, field: `new_endpoint_${i}.${e.field}` }));
        markErrors(newBox, errs, true);
        if (!errs.length) ctx.toast(err.detail, 'error');
      } finally { createBtn.disabled = false; }
    });
    epSel.classList.add('endpoint-select');
    epSel.addEventListener('change', () => {
      newBox.hidden = epSel.value !== '__new';
      if (!newBox.hidden) newURL.focus();
    });

    const testBtn = h('button', { type: 'button', class: 'secondary' }, 'Send test');
    const testOut = h('div', { class: 'test-result', 'aria-live': 'polite' });
    testBtn.addEventListener('click', () => sendTest(el, testBtn, testOut));
    const removeBtn = h('button', { type: 'button', class: 'danger small' }, 'Remove webhook');
    removeBtn.addEventListener('click', () => { el.remove(); renumberActions(); changed(); addActionBtn.focus(); });

    const el = h('div', { class: 'action card inner' },
      h('div', { class: 'row' }, h('h3', { class: 'action-title' }, `Webhook ${i + 1}`), h('span', { class: 'spacer' }), removeBtn),
      field('Send to', epSel, { name: `actions[${i}].endpoint_id` }), newBox, secretBox,
      h('div', { class: 'payload-grid' },
        h('div', {}, field('Payload template (JSON)', body, { name: `actions[${i}].body`, hint: 'Leave empty to send the default payload. "{{ expr }}" alone keeps the value\'s type; inside text it is written as text.' })),
        h('div', { class: 'vars' }, h('p', { class: 'label', id: varsLabel }, 'Insert a variable'), h('p', { class: 'hint' }, 'At the caret of the payload or a header value.'), vars)),
      h('details', { class: 'headers-details', open: a.headers.length > 0 },
        h('summary', {}, 'Extra headers'),
        h('div', { 'data-field': `actions[${i}].headers`, class: 'headers-wrap' }, headersBox), addHeader),
      h('div', { class: 'row test-row' }, testBtn, h('span', { class: 'hint' }, 'Sends this webhook\'s rendered preview payload, signed, to its endpoint now.')),
      testOut);
    Object.assign(el, { _ep: epSel, _body: body, _headers: headersBox, _title: el.querySelector('.action-title'), _remove: removeBtn, _test: testBtn });
    return el;
  }
  function renumberActions() {
    [...actionsBox.children].forEach((el, i) => {
      el._title.textContent = `Webhook ${i + 1}`;
      el._ep.dataset.field = `actions[${i}].endpoint_id`;
      el._body.dataset.field = `actions[${i}].body`;
      el._remove.hidden = actionsBox.children.length === 1;
      el._remove.setAttribute('aria-label', `Remove webhook ${i + 1}`);
      el._test.setAttribute('aria-label', `Send a test of webhook ${i + 1}`);
    });
  }
  for (const a of acts) actionsBox.append(actionEl(a));
  renumberActions();
  renderVars();
  addActionBtn.addEventListener('click', () => {
    const el = actionEl({ endpoint_id: '', body: '', headers: [] });
    actionsBox.append(el);
    renumberActions();
    renderVars();
    el._ep.focus();
    changed();
  });
  const actionsCard = h('section', { class: 'card', 'aria-labelledby': 'actions-h' },
    h('h2', { id: 'actions-h' }, 'Then send'), actionsBox, addActionBtn);

  // 5. Preview
  const contactIn = input({ autocomplete: 'off', placeholder: 'a contact id, e.g. c_123', list: uid('contacts') });
  const contactList = h('datalist', { id: contactIn.getAttribute('list') }, contacts.map((c) => h('option', { value: c.id }, c.name || c.email || c.id)));
  const sourceSel = select([['sample', 'The sample event of this trigger'], ['contact', 'A real contact']], 'sample');
  const contactField = field('Contact id', contactIn, { name: 'contact_id' });
  contactField.hidden = true;
  sourceSel.addEventListener('change', () => { contactField.hidden = sourceSel.value !== 'contact'; preview(); });
  const previewStatus = h('p', { class: 'preview-status', role: 'status', 'aria-live': 'polite' }, 'Preparing the preview…');
  const previewOut = h('div', { class: 'preview-out' });
  // say updates the preview's live region only when its text changes, so a
  // screen reader hears a new outcome, not every keystroke's re-run.
  const say = (text) => { if (previewStatus.textContent !== text) previewStatus.textContent = text; };
  const previewCard = h('aside', { class: 'card preview', 'aria-labelledby': 'preview-h' },
    h('h2', { id: 'preview-h' }, 'Preview'),
    h('p', { class: 'hint' }, 'What this rule would do now, unsaved. Nothing is stored or sent.'),
    field('Try it with', sourceSel), contactField, contactList, previewStatus, previewOut);

  // build reads the draft from the form. condition: the builder's compiled
  // expression (given) or the advanced text. Local mistakes (JSON) are
  // returned as errors.
  function build(condition) {
    const errors = [];
    const trigger = { type: typeSel.value };
    for (const [name, ctl] of Object.entries(paramInputs)) {
      const v = ctl.value.trim();
      if (v === '') continue;
      trigger[name] = name === 'amount' ? Number(v) : v;
    }
    const actions = [...actionsBox.children].map((el, i) => {
      const a = { type: 'webhook', endpoint_id: el._ep.value === '__new' ? '' : el._ep.value };
      const text = el._body.value.trim();
      if (text) {
        try { a.body = JSON.parse(text); } catch (e) { errors.push({ field: `actions[${i}].body`, message: `is not valid JSON: ${e.message}` }); }
      }
      const headers = {};
      for (const r of el._headers.children) if (r._key.value.trim()) headers[r._key.value.trim()] = r._val.value;
      if (Object.keys(headers).length) a.headers = headers;
      return a;
    });
    const kind = freqSel.value;
    const rule = {
      name: nameIn.value.trim(), folder_id: folderSel.value || null, enabled: enabledSw.checked, trigger,
      condition: condition ?? exprIn.value, actions,
      frequency: { once_per_contact: kind === 'once', cooldown_seconds: kind === 'cooldown' ? Number(cooldownIn.value) || 0 : 0 },
    };
    return { rule, errors };
  }

  async function currentCondition() {
    if (mode === 'advanced') return exprIn.value;
    return rowsEdited ? compile() : asWritten;
  }

  let previewTimer = 0;
  let previewSeq = 0;
  async function preview() {
    clearTimeout(previewTimer);
    const seq = ++previewSeq;
    let rule;
    let errors;
    try {
      ({ rule, errors } = build(await currentCondition()));
    } catch (err) {
      if (seq !== previewSeq) return;
      lastPreview = null;
      showPreviewProblem(err);
      return;
    }
    if (errors.length) {
      if (seq !== previewSeq) return;
      lastPreview = null;
      showPreviewProblem({ detail: 'Fix the marked fields to see the preview.', errors });
      return;
    }
    const body = { rule: { ...rule, name: rule.name || 'Untitled rule' } };
    if (sourceSel.value === 'contact') {
      if (!contactIn.value.trim()) {
        if (seq !== previewSeq) return;
        lastPreview = null;
        showPreviewProblem({ detail: 'Enter the id of a real contact to preview with, or choose the sample.', errors: [{ field: 'contact_id', message: 'is required to preview with a real contact' }] });
        return;
      }
      body.contact_id = contactIn.value.trim();
    }
    try {
      const res = await api.post('/v1/simulate', body);
      if (seq !== previewSeq || ctx.stale()) return;
      markErrors(form, [], false);
      showPreview(res);
    } catch (err) {
      if (seq !== previewSeq || ctx.stale()) return;
      lastPreview = null;
      showPreviewProblem({ detail: err.detail, errors: (err.errors || []).map((e) => ({ ...e, field: String(e.field || '').replace(/^rule\./, '') })) });
    }
  }
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 500);
  }
  const REASONS = {
    trigger_type: 'the event is not of this trigger type',
    trigger_param: 'the trigger\'s setting does not match the event',
    condition_false: 'the conditions are false for this contact',
    condition_error: 'the condition failed while running',
    frequency: 'its frequency limit stops it for this contact',
    rule_disabled: 'the rule is off', folder_disabled: 'its folder is off',
  };
  function showPreview(res) {
    const o = res.rules[0];
    lastPreview = { outcome: o, triggerType: typeSel.value };
    clear(previewOut);
    const te = res.trigger_events[0];
    if (o.matched) {
      say(`Matched: the rule would send ${o.actions.length} webhook${o.actions.length === 1 ? '' : 's'}.`);
      previewOut.append(h('p', {}, h('span', { class: 'badge ok' }, 'Matched'), ' for ', te?.contact?.name || te?.contact_id || 'the contact'));
      o.actions.forEach((a, i) => {
        const ep = endpoints.find((e) => e.id === a.endpoint_id);
        previewOut.append(h('div', { class: 'preview-action', dataset: { action: i } },
          h('h3', {}, `Webhook ${i + 1}`, ep ? h('span', { class: 'muted small' }, ` → ${ep.name}`) : null),
          a.error ? h('p', { class: 'error' }, a.error) : null,
          h('pre', { class: 'payload', tabindex: '0', 'aria-label': `Rendered payload of webhook ${i + 1}` }, pretty(a.payload)),
          Object.keys(a.headers || {}).length ? h('dl', { class: 'meta small' }, Object.entries(a.headers).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : null));
      });
    } else {
      say(`Not matched: ${REASONS[o.reason] || o.reason}.`);
      previewOut.append(h('p', {}, h('span', { class: 'badge warn' }, 'Not matched'), ' ', REASONS[o.reason] || o.reason, '.'),
        o.error ? h('p', { class: 'error' }, o.error) : null,
        o.condition_rows?.length ? conditionTable(o) : null,
        h('p', { class: 'hint' }, 'Change the conditions or try another contact. Sending a test needs a matched preview.'));
    }
    if (te) {
      previewOut.append(h('details', {}, h('summary', {}, 'The contact in this preview'),
        h('pre', { tabindex: '0' }, pretty(te.contact))));
    }
  }
  function showPreviewProblem(p) {
    clear(previewOut);
    say('The preview cannot run yet.');
    const items = (p.errors || []).map((e) => h('li', {}, `${e.field ? `${e.field}: ` : ''}${e.message}${where(e)}`));
    previewOut.append(h('div', { class: 'problem-summary' }, h('p', {}, p.detail), items.length ? h('ul', {}, items) : null));
    markErrors(form, p.errors || [], false);
  }

  // 6. Send test
  async function sendTest(el, btn, out) {
    const i = [...actionsBox.children].indexOf(el);
    const epID = el._ep.value;
    clear(out);
    if (!epID || epID === '__new') {
      out.append(h('p', { class: 'error' }, 'Choose an endpoint first.'));
      return;
    }
    const a = lastPreview?.outcome?.matched ? lastPreview.outcome.actions[i] : null;
    if (!a || a.error) {
      out.append(h('p', { class: 'error' }, a?.error ? `The payload does not render: ${a.error}` : 'The preview does not match, so there is no payload to send: change the conditions or the contact.'));
      return;
    }
    btn.disabled = true;
    out.append(h('p', { class: 'muted' }, 'Sending…'));
    try {
      const r = await api.post(`/v1/endpoints/${encodeURIComponent(epID)}/test`, { event: lastPreview.triggerType, payload: a.payload });
      clear(out);
      const ok = r.status_code >= 200 && r.status_code < 300;
      out.append(h('div', { class: 'test-answer' },
        h('p', {}, h('span', { class: `badge ${ok ? 'ok' : 'bad'}` }, r.status_code ? `HTTP ${r.status_code}` : 'No answer'),
          ` in ${r.duration_ms} ms`, r.error ? h('span', { class: 'error' }, ` ${r.error}`) : null),
        Object.keys(r.response_headers || {}).length ? h('details', {}, h('summary', {}, 'Response headers'),
          h('dl', { class: 'meta small' }, Object.entries(r.response_headers).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))) : null,
        h('pre', { class: 'response-body', tabindex: '0', 'aria-label': 'Response body' }, r.response_body || '(empty body)')));
    } catch (err) {
      clear(out).append(h('p', { class: 'error' }, err.detail));
    } finally { btn.disabled = false; }
  }

  // 7. Save, delete, duplicate
  const saveBtn = h('button', { type: 'submit' }, stored ? 'Save changes' : 'Create rule');
  const head = h('div', { class: 'page-head' },
    h('div', {}, h('p', { class: 'small' }, h('a', { href: '#/rules', class: 'back' }, '← Back to rules')), headingEl),
    h('div', { class: 'actions' },
      stored ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Duplicate ${stored.name}`, on: { click: duplicate } }, 'Duplicate') : null,
      stored ? h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${stored.name}`, on: { click: remove } }, 'Delete') : null,
      saveBtn));
  saveBtn.setAttribute('form', form.id = uid('rule-form'));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    saveBtn.disabled = true;
    try {
      const { rule, errors } = build(await currentCondition());
      if (errors.length) { showProblem(form, { detail: 'The rule is not valid.', errors }); return; }
      const saved = stored ? await api.patch(`/v1/rules/${encodeURIComponent(stored.id)}`, rule) : await api.post('/v1/rules', rule);
      dirty = false;
      ctx.toast(stored ? `Rule ${saved.name} saved.` : `Rule ${saved.name} created.`);
      ctx.navigate(`#/rules/${saved.id}`);
    } catch (err) {
      showProblem(form, err);
    } finally { saveBtn.disabled = false; }
  });
  async function duplicate() {
    try {
      const { rule, errors } = build(await currentCondition());
      if (errors.length) { showProblem(form, { detail: 'Fix the rule before copying it.', errors }); return; }
      const copy = await api.post('/v1/rules', { ...rule, name: `${rule.name} (copy)`, enabled: false });
      dirty = false;
      ctx.toast('Copied. The copy is off until you switch it on.');
      ctx.navigate(`#/rules/${copy.id}`);
    } catch (err) { showProblem(form, err); }
  }
  async function remove() {
    if (!window.confirm(`Delete the rule ${stored.name}? Its deliveries stay in the log.`)) return;
    try {
      await api.del(`/v1/rules/${encodeURIComponent(stored.id)}`);
      dirty = false;
      ctx.toast('Rule deleted.');
      ctx.navigate('#/rules');
    } catch (err) { ctx.toast(err.detail, 'error'); }
  }
  function changed() {
    dirty = true;
    lastPreview = null; // "send test" waits for the preview of what is shown now
    schedulePreview();
  }
  // Choosing "+ Create a new endpoint…" changes nothing yet: the endpoint
  // comes when it is created.
  const isNewEndpointChoice = (t) => t.classList?.contains('endpoint-select') && t.value === '__new';
  form.addEventListener('input', (ev) => { if (isNewEndpointChoice(ev.target)) return; if (ev.target !== contactIn) changed(); else schedulePreview(); });
  form.addEventListener('change', (ev) => { if (isNewEndpointChoice(ev.target)) return; if (ev.target !== contactIn && ev.target !== sourceSel) changed(); });
  const beforeUnload = (ev) => { if (dirty) { ev.preventDefault(); ev.returnValue = ''; } };
  window.addEventListener('beforeunload', beforeUnload);
  // Leaving inside the app (links, Back, Forward, sign-out) asks first; the
  // router keeps the page when the answer is no.
  ctx.setLeaveGuard(() => !dirty || window.confirm('Leave without saving your changes?'));

  form.append(h('div', { class: 'editor-main' }, basics, triggerCard, conditionsCard, actionsCard,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, stored ? 'Save changes' : 'Create rule'))), previewCard);
  view.append(head, fieldList, form);
  preview();
  return () => {
    clearTimeout(previewTimer);
    previewSeq += 1;
    window.removeEventListener('beforeunload', beforeUnload);
  };
}

// markErrors shows field errors under their controls without a summary and
// without moving focus (the live preview runs while the reader types).
// withSummary adds a short list of errors that have no control.
function markErrors(root, errors, withSummary) {
  root.querySelectorAll('.error.live').forEach((e) => { e.hidden = true; e.textContent = ''; e.classList.remove('live'); });
  root.querySelectorAll('[aria-invalid].live-invalid').forEach((e) => { e.removeAttribute('aria-invalid'); e.classList.remove('live-invalid'); });
  const loose = [];
  for (const e of errors) {
    const ctl = controlFor(root, e.field);
    const msg = `${e.message}${where(e)}`;
    if (ctl && ctl._errorEl) {
      ctl.setAttribute('aria-invalid', 'true');
      ctl.classList.add('live-invalid');
      const err = ctl._errorEl;
      err.hidden = false;
      err.classList.add('live');
      err.textContent = err.textContent ? `${err.textContent} ${msg}` : msg;
    } else loose.push(`${e.field ? `${e.field}: ` : ''}${msg}`);
  }
  if (withSummary && loose.length) root.prepend(h('p', { class: 'error live' }, loose.join(' ')));
}

// fixHint suggests what to do about a rule's last runtime error.
function fixHint(err) {
  const e = String(err || '');
  if (/mismatched types|invalid operation|cannot (compare|use)|string and|and string/i.test(e)) {
    return 'A field probably holds text where the condition compares a number (or the other way round): the builder’s rows convert with number(…) and text(…); edit the row, or wrap the field yourself, e.g. number(contact.custom_fields.budget) > 1000.';
  }
  if (/nil|null|undefined|missing/i.test(e)) return 'A field the condition reads is not set for some contacts: guard it with ?? (contact.custom_fields.budget ?? 0) or an “is set” row.';
  if (/template|payload/i.test(e)) return 'The payload template failed for an event: check the placeholders against the variables of the trigger.';
  return 'Fix the condition below and save.';
}
