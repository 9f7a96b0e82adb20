// The operator console in a real browser (label browser): Debian's chromium driven by
// playwright-core against the test stack's nginx, as an operator would use it (issue 16, "Tests";
// docs/CONSOLE.md, "The panel"). Each flow checks the database after the click, with SQL.
// Screenshots of every page at 1280x800 and 390x844 go to $FFX_BUILD_DIR/Testing/screenshots
// (printed), kept as artifacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { API, BUILD_DIR, sql, waitFor } from '../integration/lib/stack.mjs';
import { createUser } from '../integration/lib/identity.mjs';
import { buy, ipnFor, sendIpn, addStock, checkout, placeOrder } from '../integration/lib/commerce.mjs';

const PANEL = `${API}/admin/`;
const SHOTS = path.join(BUILD_DIR, 'Testing', 'screenshots');
const CHROMIUM = process.env.FFX_CHROMIUM ?? '/usr/bin/chromium';
const PAGES = ['dashboard', 'orders', 'refunds', 'customers', 'inventory', 'deliveries', 'catalogue', 'events', 'audit', 'export', 'checkout', 'settings'];

let browser;
let page;
let staff;
const cspViolations = [];
const pageErrors = [];

// A one-time sign-in link for the staff member: `ffx-admin login-link` when this build has it,
// else the same action as service_role in SQL (docs/CONSOLE.md, "Console tokens").
function loginLink(email) {
  try {
    const out = execFileSync(path.join(BUILD_DIR, 'bin', 'ffx-admin'), ['login-link', '--email', email, '--direct'],
      { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const m = /#link=([A-Za-z0-9._-]+)/.exec(out);
    if (m) return m[1];
  } catch { /* not in this build: SQL below */ }
  const rows = sql(`begin;
    select set_config('request.jwt.claims', '{"role":"service_role","operator":"browser-test"}', true);
    set local role service_role;
    select r ->> 'link_id' || '.' || (r ->> 'secret')
      from ffx_internal.console('login_links.create', jsonb_build_object('email', :'p1')) r;
    commit;`, email);
  return rows.at(-1)[0];
}

async function shoot(name) {
  for (const [w, hgt] of [[1280, 800], [390, 844]]) {
    await page.setViewportSize({ width: w, height: hgt });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${w}x${hgt}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

// open(route): the page at #/<route>, once it has rendered (no "Loading…" left).
async function open(route) {
  await page.evaluate((r) => { location.hash = `#/${r}`; }, route);
  await page.waitForFunction(() => !document.getElementById('view').hasAttribute('aria-busy')
    && !document.querySelector('#view > p.muted:only-child'));
}

const viewText = () => page.locator('#view').innerText();

// submit(action, values): fill the action's form and submit it; returns the status text
// ("Done." or the API's error sentence). After a success the page reads its data again and
// builds its forms anew: the "Done." then shows in the new form of the action, or first in the
// view (#flash) when the page no longer offers it (pause becomes resume); the text is read in
// the page in one step, whichever it is.
async function submit(action, values) {
  const form = page.locator(`form[data-action="${action}"]`);
  assert.equal(await form.count(), 1, `the page offers ${action}`);
  for (const [name, value] of Object.entries(values)) {
    const input = form.locator(`[name="${name}"]`);
    if (typeof value === 'boolean') await input.setChecked(value);
    else if (await input.evaluate((el) => el.tagName) === 'SELECT') await input.selectOption(String(value));
    else await input.fill(String(value));
  }
  await form.locator('button[type=submit]').click();
  const answer = await page.waitForFunction((a) => {
    const shown = document.querySelector(`form[data-action="${a}"] .status > *`) ?? document.getElementById('flash');
    return shown && !document.getElementById('view').hasAttribute('aria-busy') ? shown.innerText : null;
  }, action);
  return answer.jsonValue();
}

function auditRows(where, ...params) {
  return sql(`select action_type, admin_id::text, record_id from admin_audit_log where ${where} order by created_at`, ...params);
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  console.log(`screenshots: ${SHOTS}`);
  staff = createUser({ isAdmin: true });
  const started = Date.now();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  console.log(`chromium launched in ${Date.now() - started} ms`);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(10000);
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
});

after(async () => {
  await browser?.close();
});

test('the panel is served with its security headers, and config.json is not cached', async () => {
  const res = await fetch(PANEL);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.equal(res.headers.get('content-security-policy'),
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('access-control-allow-origin'), null, 'no CORS header on the panel');
  const js = await fetch(`${PANEL}app.js`);
  assert.match(js.headers.get('content-type'), /javascript/);
  const config = await fetch(`${PANEL}config.json`);
  assert.equal(config.status, 200);
  assert.equal(config.headers.get('cache-control'), 'no-store');
  assert.equal((await config.json()).api_base, '/functions/v1/admin');
  const html = await res.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
});

test('the browser enforces the policy: an injected inline script does not run', async () => {
  await page.goto(PANEL);
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline_ran = true';
    document.body.append(s);
    return window.__inline_ran === true;
  });
  assert.equal(ran, false);
  assert.ok(cspViolations.length > 0, 'chromium reported the violation');
  cspViolations.length = 0;
});

test('without a token the panel asks to sign in; a bad link says so', async () => {
  await page.goto(PANEL);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shoot('signin');
  await page.goto(`${PANEL}#link=00000000-0000-0000-0000-000000000000.nope`);
  await page.locator('#view .error').waitFor();
  assert.doesNotMatch(page.url(), /link=/, 'the fragment is removed');
});

test('signs in through a one-time login link; the token is in sessionStorage only', async () => {
  const link = loginLink(staff.email);
  await page.goto(`${PANEL}#link=${link}`);
  await page.locator('#nav a').first().waitFor();
  assert.doesNotMatch(page.url(), /link=/, 'the secret left the address bar');
  const stored = await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage), cookie: document.cookie }));
  assert.deepEqual(stored.session, ['ffx.console.token']);
  assert.deepEqual(stored.local, []);
  assert.equal(stored.cookie, '');
  assert.match(await page.locator('#who-name').innerText(), new RegExp(staff.email));
  // The link works once.
  const again = await fetch(`${API}/functions/v1/admin/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link_id: link.split('.')[0], secret: link.split('.')[1] }),
  });
  assert.equal(again.status, 401);
});

test('the dashboard shows the database\'s figures', async () => {
  await open('dashboard');
  const token = await page.evaluate(() => sessionStorage.getItem('ffx.console.token'));
  const api = await (await fetch(`${API}/functions/v1/admin/dashboard`, { headers: { authorization: `Bearer ${token}` } })).json();
  const text = await viewText();
  // Stock per product: what the page shows is the database's count of available accounts.
  const [[available]] = sql(`select count(*) from account_container where status = 'available'`);
  const stockRows = Object.values(api).find((v) => Array.isArray(v) && v.some((r) => r && 'available' in r))
    ?? Object.values(api).flatMap((v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.values(v) : []))
      .find((v) => Array.isArray(v) && v.some((r) => r && 'available' in r));
  assert.ok(stockRows, `dashboard.get has stock rows with "available": ${JSON.stringify(api).slice(0, 400)}`);
  const shown = stockRows.reduce((n, r) => n + Number(r.available), 0);
  console.log(`dashboard: available accounts ${shown} (database ${available})`);
  assert.equal(shown, Number(available));
  // Every scalar figure of the API's answer is on the page.
  for (const [k, v] of Object.entries(api)) {
    if (k !== 'success' && (typeof v === 'number' || typeof v === 'string')) assert.ok(text.includes(String(v)), `${k} = ${v} on the page`);
  }
  await shoot('dashboard');
});

let sold;

test('finds an order by the customer\'s e-mail, refunds it and sees the audit row', async () => {
  addStock(10000, 'mt4', 1, 'BR');
  const customer = createUser();
  sold = await buy(customer);
  assert.equal((await sendIpn(ipnFor(sold, 'finished'))).status, 200);
  const orderId = sold.order.order_id;
  await open('orders');
  await page.locator('form.filters [name="email"]').fill(customer.email);
  await page.locator('form.filters button[type=submit]').click();
  await page.locator(`#view table a[href="#/orders/${orderId}"]`).first().click();
  await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
  await shoot('order');
  // The order's price is above the refund approval threshold (500 USD by default): the refund
  // is a request, and a second admin approves it on the Refunds page (docs/CONSOLE.md).
  const [[price, threshold]] = sql(`select o.final_amount, (ffx_internal.console_money_settings()).refund_approval_threshold
    from orders o where o.order_id = :'p1'`, orderId);
  assert.ok(Number(price) > Number(threshold), `price ${price} above the threshold ${threshold}`);
  let status = await submit('orders.refund', { reason: 'browser suite: customer asked' });
  assert.match(status, /Done.*second admin/, status);
  const asked = auditRows(`action_type = 'refund_requested' and new_values ->> 'order_id' = :'p1'`, orderId);
  console.log(`audit rows for the refund request: ${JSON.stringify(asked)}`);
  assert.equal(asked.length, 1);
  assert.equal(asked[0][1], staff.id, 'the audit row names the admin who asked');
  assert.notEqual(sql(`select order_status from orders where order_id = :'p1'`, orderId)[0][0], 'refunded', 'nothing refunded yet');
  const requestId = asked[0][2];
  // The requester may not approve it himself: the panel shows the API's sentence.
  await open('refunds?status=pending');
  assert.match(await viewText(), new RegExp(requestId));
  status = await submit('refunds.approve', { id: requestId, reason: 'browser suite: checked' });
  assert.match(status, /another admin must approve it/, status);
  // A second admin signs in through their own link and approves it.
  const second = createUser({ isAdmin: true });
  await page.goto(`${PANEL}#link=${loginLink(second.email)}`);
  await page.locator('#who-name', { hasText: second.email }).waitFor();
  await open('refunds?status=pending');
  await shoot('refunds');
  status = await submit('refunds.approve', { id: requestId, reason: 'browser suite: checked' });
  assert.match(status, /Done/, status);
  const done = auditRows(`action_type = 'refund_approved' and record_id = :'p1'`, orderId);
  console.log(`audit rows for the approval: ${JSON.stringify(done)}`);
  assert.equal(done.length, 1);
  assert.equal(done[0][1], second.id, 'the audit row names the approving admin');
  assert.equal(sql(`select order_status from orders where order_id = :'p1'`, orderId)[0][0], 'refunded');
  await open(`audit?order_id=${orderId}`);
  assert.match(await viewText(), /refund_approved/);
  await page.goto(`${PANEL}#link=${loginLink(staff.email)}`);
  await page.locator('#who-name', { hasText: staff.email }).waitFor();
});

