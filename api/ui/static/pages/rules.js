// Rules: folders with their on/off switches beside the rule list (search,
// switches, last fired; create, duplicate, delete).
import { h, clear, timeEl, toggle } from '../js/dom.js';
import { api, qs } from '../js/api.js';
import { field, input, showProblem, clearErrors } from '../js/form.js';
import { triggerLabel } from '../js/catalogue.js';

export const title = 'Rules';

export async function render(view, ctx) {
  const current = ctx.query.get('folder') || ''; // a folder id, "none", or "" for all
  const [folders, rules] = await Promise.all([api.all('/v1/folders'), api.all('/v1/rules')]);
  if (ctx.stale()) return;
  const byFolder = new Map(folders.map((f) => [f.id, f]));
  const count = (fid) => rules.filter((r) => (r.folder_id || '') === fid).length;
  const reload = () => ctx.navigate(location.hash);
  const go = (q) => ctx.navigate(`#/rules${qs(q)}`);
  const fail = (err) => ctx.toast(err.detail || String(err), 'error');

  // Folders
  const folderItems = [
    h('li', { class: current === '' ? 'current' : '' },
      h('a', { href: '#/rules', 'aria-current': current === '' ? 'page' : false }, 'All rules'), h('span', { class: 'count' }, rules.length)),
    h('li', { class: current === 'none' ? 'current' : '' },
      h('a', { href: '#/rules?folder=none', 'aria-current': current === 'none' ? 'page' : false }, 'Not in a folder'), h('span', { class: 'count' }, count(''))),
  ];
  for (const f of folders) {
    const sw = toggle(`Folder ${f.name} on`, f.enabled, async (on) => {
      try {
        await api.patch(`/v1/folders/${f.id}`, { enabled: on });
        ctx.toast(on ? `Folder ${f.name} is on: its rules run.` : `Folder ${f.name} is off: none of its rules run.`);
        reload();
      } catch (err) { fail(err); throw err; }
    });
    folderItems.push(h('li', { class: current === f.id ? 'current' : '', dataset: { folder: f.id } },
      sw,
      h('a', { href: `#/rules?folder=${f.id}`, 'aria-current': current === f.id ? 'page' : false, title: f.name }, f.name),
      h('span', { class: 'count', 'aria-label': `${count(f.id)} rules` }, count(f.id))));
  }

  const folderName = input({ name: 'name', required: true, autocomplete: 'off', placeholder: 'e.g. Sales' });
  const folderForm = h('form', { class: 'new-folder', hidden: true },
    field('New folder name', folderName, { name: 'name' }),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'small' }, 'Create folder'),
      h('button', { type: 'button', class: 'secondary small', on: { click: () => { folderForm.hidden = true; newFolderBtn.focus(); } } }, 'Cancel')));
  folderForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(folderForm);
    try {
      const f = await api.post('/v1/folders', { name: folderName.value.trim(), enabled: true });
      ctx.toast(`Folder ${f.name} created.`);
      go({ folder: f.id });
    } catch (err) { showProblem(folderForm, err); }
  });
  const newFolderBtn = h('button', { type: 'button', class: 'secondary small', on: { click: () => { folderForm.hidden = false; folderName.focus(); } } }, '+ New folder');

  const folder = byFolder.get(current);
  const folderTools = folder ? h('div', { class: 'row folder-tools' },
    h('button', { type: 'button', class: 'secondary small', on: { click: () => renameFolder(folder) } }, 'Rename folder'),
    h('button', { type: 'button', class: 'danger small', on: { click: () => deleteFolder(folder) } }, 'Delete folder')) : null;

  async function renameFolder(f) {
    const name = window.prompt('New name of the folder', f.name);
    if (name === null || name.trim() === f.name) return;
    try { await api.patch(`/v1/folders/${f.id}`, { name: name.trim() }); ctx.toast('Folder renamed.'); reload(); } catch (err) { fail(err); }
  }
  async function deleteFolder(f) {
    if (count(f.id) > 0) {
      ctx.toast(`Folder ${f.name} still holds ${count(f.id)} rules: move or delete them first.`, 'error');
      return;
    }
    if (!window.confirm(`Delete the folder ${f.name}?`)) return;
    try { await api.del(`/v1/folders/${f.id}`); ctx.toast('Folder deleted.'); go({}); } catch (err) { fail(err); }
  }

  // Rules
  const search = h('input', { type: 'search', value: ctx.query.get('q') || '', placeholder: 'Name, trigger or condition', autocomplete: 'off' });
  const tbody = h('tbody');
  const status = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const shown = rules.filter((r) => current === '' || (current === 'none' ? !r.folder_id : r.folder_id === current));

  function rows() {
    clear(tbody);
    const q = search.value.trim().toLowerCase();
    const list = shown.filter((r) => !q || [r.name, r.condition, triggerLabel(r.trigger), byFolder.get(r.folder_id)?.name || '']
      .some((s) => String(s).toLowerCase().includes(q)));
    for (const r of list) tbody.append(ruleRow(r));
    if (!list.length) {
      tbody.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' },
        shown.length ? 'No rule matches your search.' : h('span', {}, 'No rules here yet. ', h('a', { href: newRuleHref }, 'Create your first rule'), '.'))));
    }
    status.textContent = q ? `${list.length} of ${shown.length} rules match.` : `${shown.length} rules.`;
  }

  function ruleRow(r) {
    const f = byFolder.get(r.folder_id);
    const off = f && !f.enabled;
    const sw = toggle(`Rule ${r.name} on`, r.enabled, async (on) => {
      try {
        await api.patch(`/v1/rules/${r.id}`, { enabled: on });
        r.enabled = on;
        ctx.toast(on ? `Rule ${r.name} is on.` : `Rule ${r.name} is off.`);
      } catch (err) { fail(err); throw err; }
    });
    return h('tr', { dataset: { rule: r.id } },
      h('td', { 'data-label': 'On' }, sw),
      h('td', { 'data-label': 'Rule' },
        h('a', { href: `#/rules/${r.id}` }, r.name),
        off ? h('span', { class: 'badge warn', title: 'Its folder is off' }, ' folder off') : null,
        r.last_error ? h('div', { class: 'error small', title: r.last_error }, `Condition error: ${r.last_error}`) : null),
      h('td', { 'data-label': 'When' }, triggerLabel(r.trigger)),
      h('td', { 'data-label': 'Folder' }, f ? f.name : h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'Last fired' }, timeEl(r.last_fired_at)),
      h('td', { 'data-label': '' }, h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary small', 'aria-label': `Duplicate ${r.name}`, on: { click: () => duplicate(r) } }, 'Duplicate'),
        h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete ${r.name}`, on: { click: () => remove(r) } }, 'Delete'))));
  }

  async function duplicate(r) {
    try {
      const copy = await api.post('/v1/rules', {
        name: `${r.name} (copy)`, folder_id: r.folder_id, enabled: false, trigger: r.trigger,
        condition: r.condition, actions: r.actions, frequency: r.frequency,
      });
      ctx.toast('Copied. The copy is off until you switch it on.');
      ctx.navigate(`#/rules/${copy.id}`);
    } catch (err) { fail(err); }
  }
  async function remove(r) {
    if (!window.confirm(`Delete the rule ${r.name}? Its deliveries stay in the log.`)) return;
    try { await api.del(`/v1/rules/${r.id}`); ctx.toast('Rule deleted.'); reload(); } catch (err) { fail(err); }
  }

  let timer = 0;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(rows, 120); });
  const newRuleHref = `#/rules/new${folder ? `?folder=${folder.id}` : ''}`;
  const heading = current === '' ? 'Rules' : current === 'none' ? 'Rules not in a folder' : `Rules in ${folder ? folder.name : 'an unknown folder'}`;

  view.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, heading), h('p', { class: 'muted' }, 'When something happens to a contact, a rule checks its conditions and sends a signed webhook.')),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: newRuleHref }, '+ New rule'))),
    h('div', { class: 'layout-side' },
      h('section', { class: 'card', 'aria-labelledby': 'folders-h' },
        h('h2', { id: 'folders-h' }, 'Folders'),
        h('p', { class: 'hint' }, 'A folder that is off stops all of its rules.'),
        h('ul', { class: 'folders' }, folderItems),
        h('div', { class: 'row', style: false }, newFolderBtn), folderForm, folderTools),
      h('section', { 'aria-labelledby': 'rules-h' },
        h('h2', { id: 'rules-h', class: 'visually-hidden' }, 'Rule list'),
        field('Search rules', search),
        status,
        h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
          h('thead', {}, h('tr', {}, h('th', {}, 'On'), h('th', {}, 'Rule'), h('th', {}, 'When'), h('th', {}, 'Folder'), h('th', {}, 'Last fired'), h('th', {}, h('span', { class: 'visually-hidden' }, 'Actions')))),
          tbody)))));
  rows();
}
