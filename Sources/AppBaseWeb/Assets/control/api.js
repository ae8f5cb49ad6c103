// The control-plane REST client: every call carries the master key from sessionStorage.

const KEY = 'appbase.masterKey';

export const masterKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** The server refused the key (401): the page goes back to the key prompt. */
export class Unauthorized extends Error {}

/** Any other error answer, with the API's stable `code` and its message. */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** `method path` with an optional JSON body; resolves to the parsed JSON answer. */
export async function call(method, path, body) {
  const headers = { 'X-Master-Key': masterKey.get() ?? '', Accept: 'application/json' };
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (response.status === 401) throw new Unauthorized(json?.error?.message ?? 'The master key was not accepted.');
  if (!response.ok) {
    throw new APIError(response.status, json?.error?.code ?? 'error', json?.error?.message ?? `The server answered ${response.status}.`);
  }
  return json;
}
