// Reliability: the payment lifecycle converges after a crash at each named failpoint, a
// PostgreSQL restart under a stream of IPNs, NOWPayments failing during a reconcile pass, and a
// late 'finished' racing the expiry pass (docs/RELIABILITY.md, "Scenarios"). Processes are
// crashed with FFX_FAILPOINT (common/failpoint.h: test builds only) and healed by the
// simulator's IPN retries and `ffx-reconcile --once`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUILD_DIR, DATABASE_URL, SIM, STATE_DIR, childPids, masterPid, sim, sleep, sql, stack, waitFor } from './lib/stack.mjs';
import { createUser } from './lib/identity.mjs';
import { addStock, buy, deliveries, mailsTo, orderState, sendIpn, stockCounts } from './lib/commerce.mjs';

const run = promisify(execFile);
const RECONCILE = path.join(BUILD_DIR, 'bin', 'ffx-reconcile');
const FUNCTIONS_URL = process.env.FFX_FUNCTIONS_DATABASE_URL
  ?? DATABASE_URL.replace('postgres:postgres@', 'ffx_functions:ffx_functions@');
const logFile = (name) => path.join(STATE_DIR, 'log', `${name}.log`);
const logSize = (name) => (fs.existsSync(logFile(name)) ? fs.statSync(logFile(name)).size : 0);
const logSince = (name, offset) => fs.readFileSync(logFile(name), 'utf8').slice(offset);

// One reconcile pass, the way cron or a test would run it; its JSON log lines and summary.
function reconcileOnce(env = {}) {
  const r = spawnSync(RECONCILE, ['--once'], {
    encoding: 'utf8',
    timeout: 120000,
    env: {
      ...process.env, DATABASE_URL: FUNCTIONS_URL, NOWPAYMENTS_BASE_URL: `${SIM}/v1`,
      FFX_RECONCILE_MIN_AGE_S: '0', FFX_RECONCILE_BATCH: '1000', FFX_NP_TIMEOUT_MS: '1000', ...env,
    },
  });
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean).map((l) => {
    try { return JSON.parse(l); } catch { assert.fail(`not a JSON log line: ${l}`); }
  });
  return { code: r.status, lines, pass: lines.find((l) => l.msg === 'pass done') };
}

// Restart a function with extra environment (FFX_FAILPOINT); fn-start hands the process
// scripts/stack's environment, which is ours.
function restartFunction(name, env = {}) {
  stack('fn-stop', name);
  withEnv(env, () => stack('fn-start', name));
}

function restartMailer(env = {}) {
  stack('mailer-stop');
  withEnv(env, () => stack('mailer-start'));
}

function withEnv(env, fn) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

// A product on sale with trading rules (one_step, as buy() orders) that no paid order is waiting for: stock added for a
// test goes to that test's orders.
function freeProduct() {
  const [[size, platform]] = sql(`
    select p.account_size, p.platform_type
      from (select distinct pr.account_size, pr.platform_type from pricing pr
             where pr.active and pr.account_type = 'one_step'
               and exists (select 1 from trading_rules t where t.account_type = 'one_step' and t.account_size = pr.account_size)) p
     where not exists (select 1 from orders o
                        where o.order_status = 'processing' and o.payment_status = 'paid' and o.delivery_status = 'pending'
                          and o.account_size = p.account_size and o.platform_type = p.platform_type)
     order by random() limit 1`);
  return { size: Number(size), platform };
}

const total = (c) => Object.values(c).reduce((a, b) => a + b, 0);
const outboxRows = (orderId) => sql(`select id, status from email_outbox where order_id = :'p1'`, orderId);

// Exactly one account, one outbox row, one e-mail per Message-ID (count distinct ids = 1), and the
// product's inventory conserved with one more delivered.
async function assertDeliveredOnce(p, user, stockBefore, product, { mails = 1 } = {}) {
  assert.deepEqual(orderState(p.order.order_id), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: '' });
  assert.equal(deliveries(p.order.order_id).length, 1, 'exactly one delivered account');
  assert.equal(outboxRows(p.order.order_id).length, 1, 'exactly one outbox row');
  const got = await waitFor(async () => { const m = await mailsTo(user.email); return m.length >= mails ? m : null; }, { timeoutMs: 20000 });
  assert.ok(got, 'the delivery e-mail arrived');
  await sleep(300);
  const all = await mailsTo(user.email);
  assert.equal(all.length, mails, `${mails} message(s) at the catcher`);
  assert.equal(new Set(all.map((m) => m.message_id)).size, 1, 'one Message-ID');
  const after = stockCounts(product.size, product.platform);
  assert.equal(total(after), total(stockBefore), 'inventory conserved');
  assert.equal(after.delivered ?? 0, (stockBefore.delivered ?? 0) + 1, 'one account delivered');
}

