// Audit log: filters, chain status, CSV export.

import { button, cell, element, formatTime, table } from '/kit/dom.js';
import { api, download } from '/dashboard/api.js';
import { emptyState, errorNotice, field, input, notice, panel } from '/dashboard/ui.js';

function chainStatus(box) {
  const check = async () => {
    box.replaceChildren(element('span', { className: 'pill idle', text: 'checking…' }));
    try {
      const result = await api('GET', '/admin/audit-log/verify');
      box.replaceChildren(
        element('span', { className: `pill ${result.ok ? 'ok' : 'bad'}`, text: result.ok ? 'chain intact' : 'chain broken', attrs: { id: 'chain-status' } }),
        element('p', { className: 'hint', text: result.ok
          ? `All ${result.entries} entries verified${result.checkedThrough ? ` through #${result.checkedThrough}` : ''}: none was changed or removed.`
          : `Entry #${result.firstBroken} does not match the chain (${result.reason ?? 'altered or removed'}). Someone changed the log outside AppBase: keep a copy of the database and tell whoever runs the server.` }),
      );
    } catch (error) {
      box.replaceChildren(errorNotice(error));
    }
  };
  check();
  return check;
}

export function renderAudit(container) {
  const fields = {
    actor: input('text', { id: 'audit-actor', placeholder: 'id, or user / api_key / dashboard_admin / system' }),
    action: input('text', { id: 'audit-action', placeholder: 'e.g. auth.login or auth.' }),
    target: input('text', { id: 'audit-target' }),
    since: input('datetime-local', { id: 'audit-since' }),
    until: input('datetime-local', { id: 'audit-until' }),
  };
  const results = element('div', { attrs: { id: 'audit-list' } });
  const more = element('div');
  const messages = element('div');
  const chainBox = element('div');
  const recheck = chainStatus(chainBox);
  let items = [];
  let next = null;

  const query = () => {
    const params = new URLSearchParams();
    for (const [name, node] of Object.entries(fields)) {
      const value = node.value.trim();
      if (!value) continue;
      params.set(name, name === 'since' || name === 'until' ? new Date(value).toISOString() : value);
    }
    return params;
  };
  const draw = () => {
    if (items.length === 0) { results.replaceChildren(emptyState('No entries match. Clear the filters to see everything.')); return; }
    results.replaceChildren(table('Audit entries', ['Time', 'Who', 'Action', 'Target', 'Details'], items.map((entry) => element('tr', {}, [
      cell('Time', [element('span', { text: formatTime(entry.time) })]),
      cell('Who', [element('span', { text: [entry.actor?.kind, entry.actor?.id, entry.actor?.ip].filter(Boolean).join(' · ') })]),
      cell('Action', [element('code', { text: entry.action })]),
      cell('Target', [element('span', { text: entry.target ?? '—' })]),
      cell('Details', [element('span', { className: 'preview', text: Object.entries(entry.details ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ') || '—' })]),
    ]))));
  };
  const load = async (append) => {
    const params = query();
    params.set('limit', '50');
    if (append && next) params.set('cursor', next);
    try {
      const answer = await api('GET', `/admin/audit-log?${params}`);
      items = append ? items.concat(answer.items) : answer.items;
      next = answer.next ?? null;
      draw();
      more.replaceChildren(...(next ? [button('Show older entries', () => load(true))] : []));
    } catch (error) {
      results.replaceChildren(errorNotice(error));
    }
  };
  const form = element('form', { className: 'toolbar', attrs: { novalidate: '' } }, [
    field('Who', fields.actor), field('Action', fields.action), field('Target', fields.target),
    field('From', fields.since), field('Until', fields.until),
    element('button', { text: 'Apply filters', className: 'primary', attrs: { type: 'submit' } }),
  ]);
  form.addEventListener('submit', (event) => { event.preventDefault(); load(false); });
  const exportButton = button('Export as CSV', async () => {
    try {
      await download(`/admin/audit-log.csv?${query()}`, 'audit-log.csv');
      messages.replaceChildren(notice('The export was saved to your downloads.', 'ok'));
    } catch (error) { messages.replaceChildren(errorNotice(error)); }
  }, { attrs: { id: 'audit-export' } });
  container.replaceChildren(
    panel('Chain status', [
      element('p', { className: 'hint', text: 'Each entry carries a fingerprint of the one before, so a changed or deleted entry shows here.' }),
      chainBox, button('Check again', recheck),
    ], 'audit-chain'),
    panel('Audit log', [form, messages, element('div', { className: 'actions' }, [exportButton]), results, more], 'audit'),
  );
  load(false);
}
