// The payment lifecycle through nginx, the webhook, PostgreSQL, the mailer
// and the NOWPayments simulator: money arrives and exactly one account goes
// to exactly the customer who paid, whatever NOWPayments sends, in whatever
// order, however often.
import test from 'node:test';
import assert from 'node:assert/strict';
import { call, sim, sql, stack, waitFor } from './lib/stack.mjs';
import { SERVICE_ROLE_KEY, createUser } from './lib/identity.mjs';
import { addStock, buy, deliveries, ipnFor, mailsTo, orderState, sendIpn, sign, stockCounts } from './lib/commerce.mjs';

test('a full purchase: IPNs from the simulator, one delivery, one e-mail', async () => {
  const user = createUser();
  const [login] = addStock(5000, 'mt4', 1, 'FULL');
  const p = await buy(user, { size: 5000 });
  const r = await sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`, { statuses: ['confirming', 'confirmed', 'finished'] });
  assert.equal(r.deliveries.length, 3);
  for (const d of r.deliveries) assert.equal(d.http_status, 200);
  assert.deepEqual(orderState(p.order.order_id), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: '' });
  assert.deepEqual(deliveries(p.order.order_id), [[login, 'active']]);
  const mails = await waitFor(async () => { const m = await mailsTo(user.email); return m.length ? m : null; }, { timeoutMs: 10000 });
  assert.ok(mails, 'delivery e-mail received');
  assert.equal(mails.length, 1);
  assert.ok(mails[0].text.includes(login), 'the e-mail carries the login');
  assert.equal(sql(`select email_sent from delivered_accounts where order_id = :'p1'`, p.order.order_id)[0][0], 't');
});

test('every status of the mapping', async () => {
  const user = createUser();
  const want = {
    waiting: ['processing', 'pending', 'pending'], confirming: ['processing', 'pending', 'pending'],
    confirmed: ['processing', 'pending', 'pending'], sending: ['processing', 'pending', 'pending'],
    partially_paid: ['processing', 'pending', 'pending'], failed: ['failed', 'failed', 'pending'],
    expired: ['failed', 'failed', 'pending'],
  };
  for (const [status, [o, pay, d]] of Object.entries(want)) {
    const p = await buy(user, { size: 200000, platform: 'mt5' });
    const r = await sendIpn(ipnFor(p, status));
    assert.equal(r.status, 200, `${status}: ${r.text}`);
    assert.deepEqual(r.json, { success: true, message: 'Webhook processed successfully' });
    const s = orderState(p.order.order_id);
    assert.deepEqual([s.order, s.payment, s.delivery], [o, pay, d], status);
    if (status === 'partially_paid') assert.equal(s.attention, 'partially_paid');
  }
});

test('finished then confirming leaves it finished; a forged IPN changes nothing', async () => {
  const user = createUser();
  addStock(5000, 'mt5', 1, 'MONO');
  const p = await buy(user, { size: 5000, platform: 'mt5' });
  assert.equal((await sendIpn(ipnFor(p, 'finished'))).status, 200);
  assert.equal((await sendIpn(ipnFor(p, 'confirming'))).status, 200);
  assert.equal(orderState(p.order.order_id).delivery, 'delivered');
  assert.equal(orderState(p.order.order_id).order, 'completed');

  const victim = await buy(user, { size: 5000, platform: 'mt5' });
  const events = () => sql('select count(*) from ipn_events')[0][0];
  const before = events();
  const forged = [
    { secret: 'not-the-ipn-secret' },
    { sig: null },
    { sig: 'ab'.repeat(64) },
    { body: JSON.stringify(ipnFor(victim, 'finished', { price_amount: 1 })), sig: sign(ipnFor(victim, 'finished')).sig },
  ];
  for (const f of forged) {
    const r = await sendIpn(ipnFor(victim, 'finished'), f);
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { success: false, error: 'Invalid signature' });
  }
  assert.equal(events(), before);
  assert.deepEqual(orderState(victim.order.order_id), { order: 'pending', payment: 'pending', delivery: 'pending', attention: '' });
});

test('malformed but signed payloads get 400 Invalid payload', async () => {
  for (const payload of [{ payment_status: 'finished' }, { payment_id: 123 }, { payment_id: {}, payment_status: 'x' }]) {
    const r = await sendIpn(payload);
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { success: false, error: 'Invalid payload' });
  }
  // Not JSON breaks the strict rules, checked before any canonical form: 400 whatever the signature
  // (the header's shape is checked first: without one it is 401).
  const notJson = await sendIpn({}, { body: '{"payment_id":', sig: sign({}).sig });
  assert.equal(notJson.status, 400);
  assert.deepEqual(notJson.json, { success: false, error: 'Invalid payload' });
  assert.equal((await sendIpn({}, { body: '{"payment_id":', sig: null })).status, 401);
});

test('50 concurrent duplicate finished IPNs: one delivery, one e-mail, fifty 200s', async () => {
  const user = createUser();
  const dup = addStock(25000, 'mt5', 3, 'DUP');
  const p = await buy(user, { size: 25000, platform: 'mt5' });
  const payload = ipnFor(p, 'finished');
  const answers = await Promise.all(Array.from({ length: 50 }, () => sendIpn(payload)));
  for (const a of answers) assert.equal(a.status, 200, a.text);
  assert.equal(deliveries(p.order.order_id).length, 1);
  assert.equal(sql(`select count(*) from ipn_events where payment_id = :'p1'`, p.payment.payment_id)[0][0], '1');
  assert.equal(sql(`select count(*) from email_outbox where order_id = :'p1'`, p.order.order_id)[0][0], '1');
  await waitFor(async () => (await mailsTo(user.email)).length >= 1);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await mailsTo(user.email)).length, 1);
  assert.deepEqual(stockCounts(25000, 'mt5', dup), { available: 2, delivered: 1 });
});

test('20 orders finishing at once against 5 accounts: 5 delivered, 15 waiting, then all', async () => {
  const user = createUser();
  const race = addStock(25000, 'mt4', 5, 'RACE');
  const purchases = [];
  for (let i = 0; i < 20; i++) purchases.push(await buy(user, { size: 25000 }));
  const answers = await Promise.all(purchases.map((p) => sendIpn(ipnFor(p, 'finished'))));
  for (const a of answers) assert.equal(a.status, 200, a.text);
  const delivered = purchases.filter((p) => orderState(p.order.order_id).delivery === 'delivered');
  assert.equal(delivered.length, 5);
  const logins = delivered.map((p) => deliveries(p.order.order_id)[0][0]);
  assert.equal(new Set(logins).size, 5, 'no login delivered twice');
  for (const p of purchases.filter((q) => !delivered.includes(q))) {
    assert.deepEqual(orderState(p.order.order_id), { order: 'processing', payment: 'paid', delivery: 'pending', attention: '' });
  }
  assert.deepEqual(stockCounts(25000, 'mt4', race), { delivered: 5 });
  const more = addStock(25000, 'mt4', 15, 'MORE');
  for (const p of purchases) assert.equal(orderState(p.order.order_id).delivery, 'delivered');
  const all = purchases.map((p) => deliveries(p.order.order_id)[0][0]);
  assert.equal(new Set(all).size, 20);
  assert.deepEqual(stockCounts(25000, 'mt4', [...race, ...more]), { delivered: 20 });
});

test('a child payment after delivery gives no second account and is flagged', async () => {
  const user = createUser();
  const childStock = addStock(10000, 'mt5', 2, 'CHILD');
  const p = await buy(user, { size: 10000, platform: 'mt5' });
  await sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`, { statuses: ['finished'] });
  assert.equal(orderState(p.order.order_id).delivery, 'delivered');
  const child = await sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`, { statuses: ['finished'], child: true });
  assert.equal(child.deliveries[0].http_status, 200);
  assert.equal(deliveries(p.order.order_id).length, 1);
  assert.equal(orderState(p.order.order_id).attention, 'second_payment_refund_review');
  assert.equal(sql(`select needs_review from payments where payment_id = :'p1'`, String(child.payment_id))[0][0], 't');
  assert.deepEqual(stockCounts(10000, 'mt5', childStock), { available: 1, delivered: 1 });
});

test('an unmatched IPN is stored, answered 200 and visible to an admin', async () => {
  const payload = { payment_id: 9000000000 + Math.floor(Math.random() * 99999999), payment_status: 'finished', order_id: 'FFX999999999', price_amount: 649, price_currency: 'usd', pay_amount: 1, actually_paid: 1 };
  const r = await sendIpn(payload);
  assert.equal(r.status, 200);
  assert.equal(sql(`select state from ipn_events where payment_id = :'p1'`, String(payload.payment_id))[0][0], 'unmatched');
});

test('a refund after delivery suspends the account', async () => {
  const user = createUser();
  addStock(100000, 'mt4', 1, 'REFUND');
  const p = await buy(user, { size: 100000 });
  await sendIpn(ipnFor(p, 'finished'));
  assert.equal(orderState(p.order.order_id).delivery, 'delivered');
  assert.equal((await sendIpn(ipnFor(p, 'refunded'))).status, 200);
  const s = orderState(p.order.order_id);
  assert.deepEqual([s.order, s.payment], ['refunded', 'refunded']);
  assert.equal(deliveries(p.order.order_id)[0][1], 'suspended');
});

test('property: random orders of each status sequence, with duplicates, keep the invariants', async () => {
  const user = createUser();
  const size = 50000;
  const stockBefore = 30;
  const prop = addStock(size, 'mt4', stockBefore, 'PROP');
  const sequences = [['waiting', 'confirming', 'confirmed', 'finished'], ['waiting', 'expired'], ['waiting', 'partially_paid'],
    ['confirming', 'finished', 'refunded'], ['waiting', 'failed'], ['expired', 'finished']];
  let seed = 42;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const purchases = [];
  for (let i = 0; i < 24; i++) {
    const p = await buy(user, { size });
    const seq = sequences[i % sequences.length];
    const events = seq.flatMap((s, k) => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ipnFor(p, s, { updated_at: 1700000000000 + k })));
    for (let j = events.length - 1; j > 0; j--) { const k = Math.floor(rnd() * (j + 1)); [events[j], events[k]] = [events[k], events[j]]; }
    purchases.push({ p, seq, events });
  }
  await Promise.all(purchases.map(async ({ events }) => { for (const e of events) assert.equal((await sendIpn(e)).status, 200); }));
  let delivered = 0;
  for (const { p, seq } of purchases) {
    const s = orderState(p.order.order_id);
    const d = deliveries(p.order.order_id);
    assert.ok(d.length <= 1, 'at most one delivery per order');
    if (d.length === 1) {
      delivered++;
      assert.ok(['paid', 'refunded'].includes(s.payment), `delivered only if paid (${seq})`);
      assert.ok(seq.includes('finished'), `delivered only after finished (${seq})`);
    }
    // A refund that overtakes the finished IPN closes the order: no credentials for money returned.
    if (seq.includes('finished') && s.payment !== 'refunded') assert.equal(d.length, 1, `finished delivers (${seq}): ${JSON.stringify(s)}`);
    if (seq.at(-1) === 'refunded') assert.equal(s.payment, 'refunded');
  }
  const counts = stockCounts(size, 'mt4', prop);
  assert.equal((counts.available ?? 0) + (counts.delivered ?? 0), stockBefore, 'inventory conserved');
  assert.equal(counts.delivered, delivered);
});

test('a missed webhook is repaired by check-payment-status', async () => {
  const user = createUser();
  const p = await buy(user, { size: 100000, platform: 'mt5' });
  await sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`, { statuses: [{ status: 'confirming', send: false }] });
  // Our copy is an hour old (the updated_at trigger is bypassed for the back-dating).
  sql(`set session_replication_role = replica; update payments set updated_at = now() - interval '1 hour' where payment_id = :'p1'`, p.payment.payment_id);
  const r = await call('check-payment-status', { method: 'GET', query: `?orderId=${p.order.order_id}&userId=${user.id}`, headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.payment.payment_status, 'confirming');
  assert.equal(r.json.order.order_status, 'processing');
});

