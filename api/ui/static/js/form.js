import { h, uid, clear } from './dom.js';

// field wraps a control with its label, an optional hint and a place for its
// error, linked by aria-describedby. name is the API's field path
// ("trigger.tag", "actions[0].endpoint_id"): showProblem puts that field's
// error here.
export function field(label, control, { name, hint, cls } = {}) {
  control.id = control.id || uid('f');
  if (name) control.dataset.field = name;
  const hintEl = hint ? h('p', { class: 'hint', id: uid('hint') }, hint) : null;
  const errEl = h('p', { class: 'error', id: uid('err'), hidden: true });
  control.setAttribute('aria-describedby', [hintEl?.id, errEl.id].filter(Boolean).join(' '));
  control._errorEl = errEl;
  return h('div', { class: `field ${cls || ''}` },
    h('label', { for: control.id }, label), control, hintEl, errEl);
}

export function input(props) {
  return h('input', { type: 'text', ...props });
}

export function select(options, value, props = {}) {
  const s = h('select', props);
  for (const o of options) {
    const [v, label] = Array.isArray(o) ? o : [o, o];
    s.append(h('option', { value: v, selected: v === value }, label));
  }
  return s;
}

// clearErrors removes what showProblem showed.
export function clearErrors(form) {
  form.querySelectorAll('.error').forEach((e) => { e.hidden = true; e.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  form.querySelectorAll('.problem-summary').forEach((e) => e.remove());
}

// where returns the text that locates an error inside an expression.
export function where(e) {
  return e.line ? ` (line ${e.line}, column ${e.column})` : '';
}

// controlFor finds the control of an error's field: the exact path, else
// the longest path that contains it ("actions[0].body" for
// "actions[0].body.a").
export function controlFor(form, path) {
  if (!path) return null;
  let best = null;
  for (const el of form.querySelectorAll('[data-field]')) {
    const f = el.dataset.field;
    if (f === path) return el;
    if ((path.startsWith(`${f}.`) || path.startsWith(`${f}[`)) && (!best || f.length > best.dataset.field.length)) best = el;
  }
  return best;
}

// showProblem shows an API problem in a form: each field's message under
// its control, and a summary at the top (role=alert) that links to them and
// takes focus. Errors without a control appear in the summary only.
export function showProblem(form, problem) {
  clearErrors(form);
  const items = [];
  for (const e of problem.errors || []) {
    const ctl = controlFor(form, e.field);
    const msg = `${e.message}${where(e)}`;
    if (ctl && ctl._errorEl) {
      ctl.setAttribute('aria-invalid', 'true');
      const err = ctl._errorEl;
      err.hidden = false;
      err.textContent = err.textContent ? `${err.textContent} ${msg}` : msg;
      // Line and column point into the control's own text only when the
      // error is the control's field (not a template string inside it).
      if (e.line && ctl.dataset.field === e.field && typeof ctl.setSelectionRange === 'function') ctl.dataset.errorAt = offsetOf(ctl.value, e.line, e.column);
    }
    const label = e.field ? `${e.field}: ` : '';
    // A group (a fieldset of checkboxes) is reached through its first control.
    const target = ctl && ctl.matches('fieldset') ? ctl.querySelector('input, select, textarea') || ctl : ctl;
    if (target && !target.id) target.id = uid('f');
    items.push(h('li', {}, target ? h('a', { href: `#${target.id}`, on: { click: (ev) => { ev.preventDefault(); focusAt(target); } } }, label + msg) : label + msg));
  }
  const summary = h('div', { class: 'problem-summary', role: 'alert', tabindex: '-1' },
    h('p', {}, h('strong', {}, problem.detail)), items.length ? h('ul', {}, items) : null);
  const heading = form.querySelector(':scope > h1, :scope > h2');
  if (heading) heading.after(summary);
  else form.prepend(summary);
  summary.focus();
  return summary;
}

// offsetOf turns a 1-based line and column into an offset in text.
function offsetOf(text, line, column) {
  const lines = text.split('\n');
  let off = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i += 1) off += lines[i].length + 1;
  return off + Math.max(0, column - 1);
}

// focusAt focuses a control and, for an expression error, puts the caret
// where the error is.
export function focusAt(ctl) {
  ctl.focus();
  ctl.scrollIntoView?.({ block: 'center' });
  if (ctl.dataset.errorAt && typeof ctl.setSelectionRange === 'function') {
    const at = Number(ctl.dataset.errorAt);
    ctl.setSelectionRange(at, at + 1);
  }
}

// errorBox shows an error that belongs to no form (a failed load).
export function errorBox(err) {
  return h('div', { class: 'problem-summary', role: 'alert' }, h('p', {}, err.detail || err.message || String(err)));
}

export { clear };
