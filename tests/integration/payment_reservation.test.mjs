// create-crypto-payment calls NOWPayments with no transaction open and no row locked: a
// reservation of (order, coin) in the database (sql/migrations/0016_provider_calls.sql) decides
// who calls, a concurrent call for the same order and coin waits about 2 s at most (then 503 with
// Retry-After, or the payment the first call made), and a reservation whose holder stalled past
// the provider budget + 5 s is taken over. Whatever the timing: one invoice and one payment per
// order and coin in our database.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, STATE_DIR, call, sim, sleep, sql, waitFor } from './lib/stack.mjs';
import { createUser } from './lib/identity.mjs';
import { checkout, placeOrder } from './lib/commerce.mjs';

const run = promisify(execFile);
const product = { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' };
const alice = createUser();

const newOrder = (user = alice) => placeOrder(user, product);
const pay = (order, coin = 'usdt_bsc', user = alice) => checkout(user, order, coin);

async function timed(promise) {
  const t0 = performance.now();
  const r = await promise;
  return { ...r, ms: performance.now() - t0 };
}

const reservations = (orderId) => sql(`select pay_currency, holder, extract(epoch from expires_at - now()) from payment_reservations
                                        where order_id = :'p1'`, orderId);
const paymentRows = (orderId) => sql(`select payment_id, pay_currency, invoice_id from payments where order_id = :'p1' order by created_at`, orderId);
const invoiceOf = (orderId) => sql(`select coalesce(invoice_id, '') from orders where order_id = :'p1'`, orderId)[0][0];
const simCalls = async (orderId, path) => (await sim('GET', `/_sim/calls?method=POST&path=${path}`))
  .filter((c) => c.body?.order_id === orderId);

const logFile = path.join(STATE_DIR, 'log', 'create-crypto-payment.log');
const logSize = () => (fs.existsSync(logFile) ? fs.statSync(logFile).size : 0);
const logLinesSince = (offset) => fs.readFileSync(logFile, 'utf8').slice(offset).split('\n').filter(Boolean)
  .map((l) => { try { return JSON.parse(l); } catch { return {}; } });

// scripts/stack with extra environment (the functions inherit ours), asynchronously
async function stackWith(env, ...args) {
  await run(path.join(ROOT, 'scripts/stack'), args, { env: { ...process.env, ...env } });
}

// The provider timeout is production's 10 s in this file (the test stack's 3 s would leave the
// 2.7 s provider call below too little room on a busy machine); the stall test sets its own.
const PRODUCTION_TIMEOUT = { FFX_NP_TIMEOUT_MS: '10000' };
before(() => stackWith(PRODUCTION_TIMEOUT, 'fn-start', 'create-crypto-payment'));
after(() => stackWith({}, 'fn-start', 'create-crypto-payment'));

test('two concurrent calls for one order and coin: the second reuses the first one\'s payment', async (t) => {
  const order = await newOrder();
  await sim('POST', '/_sim/faults', { mode: 'latency', latency_ms: 800, count: 1, paths: '/v1/invoice$' });
  const first = timed(pay(order));
  assert.ok(await waitFor(() => reservations(order.order_id).length === 1, { stepMs: 10 }), 'the first call reserved');
  const second = await timed(pay(order));
  const one = await first;
  assert.equal(one.status, 200, one.text);
  assert.equal(second.status, 200, second.text);
  assert.equal(second.json.payment.payment_id, one.json.payment.payment_id, 'the same payment');
  assert.equal(second.json.invoice_url, one.json.invoice_url, 'the same invoice');
  assert.ok(second.ms < 2000, `the second call waited ${second.ms.toFixed(0)} ms`);
  t.diagnostic(`the first call took ${one.ms.toFixed(0)} ms (0.8 s at NOWPayments); the second reused its payment after ${second.ms.toFixed(0)} ms`);
  assert.equal((await simCalls(order.order_id, '/v1/invoice$')).length, 1, 'one invoice at NOWPayments');
  assert.equal((await simCalls(order.order_id, '/v1/invoice-payment$')).length, 1, 'one payment at NOWPayments');
  assert.equal(paymentRows(order.order_id).length, 1, 'one payment recorded');
  assert.equal(reservations(order.order_id).length, 0, 'nothing left reserved');
});

test('a call for an order and coin another call is at NOWPayments for: 503 with Retry-After after about 2 s', async (t) => {
  const order = await newOrder();
  // slower than the 2 s wait, faster than the provider timeout
  await sim('POST', '/_sim/faults', { mode: 'latency', latency_ms: 2700, count: 1, paths: '/v1/invoice$' });
  const first = timed(pay(order));
  assert.ok(await waitFor(() => reservations(order.order_id).length === 1, { stepMs: 10 }), 'the first call reserved');
  // (the stack runs two workers: the first call holds one, this one gets the other)
  const second = await timed(pay(order));
  assert.equal(second.status, 503, second.text);
  assert.equal(second.json.success, false);
  assert.equal(second.json.error, 'Service unavailable');
  assert.match(second.json.request_id, /^[0-9a-f]{32}$/);
  assert.equal(second.headers.get('retry-after'), '2');
  assert.ok(second.ms >= 1700 && second.ms < 2700, `answered after ${second.ms.toFixed(0)} ms`);
  const one = await first;
  t.diagnostic(`the first call took ${one.ms.toFixed(0)} ms (2.7 s at NOWPayments); the second answered 503 after ${second.ms.toFixed(0)} ms`);
  assert.equal(one.status, 200, one.text);
  const retry = await pay(order);
  assert.equal(retry.status, 200, retry.text);
  assert.equal(retry.json.payment.payment_id, one.json.payment.payment_id, 'the retry gets the payment');
  const btc = await pay(order, 'btc');
  assert.equal(btc.status, 200, btc.text);
  assert.equal(btc.json.invoice_url, one.json.invoice_url, 'the other coin goes on the same invoice');
  assert.equal((await simCalls(order.order_id, '/v1/invoice$')).length, 1, 'one invoice at NOWPayments');
  assert.deepEqual(paymentRows(order.order_id).map((p) => p[1]), ['usdtbsc', 'btc'], 'one payment per coin');
});

test('a NOWPayments failure releases the reservation: the order is payable at once', async () => {
  const order = await newOrder();
  await sim('POST', '/_sim/faults', { mode: 'error500', count: 1, paths: '/v1/invoice-payment$' });
  const failed = await pay(order);
  assert.equal(failed.status, 500, failed.text);
  assert.match(failed.json.error, /^NowPayments error: /);
  assert.equal(reservations(order.order_id).length, 0, 'no reservation left behind');
  const t0 = performance.now();
  const retry = await pay(order);
  assert.equal(retry.status, 200, retry.text);
  assert.ok(performance.now() - t0 < 1500, 'the retry did not wait for anything');
  assert.equal(paymentRows(order.order_id).length, 1);
});

test('a worker that stalls holding a reservation: taken over after the budget + 5 s; one invoice, one payment', { timeout: 120000 }, async (t) => {
  // FFX_NP_TIMEOUT_MS=1000: a provider budget of 2 s, so a reservation expires 7 s after it was
  // taken. Every worker stops itself (SIGSTOP) after NOWPayments answered, before recording.
  await stackWith({ FFX_NP_TIMEOUT_MS: '1000', FFX_FAILPOINT: 'payment-before-record:stop' }, 'fn-start', 'create-crypto-payment');
  const stopped = [];
  try {
    const order = await newOrder();
    let offset = logSize();
    const stalledCall = timed(pay(order)); // worker A: reserves, creates invoice + payment, stalls
    const stopLine = async () => logLinesSince(offset).find((l) => l.msg === 'failpoint payment-before-record reached: stopping until SIGCONT');
    const a = await waitFor(stopLine, { timeoutMs: 10000 });
    assert.ok(a, 'worker A stopped before recording');
    stopped.push(a.pid);
    const [[coin, holder, leftS]] = reservations(order.order_id);
    assert.equal(coin, 'usdtbsc');
    assert.match(holder, new RegExp(`:${a.pid}:[0-9a-f]{32}$`), 'the reservation names the stalled worker');
    assert.ok(Number(leftS) > 4 && Number(leftS) <= 7, `it expires in ${leftS} s (budget 2 s + 5 s)`);

    // meanwhile (worker B): 503 after about 2 s, the reservation is still A's; for another coin
    // too, as A is creating the order's invoice
    for (const coin of ['usdt_bsc', 'btc']) {
      const early = await timed(pay(order, coin));
      assert.equal(early.status, 503, `${coin}: ${early.text}`);
      assert.equal(early.headers.get('retry-after'), '2');
      assert.ok(early.ms >= 1700 && early.ms < 2700, `${coin}: answered after ${early.ms.toFixed(0)} ms`);
    }

    // after the expiry worker B takes over, and stalls at the same point
    assert.ok(await waitFor(() => Number(reservations(order.order_id)[0][2]) < 0, { timeoutMs: 10000, stepMs: 100 }), 'expired');
    offset = logSize();
    const takeover = timed(pay(order));
    const b = await waitFor(stopLine, { timeoutMs: 10000 });
    assert.ok(b, 'worker B reached the same point');
    stopped.push(b.pid);
    assert.notEqual(b.pid, a.pid);
    assert.ok(logLinesSince(offset).some((l) => l.msg === 'took over an expired reservation' && l.order_id === order.order_id
      && l.previous_holder === holder), 'the takeover is logged with the previous holder');

    // B records first, then the stalled A wakes up
    process.kill(b.pid, 'SIGCONT');
    const taken = await takeover;
    assert.equal(taken.status, 200, taken.text);
    offset = logSize();
    process.kill(a.pid, 'SIGCONT');
    const late = await stalledCall;
    assert.equal(late.status, 200, late.text);
    assert.equal(late.json.payment.payment_id, taken.json.payment.payment_id, 'the late first call answers the payment that was recorded');
    assert.ok(logLinesSince(offset).some((l) => /reservation taken over meanwhile/.test(l.msg ?? '')), 'the orphan is logged');

    const rows = paymentRows(order.order_id);
    assert.equal(rows.length, 1, 'exactly one payment recorded');
    assert.equal(rows[0][0], taken.json.payment.payment_id);
    assert.equal(`https://nowpayments.io/payment/?iid=${invoiceOf(order.order_id)}`, taken.json.invoice_url, 'the taker\'s invoice is the order\'s one invoice');
    assert.equal(reservations(order.order_id).length, 0, 'nothing left reserved');
    // what NOWPayments holds: A's invoice and payment are orphans nobody was shown
    const invoices = await simCalls(order.order_id, '/v1/invoice$');
    const payments = await simCalls(order.order_id, '/v1/invoice-payment$');
    t.diagnostic(`NOWPayments got ${invoices.length} invoices and ${payments.length} payments for the order; we recorded 1 and 1`);
    assert.equal(invoices.length, 2);
    assert.equal(payments.length, 2);
  } finally {
    for (const pid of stopped) { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } }
    await stackWith(PRODUCTION_TIMEOUT, 'fn-start', 'create-crypto-payment'); // disarmed
  }
});

