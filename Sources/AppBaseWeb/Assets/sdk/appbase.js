// AppBase JavaScript SDK: one ES module, no build step, no dependencies.
//
// Served by every app at /sdk/appbase.js (types at /sdk/appbase.d.ts); this file in the
// repository (Sources/AppBaseWeb/Assets/sdk/) is the published copy. The wire contract it
// speaks is docs/API-SPEC.md; the design (sessions, single-flight refresh, gapless subscribe)
// is ADR 0034.
//
//   import { AppBase } from '/sdk/appbase.js'
//   const client = AppBase.init({ endpoint: 'http://localhost:3101', apiKey: 'hs_live_…' })

/** Codes on which the session is over: the user is signed out and onAuthStateChange fires. */
const SESSION_ENDING_CODES = new Set(['refresh_token_reused', 'session_revoked', 'user_disabled', 'invalid_refresh_token']);
const VERSION = '1.0.0';

/** Every failure the SDK reports: the server's error body, or a local `network_error` / `aborted` / `signed_out`. */
export class AppBaseError extends Error {
  constructor({ code, status = 0, message, requestId = null, details = null, retryAfter = null, cause } = {}) {
    super(message || code, cause === undefined ? undefined : { cause });
    this.name = 'AppBaseError';
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  /** The error a non-2xx response stands for (its JSON error body when it has one). */
  static async fromResponse(response) {
    let body = null;
    try { body = JSON.parse(await response.text()); } catch { body = null; }
    const error = body && typeof body.error === 'object' && body.error ? body.error : {};
    return new AppBaseError({
      code: typeof error.code === 'string' ? error.code : `http_${response.status}`,
      status: response.status,
      message: typeof error.message === 'string' ? error.message : `HTTP ${response.status}`,
      requestId: error.requestId || response.headers.get('x-request-id'),
      details: error.details ?? null,
      retryAfter: parseRetryAfter(response.headers.get('retry-after')),
    });
  }
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date), or null. */
function parseRetryAfter(value) {
  if (value == null || value === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  if (signal?.aborted) { reject(abortError()); return; }
  const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(timer); reject(abortError()); };
  signal?.addEventListener('abort', onAbort, { once: true });
});

const abortError = () => new AppBaseError({ code: 'aborted', message: 'The operation was aborted.' });

// ---------------------------------------------------------------------------------------------
// Session stores: the localStorage interface (getItem/setItem/removeItem), sync or async.

/** Keeps the session in this process only (the default outside browsers). */
export class MemoryStore {
  #items = new Map();
  getItem(key) { return this.#items.has(key) ? this.#items.get(key) : null; }
  setItem(key, value) { this.#items.set(key, String(value)); }
  removeItem(key) { this.#items.delete(key); }
}

/** The browser's localStorage when it is there and usable (not in an opaque origin), else null. */
function browserStorage() {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return null;
    const probe = '__appbase_probe__';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Transport: fetch, plus XMLHttpRequest for browser uploads with progress.

const hasXHR = () => typeof globalThis.XMLHttpRequest === 'function';

/** A fetch-shaped call over XMLHttpRequest, so an upload can report progress in a browser. */
function xhrFetch(url, { method, headers, body, signal, onProgress }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.responseType = 'blob';
    if (onProgress) {
      xhr.upload.onprogress = (event) => onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : null });
    }
    xhr.onload = () => {
      const responseHeaders = new Headers();
      for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
        const colon = line.indexOf(':');
        if (colon > 0) responseHeaders.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      const nullBody = xhr.status === 204 || xhr.status === 304;
      resolve(new Response(nullBody ? null : xhr.response, { status: xhr.status, headers: responseHeaders }));
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onabort = () => reject(abortError());
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** The bytes of an upload source as a Blob (File and Blob pass through). */
function toBlob(file, contentType) {
  if (typeof Blob !== 'undefined' && file instanceof Blob) return file;
  if (typeof file === 'string') return new Blob([file], { type: contentType || 'text/plain;charset=utf-8' });
  if (file instanceof ArrayBuffer || ArrayBuffer.isView(file)) return new Blob([file], { type: contentType || '' });
  throw new AppBaseError({ code: 'validation_failed', message: 'upload expects a Blob, File, ArrayBuffer, typed array or string.' });
}

/** A body that reports how much of it has been read (node: fetch streams it, we count the chunks). */
function countingStream(blob, onProgress) {
  const reader = blob.stream().getReader();
  let loaded = 0;
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) { controller.close(); return; }
      loaded += value.byteLength;
      controller.enqueue(value);
      onProgress({ loaded, total: blob.size });
    },
    cancel(reason) { return reader.cancel(reason); },
  });
}

