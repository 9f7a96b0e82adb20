// create-crypto-payment through nginx against the NOWPayments simulator.
import test from 'node:test';
import assert from 'node:assert/strict';
import { call, sim, sql } from './lib/stack.mjs';
import { ANON_KEY, SERVICE_ROLE_KEY, createUser } from './lib/identity.mjs';

const alice = createUser();
const bob = createUser();

async function newOrder(user = alice, product = { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' }) {
  const r = await call('create-order', { body: JSON.stringify(product), headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(r.status, 201, r.text);
  return r.json.order;
}

function paymentBody(order, user = alice, extra = {}) {
  return {
    orderId: order.order_id, userId: user.id, accountType: order.account_type, accountSize: order.account_size,
    platformType: order.platform_type, cryptoCurrency: 'usdt_bsc', amount: order.amount, finalAmount: order.final_amount, ...extra,
  };
}

const pay = (body, token = alice.token) => call('create-crypto-payment', {
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
});

const invoicesCreated = async () => (await sim('GET', '/_sim/calls')).filter((c) => c.method === 'POST' && c.path === '/v1/invoice').length;

const orderRow = (id) => sql(`select order_status, payment_status, delivery_status, invoice_id, payment_provider_id, crypto_currency, crypto_amount, crypto_address
                              from orders where order_id = :'p1'`, id)[0];

test('each of the six coins gets a checkout link and a deposit address', async () => {
  const coins = { usdt_bsc: 'usdtbsc', usdt_polygon: 'usdtmatic', usdt_trc20: 'usdttrc20', bnb: 'bnbbsc', btc: 'btc', trx: 'trx' };
  for (const [code, provider] of Object.entries(coins)) {
    const order = await newOrder();
    const r = await pay(paymentBody(order, alice, { cryptoCurrency: code }));
    assert.equal(r.status, 200, `${code}: ${r.text}`);
    assert.equal(r.json.success, true);
    assert.match(r.json.invoice_url, /^https:\/\/nowpayments\.io\/payment\/\?iid=\d{10}$/);
    const p = r.json.payment;
    assert.match(p.payment_id, /^\d{10}$/);
    assert.equal(typeof p.pay_amount, 'number');
    assert.ok(p.pay_amount > 0);
    assert.equal(p.pay_currency, provider);
    assert.ok(p.pay_address.length > 20);
    for (const k of ['qr_code', 'time_limit', 'expiration_date']) assert.equal(typeof p[k], 'string');
    const row = orderRow(order.order_id);
    assert.deepEqual(row.slice(0, 3), ['pending', 'pending', 'pending']);
    assert.equal(row[4], p.payment_id);
    assert.equal(row[5], provider);
    assert.equal(row[7], p.pay_address);
    assert.equal(sql(`select count(*) from payments where order_id = :'p1' and payment_id = :'p2'`, order.order_id, p.payment_id)[0][0], '1');
    assert.equal(sql(`select count(*) from payment_transactions where order_id = :'p1'`, order.order_id)[0][0], '1');
  }
});

test('a retry returns the same invoice and payment without calling NOWPayments', async () => {
  const order = await newOrder();
  const first = await pay(paymentBody(order));
  assert.equal(first.status, 200, first.text);
  await sim('DELETE', '/_sim/calls');
  const again = await pay(paymentBody(order));
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.invoice_url, first.json.invoice_url);
  assert.equal(again.json.payment.payment_id, first.json.payment.payment_id);
  assert.equal(again.json.payment.pay_address, first.json.payment.pay_address);
  assert.equal((await sim('GET', '/_sim/calls')).length, 0);
  // another coin: a new payment on the same invoice
  const btc = await pay(paymentBody(order, alice, { cryptoCurrency: 'btc' }));
  assert.equal(btc.status, 200, btc.text);
  assert.equal(btc.json.invoice_url, first.json.invoice_url);
  assert.notEqual(btc.json.payment.payment_id, first.json.payment.payment_id);
  assert.equal(await invoicesCreated(), 0);
});

test('20 concurrent calls for one order create exactly one invoice', async () => {
  const order = await newOrder();
  await sim('DELETE', '/_sim/calls');
  const results = await Promise.all(Array.from({ length: 20 }, () => pay(paymentBody(order))));
  for (const r of results) assert.equal(r.status, 200, r.text);
  assert.equal(new Set(results.map((r) => r.json.payment.payment_id)).size, 1);
  assert.equal(await invoicesCreated(), 1);
  assert.equal(sql(`select count(*) from payments where order_id = :'p1'`, order.order_id)[0][0], '1');
});

test('every error case of the contract', async () => {
  const order = await newOrder();
  const body = paymentBody(order);
  const cases = [
    [pay('{"orderId":'), 400, 'Invalid JSON'],
    [pay({}), 400, 'Missing required fields: orderId, userId, accountType, accountSize, platformType, cryptoCurrency, amount, finalAmount'],
    [pay({ ...body, orderId: undefined, userId: undefined }), 400, 'Missing required fields: orderId, userId'],
    [pay({ ...body, userId: bob.id }), 403, 'Unauthorized'],
    [pay(paymentBody(order, bob), bob.token), 404, 'Order not found'],
    [pay({ ...body, orderId: 'FFX000000000' }), 404, 'Order not found'],
    [pay({ ...body, cryptoCurrency: 'doge' }), 400, 'Unsupported currency: doge'],
    [pay({ ...body, amount: 1 }), 400, /amount/],
    [pay({ ...body, finalAmount: 1 }), 400, /final/i],
    [pay({ ...body, accountSize: 25000 }), 400, /size/i],
    [pay({ ...body, accountType: 'two_step' }), 400, /type/i],
    [pay({ ...body, platformType: 'mt5' }), 400, /platform/i],
    [pay({ ...body, amount: 'lots' }), 400, /^Invalid amount/],
    [call('create-crypto-payment', { body: JSON.stringify(body) }), 401, 'Unauthorized'],
    [pay(body, ANON_KEY), 403, 'Unauthorized'],
  ];
  for (const [promise, status, want] of cases) {
    const r = await promise;
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.success, false);
    if (want instanceof RegExp) assert.match(r.json.error, want); else assert.equal(r.json.error, want);
  }
  assert.deepEqual(orderRow(order.order_id).slice(0, 5), ['pending', 'pending', 'pending', '', '']);
  // the service role may pay for any user's order
  const service = await pay(paymentBody(order), SERVICE_ROLE_KEY);
  assert.equal(service.status, 200, service.text);
});

test('an order that is not payable is refused', async () => {
  const order = await newOrder();
  sql(`update orders set order_status = 'failed', payment_status = 'failed' where order_id = :'p1'`, order.order_id);
  const r = await pay(paymentBody(order));
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { success: false, error: 'Order is not in a payable state' });
});