test('NOWPayments down during a status check: answered from the database, repaired later', async () => {
  const user = createUser();
  const p = await buy(user, { size: 100000, platform: 'mt5' });
  await sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`, { statuses: [{ status: 'confirming', send: false }] });
  const check = () => call('check-payment-status', { method: 'GET', query: `?orderId=${p.order.order_id}&userId=${user.id}`, headers: { authorization: `Bearer ${user.token}` } });
  const timeoutMs = Number(process.env.FFX_NP_TIMEOUT_MS ?? 3000);
  // each check comes after the refresh interval: our copy is old and nobody asked NOWPayments lately
  const staleAgain = () => sql(`set session_replication_role = replica; update payments set updated_at = now() - interval '1 hour' where payment_id = :'p1';
                                delete from payment_refreshes where payment_id = :'p1'`, p.payment.payment_id);
  for (const mode of ['error500', 'html429', 'timeout']) {
    staleAgain();
    await sim('POST', '/_sim/faults', { mode, count: 3, latency_ms: timeoutMs + 2000, paths: '/v1/payment/' });
    const t0 = Date.now();
    const r = await check();
    const took = Date.now() - t0;
    await sim('DELETE', '/_sim/faults');
    assert.equal(r.status, 200, `${mode}: ${r.text}`);
    assert.equal(r.json.payment.payment_status, 'waiting', mode);
    assert.deepEqual(orderState(p.order.order_id).payment, 'pending', mode);
    assert.ok(took < 3 * timeoutMs + 3000, `${mode} took ${took} ms`);
  }
  staleAgain();
  const repaired = await check();
  assert.equal(repaired.json.payment.payment_status, 'confirming');
});

test('test-delivery: service role only, a dry run that changes nothing', async () => {
  const user = createUser();
  addStock(200000, 'mt4', 1, 'DRY');
  const p = await buy(user, { size: 200000 });
  sql(`update orders set payment_status = 'paid', order_status = 'processing' where order_id = :'p1'`, p.order.order_id);
  const dump = () => sql(`select (select count(*) from delivered_accounts), (select count(*) from email_outbox),
                                 (select count(*) from account_container where status = 'available'), (select count(*) from admin_audit_log),
                                 (select delivery_status from orders where order_id = :'p1')`, p.order.order_id)[0];
  const before = dump();
  const r = await call('test-delivery', { body: JSON.stringify({ orderId: p.order.order_id }), headers: { authorization: `Bearer ${SERVICE_ROLE_KEY}` } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.orderId, p.order.order_id);
  const t = r.json.tests;
  assert.equal(t.order_check.success, true);
  assert.equal(t.trading_rules_check.success, true);
  assert.equal(t.available_accounts_check.success, true);
  assert.equal(t.delivery_function_test.success, true);
  assert.equal(typeof t.environment_check.service_key, 'boolean');
  assert.ok(!r.text.includes('pw-'), 'no password in the answer');
  assert.ok(!/"login_id"\s*:\s*"DRY/.test(JSON.stringify(t.available_accounts_check)), 'no logins in the inventory check');
  assert.deepEqual(dump(), before);
  assert.equal((await call('test-delivery', { body: JSON.stringify({ orderId: p.order.order_id }), headers: { authorization: `Bearer ${user.token}` } })).status, 403);
  assert.equal((await call('test-delivery', { body: JSON.stringify({ orderId: p.order.order_id }) })).status, 401);
  const missing = await call('test-delivery', { body: '{}', headers: { authorization: `Bearer ${SERVICE_ROLE_KEY}` } });
  assert.equal(missing.status, 400);
});

test('the mail catcher down: delivery recorded, the e-mail sent once it is back', async () => {
  const user = createUser();
  addStock(50000, 'mt5', 1, 'MAILDOWN');
  stack('mail-stop');
  try {
    const p = await buy(user, { size: 50000, platform: 'mt5' });
    await sendIpn(ipnFor(p, 'finished'));
    assert.equal(orderState(p.order.order_id).delivery, 'delivered');
    await waitFor(() => sql(`select attempts from email_outbox where order_id = :'p1'`, p.order.order_id)[0]?.[0] >= '1');
    assert.equal(sql(`select status from email_outbox where order_id = :'p1'`, p.order.order_id)[0][0], 'pending');
    stack('mail-start');
    sql(`update email_outbox set next_attempt_at = now() where order_id = :'p1'`, p.order.order_id);
    sql(`select pg_notify('ffx_outbox', '0')`);
    const mails = await waitFor(async () => { const m = await mailsTo(user.email); return m.length ? m : null; }, { timeoutMs: 15000 });
    assert.ok(mails);
    assert.equal(mails.length, 1);
  } finally {
    stack('mail-start');
  }
});
