// API keys: list, create (the secret is shown once, with a copy button), revoke.

import { button, cell, element, formatTime, table } from '/kit/dom.js';
import { confirmAction } from '/kit/dialog.js';
import { api } from '/dashboard/api.js';
import { busy, emptyState, errorNotice, field, input, notice, panel, select } from '/dashboard/ui.js';

function secretBox(secret) {
  const code = element('code', { text: secret, attrs: { id: 'new-key-secret' } });
  const copy = button('Copy', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copy.textContent = 'Copied';
    } catch {
      // No clipboard access (plain http on another host): select the text for Ctrl+C.
      getSelection().selectAllChildren(code);
      copy.textContent = 'Press Ctrl+C to copy';
    }
  }, { attrs: { id: 'copy-key' } });
  return element('div', {}, [
    notice('This is the only time the key is shown. Copy it now and store it where your app can read it.', 'ok'),
    element('div', { className: 'secret' }, [code, copy]),
  ]);
}

async function loadList(listBox, messages) {
  let keys;
  try {
    keys = (await api('GET', '/admin/api-keys')).items ?? [];
  } catch (error) {
    listBox.replaceChildren(errorNotice(error));
    return;
  }
  if (keys.length === 0) {
    listBox.replaceChildren(emptyState('No API keys yet. Create a client key for your app above; keep admin keys for your own servers.'));
    return;
  }
  const rows = keys.map((key) => {
    const revoke = key.revokedAt ? element('span', { className: 'muted', text: `Revoked ${formatTime(key.revokedAt)}` }) : button('Revoke', async () => {
      if (!await confirmAction('Revoke this key?', `Apps using “${key.name}” (${key.prefix}…) will stop working at once. This cannot be undone.`, 'Revoke key')) return;
      await busy(revoke, messages, async () => {
        await api('DELETE', `/admin/api-keys/${encodeURIComponent(key.id)}`);
        messages.replaceChildren(notice(`Key “${key.name}” revoked.`, 'ok'));
        await loadList(listBox, messages);
      });
    }, { className: 'danger' });
    return element('tr', {}, [
      cell('Name', [element('span', { text: key.name })]), cell('Key', [element('code', { text: `${key.prefix}…` })]),
      cell('Kind', [element('span', { text: key.kind })]), cell('Created', [element('span', { text: formatTime(key.createdAt) })]),
      cell('Last used', [element('span', { text: formatTime(key.lastUsedAt) })]), cell('Action', [revoke]),
    ]);
  });
  listBox.replaceChildren(table('API keys', ['Name', 'Key', 'Kind', 'Created', 'Last used', 'Action'], rows));
}

export function renderKeys(container) {
  const messages = element('div', { attrs: { id: 'keys-message' } });
  const created = element('div', { attrs: { id: 'keys-created' } });
  const listBox = element('div', { attrs: { id: 'keys-list' } });
  const name = input('text', { id: 'key-name', maxlength: '100', required: '' });
  const kind = select(['client', 'admin'], 'client', { id: 'key-kind' });
  const submit = element('button', { text: 'Create key', className: 'primary', attrs: { type: 'submit', id: 'key-create' } });
  const form = element('form', { attrs: { novalidate: '' } }, [
    element('div', { className: 'row' }, [
      field('Name', name, 'Where the key is used, e.g. “iPhone app”.'),
      field('Kind', kind, 'client: ships in apps. admin: full access, servers only.'),
      submit,
    ]),
  ]);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!name.value.trim()) { messages.replaceChildren(notice('Give the key a name first, so you can recognise it later.', 'error')); name.focus(); return; }
    await busy(submit, messages, async () => {
      const answer = await api('POST', '/admin/api-keys', { name: name.value.trim(), kind: kind.value });
      created.replaceChildren(secretBox(answer.secret));
      name.value = '';
      await loadList(listBox, messages);
      created.querySelector('button')?.focus();
    });
  });
  container.replaceChildren(panel('Create an API key', [messages, form, created], 'keys-create'), panel('API keys', [listBox], 'keys-all'));
  loadList(listBox, messages);
}