test('imports a CSV (preview, then for real) and sees the stock change', async () => {
  const count = () => Number(sql(`select count(*) from account_container where account_size = 25000 and platform_type = 'mt5' and status = 'available'`)[0][0]);
  const before = count();
  const tag = `${process.pid}${Date.now() % 1000000}`;
  const csv = `\uFEFFsize,platform,server,login,password,investor_password\n25000,mt5,Srv-1,BRW${tag}1,pw1,inv1\n25000,mt5,Srv-1,BRW${tag}2,pw2,inv2\n`;
  await open('inventory');
  let status = await submit('inventory.import', { csv, reason: 'browser suite: delivery from the prop firm', dry_run: true });
  assert.match(status, /Done/, status);
  assert.equal(count(), before, 'a preview changes nothing');
  await page.locator('#import-result table').waitFor();
  status = await submit('inventory.import', { csv, reason: 'browser suite: delivery from the prop firm', dry_run: false });
  assert.match(status, /Done/, status);
  console.log(`stock 25000/mt5: ${before} -> ${count()}`);
  assert.equal(count(), before + 2);
  await open('inventory');
  await shoot('inventory');
});

test('dismisses one IPN event and reprocesses another', async () => {
  const ghost = (n) => ({ ...ipnFor(sold, 'finished'), order_id: `FFX99999${String(Date.now()).slice(-4)}${n}`, payment_id: 9100000000 + Date.now() % 100000000 + n });
  await sendIpn(ghost(1));
  await sendIpn(ghost(2));
  const ids = sql(`select id::text from ipn_events where state = 'unmatched' order by received_at desc limit 2`).map((r) => r[0]);
  assert.equal(ids.length, 2, 'two unmatched events');
  await open('events?state=unmatched');
  await shoot('events');
  await open(`events/${ids[0]}`);
  await page.locator('#event-payload').waitFor();
  await shoot('event');
  let status = await submit('events.dismiss', { reason: 'browser suite: not ours' });
  assert.match(status, /Done/, status);
  assert.equal(auditRows(`record_id = :'p1' and action_type ilike '%dismiss%'`, ids[0]).length, 1);
  // A dismissal is kept beside the event (its state stays as the payment machinery left it) and
  // takes it out of the attention queue.
  assert.equal(sql(`select count(*) from ffx_internal.ipn_event_dismissals where event_id::text = :'p1'`, ids[0])[0][0], '1');
  await open('events?state=unmatched&dismissed=false');
  const listed = await page.locator('#view td[data-label="id"]').allInnerTexts();
  assert.ok(listed.includes(ids[1]) && !listed.includes(ids[0]), `a dismissed event leaves the list: ${listed}`);
  await open(`events/${ids[1]}`);
  status = await submit('events.reprocess', { reason: 'browser suite: try again' });
  assert.match(status, /Done/, status);
  assert.equal(auditRows(`record_id = :'p1' and action_type ilike '%reprocess%'`, ids[1]).length, 1);
});

