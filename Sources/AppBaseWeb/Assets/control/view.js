// Rendering helpers of the control page; the generic ones live in the kit.

import { element } from '/kit/dom.js';

export { element, formatTime, cell } from '/kit/dom.js';

/** The pill class for a lifecycle state: colour always comes with the state's text. */
export function stateTone(state) {
  switch (state) {
    case 'running': return 'ok';
    case 'provisioning': case 'degraded': case 'stopping': return 'warn';
    case 'failed': return 'bad';
    default: return 'idle';
  }
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

/**
 * The dashboard's one-time first-run link (AppInfo `dashboardSetup`) on the dashboard's host name,
 * or null once the app has an admin. The server's own link names `[server] host` and the app's
 * port, which another machine on the LAN may not reach; the token is in the fragment either way.
 */
export function dashboardSetupLink(info) {
  if (!info?.dashboardSetup || !info.urls?.dashboard) return null;
  try {
    const setup = new URL(info.dashboardSetup);
    return new URL(`${setup.pathname}${setup.hash}`, info.urls.dashboard).href;
  } catch {
    return null;
  }
}
