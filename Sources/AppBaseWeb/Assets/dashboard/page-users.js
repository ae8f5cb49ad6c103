// Users: search by email, disable/enable, reset password, sessions, delete (keeping or deleting records).

import { button, cell, element, formatTime, table } from '/kit/dom.js';
import { confirmAction, openDialog } from '/kit/dialog.js';
import { api } from '/dashboard/api.js';
import { busy, emptyState, errorNotice, field, input, notice, panel } from '/dashboard/ui.js';

const enc = encodeURIComponent;

async function resetPassword(user, messages) {
  const password = input('password', { id: 'reset-password', autocomplete: 'new-password', minlength: '8' });
  const answer = await openDialog(`New password for ${user.email}`, [
    field('New password', password, 'At least 8 characters. Tell the user through a safe channel; all their devices are signed out.'),
  ], [{ label: 'Cancel', value: false }, { label: 'Set password', value: true, className: 'primary' }]);
  if (!answer) return;
  try {
    await api('POST', `/admin/users/${enc(user.id)}/password`, { password: password.value });
    messages.replaceChildren(notice(`Password changed for ${user.email}; they were signed out everywhere.`, 'ok'));
  } catch (error) {
    messages.replaceChildren(errorNotice(error));
  }
}

async function deleteUser(user, messages, reload) {
  const keep = element('input', { attrs: { type: 'radio', name: 'records', value: 'keep', id: 'records-keep', checked: '' } });
  const drop = element('input', { attrs: { type: 'radio', name: 'records', value: 'delete', id: 'records-delete' } });
  const choice = element('fieldset', { className: 'radio' }, [
    element('legend', { text: 'Their records and files' }),
    element('div', {}, [keep, element('label', { text: 'Keep them (they stay, without an owner who can sign in)', attrs: { for: 'records-keep' } })]),
    element('div', {}, [drop, element('label', { text: 'Delete them too', attrs: { for: 'records-delete' } })]),
  ]);
  const answer = await openDialog(`Delete ${user.email}?`, [
    element('p', { text: 'The account is removed and every device is signed out. This cannot be undone.' }), choice,
  ], [{ label: 'Cancel', value: false }, { label: 'Delete user', value: true, className: 'danger' }]);
  if (!answer) return;
  try {
    const records = drop.checked ? 'delete' : 'keep';
    const result = await api('DELETE', `/admin/users/${enc(user.id)}?records=${records}`);
    messages.replaceChildren(notice(`Deleted ${user.email}: ${result?.sessionsRevoked ?? 0} sessions ended, ${result?.recordsDeleted ?? 0} records and ${result?.filesDeleted ?? 0} files deleted.`, 'ok'));
    reload();
  } catch (error) {
    messages.replaceChildren(errorNotice(error));
  }
}

async function showSessions(user) {
  const box = element('div', {}, [element('p', { className: 'muted', text: 'Loading…' })]);
  const load = async () => {
    try {
      const items = (await api('GET', `/admin/users/${enc(user.id)}/sessions`)).items ?? [];
      const live = items.filter((s) => !s.revokedAt && !(s.expiresAt && new Date(s.expiresAt) < new Date()));
      if (live.length === 0) { box.replaceChildren(emptyState('No active sessions: this user is signed out everywhere.')); return; }
      box.replaceChildren(table('Sessions', ['Started', 'Last used', 'Device', 'Action'], live.map((s) => element('tr', {}, [
        cell('Started', [element('span', { text: formatTime(s.createdAt) })]),
        cell('Last used', [element('span', { text: formatTime(s.lastUsedAt) })]),
        cell('Device', [element('span', { text: [s.ip, s.userAgent].filter(Boolean).join(' · ') || '—' })]),
        cell('Action', [button('Sign out', async () => { await api('DELETE', `/admin/users/${enc(user.id)}/sessions/${enc(s.id)}`); load(); }, { className: 'danger' })]),
      ]))), button('Sign out everywhere', async () => { await api('DELETE', `/admin/users/${enc(user.id)}/sessions`); load(); }, { className: 'danger' }));
    } catch (error) {
      box.replaceChildren(errorNotice(error));
    }
  };
  load();
  await openDialog(`Sessions of ${user.email}`, [box], [{ label: 'Close', value: true }]);
}

export function renderUsers(container) {
  const messages = element('div', { attrs: { id: 'users-message' } });
  const listBox = element('div', { attrs: { id: 'users-list' } });
  const more = element('div');
  const search = input('search', { id: 'user-search', placeholder: 'Start of an email address', autocomplete: 'off' });
  let rows = [];

  const row = (user) => {
    const status = element('span', { className: `pill ${user.disabled ? 'bad' : 'ok'}`, text: user.disabled ? 'disabled' : 'active' });
    const toggle = button(user.disabled ? 'Enable' : 'Disable', async () => {
      if (!user.disabled && !await confirmAction(`Disable ${user.email}?`, 'They are signed out at once and cannot sign in until you enable them again. Their data stays.', 'Disable user')) return;
      await busy(toggle, messages, async () => {
        const answer = await api('PATCH', `/admin/users/${enc(user.id)}`, { disabled: !user.disabled });
        Object.assign(user, answer.user ?? { disabled: !user.disabled });
        messages.replaceChildren(notice(`${user.email} is now ${user.disabled ? 'disabled' : 'enabled'}.`, 'ok'));
        draw();
      });
    }, { className: user.disabled ? '' : 'danger', attrs: { 'data-user': user.email, 'data-action': 'toggle' } });
    return element('tr', { attrs: { 'data-user': user.email } }, [
      cell('Email', [element('span', { text: user.email })]),
      cell('Status', [status]),
      cell('Created', [element('span', { text: formatTime(user.createdAt) })]),
      cell('Last sign-in', [element('span', { text: formatTime(user.lastLoginAt) })]),
      cell('Sessions', [element('span', { text: user.sessions === undefined ? '—' : String(user.sessions) })]),
      cell('Actions', [element('div', { className: 'actions' }, [
        toggle,
        button('Reset password', () => resetPassword(user, messages)),
        button('Sessions', () => showSessions(user)),
        button('Delete', () => deleteUser(user, messages, () => load(false)), { className: 'danger' }),
      ])]),
    ]);
  };

  const draw = () => {
    if (rows.length === 0) {
      listBox.replaceChildren(emptyState(search.value ? 'No user has an email starting like that. Check the spelling.' : 'No users yet. They appear here once they register in your app.'));
      return;
    }
    listBox.replaceChildren(table('Users', ['Email', 'Status', 'Created', 'Last sign-in', 'Sessions', 'Actions'], rows.map(row)));
  };

  let next = null;
  let generation = 0; // only the newest search may draw
  const load = async (append) => {
    const prefix = search.value.trim();
    const params = new URLSearchParams({ limit: '50' });
    if (prefix) params.set('emailPrefix', prefix);
    if (append && next) params.set('cursor', next);
    const mine = ++generation;
    try {
      const answer = await api('GET', `/admin/users?${params}`);
      if (mine !== generation) return;
      const items = answer.items ?? answer.users ?? [];
      rows = append ? rows.concat(items) : items;
      next = answer.next ?? null;
      draw();
      more.replaceChildren(...(next ? [button('Show more', () => load(true))] : []));
    } catch (error) {
      listBox.replaceChildren(errorNotice(error));
    }
  };

  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => load(false), 250); });
  container.replaceChildren(panel('Users', [
    element('div', { className: 'toolbar' }, [field('Search by email', search)]), messages, listBox, more,
  ], 'users'));
  load(false);
  return () => clearTimeout(timer);
}
