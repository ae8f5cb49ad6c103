// The JavaScript SDK (Sources/AppBaseWeb/Assets/sdk/appbase.js) against the real server, under
// node:test: every method, single-flight refresh across an expired token, a stream dropped
// mid-way, revoked sessions, Retry-After. Skips where the binary has not been built.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTCPServer, connect } from 'node:net';
import { AppBase, AppBaseError, MemoryStore } from '../../Sources/AppBaseWeb/Assets/sdk/appbase.js';
import { Server, available, eventually } from './support/server.mjs';

const skip = available ? false : 'the appbase binary is not built (set APPBASE_BIN)';
let server;
let clientKey;
let adminKey;
let emails = 0;

// A 30 s access token (the smallest allowed) so the expiry tests wait half a minute, not 15;
// no refresh grace so a reused refresh token is refused at once; cheap hashing.
const APP_EXTRA = `
[apps.notes.auth]
access_token_ttl = 30
refresh_grace = 0
argon2_memory_kib = 1024
argon2_iterations = 1`;

before(async () => {
  if (skip) return;
  server = await new Server({ appExtra: APP_EXTRA }).start();
  clientKey = server.createKey({ name: 'web' });
  adminKey = server.createKey({ name: 'admin', admin: true });
});

after(async () => { await server?.stop(); });

/** A fetch that records every call, for counting refreshes. */
function recordingFetch(intercept) {
  const calls = [];
  const wrapped = async (url, init = {}) => {
    const path = new URL(String(url)).pathname;
    calls.push({ path, method: init.method ?? 'GET' });
    const answer = intercept?.(path, init);
    if (answer) return answer;
    return fetch(url, init);
  };
  wrapped.count = (path) => calls.filter((call) => call.path === path).length;
  return wrapped;
}

function client({ endpoint = server.url, fetch: fetchImpl } = {}) {
  return AppBase.init({ endpoint, apiKey: clientKey, store: new MemoryStore(), fetch: fetchImpl });
}

const newEmail = () => `user${process.pid}-${(emails += 1)}@example.com`;
const PASSWORD = 'correct horse battery';

async function signedIn(options) {
  const c = client(options);
  await c.auth.signUp({ email: newEmail(), password: PASSWORD });
  return c;
}

