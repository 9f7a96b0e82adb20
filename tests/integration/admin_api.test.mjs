// The admin function (docs/CONSOLE.md, "The admin API"): every action of
// ffx_internal.console_actions(), read from the database, against every kind of caller.
//
// - Nobody who is not staff (no token, the anon key, a customer, a token whose user_metadata claims
//   admin, the service key, an sb_secret key) gets anything: 401/403 JSON, no audit row.
// - Each staff role reaches exactly what staff_may() gives it: the others answer 403 naming the
//   role and the action, with nothing changed. An action whose function is not on this branch yet
//   answers 404 "Unknown action"; the matrix covers it anyway and asserts the whole behaviour of
//   the actions that exist (me.get, checkout.*, login_links.create here).
// - A change writes exactly one audit row with the acting admin's id.
// - Bad input gets the JSON error shape; sign-in links work once, expire, and the console token
//   they give is refused by every other function.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { API, call, sql, waitFor } from './lib/stack.mjs';
import { ANON_KEY, SECRET_KEY, SERVICE_ROLE_KEY, createUser, signHS256, userClaims, DEV_JWT_SECRET } from './lib/identity.mjs';
import { addStock, buy, checkout, deliveries, ipnFor, orderState, placeOrder, sendIpn } from './lib/commerce.mjs';
import crypto from 'node:crypto';

const STAFF = ['admin', 'finance', 'support'];
const CAPS = {
  read: ['admin', 'finance', 'support'], resend: ['admin', 'support'], refund: ['admin', 'finance'],
  accept: ['admin', 'finance'], record: ['admin', 'finance'], export: ['admin', 'finance'], manage: ['admin'],
};

const bearer = (token) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };

// The path of an action: orders.refund -> orders/refund.
const pathOf = (action) => action.replace('.', '/');

function admin(path, { method = 'GET', headers = {}, body, query = '' } = {}) {
  return call(`admin/${path}`, { method, headers: { ...json, ...headers }, body, query });
}

function staffUser(role) {
  const u = createUser();
  sql(`update auth.users set raw_app_meta_data = raw_app_meta_data || jsonb_build_object('role', :'p2'::text)
        where id = :'p1'`, u.id, role);
  u.token = signHS256(userClaims(u, { app_metadata: { provider: 'email', role } }));
  u.role = role;
  return u;
}

// A path outside the documented ones (openapi.check would read it as nginx's own 404), fetched
// without recording the answer.
async function unrecorded(path, headers) {
  const res = await fetch(`${API}/functions/v1/admin/${path}`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}

const auditCount = (where = 'true') => Number(sql(`select count(*) from admin_audit_log where ${where}`)[0][0]);
const auditBy = (id) => auditCount(`admin_id = '${id}'`);

function assertError(r, status, message) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.success, false, r.text);
  assert.equal(typeof r.json.error, 'string', r.text);
  if (message !== undefined) assert.equal(r.json.error, message, r.text);
}

let actions; // [{ action, capability, present }]
const staff = {};
let customer;
let metaAdmin;

before(() => {
  actions = sql(`select a.action, a.capability,
                        to_regprocedure('ffx_internal.console_' || replace(a.action, '.', '_') || '(jsonb)') is not null
                   from ffx_internal.console_actions() a order by a.action`)
    .map(([action, capability, present]) => ({ action, capability, present: present === 't' }));
  for (const role of STAFF) staff[role] = staffUser(role);
  staff.admin2 = staffUser('admin');
  customer = createUser();
  metaAdmin = createUser();
  metaAdmin.token = signHS256(userClaims(metaAdmin, { user_metadata: { role: 'admin' } }));
  console.log(`# ${actions.length} actions, ${actions.filter((a) => a.present).length} present on this branch: ` +
    actions.filter((a) => a.present).map((a) => a.action).join(' '));
});

after(() => {
  sql(`update order_settings set checkout_paused = false, checkout_pause_message = null where id`);
});

// A call of the action as its capability wants it: GET for reads, POST (with a reason) otherwise.
function callAction(a, headers, body = { reason: 'admin_api test' }) {
  return a.capability === 'read'
    ? admin(pathOf(a.action), { headers })
    : admin(pathOf(a.action), { method: 'POST', headers, body: JSON.stringify(body) });
}

