// The real @supabase/supabase-js client against our nginx, as a frontend
// would use it: functions.invoke with a user's session token.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { API, apiFetch } from './lib/stack.mjs';
import { ANON_KEY, addPayment, createOrder, createUser } from './lib/identity.mjs';

const alice = createUser();
const mallory = createUser();
const order = createOrder(alice);
const paymentId = addPayment(order, { status: 'waiting' });

function clientFor(token) {
  // apiFetch: the client's requests go through the recorder of the OpenAPI check.
  const supabase = createClient(API, ANON_KEY, { auth: { persistSession: false, autoRefreshToken: false }, global: { fetch: apiFetch } });
  supabase.functions.setAuth(token);
  return supabase;
}

test('functions.invoke with the owner\'s token gets the order', async () => {
  const { data, error } = await clientFor(alice.token).functions.invoke(`check-payment-status?orderId=${order}&userId=${alice.id}`, { method: 'GET' });
  assert.equal(error, null);
  assert.equal(data.success, true);
  assert.equal(data.order.order_id, order);
  assert.equal(data.payment.payment_id, paymentId);
});

test("another user's token gets an error and no data", async () => {
  for (const userId of [alice.id, mallory.id]) {
    const { data, error } = await clientFor(mallory.token).functions.invoke(`check-payment-status?orderId=${order}&userId=${userId}`, { method: 'GET' });
    assert.equal(data, null);
    assert.ok(error, 'an error');
    assert.equal(error.name, 'FunctionsHttpError');
    assert.ok([403, 404].includes(error.context.status));
    const body = await error.context.json();
    assert.equal(body.success, false);
  }
});

test('a browser-style preflight passes', async () => {
  const res = await apiFetch(`${API}/functions/v1/check-payment-status?orderId=${order}&userId=${alice.id}`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, x-client-info, apikey, content-type' },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const allowed = res.headers.get('access-control-allow-headers').split(',').map((h) => h.trim().toLowerCase());
  for (const h of ['authorization', 'x-client-info', 'apikey', 'content-type']) assert.ok(allowed.includes(h), h);
  assert.match(res.headers.get('access-control-allow-methods'), /GET/);
});