// ---- crashes at the named failpoints ---------------------------------------------------------

// [failpoint, IPN retries]: the brief's retry policy for each point, plus one IPN that is never
// retried, so that the reconciler alone must find the payment finished
const webhookCrashes = [
  ['webhook-after-inbox', { attempts: 5, interval_ms: 500 }],
  ['delivery-before-commit', { attempts: 5, interval_ms: 500 }],
  ['webhook-after-commit', { attempts: 5, interval_ms: 500 }],
  ['delivery-before-commit', { attempts: 0 }],
];
for (const [fp, retry] of webhookCrashes) {
  test(`crash at ${fp} (IPN retries: ${retry.attempts}): converges to one delivery`, async (t) => {
    const product = freeProduct();
    const user = createUser();
    addStock(product.size, product.platform, 1, 'FP');
    const stockBefore = stockCounts(product.size, product.platform);
    const p = await buy(user, product);

    const offset = logSize('payment-webhook');
    const crashLine = `"msg":"failpoint ${fp} reached`;
    restartFunction('payment-webhook', { FFX_FAILPOINT: fp });
    const t0 = Date.now();
    let advance;
    try {
      advance = sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`,
        { statuses: ['finished'], retry });
      assert.ok(await waitFor(() => logSince('payment-webhook', offset).includes(crashLine), { timeoutMs: 10000 }),
        `the webhook did not reach ${fp}`);
      // exit status 99 as a wait status: 99 << 8
      assert.ok(await waitFor(() => /worker \d+ died \(status 25344\), replacing it/.test(logSince('payment-webhook', offset))),
        'the master replaced the crashed worker');
    } finally {
      restartFunction('payment-webhook'); // disarmed
    }
    // the simulator's remaining retries land on the disarmed process (or are used up); then a pass
    const [delivery] = (await advance).deliveries;
    const r = reconcileOnce();
    assert.equal(r.code, 0, JSON.stringify(r.lines.slice(-3)));
    await assertDeliveredOnce(p, user, stockBefore, product);
    const reconciled = r.lines.some((l) => l.msg === 'payment reconciled' && l.payment_id === p.payment.payment_id);
    const healedBy = delivery.ok ? 'the IPN retry' : reconciled ? 'the reconciler' : 'nothing (?)';
    if (retry.attempts === 0) assert.ok(!delivery.ok && reconciled, 'without IPN retries the reconciler delivered');
    t.diagnostic(`${fp}: ${delivery.attempts} IPN attempts (last ${delivery.http_status}), healed by ${healedBy}; `
      + `converged ${Date.now() - t0} ms after arming`);
  });
}

test('crash at mailer-after-send: resent after the lease with the same Message-ID, one outbox row', async (t) => {
  const due = sql(`select count(*) from email_outbox where status in ('pending', 'sending')`)[0][0];
  assert.equal(due, '0', 'precondition: nothing else is waiting in the outbox (the crash must be this message\'s)');
  const product = freeProduct();
  const user = createUser();
  addStock(product.size, product.platform, 1, 'FPM');
  const stockBefore = stockCounts(product.size, product.platform);
  const offset = logSize('ffx-mailer');
  // the shortest lease the mailer accepts: FFX_SMTP_TIMEOUT_S + 10
  restartMailer({ FFX_FAILPOINT: 'mailer-after-send', FFX_MAIL_LEASE_S: '11', FFX_SMTP_TIMEOUT_S: '1' });
  const t0 = Date.now();
  let p;
  try {
    p = await buy(user, product);
    const r = await sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`,
      { statuses: ['finished'], retry: { attempts: 5, interval_ms: 500 } });
    assert.equal(r.deliveries[0].http_status, 200);
    const crashed = await waitFor(() => logSince('ffx-mailer', offset).includes('"msg":"failpoint mailer-after-send reached'),
      { timeoutMs: 10000 });
    assert.ok(crashed, 'the mailer did not reach mailer-after-send');
    assert.equal((await mailsTo(user.email)).length, 1, 'the message went out before the crash');
    assert.equal(outboxRows(p.order.order_id)[0][1], 'sending', 'still leased to the dead mailer');
  } finally {
    restartMailer(); // disarmed, default lease
  }
  await assertDeliveredOnce(p, user, stockBefore, product, { mails: 2 });
  assert.equal(outboxRows(p.order.order_id)[0][1], 'sent');
  assert.equal(sql(`select email_sent from delivered_accounts where order_id = :'p1'`, p.order.order_id)[0][0], 't');
  t.diagnostic(`mailer-after-send: resent ${Date.now() - t0} ms after the purchase (11 s lease)`);
});

