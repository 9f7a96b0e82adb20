// check-payment-status refreshes a stale payment from NOWPayments at most once per payment per
// FFX_STATUS_REFRESH_SECONDS across all workers (the attempt is claimed in the database,
// payment_refreshes, before the GET), in one attempt within FFX_STATUS_REFRESH_BUDGET_MS, and a
// provider that hangs on one payment makes no other customer wait. ffx-reconcile claims the same
// way, so the two never both poll one payment in the same interval.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BUILD_DIR, DATABASE_URL, SIM, call, sim, sql } from './lib/stack.mjs';
import { createUser } from './lib/identity.mjs';
import { buy } from './lib/commerce.mjs';

const FUNCTIONS_URL = process.env.FFX_FUNCTIONS_DATABASE_URL
  ?? DATABASE_URL.replace('postgres:postgres@', 'ffx_functions:ffx_functions@');

const check = (p) => call('check-payment-status', {
  method: 'GET',
  query: `?orderId=${p.order.order_id}&userId=${p.user.id}`,
  headers: { authorization: `Bearer ${p.user.token}` },
});

// our copy of the payment is an hour old, and nobody has asked NOWPayments about it yet
function makeStale(p) {
  sql(`update payments set updated_at = now() - interval '1 hour' where payment_id = :'p1'`, p.payment.payment_id);
  sql(`delete from payment_refreshes where payment_id = :'p1'`, p.payment.payment_id);
}

// A payment whose copy is stale and whose GET brings nothing new: one refresh first stores what
// GET /v1/payment/{id} answers (a different shape than the create response), so that later
// refreshes change nothing and our copy stays old, as for a customer waiting on an unpaid address.
async function staleUnchanged(p) {
  makeStale(p);
  assert.equal((await check(p)).status, 200);
  makeStale(p);
}

const getsOf = async (paymentId) => (await sim('GET', '/_sim/calls?method=GET&path=/v1/payment/'))
  .filter((c) => c.path === `/v1/payment/${paymentId}`).length;

async function timed(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ...r, ms: performance.now() - t0 };
}

const p95 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
};

test('50 concurrent status checks of one stale payment make exactly one GET', async (t) => {
  const p = await buy(createUser());
  await staleUnchanged(p);
  const before = await getsOf(p.payment.payment_id);
  const answers = await Promise.all(Array.from({ length: 50 }, () => check(p)));
  for (const r of answers) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.payment.payment_id, p.payment.payment_id);
  }
  const gets = await getsOf(p.payment.payment_id) - before;
  t.diagnostic(`50 concurrent checks of a stale payment: ${gets} GET /v1/payment/{id}`);
  assert.equal(gets, 1, 'one GET /v1/payment/{id} for 50 checks');
  // still stale (the status did not change) and within the interval: no further GET
  const again = await Promise.all(Array.from({ length: 10 }, () => check(p)));
  for (const r of again) assert.equal(r.status, 200, r.text);
  assert.equal(await getsOf(p.payment.payment_id) - before, 1, 'none for the next 10');
  const [[by]] = sql(`select attempted_by from payment_refreshes where payment_id = :'p1'`, p.payment.payment_id);
  assert.equal(by, 'check-payment-status');
});

test('a refresh that finds news applies it (the claim does not stop a real refresh)', async () => {
  const p = await buy(createUser());
  await sim('POST', `/_sim/payments/${p.payment.payment_id}/advance`, { statuses: [{ status: 'confirming', send: false }] });
  makeStale(p);
  const r = await check(p);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.payment.payment_status, 'confirming');
  assert.equal(r.json.order.order_status, 'processing');
});