test('each NOWPayments fault gives the seed 500 in time, leaves the order payable, and a retry succeeds', async () => {
  const timeoutMs = Number(process.env.FFX_NP_TIMEOUT_MS ?? 3000);
  for (const mode of ['error500', 'html429', 'reset', 'timeout', 'latency']) {
    const order = await newOrder();
    await sim('POST', '/_sim/faults', { mode, count: 1, latency_ms: timeoutMs + 2000, paths: '/v1/invoice' });
    const t0 = Date.now();
    const r = await pay(paymentBody(order));
    const took = Date.now() - t0;
    assert.equal(r.status, 500, `${mode}: ${r.text}`);
    assert.equal(r.json.success, false);
    assert.match(r.json.error, /^NowPayments error: /, mode);
    assert.ok(took < timeoutMs + 2000, `${mode} took ${took} ms`);
    assert.deepEqual(orderRow(order.order_id).slice(0, 5), ['pending', 'pending', 'pending', '', ''], mode);
    assert.equal(sql(`select count(*) from payments where order_id = :'p1'`, order.order_id)[0][0], '0');
    await sim('DELETE', '/_sim/faults');
    const retry = await pay(paymentBody(order));
    assert.equal(retry.status, 200, `${mode} retry: ${retry.text}`);
  }
});
