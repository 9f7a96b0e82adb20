// create-order: server-side prices, field validation, identity from the token.
import test from 'node:test';
import assert from 'node:assert/strict';
import { call, sql } from './lib/stack.mjs';
import { ANON_KEY, SERVICE_ROLE_KEY, createUser } from './lib/identity.mjs';

const alice = createUser();
const order = (body, token = alice.token) => call('create-order', {
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
});

test('201 with the server-set id and price, whatever the client sends', async () => {
  const r = await order({ accountType: 'one_step', accountSize: 10000, platformType: 'mt4', amount: 1, finalAmount: 1, userId: 'someone-else', orderId: 'FFX000000001' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.success, true);
  const o = r.json.order;
  assert.match(o.order_id, /^FFX\d{9}$/);
  assert.notEqual(o.order_id, 'FFX000000001');
  assert.equal(o.amount, 649);
  assert.equal(o.final_amount, 649);
  assert.equal(o.discount_amount, 0);
  assert.deepEqual([o.order_status, o.payment_status, o.delivery_status], ['pending', 'pending', 'pending']);
  assert.equal(sql(`select user_id from orders where order_id = :'p1'`, o.order_id)[0][0], alice.id);
});

test('discount codes lower the price; invalid codes are refused', async () => {
  sql(`insert into discount_codes (code, percent_off, active) values ('WELCOME10', 10, true) on conflict do nothing`);
  const r = await order({ accountType: 'one_step', accountSize: 10000, platformType: 'mt4', discountCode: 'welcome10' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.order.final_amount, 584.1);
  assert.equal(r.json.order.discount_code, 'WELCOME10');
  const bad = await order({ accountType: 'one_step', accountSize: 10000, platformType: 'mt4', discountCode: 'NOPE' });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { success: false, error: 'Invalid discount code' });
});

test('invalid values get 400 naming the field and create nothing', async () => {
  const before = sql(`select count(*) from orders where user_id = :'p1'`, alice.id)[0][0];
  const cases = [
    ['{', 'Invalid JSON'],
    ['[]', 'Invalid JSON'],
    [{}, 'Missing required fields: accountType, accountSize, platformType'],
    [{ accountType: 'one_step', platformType: 'mt4' }, 'Missing required fields: accountSize'],
    [{ accountType: 'gold', accountSize: 10000, platformType: 'mt4' }, /^Invalid accountType/],
    [{ accountType: 'one_step', accountSize: 'ten', platformType: 'mt4' }, /^Invalid accountSize/],
    [{ accountType: 'one_step', accountSize: 10000.5, platformType: 'mt4' }, /^Invalid accountSize/],
    [{ accountType: 'one_step', accountSize: -5, platformType: 'mt4' }, /^Invalid accountSize/],
    [{ accountType: 'one_step', accountSize: 1e308, platformType: 'mt4' }, /^Invalid accountSize/],
    [{ accountType: 'one_step', accountSize: 10000, platformType: 'mt6' }, /^Invalid platformType/],
    [{ accountType: 'one_step', accountSize: 10000, platformType: 'mt4', discountCode: 42 }, /^Invalid discountCode/],
    [{ accountType: 'one_step', accountSize: 12345, platformType: 'mt4' }, 'Product not available'],
    [{ accountType: ["one_step"], accountSize: 10000, platformType: 'mt4' }, /^Invalid accountType/],
  ];
  for (const [body, want] of cases) {
    const r = await order(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.success, false);
    if (want instanceof RegExp) assert.match(r.json.error, want); else assert.equal(r.json.error, want);
  }
  assert.equal(sql(`select count(*) from orders where user_id = :'p1'`, alice.id)[0][0], before);
});

test('only a user token may create an order', async () => {
  const body = { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' };
  assert.equal((await call('create-order', { body: JSON.stringify(body) })).status, 401);
  assert.equal((await order(body, ANON_KEY)).status, 403);
  assert.equal((await order(body, SERVICE_ROLE_KEY)).status, 403);
});