// ---- PostgreSQL restarted under a stream of IPNs ----------------------------------------------

test('PostgreSQL stopped mid-stream: every IPN is applied, nothing hangs, no process restarted', async (t) => {
  const N = 10;
  const product = freeProduct();
  const user = createUser();
  addStock(product.size, product.platform, N, 'PGR');
  const stockBefore = stockCounts(product.size, product.platform);
  const purchases = [];
  for (let i = 0; i < N; i++) purchases.push(await buy(user, product));
  const names = ['payment-webhook', 'check-payment-status', 'create-crypto-payment'];
  const masters = Object.fromEntries(names.map((n) => [n, masterPid(n)]));
  const workers = Object.fromEntries(names.map((n) => [n, childPids(masters[n])]));

  // one purchase after another, each confirming then finished, retried by the simulator
  const stream = (async () => {
    const out = [];
    for (const p of purchases) {
      out.push(sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`,
        { statuses: ['confirming', 'finished'], interval_ms: 150, retry: { attempts: 5, interval_ms: 1000 } }));
      await sleep(400);
    }
    return Promise.all(out);
  })();
  await sleep(900);
  stack('pg-stop');
  const down = Date.now();
  await sleep(2000);
  stack('pg-start');
  const outage = Date.now() - down;
  await stream;

  const r = reconcileOnce();
  assert.equal(r.code, 0, JSON.stringify(r.lines.slice(-3)));
  const ipns = (await Promise.all(purchases.map((p) => sim('GET', `/_sim/ipns?payment_id=${p.payment.payment_id}`)))).flat();
  const failed = ipns.filter((i) => !i.ok);
  const slowest = Math.max(...ipns.map((i) => i.duration_ms));
  assert.ok(failed.length >= 1, 'the outage met at least one IPN');
  for (const i of ipns) {
    assert.ok(i.http_status !== null, `an IPN attempt got no answer: ${JSON.stringify(i)}`);
    assert.ok(i.duration_ms < 3000, `an IPN attempt took ${i.duration_ms} ms`);
    if (!i.ok) assert.ok([500, 502, 503].includes(i.http_status), `unexpected status ${i.http_status}`);
  }
  for (const p of purchases) {
    assert.deepEqual(orderState(p.order.order_id), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: '' }, p.order.order_id);
    assert.equal(deliveries(p.order.order_id).length, 1);
    assert.equal(sql(`select payment_status from payments where payment_id = :'p1'`, p.payment.payment_id)[0][0], 'finished');
  }
  const after = stockCounts(product.size, product.platform);
  assert.equal(total(after), total(stockBefore), 'inventory conserved');
  assert.equal(after.delivered ?? 0, (stockBefore.delivered ?? 0) + N);
  for (const n of names) {
    assert.equal(masterPid(n), masters[n], `${n} not restarted`);
    assert.deepEqual(childPids(masters[n]), workers[n], `${n}'s workers not restarted`);
  }
  t.diagnostic(`outage ${outage} ms; ${ipns.length} IPN attempts, ${failed.length} failed `
    + `(${[...new Set(failed.map((i) => i.http_status))].join('/')}), slowest ${slowest} ms; `
    + `reconciler changed ${r.pass.changed} afterwards`);
});

// ---- NOWPayments down during a reconcile pass ---------------------------------------------------

test('NOWPayments failing during a reconcile pass: logged, nothing changes, the next pass recovers', async (t) => {
  const product = freeProduct();
  const user = createUser();
  addStock(product.size, product.platform, 1, 'NPD');
  const stockBefore = stockCounts(product.size, product.platform);
  const p = await buy(user, product);
  const pid = p.payment.payment_id;
  // the finished IPN is lost: only a poll can see it
  await sim('POST', `/_sim/payments/${pid}/advance`, { statuses: [{ status: 'finished', send: false }] });
  const snapshot = () => sql(`
    select p.payment_status, p.updated_at, o.order_status, o.payment_status, o.delivery_status,
           (select count(*) from payment_transactions x where x.order_id = o.order_id)
      from payments p join orders o on o.order_id = p.order_id where p.payment_id = :'p1'`, pid)[0];
  const before = snapshot();

  const faults = [
    { mode: 'error500', want: 'Internal server error' },
    { mode: 'html429', want: 'rate limited' },
    { mode: 'timeout', want: 'timeout', latency_ms: 5000 },
  ];
  for (const f of faults) {
    // the previous pass's backoff is over
    sql(`update payments set next_reconcile_at = now() where payment_id = :'p1'`, pid);
    await sim('POST', '/_sim/faults', { mode: f.mode, count: 3, paths: `/v1/payment/${pid}$`, method: 'GET', latency_ms: f.latency_ms });
    const attempts = Number(sql(`select reconcile_attempts from payments where payment_id = :'p1'`, pid)[0][0]);
    const r = reconcileOnce({ FFX_NP_TIMEOUT_MS: '500' });
    assert.equal(r.code, 0, `${f.mode}: a NOWPayments failure is not the pass's failure`);
    const line = r.lines.find((l) => l.msg === 'payment poll failed; retried after its backoff' && l.payment_id === pid);
    assert.ok(line, `${f.mode}: no poll failure logged for ${pid}`);
    assert.equal(line.level, 'warn');
    assert.equal(line.error, `NowPayments error: ${f.want}`);
    assert.match(line.detail, new RegExp(`GET /payment/${pid}: .*attempts 3`));
    assert.ok(r.pass.poll_failed >= 1);
    assert.deepEqual(snapshot(), before, `${f.mode}: no state change`);
    assert.equal(Number(sql(`select reconcile_attempts from payments where payment_id = :'p1'`, pid)[0][0]), attempts + 1,
      `${f.mode}: the backoff is recorded`);
    t.diagnostic(`${f.mode}: pass ${Math.round(r.pass.dur_ms)} ms, "${line.error}"`);
  }
  await sim('DELETE', '/_sim/faults');

  sql(`update payments set next_reconcile_at = now() where payment_id = :'p1'`, pid);
  const r = reconcileOnce();
  assert.equal(r.code, 0);
  const ok = r.lines.find((l) => l.msg === 'payment reconciled' && l.payment_id === pid);
  assert.ok(ok, 'the next pass applies the finished payment');
  assert.equal(ok.delivered, 1);
  await assertDeliveredOnce(p, user, stockBefore, product);
  assert.equal(sql(`select reconcile_attempts, next_reconcile_at is null from payments where payment_id = :'p1'`, pid)[0].join(), '0,t',
    'a status change resets the backoff');
});

// ---- a late finished racing the expiry pass, 200 times --------------------------------------------

// One expiry pass as the reconciler runs it: its own transaction, as service_role.
const expirePass = () => run('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', DATABASE_URL,
  '-c', 'begin',
  '-c', `select set_config('request.jwt.claims', '{"role":"service_role"}', true)`,
  '-c', 'set local role service_role',
  '-c', `select ffx_internal.expire_stale_orders('0 seconds')`,
  '-c', 'commit'], { env: { ...process.env, PGOPTIONS: '-c client_min_messages=error' } })
  .then(({ stdout }) => Number(stdout.trim().split('\n').at(-1)));

// The IPN NOWPayments sends when one of these payments finishes at the order's price.
const finishedIpn = (o) => ({
  payment_id: Number(o.paymentId), payment_status: 'finished', order_id: o.orderId, price_amount: o.amount,
  price_currency: 'usd', pay_amount: 1, actually_paid: 1, pay_currency: 'usdtbsc', outcome_amount: 0.995,
  outcome_currency: 'usdtbsc', updated_at: Date.now(),
});

test('a late finished racing the expiry pass, 200 orders: each delivered exactly once, inventory conserved', async (t) => {
  const ORDERS = 200;
  const BATCH = 20;
  const product = freeProduct();
  const user = createUser();
  addStock(product.size, product.platform, ORDERS, 'RACE');
  const stockBefore = stockCounts(product.size, product.platform);
  const base = 700000000000 + Math.floor(Math.random() * 1e6) * 1000;
  const all = [];
  let expiredByPasses = 0;
  const t0 = Date.now();
  for (let b = 0; b < ORDERS / BATCH; b++) {
    // BATCH open orders (pricing trigger) with one waiting payment each whose expiration passed
    const rows = sql(`
      with o as (
        insert into orders (user_id, account_type, account_size, platform_type)
        select :'p1', 'one_step', :'p2', :'p3' from generate_series(1, ${BATCH})
        returning order_id, user_id, final_amount),
      n as (select o.*, row_number() over (order by order_id) - 1 as i from o)
      insert into payments (payment_id, order_id, user_id, payment_status, pay_address, pay_amount, pay_currency,
                            price_amount, price_currency, raw, provider_created_at, created_at)
      select (:'p4'::bigint + i)::text, order_id, user_id, 'waiting', 'addr-race', 1, 'usdtbsc', final_amount, 'usd',
             jsonb_build_object('expiration_estimate_date', '2020-01-01T00:00:00.000Z', 'pay_currency', 'usdtbsc'),
             now() - interval '1 hour', now() - interval '1 hour'
        from n
      returning order_id, payment_id, price_amount`, user.id, product.size, product.platform, base + b * BATCH);
    const batch = rows.map(([orderId, paymentId, amount]) => ({ orderId, paymentId, amount: Number(amount) }));
    // four expiry passes (concurrent with each other too) and every order's finished IPN at a
    // random moment of a 300 ms window that starts 0, 100 or 200 ms later: some IPNs land before
    // a pass takes their order, some while a pass holds it, some after its commit
    const [answers, passes] = await Promise.all([
      Promise.all(batch.map(async (o) => {
        await sleep((b % 3) * 100 + Math.random() * 300);
        return sendIpn(finishedIpn(o));
      })),
      Promise.all([0, 1, 2, 3].map(() => expirePass())),
    ]);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    expiredByPasses += passes.reduce((x, y) => x + y, 0);
    all.push(...batch);
  }
  const ms = Date.now() - t0;

  const ids = all.map((o) => o.orderId).join(',');
  const states = sql(`
    select o.order_id, o.order_status || '/' || o.payment_status || '/' || o.delivery_status,
           (select count(*) from delivered_accounts d where d.order_id = o.order_id),
           (select p.payment_status from payments p where p.order_id = o.order_id),
           exists (select 1 from payment_transactions x where x.order_id = o.order_id and x.event_type = 'reconcile_expiry_expired')
      from orders o where o.order_id = any (string_to_array(:'p1', ','))`, ids);
  assert.equal(states.length, ORDERS);
  let expiredFirst = 0;
  const perBatch = Array(ORDERS / BATCH).fill(0);
  const batchOf = new Map(all.map((o, i) => [o.orderId, Math.floor(i / BATCH)]));
  for (const [orderId, state, delivered, payment, expired] of states) {
    // both events applied: either finished first (the expiry then skips it) or the expiry first
    // (then the late finished is honoured): delivered exactly once either way, never failed
    assert.equal(state, 'completed/paid/delivered', `${orderId}: ${state}`);
    assert.equal(delivered, '1', `${orderId}: ${delivered} deliveries`);
    assert.equal(payment, 'finished', orderId);
    if (expired === 't') {
      expiredFirst++;
      perBatch[batchOf.get(orderId)]++;
    }
  }
  const logins = sql(`select count(distinct d.container_account_id) from delivered_accounts d
                       where d.order_id = any (string_to_array(:'p1', ','))`, ids)[0][0];
  assert.equal(logins, String(ORDERS), 'no account delivered twice');
  const after = stockCounts(product.size, product.platform);
  assert.equal(total(after), total(stockBefore), 'inventory conserved');
  assert.equal(after.delivered ?? 0, (stockBefore.delivered ?? 0) + ORDERS);
  assert.equal(after.available ?? 0, (stockBefore.available ?? 0) - ORDERS);
  assert.ok(expiredByPasses >= expiredFirst, 'every expiry seen in the ledger was counted by a pass');
  t.diagnostic(`${ORDERS} orders in ${ms} ms: ${expiredFirst} expired first then paid late (per batch ${perBatch.join(' ')}), `
    + `${ORDERS - expiredFirst} finished first; all delivered once`);
});