test('banned and suspended customers cannot get a deposit address', async () => {
  for (const status of ['banned', 'suspended']) {
    const user = createUser();
    const order = await newOrder(user);
    sql(`update user_profiles set account_status = :'p1' where id = :'p2'`, status, user.id);
    const r = await pay(order, 'usdt_bsc', user);
    assert.equal(r.status, 403, `${status}: ${r.text}`);
    assert.deepEqual(r.json, { success: false, error: 'Account is suspended or banned' });
    assert.equal(paymentRows(order.order_id).length, 0);
    assert.equal((await simCalls(order.order_id, '/v1/invoice')).length, 0, `${status}: NOWPayments was not called`);
  }
});

test('a discount code\'s last use is held before NOWPayments is asked, and given back when the call fails', async () => {
  const code = `LAST${process.pid}${Date.now() % 100000}`;
  sql(`insert into discount_codes (code, percent_off, max_uses) values (:'p1', 10, 1)`, code);
  const bob = createUser();
  const orderWithCode = async (user) => {
    const r = await call('create-order', { body: JSON.stringify({ ...product, discountCode: code }), headers: { authorization: `Bearer ${user.token}` } });
    assert.equal(r.status, 201, r.text);
    return r.json.order;
  };
  const counts = () => sql(`select uses, held from discount_codes where code = :'p1'`, code)[0].join('/');
  const mine = await orderWithCode(alice);
  const his = await orderWithCode(bob);
  assert.equal(counts(), '0/0', 'orders take no use');

  await sim('POST', '/_sim/faults', { mode: 'error500', count: 1, paths: '/v1/invoice$' });
  const failed = await pay(mine);
  assert.equal(failed.status, 500, failed.text);
  assert.equal(counts(), '0/0', 'the failed call gave the hold back');

  const invoicesBefore = (await sim('GET', '/_sim/calls?method=POST&path=/v1/invoice$')).length;
  const bobs = await pay(his, 'usdt_bsc', bob);
  assert.equal(bobs.status, 200, bobs.text);
  assert.equal(counts(), '0/1', 'bob\'s open payment holds the last use');
  const refused = await pay(mine);
  assert.equal(refused.status, 400, refused.text);
  assert.deepEqual(refused.json, { success: false, error: 'Invalid discount code' });
  assert.equal((await sim('GET', '/_sim/calls?method=POST&path=/v1/invoice$')).length - invoicesBefore, 1,
    'NOWPayments was asked for bob\'s invoice only');
  assert.equal(reservations(mine.order_id).length, 0, 'the refusal reserved nothing');
});
