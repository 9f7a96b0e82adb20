// Never for free: an order is delivered only when the money NOWPayments reports as received for
// it covers what it asked (parent plus repeated deposits, same asset, exact decimals, within the
// underpayment tolerance), and only to a customer who may buy. Everything goes through nginx,
// the webhook and PostgreSQL, with IPNs the simulator signs as NOWPayments does; the operator's
// way out of a hold is the real ffx-admin.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { API, BUILD_DIR, STATE_DIR, sim, sql, waitFor } from './lib/stack.mjs';
import { createUser } from './lib/identity.mjs';
import { addStock, buy, deliveries, ipnFor, mailsTo, orderState, sendIpn } from './lib/commerce.mjs';

// Accounts are added only where a delivery is expected, one for each order already waiting for
// the product (the stock trigger serves those first) plus one, so no account of ours is left for
// another test's orders.
const PRODUCT = { type: 'one_step', size: 50000, platform: 'mt4' };
const TOLERANCE = 0.005; // the default of payment_settings.underpay_tolerance
const ADMIN_BIN = path.join(BUILD_DIR, 'bin', 'ffx-admin');
const operator = createUser({ isAdmin: true });

// ffx-admin in API mode with the operator's own token, as in production: the audit names them.
function cli(...args) {
  const r = spawnSync(ADMIN_BIN, args, {
    encoding: 'utf8', env: { ...process.env, FFX_ADMIN_TOKEN: operator.token, FFX_API_URL: API, FFX_ADMIN_DIRECT: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The simulator drives the payment (and, with child, a repeated or wrong-asset deposit to its
// address) and posts each signed IPN to the webhook; every one must be answered 200.
async function advance(paymentId, body) {
  const r = await sim('POST', `/_sim/payments/${paymentId}/advance`, body);
  assert.ok(Array.isArray(r.deliveries), JSON.stringify(r));
  for (const d of r.deliveries) assert.equal(d.http_status, 200, JSON.stringify(r));
  return r;
}

const detail = (orderId) => JSON.parse(sql(`select coalesce(attention_detail, 'null') from orders where order_id = :'p1'`, orderId)[0][0]);
const paidAt = (orderId) => sql(`select coalesce(paid_at::text, 'none') from orders where order_id = :'p1'`, orderId)[0][0];
const reviewMails = async (email) => (await mailsTo(email)).filter((m) => /being reviewed/.test(m.subject ?? ''));

async function purchase() {
  const user = createUser();
  const p = await buy(user, PRODUCT);
  return { user, p, id: p.order.order_id, payAmount: Number(p.payment.pay_amount) };
}

function stockOne() {
  const [[waiting]] = sql(`select count(*) from orders_waiting_for_stock where account_size = :'p1' and platform_type = :'p2'`,
    PRODUCT.size, PRODUCT.platform);
  addStock(PRODUCT.size, PRODUCT.platform, Number(waiting) + 1, 'MI');
}

test('a finished payment of half the amount delivers nothing and is held for review', async () => {
  const { user, p, id, payAmount } = await purchase();
  await advance(p.payment.payment_id, { statuses: [{ status: 'finished', actually_paid: payAmount / 2 }] });
  assert.deepEqual(orderState(id), { order: 'processing', payment: 'pending', delivery: 'pending', attention: 'underpaid' });
  assert.deepEqual(deliveries(id), []);
  assert.equal(paidAt(id), 'none');
  const d = detail(id);
  assert.equal(d.verdict, 'underpaid');
  assert.equal(Number(d.asked), payAmount);
  assert.equal(Number(d.received), payAmount / 2);
  assert.equal(d.currency, p.payment.pay_currency);
  assert.equal(d.payments.length, 1);
  assert.equal(d.payments[0].payment_id, String(p.payment.payment_id));
  // (an empty list is truthy: wait for one that is not)
  const mails = await waitFor(async () => { const m = await reviewMails(user.email); return m.length ? m : null; }, { timeoutMs: 10000 }) ?? [];
  assert.equal(mails.length, 1, 'the customer is told the payment is under review');
  assert.ok(mails[0].text.includes(id));
});

test('the webhook\'s log line says what the database made of the money', async () => {
  const { p, id, payAmount } = await purchase();
  const r = await sendIpn(ipnFor(p, 'finished', { actually_paid: payAmount / 4 }));
  assert.equal(r.status, 200, r.text);
  const requestId = r.headers.get('x-request-id');
  const lines = fs.readFileSync(path.join(STATE_DIR, 'log', 'payment-webhook.log'), 'utf8').split('\n')
    .filter((l) => l.includes(requestId)).map((l) => JSON.parse(l));
  const stored = lines.find((l) => l.msg === 'IPN stored');
  assert.ok(stored, JSON.stringify(lines));
  assert.equal(stored.matched_order_id, id);
  assert.equal(stored.verdict, 'underpaid');
  assert.equal(stored.needs_attention, 'underpaid');
  assert.equal(stored.delivered, 0);
});

test('a shortfall within the tolerance delivers', async () => {
  const { p, id, payAmount } = await purchase();
  const paid = Number((payAmount * (1 - TOLERANCE / 2)).toFixed(8));
  stockOne();
  await advance(p.payment.payment_id, { statuses: [{ status: 'finished', actually_paid: paid }] });
  assert.deepEqual(orderState(id), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: '' });
  assert.equal(deliveries(id).length, 1);
});

test('a shortfall just beyond the tolerance does not deliver', async () => {
  const { p, id, payAmount } = await purchase();
  const paid = Number((payAmount * (1 - 2 * TOLERANCE)).toFixed(8));
  await advance(p.payment.payment_id, { statuses: [{ status: 'finished', actually_paid: paid }] });
  assert.equal(orderState(id).attention, 'underpaid');
  assert.deepEqual(deliveries(id), []);
});

test('a partially paid parent completed by a repeated deposit without order_id delivers once', async () => {
  const { p, id, payAmount } = await purchase();
  await advance(p.payment.payment_id, { statuses: ['confirming', 'partially_paid'] });
  assert.deepEqual(orderState(id), { order: 'processing', payment: 'pending', delivery: 'pending', attention: 'partially_paid' });
  assert.deepEqual(deliveries(id), []);

  const rest = Number((payAmount - payAmount / 2).toFixed(8));
  stockOne();
  const child = await advance(p.payment.payment_id, { child: true, statuses: ['confirming', { status: 'finished', actually_paid: rest }], duplicates: 1 });
  assert.equal(String(child.parent_payment_id), String(p.payment.payment_id));
  const [sent] = await sim('GET', `/_sim/ipns?payment_id=${child.payment_id}`).then((all) => all.filter((i) => i.payment_status === 'finished'));
  assert.equal(JSON.parse(sent.body).order_id, null, 'the repeated deposit is reported without our order id');

  assert.deepEqual(orderState(id), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: '' });
  assert.equal(deliveries(id).length, 1, 'one account, whatever the duplicates');
  assert.deepEqual(sql(`select payment_id, counted from payments where order_id = :'p1' order by created_at`, id),
    [[String(p.payment.payment_id), 't'], [String(child.payment_id), 't']]);
});

test('a 1-unit deposit to the address of an expired payment delivers nothing', async () => {
  const { p, id } = await purchase();
  await advance(p.payment.payment_id, { statuses: ['expired'] });
  assert.deepEqual(orderState(id), { order: 'failed', payment: 'failed', delivery: 'pending', attention: '' });
  const child = await advance(p.payment.payment_id, { child: true, statuses: [{ status: 'finished', actually_paid: 1 }] });
  assert.equal(child.payment_status, 'finished');
  assert.deepEqual(deliveries(id), []);
  const s = orderState(id);
  assert.equal(s.attention, 'underpaid');
  assert.notEqual(s.payment, 'paid');
  assert.equal(paidAt(id), 'none');
  assert.equal(Number(detail(id).received), 1);
});

test('a repeated deposit after the order was paid gives no second account and is flagged for refund', async () => {
  const { p, id } = await purchase();
  stockOne();
  await advance(p.payment.payment_id, { statuses: ['finished'] });
  assert.equal(deliveries(id).length, 1);
  const child = await advance(p.payment.payment_id, { child: true, statuses: ['finished'] });
  assert.equal(deliveries(id).length, 1);
  assert.equal(orderState(id).attention, 'second_payment_refund_review');
  assert.deepEqual(sql(`select needs_review, counted from payments where payment_id = :'p1'`, String(child.payment_id)), [['t', 'f']]);
});

test('an overpayment delivers and flags the excess', async () => {
  const { p, id, payAmount } = await purchase();
  stockOne();
  await advance(p.payment.payment_id, { statuses: [{ status: 'finished', actually_paid: payAmount * 1.5 }] });
  assert.deepEqual(orderState(id), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: 'overpaid' });
  assert.equal(Number(detail(id).received), payAmount * 1.5);
});

test('money in another asset does not count', async () => {
  const { p, id } = await purchase();
  // a wrong-asset deposit of the full price in another coin
  const child = await advance(p.payment.payment_id, { child: { pay_currency: 'usdterc20' }, statuses: ['finished'] });
  assert.equal(child.payment_status, 'finished');
  assert.deepEqual(deliveries(id), []);
  assert.equal(orderState(id).attention, 'wrong_currency');
  const d = detail(id);
  assert.equal(Number(d.received), 0);
  assert.ok(Number(d.received_other_assets) > 0);

  // the parent itself reported in another asset than the one it was created for
  const other = await purchase();
  const r = await sendIpn(ipnFor(other.p, 'finished', { pay_currency: 'usdterc20' }));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(deliveries(other.id), []);
  assert.equal(orderState(other.id).attention, 'wrong_currency');
});

test('a price other than the order\'s is held, and is not "paid"', async () => {
  const { p, id } = await purchase();
  const r = await sendIpn(ipnFor(p, 'finished', { price_amount: 1 }));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(orderState(id), { order: 'processing', payment: 'pending', delivery: 'pending', attention: 'price_mismatch' });
  assert.deepEqual(deliveries(id), []);
});

test('confirmed and sending are not paid, and orders deliver refuses them without --force', async () => {
  const { p, id } = await purchase();
  await advance(p.payment.payment_id, { statuses: ['confirming', 'confirmed', 'sending'] });
  assert.deepEqual(orderState(id), { order: 'processing', payment: 'pending', delivery: 'pending', attention: '' });

  const refused = cli('orders', 'deliver', id, '--reason', 'customer says they paid');
  assert.equal(refused.status, 1, refused.stdout);
  assert.match(refused.stderr, /Order not paid/);
  assert.deepEqual(deliveries(id), []);

  stockOne();
  const forced = cli('orders', 'deliver', id, '--reason', 'paid by bank transfer, ticket 42', '--force');
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(deliveries(id).length, 1);
  // one audit row per change (docs/CONSOLE.md): the forced payment carries the delivery it made
  const [[login]] = deliveries(id);
  assert.deepEqual(sql(`select action_type, admin_email, description, old_values->>'payment_status', new_values->>'forced',
                               new_values #>> '{result,success}', new_values #>> '{result,login_id}'
                          from admin_audit_log where record_id = :'p1' and action_type in ('payment_forced', 'manual_delivery')
                         order by id`, id),
  [['payment_forced', operator.email, 'paid by bank transfer, ticket 42', 'pending', 'true', 'true', login]]);

  // the payment's own finished afterwards is the order's money: no second account, no review
  await advance(p.payment.payment_id, { statuses: ['finished'] });
  assert.equal(deliveries(id).length, 1);
  assert.equal(orderState(id).attention, '');
});

test('an operator accepts a held payment, audited, and the account is delivered', async () => {
  const { p, id, payAmount } = await purchase();
  await advance(p.payment.payment_id, { statuses: [{ status: 'finished', actually_paid: payAmount * 0.9 }] });
  assert.equal(orderState(id).attention, 'underpaid');
  assert.equal(cli('orders', 'accept-payment', id).status, 2, 'a reason is required');
  stockOne();
  const ok = cli('orders', 'accept-payment', id, '--reason', 'customer topped up by bank transfer');
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(orderState(id), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: '' });
  const [[old]] = sql(`select old_values::text from admin_audit_log where record_id = :'p1' and action_type = 'payment_accepted'`, id);
  assert.equal(JSON.parse(old).needs_attention, 'underpaid');
  const again = cli('orders', 'accept-payment', id, '--reason', 'twice');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /no held payment/);
});

test('a full payment from a banned customer is held, not delivered', async () => {
  const { p, id, user } = await purchase();
  sql(`update user_profiles set account_status = 'banned' where id = :'p1'`, user.id);
  await advance(p.payment.payment_id, { statuses: ['finished'] });
  assert.deepEqual(deliveries(id), []);
  assert.deepEqual(orderState(id), { order: 'processing', payment: 'pending', delivery: 'pending', attention: 'customer_blocked' });
  assert.equal(detail(id).payment_verdict, 'paid');
  const refused = cli('orders', 'accept-payment', id, '--reason', 'looks fine');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /not active/);
  assert.deepEqual(deliveries(id), []);
});
