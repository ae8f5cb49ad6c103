// Live changes: the change feed of one collection, as it happens.

import { button, element, formatTime } from '/kit/dom.js';
import { openEventStream } from '/kit/sse.js';
import { api, csrfHeaders } from '/dashboard/api.js';
import { emptyState, errorNotice, field, panel, select } from '/dashboard/ui.js';

const MAX_EVENTS = 200;

export function renderLive(container) {
  const status = element('span', { className: 'pill idle', text: 'not connected', attrs: { id: 'live-status', role: 'status' } });
  const list = element('ol', { className: 'events', attrs: { id: 'live-events', 'aria-live': 'polite' } });
  const chooser = element('div');
  let stream = null;
  const stop = () => { stream?.close(); stream = null; };

  const watch = (name) => {
    stop();
    list.replaceChildren(element('li', {}, [emptyState(`Waiting for changes in “${name}”… Create, edit or delete a record to see it here.`)]));
    let first = true;
    stream = openEventStream(`/db/collections/${encodeURIComponent(name)}/subscribe`, {
      headers: csrfHeaders(),
      onStatus: (state) => {
        status.textContent = state === 'live' ? 'live' : state;
        status.className = `pill ${state === 'live' ? 'ok' : 'warn'}`;
      },
      onUnauthorized: () => { status.textContent = 'signed out'; status.className = 'pill bad'; },
      onEvent: (event) => {
        if (!['create', 'update', 'delete', 'reset'].includes(event.event)) return;
        if (first) { list.replaceChildren(); first = false; }
        let data = {};
        try { data = JSON.parse(event.data); } catch { /* shown raw */ }
        const record = data.record ?? {};
        list.prepend(element('li', {}, [
          element('strong', { text: `${event.event} ` }),
          element('code', { text: record.id ?? '' }),
          element('span', { className: 'muted', text: ` ${formatTime(record.updatedAt)}` }),
          element('div', { className: 'preview', text: event.event === 'reset' ? 'The feed restarted; older changes may be missing here.' : JSON.stringify(record).slice(0, 240) }),
        ]));
        while (list.children.length > MAX_EVENTS) list.lastChild.remove();
      },
    });
  };

  (async () => {
    try {
      const collections = (await api('GET', '/admin/collections')).items ?? [];
      if (collections.length === 0) {
        chooser.replaceChildren(emptyState('No collections yet. Changes appear here once your app saves records.'));
        return;
      }
      const picker = select(collections.map((c) => c.name), collections[0].name, { id: 'live-collection' });
      picker.addEventListener('change', () => watch(picker.value));
      chooser.replaceChildren(element('div', { className: 'toolbar' }, [field('Collection', picker), button('Stop', () => { stop(); status.textContent = 'stopped'; status.className = 'pill idle'; })]));
      watch(picker.value);
    } catch (error) {
      chooser.replaceChildren(errorNotice(error));
    }
  })();

  container.replaceChildren(panel('Live changes', [chooser, status, list], 'live'));
  return stop;
}
