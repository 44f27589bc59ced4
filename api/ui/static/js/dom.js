// Small DOM helpers. Everything the UI shows is built with h(), which sets
// text as text: data from the API is never parsed as HTML.

// h builds an element. props: class, id, for, text, on: {event: fn},
// dataset: {…}, and any other attribute (false/null/undefined leave it out,
// true sets it empty). Children may be nodes, strings, numbers, arrays or
// null.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = Boolean(v);
    else el.setAttribute(k === 'htmlFor' ? 'for' : k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let seq = 0;
// uid returns a fresh element id with a readable prefix.
export function uid(prefix) {
  seq += 1;
  return `${prefix}-${seq}`;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// fmtTime shows an API timestamp in the reader's time zone; "" for none.
export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateFmt.format(d);
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

// ago says how long ago an API timestamp was ("3 minutes ago").
export function ago(iso, now = Date.now()) {
  if (!iso) return 'never';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 60) return rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

// timeEl is a <time> showing ago() with the exact time as its title.
export function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, 'never');
  return h('time', { datetime: iso, title: fmtTime(iso) }, ago(iso));
}

// pretty formats JSON for reading.
export function pretty(v) {
  return JSON.stringify(v, null, 2);
}

// copyButton copies text to the clipboard and says so.
export function copyButton(text, label = 'Copy') {
  const b = h('button', { type: 'button', class: 'secondary small' }, label);
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy by hand';
    }
    setTimeout(() => { b.textContent = label; }, 2000);
  });
  return b;
}

// toggle is a switch (a checkbox with role=switch) labelled for screen
// readers; onChange(checked) throws or rejects to undo the change (after
// saying why: the switch only flips back).
export function toggle(label, checked, onChange) {
  const input = h('input', { type: 'checkbox', role: 'switch', checked, 'aria-label': label, class: 'switch' });
  input.addEventListener('change', async () => {
    input.disabled = true;
    try {
      await onChange(input.checked);
    } catch {
      input.checked = !input.checked;
    } finally {
      input.disabled = false;
    }
  });
  return input;
}
