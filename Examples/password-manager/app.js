// The password-manager demo: a static page that uses only the AppBase SDK (served by AppBase at
// /sdk/appbase.js) and WebCrypto (vault.js). Records and files hold only ciphertext.
import * as vault from './vault.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const IDLE_SECONDS = Number(params.get('idle')) > 0 ? Number(params.get('idle')) : 300;
const ENTRIES = 'vault';
const META = 'vault_meta';
const BUCKET = 'attachments';

let client = null;
let key = null;            // the AES-GCM vault key; null while locked
let entries = new Map();   // id → { record, plain } (decrypted, only while unlocked)
let unsubscribe = null;
let idleTimer = null;

function show(section) {
  for (const id of ['insecure', 'connect', 'auth', 'unlock', 'vault']) $(id).hidden = id !== section;
  $('account').hidden = !(section === 'vault' || section === 'unlock');
  $('lock-now').hidden = section !== 'vault';
  $('unlock-user').value = client?.auth.currentUser()?.email ?? '';
}

function say(text, error = false) {
  $('message').textContent = text;
  $('message').classList.toggle('error', error);
}

/** Where the API is: this origin when served at /app/ on the app's port; `api.<app>.appbase.local` from the site host. */
function endpoint() {
  const host = location.hostname;
  const site = /^([a-z0-9-]+)\.appbase\.local$/.exec(host);
  if (site && !['api', 'dashboard'].includes(site[1])) return `${location.protocol}//api.${location.host}`;
  return location.origin;
}

/** The client key: from `#key=…` (then kept in localStorage and removed from the address bar) or stored. */
function apiKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) {
    localStorage.setItem('pm.apiKey', fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return localStorage.getItem('pm.apiKey');
}

async function start() {
  if (!vault.cryptoAvailable()) {
    show('insecure');
    say('Refusing to run without WebCrypto: nothing was stored.', true);
    return;
  }
  const keyValue = apiKey();
  if (!keyValue) { show('connect'); return; }
  let sdk;
  try {
    sdk = await import(`${endpoint()}/sdk/appbase.js`);
  } catch (error) {
    say(`Cannot load the SDK from ${endpoint()}: ${error.message}`, true);
    return;
  }
  client = sdk.AppBase.init({ endpoint: endpoint(), apiKey: keyValue });
  client.auth.onAuthStateChange((event, session, reason) => {
    if (event === 'SIGNED_OUT') {
      lock(false);
      show('auth');
      if (reason && reason.code !== 'signed_out') say(`Signed out: ${reason.code}.`, true);
    } else if (event === 'INITIAL_SESSION') {
      show(session ? 'unlock' : 'auth');
    }
  });
}

// --- sign in / sign up ---------------------------------------------------------------------

$('connect-form').addEventListener('submit', (event) => {
  event.preventDefault();
  localStorage.setItem('pm.apiKey', $('api-key').value.trim());
  start();
});

$('auth-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const action = event.submitter?.value ?? 'signin';
  const email = $('email').value.trim();
  const master = $('master').value;
  busy(true);
  try {
    say('Deriving keys…');
    const password = await vault.accountPassword(master, email);
    if (action === 'signup') {
      await client.auth.signUp({ email, password });
      key = await newVault(master);
    } else {
      await client.auth.signIn({ email, password });
      // An account whose sign-up could not store its vault (e.g. the collections did not exist
      // yet) gets it now: the sign-in just proved this is the master password it was made with.
      const opened = await unlockWith(master);
      key = opened === undefined ? await newVault(master) : opened;
      if (!key) throw new Error('this master password does not open the vault');
    }
    $('master').value = '';
    await openVault();
  } catch (error) {
    say(`Could not ${action === 'signup' ? 'create the vault' : 'sign in'}: ${problem(error)}`, true);
  } finally {
    busy(false);
  }
});

