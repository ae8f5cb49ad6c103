// The dashboard shell: sign-in and first-run setup, then one page per hash route (#/users …).

import { element } from '/kit/dom.js';
import { SIGNED_OUT, loadSession, session, setUp, signIn, signOut } from '/dashboard/api.js';
import { busy, field, input, notice, panel } from '/dashboard/ui.js';
import { renderOverview } from '/dashboard/page-overview.js';
import { renderUsers } from '/dashboard/page-users.js';
import { renderKeys } from '/dashboard/page-keys.js';
import { renderCollections } from '/dashboard/page-collections.js';
import { renderStorage } from '/dashboard/page-storage.js';
import { renderAudit } from '/dashboard/page-audit.js';
import { renderLive } from '/dashboard/page-live.js';

const pages = {
  overview: { title: 'Overview', render: renderOverview },
  users: { title: 'Users', render: renderUsers },
  keys: { title: 'API keys', render: renderKeys },
  collections: { title: 'Collections', render: renderCollections },
  storage: { title: 'Storage', render: renderStorage },
  audit: { title: 'Audit log', render: renderAudit },
  live: { title: 'Live changes', render: renderLive },
};

const $ = (id) => document.getElementById(id);
let cleanup = null;

function show(nodes, { signedIn }) {
  if (cleanup) { cleanup(); cleanup = null; }
  $('nav').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
  $('who').textContent = signedIn && session.admin ? session.admin.email : '';
  $('view').replaceChildren(...nodes);
}

function setupToken() {
  if (!location.pathname.endsWith('/setup')) return null;
  const match = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash);
  return match ? match[1] : '';
}

function signInView(message) {
  const email = input('email', { id: 'signin-email', autocomplete: 'username', required: '' });
  const password = input('password', { id: 'signin-password', autocomplete: 'current-password', required: '' });
  const submit = element('button', { text: 'Sign in', className: 'primary', attrs: { type: 'submit', id: 'signin-submit' } });
  const messages = element('div', { attrs: { id: 'signin-message' } }, message ? [notice(message)] : []);
  const form = element('form', { attrs: { novalidate: '' } }, [field('Email', email), field('Password', password), submit]);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const admin = await busy(submit, messages, () => signIn(email.value.trim(), password.value));
    if (admin) route();
  });
  show([panel('Sign in to the dashboard', [
    element('p', { className: 'muted', text: 'Use the email and password of a dashboard admin. App users cannot sign in here.' }),
    messages, form,
    element('p', { className: 'hint', text: 'No account? The server operator can make one with: appbase admin create --app NAME --email ADDRESS --password-stdin' }),
  ], 'signin')], { signedIn: false });
  document.querySelector('#view .panel')?.classList.add('narrow');
  email.focus();
}

function setupView(token) {
  if (!token) {
    show([panel('This setup link is incomplete', [
      notice('The link must end with #token=… exactly as the server printed it. Copy the whole link from the server log (or the control page) and open it again.', 'error'),
    ])], { signedIn: false });
    return;
  }
  const email = input('email', { id: 'setup-email', autocomplete: 'username', required: '' });
  const password = input('password', { id: 'setup-password', autocomplete: 'new-password', minlength: '8', required: '' });
  const repeat = input('password', { id: 'setup-repeat', autocomplete: 'new-password', required: '' });
  const submit = element('button', { text: 'Create the admin and sign in', className: 'primary', attrs: { type: 'submit', id: 'setup-submit' } });
  const messages = element('div', { attrs: { id: 'setup-message' } });
  const form = element('form', { attrs: { novalidate: '' } }, [
    field('Your email', email), field('Choose a password', password, 'At least 8 characters. A sentence you can remember is best.'),
    field('Type the password again', repeat), submit,
  ]);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (password.value !== repeat.value) {
      messages.replaceChildren(notice('The two passwords are different. Type the same password in both boxes.', 'error'));
      repeat.focus();
      return;
    }
    const admin = await busy(submit, messages, () => setUp(token, email.value.trim(), password.value));
    if (admin) {
      // The token is spent: take it out of the address bar and history.
      history.replaceState(null, '', '/dashboard/#/overview');
      route();
    }
  });
  show([panel('Welcome — create the first dashboard admin', [
    element('p', { text: 'This one-time link lets you create the account that manages this app. After that, sign in with it; the link stops working.' }),
    messages, form,
  ], 'setup')], { signedIn: false });
  document.querySelector('#view .panel')?.classList.add('narrow');
  email.focus();
}

async function route() {
  const token = setupToken();
  if (token !== null && !session.admin) { setupView(token); return; }
  if (!session.admin) {
    let admin = null;
    try { admin = await loadSession(); } catch { /* shown as signed out */ }
    if (!admin) { signInView(); return; }
  }
  const name = (/^#\/(\w+)/.exec(location.hash) ?? [])[1];
  if (!pages[name]) { location.replace('#/overview'); return; }
  for (const link of $('nav').querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${pages[name].title} · AppBase dashboard`;
  const container = element('div', { attrs: { id: `page-${name}` } });
  show([element('h2', { className: 'visually-hidden', text: pages[name].title }), container], { signedIn: true });
  cleanup = pages[name].render(container) ?? null;
}

$('sign-out').addEventListener('click', async () => {
  try { await signOut(); } catch { /* signed out locally either way */ }
  history.replaceState(null, '', '/dashboard/');
  signInView('You are signed out.');
});
window.addEventListener(SIGNED_OUT, () => signInView('Your session ended. Sign in again to continue.'));
window.addEventListener('hashchange', () => {
  route();
  $('view').focus();
});
$('app-name').textContent = location.hostname.startsWith('dashboard.') ? location.hostname.split('.')[1] : location.host;
route();