async function admin(method, path, body) {
  const response = await fetch(server.url + path, {
    method, headers: { 'X-API-Key': adminKey, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.status === 204 ? null : response.json();
}

/** Resolves when the server reports `token` expired (bounded by the TTL plus slack). */
async function waitUntilExpired(token) {
  await eventually(async () => {
    const response = await fetch(`${server.url}/auth/me`, { headers: { 'X-API-Key': clientKey, Authorization: `Bearer ${token}` } });
    if (response.ok) return false;
    return (await response.json()).error.code === 'token_expired';
  }, 'the access token never expired', { timeoutMs: 90_000, everyMs: 500 });
}

test('auth: signUp, signIn, currentUser, getUser, onAuthStateChange, signOut', { skip }, async () => {
  const c = client();
  const events = [];
  const off = c.auth.onAuthStateChange((event, session, reason) => events.push([event, session?.user.email ?? null, reason?.code ?? null]));
  await c.auth.ready();
  assert.equal(c.auth.currentUser(), null);
  const email = newEmail();
  const signedUp = await c.auth.signUp({ email, password: PASSWORD });
  assert.equal(signedUp.user.email, email);
  assert.equal(c.auth.currentUser().email, email);
  assert.equal((await c.auth.getUser()).id, signedUp.user.id);
  await c.auth.signOut();
  assert.equal(c.auth.currentUser(), null);
  const session = await c.auth.signIn({ email, password: PASSWORD });
  assert.equal(session.user.id, signedUp.user.id);
  assert.ok(session.expiresAt > Date.now());
  const wrong = await c.auth.signIn({ email, password: 'not the password' }).catch((e) => e);
  assert.ok(wrong instanceof AppBaseError);
  assert.equal(wrong.code, 'invalid_credentials');
  assert.equal(wrong.status, 401);
  assert.match(wrong.requestId, /^[A-Za-z0-9._-]+$/);
  off();
  await c.auth.signOut();
  assert.deepEqual(events, [
    ['INITIAL_SESSION', null, null],
    ['SIGNED_IN', email, null],
    ['SIGNED_OUT', null, 'signed_out'],
    ['SIGNED_IN', email, null],
  ]);
  // The session was ended on the server too: the old token is refused.
  const response = await fetch(`${server.url}/auth/me`, { headers: { 'X-API-Key': clientKey, Authorization: `Bearer ${session.accessToken}` } });
  assert.equal((await response.json()).error.code, 'session_revoked');
});

test('db: create, get, update and patch with ifMatch, delete, list, all, batch', { skip }, async () => {
  const c = await signedIn();
  const notes = c.db.collection('notes');
  const created = await notes.create({ title: 'a', n: 1 });
  assert.equal(created.version, 1);
  assert.equal(created.ownerId, c.auth.currentUser().id);
  assert.deepEqual(await notes.get(created.id), created);
  const projected = await notes.get(created.id, { fields: ['title'] });
  assert.deepEqual(Object.keys(projected).sort(), ['id', 'title']);

  const updated = await notes.update(created.id, { title: 'b', n: 2 }, { ifMatch: 1 });
  assert.equal(updated.version, 2);
  const conflict = await notes.update(created.id, { title: 'c' }, { ifMatch: 1 }).catch((e) => e);
  assert.equal(conflict.code, 'version_conflict');
  assert.equal(conflict.status, 412);
  const patched = await notes.patch(created.id, { n: null, tag: 'x' }, { ifMatch: '"2"' });
  assert.equal(patched.version, 3);
  assert.equal(patched.n, undefined);
  assert.equal(patched.tag, 'x');
  assert.equal((await notes.delete(created.id, { ifMatch: 2 }).catch((e) => e)).code, 'version_conflict');
  await notes.delete(created.id, { ifMatch: 3 });
  const gone = await notes.get(created.id).catch((e) => e);
  assert.equal(gone.code, 'not_found');
  assert.equal(gone.status, 404);

  for (let i = 0; i < 7; i += 1) await notes.create({ title: `t${i}`, n: i, even: i % 2 === 0 });
  const page = await notes.list({ filter: 'even = true', sort: 'n', limit: 2, count: true });
  assert.deepEqual(page.items.map((r) => r.n), [0, 2]);
  assert.equal(page.total, 4);
  assert.ok(typeof page.nextCursor === 'string');
  assert.ok(Number.isInteger(page.changeSeq));
  const next = await notes.list({ filter: 'even = true', sort: ['n'], limit: 2, cursor: page.nextCursor });
  assert.deepEqual(next.items.map((r) => r.n), [4, 6]);
  const seen = [];
  for await (const record of notes.all({ sort: '-n', pageSize: 3 })) seen.push(record.n);
  assert.deepEqual(seen, [6, 5, 4, 3, 2, 1, 0]);
  const odd = [];
  for await (const record of notes.all({ filter: 'even = false', sort: 'n' })) odd.push(record.n);
  assert.deepEqual(odd, [1, 3, 5]);

  const results = await c.db.batch([
    { op: 'create', collection: 'notes', data: { title: 'batch' } },
    { op: 'create', collection: 'tags', data: { name: 't' } },
  ]);
  assert.deepEqual(results.map((r) => r.status), [201, 201]);
  const failed = await c.db.batch([
    { op: 'create', collection: 'notes', data: { title: 'never' } },
    { op: 'patch', collection: 'notes', id: results[0].record.id, data: { x: 1 }, ifMatch: 9 },
  ]).catch((e) => e);
  assert.equal(failed.code, 'version_conflict');
  assert.equal(failed.details.index, 1);
  assert.equal((await notes.list({ filter: 'title = "never"' })).items.length, 0);
});

test('storage: upload with progress, getUrl, download, list, update, versions, restore, remove', { skip }, async () => {
  const c = await signedIn();
  const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
  const progress = [];
  const meta = await c.storage.upload('docs', new Blob([bytes], { type: 'application/octet-stream' }), {
    name: 'data.bin', onProgress: (p) => progress.push(p),
  });
  assert.equal(meta.size, bytes.length);
  assert.equal(meta.name, 'data.bin');
  assert.equal(meta.version, 1);
  assert.ok(progress.length >= 1, 'no progress reported');
  assert.equal(progress.at(-1).loaded, bytes.length);
  assert.ok(progress.every((p, i) => i === 0 || p.loaded >= progress[i - 1].loaded));

  const downloaded = new Uint8Array(await (await c.storage.download('docs', meta.id)).arrayBuffer());
  assert.deepEqual(downloaded, bytes);
  const url = await c.storage.getUrl('docs', meta.id, { expiresIn: 60 });
  assert.ok(url.startsWith(server.url + '/storage/signed/'), url);
  const signed = await fetch(url); // no key, no token: the URL is the credential
  assert.equal(signed.status, 200);
  assert.equal((await signed.arrayBuffer()).byteLength, bytes.length);

  const listed = await c.storage.list('docs');
  assert.deepEqual(listed.items.map((f) => f.id), [meta.id]);
  const second = await c.storage.update('docs', meta.id, 'version two', { contentType: 'text/plain' });
  assert.equal(second.version, 2);
  const versions = await c.storage.versions('docs', meta.id);
  assert.deepEqual(versions.map((v) => v.version), [2, 1]);
  const restored = await c.storage.restore('docs', meta.id, 1);
  assert.equal(restored.version, 3);
  assert.equal(restored.size, bytes.length);
  assert.equal(await (await c.storage.download('docs', meta.id, { version: 2 })).text(), 'version two');
  await c.storage.remove('docs', meta.id);
  assert.equal((await c.storage.download('docs', meta.id).catch((e) => e)).code, 'not_found');
});

test('subscribe is gapless from a list: changes between list and subscribe arrive, each once', { skip }, async () => {
  const c = await signedIn();
  const col = c.db.collection('gapless');
  await col.create({ n: 0 });
  const page = await col.list();
  await col.create({ n: 1 }); // after the list, before the subscription
  const changes = [];
  let readySeq = null;
  const unsubscribe = col.subscribe((change) => changes.push(change), { since: page.changeSeq, onReady: (seq) => { readySeq = seq; } });
  try {
    await eventually(() => readySeq !== null, 'never ready');
    await col.create({ n: 2 });
    const filtered = [];
    const offFiltered = col.subscribe((change) => filtered.push(change.record.n), { filter: 'n >= 3', since: page.changeSeq });
    await col.create({ n: 3 });
    await eventually(() => changes.length === 3 && filtered.length === 1, `got ${changes.length} changes, ${filtered.length} filtered`);
    offFiltered();
    assert.deepEqual(changes.map((ch) => [ch.action, ch.record.n]), [['create', 1], ['create', 2], ['create', 3]]);
    assert.deepEqual(filtered, [3]);
    assert.ok(changes.every((ch, i) => i === 0 || ch.seq > changes[i - 1].seq));
  } finally {
    unsubscribe();
  }
});

test('a position the server cannot resume from is a reset: the caller refetches, the stream goes on', { skip }, async () => {
  const c = await signedIn();
  const col = c.db.collection('resets');
  const page = await col.list();
  const resets = [];
  const changes = [];
  const statuses = [];
  // A position from the future, as after restoring an older database.
  const unsubscribe = col.subscribe((change) => changes.push(change.record.n), {
    since: page.changeSeq + 1000, onReset: (info) => resets.push(info), onStatus: (s) => statuses.push(s),
  });
  await eventually(() => resets.length === 1 && statuses.includes('live'), 'no reset');
  assert.equal(resets[0].reason, 'future');
  assert.equal(resets[0].since, page.changeSeq + 1000);
  await col.create({ n: 1 });
  await eventually(() => changes.length === 1, 'no change after the reset');
  assert.deepEqual(changes, [1]);
  unsubscribe();
  assert.equal(statuses.at(-1), 'closed');
});

/** A TCP proxy in front of the server whose connections the test can cut. */
async function droppingProxy(port) {
  const sockets = new Set();
  const proxy = createTCPServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${proxy.address().port}`,
    dropAll() { for (const socket of sockets) socket.destroy(); },
    close() { this.dropAll(); proxy.close(); },
  };
}

test('a stream dropped mid-way resumes: nothing lost, nothing twice', { skip }, async () => {
  const writer = await signedIn();
  const proxy = await droppingProxy(server.port);
  // The subscriber is the same user through the proxy (its own session).
  const email = writer.auth.currentUser().email;
  const reader = client({ endpoint: proxy.url });
  await reader.auth.signIn({ email, password: PASSWORD });
  const col = reader.db.collection('dropped');
  const page = await col.list();
  const seen = [];
  const statuses = [];
  let ready = 0;
  const unsubscribe = col.subscribe((change) => seen.push(change.record.n), {
    since: page.changeSeq, retryMs: 200, onStatus: (s) => statuses.push(s), onReady: () => { ready += 1; },
  });
  const target = writer.db.collection('dropped');
  try {
    let n = 0;
    for (let round = 0; round < 3; round += 1) {
      await eventually(() => ready === round + 1, `not live for round ${round}`);
      // Some changes arrive live; the connection is cut while more are being written.
      for (let i = 0; i < 5; i += 1) await target.create({ n: n++ });
      await eventually(() => seen.length >= n - 2, `round ${round}: ${seen.length} of ${n}`);
      const writes = [];
      for (let i = 0; i < 5; i += 1) writes.push(target.create({ n: n++ }));
      proxy.dropAll();
      await Promise.all(writes);
    }
    await eventually(() => seen.length >= n, `saw ${seen.length} of ${n}`);
    assert.equal(seen.length, n, 'a change arrived twice');
    assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(n).keys()]);
    assert.ok(statuses.filter((s) => s === 'reconnecting').length >= 3, statuses.join(','));
  } finally {
    unsubscribe();
    proxy.close();
  }
});

test('a revoked session ends the stream with its reason and signs out', { skip }, async () => {
  // Logged out elsewhere: session_revoked.
  const c = await signedIn();
  const events = [];
  c.auth.onAuthStateChange((event, _session, reason) => events.push([event, reason?.code ?? null]));
  const col = c.db.collection('revoked');
  let ended = null;
  let live = false;
  col.subscribe(() => {}, { onReady: () => { live = true; }, onEnd: (reason) => { ended = reason; } });
  await eventually(() => live, 'never live');
  const token = c.session.accessToken;
  const logout = await fetch(`${server.url}/auth/logout`, { method: 'POST', headers: { 'X-API-Key': clientKey, Authorization: `Bearer ${token}` } });
  assert.equal(logout.status, 204);
  await eventually(() => ended, 'the stream did not end');
  assert.equal(ended.code, 'session_revoked');
  await eventually(() => c.auth.currentUser() === null, 'still signed in');
  assert.deepEqual(events.at(-1), ['SIGNED_OUT', 'session_revoked']);

  // Disabled by an admin: user_disabled.
  const d = await signedIn();
  let endedD = null;
  let liveD = false;
  d.db.collection('revoked').subscribe(() => {}, { onReady: () => { liveD = true; }, onEnd: (reason) => { endedD = reason; } });
  await eventually(() => liveD, 'never live');
  await admin('PATCH', `/admin/users/${d.auth.currentUser().id}`, { disabled: true });
  await eventually(() => endedD, 'the stream did not end');
  assert.equal(endedD.code, 'user_disabled');
  assert.equal(d.auth.currentUser(), null);
});

test('Retry-After on 503 is honoured with a bounded retry', { skip }, async () => {
  let refusals = 2;
  const busy = () => new Response(JSON.stringify({ error: { code: 'server_busy', message: 'busy', requestId: 'r1' } }),
    { status: 503, headers: { 'Retry-After': '0', 'Content-Type': 'application/json' } });
  const f = recordingFetch((path) => (path === '/db/collections/busy' && refusals-- > 0 ? busy() : null));
  const c = await signedIn({ fetch: f });
  const page = await c.db.collection('busy').list();
  assert.deepEqual(page.items, []);
  assert.equal(f.count('/db/collections/busy'), 3); // two 503s, then the answer
  // Past the retry budget the error surfaces, with its fields.
  refusals = 10;
  const error = await c.db.collection('busy').list().catch((e) => e);
  assert.equal(error.code, 'server_busy');
  assert.equal(error.status, 503);
  assert.equal(error.retryAfter, 0);
  assert.equal(error.requestId, 'r1');
  // A Retry-After longer than the client will wait is not waited for.
  const slow = recordingFetch((path) => (path === '/db/collections/slow'
    ? new Response('{"error":{"code":"rate_limited","message":"later"}}', { status: 429, headers: { 'Retry-After': '3600' } }) : null));
  const s = await signedIn({ fetch: slow });
  assert.equal((await s.db.collection('slow').list().catch((e) => e)).retryAfter, 3600);
  assert.equal(slow.count('/db/collections/slow'), 1);
});

test('a reused refresh token signs the user out', { skip }, async () => {
  let expireOnce = true;
  const expired = () => new Response('{"error":{"code":"token_expired","message":"expired"}}', { status: 401 });
  const f = recordingFetch((path) => (path === '/auth/me' && expireOnce ? ((expireOnce = false), expired()) : null));
  const c = await signedIn({ fetch: f });
  const events = [];
  c.auth.onAuthStateChange((event, _s, reason) => events.push([event, reason?.code ?? null]));
  // Someone else rotates this session's refresh token first (no grace configured).
  const rotated = await fetch(`${server.url}/auth/refresh`, {
    method: 'POST', headers: { 'X-API-Key': clientKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken: c.session.refreshToken }),
  });
  assert.equal(rotated.status, 200);
  const error = await c.auth.getUser().catch((e) => e);
  assert.equal(error.code, 'refresh_token_reused');
  assert.equal(c.auth.currentUser(), null);
  assert.deepEqual(events.at(-1), ['SIGNED_OUT', 'refresh_token_reused']);
});

/** A Web Locks stand-in (node has no navigator.locks): one holder per name at a time, in order. */
function lockManager() {
  const tails = new Map();
  return {
    request(name, work) {
      const previous = tails.get(name) ?? Promise.resolve();
      const run = previous.then(() => work());
      tails.set(name, run.catch(() => {}));
      return run;
    },
  };
}

test('50 concurrent requests across an expired token make exactly one refresh, in two tabs too; a stream survives expiry', { skip, timeout: 180_000 }, async () => {
  const f = recordingFetch();
  // Two "tabs": one store (localStorage) and one lock manager (navigator.locks) shared, each its own client.
  const store = new MemoryStore();
  const locks = lockManager();
  const c = AppBase.init({ endpoint: server.url, apiKey: clientKey, store, locks, fetch: f });
  await c.auth.signUp({ email: newEmail(), password: PASSWORD });
  const otherTab = AppBase.init({ endpoint: server.url, apiKey: clientKey, store, locks, fetch: f });
  await otherTab.ready;
  assert.equal(otherTab.auth.currentUser().id, c.auth.currentUser().id);
  const col = c.db.collection('expiry');
  await col.create({ n: 0 });

  // A second client of the same user keeps a stream open across its own token's expiry.
  const s = client();
  await s.auth.signIn({ email: c.auth.currentUser().email, password: PASSWORD });
  const streamToken = s.session.accessToken;
  const streamed = [];
  let readies = 0;
  const off = s.db.collection('expiry').subscribe((change) => streamed.push(change.record.n), {
    since: (await s.db.collection('expiry').list()).changeSeq, onReady: () => { readies += 1; },
  });
  try {
    await eventually(() => readies === 1, 'stream never live');
    const stale = c.session.accessToken;
    await waitUntilExpired(stale);
    const otherCol = otherTab.db.collection('expiry');
    const results = await Promise.all([
      ...Array.from({ length: 50 }, () => col.list()),
      ...Array.from({ length: 50 }, () => otherCol.list()),
    ]);
    assert.ok(results.every((page) => page.items.length === 1));
    assert.equal(f.count('/auth/refresh'), 1, 'more than one refresh');
    assert.equal(c.refreshCount + otherTab.refreshCount, 1);
    assert.notEqual(c.session.accessToken, stale);
    // The tab that waited on the lock took the other's rotated tokens from the shared store.
    assert.equal(otherTab.session.accessToken, c.session.accessToken);

    // The stream got auth_expired (or its reconnect a 401), refreshed and resumed from its last id.
    await waitUntilExpired(streamToken);
    await col.create({ n: 1 });
    await eventually(() => streamed.length === 1 && readies >= 2, `streamed ${streamed}, readies ${readies}`);
    assert.deepEqual(streamed, [1]);
    assert.ok(s.refreshCount >= 1);
  } finally {
    off();
  }
});

test('the server serves the SDK it ships at /sdk/ with a strong ETag and CORS', { skip }, async () => {
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(new URL('../../Sources/AppBaseWeb/Assets/sdk/appbase.js', import.meta.url), 'utf8');
  const response = await fetch(`${server.url}/sdk/appbase.js`, { headers: { Origin: 'http://lan-app.example' } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /javascript/);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  const etag = response.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]+"$/);
  assert.equal(await response.text(), source);
  const again = await fetch(`${server.url}/sdk/appbase.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const types = await fetch(`${server.url}/sdk/appbase.d.ts`);
  assert.equal(types.status, 200);
  assert.match(await types.text(), /export class AppBase/);
});
