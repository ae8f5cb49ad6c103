// Collections: rules, indexes, and a record browser (filter language, sort) with view/edit/delete,
// showing a diff before saving.

import { button, cell, element, formatNumber, formatTime, table } from '/kit/dom.js';
import { confirmAction, openDialog } from '/kit/dialog.js';
import { api } from '/dashboard/api.js';
import { lineDiff } from '/dashboard/diff.js';
import { busy, emptyState, errorNotice, field, input, nameForm, notice, panel, select } from '/dashboard/ui.js';

const enc = encodeURIComponent;
const SYSTEM = ['id', 'ownerId', 'createdAt', 'updatedAt', 'version'];
const RULES = ['owner', 'authenticated', 'public', 'admin'];

function rulesPanel(collection, messages, reload) {
  const selects = {};
  const rows = ['read', 'create', 'update', 'delete'].map((operation) => {
    const options = operation === 'read' ? RULES : RULES.filter((r) => r !== 'public');
    selects[operation] = select(options, collection.rules?.[operation], { id: `rule-${operation}` });
    return field(`Who may ${operation}`, selects[operation]);
  });
  const save = element('button', { text: 'Save rules', className: 'primary', attrs: { type: 'button', id: 'rules-save' } });
  save.addEventListener('click', () => busy(save, messages, async () => {
    const rules = Object.fromEntries(Object.entries(selects).map(([op, node]) => [op, node.value]));
    await api('PATCH', `/admin/collections/${enc(collection.name)}`, { rules });
    messages.replaceChildren(notice('Rules saved. They apply to the next request.', 'ok'));
    reload();
  }));
  return panel('Access rules', [
    element('p', { className: 'hint', text: 'owner: each user their own records. authenticated: any signed-in user. public: anyone with the app key (reading only). admin: only admin keys and this dashboard.' }),
    element('div', { className: 'row' }, rows), save,
  ]);
}

function indexesPanel(collection, messages, reload) {
  const text = element('textarea', { attrs: { id: 'indexes-json', rows: '6', spellcheck: 'false' } });
  text.value = JSON.stringify(collection.indexes ?? [], null, 2);
  const save = element('button', { text: 'Save indexes', attrs: { type: 'button' } });
  save.addEventListener('click', () => busy(save, messages, async () => {
    let indexes;
    try { indexes = JSON.parse(text.value); } catch { throw { code: 'validation_failed', message: 'The indexes are not valid JSON.' }; }
    await api('PATCH', `/admin/collections/${enc(collection.name)}`, { indexes });
    messages.replaceChildren(notice('Indexes saved.', 'ok'));
    reload();
  }));
  return panel('Indexes', [
    element('p', { className: 'hint', text: 'Speed up filters and sorts. Example: [{"fields":["status","createdAt"],"unique":false}]' }),
    field('Index list (JSON)', text), save,
  ]);
}

/** The record in an editor; saving shows the changes first and then PUTs with If-Match. */
async function editRecord(collectionName, record, messages, reload) {
  const original = JSON.stringify(record, null, 2);
  const editor = element('textarea', { attrs: { id: 'record-json', spellcheck: 'false', 'aria-describedby': 'record-hint' } });
  editor.value = original;
  const problem = element('div');
  for (;;) {
    const action = await openDialog(`Record ${record.id}`, [
      element('p', { className: 'hint', text: 'Edit the JSON. id, ownerId, createdAt, updatedAt and version are set by the server.', attrs: { id: 'record-hint' } }),
      problem, editor,
    ], [{ label: 'Close', value: 'close' }, { label: 'Delete record', value: 'delete', className: 'danger' }, { label: 'Review changes', value: 'review', className: 'primary' }]);
    if (action === 'delete') {
      if (!await confirmAction('Delete this record?', `Record ${record.id} is removed from “${collectionName}”. Apps see it disappear at once. This cannot be undone.`, 'Delete record')) continue;
      try {
        await api('DELETE', `/db/collections/${enc(collectionName)}/${enc(record.id)}`, undefined, { 'If-Match': `"${record.version}"` });
        messages.replaceChildren(notice('Record deleted.', 'ok'));
        reload();
      } catch (error) { messages.replaceChildren(errorNotice(error)); }
      return;
    }
    if (action !== 'review') return;
    let edited;
    try { edited = JSON.parse(editor.value); } catch (error) {
      problem.replaceChildren(notice(`This is not valid JSON (${error.message}). Fix it, then review again.`, 'error'));
      continue;
    }
    if (edited === null || typeof edited !== 'object' || Array.isArray(edited)) {
      problem.replaceChildren(notice('A record must be a JSON object: { … }.', 'error'));
      continue;
    }
    const after = JSON.stringify(edited, null, 2);
    if (after === original) { problem.replaceChildren(notice('Nothing changed yet.')); continue; }
    const diff = element('pre', { className: 'diff', attrs: { id: 'record-diff', tabindex: '0' } }, lineDiff(original, after).map((part) => element('span', { className: part.kind === 'same' ? '' : part.kind, text: `${part.kind === 'added' ? '+ ' : part.kind === 'removed' ? '- ' : '  '}${part.line}\n` })));
    const confirm = await openDialog('Save these changes?', [element('p', { className: 'hint', text: 'Lines starting with + are added, with - removed.' }), diff],
      [{ label: 'Back to editing', value: false }, { label: 'Save', value: true, className: 'primary' }]);
    if (!confirm) continue;
    const body = Object.fromEntries(Object.entries(edited).filter(([key]) => !SYSTEM.includes(key)));
    try {
      await api('PUT', `/db/collections/${enc(collectionName)}/${enc(record.id)}`, body, { 'If-Match': `"${record.version}"` });
      messages.replaceChildren(notice('Record saved.', 'ok'));
      reload();
      return;
    } catch (error) {
      problem.replaceChildren(errorNotice(error));
    }
  }
}