test('no one but staff: 401 without credentials, 403 for every other valid credential, on every action', async () => {
  const callers = [
    ['no credentials', {}, 401],
    ['a malformed bearer', { authorization: 'Bearer not.a.token' }, 401],
    ['a token signed with another secret', bearer(signHS256(userClaims(customer), 'x'.repeat(40))), 401],
    ['the anon key', { apikey: ANON_KEY }, 403],
    ['the anon key as bearer', bearer(ANON_KEY), 403],
    ['a customer', bearer(customer.token), 403],
    ['user_metadata.role admin', bearer(metaAdmin.token), 403],
    ['the service key', bearer(SERVICE_ROLE_KEY), 403],
    ['an sb_secret key', { apikey: SECRET_KEY }, 403],
  ];
  const auditBefore = auditCount();
  const checkoutBefore = sql('select checkout_paused from order_settings where id')[0][0];
  let n = 0;
  for (const a of actions) {
    for (const [who, headers, status] of callers) {
      const r = await callAction(a, headers);
      assertError(r, status, status === 401 ? 'Unauthorized' : 'Staff only');
      if (status === 401) assert.equal(r.headers.get('www-authenticate'), 'Bearer', `${a.action} ${who}`);
      n++;
    }
  }
  // a bare resource too
  assertError(await admin('me', { headers: bearer(customer.token) }), 403, 'Staff only');
  assertError(await admin('me'), 401, 'Unauthorized');
  assert.equal(auditCount(), auditBefore, 'no audit row written');
  assert.equal(sql('select checkout_paused from order_settings where id')[0][0], checkoutBefore);
  console.log(`# ${n} calls refused (${actions.length} actions x ${callers.length} callers), audit rows unchanged`);
});

test('each staff role reaches exactly its capabilities; the rest is 403 with nothing changed', async () => {
  let allowed = 0; let refused = 0; let absent = 0;
  for (const role of STAFF) {
    const u = staff[role];
    const before = auditCount();
    for (const a of actions) {
      const may = CAPS[a.capability].includes(role);
      // no reason: a change the role may make stops at "A reason is required" (or an earlier
      // argument), so the sweep changes nothing either way
      const r = a.capability === 'read'
        ? await admin(pathOf(a.action), { headers: bearer(u.token) })
        : await admin(pathOf(a.action), { method: 'POST', headers: bearer(u.token), body: '{}' });
      if (!a.present && a.action === 'inventory.import' && role === 'admin') {
        // the function parses the CSV of a caller who may import before the database sees it
        assertError(r, 400, 'csv is required: the file\'s text');
        absent++;
      } else if (!a.present) {
        assertError(r, 404, `Unknown action: ${a.action}`);
        absent++;
      } else if (!may) {
        assertError(r, 403, `The ${role} role may not ${a.action}`);
        refused++;
      } else {
        assert.ok(r.status !== 403 && r.status < 500, `${role} ${a.action}: ${r.status} ${r.text}`);
        if (r.status === 200) assert.equal(r.json.success, true);
        else assertError(r, r.status);
        if (a.capability !== 'read') assert.equal(r.status, 400, `${role} ${a.action} without a reason: ${r.text}`);
        allowed++;
      }
    }
    assert.equal(auditCount(), before, `${role}: the sweep wrote no audit row`);
  }
  console.log(`# role sweep: ${allowed} allowed, ${refused} refused with 403, ${absent} not on this branch (404)`);
});

test('a changing action reached by GET is refused (400), for every staff role', async () => {
  for (const a of actions.filter((x) => x.present && x.capability !== 'read')) {
    const r = await admin(pathOf(a.action), { headers: bearer(staff.admin.token), query: '?reason=x' });
    assertError(r, 400, `${a.action} changes data: use POST`);
  }
});

test('me.get: who you are and exactly the actions your role may do', async () => {
  for (const role of STAFF) {
    const u = staff[role];
    for (const r of [await admin('me', { headers: bearer(u.token) }), await admin('me/get', { headers: bearer(u.token) }),
      await admin('me/get', { method: 'POST', headers: bearer(u.token), body: '{}' })]) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.success, true);
      assert.deepEqual(r.json.user, { id: u.id, email: u.email, role });
      assert.deepEqual(r.json.actions.map((x) => x.action).sort(),
        actions.filter((a) => CAPS[a.capability].includes(role)).map((a) => a.action).sort());
    }
  }
});

