// The UI's client of Tripline's /v1 API. It authenticates with the session
// cookie that signing in set (HttpOnly, so scripts never see it) and sends
// the session's CSRF token on every request that changes something.

let csrf = '';
let onUnauthorized = () => {};

export function setCSRF(token) { csrf = token || ''; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// Problem is an RFC 9457 answer: detail says what happened, errors[] name
// fields ("actions[0].endpoint_id") with line and column for expressions.
export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || `The server answered ${status}.`);
    this.status = status;
    this.detail = this.message;
    this.errors = Array.isArray(body?.errors) ? body.errors : [];
  }
}

export async function request(method, path, body, retried = false) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') init.headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new Problem(0, { detail: 'Tripline does not answer: check that it is running and your network.' });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text.slice(0, 200) }; }
  }
  if (res.status === 403 && !retried && method !== 'GET' && !path.startsWith('/ui/session') && p403IsCSRF(data)) {
    // Signing in again in another tab replaced the session, and its token.
    try {
      const s = await request('GET', '/ui/session');
      setCSRF(s.csrf_token);
      return request(method, path, body, true);
    } catch { /* fall through to the 403 */ }
  }
  if (!res.ok) {
    const p = new Problem(res.status, data);
    if (res.status === 401 && !path.startsWith('/ui/session')) onUnauthorized(p);
    throw p;
  }
  return data;
}

function p403IsCSRF(data) {
  return typeof data?.detail === 'string' && data.detail.includes('X-CSRF-Token');
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body ?? {}),
  patch: (path, body) => request('PATCH', path, body),
  put: (path, body) => request('PUT', path, body),
  del: (path) => request('DELETE', path),
  // all follows next_cursor and returns every item of a list (up to max).
  async all(path, max = 2000) {
    const out = [];
    let cursor = '';
    const sep = path.includes('?') ? '&' : '?';
    do {
      const page = await request('GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      out.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor && out.length < max);
    return out;
  },
};

// qs builds a query string from the non-empty values of an object.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}
