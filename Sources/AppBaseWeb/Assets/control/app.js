// The control-plane page: master key prompt, apps table, create / stop / start / delete, the port
// map, and live updates from GET /api/events. See docs/API-SPEC.md (Control plane).
import { openEventStream } from '/kit/sse.js';
import { APIError, Unauthorized, call, masterKey } from '/control/api.js';
import { cell, dashboardSetupLink, element, formatTime, hostLink, stateTone } from '/control/view.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 5000;

const apps = new Map();      // name → AppInfo
const samples = new Map();   // name → { total, at, rate } for requests/s
let stream = null;
let pollTimer = null;
let portsTimer = null;
let pendingDelete = null;
// Bumped on every deletion: an answer fetched before a deletion must not bring the app back.
let deletions = 0;
// Bumped on every state change the page learns of (events, its own actions): a poll answer
// fetched before one is older than what is shown, so it is dropped (the next poll catches up).
let changes = 0;

// ---- key prompt ----------------------------------------------------------------------------

function showLogin(message = '') {
  stop();
  $('console').hidden = true;
  $('sign-out').hidden = true;
  $('login').hidden = false;
  $('login-message').textContent = message;
  setStatus('offline');
  $('master-key').value = '';
  $('master-key').focus();
}

function unauthorized() {
  masterKey.clear();
  showLogin('The master key was not accepted (wrong or revoked). Enter a valid master key.');
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('master-key').value.trim();
  if (!key) { $('login-message').textContent = 'Enter a master key.'; return; }
  masterKey.set(key);
  start();
});

$('sign-out').addEventListener('click', () => { masterKey.clear(); showLogin(); });

// ---- start / stop --------------------------------------------------------------------------

async function start() {
  stop();
  try {
    const list = await call('GET', '/api/apps');
    replaceApps(list.items);
  } catch (error) {
    if (error instanceof Unauthorized) { unauthorized(); return; }
    showLogin(`Could not reach the control plane: ${error.message}`);
    return;
  }
  $('login').hidden = true;
  $('console').hidden = false;
  $('sign-out').hidden = false;
  refreshPorts();
  stream = openEventStream('/api/events', {
    headers: { 'X-Master-Key': masterKey.get() },
    onEvent: handleEvent,
    onStatus: setStatus,
    onUnauthorized: unauthorized,
  });
  pollTimer = setInterval(poll, POLL_MS);
}

function stop() {
  stream?.close();
  stream = null;
  clearInterval(pollTimer);
  clearTimeout(portsTimer);
  apps.clear();
  samples.clear();
  renderApps();
}

function setStatus(status) {
  const node = $('stream-status');
  node.textContent = status;
  node.className = `pill ${status === 'live' ? 'ok' : status === 'offline' ? 'idle' : 'warn'}`;
}

/** Counters and restarts are not on the stream: refresh them now and then. */
async function poll() {
  const before = changes;
  try {
    const list = await call('GET', '/api/apps');
    if (before === changes) replaceApps(list.items);
    refreshPorts();
  } catch (error) {
    if (error instanceof Unauthorized) unauthorized();
  }
}

// ---- live events ---------------------------------------------------------------------------

function handleEvent({ event, data }) {
  let payload;
  try { payload = JSON.parse(data); } catch { return; }
  switch (event) {
    case 'snapshot': replaceApps(payload.items ?? []); break;
    case 'lifecycle': lifecycle(payload); break;
    case 'health': health(payload); break;
    case 'dropped': poll(); break;
    default: break;
  }
}

function lifecycle({ app, state, port, message }) {
  changes += 1;
  const known = apps.get(app);
  if (state === 'deleted') {
    forget(app);
  } else if (known) {
    known.state = state;
    if (port !== undefined) known.port = port;
    if (state === 'failed' && message) known.lastError = message;
    renderApps();
  }
  announce(`${app} is ${state}${message && state === 'failed' ? `: ${message}` : ''}.`);
  // Fetch the full AppInfo when the event alone cannot fill the row: an app not shown yet, or a
  // state whose details (restarts, last error, start time) changed. Not while stopping: a
  // deletion follows with stopping → stopped → deleted, and the lookup would meet a 404.
  if (!known ? state !== 'deleted' : ['running', 'degraded', 'failed'].includes(state)) refreshApp(app);
  schedulePorts();
}

