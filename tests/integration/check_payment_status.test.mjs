// check-payment-status: every case of the seed's contract, and the identity
// rules (401 for missing, forged and expired tokens; 403 for another user;
// RLS hiding other users' orders).
import test from 'node:test';
import assert from 'node:assert/strict';
import { call } from './lib/stack.mjs';
import { ANON_KEY, SECRET_KEY, SERVICE_ROLE_KEY, addPayment, createOrder, createUser, signHS256, userClaims } from './lib/identity.mjs';

const alice = createUser();
const bob = createUser();
const boss = createUser({ isAdmin: true });
const paidOrder = createOrder(alice);
const oldPayment = addPayment(paidOrder, { status: 'expired', createdAt: "now() - interval '1 hour'" });
const newPayment = addPayment(paidOrder, { status: 'confirming', payAmount: 0.02456789 });
const unpaidOrder = createOrder(alice, { type: 'two_step', size: 25000, platform: 'mt5', amount: 999 });
const bobsOrder = createOrder(bob);
addPayment(bobsOrder);

const check = (orderId, userId, headers = {}, method = 'GET') => {
  const params = new URLSearchParams();
  if (orderId !== undefined) params.set('orderId', orderId);
  if (userId !== undefined) params.set('userId', userId);
  return call('check-payment-status', { method, query: `?${params}`, headers });
};
const bearer = (token) => ({ authorization: `Bearer ${token}` });

test('200 with the order and its newest payment', async () => {
  const r = await check(paidOrder, alice.id, bearer(alice.token));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.success, true);
  const { order, payment } = r.json;
  assert.equal(order.order_id, paidOrder);
  assert.match(order.order_id, /^FFX\d{9}$/);
  for (const k of ['order_status', 'payment_status', 'delivery_status']) assert.equal(order[k], 'pending');
  assert.equal(order.account_type, 'one_step');
  assert.equal(order.account_size, 10000);
  assert.equal(order.platform_type, 'mt4');
  assert.equal(order.amount, 649);
  assert.equal(order.final_amount, 649);
  assert.match(order.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(order.user_id, undefined);
  assert.equal(payment.payment_id, newPayment);
  assert.notEqual(payment.payment_id, oldPayment);
  assert.equal(payment.payment_status, 'confirming');
  assert.equal(payment.pay_amount, 0.02456789);
  assert.equal(payment.actually_paid, 0);
  assert.equal(payment.pay_currency, 'btc');
  assert.equal(payment.pay_address, 'bc1qtestaddress');
  assert.equal(payment.order_id, paidOrder);
});

test('missing parameters: 400 with the seed message', async () => {
  for (const [o, u] of [[undefined, alice.id], [paidOrder, undefined], [undefined, undefined], ['', alice.id]]) {
    const r = await check(o, u, bearer(alice.token));
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { success: false, error: 'Missing required parameters: orderId and userId' });
  }
});

test('no, forged, expired or malformed credentials: 401 with WWW-Authenticate', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = {
    none: {},
    forged: bearer(signHS256(userClaims(alice), 'not-the-secret-but-long-enough-to-look-real')),
    expired: bearer(signHS256(userClaims(alice, { iat: now - 7200, exp: now - 3600 }))),
    'alg none': bearer(signHS256(userClaims(alice)).replace(/^[^.]+/, Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'))),
    'wrong audience': bearer(signHS256(userClaims(alice, { aud: 'somebody-else' }))),
    'not bearer': { authorization: `Basic ${alice.token}` },
    garbage: bearer('abc.def'),
    'unknown secret key': { apikey: 'sb_secret_not_a_key_we_know' },
  };
  for (const [name, headers] of Object.entries(cases)) {
    const r = await check(paidOrder, alice.id, headers);
    assert.equal(r.status, 401, name);
    assert.deepEqual(r.json, { success: false, error: 'Unauthorized' }, name);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer', name);
  }
});

test('userId that is not the caller: 403 Unauthorized', async () => {
  const r = await check(paidOrder, alice.id, bearer(bob.token));
  assert.equal(r.status, 403);
  assert.deepEqual(r.json, { success: false, error: 'Unauthorized' });
});

test("another user's order is not found, even with the caller's own userId", async () => {
  const r = await check(paidOrder, bob.id, bearer(bob.token));
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, { success: false, error: 'Order not found' });
  const missing = await check('FFX000000000', alice.id, bearer(alice.token));
  assert.equal(missing.status, 404);
});

test('an order without a payment: 400 No payment found for this order', async () => {
  const r = await check(unpaidOrder, alice.id, bearer(alice.token));
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { success: false, error: 'No payment found for this order' });
});

test('admins and the service role may read any user\'s order', async () => {
  for (const [name, headers] of [['admin', bearer(boss.token)], ['service_role bearer', bearer(SERVICE_ROLE_KEY)],
    ['service_role apikey', { apikey: SERVICE_ROLE_KEY }], ['sb_secret apikey', { apikey: SECRET_KEY }]]) {
    const r = await check(paidOrder, alice.id, headers);
    assert.equal(r.status, 200, name);
    assert.equal(r.json.payment.payment_id, newPayment, name);
    // the order must still belong to the userId given
    const wrongUser = await check(paidOrder, bob.id, headers);
    assert.equal(wrongUser.status, 404, name);
  }
});

test('the anon key is a valid credential of the wrong role: 403', async () => {
  for (const headers of [bearer(ANON_KEY), { apikey: ANON_KEY }]) {
    const r = await check(paidOrder, alice.id, headers);
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { success: false, error: 'Unauthorized' });
  }
});

test('other methods: 405; preflight: 204 without auth', async () => {
  const r = await check(paidOrder, alice.id, bearer(alice.token), 'POST');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, OPTIONS');
  const pre = await check(paidOrder, alice.id, { 'access-control-request-method': 'GET', origin: 'http://localhost:3000' }, 'OPTIONS');
  assert.equal(pre.status, 204);
});

test('injection strings in the parameters change nothing and find nothing', async () => {
  for (const evil of ["FFX' OR '1'='1", "'; drop table orders; --", '%00', 'FFX123456789\u0000']) {
    const r = await check(evil, alice.id, bearer(alice.token));
    assert.ok([400, 404].includes(r.status), evil);
    assert.equal(r.json.success, false);
  }
  const ok = await check(paidOrder, alice.id, bearer(alice.token));
  assert.equal(ok.status, 200);
});
