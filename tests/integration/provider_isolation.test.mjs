// No customer waits for another customer's NOWPayments call (issue 13, finding "no provider call
// under a lock"). One order's create-crypto-payment meets a slow provider (the simulator's latency
// fault on its POST /v1/invoice-payment, a second-coin payment as in the finding) while signed
// IPNs and checkouts for OTHER orders flow through nginx at the same time. The same workload runs
// without the fault, the two modes interleaved round by round in this one run, and the other
// traffic's p95 with the fault must stay within 1.5x of its p95 without it.
//
// Twice: on the stack as it runs (its own connection per worker, directly or through a PgBouncer
// pool of one connection per worker), and with every function through a PgBouncer pool no larger
// than the number of slow checkouts (here one slow checkout, one server connection: the scaled-
// down form of twenty checkouts waiting for a slow NOWPayments at a central PgBouncer whose
// default_pool_size is twenty, docs/DEPLOYMENT.md). The second one is where a transaction held
// open across the provider call stalls everybody.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, sim, sleep, waitFor } from './lib/stack.mjs';
import { createUser } from './lib/identity.mjs';
import { buy, checkout, ipnFor, placeOrder, sendIpn } from './lib/commerce.mjs';

const ROUNDS = Number(process.env.FFX_ISOLATION_ROUNDS ?? 10); // per mode
const FAULT_MS = 2900; // the finding's provider delay; NOWPayments gives an IPN about 3 s
// Per round, all well inside the slow call's 2.9 s: two streams of IPNs, and one stream of
// checkouts. One stream, because the slow call still occupies one of create-crypto-payment's two
// workers (a FastCGI worker serves one request at a time, and it is waiting for NOWPayments); what
// it must not hold is anything the others need: a lock, a transaction, a pooled connection.
const IPN_STREAMS = 2;
const IPNS_PER_ROUND = 30;
const CHECKOUTS_PER_ROUND = 10;

const product = { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' };

const newOrder = (user) => placeOrder(user, product);

async function timed(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ms: performance.now() - t0, r };
}

const p95 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Each stream runs its requests one after another; the streams run side by side.
async function streams(n, perStream, fn) {
  const out = [];
  await Promise.all(Array.from({ length: n }, async (_, s) => {
    for (let i = 0; i < perStream; i++) out.push(await fn(s * perStream + i));
  }));
  return out;
}