test('creates a discount code and a customer uses it through create-order', async () => {
  const code = `BRW${Date.now() % 100000000}`;
  await open('catalogue');
  const status = await submit('discounts.create', { code, percent_off: 10, reason: 'browser suite: spring sale' });
  assert.match(status, /Done/, status);
  await shoot('catalogue');
  const customer = createUser();
  const order = await placeOrder(customer, { accountType: 'one_step', accountSize: 10000, platformType: 'mt4', discountCode: code });
  console.log(`order with ${code}: amount ${order.amount}, final ${order.final_amount}`);
  assert.ok(Number(order.final_amount) < Number(order.amount));
  // An open payment holds the code (it is "used" once paid): the ledger has the hold, and the
  // catalogue lists it.
  assert.equal((await checkout(customer, order)).status, 200);
  assert.equal(sql(`select state from discount_code_uses where code = :'p1'`, code)[0][0], 'held');
  await open('catalogue');
  await page.locator('#form-discounts-uses [name="code"]').fill(code);
  await page.locator('#form-discounts-uses button[type=submit]').click();
  await page.locator('#discount-uses', { hasText: order.order_id }).waitFor();
});

test('suspends a customer and create-order refuses them', async () => {
  const customer = createUser();
  await open(`customers/${customer.id}`);
  await shoot('customer');
  const status = await submit('customers.set_status', { status: 'suspended', reason: 'browser suite: chargeback' });
  assert.match(status, /Done/, status);
  assert.equal(sql(`select account_status from user_profiles where id = :'p1'`, customer.id)[0][0], 'suspended');
  await assert.rejects(placeOrder(customer, { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' }), /403/);
});

test('pauses checkout (create-crypto-payment answers 503 with the message) and resumes it', async () => {
  const customer = createUser();
  const order = await placeOrder(customer, { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' });
  await open('checkout');
  const message = 'Payments are paused for maintenance (browser suite).';
  let status = await submit('checkout.pause', { message, reason: 'browser suite: provider outage' });
  assert.match(status, /Done/, status);
  await open('checkout');
  await shoot('checkout');
  const paused = await checkout(customer, order);
  console.log(`create-crypto-payment while paused: ${paused.status} ${paused.text}`);
  assert.equal(paused.status, 503);
  assert.equal(paused.json.success, false);
  assert.equal(paused.json.error, message);
  status = await submit('checkout.resume', { reason: 'browser suite: provider back' });
  assert.match(status, /Done/, status);
  assert.equal((await checkout(customer, order)).status, 200);
});

test('every page renders at desktop and phone widths (screenshots)', async () => {
  assert.equal(await page.locator('#nav').isVisible(), true, 'signed in');
  for (const p of PAGES) {
    await open(p);
    assert.equal(await page.locator('#view h1').count(), 1, `${p} has its heading`);
    const error = await page.locator('#view > .error').count();
    assert.equal(error, 0, `${p}: ${error ? await viewText() : ''}`);
    await shoot(p);
  }
  console.log(`screenshots: ${fs.readdirSync(SHOTS).length} files in ${SHOTS}`);
});

test('a 401 from the API returns to sign-in', async () => {
  await page.evaluate(() => sessionStorage.setItem('ffx.console.token', 'not-a-token'));
  await open('orders').catch(() => {});
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
});

test('no CSP violation and no script error while the panel ran', () => {
  assert.deepEqual(cspViolations, []);
  assert.deepEqual(pageErrors, []);
});
