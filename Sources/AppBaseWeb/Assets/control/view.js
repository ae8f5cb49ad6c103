// Rendering helpers: DOM built with textContent only (no innerHTML), so no app data is ever markup.

export function element(tag, { className, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** The pill class for a lifecycle state: colour always comes with the state's text. */
export function stateTone(state) {
  switch (state) {
    case 'running': return 'ok';
    case 'provisioning': case 'degraded': case 'stopping': return 'warn';
    case 'failed': return 'bad';
    default: return 'idle';
  }
}

export function formatTime(text) {
  if (!text) return '—';
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toLocaleString();
}

/** A row cell with the label the narrow (card) layout shows before its value (one box, so the
 *  card layout can put the label left and the value right). */
export function cell(label, children, className) {
  return element('td', { className, attrs: { 'data-label': label } }, [element('div', { className: 'value' }, children)]);
}

/** A link to `url` showing its host name (with the port only for an IP address). */
export function hostLink(url) {
  let label = url;
  try {
    const parsed = new URL(url);
    label = /^[0-9.]+$|^\[/.test(parsed.hostname) ? parsed.host : parsed.hostname;
  } catch { /* keep the raw text */ }
  return element('a', { text: label, attrs: { href: url, rel: 'noreferrer' } });
}