function health({ app, healthy, message, time }) {
  const known = apps.get(app);
  if (!known) return;
  const was = known.health?.healthy;
  known.health = { healthy, message: message ?? null, checkedAt: time ?? null };
  renderApps();
  if (was !== undefined && was !== healthy) announce(`${app} is ${healthy ? 'healthy again' : 'unhealthy'}.`);
}

/** The full AppInfo (host names, restarts, last error) after a change the event only hints at. */
async function refreshApp(name) {
  const before = deletions;
  try {
    const info = await call('GET', `/api/apps/${encodeURIComponent(name)}`);
    if (before === deletions) upsert(info);
  } catch (error) {
    if (error instanceof Unauthorized) unauthorized();
    else if (error instanceof APIError && error.status === 404) forget(name);
  }
}

function forget(name) {
  deletions += 1;
  changes += 1;
  apps.delete(name);
  samples.delete(name);
  renderApps();
}

function announce(text) { $('announcer').textContent = text; }

// ---- apps ----------------------------------------------------------------------------------

function replaceApps(items) {
  const names = new Set(items.map((info) => info.name));
  for (const name of [...apps.keys()]) if (!names.has(name)) { apps.delete(name); samples.delete(name); }
  for (const info of items) sample(info);
  for (const info of items) apps.set(info.name, info);
  renderApps();
}

function upsert(info) {
  if (!info?.name) return;
  sample(info);
  apps.set(info.name, info);
  renderApps();
}

/** Requests/s from the change of `requests.total` between two readings. */
function sample(info) {
  const total = info.requests?.total;
  if (typeof total !== 'number') return;
  const now = performance.now();
  const previous = samples.get(info.name);
  if (!previous) { samples.set(info.name, { total, at: now, rate: null }); return; }
  const seconds = (now - previous.at) / 1000;
  if (seconds < 1) return; // too close to the last reading to say anything
  const rate = total >= previous.total ? (total - previous.total) / seconds : null;
  samples.set(info.name, { total, at: now, rate });
}

function renderApps() {
  const body = $('apps').querySelector('tbody');
  const rows = new Map([...body.rows].map((row) => [row.dataset.app, row]));
  const names = [...apps.keys()].sort();
  for (const [name, row] of rows) if (!apps.has(name)) row.remove();
  names.forEach((name, index) => {
    let row = rows.get(name);
    if (!row) {
      row = element('tr', { attrs: { 'data-app': name } });
      row.append(...Array.from({ length: 9 }, () => element('td')), actionsCell(name));
    }
    fillRow(row, apps.get(name));
    if (body.rows[index] !== row) body.insertBefore(row, body.rows[index] ?? null);
  });
  $('apps-empty').hidden = names.length > 0;
  $('apps').hidden = names.length === 0;
}

