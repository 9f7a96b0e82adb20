// The adopted shop in use, through nginx (tests/adoption/run.sh runs this after scripts/adopt, with
// the environment of a stack of its own pointed at the adopted database): the NOWPayments
// simulator is seeded with every adopted in-flight payment at its last known status (NOWPayments
// knows them; only our database is new), then the functions and nginx start, and
//   1. an adopted customer buys an account: create-order, create-crypto-payment, the signed IPNs
//      up to finished; one account is delivered, from the adopted inventory, and a repeated
//      finished delivers nothing more;
//   2. IPNs for two adopted `waiting` orders created months ago: both are matched; the one paid
//      half is not delivered, the one paid in full is;
//   3. an adopted order the original had marked processing/paid on a mere `confirmed`: a
//      `confirmed` IPN and a reconciler pass (GET /v1/payment/{id}) deliver nothing; `finished`
//      delivers it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { API, BUILD_DIR, STATE_DIR, sim, sql, stack, waitFor } from '../integration/lib/stack.mjs';
import { checkout, placeOrder } from '../integration/lib/commerce.mjs';
import { signHS256, userClaims } from '../integration/lib/identity.mjs';

const WEBHOOK = `${API}/functions/v1/payment-webhook`;
const NETWORK = { btc: 'btc', eth: 'eth', ltc: 'ltc', usdttrc20: 'trx', usdtbsc: 'bsc', usdterc20: 'eth' };
const started = Date.now();
const log = (msg) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s  ${msg}`);

// The simulator's state file holding the adopted payments NOWPayments has: the shape its
// newPayment() makes (tools/nowpayments-sim/server.mjs), at the payments' last known status.
function seedSimulator() {
  const rows = sql(`select p.payment_id, p.payment_status, p.pay_address, p.pay_amount, p.pay_currency,
                           p.price_amount, p.order_id, extract(epoch from o.created_at)::bigint * 1000
                      from payments p join orders o using (order_id)
                     where p.provider = 'nowpayments' and p.payment_status in ('waiting', 'confirming', 'confirmed')`);
  const payments = {};
  for (const [id, status, address, payAmount, coin, price, orderId, createdMs] of rows) {
    const at = new Date(Number(createdMs)).toISOString();
    const paid = status === 'waiting' ? 0 : Number(payAmount);
    payments[id] = {
      payment_id: Number(id), invoice_id: null, parent_payment_id: null, origin_type: null,
      payment_status: status, pay_address: address, payin_extra_id: null,
      price_amount: Number(price), price_currency: 'usd', pay_amount: Number(payAmount), actually_paid: paid,
      actually_paid_at_fiat: 0, pay_currency: coin, order_id: orderId, order_description: 'FlashFundX',
      purchase_id: Number(id) + 1, token_id: Number(id) + 2, outcome_amount: null, outcome_currency: coin,
      amount_received: 0, payout_hash: null, payin_hash: null, created_at: at, updated_at: at,
      updated_at_ms: Number(createdMs), ipn_callback_url: WEBHOOK, customer_email: null,
      network: NETWORK[coin], expiration_estimate_date: at, valid_until: at, is_fixed_rate: false,
      is_fee_paid_by_user: false, type: 'crypto2crypto', product: 'api', origin_ip: null,
      payment_extra_ids: null, fee: { currency: coin, depositFee: 0, serviceFee: 0, withdrawalFee: 0 },
      payout_address: null, case: null, history: [{ status, at: Number(createdMs) }],
    };
  }
  fs.mkdirSync(STATE_DIR, { recursive: true });
  fs.writeFileSync(process.env.FFX_SIM_STATE_FILE, JSON.stringify({ invoices: {}, payments }));
  return rows.length;
}

const state = (orderId) => sql(`select order_status || '/' || payment_status || '/' || delivery_status
                                  from orders where order_id = :'p1'`, orderId)[0][0];
const deliveredLogins = (orderId) => sql(`select login_id from delivered_accounts where order_id = :'p1'`, orderId).flat();
const adoptedStock = new Set(sql(`select login_id from account_container`).flat());
const matched = (paymentId) => Number(sql(`select count(*) from ipn_events where payment_id = :'p1'
                                            and matched_order_id is not null`, paymentId)[0][0]);

async function advance(paymentId, statuses) {
  const r = await sim('POST', `/_sim/payments/${paymentId}/advance`, { statuses });
  assert.ok(r.deliveries?.length > 0 && r.deliveries.every((d) => d.ok), `IPNs for ${paymentId}: ${JSON.stringify(r)}`);
  return r;
}

// Products with stock to spare once every adopted paid order waiting for stock has had its
// account: a delivery here must not depend on which of them the reconciler serves first.
function spareProducts() {
  return sql(`select a.account_size, a.platform_type
                from account_container a
               where a.status = 'available'
               group by 1, 2
              having count(*) > 3 + (select count(*) from orders o
                                      where o.account_size = a.account_size and o.platform_type = a.platform_type
                                        and o.payment_status = 'paid' and o.delivery_status = 'pending')`)
    .map(([size, platform]) => `${size}/${platform}`);
}

// An adopted order of a category, on a product with stock to spare.
function adoptedOrder(where, spare) {
  const rows = sql(`select o.order_id, p.payment_id, o.account_size || '/' || o.platform_type, o.created_at::date
                      from orders o join payments p using (order_id)
                      join user_profiles u on u.id = o.user_id
                     where ${where} and u.account_status = 'active'
                     order by o.created_at`);
  const row = rows.find((r) => spare.includes(r[2]));
  assert.ok(row, `no adopted order where ${where}`);
  return { orderId: row[0], paymentId: row[1], createdOn: row[3] };
}

log(`simulator seeded with ${seedSimulator()} adopted in-flight payments`);
stack('sim-start');
stack('fn-start');
stack('nginx-start');
log(`functions and nginx on ${API}`);
const spare = spareProducts();
assert.ok(spare.length > 0, 'no product with stock to spare');

// 1. A purchase by an adopted customer (an e-mail sign-up of the original, active, with orders).
{
  const [id, email] = sql(`select u.id, u.email from auth.users u join user_profiles p on p.id = u.id
                            where u.deleted_at is null and p.account_status = 'active'
                              and u.raw_app_meta_data ->> 'provider' = 'email' and p.total_orders > 0
                            order by u.created_at limit 1`)[0];
  const user = { id, email, token: signHS256(userClaims({ id, email })) };
  const [size, platform] = spare[0].split('/');
  const order = await placeOrder(user, { accountType: 'one_step', accountSize: Number(size), platformType: platform });
  const p = await checkout(user, order, 'usdt_bsc');
  assert.equal(p.status, 200, p.text);
  await advance(p.json.payment.payment_id, ['confirming', 'confirmed', 'finished']);
  const logins = await waitFor(() => { const l = deliveredLogins(order.order_id); return l.length ? l : null; });
  assert.deepEqual(logins?.length, 1, `order ${order.order_id}: ${state(order.order_id)}`);
  assert.ok(adoptedStock.has(logins[0]), `delivered ${logins[0]}, not an adopted account`);
  await advance(p.json.payment.payment_id, ['finished']);
  assert.equal(deliveredLogins(order.order_id).length, 1, 'a repeated finished delivered again');
  assert.equal(state(order.order_id), 'completed/paid/delivered');
  log(`1. adopted customer ${email}: order ${order.order_id} paid and delivered ${logins[0]} (adopted stock), once`);
}

// 2. IPNs for two adopted `waiting` orders, created months ago.
{
  const half = adoptedOrder(`p.payment_status = 'waiting' and o.order_status = 'processing'`, spare);
  const full = adoptedOrder(`p.payment_status = 'waiting' and o.order_status = 'processing'
                             and o.order_id <> '${half.orderId}'`, spare);
  const [payAmount] = sql(`select pay_amount from payments where payment_id = :'p1'`, half.paymentId)[0];
  await advance(half.paymentId, [{ status: 'finished', actually_paid: Number(payAmount) / 2 }]);
  await advance(full.paymentId, ['confirming', 'finished']);
  const delivered = await waitFor(() => deliveredLogins(full.orderId).length === 1);
  assert.ok(delivered, `order ${full.orderId}: ${state(full.orderId)}`);
  assert.equal(state(full.orderId), 'completed/paid/delivered');
  assert.ok(matched(half.paymentId) > 0 && matched(full.paymentId) > 0, 'the IPNs were not matched to the adopted orders');
  assert.equal(deliveredLogins(half.orderId).length, 0, `order ${half.orderId} was delivered on half the money`);
  assert.notEqual(state(half.orderId).split('/')[1], 'paid');
  log(`2. adopted waiting orders: ${full.orderId} (of ${full.createdOn}) paid in full and delivered; `
    + `${half.orderId} (of ${half.createdOn}) paid half: matched, ${state(half.orderId)}, not delivered`);
}

// 3. The original's processing/paid on a mere `confirmed`.
{
  const c = adoptedOrder(`p.payment_status = 'confirmed'`, spare);
  assert.equal(state(c.orderId), 'processing/pending/pending');
  await advance(c.paymentId, ['confirmed']);
  execFileSync(path.join(BUILD_DIR, 'bin', 'ffx-reconcile'), ['--once'], {
    stdio: 'ignore',
    env: {
      ...process.env, DATABASE_URL: process.env.FFX_FUNCTIONS_DATABASE_URL,
      NOWPAYMENTS_BASE_URL: `http://127.0.0.1:${process.env.FFX_SIM_PORT}/v1`, FFX_RECONCILE_MIN_AGE_S: '0',
      // one pass over every adopted payment in flight (hundreds), so this one is among them
      FFX_RECONCILE_BATCH: '1000',
    },
  });
  const polled = (await sim('GET', `/_sim/calls?method=GET&path=/v1/payment/${c.paymentId}`)).length;
  assert.ok(polled > 0, `the reconciler did not ask NOWPayments about the adopted confirmed payment ${c.paymentId}`);
  assert.equal(deliveredLogins(c.orderId).length, 0, `order ${c.orderId} delivered before NOWPayments said finished`);
  assert.equal(state(c.orderId), 'processing/pending/pending');
  await advance(c.paymentId, ['finished']);
  assert.ok(await waitFor(() => deliveredLogins(c.orderId).length === 1), `order ${c.orderId}: ${state(c.orderId)}`);
  log(`3. adopted confirmed order ${c.orderId}: not delivered on confirmed nor after a reconciler pass `
    + `(which polled it ${polled} times), delivered on finished`);
}
log('the adopted shop works');
