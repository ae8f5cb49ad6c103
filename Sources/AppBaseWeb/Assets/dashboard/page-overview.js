// Overview: counts, storage, requests per minute; refreshed every 10 seconds while open.

import { element, formatBytes, formatNumber } from '/kit/dom.js';
import { api, isMissingRoute } from '/dashboard/api.js';
import { emptyState, errorNotice, notice, panel } from '/dashboard/ui.js';

function stat(label, value) {
  return element('div', { className: 'stat' }, [element('span', { className: 'label', text: label }), element('span', { className: 'number', text: value })]);
}

function requestChart(minutes) {
  const peak = Math.max(1, ...minutes.map((m) => m.requests));
  const bars = minutes.map((m) => {
    const bar = element('span', {
      className: m.errors > 0 ? 'has-errors' : '',
      attrs: { title: `${new Date(m.minute).toLocaleTimeString()}: ${m.requests} requests, ${m.errors} server errors` },
    });
    // Through the CSSOM: the page's CSP refuses style attributes, not style properties set by script.
    bar.style.height = `${Math.round((m.requests / peak) * 100)}%`;
    return bar;
  });
  const total = minutes.reduce((sum, m) => sum + m.requests, 0);
  const errors = minutes.reduce((sum, m) => sum + m.errors, 0);
  return [
    element('div', { className: 'bars', attrs: { role: 'img', 'aria-label': `Requests per minute over the last hour: ${total} in all, ${errors} server errors` } }, bars),
    element('p', { className: 'hint', text: `Last hour: ${formatNumber(total)} requests, ${formatNumber(errors)} server errors (red bars).` }),
  ];
}

async function load(container) {
  let stats;
  try {
    stats = await api('GET', '/admin/stats');
  } catch (error) {
    if (!isMissingRoute(error)) { container.replaceChildren(errorNotice(error)); return; }
    // An older server: what the collections route tells.
    let collections;
    try {
      collections = (await api('GET', '/admin/collections')).items ?? [];
    } catch (fallbackError) {
      container.replaceChildren(errorNotice(fallbackError));
      return;
    }
    stats = { collections: collections.map((c) => ({ name: c.name, records: c.count })) };
    container.replaceChildren(notice('Some figures need a newer server (route not merged yet); showing what this one offers.'));
  }
  const collections = stats.collections ?? [];
  const records = collections.reduce((sum, c) => sum + (c.records ?? 0), 0);
  const nodes = [element('div', { className: 'stats', attrs: { id: 'overview-stats' } }, [
    stat('Users', formatNumber(stats.users)),
    stat('Records', formatNumber(records)),
    stat('Collections', formatNumber(collections.length)),
    stat('Files', formatNumber(stats.files)),
    stat('Storage used', formatBytes(stats.bytes)),
    stat('Live connections', formatNumber(stats.sseStreams)),
  ])];
  if (stats.requestsPerMinute) nodes.push(panel('Requests per minute', requestChart(stats.requestsPerMinute)));
  if (collections.length === 0 && !stats.users) {
    nodes.push(panel('Getting started', [emptyState('Nothing here yet. First create an API key (API keys page) and give it to your app; users, records and files appear here as your app uses them.')]));
  } else {
    nodes.push(panel('Records per collection', [element('ul', {}, collections.map((c) => element('li', { text: `${c.name}: ${formatNumber(c.records)}` })))]));
  }
  const keep = container.querySelector('.notice');
  container.replaceChildren(...(keep ? [keep] : []), ...nodes);
}

export function renderOverview(container) {
  load(container);
  const timer = setInterval(() => load(container), 10000);
  return () => clearInterval(timer);
}