/** The vault key for `master`; undefined when the account has no vault, null when `master` does not open it. */
async function unlockWith(master) {
  const page = await client.db.collection(META).list({ limit: 1, sort: 'createdAt' });
  if (!page.items.length) return undefined;
  return vault.openVault(master, page.items[0], client.auth.currentUser().id);
}

/** Makes the signed-in user's vault (salt and check value) and returns its key. */
async function newVault(master) {
  const created = await vault.createVault(master, client.auth.currentUser().id);
  await client.db.collection(META).create(created.meta);
  return created.key;
}

$('unlock-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  busy(true);
  try {
    const opened = await unlockWith($('unlock-master').value);
    if (opened === undefined) throw new Error('this account has no vault yet: sign out, then sign in with your master password');
    if (!opened) { say('Wrong master password.', true); return; }
    key = opened;
    $('unlock-master').value = '';
    await openVault();
  } catch (error) {
    say(`Could not unlock: ${problem(error)}`, true);
  } finally {
    busy(false);
  }
});

$('sign-out').addEventListener('click', () => client.auth.signOut());
$('lock-now').addEventListener('click', () => lock(true));

/**
 * An error in words. An app created on the control page does not create collections on first
 * write: then the fix is the admin's, in the app's dashboard.
 */
function problem(error) {
  if (error?.code === 'not_found' && /^Collection /.test(error.message ?? '')) {
    return `${error.message} An admin of this app creates the collections “${ENTRIES}” and “${META}” in its dashboard (Collections), with the default rules.`;
  }
  return error?.message ?? String(error);
}

function busy(on) {
  for (const button of document.querySelectorAll('button')) button.disabled = on;
}

// --- the vault -----------------------------------------------------------------------------

async function openVault() {
  const user = client.auth.currentUser();
  $('who').textContent = user.email;
  entries = new Map();
  const collection = client.db.collection(ENTRIES);
  // List, then subscribe from the list's sequence: nothing written in between is missed.
  let changeSeq = null;
  let cursor;
  do {
    const page = await collection.list({ limit: 200, cursor });
    changeSeq ??= page.changeSeq;
    for (const record of page.items) await upsert(record);
    cursor = page.nextCursor;
  } while (cursor);
  unsubscribe?.();
  unsubscribe = collection.subscribe(onChange, {
    since: changeSeq,
    onStatus: (status) => { $('live').textContent = status; $('live').classList.toggle('live', status === 'live'); },
    onReset: () => { if (key) openVault(); },
    onEnd: (reason) => say(`Live updates ended: ${reason.code}.`, true),
  });
  show('vault');
  render();
  say('Vault unlocked.');
  armIdleLock();
}

async function onChange(change) {
  if (!key) return;
  if (change.action === 'delete') entries.delete(change.record.id);
  else await upsert(change.record);
  render();
}

async function upsert(record) {
  try {
    const plain = await vault.openJSON(key, record.secret, client.auth.currentUser().id);
    entries.set(record.id, { record, plain });
  } catch {
    entries.set(record.id, { record, plain: null }); // not readable with this key: shown as damaged
  }
}

$('entry-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!key) return;
  const userId = client.auth.currentUser().id;
  const plain = { site: $('site').value.trim(), username: $('username').value, password: $('password').value, notes: $('notes').value };
  busy(true);
  try {
    const file = $('attachment').files[0];
    if (file) {
      const sealed = await vault.sealBytes(key, new Uint8Array(await file.arrayBuffer()), userId);
      const bar = $('upload-progress');
      bar.hidden = false;
      bar.value = 0;
      // The stored name says nothing; the real one is inside the encrypted entry.
      const meta = await client.storage.upload(BUCKET, new Blob([sealed.data], { type: 'application/octet-stream' }), {
        name: 'attachment.bin',
        onProgress: ({ loaded, total }) => { bar.value = total ? loaded / total : 0; },
      });
      bar.value = 1;
      plain.attachment = { id: meta.id, iv: sealed.iv, name: file.name, type: file.type || 'application/octet-stream', size: file.size };
    }
    await client.db.collection(ENTRIES).create({ v: 1, secret: await vault.sealJSON(key, plain, userId) });
    $('entry-form').reset();
    $('upload-progress').hidden = true;
    say(`Saved ${plain.site}.`);
  } catch (error) {
    say(`Could not save: ${error.message}`, true);
  } finally {
    busy(false);
  }
});

