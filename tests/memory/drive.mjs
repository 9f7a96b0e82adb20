// tests/memory/drive.mjs - mixed good and bad FastCGI requests straight to
// one function's socket, for tests/memory/run.sh.
//
//   node drive.mjs FUNCTION SOCKET COUNT [CONCURRENCY]
//       at least COUNT requests (valid and invalid credentials, bodies,
//       methods, sizes, query strings); prints one JSON summary line and exits
//       non-zero if any request got no complete answer or an unexpected status
//   node drive.mjs --rss FUNCTION SOCKET WORKER_PID WARMUP COUNT [CONCURRENCY]
//       WARMUP requests, the worker's VmRSS, COUNT more, VmRSS again; only
//       requests that stay inside this machine (no NOWPayments calls)
//
// Fixtures (users, orders, payments) come from the integration tests'
// helpers: ffx-admin from FFX_BUILD_DIR, SQL as the superuser DATABASE_URL,
// and, for a payment the simulator knows, one purchase through the stack's
// nginx (FFX_API_URL).
import fs from 'node:fs';
import { openRequest } from '../integration/lib/fcgi.mjs';
import { sim, sql } from '../integration/lib/stack.mjs';
import { ANON_KEY, SECRET_KEY, SERVICE_ROLE_KEY, addPayment, createOrder, createUser, signHS256, userClaims } from '../integration/lib/identity.mjs';
import { buy, ipnFor, sign } from '../integration/lib/commerce.mjs';

const args = process.argv.slice(2);
const rss = args[0] === '--rss';
if (rss) args.shift();
const [fn, socket] = args;
const workerPid = rss ? Number(args[2]) : 0;
const warmup = rss ? Number(args[3]) : 0;
const count = Number(rss ? args[4] : args[2]);
const concurrency = Number((rss ? args[5] : args[3]) ?? 4);
if (!fn || !socket || !(count > 0)) {
  console.error('usage: drive.mjs FUNCTION SOCKET COUNT [CONCURRENCY] | --rss FUNCTION SOCKET WORKER_PID WARMUP COUNT [CONCURRENCY]');
  process.exit(2);
}

// ---- one request ----

let serial = 0;
// t: { method, path, query, headers: {HTTP_*}, body, declaredLength, sendBytes, expect: [statuses] }
// (path: the function's own when absent; the admin function routes by it)
async function run(t) {
  const body = t.body === undefined ? null : Buffer.isBuffer(t.body) ? t.body : Buffer.from(t.body);
  const params = {
    REQUEST_METHOD: t.method ?? 'POST', DOCUMENT_URI: t.path ?? `/functions/v1/${fn}`, QUERY_STRING: t.query ?? '',
    REQUEST_URI: `${t.path ?? `/functions/v1/${fn}`}${t.query ? `?${t.query}` : ''}`, SERVER_PROTOCOL: 'HTTP/1.1', REMOTE_ADDR: '127.0.0.1',
    REQUEST_ID: `mem${process.pid.toString(16)}${(++serial).toString(16).padStart(24, '0')}`,
    ...(body || t.declaredLength !== undefined ? { CONTENT_LENGTH: t.declaredLength ?? body.length, CONTENT_TYPE: 'application/json' } : {}),
    ...t.headers,
  };
  // Not recorded for the OpenAPI check: this is a memory driver, not an API test.
  const req = openRequest(socket, params, { recorded: false });
  if (body) {
    const n = t.sendBytes ?? body.length;
    for (let off = 0; off < n; off += 32768) req.send(body.subarray(off, Math.min(n, off + 32768)));
  }
  req.end();
  return req.response;
}

// ---- credentials ----