test('NOWPayments hanging on one payment: one bounded attempt, and other customers\' checks stay fast', { timeout: 300000 }, async (t) => {
  const ROUNDS = 8; // per mode, interleaved
  const slow = await buy(createUser());
  const other = await buy(createUser());
  await staleUnchanged(slow);
  const lat = { off: [], on: [] };
  const slowTimes = { off: [], on: [] };
  const getsPerRound = [];
  let getsBefore = await getsOf(slow.payment.payment_id);
  for (let round = 0; round < 2 * ROUNDS; round++) {
    const mode = round % 2 === 0 ? 'off' : 'on';
    makeStale(slow);
    if (mode === 'on') {
      await sim('POST', '/_sim/faults', { mode: 'timeout', count: 100, latency_ms: 60000, paths: `/v1/payment/${slow.payment.payment_id}$` });
    }
    // the slow customer's page polls 4 times at once; the other customer checks 15 times in a row
    const slowChecks = Promise.all(Array.from({ length: 4 }, () => timed(() => check(slow))));
    const mine = [];
    for (let i = 0; i < 15; i++) mine.push(await timed(() => check(other)));
    const theirs = await slowChecks;
    await sim('DELETE', '/_sim/faults');
    for (const r of [...mine, ...theirs]) assert.equal(r.status, 200, `${mode}: ${r.text}`);
    lat[mode].push(...mine.map((r) => r.ms));
    slowTimes[mode].push(Math.max(...theirs.map((r) => r.ms)));
    const gets = await getsOf(slow.payment.payment_id);
    getsPerRound.push(gets - getsBefore);
    getsBefore = gets;
  }
  const budget = 1500; // FFX_STATUS_REFRESH_BUDGET_MS, the default
  const ratio = p95(lat.on) / p95(lat.off);
  t.diagnostic(`GETs of the slow payment per round (4 checks each): ${getsPerRound.join(' ')}`);
  t.diagnostic(`slowest check of the hanging payment: ${Math.max(...slowTimes.on).toFixed(0)} ms (budget ${budget} ms); without the fault ${Math.max(...slowTimes.off).toFixed(0)} ms`);
  t.diagnostic(`other customer's checks: p95 ${p95(lat.off).toFixed(1)} ms without the fault, ${p95(lat.on).toFixed(1)} ms with it (ratio ${ratio.toFixed(2)}, max ${Math.max(...lat.on).toFixed(0)} ms, n=${lat.on.length} each)`);
  assert.ok(ratio <= 1.5, `the other customer's p95 with the fault is ${ratio.toFixed(2)}x the p95 without it`);
  assert.deepEqual(getsPerRound, Array(2 * ROUNDS).fill(1), 'one GET per round for the slow payment\'s four checks');
  assert.ok(Math.max(...slowTimes.on) < budget + 1000, 'the hanging payment\'s checks end within the budget');
});

// One reconcile pass, as cron would run it; its summary line and its lines about one payment.
function reconcileOnce(minAgeS) {
  const r = spawnSync(path.join(BUILD_DIR, 'bin', 'ffx-reconcile'), ['--once'], {
    encoding: 'utf8',
    timeout: 60000,
    env: {
      ...process.env, DATABASE_URL: FUNCTIONS_URL, NOWPAYMENTS_BASE_URL: `${SIM}/v1`,
      FFX_RECONCILE_MIN_AGE_S: String(minAgeS), FFX_RECONCILE_BATCH: '10000', FFX_NP_TIMEOUT_MS: '1000',
    },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return lines.find((l) => l.msg === 'pass done');
}

test('the reconciler and the status check share the refresh claim: no two GETs of one payment in one interval', async () => {
  const p = await buy(createUser());
  await staleUnchanged(p);
  const before = await getsOf(p.payment.payment_id);
  assert.equal((await check(p)).status, 200);
  assert.equal(await getsOf(p.payment.payment_id) - before, 1, 'the status check refreshed');
  // (the refresh stamped our copy: make it due for the reconciler again)
  sql(`update payments set updated_at = now() - interval '1 hour' where payment_id = :'p1'`, p.payment.payment_id);
  const pass = reconcileOnce(60);
  assert.ok(pass.refreshed_recently >= 1, JSON.stringify(pass));
  assert.equal(await getsOf(p.payment.payment_id) - before, 1, 'the reconciler skipped the payment the status check just asked about');

  // the other way round: the reconciler polls first, then status checks within 30 s ask nobody
  const q = await buy(createUser());
  makeStale(q);
  const qBefore = await getsOf(q.payment.payment_id);
  reconcileOnce(60);
  assert.equal(await getsOf(q.payment.payment_id) - qBefore, 1, 'the reconciler polled');
  sql(`update payments set updated_at = now() - interval '1 hour' where payment_id = :'p1'`, q.payment.payment_id);
  for (let i = 0; i < 5; i++) assert.equal((await check(q)).status, 200);
  assert.equal(await getsOf(q.payment.payment_id) - qBefore, 1, 'no status check asked again within the interval');
  const [[by]] = sql(`select attempted_by from payment_refreshes where payment_id = :'p1'`, q.payment.payment_id);
  assert.equal(by, 'ffx-reconcile');
});