// The workload: ROUNDS rounds per mode, interleaved (without, with, without, ...). In each round
// one order's second-coin checkout starts; with the fault its POST /v1/invoice-payment waits
// FAULT_MS in the simulator, and the other traffic starts once that call is inside the simulator.
async function isolationRun(t, label) {
  await sim('DELETE', '/_sim/faults');
  // The slow customer: one order per round, already paying in usdt_bsc (invoice created).
  const slowUser = createUser();
  const slowOrders = [];
  for (let i = 0; i < 2 * ROUNDS; i++) slowOrders.push((await buy(slowUser, { coin: 'usdt_bsc' })).order);
  // The IPN traffic: open payments of other customers, a fresh updated_at for each IPN.
  const ipnTargets = [];
  for (let i = 0; i < 4; i++) ipnTargets.push(await buy(createUser()));
  // The checkout traffic: fresh orders of other customers, one per checkout.
  const others = Array.from({ length: 4 }, () => createUser());
  const fresh = [];
  for (let i = 0; i < 2 * ROUNDS * CHECKOUTS_PER_ROUND; i++) {
    const user = others[i % others.length];
    fresh.push({ user, order: await newOrder(user) });
  }

  const lat = { off: { ipn: [], checkout: [], slow: [] }, on: { ipn: [], checkout: [], slow: [] } };
  const ipnBase = Date.now();
  let ipnSerial = 0;
  for (let round = 0; round < 2 * ROUNDS; round++) {
    const mode = round % 2 === 0 ? 'off' : 'on';
    if (mode === 'on') {
      await sim('POST', '/_sim/faults', { mode: 'latency', latency_ms: FAULT_MS, count: 1, paths: '/v1/invoice-payment$' });
    }
    const slow = timed(() => checkout(slowUser, slowOrders[round], 'btc'));
    if (mode === 'on') {
      assert.ok(await waitFor(async () => (await sim('GET', '/_sim/faults')).length === 0, { timeoutMs: 10000, stepMs: 10 }),
        'the slow call reached the simulator');
    } else {
      await sleep(20);
    }
    const batch = fresh.splice(0, CHECKOUTS_PER_ROUND);
    const [ipns, checkouts] = await Promise.all([
      streams(IPN_STREAMS, IPNS_PER_ROUND / IPN_STREAMS, (i) => {
        const target = ipnTargets[i % ipnTargets.length];
        return timed(() => sendIpn(ipnFor(target, 'waiting', { updated_at: ipnBase + ++ipnSerial })));
      }),
      streams(1, CHECKOUTS_PER_ROUND, (i) => timed(() => checkout(batch[i].user, batch[i].order, 'usdt_bsc'))),
    ]);
    const s = await slow;
    assert.equal(s.r.status, 200, `${label}: the slow checkout: ${s.r.text}`);
    for (const x of ipns) assert.equal(x.r.status, 200, `${label} (${mode}): an IPN: ${x.r.text}`);
    for (const x of checkouts) assert.equal(x.r.status, 200, `${label} (${mode}): a checkout: ${x.r.text}`);
    lat[mode].slow.push(s.ms);
    lat[mode].ipn.push(...ipns.map((x) => x.ms));
    lat[mode].checkout.push(...checkouts.map((x) => x.ms));
  }

  const fmt = (xs) => `p95 ${p95(xs).toFixed(0)} ms, median ${median(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;
  for (const kind of ['slow', 'ipn', 'checkout']) {
    t.diagnostic(`${label}: ${kind}: without the fault ${fmt(lat.off[kind])}; with it ${fmt(lat.on[kind])}`);
  }
  assert.ok(median(lat.on.slow) >= FAULT_MS, 'the fault did slow the one order\'s call');
  const over = [];
  for (const kind of ['ipn', 'checkout']) {
    const ratio = p95(lat.on[kind]) / p95(lat.off[kind]);
    t.diagnostic(`${label}: ${kind}: p95 with the fault / without it = ${ratio.toFixed(2)}`);
    if (ratio > 1.5) over.push(`${kind} p95 with the fault is ${ratio.toFixed(2)}x the p95 without it`);
  }
  return over;
}

// The p95 of a few hundred millisecond-scale requests on a shared two-core machine can double by
// itself when other work lands on one round. A measurement over 1.5x is therefore taken again, up
// to three times, and the test fails only when every attempt is over: a call that holds a lock or
// a pooled connection across the provider call makes the others wait the whole 2.9 s (70x on the
// code before the fix), in every attempt.
async function isolation(t, label) {
  const attempts = [];
  for (let i = 1; i <= 3; i++) {
    const over = await isolationRun(t, `${label}, attempt ${i}`);
    if (over.length === 0) return;
    attempts.push(`attempt ${i}: ${over.join('; ')}`);
  }
  assert.fail(`${label}: ${attempts.join(' | ')}`);
}

// scripts/stack with these environment variables changed. Asynchronous: a blocked event loop would
// keep the simulator's closed keep-alive sockets in fetch's pool.
const run = promisify(execFile);
async function stackWith(env, ...args) {
  const e = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete e[k]; else e[k] = v;
  }
  await run(path.join(ROOT, 'scripts/stack'), args, { env: e });
}

// The provider timeout is production's 10 s here: the test stack's 3 s leaves the 2.9 s call too
// little room on a busy machine (it would time out, which is another test).
const PRODUCTION_TIMEOUT = { FFX_NP_TIMEOUT_MS: '10000' };

test('one slow provider call: other orders\' IPNs and checkouts on the stack as it runs', { timeout: 300000 }, async (t) => {
  await stackWith(PRODUCTION_TIMEOUT, 'fn-start', 'create-crypto-payment');
  try {
    await isolation(t, process.env.FFX_PGBOUNCER === '1' ? 'pool of one connection per worker' : 'direct');
  } finally {
    await stackWith({}, 'fn-start', 'create-crypto-payment');
  }
});

test('one slow provider call: other orders\' IPNs and checkouts through a pool no larger than the slow checkouts', { timeout: 300000 }, async (t) => {
  const pooled = process.env.FFX_PGBOUNCER;
  const pool = process.env.FFX_PGBOUNCER_POOL_SIZE;
  // a running PgBouncer reloads its configuration; fn-start restarts the functions whose
  // environment changed
  await stackWith({ FFX_PGBOUNCER_POOL_SIZE: '1' }, 'pgbouncer-start');
  await stackWith({ FFX_PGBOUNCER: '1', ...PRODUCTION_TIMEOUT }, 'fn-start');
  try {
    await isolation(t, 'PgBouncer, one server connection');
  } finally {
    await stackWith({ FFX_PGBOUNCER_POOL_SIZE: pool }, 'pgbouncer-start');
    await stackWith({ FFX_PGBOUNCER: pooled }, 'fn-start');
  }
});