const now = () => Math.floor(Date.now() / 1000);
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const bearer = (token) => ({ HTTP_AUTHORIZATION: `Bearer ${token}` });
function badCredentials(user) {
  const claims = userClaims(user);
  const [h, p, s] = user.token.split('.');
  return [
    {}, { HTTP_AUTHORIZATION: 'Basic dXNlcjpwdw==' }, bearer('garbage'), bearer('a.b.c'),
    bearer(signHS256(claims, 'not-the-secret-but-long-enough-to-look-real')),
    bearer(signHS256(userClaims(user, { iat: now() - 7200, exp: now() - 3600 }))),
    bearer(signHS256(userClaims(user, { nbf: now() + 3600 }))),
    bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`),
    bearer(`${h}.${b64({ ...JSON.parse(Buffer.from(p, 'base64url')), role: 'service_role' })}.${s}`),
    bearer(signHS256(userClaims(user, { sub: 'not-a-uuid' }))),
    bearer(signHS256(userClaims(user, { role: 'postgres' }))),
    bearer(signHS256(userClaims(user, { aud: 'elsewhere' }))),
    bearer(signHS256({ ...claims, pad: 'x'.repeat(9000) })),
    { HTTP_APIKEY: 'sb_secret_not_a_key_we_know' }, { HTTP_APIKEY: 'x'.repeat(9000) },
  ];
}

// ---- bodies ----

const NESTED = '['.repeat(10000) + ']'.repeat(10000);
const BAD_BODIES = ['', '{', '{"a":', '[]', 'null', '"x"', '{"a":NaN}', '{"a":1}}', NESTED, '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xc0, 0xaf, 0x22, 0x7d]), '{"a":"\\ud800"}', `{"a":"${'x'.repeat(60000)}"}`];
const setRaw = (obj, key, raw) => JSON.stringify({ ...obj, [key]: '\u0001' }).replace('"\\u0001"', raw);
// Wrong types and extreme numbers; STRING_WRONG for fields where "x" would be a well-typed value.
const STRING_WRONG = ['true', '[]', '{}', '-1', '1e309', '1e308', '9223372036854775808', '0.5', 'null'];
const WRONG = [...STRING_WRONG, '"x"'];

// Templates shared by every function: methods, sizes, framing, query strings.
function frameTemplates(method, headers) {
  const other = method === 'GET' ? 'POST' : 'GET';
  return [
    { method: other, headers, body: other === 'GET' ? undefined : '{}', expect: [405] },
    { method: 'DELETE', headers, expect: [405] },
    { method: 'OPTIONS', headers: { HTTP_ORIGIN: 'https://app.example', HTTP_ACCESS_CONTROL_REQUEST_HEADERS: 'authorization, x-evil\r\nset-cookie: a' }, expect: [204] },
    { method: 'OPTIONS', headers: { HTTP_ACCESS_CONTROL_REQUEST_HEADERS: 'authorization, apikey' }, expect: [204] },
    { method, headers, declaredLength: 70000, expect: [413] },
    { method, headers, declaredLength: 16 * 1024 * 1024, expect: [413] },
    { method, headers, body: '{"truncated": true, "padding": "xxxxxxxx"}', sendBytes: 10, expect: [400] },
    { method, headers, declaredLength: 'abc', expect: [400] },
    { method, headers, declaredLength: '-1', expect: [400] },
    { method, headers, query: 'a=%zz', expect: [400] },
    { method, headers, query: 'orderId=%00', expect: [400] },
  ];
}
const manyHeaders = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`HTTP_X_H${i}`, `v${i}`.repeat(20)]));

// ---- per function: fixtures and templates ----

// Our copy of a payment an hour old (the updated_at trigger bypassed), so
// check-payment-status refreshes it from NOWPayments.
const backdate = (paymentId) => sql(`set session_replication_role = replica;
  update payments set updated_at = now() - interval '1 hour' where payment_id = :'p1'`, paymentId);

let restoreSettings = () => {};
async function templatesFor(name) {
  const alice = createUser();
  const bob = createUser();
  const boss = createUser({ isAdmin: true });
  const aliceH = bearer(alice.token);
  const serviceH = bearer(SERVICE_ROLE_KEY);
  const badCreds = badCredentials(alice);
  const t = [];
  const add = (n, tmpl) => { for (let i = 0; i < n; i++) t.push(tmpl); };

  if (name === 'webhook-debug') {
    add(6, { body: '{"payment_id":5514469786,"payment_status":"finished"}', headers: { HTTP_USER_AGENT: 'NOWPayments', HTTP_X_NOWPAYMENTS_SIG: 'ab' } , expect: [200] });
    add(2, { body: 'x'.repeat(60000), query: 'source=np&x=%41', expect: [200] });
    add(2, { body: Buffer.from([0x7b, 0xff, 0x00, 0xfe, 0x7d]), headers: { HTTP_X_BIN: 'caf\u00e9\u00ff', HTTP_AUTHORIZATION: 'Bearer secret' }, expect: [200] });
    add(2, { headers: manyHeaders, body: '{}', expect: [200] });
    add(1, { body: '', expect: [200] });
    for (const b of BAD_BODIES) add(1, { body: b, expect: [200] });
    t.push(...frameTemplates('POST', {}));
    return t;
  }

  if (name === 'check-payment-status') {
    const q = (orderId, userId) => new URLSearchParams({ orderId, userId }).toString();
    const finished = createOrder(alice);
    addPayment(finished, { status: 'finished' });
    // A payment NOWPayments does not know, our copy an hour old: every read tries a refresh, which fails.
    const waiting = createOrder(alice);
    backdate(addPayment(waiting, { status: 'waiting', createdAt: "now() - interval '1 hour'" }));
    const unpaid = createOrder(alice, { type: 'two_step', size: 25000, platform: 'mt5', amount: 999 });
    const bobs = createOrder(bob);
    addPayment(bobs);
    const local = [
      { method: 'GET', query: q(finished, alice.id), headers: aliceH, expect: [200] },
      { method: 'GET', query: q(finished, alice.id), headers: aliceH, expect: [200] },
      { method: 'GET', query: q(finished, alice.id), headers: bearer(boss.token), expect: [200] },
      { method: 'GET', query: q(finished, alice.id), headers: serviceH, expect: [200] },
      { method: 'GET', query: q(finished, alice.id), headers: { HTTP_APIKEY: SECRET_KEY }, expect: [200] },
      { method: 'GET', query: q(unpaid, alice.id), headers: aliceH, expect: [400] },
      { method: 'GET', query: q(bobs, alice.id), headers: aliceH, expect: [404] },
      { method: 'GET', query: q(bobs, bob.id), headers: aliceH, expect: [403] },
      { method: 'GET', query: q("' OR 1=1 --", alice.id), headers: aliceH, expect: [404] },
      { method: 'GET', query: `orderId=${finished}`, headers: aliceH, expect: [400] },
      { method: 'GET', query: q(finished, alice.id), headers: bearer(ANON_KEY), expect: [403] },
      { method: 'GET', query: q(finished, alice.id), headers: { ...aliceH, ...manyHeaders }, expect: [200] },
      { method: 'GET', query: `${q(finished, alice.id)}${'&x=1'.repeat(500)}`, headers: aliceH, expect: [200] },
      ...badCreds.map((headers) => ({ method: 'GET', query: q(finished, alice.id), headers, expect: [401] })),
      ...frameTemplates('GET', aliceH),
    ];
    if (rss) return local;
    // A payment the simulator knows, older than the refresh age: refreshed from NOWPayments.
    const live = await buy(alice);
    backdate(live.payment.payment_id);
    return [...local,
      { method: 'GET', query: q(live.order.order_id, alice.id), headers: aliceH, expect: [200] },
      { method: 'GET', query: q(waiting, alice.id), headers: aliceH, expect: [200] }];
  }

  if (name === 'create-order') {
    sql(`insert into discount_codes (code, percent_off, active) values ('MEMCHECK10', 10, true) on conflict do nothing`);
    // a few hundred orders with a code from one customer: far beyond the hourly limit of code
    // attempts (0017), which is not what this run measures; put back when the run ends
    const [[limit]] = sql('select discount_attempts_per_hour from order_settings');
    sql('update order_settings set discount_attempts_per_hour = 100000');
    restoreSettings = () => sql(`update order_settings set discount_attempts_per_hour = :'p1'`, limit);
    const valid = { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' };
    add(8, { body: JSON.stringify(valid), headers: aliceH, expect: [201] });
    add(2, { body: JSON.stringify({ ...valid, discountCode: 'memcheck10' }), headers: aliceH, expect: [201] });
    add(1, { body: JSON.stringify({ ...valid, discountCode: "' OR 1=1 --" }), headers: aliceH, expect: [400] });
    add(1, { body: JSON.stringify({ ...valid, accountSize: 12345 }), headers: aliceH, expect: [400] });
    for (const k of Object.keys(valid)) for (const v of WRONG) t.push({ body: setRaw(valid, k, v), headers: aliceH, expect: [400] });
    for (const b of BAD_BODIES) t.push({ body: b, headers: aliceH, expect: [b.length > 65536 ? 413 : 400] });
    for (const headers of badCreds) t.push({ body: JSON.stringify(valid), headers, expect: [401] });
    t.push({ body: JSON.stringify(valid), headers: serviceH, expect: [403] }, { body: JSON.stringify(valid), headers: bearer(ANON_KEY), expect: [403] });
    t.push(...frameTemplates('POST', aliceH));
    return t;
  }

  if (name === 'create-crypto-payment') {
    // Orders to pay, one statement; each first payment calls NOWPayments twice (invoice, payment).
    const orders = sql(`insert into orders (user_id, account_type, account_size, platform_type, amount, final_amount)
                        select :'p1', 'one_step', 10000, 'mt4', 649, 649 from generate_series(1, 120) returning order_id`, alice.id).map((r) => r[0]);
    const bobs = createOrder(bob);
    const body = (orderId, extra = {}) => JSON.stringify({ orderId, userId: alice.id, accountType: 'one_step', accountSize: 10000,
      platformType: 'mt4', cryptoCurrency: 'usdt_bsc', amount: 649, finalAmount: 649, ...extra });
    let next = 0;
    const fresh = () => orders[next++ % orders.length];
    // Faults first, one at a time (they are global to the simulator): NOWPayments errors.
    const serial = [];
    for (const mode of ['error500', 'html429', 'reset']) {
      serial.push({ before: () => sim('POST', '/_sim/faults', { mode, count: 1, paths: '/v1/invoice' }), body: body(fresh()), headers: aliceH, expect: [500] });
    }
    serial.push({ before: () => sim('DELETE', '/_sim/faults'), body: body(orders[0]), headers: aliceH, expect: [200] });
    const coins = ['usdt_bsc', 'btc', 'trx'];
    t.push({ dynamic: () => ({ body: body(fresh()), headers: aliceH, expect: [200] }) });
    t.push({ dynamic: () => ({ body: body(orders[Math.floor(Math.random() * Math.min(next, orders.length))] ?? orders[0], { cryptoCurrency: coins[next % 3] }), headers: aliceH, expect: [200] }) });
    add(2, { body: body(orders[0]), headers: aliceH, expect: [200] });
    t.push({ body: body(orders[0]), headers: serviceH, expect: [200] });
    t.push({ body: body(orders[0], { cryptoCurrency: 'doge' }), headers: aliceH, expect: [400] });
    t.push({ body: body(orders[0], { amount: 1 }), headers: aliceH, expect: [400] });
    t.push({ body: body(bobs), headers: aliceH, expect: [404] });
    t.push({ body: body(orders[0], { userId: bob.id }), headers: aliceH, expect: [403] });
    t.push({ body: body(orders[0], { userId: "' OR 1=1 --" }), headers: serviceH, expect: [400] });
    t.push({ body: body("' OR 1=1 --"), headers: aliceH, expect: [404] });
    for (const k of ['orderId', 'userId', 'accountSize', 'amount', 'finalAmount', 'cryptoCurrency']) {
      for (const v of ['orderId', 'userId', 'cryptoCurrency'].includes(k) ? STRING_WRONG : WRONG) t.push({ body: setRaw(JSON.parse(body(orders[0])), k, v), headers: aliceH, expect: [400] });
    }
    for (const b of BAD_BODIES) t.push({ body: b, headers: aliceH, expect: [b.length > 65536 ? 413 : 400] });
    for (const headers of badCreds) t.push({ body: body(orders[0]), headers, expect: [401] });
    t.push({ body: body(orders[0]), headers: bearer(ANON_KEY), expect: [403] });
    t.push(...frameTemplates('POST', aliceH));
    t.serial = serial;
    return t;
  }

  if (name === 'payment-webhook') {
    const purchases = [];
    for (let i = 0; i < 20; i++) {
      const orderId = createOrder(alice);
      const paymentId = addPayment(orderId, { status: 'waiting' });
      purchases.push({ order: { order_id: orderId, final_amount: 649 }, payment: { payment_id: paymentId, pay_amount: 0.0245, pay_currency: 'btc', pay_address: 'bc1qtestaddress' } });
    }
    const statuses = ['waiting', 'confirming', 'partially_paid', 'confirming', 'expired'];
    let k = 0;
    const signed = (payload) => { const s = sign(payload); return { body: s.body, headers: { HTTP_X_NOWPAYMENTS_SIG: s.sig } }; };
    t.push({ dynamic: () => { const p = purchases[k % 20]; return { ...signed(ipnFor(p, statuses[k++ % 5], { updated_at: 1700000000000 + k })), expect: [200] }; } });
    t.push({ dynamic: () => ({ ...signed(ipnFor(purchases[0], 'waiting', { updated_at: 1700000000000 })), expect: [200] }) }); // duplicate
    t.push({ dynamic: () => ({ ...signed({ payment_id: 9000000000 + (k++), payment_status: 'finished', order_id: null, price_amount: 649, price_currency: 'usd', pay_amount: 1, actually_paid: 1 }), expect: [200] }) });
    // Canonical form: the body with its keys in another order than the one signed.
    t.push({ dynamic: () => { const p = ipnFor(purchases[k % 20], 'waiting', { updated_at: 1700000000000 + (k++) }); const s = sign(p); return { body: JSON.stringify(p), headers: { HTTP_X_NOWPAYMENTS_SIG: s.sig }, expect: [200] }; } });
    const ipn = ipnFor(purchases[0], 'finished');
    const s = sign(ipn);
    t.push({ body: s.body, expect: [401] });
    t.push({ body: s.body, headers: { HTTP_X_NOWPAYMENTS_SIG: 'ab'.repeat(64) }, expect: [401] });
    t.push({ body: s.body, headers: { HTTP_X_NOWPAYMENTS_SIG: sign(ipn, 'wrong-secret').sig }, expect: [401] });
    t.push({ body: s.body.replace('"finished"', '"refunded"'), headers: { HTTP_X_NOWPAYMENTS_SIG: s.sig }, expect: [401] });
    t.push({ body: s.body, headers: { HTTP_X_NOWPAYMENTS_SIG: 'x'.repeat(10000) }, expect: [401] });
    for (const v of [true, [], {}, '', null]) t.push({ ...signed({ ...ipn, payment_id: v }), expect: [400] });
    t.push({ ...signed({ ...ipn, payment_status: 5 }), expect: [400] });
    // With a well-formed signature header, a body that breaks the strict rules is 400 whatever
    // the signature; the webhook's body cap is 16 KiB.
    for (const b of BAD_BODIES) t.push({ body: b, headers: { HTTP_X_NOWPAYMENTS_SIG: s.sig }, expect: [b.length > 16384 ? 413 : 400] });
    // Replays of the signature on a body JSON.parse reads as the signed one, and a large unsorted body.
    for (const [from, to] of [['"actually_paid":0.0245', '"actually_paid":0.02450'], ['{"actually_paid"', '{"order_id":"x","actually_paid"'],
      ['{"actually_paid"', '{"__proto__":{},"actually_paid"'], ['{"actually_paid"', '{"constructor":1,"actually_paid"']]) {
      t.push({ body: s.body.replace(from, to), headers: { HTTP_X_NOWPAYMENTS_SIG: s.sig }, expect: [400] });
    }
    t.push({ body: `${' '.repeat(5000)}${JSON.stringify(ipn)}`, headers: { HTTP_X_NOWPAYMENTS_SIG: s.sig }, expect: [401] });
    t.push({ ...signed({ ...ipn, payment_extra_ids: [1, 2, 3], updated_at: 1 }), expect: [200] });
    t.push(...frameTemplates('POST', { HTTP_X_NOWPAYMENTS_SIG: s.sig }));
    return t;
  }

  if (name === 'test-delivery') {
    const order = createOrder(alice);
    const paid = createOrder(alice, { size: 5000, amount: 399 });
    add(4, { body: JSON.stringify({ orderId: order }), headers: serviceH, expect: [200] });
    add(2, { body: JSON.stringify({ orderId: paid }), headers: { HTTP_APIKEY: SECRET_KEY }, expect: [200] });
    add(2, { body: JSON.stringify({ orderId: "' OR 1=1 --" }), headers: serviceH, expect: [200] });
    t.push({ body: '{}', headers: serviceH, expect: [400] });
    for (const v of STRING_WRONG) t.push({ body: setRaw({ orderId: order }, 'orderId', v), headers: serviceH, expect: [400] });
    for (const b of BAD_BODIES) t.push({ body: b, headers: serviceH, expect: [b.length > 65536 ? 413 : 400] });
    for (const headers of [aliceH, bearer(boss.token), bearer(ANON_KEY)]) t.push({ body: JSON.stringify({ orderId: order }), headers, expect: [403] });
    for (const headers of badCreds) t.push({ body: JSON.stringify({ orderId: order }), headers, expect: [401] });
    t.push(...frameTemplates('POST', serviceH));
    return t;
  }
  if (name === 'metrics') {
    const tokenH = bearer(process.env.FFX_METRICS_TOKEN ?? 'ffx-dev-metrics-token-not-for-production');
    add(6, { method: 'GET', headers: tokenH, expect: [200] });
    add(2, { method: 'GET', headers: serviceH, expect: [200] });
    add(2, { method: 'GET', headers: bearer(boss.token), expect: [200] });
    t.push({ method: 'GET', headers: { HTTP_APIKEY: SECRET_KEY }, expect: [200] });
    t.push({ method: 'GET', headers: { ...tokenH, ...manyHeaders }, expect: [200] });
    for (const headers of [aliceH, bearer(ANON_KEY)]) t.push({ method: 'GET', headers, expect: [403] });
    for (const headers of [...badCreds, bearer('x'.repeat(40)), { HTTP_AUTHORIZATION: tokenH.HTTP_AUTHORIZATION.slice(7) }]) {
      t.push({ method: 'GET', headers, expect: [401] });
    }
    t.push(...frameTemplates('GET', tokenH));
    return t;
  }
  if (name === 'admin') {
    // The operator console: reads, a CSV preview parsed in C, refusals by the SQL (bad argument,
    // unknown action, a change by GET), the sign-in exchange, and every kind of caller.
    const bossH = bearer(boss.token);
    const at = (p) => `/functions/v1/admin/${p}`;
    const csv = '\ufeffsize,platform,server,login,password,investor_password\r\n10000,mt4,"Srv, A",mem1,"p""w",i\r\n';
    add(4, { method: 'GET', path: at('me'), headers: bossH, expect: [200] });
    add(3, { method: 'GET', path: at('orders/list'), query: 'limit=5&status=completed&q=%40example', headers: bossH, expect: [200] });
    add(2, { method: 'GET', path: at('dashboard'), headers: bossH, expect: [200] });
    add(2, { method: 'GET', path: at('audit'), query: 'limit=3', headers: bossH, expect: [200] });
    add(2, { path: at('inventory/import'), headers: bossH, body: JSON.stringify({ csv, dry_run: true }), expect: [200] });
    add(1, { path: at('inventory/import'), headers: bossH, body: JSON.stringify({ csv: 'size,platform\n1,"x', dry_run: true }), expect: [400] });
    add(1, { path: at('orders/refund'), headers: bossH, body: JSON.stringify({ order_id: 'FFX000000001', amount: 'ten', reason: 'memcheck' }), expect: [400] });
    add(1, { path: at('orders/fly'), headers: bossH, body: '{}', expect: [404] });
    add(1, { method: 'GET', path: at('checkout/pause'), headers: bossH, expect: [400] });
    add(1, { path: at('login'), body: JSON.stringify({ link_id: '00000000-0000-4000-8000-000000000000', secret: 'x' }), expect: [401] });
    add(1, { path: at('login'), body: '{', expect: [400] });
    // (the long string and the lone surrogate are JSON objects: checkout.get ignores their key)
    for (const b of BAD_BODIES) t.push({ path: at('checkout/get'), body: b, headers: bossH, expect: [200, 400, 413] });
    for (const headers of badCreds) t.push({ method: 'GET', path: at('me'), headers, expect: [401] });
    for (const headers of [aliceH, serviceH, bearer(ANON_KEY)]) t.push({ method: 'GET', path: at('me'), headers, expect: [403] });
    t.push({ method: 'DELETE', path: at('me'), headers: bossH, expect: [405] });
    t.push({ method: 'OPTIONS', path: at('me'), headers: { HTTP_ACCESS_CONTROL_REQUEST_HEADERS: 'authorization, apikey' }, expect: [204] });
    t.push({ path: at('me'), headers: bossH, declaredLength: 16 * 1024 * 1024, expect: [413] });
    return t;
  }
  throw new Error(`no templates for ${name}`);
}

// ---- the run ----

const templates = await templatesFor(fn);
const statuses = {};
const unexpected = [];
let sent = 0;

async function one(tmpl) {
  const t = tmpl.dynamic ? tmpl.dynamic() : tmpl;
  let res;
  try {
    res = await run(t);
  } catch (e) {
    res = { ended: false, status: 0, body: String(e) };
  }
  sent++;
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  if (!res.ended || !t.expect.includes(res.status)) {
    unexpected.push(`${t.method ?? 'POST'} ?${(t.query ?? '').slice(0, 40)} ${String(t.body ?? '').slice(0, 60)} -> ${res.ended ? res.status : 'no END_REQUEST'} ${String(res.body).slice(0, 160)}`);
  }
}

// n requests cycling through the templates (shuffled once, deterministic order), CONCURRENCY in flight.
async function drive(n) {
  let i = 0;
  const worker = async () => { while (i < n) { const k = i++; await one(templates[(k * 7919) % templates.length]); } };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const vmRss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${workerPid}/status`, 'utf8'))[1]);
const t0 = Date.now();
const summary = { function: fn, templates: templates.length };
if (rss) {
  await drive(warmup);
  summary.rss_after_warmup_kib = vmRss();
  sent = 0;
  const t1 = Date.now();
  await drive(count);
  summary.rss_after_run_kib = vmRss();
  summary.growth_kib = summary.rss_after_run_kib - summary.rss_after_warmup_kib;
  summary.requests_measured = sent;
  summary.requests_per_s = Math.round(sent / ((Date.now() - t1) / 1000));
} else {
  for (const s of templates.serial ?? []) {
    await s.before();
    await one(s);
  }
  await drive(Math.max(0, count - sent));
  if (fn === 'create-crypto-payment') await sim('DELETE', '/_sim/faults'); // none may outlive this run
}
restoreSettings();
summary.sent = sent + (rss ? warmup : 0);
summary.statuses = statuses;
summary.seconds = Number(((Date.now() - t0) / 1000).toFixed(1));
summary.unexpected = unexpected.length;
console.log(JSON.stringify(summary));
for (const u of unexpected.slice(0, 15)) console.error(`unexpected: ${u}`);
process.exit(unexpected.length ? 1 : 0);
