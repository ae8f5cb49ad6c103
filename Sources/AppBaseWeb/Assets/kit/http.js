// The JSON-over-HTTP call every page makes, and the error it throws: the API's stable `code` and
// message, the status and any Retry-After, so a page can explain what happened and what to do next.

export class HTTPError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** `method path` with extra headers and an optional JSON body; resolves to the parsed JSON answer
 *  (null for an empty one) or throws HTTPError. A network failure becomes status 0, `network`. */
export async function requestJSON(method, path, { headers = {}, body } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new HTTPError(0, 'network', 'The server could not be reached.');
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    throw new HTTPError(response.status, json?.error?.code ?? 'error',
      json?.error?.message ?? `The server answered ${response.status}.`, response.headers.get('Retry-After'));
  }
  return json;
}