test('checkout.pause: create-crypto-payment answers 503 with the message while IPNs still deliver; resume', async () => {
  addStock(10000, 'mt4', 2, 'AP');
  const buyer = createUser();
  const open = await buy(buyer); // a payment made before the pause
  const later = await placeOrder(buyer, { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' });
  const message = 'Payments are paused for maintenance until 18:00 UTC';

  for (const role of ['finance', 'support']) {
    const r = await admin('checkout/pause', { method: 'POST', headers: bearer(staff[role].token), body: JSON.stringify({ message, reason: 'x' }) });
    assertError(r, 403, `The ${role} role may not checkout.pause`);
  }
  assertError(await admin('checkout/pause', { method: 'POST', headers: bearer(staff.admin.token), body: JSON.stringify({ message }) }),
    400, 'A reason is required');
  assertError(await admin('checkout/pause', { method: 'POST', headers: bearer(staff.admin.token), body: JSON.stringify({ reason: 'outage' }) }),
    400, 'message is required');
  assert.equal(sql('select checkout_paused from order_settings where id')[0][0], 'f');

  const mine = auditBy(staff.admin.id);
  const p = await admin('checkout/pause', { method: 'POST', headers: bearer(staff.admin.token), body: JSON.stringify({ message, reason: 'NOWPayments outage' }) });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.success, true);
  assert.equal(p.json.paused, true);
  assert.equal(p.json.message, message);
  assert.equal(auditBy(staff.admin.id), mine + 1, 'one audit row with the admin id');
  const [[type, email, reason]] = sql(`select action_type, admin_email, description from admin_audit_log
                                        where admin_id = :'p1' order by created_at desc, id desc limit 1`, staff.admin.id);
  assert.deepEqual([type, email, reason], ['checkout_pause', staff.admin.email, 'NOWPayments outage']);

  const g = await admin('checkout', { headers: bearer(staff.support.token) });
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.paused, true);

  const paymentsBefore = sql(`select count(*) from payments where order_id = :'p1'`, later.order_id)[0][0];
  const refused = await checkout(buyer, later);
  assertError(refused, 503, message);
  assert.equal(sql(`select count(*) from payments where order_id = :'p1'`, later.order_id)[0][0], paymentsBefore, 'nothing created');
  assertError(await checkout(buyer, open.order), 503, message);

  const ipn = await sendIpn(ipnFor(open, 'finished'));
  assert.equal(ipn.status, 200, ipn.text);
  await waitFor(() => deliveries(open.order.order_id).length === 1);
  const status = await call('check-payment-status', { method: 'GET', headers: bearer(buyer.token), query: `?orderId=${open.order.order_id}&userId=${buyer.id}` });
  assert.equal(status.status, 200, status.text);

  const r = await admin('checkout/resume', { method: 'POST', headers: bearer(staff.admin.token), body: JSON.stringify({ reason: 'back' }) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.paused, false);
  assert.equal(auditBy(staff.admin.id), mine + 2);
  const again = await checkout(buyer, later);
  assert.equal(again.status, 200, again.text);
});

async function newLink(email, ttl) {
  const r = await admin('login_links/create', { method: 'POST', headers: bearer(staff.admin.token),
    body: JSON.stringify({ email, reason: 'sign-in', ...(ttl ? { ttl_minutes: ttl } : {}) }) });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('sign-in links: work once, expire, refuse a wrong secret; the console token works for admin only', async () => {
  const who = staff.support;
  const mine = auditBy(staff.admin.id);
  const link = await newLink(who.email);
  assert.equal(auditBy(staff.admin.id), mine + 1, 'login_links.create: one audit row');
  assert.match(link.secret, /^[0-9a-f]{64}$/);
  assert.equal(sql(`select count(*) from ffx_internal.admin_login_links where secret_sha256 = sha256(convert_to(:'p1', 'UTF8'))`, link.secret)[0][0], '1');

  assertError(await admin('login_links/create', { method: 'POST', headers: bearer(staff.finance.token), body: JSON.stringify({ email: who.email, reason: 'x' }) }),
    403, 'The finance role may not login_links.create');
  assertError(await admin('login_links/create', { method: 'POST', headers: bearer(staff.admin.token), body: JSON.stringify({ email: customer.email, reason: 'x' }) }), 409);

  const BAD = 'This sign-in link is invalid, used or expired';
  assertError(await admin('login', { method: 'POST', body: JSON.stringify({ link_id: link.link_id, secret: 'f'.repeat(64) }) }), 401, BAD);
  assertError(await admin('login', { method: 'POST', body: JSON.stringify({ link_id: 'not-a-uuid', secret: link.secret }) }), 401, BAD);
  assertError(await admin('login', { method: 'POST', body: JSON.stringify({ link_id: crypto.randomUUID(), secret: link.secret }) }), 401, BAD);
  assertError(await admin('login', { method: 'POST', body: '[1]' }), 400);
  assertError(await admin('login', { method: 'POST', body: '{}' }), 400, 'link_id and secret are required');
  assertError(await admin('login'), 405);

  const ok = await admin('login', { method: 'POST', body: JSON.stringify({ link_id: link.link_id, secret: link.secret }) });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.success, true);
  assert.equal(ok.json.token_type, 'bearer');
  assert.equal(ok.json.expires_in, 1800);
  assert.deepEqual(ok.json.user, { id: who.id, email: who.email, role: 'support' });
  const token = ok.json.access_token;
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  assert.equal(claims.aud, 'ffx-console');
  assert.equal(claims.exp - claims.iat, 1800);
  assert.equal(claims.app_metadata.role, 'support');

  assertError(await admin('login', { method: 'POST', body: JSON.stringify({ link_id: link.link_id, secret: link.secret }) }), 401, BAD);

  const me = await admin('me', { headers: bearer(token) });
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(me.json.user, { id: who.id, email: who.email, role: 'support' });
  assertError(await admin('checkout/pause', { method: 'POST', headers: bearer(token), body: JSON.stringify({ message: 'm', reason: 'r' }) }),
    403, 'The support role may not checkout.pause');

  // every other function refuses it as it refuses any token it cannot verify
  const order = await placeOrder(customer, { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' });
  const elsewhere = [
    await call('create-order', { headers: { ...json, ...bearer(token) }, body: JSON.stringify({ accountType: 'one_step', accountSize: 10000, platformType: 'mt4' }) }),
    await call('create-crypto-payment', { headers: { ...json, ...bearer(token) }, body: JSON.stringify({ orderId: order.order_id }) }),
    await call('check-payment-status', { method: 'GET', headers: bearer(token), query: `?orderId=${order.order_id}&userId=${customer.id}` }),
    await call('test-delivery', { headers: { ...json, ...bearer(token) }, body: JSON.stringify({ orderId: order.order_id }) }),
    await call('metrics', { method: 'GET', headers: bearer(token) }),
  ];
  for (const r of elsewhere) assertError(r, 401, 'Unauthorized');
  // ... and a token signed with the project secret but claiming the console audience is no user token
  const forged = signHS256(userClaims(staff.admin, { aud: 'ffx-console', app_metadata: { role: 'admin' } }), DEV_JWT_SECRET);
  assertError(await admin('me', { headers: bearer(forged) }), 401, 'Unauthorized');

  // expired: the link's time has passed
  const old = await newLink(who.email, 1);
  sql(`update ffx_internal.admin_login_links set created_at = now() - interval '2 minutes', expires_at = now() - interval '1 second'
        where id = :'p1'`, old.link_id);
  assertError(await admin('login', { method: 'POST', body: JSON.stringify({ link_id: old.link_id, secret: old.secret }) }), 401, BAD);

  // a staff member who lost the role cannot use a link made before
  const gone = staffUser('finance');
  const last = await newLink(gone.email);
  sql(`update auth.users set raw_app_meta_data = raw_app_meta_data - 'role' where id = :'p1'`, gone.id);
  assertError(await admin('login', { method: 'POST', body: JSON.stringify({ link_id: last.link_id, secret: last.secret }) }), 401, BAD);
});

test('bad input gets the JSON error shape', async () => {
  const h = bearer(staff.admin.token);
  const cases = [
    ['malformed JSON', admin('checkout/pause', { method: 'POST', headers: h, body: '{"reason": ' }), 400, 'The body must be a JSON object'],
    ['an array body', admin('checkout/pause', { method: 'POST', headers: h, body: '[{"reason":"x"}]' }), 400, 'The body must be a JSON object'],
    ['an empty body', admin('checkout/pause', { method: 'POST', headers: h, body: '' }), 400, 'The body must be a JSON object'],
    ['an unknown action', admin('orders/frobnicate', { headers: h }), 404, 'Unknown action: orders.frobnicate'],
    ['an unknown action by POST', admin('orders/frobnicate', { method: 'POST', headers: h, body: '{"reason":"x"}' }), 404, 'Unknown action: orders.frobnicate'],
    ['an unknown resource', admin('nothing', { headers: h }), 404, 'Unknown action: nothing'],
    ['upper case in the path', admin('Checkout/get', { headers: h }), 404, 'Unknown action'],
    ['a digit in the path', admin('checkout2/get', { headers: h }), 404, 'Unknown action'],
    ['a dash in the verb', admin('checkout/get-now', { headers: h }), 404, 'Unknown action'],
    ['three segments', unrecorded('checkout/get/now', h), 404, 'Unknown action'],
    ['an empty segment', unrecorded('checkout/', h), 404, 'Unknown action'],
    ['the bare prefix', call('admin', { method: 'GET', headers: h }), 404, 'Unknown action'],
    ['a reason that is an object', admin('checkout/resume', { method: 'POST', headers: h, body: '{"reason":{"a":1}}' }), 400, 'reason must be a single value'],
    ['a reason that is an array', admin('checkout/resume', { method: 'POST', headers: h, body: '{"reason":["a"]}' }), 400, 'reason must be a single value'],
    ['a ttl that is no number', admin('login_links/create', { method: 'POST', headers: h, body: JSON.stringify({ email: staff.finance.email, ttl_minutes: 'soon', reason: 'x' }) }), 400, 'ttl_minutes must be a whole number from 1 to 60'],
    ['a ttl out of range', admin('login_links/create', { method: 'POST', headers: h, body: JSON.stringify({ email: staff.finance.email, ttl_minutes: 61, reason: 'x' }) }), 400, 'ttl_minutes must be a whole number from 1 to 60'],
    ['a repeated query parameter', admin('me', { headers: h, query: '?a=1&a=2' }), 400, 'Repeated query parameter: a'],
    ['a PUT', admin('me', { method: 'PUT', headers: h, body: '{}' }), 405, 'Method not allowed'],
    ['a body over 1 MiB', admin('checkout/resume', { method: 'POST', headers: h, body: JSON.stringify({ reason: 'x'.repeat(1024 * 1024) }) }), 413, undefined],
  ];
  const before = auditCount();
  for (const [what, pending, status, message] of cases) {
    const r = await pending;
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assertError(r, status, message);
  }
  assert.equal(auditCount(), before, 'no audit row');
  // nearly 1 MiB is taken: the cap is the function's 1 MiB, not FFX_BODY_MAX's 64 KiB
  const big = await admin('me/get', { method: 'POST', headers: h, body: JSON.stringify({ padding: 'x'.repeat(1000 * 1000) }) });
  assert.equal(big.status, 200, big.text);
});

test('inventory/import: the CSV is parsed by the function, per-line errors before anything reaches the database', async () => {
  const h = bearer(staff.admin.token);
  const bad = '\ufeffsize,platform,server,login,password,investor_password\r\n10000,mt4,S,1,p\r\n10000,mt4,"S"x,2,p,i\r\n';
  const r = await admin('inventory/import', { method: 'POST', headers: h, body: JSON.stringify({ csv: bad, dry_run: true, reason: 'x' }) });
  assertError(r, 400, 'The CSV has lines that cannot be read: nothing was imported');
  assert.deepEqual(r.json.errors, [{ line: 2, error: 'expected 6 fields, found 5' }, { line: 3, error: 'text after a closing quote' }]);
  assertError(await admin('inventory/import', { method: 'POST', headers: h, body: JSON.stringify({ reason: 'x' }) }), 400, 'csv is required: the file\'s text');

  const login = `IMP${process.pid}${Date.now() % 100000}`;
  const good = `size,platform,server,login,password,investor_password\n10000,mt4,"Srv, A",${login},"p""w",inv\n`;
  const ok = await admin('inventory/import', { method: 'POST', headers: h, body: JSON.stringify({ csv: good, dry_run: true, reason: 'preview' }) });
  if (!actions.find((a) => a.action === 'inventory.import').present) {
    assertError(ok, 404, 'Unknown action: inventory.import');
    return;
  }
  assert.equal(ok.status, 200, ok.text);
  assert.equal(sql(`select count(*) from account_container where login_id = :'p1'`, login)[0][0], '0', 'a dry run imports nothing');
});

// export.finance writes its audit row (who exported which period), so it is a change: POST, with
// from and to (dates, both included); format=csv is the function's, the action ignores it.
test('export.finance with format=csv is a text/csv download', async () => {
  const h = bearer(staff.finance.token);
  const day = new Date().toISOString().slice(0, 10);
  const args = { from: day, to: day, reason: 'monthly books' };
  const mine = auditBy(staff.finance.id);
  const r = await admin('export/finance', { method: 'POST', headers: h, body: JSON.stringify({ ...args, format: 'csv' }) });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8$/);
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="ffx-finance-${day}-${day}.csv"`);
  const lines = r.text.split('\r\n');
  assert.equal(lines[0], 'type,time,order_id,reference,provider,method,detail,amount,currency,usd,paid_orders,gross_usd,refunded_usd,net_usd');
  assert.equal(lines.at(-1), '', 'every line ends with CRLF');
  assert.ok(lines.some((l) => l.startsWith(`revenue,${day},`)), `a revenue line for ${day}:\n${r.text.slice(0, 400)}`);
  assert.equal(auditBy(staff.finance.id), mine + 1, 'one audit row with the finance user\'s id');
  const [[type, record]] = sql(`select action_type, record_id from admin_audit_log where admin_id = :'p1'
                                 order by created_at desc, id desc limit 1`, staff.finance.id);
  assert.deepEqual([type, record], ['finance_export', `ffx-finance-${day}-${day}.csv`]);

  // without format: the action's own object, the same text in it
  const j = await admin('export/finance', { method: 'POST', headers: h, body: JSON.stringify(args) });
  assert.equal(j.status, 200, j.text);
  assert.equal(j.json.success, true);
  assert.equal(j.json.filename, `ffx-finance-${day}-${day}.csv`);
  assert.equal(j.json.csv.split('\r\n')[0], lines[0]);
  assert.equal(j.json.rows, j.json.csv.split('\r\n').length - 2);

  // support may not export; GET is refused as for every change; bad dates are 400
  assertError(await admin('export/finance', { method: 'POST', headers: bearer(staff.support.token), body: JSON.stringify({ ...args, format: 'csv' }) }),
    403, 'The support role may not export.finance');
  assertError(await admin('export/finance', { headers: h, query: `?from=${day}&to=${day}&format=csv` }), 400, 'export.finance changes data: use POST');
  assertError(await admin('export/finance', { method: 'POST', headers: h, body: JSON.stringify({ format: 'csv' }) }),
    400, 'from and to are required (dates, YYYY-MM-DD)');
  assert.equal(auditBy(staff.finance.id), mine + 2, 'the refusals wrote nothing');
});

// ---- changes through the real actions: the second admin, one audit row each, bad input ----

// A paid and delivered order of a new customer (the real functions and a signed IPN).
async function paidOrder() {
  addStock(10000, 'mt4', 1, 'PAID');
  const buyer = createUser();
  const bought = await buy(buyer);
  const ipn = await sendIpn(ipnFor(bought, 'finished'));
  assert.equal(ipn.status, 200, ipn.text);
  await waitFor(() => deliveries(bought.order.order_id).length === 1);
  return { buyer, order: bought.order };
}

// The newest audit row: who wrote it, its action type and record.
const lastAudit = () => sql(`select admin_id, action_type, coalesce(record_id, '') from admin_audit_log
                              order by id desc limit 1`)[0];

// POST an action as `who`; it must succeed and write exactly one audit row, with who's id.
async function changeOnce(who, path, body, actionType) {
  const all = auditCount();
  const mine = auditBy(who.id);
  const r = await admin(path, { method: 'POST', headers: bearer(who.token), body: JSON.stringify(body) });
  assert.equal(r.status, 200, `${path}: ${r.text}`);
  assert.equal(r.json.success, true, r.text);
  assert.equal(auditCount(), all + 1, `${path}: exactly one audit row`);
  assert.equal(auditBy(who.id), mine + 1, `${path}: the row carries the admin's id`);
  assert.deepEqual(lastAudit().slice(0, 2), [who.id, actionType], path);
  return r;
}

test('a refund above the threshold waits for a second admin: not the requester, another admin carries it out', async () => {
  const threshold = Number(sql('select refund_approval_threshold from ffx_internal.console_settings')[0][0]);
  const { order } = await paidOrder();
  assert.ok(Number(order.final_amount) > threshold, `the order (${order.final_amount}) is above the threshold (${threshold})`);
  const paid = orderState(order.order_id);
  assert.equal(paid.payment, 'paid');

  const asked = await changeOnce(staff.admin, 'orders/refund', { order_id: order.order_id, reason: 'customer asked' }, 'refund_requested');
  assert.equal(asked.json.pending_approval, true, asked.text);
  const id = asked.json.refund.id;
  assert.ok(Number.isInteger(id), asked.text);
  assert.deepEqual(orderState(order.order_id), paid, 'nothing is refunded yet');

  const before = auditCount();
  assertError(await admin('refunds/approve', { method: 'POST', headers: bearer(staff.admin.token), body: JSON.stringify({ id, reason: 'me again' }) }),
    403, `You asked for refund ${id}: another admin must approve it`);
  assertError(await admin('refunds/approve', { method: 'POST', headers: bearer(staff.finance.token), body: JSON.stringify({ id, reason: 'finance' }) }),
    403, 'The finance role may not refunds.approve');
  assert.equal(auditCount(), before, 'the refused approvals wrote nothing');
  assert.deepEqual(orderState(order.order_id), paid, 'and refunded nothing');
  assert.equal(sql(`select status from ffx_internal.refund_requests where id = :'p1'`, id)[0][0], 'pending');

  const ok = await changeOnce(staff.admin2, 'refunds/approve', { id, reason: 'checked the chargeback' }, 'refund_approved');
  assert.equal(ok.json.request.status, 'approved', ok.text);
  assert.equal(ok.json.refund.full, true, ok.text);
  assert.equal(Number(ok.json.refund.amount), Number(order.final_amount), ok.text);
  const done = orderState(order.order_id);
  assert.deepEqual([done.order, done.payment], ['refunded', 'refunded']);
  assert.deepEqual(deliveries(order.order_id).map(([, status]) => status), ['suspended'], 'the delivered account is suspended');
  assert.equal(sql(`select count(*) from payment_transactions where order_id = :'p1' and transaction_type = 'refund'`, order.order_id)[0][0], '1');

  // decided: a second approval is refused and changes nothing
  const after = auditCount();
  const again = await admin('refunds/approve', { method: 'POST', headers: bearer(staff.admin2.token), body: JSON.stringify({ id, reason: 'again' }) });
  assert.ok(again.status === 409 || again.status === 400, again.text);
  assertError(again, again.status);
  assert.equal(auditCount(), after);
});

test('each change writes exactly one audit row with the admin\'s id (orders, customers, catalogue, inventory CSV, events, checkout)', async () => {
  const a = staff.admin;
  // orders.refund under the threshold: carried out at once
  const { order } = await paidOrder();
  const part = await changeOnce(a, 'orders/refund', { order_id: order.order_id, amount: 10, reason: 'goodwill' }, 'order_partial_refund');
  assert.equal(part.json.pending_approval, false, part.text);
  assert.equal(Number(part.json.refund.amount), 10);
  assert.equal(orderState(order.order_id).payment, 'paid', 'a partial refund leaves the order as it is');

  // customers.set_status
  const c = createUser();
  await changeOnce(a, 'customers/set_status', { user_id: c.id, status: 'suspended', reason: 'chargeback review' }, 'customer_set_status');
  assert.equal(sql(`select account_status from user_profiles where id = :'p1'`, c.id)[0][0], 'suspended');

  // discounts.create
  const code = `API${process.pid}${Date.now() % 100000}`;
  const d = await changeOnce(a, 'discounts/create', { code, percent_off: 15, max_uses: 3, reason: 'spring sale' }, 'discount_create');
  assert.equal(d.json.discount.code, code, d.text);
  assert.deepEqual(sql(`select percent_off::text, max_uses::text from discount_codes where code = :'p1'`, code), [['15.00', '3']]);

  // inventory.import: a CSV through the function's parser, imported for real
  const login = `CSV${process.pid}${Date.now() % 100000}`;
  // a size no product has and no other test stocks: these accounts must not serve other tests' orders
  const size = 7000 + (process.pid % 900);
  const csv = `Size,Platform,Server,Login,Password,Investor_Password\r\n${size},mt5,"Srv, B",${login},"p""w",inv\r\n${size},mt5,Srv B,${login}x,pw2,inv2\r\n`;
  const imp = await changeOnce(a, 'inventory/import', { csv, reason: 'new batch' }, 'inventory_import');
  assert.equal(imp.json.dry_run, false, imp.text);
  assert.equal(imp.json.imported, 2, imp.text);
  assert.deepEqual(imp.json.lines, [{ line: 2, ok: true }, { line: 3, ok: true }]);
  assert.deepEqual(sql(`select server_name, login_id, password, investor_password, status from account_container
                         where login_id in (:'p1', :'p1' || 'x') order by login_id`, login),
  [['Srv, B', login, 'p"w', 'inv', 'available'], ['Srv B', `${login}x`, 'pw2', 'inv2', 'available']]);
  assert.ok(!imp.text.includes('p\\"w') && !imp.text.includes('pw2'), 'no password in the answer');

  // events.dismiss: an IPN naming only a parent payment nobody knows is stored unmatched
  const paymentId = 8000000000 + crypto.randomInt(999999999);
  const ipn = ipnFor({ order: { order_id: null, final_amount: 649 }, payment: { payment_id: paymentId, pay_amount: 0.01, pay_currency: 'btc', pay_address: 'bc1qx' } },
    'finished', { parent_payment_id: paymentId - 1 });
  assert.equal((await sendIpn(ipn)).status, 200);
  const [[eventId, state]] = sql(`select id, state from ipn_events where payment_id = :'p1'`, paymentId);
  assert.equal(state, 'unmatched');
  await changeOnce(a, 'events/dismiss', { id: Number(eventId), reason: 'test payment from the provider' }, 'ipn_dismiss');
  assert.equal(sql(`select count(*) from ffx_internal.ipn_event_dismissals where event_id = :'p1'`, eventId)[0][0], '1');

  // checkout.pause and resume
  await changeOnce(a, 'checkout/pause', { message: 'Back at noon', reason: 'maintenance' }, 'checkout_pause');
  await changeOnce(a, 'checkout/resume', { reason: 'done' }, 'checkout_resume');
  assert.equal(sql('select checkout_paused from order_settings where id')[0][0], 'f');
});

test('bad input (wrong types, unknown values) is 400 in the JSON error shape, naming the argument, and changes nothing', async () => {
  const h = bearer(staff.admin.token);
  const { order } = await paidOrder();
  const c = createUser();
  const code = `BAD${process.pid}${Date.now() % 100000}`;
  const day = new Date().toISOString().slice(0, 10);
  const post = (path, body) => admin(path, { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const cases = [
    // [what, answer, a word the error must name]
    ['refund amount as a word', post('orders/refund', { order_id: order.order_id, amount: 'lots', reason: 'x' }), 'amount'],
    ['refund amount negative', post('orders/refund', { order_id: order.order_id, amount: -5, reason: 'x' }), 'amount'],
    ['refund amount an object', post('orders/refund', { order_id: order.order_id, amount: { usd: 5 }, reason: 'x' }), 'amount'],
    ['refund order_id a list', post('orders/refund', { order_id: [order.order_id], reason: 'x' }), 'order_id'],
    ['refund without a reason', post('orders/refund', { order_id: order.order_id }), 'reason'],
    ['customer status unknown', post('customers/set_status', { user_id: c.id, status: 'frozen', reason: 'x' }), 'status'],
    ['customer status a number', post('customers/set_status', { user_id: c.id, status: 2, reason: 'x' }), 'status'],
    ['customer user_id not a uuid', post('customers/set_status', { user_id: "' OR 1=1 --", status: 'banned', reason: 'x' }), 'user_id'],
    ['discount percent as a word', post('discounts/create', { code, percent_off: 'ten', reason: 'x' }), 'percent_off'],
    ['discount percent above 100', post('discounts/create', { code, percent_off: 150, reason: 'x' }), 'percent_off'],
    ['discount max_uses a fraction', post('discounts/create', { code, percent_off: 10, max_uses: 1.5, reason: 'x' }), 'max_uses'],
    ['discount valid_until no date', post('discounts/create', { code, percent_off: 10, valid_until: 'soon', reason: 'x' }), 'valid_until'],
    ['import dry_run a word', post('inventory/import', { csv: 'size,platform,server,login,password,investor_password\n10000,mt4,S,BADL1,p,i\n', dry_run: 'maybe', reason: 'x' }), 'dry_run'],
    ['import csv a number', post('inventory/import', { csv: 42, reason: 'x' }), 'csv'],
    ['event id a word', post('events/dismiss', { id: 'abc', reason: 'x' }), 'id'],
    ['export kind unknown', post('export/finance', { from: day, to: day, kind: 'everything' }), 'kind'],
    ['export from no date', post('export/finance', { from: 'yesterday', to: day }), 'from'],
    ['pause message an object', post('checkout/pause', { message: { text: 'x' }, reason: 'x' }), 'message'],
    ['list limit a word (GET)', admin('orders/list', { headers: h, query: '?limit=many' }), 'limit'],
    ['list status unknown (GET)', admin('orders/list', { headers: h, query: '?status=lost' }), 'status'],
  ];
  const auditBefore = auditCount();
  const stateBefore = orderState(order.order_id);
  const failures = [];
  for (const [what, pending, names] of cases) {
    const r = await pending;
    try {
      assertError(r, 400);
      assert.match(r.headers.get('content-type'), /^application\/json/);
      assert.deepEqual(Object.keys(r.json).sort(), ['error', 'success'], 'only success and error');
      assert.ok(r.json.error.toLowerCase().includes(names.toLowerCase()), `the error names ${names}`);
    } catch (e) {
      failures.push(`${what}: ${e.message.split('\n')[0]} [${r.status} ${r.text.slice(0, 160)}]`);
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(auditCount(), auditBefore, 'no audit row');
  assert.deepEqual(orderState(order.order_id), stateBefore, 'the order is as it was');
  assert.equal(sql(`select count(*) from payment_transactions where order_id = :'p1' and transaction_type = 'refund'`, order.order_id)[0][0], '0');
  assert.equal(sql(`select coalesce((select account_status from user_profiles where id = :'p1'), 'active')`, c.id)[0][0], 'active');
  assert.equal(sql(`select count(*) from discount_codes where code = :'p1'`, code)[0][0], '0');
  assert.equal(sql(`select count(*) from account_container where login_id = 'BADL1'`)[0][0], '0');
  assert.equal(sql('select checkout_paused from order_settings where id')[0][0], 'f');
});