$('search').addEventListener('input', render);

function render() {
  const query = $('search').value.trim().toLowerCase();
  const list = $('entries');
  const shown = [...entries.values()]
    .filter(({ plain }) => !query || (plain && [plain.site, plain.username, plain.notes].some((t) => (t ?? '').toLowerCase().includes(query))))
    .sort((a, b) => (a.plain?.site ?? '').localeCompare(b.plain?.site ?? ''));
  list.replaceChildren(...shown.map(entryItem));
  $('count').textContent = `${shown.length} of ${entries.size}`;
}

function entryItem({ record, plain }) {
  const item = document.createElement('li');
  item.dataset.id = record.id;
  if (!plain) { item.textContent = 'An entry this key cannot open.'; return item; }
  const head = element('div', 'entry-head');
  head.append(element('span', 'entry-site', plain.site), element('span', 'entry-user', plain.username));
  const secret = element('span', 'secret', '••••••••');
  const actions = element('div', 'entry-actions');
  actions.append(
    button('Show', (b) => { const hidden = secret.textContent.startsWith('•'); secret.textContent = hidden ? plain.password : '••••••••'; b.textContent = hidden ? 'Hide' : 'Show'; }),
    button('Copy', () => navigator.clipboard?.writeText(plain.password).then(() => say('Copied.'), () => say('Copy not allowed here.', true))),
    button('Delete', () => client.db.collection(ENTRIES).delete(record.id, { ifMatch: record.version })
      .then(() => plain.attachment && client.storage.remove(BUCKET, plain.attachment.id))
      .catch((error) => say(`Could not delete: ${error.message}`, true))),
  );
  if (plain.attachment) actions.append(button(`Open ${plain.attachment.name}`, () => openAttachment(plain.attachment), 'attachment'));
  item.append(head, secret);
  if (plain.notes) item.append(element('div', 'entry-notes', plain.notes));
  item.append(actions);
  return item;
}

async function openAttachment(attachment) {
  try {
    const blob = await client.storage.download(BUCKET, attachment.id);
    const bytes = await vault.openBytes(key, attachment.iv, new Uint8Array(await blob.arrayBuffer()), client.auth.currentUser().id);
    const url = URL.createObjectURL(new Blob([bytes], { type: attachment.type }));
    const link = document.createElement('a');
    link.href = url;
    link.download = attachment.name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say(`Decrypted ${attachment.name} (${bytes.length} bytes).`);
  } catch (error) {
    say(`Could not open the attachment: ${error.message}`, true);
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, onClick, action) {
  const node = document.createElement('button');
  node.type = 'button';
  node.textContent = label;
  if (action) node.dataset.action = action;
  node.addEventListener('click', () => onClick(node));
  return node;
}

// --- locking -------------------------------------------------------------------------------

/** Forgets the key and every decrypted value; the session stays, so unlocking needs only the master password. */
function lock(showUnlock) {
  key = null;
  entries = new Map();
  unsubscribe?.();
  unsubscribe = null;
  $('entries').replaceChildren();
  $('entry-form').reset();
  clearTimeout(idleTimer);
  if (showUnlock) { show('unlock'); say('Vault locked.'); }
}

function armIdleLock() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => { if (key) lock(true); }, IDLE_SECONDS * 1000);
}

for (const type of ['pointerdown', 'keydown', 'input']) {
  document.addEventListener(type, () => { if (key) armIdleLock(); }, { passive: true });
}

start();