function fillRow(row, info) {
  const rate = samples.get(info.name)?.rate;
  const healthText = !info.health?.checkedAt && info.health?.healthy !== false ? 'not checked yet'
    : info.health.healthy ? 'healthy' : 'unhealthy';
  const cells = [
    cell('Name', [element('strong', { text: info.name }), info.source ? element('span', { className: 'detail', text: `from ${info.source}` }) : null]),
    cell('State', [element('span', { className: `pill ${stateTone(info.state)}`, text: info.state, attrs: { 'data-field': 'state' } }),
      info.lastError && info.state !== 'running' ? element('span', { className: 'detail', text: info.lastError }) : null]),
    cell('Port', [document.createTextNode(info.port ?? '—')], 'num'),
    cell('Host names', [hostList(info)]),
    cell('Health', [element('span', { className: `pill ${info.health?.healthy === false ? 'bad' : info.health?.checkedAt ? 'ok' : 'idle'}`, text: healthText }),
      info.health?.message ? element('span', { className: 'detail', text: info.health.message }) : null]),
    cell('Restarts', [document.createTextNode(String(info.restarts ?? 0))], 'num'),
    cell('Requests/s', [document.createTextNode(rate == null ? '—' : rate.toFixed(1))], 'num'),
    cell('Errors', [document.createTextNode(String(info.requests?.errors ?? 0))], 'num'),
    cell('Last backup', backupSummary(info.lastBackup)),
  ];
  cells.forEach((fresh, index) => row.cells[index].replaceWith(fresh));
  const toggle = row.querySelector('button[data-action=toggle]');
  const canStop = ['running', 'degraded', 'provisioning'].includes(info.state);
  toggle.textContent = canStop ? 'Stop' : 'Start';
  toggle.dataset.verb = canStop ? 'stop' : 'start';
  toggle.setAttribute('aria-label', `${canStop ? 'Stop' : 'Start'} ${info.name}`);
  toggle.disabled = info.state === 'stopping' || row.dataset.busy === 'true';
}

/** The newest backup (AppInfo `lastBackup`): its result, when it was taken and its size. */
function backupSummary(backup) {
  if (!backup) return [document.createTextNode('never')];
  const tone = backup.state === 'done' ? 'ok' : backup.state === 'failed' ? 'bad' : 'idle';
  const size = backup.size == null ? '' : ` · ${(backup.size / 1048576).toFixed(1)} MiB`;
  const when = (backup.finishedAt ?? backup.startedAt).replace('T', ' ').slice(0, 16);
  return [element('span', { className: `pill ${tone}`, text: backup.state, attrs: { 'data-field': 'backup' } }),
    element('span', { className: 'detail', text: `${when} UTC${size}` }),
    backup.error ? element('span', { className: 'detail', text: backup.error }) : null];
}

function hostList(info) {
  const urls = info.urls ?? {};
  const items = ['api', 'dashboard', 'site', 'direct'].filter((kind) => urls[kind]).map((kind) =>
    element('li', {}, [element('span', { className: 'visually-hidden', text: `${kind}: ` }), hostLink(urls[kind])]));
  const setup = dashboardSetupLink(info);
  if (setup) {
    items.push(element('li', {}, [element('a', { text: 'dashboard setup', attrs: { href: setup, rel: 'noreferrer', 'data-link': 'dashboard-setup' } })]));
  }
  return element('ul', { className: 'hosts' }, items);
}

function actionsCell(name) {
  const toggle = element('button', { text: 'Stop', attrs: { type: 'button', 'data-action': 'toggle' } });
  toggle.addEventListener('click', () => stopOrStart(name, toggle));
  const remove = element('button', { className: 'danger', text: 'Delete', attrs: { type: 'button', 'data-action': 'delete', 'aria-label': `Delete ${name}` } });
  remove.addEventListener('click', () => confirmDelete(name, remove));
  return cell('Actions', [element('div', { className: 'actions' }, [toggle, remove])]);
}

async function stopOrStart(name, button) {
  const verb = button.dataset.verb;
  const row = button.closest('tr');
  row.dataset.busy = 'true';
  button.disabled = true;
  announce(`${verb === 'stop' ? 'Stopping' : 'Starting'} ${name}…`);
  try {
    const info = await call('POST', `/api/apps/${encodeURIComponent(name)}/${verb}`);
    changes += 1;
    upsert(info);
  } catch (error) {
    if (error instanceof Unauthorized) { unauthorized(); return; }
    announce(`Could not ${verb} ${name}: ${error.message}`);
  } finally {
    delete row.dataset.busy;
    if (apps.has(name)) renderApps();
    button.focus();
  }
}

function confirmDelete(name, opener) {
  pendingDelete = { name, opener };
  $('confirm-name').textContent = name;
  $('confirm-delete').returnValue = '';
  $('confirm-delete').showModal();
}