// ---------------------------------------------------------------------------------------------
// The client.

export class AppBase {
  /** The vision's entry point: `AppBase.init({ endpoint, apiKey })`. */
  static init(options) { return new AppBase(options); }

  #options;
  #fetch;
  #store;
  #storageKey;
  #session = null;
  #listeners = new Set();
  #refreshing = null;
  #ready;
  /** How many refreshes this client sent to the server (for diagnostics and tests). */
  refreshCount = 0;

  constructor({ endpoint, apiKey, store, storageKey, fetch: fetchImpl, locks, retry = {} } = {}) {
    if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) {
      throw new AppBaseError({ code: 'validation_failed', message: 'endpoint must be an http(s) URL.' });
    }
    if (typeof apiKey !== 'string' || apiKey === '') {
      throw new AppBaseError({ code: 'missing_api_key', message: 'apiKey is required.' });
    }
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.#options = {
      maxRetries: retry.maxRetries ?? 2,
      maxDelayMs: retry.maxDelayMs ?? 10_000,
      locks: locks === undefined ? globalThis.navigator?.locks ?? null : locks,
    };
    this.#fetch = fetchImpl ?? ((...args) => globalThis.fetch(...args));
    this.#store = store ?? browserStorage() ?? new MemoryStore();
    this.#storageKey = storageKey ?? `appbase.session:${this.endpoint}`;
    this.auth = new AuthClient(this);
    this.db = new DatabaseClient(this);
    this.storage = new StorageClient(this);
    this.#ready = this.#loadSession().then((session) => { this.#session = session; });
    this.#followOtherTabs();
  }

  /** Resolves once the stored session (if any) has been read. */
  get ready() { return this.#ready; }

  get session() { return this.#session; }

  // --- session bookkeeping ---------------------------------------------------------------

  async #loadSession() {
    try {
      const text = await this.#store.getItem(this.#storageKey);
      const session = text ? JSON.parse(text) : null;
      return session && typeof session.accessToken === 'string' ? session : null;
    } catch {
      return null;
    }
  }

  /** Another tab that refreshed, signed in or out wrote localStorage: adopt its session. */
  #followOtherTabs() {
    if (typeof globalThis.addEventListener !== 'function' || this.#store !== globalThis.localStorage) return;
    globalThis.addEventListener('storage', (event) => {
      if (event.key !== this.#storageKey) return;
      const before = this.#session;
      let after = null;
      try { after = event.newValue ? JSON.parse(event.newValue) : null; } catch { after = null; }
      this.#session = after;
      if (!before && after) this.#emit('SIGNED_IN', after);
      else if (before && !after) this.#emit('SIGNED_OUT', null, { code: 'signed_out_elsewhere' });
      else if (after) this.#emit('TOKEN_REFRESHED', after);
    });
  }

  async _setSession(body, event) {
    const session = {
      user: body.user,
      accessToken: body.accessToken,
      refreshToken: body.refreshToken,
      expiresAt: Date.now() + (Number(body.expiresIn) || 0) * 1000,
    };
    this.#session = session;
    await this.#store.setItem(this.#storageKey, JSON.stringify(session));
    this.#emit(event, session);
    return session;
  }

  /** Forgets the session locally and tells the listeners why (`reason.code`). */
  async _clearSession(reason) {
    const had = this.#session !== null;
    this.#session = null;
    await this.#store.removeItem(this.#storageKey);
    if (had) this.#emit('SIGNED_OUT', null, reason);
  }

  _onAuthStateChange(callback) {
    this.#listeners.add(callback);
    this.#ready.then(() => { if (this.#listeners.has(callback)) callback('INITIAL_SESSION', this.#session, null); });
    return () => { this.#listeners.delete(callback); };
  }

  #emit(event, session, reason = null) {
    for (const listener of [...this.#listeners]) {
      try { listener(event, session, reason); } catch (error) { queueMicrotask(() => { throw error; }); }
    }
  }

  /**
   * Single-flight refresh: every caller that saw `token_expired` for `staleToken` shares one
   * refresh. Across tabs, a Web Lock serialises rotations; inside it the stored session is read
   * again, and if another tab already rotated, its tokens are used without a second refresh.
   */
  async _refresh(staleToken) {
    if (this.#session && this.#session.accessToken !== staleToken) return this.#session;
    if (!this.#refreshing) {
      this.#refreshing = this.#withLock(() => this.#rotate(staleToken)).finally(() => { this.#refreshing = null; });
    }
    return this.#refreshing;
  }

  #withLock(work) {
    const locks = this.#options.locks;
    if (!locks || typeof locks.request !== 'function') return work();
    return locks.request(`appbase-refresh:${this.#storageKey}`, work);
  }

  async #rotate(staleToken) {
    const stored = await this.#loadSession();
    if (stored && stored.accessToken !== staleToken) {
      this.#session = stored;
      return stored;
    }
    const current = stored ?? this.#session;
    if (!current?.refreshToken) {
      await this._clearSession({ code: 'signed_out' });
      throw new AppBaseError({ code: 'signed_out', status: 401, message: 'Not signed in.' });
    }
    this.refreshCount += 1;
    try {
      const body = await this._request('POST', '/auth/refresh', { body: { refreshToken: current.refreshToken }, auth: false });
      return await this._setSession(body, 'TOKEN_REFRESHED');
    } catch (error) {
      if (error instanceof AppBaseError && SESSION_ENDING_CODES.has(error.code)) await this._clearSession({ code: error.code });
      throw error;
    }
  }

  // --- requests --------------------------------------------------------------------------

  _url(path, query) {
    const url = new URL(this.endpoint + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  _headers(token, extra) {
    const headers = { 'X-API-Key': this.apiKey, ...extra };
    if (token) headers.Authorization = `Bearer ${token}`;
    return headers;
  }

  /**
   * One API call with the SDK's policies: the user's token when signed in; on `401 token_expired`
   * one shared refresh and one retry; on 429/503 up to `maxRetries` waits of `Retry-After`
   * (each at most `maxDelayMs`); session-ending codes sign out. Returns the parsed JSON body, or
   * the Response itself with `{ raw: true }`.
   *
   * `body` is JSON-encoded unless `rawBody` is given: a function returning a fresh body for each
   * attempt (uploads), with `contentType`.
   */
  async _request(method, path, { query, body, rawBody, contentType, headers = {}, auth = true, raw = false, signal, onProgress, includeMeta = false } = {}) {
    await this.#ready;
    let refreshed = false;
    let retries = 0;
    for (;;) {
      const token = auth ? this.#session?.accessToken ?? null : null;
      const requestHeaders = this._headers(token, headers);
      let requestBody;
      if (rawBody) {
        requestBody = rawBody();
        if (contentType) requestHeaders['Content-Type'] = contentType;
      } else if (body !== undefined) {
        requestBody = JSON.stringify(body);
        requestHeaders['Content-Type'] = 'application/json';
      }
      let response;
      try {
        response = await this.#send(this._url(path, query), { method, headers: requestHeaders, body: requestBody, signal, onProgress });
      } catch (cause) {
        if (cause instanceof AppBaseError) throw cause;
        if (signal?.aborted) throw abortError();
        throw new AppBaseError({ code: 'network_error', message: `Could not reach ${this.endpoint}: ${cause?.message ?? cause}`, cause });
      }
      if (response.ok || response.status === 304) {
        if (raw) return response;
        const text = response.status === 204 || response.status === 304 ? '' : await response.text();
        const parsed = text ? JSON.parse(text) : null;
        return includeMeta ? { body: parsed, response } : parsed;
      }
      const error = await AppBaseError.fromResponse(response);
      if (error.code === 'token_expired' && token && !refreshed) {
        refreshed = true;
        await this._refresh(token);
        continue;
      }
      if ((error.status === 429 || error.status === 503) && retries < this.#options.maxRetries) {
        const delay = Math.max(0.05, error.retryAfter ?? 1) * 1000;
        if (delay <= this.#options.maxDelayMs) {
          retries += 1;
          await sleep(delay, signal);
          continue;
        }
      }
      if (token && (error.code === 'session_revoked' || error.code === 'user_disabled')) {
        await this._clearSession({ code: error.code });
      }
      throw error;
    }
  }

  #send(url, { method, headers, body, signal, onProgress }) {
    if (onProgress && hasXHR()) return xhrFetch(url, { method, headers, body, signal, onProgress });
    const init = { method, headers, body, signal };
    if (body instanceof ReadableStream) init.duplex = 'half';
    return this.#fetch(url, init);
  }

  /** The live session's token, refreshed first when the server said it expired (for streams). */
  _token() { return this.#session?.accessToken ?? null; }

  _fetchStream(url, init) { return this.#fetch(url, init); }
}

AppBase.version = VERSION;

// ---------------------------------------------------------------------------------------------
// auth

class AuthClient {
  #client;
  constructor(client) { this.#client = client; }

  /** Registers and signs in. */
  async signUp({ email, password }) {
    const body = await this.#client._request('POST', '/auth/register', { body: { email, password }, auth: false });
    return this.#client._setSession(body, 'SIGNED_IN');
  }

  async signIn({ email, password }) {
    const body = await this.#client._request('POST', '/auth/login', { body: { email, password }, auth: false });
    return this.#client._setSession(body, 'SIGNED_IN');
  }

  /** Ends the session on the server (best effort) and forgets it here. */
  async signOut() {
    await this.#client.ready;
    if (this.#client.session) {
      try { await this.#client._request('POST', '/auth/logout'); } catch { /* signed out locally either way */ }
    }
    await this.#client._clearSession({ code: 'signed_out' });
  }

  /** The signed-in user from the stored session, or null (no request). */
  currentUser() { return this.#client.session?.user ?? null; }

  /** The session (tokens and user), or null. */
  getSession() { return this.#client.session; }

  /** The user as the server sees it now (`GET /auth/me`). */
  async getUser() { return (await this.#client._request('GET', '/auth/me')).user; }

  /** `callback(event, session, reason)`; events INITIAL_SESSION, SIGNED_IN, SIGNED_OUT, TOKEN_REFRESHED. */
  onAuthStateChange(callback) { return this.#client._onAuthStateChange(callback); }

  /** Waits until the stored session has been loaded. */
  ready() { return this.#client.ready; }
}

// ---------------------------------------------------------------------------------------------
// db

const enc = encodeURIComponent;
const versionOf = (ifMatch) => (ifMatch === undefined || ifMatch === null ? undefined
  : typeof ifMatch === 'number' ? `"${ifMatch}"` : String(ifMatch));

class DatabaseClient {
  #client;
  constructor(client) { this.#client = client; }

  collection(name) { return new Collection(this.#client, name); }

  /** Atomic batch: `[{op, collection, id?, data?, ifMatch?}]` → results. */
  async batch(operations) {
    const { results } = await this.#client._request('POST', '/db/batch', { body: { operations } });
    return results;
  }
}

class Collection {
  #client;
  constructor(client, name) {
    this.#client = client;
    this.name = name;
  }

  #path(id) { return `/db/collections/${enc(this.name)}${id === undefined ? '' : `/${enc(id)}`}`; }

  create(data) { return this.#client._request('POST', this.#path(), { body: data }); }

  get(id, { fields } = {}) { return this.#client._request('GET', this.#path(id), { query: { fields: joinFields(fields) } }); }

  /** Replaces the record's data (PUT); `ifMatch` a version number or ETag. */
  update(id, data, { ifMatch } = {}) { return this.#write('PUT', id, data, ifMatch); }

  /** Merges `data` into the record (RFC 7396: null removes a member). */
  patch(id, data, { ifMatch } = {}) { return this.#write('PATCH', id, data, ifMatch); }

  async delete(id, { ifMatch } = {}) {
    const headers = ifMatch === undefined ? {} : { 'If-Match': versionOf(ifMatch) };
    await this.#client._request('DELETE', this.#path(id), { headers });
  }

  #write(method, id, data, ifMatch) {
    const headers = ifMatch === undefined ? {} : { 'If-Match': versionOf(ifMatch) };
    return this.#client._request(method, this.#path(id), { body: data, headers });
  }

  /** One page: `{items, nextCursor, total?, changeSeq}`; pass `changeSeq` to `subscribe` as `since`. */
  async list({ filter, sort, limit, cursor, fields, count } = {}) {
    const { body, response } = await this.#client._request('GET', this.#path(), {
      query: { filter, sort: Array.isArray(sort) ? sort.join(',') : sort, limit, cursor, fields: joinFields(fields), count: count ? 'true' : undefined },
      includeMeta: true,
    });
    const seq = response.headers.get('x-change-seq');
    return { ...body, changeSeq: seq === null ? null : Number(seq) };
  }

  /** Every matching record, page by page (keyset cursors: stable under concurrent writes). */
  async *all({ filter, sort, fields, pageSize = 200 } = {}) {
    let cursor;
    for (;;) {
      const page = await this.list({ filter, sort, fields, limit: pageSize, cursor });
      yield* page.items;
      if (!page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  /**
   * Live changes: `callback({action, collection, record, seq})` for each create/update/delete,
   * in order, each once. Pass `since: page.changeSeq` from `list` so nothing between the list and
   * the subscription is missed. Returns `unsubscribe()`.
   */
  subscribe(callback, options = {}) {
    const subscription = new Subscription(this.#client, this.name, callback, options);
    subscription.start();
    return () => subscription.close();
  }
}

const joinFields = (fields) => (Array.isArray(fields) ? fields.join(',') : fields);

// ---------------------------------------------------------------------------------------------
// Server-sent events over fetch streaming.

/** Splits a text/event-stream into events (WHATWG rules: CR, LF or CRLF; comments; multi-line data). */
class EventStreamDecoder {
  #buffer = '';
  #data = [];
  #event = '';
  #id = null;
  #pendingCR = false;
  retry = null;

  feed(text) {
    const events = [];
    let input = text;
    if (this.#pendingCR && input.startsWith('\n')) input = input.slice(1);
    this.#pendingCR = false;
    this.#buffer += input;
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i += 1) {
      const char = this.#buffer[i];
      if (char !== '\n' && char !== '\r') continue;
      const line = this.#buffer.slice(start, i);
      if (char === '\r') {
        if (i + 1 === this.#buffer.length) this.#pendingCR = true;
        else if (this.#buffer[i + 1] === '\n') i += 1;
      }
      start = i + 1;
      const event = this.#line(line);
      if (event) events.push(event);
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  #line(line) {
    if (line === '') {
      const event = this.#data.length ? { event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id } : null;
      this.#data = [];
      this.#event = '';
      this.#id = null;
      return event;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
    return null;
  }
}

const CHANGE_EVENTS = new Set(['create', 'update', 'delete']);
const SIGN_OUT_STREAM_CODES = new Set(['session_revoked', 'user_disabled']);

/**
 * One subscription: connects, replays from `since`, follows changes, and reconnects (backoff,
 * `Last-Event-ID`) until closed or ended by the server for good.
 */
class Subscription {
  #client;
  #collection;
  #callback;
  #options;
  #abort = null;
  #closed = false;
  #lastId;
  #lastDelivered = -1;
  #failures = 0;
  #connected = false;

  constructor(client, collection, callback, options) {
    this.#client = client;
    this.#collection = collection;
    this.#callback = callback;
    this.#options = { ...options };
    this.#lastId = options.since ?? null;
  }

  start() { this.#run(); }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort?.abort();
    this.#status('closed');
  }

  #status(status) { try { this.#options.onStatus?.(status); } catch { /* a listener's bug must not kill the stream */ } }

  #end(reason) {
    if (this.#closed) return;
    this.#closed = true;
    this.#status('closed');
    this.#options.onEnd?.(reason);
  }

  async #run() {
    await this.#client.ready;
    let refreshedFor = null;
    let first = true;
    while (!this.#closed) {
      this.#status(first ? 'connecting' : 'reconnecting');
      first = false;
      const outcome = await this.#connect();
      if (this.#closed) return;
      if (outcome.kind === 'end') { this.#end(outcome.reason); return; }
      if (outcome.kind === 'refresh') {
        const token = this.#client._token();
        if (token && refreshedFor === token) { this.#end({ code: 'token_expired' }); return; }
        refreshedFor = token;
        try {
          await this.#client._refresh(token);
        } catch (error) {
          this.#end({ code: error.code ?? 'token_expired', error });
          return;
        }
        continue;
      }
      if (outcome.kind === 'live') refreshedFor = null;
      // Dropped, refused for now, or failed: wait (Retry-After, else backoff) and resume from the last id.
      this.#failures = outcome.kind === 'live' ? 1 : this.#failures + 1;
      const base = outcome.retryAfterMs ?? Math.min(30_000, (this.#options.retryMs ?? 500) * 2 ** Math.min(this.#failures - 1, 6));
      try { await sleep(base * (0.75 + Math.random() * 0.5), this.#abort?.signal); } catch { return; }
    }
  }

  /** One connection. Resolves with what to do next: `end`, `refresh`, `live` (dropped after going live) or `retry`. */
  async #connect() {
    this.#abort = new AbortController();
    const headers = this.#client._headers(this.#client._token(), { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' });
    const query = { filter: this.#options.filter };
    // The first connection resumes from the caller's `since` (a list's X-Change-Seq); every
    // reconnect from the last id seen, which the server prefers over the query.
    if (this.#lastId !== null && !this.#connected) query.since = this.#lastId;
    else if (this.#lastId !== null) headers['Last-Event-ID'] = String(this.#lastId);
    this.#connected = true;
    let response;
    try {
      response = await this.#client._fetchStream(this.#client._url(`/db/collections/${enc(this.#collection)}/subscribe`, query),
        { method: 'GET', headers, signal: this.#abort.signal });
    } catch (error) {
      if (this.#closed) return { kind: 'end' };
      this.#options.onError?.(new AppBaseError({ code: 'network_error', message: String(error?.message ?? error), cause: error }));
      return { kind: 'retry' };
    }
    if (!response.ok) {
      const error = await AppBaseError.fromResponse(response);
      if (error.code === 'token_expired') return { kind: 'refresh' };
      if (error.status === 429 || error.status === 503) {
        this.#options.onError?.(error);
        return { kind: 'retry', retryAfterMs: (error.retryAfter ?? 1) * 1000 };
      }
      if (SIGN_OUT_STREAM_CODES.has(error.code)) await this.#client._clearSession({ code: error.code });
      return { kind: 'end', reason: { code: error.code, error } };
    }
    return this.#read(response);
  }

  async #read(response) {
    const decoder = new EventStreamDecoder();
    const text = new TextDecoder();
    const reader = response.body.getReader();
    let live = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of decoder.feed(text.decode(value, { stream: true }))) {
          const next = await this.#handle(event);
          if (next === 'ready') { live = true; this.#failures = 0; }
          else if (next) { reader.cancel().catch(() => {}); return next; }
        }
        if (decoder.retry !== null) this.#options.retryMs ??= decoder.retry;
      }
    } catch {
      if (this.#closed) return { kind: 'end' };
    }
    return { kind: live ? 'live' : 'retry' };
  }

  /** Applies one event; returns 'ready', an outcome that ends this connection, or null. */
  async #handle(event) {
    let data = null;
    try { data = event.data ? JSON.parse(event.data) : null; } catch { data = null; }
    const seq = event.id !== null && /^\d+$/.test(event.id) ? Number(event.id) : null;
    if (CHANGE_EVENTS.has(event.event)) {
      if (seq !== null && seq <= this.#lastDelivered) return null; // never twice
      if (seq !== null) { this.#lastDelivered = seq; this.#lastId = seq; }
      this.#callback({ action: data?.action ?? event.event, collection: data?.collection ?? this.#collection, record: data?.record ?? null, seq });
      return null;
    }
    if (seq !== null) this.#lastId = seq;
    switch (event.event) {
      case 'ready':
        this.#status('live');
        this.#options.onReady?.(data?.seq ?? seq);
        return 'ready';
      case 'reset':
        // Refetch: the log no longer covers our position. The stream goes on from data.seq.
        if (typeof data?.seq === 'number') { this.#lastId = data.seq; this.#lastDelivered = Math.min(this.#lastDelivered, data.seq); }
        this.#options.onReset?.(data);
        return null;
      case 'auth_expired':
        return { kind: 'refresh' };
      case 'auth_revoked': {
        const code = data?.code ?? 'session_revoked';
        if (SIGN_OUT_STREAM_CODES.has(code)) await this.#client._clearSession({ code });
        return { kind: 'end', reason: { code } };
      }
      default: // heartbeat and anything new: the id above keeps the position current
        return null;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// storage

class StorageClient {
  #client;
  constructor(client) { this.#client = client; }

  #path(bucket, id, rest = '') { return `/storage/buckets/${enc(bucket)}${id === undefined ? '' : `/${enc(id)}`}${rest}`; }

  /** Uploads `file` → its metadata `{id, bucket, name, size, contentType, sha256, version, …}`. */
  upload(bucket, file, options = {}) { return this.#send('POST', this.#path(bucket, undefined, '/upload'), file, options); }

  /** Uploads a new version of an existing file. */
  update(bucket, id, file, options = {}) { return this.#send('PUT', this.#path(bucket, id), file, options); }

  #send(method, path, file, { name, contentType, onProgress, signal } = {}) {
    const blob = toBlob(file, contentType);
    const type = contentType || blob.type || 'application/octet-stream';
    const fileName = name ?? (typeof file?.name === 'string' ? file.name : undefined);
    const query = fileName ? { name: fileName } : {};
    const streamed = onProgress && !hasXHR();
    const progress = onProgress ? (p) => { try { onProgress(p); } catch { /* listener bug */ } } : undefined;
    return this.#client._request(method, path, {
      query,
      rawBody: () => (streamed ? countingStream(blob, progress) : blob),
      contentType: type,
      onProgress: hasXHR() ? progress : undefined,
      signal,
    });
  }

  /** A signed URL (absolute) that needs no key or token, valid `expiresIn` seconds. */
  async getUrl(bucket, id, { expiresIn, version } = {}) {
    const body = await this.#client._request('POST', this.#path(bucket, id, '/url'), { body: { expiresIn, version } });
    return new URL(body.url, this.#client.endpoint + '/').toString();
  }

  /** The file's bytes as a Blob. */
  async download(bucket, id, { version, signal } = {}) {
    const response = await this.#client._request('GET', this.#path(bucket, id), { query: { version }, raw: true, signal });
    return response.blob();
  }

  /** `{items, nextCursor}`. */
  list(bucket, { prefix, limit, cursor } = {}) { return this.#client._request('GET', this.#path(bucket), { query: { prefix, limit, cursor } }); }

  async remove(bucket, id) { await this.#client._request('DELETE', this.#path(bucket, id)); }

  /** Stored versions, newest first. */
  async versions(bucket, id) { return (await this.#client._request('GET', this.#path(bucket, id, '/versions'))).items; }

  /** Makes version `version` current again (as a new version) → metadata. */
  restore(bucket, id, version) { return this.#client._request('POST', this.#path(bucket, id, `/versions/${enc(version)}/restore`)); }
}

export default AppBase;
