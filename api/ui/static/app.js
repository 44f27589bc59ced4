// Tripline's web UI: a hash-routed page over the /v1 API. Each page is a
// module in pages/ exporting { title, render(view, ctx) }; render builds the
// page into view (the <main> element) and may return a cleanup function,
// called when the reader leaves the page.
import { h, clear } from './js/dom.js';
import { api, setCSRF, setUnauthorizedHandler, request } from './js/api.js';
import { errorBox } from './js/form.js';

import * as signin from './pages/signin.js';
import * as rules from './pages/rules.js';
import * as rule from './pages/rule.js';
import * as endpoints from './pages/endpoints.js';
import * as endpoint from './pages/endpoint.js';
import * as deliveries from './pages/deliveries.js';
import * as delivery from './pages/delivery.js';
import * as sourcesPage from './pages/sources.js';
import * as sourcePage from './pages/source.js';
import * as activity from './pages/activity.js';
import * as triggerEvent from './pages/event.js';
import * as contacts from './pages/contacts.js';
import * as contact from './pages/contact.js';
import * as settings from './pages/settings.js';

// routes: the first whose pattern matches the hash's path wins; :name
// segments become params.
const routes = [
  ['/signin', signin],
  ['/rules', rules],
  ['/rules/new', rule],
  ['/rules/:id', rule],
  ['/endpoints', endpoints],
  ['/endpoints/:id', endpoint],
  ['/deliveries', deliveries],
  ['/deliveries/:id', delivery],
  ['/sources', sourcesPage],
  ['/sources/:id', sourcePage],
  ['/activity', activity],
  ['/activity/:id', triggerEvent],
  ['/contacts', contacts],
  ['/contacts/:id', contact],
  ['/settings', settings],
];

const view = document.getElementById('main');
const top = document.getElementById('top');
let session = null;
let cleanup = null;
let renderSeq = 0;
// leaveGuard, set by a page with unsaved changes, answers whether the reader
// may leave it; shownHash is the address of the page on screen.
let leaveGuard = null;
let shownHash = location.hash;
let restoring = false;

function parseHash() {
  // Only "#/…" is a route; anything else (an in-page anchor) is the default.
  const raw = location.hash.startsWith('#/') ? location.hash.slice(1) : '/rules';
  const [path, query = ''] = raw.split('?');
  return { path, query: new URLSearchParams(query) };
}

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, page] of routes) {
    const pp = pattern.split('/').filter(Boolean);
    if (pp.length !== parts.length) continue;
    const params = {};
    let ok = true;
    pp.forEach((p, i) => {
      if (p.startsWith(':')) {
        try { params[p.slice(1)] = decodeURIComponent(parts[i]); } catch { ok = false; } // "%E0": not found
      } else if (p !== parts[i]) ok = false;
    });
    if (ok) return { page, params };
  }
  return null;
}

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

let toastTimer = 0;
// toast says something briefly, in a polite live region.
export function toast(message, kind = 'ok') {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.dataset.kind = kind;
  t.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('show'), 4000);
}

async function render() {
  const seq = ++renderSeq;
  const { path, query } = parseHash();
  shownHash = location.hash;
  leaveGuard = null;
  if (cleanup) { try { cleanup(); } catch { /* a page's cleanup must not stop navigation */ } cleanup = null; }
  if (!session && path !== '/signin') {
    sessionStorage.setItem('tripline.after', location.hash.startsWith('#/') ? location.hash : '#/rules');
    navigate('#/signin');
    return;
  }
  top.hidden = !session;
  if (session) document.getElementById('workspace-name').textContent = `Workspace ${session.workspace.name}`;
  document.querySelectorAll('[data-nav]').forEach((a) => {
    if (path.startsWith(`/${a.dataset.nav}`)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const m = match(path);
  clear(view);
  if (!m) {
    document.title = 'Not found · Tripline';
    view.append(h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, h('a', { href: '#/rules' }, 'Go to your rules')));
    view.querySelector('h1').focus();
    return;
  }
  const ctx = {
    params: m.params, query, session, navigate, toast, api, signedIn,
    stale: () => seq !== renderSeq,
    setLeaveGuard: (fn) => { if (seq === renderSeq) leaveGuard = fn; },
  };
  view.setAttribute('aria-busy', 'true');
  try {
    const out = await m.page.render(view, ctx);
    if (seq !== renderSeq) return;
    if (typeof out === 'function') cleanup = out;
  } catch (err) {
    if (seq !== renderSeq || err?.status === 401) return;
    view.append(errorBox(err));
  } finally {
    if (seq === renderSeq) view.removeAttribute('aria-busy');
  }
  if (seq !== renderSeq) return;
  const h1 = view.querySelector('h1');
  document.title = `${h1 ? h1.textContent : m.page.title} · Tripline`;
  // Move focus to the new page's heading, for keyboard and screen-reader users.
  if (h1 && !view.contains(document.activeElement)) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
}

// signedIn records the session after signing in and goes where the reader
// was headed.
function signedIn(s) {
  session = s;
  setCSRF(s.csrf_token);
  const after = sessionStorage.getItem('tripline.after');
  sessionStorage.removeItem('tripline.after');
  navigate(after && after !== '#/signin' ? after : '#/rules');
}

setUnauthorizedHandler(() => {
  session = null;
  setCSRF('');
  toast('Your session has ended: sign in again.', 'error');
  render();
});

document.getElementById('sign-out').addEventListener('click', async () => {
  if (leaveGuard && !leaveGuard()) return;
  leaveGuard = null;
  try {
    await request('DELETE', '/ui/session');
  } catch { /* signed out already */ }
  session = null;
  setCSRF('');
  navigate('#/signin');
});

// A change of address renders its page, unless the page on screen has
// unsaved changes the reader keeps: then the address goes back to it.
window.addEventListener('hashchange', () => {
  if (restoring) { restoring = false; return; }
  if (leaveGuard && !leaveGuard()) {
    restoring = true;
    location.hash = shownHash;
    return;
  }
  render();
});

// The skip link moves focus to the page, without being taken for a route.
document.getElementById('skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  (view.querySelector('h1') || view).focus();
});

async function boot() {
  try {
    session = await request('GET', '/ui/session');
    setCSRF(session.csrf_token);
  } catch {
    session = null;
  }
  render();
}
boot();