$('confirm-delete').addEventListener('close', async () => {
  const target = pendingDelete;
  pendingDelete = null;
  if (!target) return;
  if ($('confirm-delete').returnValue !== 'delete') { target.opener.focus(); return; }
  try {
    const result = await call('DELETE', `/api/apps/${encodeURIComponent(target.name)}`);
    forget(target.name);
    announce(`${target.name} deleted; its data is in ${result?.trash ?? 'the trash'}.`);
    schedulePorts();
  } catch (error) {
    if (error instanceof Unauthorized) { unauthorized(); return; }
    announce(`Could not delete ${target.name}: ${error.message}`);
  }
  $('app-name').focus();
});

// ---- create --------------------------------------------------------------------------------

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('app-name').value.trim();
  const portText = $('app-port').value.trim();
  const message = $('create-message');
  message.textContent = '';
  if (!name) { message.textContent = 'Give the app a name.'; $('app-name').focus(); return; }
  const body = { name };
  if (portText) {
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) { message.textContent = 'The port must be a whole number from 1 to 65535.'; $('app-port').focus(); return; }
    body.port = port;
  }
  $('create-button').disabled = true;
  try {
    const created = await call('POST', '/api/apps', body);
    $('created-name').textContent = created.name;
    $('created-key').value = created.adminKey ?? '';
    $('copy-message').textContent = '';
    showSetupLink(dashboardSetupLink(created));
    $('created').hidden = false;
    $('create-form').reset();
    $('created-key').focus();
    $('created-key').select();
    announce(`${created.name} created. Copy its admin key now: it is shown once.`);
  } catch (error) {
    if (error instanceof Unauthorized) { unauthorized(); return; }
    message.textContent = error.message;
  } finally {
    $('create-button').disabled = false;
  }
});

$('copy-key').addEventListener('click', async () => {
  const input = $('created-key');
  let copied = false;
  try {
    // The Clipboard API needs a secure context (127.0.0.1 is; http://appbase.local is not).
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(input.value); copied = true; }
  } catch { copied = false; }
  if (!copied) { input.focus(); input.select(); copied = document.execCommand?.('copy') ?? false; }
  $('copy-message').textContent = copied ? 'Copied to the clipboard.' : 'Select the key and copy it with Ctrl+C (⌘C).';
});

/** The new app's dashboard first-run link beside its admin key (hidden when there is none). */
function showSetupLink(link) {
  $('created-setup').hidden = !link;
  if (link) $('created-setup-link').href = link;
  else $('created-setup-link').removeAttribute('href');
}

$('dismiss-key').addEventListener('click', () => {
  $('created').hidden = true;
  $('created-key').value = '';
  showSetupLink(null);
  $('app-name').focus();
});

// ---- ports ---------------------------------------------------------------------------------

function schedulePorts() {
  clearTimeout(portsTimer);
  portsTimer = setTimeout(refreshPorts, 250);
}

async function refreshPorts() {
  let map;
  try { map = await call('GET', '/api/ports'); } catch (error) {
    if (error instanceof Unauthorized) unauthorized();
    return;
  }
  const [low, high] = map.range ?? [];
  $('ports-range').textContent = low ? `Range ${low}–${high}. A released port waits out a grace period before another app may take it.` : '';
  const body = $('ports').querySelector('tbody');
  body.replaceChildren(...(map.items ?? []).map((item) => element('tr', { attrs: { 'data-port': String(item.port) } }, [
    cell('Port', [document.createTextNode(String(item.port))], 'num'),
    cell('App', [document.createTextNode(item.app ?? '—')]),
    cell('State', [element('span', { className: `pill ${item.state === 'assigned' ? 'ok' : 'idle'}`, text: item.state })]),
    cell('Reusable at', [document.createTextNode(item.state === 'grace' ? formatTime(item.reusableAt) : '—')]),
  ])));
  if (!map.items?.length) body.append(element('tr', {}, [element('td', { className: 'muted', text: 'No ports assigned.', attrs: { colspan: '4' } })]));
}

// ---- boot ----------------------------------------------------------------------------------

if (masterKey.get()) start(); else showLogin();
