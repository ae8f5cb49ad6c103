// The control-plane REST client: every call carries the master key from sessionStorage.

import { requestJSON, HTTPError } from '/kit/http.js';

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
  try {
    return await requestJSON(method, path, { headers: { 'X-Master-Key': masterKey.get() ?? '' }, body });
  } catch (error) {
    if (!(error instanceof HTTPError)) throw error;
    if (error.status === 401) throw new Unauthorized(error.code === 'error' ? 'The master key was not accepted.' : error.message);
    throw new APIError(error.status, error.code, error.message);
  }
}
