// DOM helpers shared by every page: nodes are built with textContent only (never innerHTML), so no
// app data is ever markup.

export function element(tag, { className, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Removes every child of `node` and appends `children`. */
export function replaceChildren(node, children = []) {
  node.replaceChildren(...children.filter(Boolean));
}

export function formatTime(text) {
  if (!text) return '—';
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toLocaleString();
}

/** 1536 → "1.5 KB" (powers of 1024, one decimal below 10). */
export function formatBytes(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '—';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return unit === 0 ? `${value} bytes` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatNumber(value) {
  return typeof value === 'number' ? value.toLocaleString() : '—';
}

/** A row cell with the label the narrow (card) layout shows before its value (one box, so the
 *  card layout can put the label left and the value right). */
export function cell(label, children, className) {
  return element('td', { className, attrs: { 'data-label': label } }, [element('div', { className: 'value' }, children)]);
}

/** A table with a visible header row and the card layout on narrow screens. */
export function table(caption, headers, rows) {
  return element('table', { className: 'cards' }, [
    element('caption', { className: 'visually-hidden', text: caption }),
    element('thead', {}, [element('tr', {}, headers.map((text) => element('th', { text, attrs: { scope: 'col' } })))]),
    element('tbody', {}, rows),
  ]);
}

/** A button that runs `action` on click. */
export function button(text, action, { className, attrs } = {}) {
  const node = element('button', { text, className, attrs: { type: 'button', ...(attrs ?? {}) } });
  node.addEventListener('click', action);
  return node;
}