function recordBrowser(collection, messages) {
  const filter = input('text', { id: 'record-filter', placeholder: 'e.g. status = "open" && priority >= 2', spellcheck: 'false' });
  const sort = input('text', { id: 'record-sort', value: '-createdAt', spellcheck: 'false' });
  const run = element('button', { text: 'Search', className: 'primary', attrs: { type: 'submit', id: 'record-search' } });
  const results = element('div', { attrs: { id: 'records' } });
  const more = element('div');
  let items = [];
  let cursor = null;
  // Only the newest query may draw: an older answer arriving late must not replace a newer one.
  let generation = 0;
  const draw = (total) => {
    if (items.length === 0) {
      results.replaceChildren(emptyState(filter.value ? 'No record matches this filter. Loosen it, or clear it to see everything.' : 'This collection is empty. Records appear here when your app creates them.'));
      return;
    }
    results.replaceChildren(
      element('p', { className: 'hint', text: total === undefined ? `${items.length} shown` : `${items.length} of ${formatNumber(total)} shown` }),
      table('Records', ['Id', 'Updated', 'Content', 'Action'], items.map((record) => {
        const rest = Object.fromEntries(Object.entries(record).filter(([key]) => !SYSTEM.includes(key)));
        return element('tr', {}, [
          cell('Id', [element('code', { text: record.id })]),
          cell('Updated', [element('span', { text: formatTime(record.updatedAt) })]),
          cell('Content', [element('span', { className: 'preview', text: JSON.stringify(rest).slice(0, 160) })]),
          cell('Action', [button('Open', () => editRecord(collection.name, record, messages, () => load(false)), { attrs: { 'data-record': record.id } })]),
        ]);
      })));
  };
  const load = async (append) => {
    const params = new URLSearchParams({ limit: '25', count: 'true' });
    if (filter.value.trim()) params.set('filter', filter.value.trim());
    if (sort.value.trim()) params.set('sort', sort.value.trim());
    if (append && cursor) params.set('cursor', cursor);
    const mine = ++generation;
    try {
      const answer = await api('GET', `/db/collections/${enc(collection.name)}?${params}`);
      if (mine !== generation) return;
      items = append ? items.concat(answer.items) : answer.items;
      cursor = answer.nextCursor ?? null;
      draw(answer.total);
      more.replaceChildren(...(cursor ? [button('Show more', () => load(true))] : []));
    } catch (error) {
      if (mine === generation) results.replaceChildren(errorNotice(error));
    }
  };
  const form = element('form', { className: 'toolbar', attrs: { novalidate: '' } }, [field('Filter', filter), field('Sort', sort), run]);
  form.addEventListener('submit', (event) => { event.preventDefault(); load(false); });
  load(false);
  return panel('Records', [form, results, more], 'record-browser');
}

export function renderCollections(container) {
  const messages = element('div', { attrs: { id: 'collections-message' } });
  const detail = element('div');
  const listBox = element('ul', { className: 'list-nav', attrs: { id: 'collection-list' } });
  let selected = null;
  let opening = 0;
  const open = async (name) => {
    selected = name;
    const mine = ++opening;
    for (const node of listBox.querySelectorAll('button')) node.setAttribute('aria-pressed', String(node.dataset.collection === name));
    try {
      const collection = await api('GET', `/admin/collections/${enc(name)}`);
      if (mine !== opening) return; // another collection was opened meanwhile
      detail.replaceChildren(element('h2', { text: `Collection “${name}”` }), recordBrowser(collection, messages),
        rulesPanel(collection, messages, () => open(name)), indexesPanel(collection, messages, () => open(name)));
    } catch (error) {
      detail.replaceChildren(errorNotice(error));
    }
  };
  const load = async () => {
    try {
      const collections = (await api('GET', '/admin/collections')).items ?? [];
      if (collections.length === 0) {
        // Apps created on the control page have implicit collections off: their collections exist
        // only once created here (or through POST /admin/collections).
        listBox.replaceChildren(element('li', {}, [emptyState('No collections yet. Create one below (apps that allow it also create one when they save its first record).')]));
        return;
      }
      listBox.replaceChildren(...collections.map((c) => element('li', {}, [
        button(`${c.name} (${formatNumber(c.count)})`, () => { if (selected !== c.name) open(c.name); }, { attrs: { 'data-collection': c.name, 'aria-pressed': 'false' } }),
      ])));
      open(selected ?? collections[0].name);
    } catch (error) {
      listBox.replaceChildren(element('li', {}, [errorNotice(error)]));
    }
  };
  const createForm = nameForm({
    label: 'New collection', buttonText: 'Create collection', id: 'collection-name', messages,
    create: async (name) => {
      await api('POST', '/admin/collections', { name });
      messages.replaceChildren(notice(`Collection “${name}” created with the default rules: each user reads, changes and deletes only their own records.`, 'ok'));
      selected = name;
      await load();
    },
  });
  container.replaceChildren(messages, element('div', { className: 'split' }, [panel('Collections', [listBox, createForm]), detail]));
  load();
}
