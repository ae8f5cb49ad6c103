// The dashboard's session and API client. The session cookie is HttpOnly (this page never sees it);
// the CSRF token comes from the JSON answers of sign-in and GET /dashboard/api/session and is kept
// in memory only, then sent as X-CSRF-Token on every call (docs/adr/0030-dashboard-sessions.md).

import { requestJSON, HTTPError } from '/kit/http.js';

let csrfToken = null;
export const session = { admin: null };

/** Fired on window when the server says the session ended; the page shows the sign-in form. */
export const SIGNED_OUT = 'dashboard:signed-out';

function remember(answer) {
  csrfToken = answer.csrfToken;
  session.admin = answer.admin;
  return answer.admin;
}

/** The signed-in admin, or null (asks the server, so a reload keeps the session). */
export async function loadSession() {
  try {
    return remember(await requestJSON('GET', '/dashboard/api/session'));
  } catch (error) {
    if (error instanceof HTTPError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(email, password) {
  return remember(await requestJSON('POST', '/dashboard/api/session', { body: { email, password } }));
}

export async function setUp(token, email, password) {
  return remember(await requestJSON('POST', '/dashboard/api/setup', { body: { token, email, password } }));
}

export async function signOut() {
  try {
    await requestJSON('DELETE', '/dashboard/api/session', { headers: csrfHeaders() });
  } finally {
    csrfToken = null;
    session.admin = null;
  }
}

/** The header every authenticated call carries. */
export function csrfHeaders() {
  return csrfToken ? { 'X-CSRF-Token': csrfToken } : {};
}

/** An authenticated JSON call; a 401 signs the page out. */
export async function api(method, path, body, extraHeaders = {}) {
  try {
    return await requestJSON(method, path, { headers: { ...csrfHeaders(), ...extraHeaders }, body });
  } catch (error) {
    // Only a session this page still believes in can end here: an answer to a call made just before
    // signing out must not replace the sign-in form the user is already typing into.
    if (error instanceof HTTPError && error.status === 401 && session.admin) {
      csrfToken = null;
      session.admin = null;
      window.dispatchEvent(new Event(SIGNED_OUT));
    }
    throw error;
  }
}

/** Fetches `path` with the session and saves the answer as `filename` (CSV export). */
export async function download(path, filename) {
  const response = await fetch(path, { headers: csrfHeaders(), cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw new HTTPError(response.status, 'error', `The server answered ${response.status}.`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Uploads `file` to `path` (raw body; POST for a new file, PUT for a new version) with progress
 *  callbacks; resolves to the JSON answer. */
export function upload(path, file, onProgress, method = 'POST') {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, path);
    for (const [name, value] of Object.entries(csrfHeaders())) request.setRequestHeader(name, value);
    request.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    request.upload.addEventListener('progress', (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); });
    request.addEventListener('load', () => {
      let json = null;
      try { json = JSON.parse(request.responseText); } catch { json = null; }
      if (request.status >= 200 && request.status < 300) resolve(json);
      else reject(new HTTPError(request.status, json?.error?.code ?? 'error', json?.error?.message ?? `The server answered ${request.status}.`));
    });
    request.addEventListener('error', () => reject(new HTTPError(0, 'network', 'The server could not be reached.')));
    request.send(file);
  });
}

/** True when `error` says the route itself does not exist on this server (an older AppBase). */
export function isMissingRoute(error) {
  return error instanceof HTTPError && (error.status === 404 || error.status === 405) && /route|no .*for/i.test(error.message);
}
