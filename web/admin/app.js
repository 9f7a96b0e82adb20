// app.js - the console's start: configuration, signing in (a one-time link from the fragment, or
// Supabase Auth's e-mail and password), who the staff member is (me.get: the actions their role
// may do), the navigation and the hash router (#/<page>[/<id>][?query]).

import * as api from './api.js';
import { h, errorBox, note, showFlash } from './ui.js';
import { PAGES } from './pages.js';

const view = document.getElementById('view');
const nav = document.getElementById('nav');
let me = null;

// The fragment "#link=<id>.<secret>" is read once and removed from the address bar (and the
// history) before anything else, so the secret is neither kept nor shown.
function takeLinkFromFragment() {
  const m = /^#link=([^&]+)$/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + location.search + '#/dashboard');
  return decodeURIComponent(m[1]);
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [page = 'dashboard', ...rest] = path.split('/').filter(Boolean);
  return { page, id: rest.length ? decodeURIComponent(rest.join('/')) : null, params: Object.fromEntries(new URLSearchParams(query)) };
}

export function go(page, params = {}, id = null) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined && v !== null));
  const target = `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}${[...qs].length ? `?${qs}` : ''}`;
  if (location.hash === target) route();
  else location.hash = target;
}

function signInView(message) {
  nav.hidden = true;
  document.getElementById('who').hidden = true;
  const parts = [h('h1', {}, 'Sign in')];
  if (message) parts.push(errorBox(message));
  if (api.hasSupabaseAuth()) {
    const form = h(
      'form',
      { class: 'signin', id: 'signin-form' },
      h('label', { class: 'field', for: 'signin-email' }, h('span', {}, 'E-mail'), h('input', { id: 'signin-email', name: 'email', type: 'email', required: true, autocomplete: 'username' })),
      h('label', { class: 'field', for: 'signin-password' }, h('span', {}, 'Password'), h('input', { id: 'signin-password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' })),
      h('button', { type: 'submit' }, 'Sign in'),
    );
    const status = h('div', { class: 'status' });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      status.replaceChildren();
      try {
        await api.supabaseSignIn(form.elements.email.value.trim(), form.elements.password.value);
        await start();
      } catch (err) {
        status.append(errorBox(err.message));
      }
    });
    parts.push(form, status);
  }
  parts.push(
    note(`${api.hasSupabaseAuth() ? 'Or open' : 'Open'} a one-time sign-in link. An admin prints one with:`),
    h('pre', {}, 'ffx-admin login-link --email you@example.com'),
  );
  view.replaceChildren(h('section', { class: 'card narrow' }, parts));
}

function renderNav() {
  nav.replaceChildren(
    ...PAGES.filter((p) => p.nav && (!p.needs || p.needs.some((a) => me.may(a)))).map((p) =>
      h('a', { href: `#/${p.name}`, 'data-page': p.name }, p.title),
    ),
  );
  nav.hidden = false;
  document.getElementById('who-name').textContent = `${me.user.email} (${me.user.role})`;
  document.getElementById('who').hidden = false;
}

// Each route() call gets a number; only the newest one may fill the view, so a slow re-read
// (after an action) cannot replace a page the operator has moved to since.
let routing = 0;

async function route() {
  if (!me) return;
  const mine = ++routing;
  const { page, id, params } = parseHash();
  const def = PAGES.find((p) => p.name === page) || PAGES[0];
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('current', a.dataset.page === def.name);
  document.title = `${def.title} · FlashFundX console`;
  view.replaceChildren(note('Loading…'));
  view.setAttribute('aria-busy', 'true');
  try {
    const el = await def.render({ me, id, params, go: (p, i = id) => go(def.name, p, i), goto: go });
    if (mine !== routing) return;
    view.replaceChildren(...[el].flat().filter(Boolean));
    showFlash(view);
  } catch (err) {
    if (err.status === 401 || mine !== routing) return;
    view.replaceChildren(h('h1', {}, def.title), errorBox(err.message));
  } finally {
    if (mine === routing) {
      view.removeAttribute('aria-busy');
      view.dataset.page = def.name;
    }
  }
}

async function start() {
  const answer = await api.read('me.get');
  const allowed = new Set((answer.actions || []).map((a) => a.action));
  me = { user: answer.user, actions: answer.actions || [], may: (action) => allowed.has(action) };
  renderNav();
  if (!location.hash.startsWith('#/')) location.hash = '#/dashboard';
  await route();
}

async function boot() {
  await api.loadConfig();
  api.onUnauthorized(() => {
    me = null;
    signInView('Your session has ended: sign in again.');
  });
  document.getElementById('sign-out').addEventListener('click', () => {
    api.clearToken();
    me = null;
    signInView();
  });
  window.addEventListener('hashchange', () => (location.hash.startsWith('#link=') ? signIn() : route()));
  await signIn();
}

// signIn(): a link in the fragment is exchanged (replacing any earlier session); then the
// console starts with the token in sessionStorage, or the sign-in form shows.
async function signIn() {
  const link = takeLinkFromFragment();
  try {
    if (link) {
      api.clearToken();
      me = null;
      await api.exchangeLink(link);
    }
    if (!api.token()) return signInView();
    await start();
  } catch (err) {
    if (!me) signInView(err.message);
  }
}

boot();
