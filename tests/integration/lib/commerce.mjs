// Purchases for the lifecycle tests: orders and payments made through the
// real functions, IPNs signed here exactly as NOWPayments signs them, and
// the inventory and mail-catcher views the assertions need.
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { call, sim, sql } from './stack.mjs';

export const IPN_SECRET = process.env.NOWPAYMENTS_IPN_SECRET ?? 'sim-ipn-secret';
export const MAIL = `http://127.0.0.1:${process.env.FFX_MAIL_WEB_PORT ?? 54324}`;

// create-order for the user (product in the request's own field names); the order it answered.
export async function placeOrder(user, product) {
  const r = await call('create-order', { body: JSON.stringify(product), headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(r.status, 201, r.text);
  return r.json.order;
}

// create-crypto-payment for the user's order in a coin; the raw answer (callers check the status).
export function checkout(user, order, coin = 'usdt_bsc') {
  return call('create-crypto-payment', {
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      orderId: order.order_id, userId: user.id, accountType: order.account_type, accountSize: order.account_size,
      platformType: order.platform_type, cryptoCurrency: coin, amount: order.amount, finalAmount: order.final_amount,
    }),
  });
}

export async function buy(user, { type = 'one_step', size = 10000, platform = 'mt4', coin = 'usdt_bsc' } = {}) {
  const order = await placeOrder(user, { accountType: type, accountSize: size, platformType: platform });
  const p = await checkout(user, order, coin);
  assert.equal(p.status, 200, p.text);
  return { order, payment: p.json.payment, user };
}

function sortDeep(v) {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep(v[k])]));
  return v;
}

// The IPN NOWPayments would send for this purchase at this status.
export function ipnFor({ order, payment }, status, extra = {}) {
  const paid = ['confirming', 'confirmed', 'sending', 'finished', 'refunded'].includes(status) ? payment.pay_amount
    : status === 'partially_paid' ? payment.pay_amount / 2 : 0;
  return {
    actually_paid: paid, actually_paid_at_fiat: 0,
    fee: { currency: payment.pay_currency, depositFee: 0, serviceFee: 0, withdrawalFee: 0 },
    invoice_id: null, order_description: 'FlashFundX', order_id: order.order_id,
    outcome_amount: paid ? paid * 0.995 : null, outcome_currency: payment.pay_currency, parent_payment_id: null,
    pay_address: payment.pay_address, pay_amount: payment.pay_amount, pay_currency: payment.pay_currency,
    payin_extra_id: null, payment_extra_ids: null, payment_id: Number(payment.payment_id), payment_status: status,
    price_amount: order.final_amount, price_currency: 'usd', purchase_id: '1234567890', updated_at: Date.now(), ...extra,
  };
}

export function sign(payload, secret = IPN_SECRET) {
  const body = JSON.stringify(sortDeep(payload));
  return { body, sig: crypto.createHmac('sha512', secret).update(body).digest('hex') };
}

export async function sendIpn(payload, { secret, sig, body } = {}) {
  const signed = sign(payload, secret);
  return call('payment-webhook', {
    body: body ?? signed.body,
    headers: { 'content-type': 'application/json', ...(sig === null ? {} : { 'x-nowpayments-sig': sig ?? signed.sig }) },
  });
}

export function orderState(orderId) {
  const [row] = sql(`select order_status, payment_status, delivery_status, coalesce(needs_attention, '') from orders where order_id = :'p1'`, orderId);
  return { order: row[0], payment: row[1], delivery: row[2], attention: row[3] };
}

export const deliveries = (orderId) => sql(`select login_id, account_status from delivered_accounts where order_id = :'p1'`, orderId);

export function addStock(size, platform, n, prefix = 'T') {
  const logins = [];
  for (let i = 0; i < n; i++) logins.push(`${prefix}${process.pid}${Date.now() % 100000}${i}${Math.floor(Math.random() * 1e6)}`);
  sql(`insert into account_container (account_size, platform_type, server_name, login_id, password, investor_password)
       select :'p1', :'p2', 'FlashFundX-Test', l, 'pw-' || l, 'inv-' || l from unnest(string_to_array(:'p3', ',')) l`, size, platform, logins.join(','));
  return logins;
}

// Inventory of one size and platform by status: available + delivered must be conserved. With
// logins (what addStock returned), only those accounts: another test may sell the same product.
export function stockCounts(size, platform, logins = null) {
  const rows = logins
    ? sql(`select status, count(*) from account_container where account_size = :'p1' and platform_type = :'p2'
             and login_id = any(string_to_array(:'p3', ',')) group by status`, size, platform, logins.join(','))
    : sql(`select status, count(*) from account_container where account_size = :'p1' and platform_type = :'p2' group by status`, size, platform);
  return Object.fromEntries(rows.map(([s, n]) => [s, Number(n)]));
}

export async function mailsTo(email) {
  const res = await fetch(`${MAIL}/messages`);
  const all = await res.json();
  return all.filter((m) => (m.to ?? []).some((t) => t.includes(email)));
}
