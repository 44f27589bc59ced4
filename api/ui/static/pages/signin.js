import { h } from '../js/dom.js';
import { request } from '../js/api.js';
import { field, showProblem, clearErrors } from '../js/form.js';

export const title = 'Sign in';

export async function render(view, ctx) {
  if (ctx.session) {
    ctx.navigate('#/rules');
    return;
  }
  const key = h('input', { type: 'password', name: 'api_key', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'tl_…' });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card signin', novalidate: true },
    h('h1', {}, 'Sign in to Tripline'),
    h('p', { class: 'muted' }, 'Paste an API key of your workspace. It was printed when Tripline first started, or make one in the source folder with ',
      h('code', {}, 'go run ./cmd/tripline keys create --workspace default'),
      ' (with an installed binary: ', h('code', {}, 'tripline keys create --workspace default'), ').'),
    field('API key', key, { name: 'api_key' }),
    submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const s = await request('POST', '/ui/session', { api_key: key.value });
      ctx.signedIn(s);
    } catch (err) {
      if (err.status === 401) err.errors = [{ field: 'api_key', message: 'No workspace has this key: check that it was copied whole, or make a new one with go run ./cmd/tripline keys create --workspace default.' }];
      showProblem(form, err);
      key.focus();
    } finally {
      submit.disabled = false;
    }
  });
  view.append(form);
  key.focus();
}
