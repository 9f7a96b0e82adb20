// api.js - the panel's only way to the server: the admin API (docs/CONSOLE.md, "The admin API"),
// the link exchange and, when configured, Supabase Auth's password sign-in.
//
// The token lives in sessionStorage (gone with the tab, never a cookie, never localStorage). A 401
// from the admin API forgets it and calls the handler set with onUnauthorized (back to sign-in).
// Every failure is an ApiError whose message is the API's {"error"} sentence.

const TOKEN_KEY = 'ffx.console.token';

let config = { api_base: '/functions/v1/admin' };
let unauthorized = () => {};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// loadConfig(): config.json beside index.html ({api_base, supabase_url?, supabase_anon_key?}).
export async function loadConfig() {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (res.ok) config = { ...config, ...(await res.json()) };
  } catch {
    // No config.json: same-origin API, link sign-in only.
  }
  config.api_base = String(config.api_base || '/functions/v1/admin').replace(/\/+$/, '');
  return config;
}

export const hasSupabaseAuth = () => Boolean(config.supabase_url && config.supabase_anon_key);
export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (t) => sessionStorage.setItem(TOKEN_KEY, t);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);
export const onUnauthorized = (fn) => {
  unauthorized = fn;
};

async function readAnswer(res) {
  const type = res.headers.get('content-type') || '';
  if (type.startsWith('text/csv')) {
    return { success: true, csv: await res.text() };
  }
  try {
    return await res.json();
  } catch {
    return null;
  }
}

async function call(method, path, { query, body } = {}) {
  let url = `${config.api_base}/${path}`;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    }
    if ([...qs].length) url += `?${qs}`;
  }
  const headers = {};
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, `The admin API did not answer (${e.message})`);
  }
  const data = await readAnswer(res);
  if (res.status === 401 && path !== 'login') {
    clearToken();
    unauthorized();
  }
  if (!res.ok || !data || data.success === false) {
    throw new ApiError(res.status, (data && data.error) || `The admin API answered ${res.status}`);
  }
  return data;
}

const actionPath = (action) => action.replace('.', '/');

// read(action, query): a read action by GET, the arguments in the query string.
export const read = (action, query) => call('GET', actionPath(action), { query });

// act(action, body): any action by POST with a JSON body (changes carry their reason there).
export const act = (action, body) => call('POST', actionPath(action), { body: body || {} });

// exchangeLink(fragment): "<link id>.<secret>" from #link=… for a console token.
export async function exchangeLink(fragment) {
  const dot = fragment.indexOf('.');
  if (dot < 1) throw new ApiError(400, 'This sign-in link is malformed: ask for a new one');
  const data = await call('POST', 'login', {
    body: { link_id: fragment.slice(0, dot), secret: fragment.slice(dot + 1) },
  });
  setToken(data.access_token);
  return data;
}

// supabaseSignIn(email, password): Supabase Auth's password grant; its access token is a staff
// member's token for the admin API when app_metadata.role says so.
export async function supabaseSignIn(email, password) {
  const url = `${String(config.supabase_url).replace(/\/+$/, '')}/auth/v1/token?grant_type=password`;
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { apikey: config.supabase_anon_key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
  } catch (e) {
    throw new ApiError(0, `Supabase Auth did not answer (${e.message})`);
  }
  const data = await readAnswer(res);
  if (!res.ok || !data || !data.access_token) {
    const why = data && (data.error_description || data.msg || data.error);
    throw new ApiError(res.status, why || 'Sign-in failed');
  }
  setToken(data.access_token);
  return data;
}
