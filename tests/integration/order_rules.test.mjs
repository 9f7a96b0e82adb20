// Order rules (issue 13, items 6-8) through nginx and, for the Data API, the way PostgREST runs a
// request: discount codes are used by paid orders only (held while a payment is open, given back
// when it expires), a banned or suspended customer cannot order, guessing codes is rate-limited,
// every refused code gets the same answer, and a direct insert or update of orders keeps to the
// same rules under every role a Data API request can take.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BUILD_DIR, DATABASE_URL, SIM, call, sql } from './lib/stack.mjs';
import { createUser } from './lib/identity.mjs';
import { addStock, ipnFor, orderState, sendIpn } from './lib/commerce.mjs';

// A product no other test sells: the orders paid here must not wait for (or take) another test's
// stock, which is matched by size and platform.
const product = { accountType: 'one_step', accountSize: 50000, platformType: 'mt4' };

const createOrder = (user, discountCode) => call('create-order', {
  body: JSON.stringify(discountCode === undefined ? product : { ...product, discountCode }),
  headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
});

const openPayment = (user, order) => call('create-crypto-payment', {
  body: JSON.stringify({ orderId: order.order_id, userId: user.id, accountType: order.account_type, accountSize: order.account_size,
    platformType: order.platform_type, cryptoCurrency: 'usdt_bsc', amount: order.amount, finalAmount: order.final_amount }),
  headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
});

// A code of this test's own (codes are global), with its limits.
function newCode(prefix, { maxUses = null, percentOff = 10, extra = '' } = {}) {
  const code = `${prefix}${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
  sql(`insert into discount_codes (code, percent_off, max_uses) values (:'p1', :'p2', nullif(:'p3', '')::integer)`,
    code, percentOff, maxUses ?? '');
  if (extra) sql(`update discount_codes set ${extra} where code = :'p1'`, code);
  return code;
}

const counts = (code) => sql(`select uses || '/' || held from discount_codes where code = :'p1'`, code)[0][0];
const ordersOf = (user) => Number(sql(`select count(*) from orders where user_id = :'p1'`, user.id)[0][0]);

// The settings row, changed for one test and put back afterwards.
async function withAttemptLimit(n, fn) {
  const [[before]] = sql('select discount_attempts_per_hour from order_settings');
  sql(`update order_settings set discount_attempts_per_hour = :'p1'`, n);
  try {
    return await fn();
  } finally {
    sql(`update order_settings set discount_attempts_per_hour = :'p1'`, before);
  }
}

test('a code\'s last use is held while a payment is open and comes back when the payment expires', async () => {
  const code = newCode('LAST', { maxUses: 1 });
  const alice = createUser();
  const bob = createUser();
  addStock(product.accountSize, product.platformType, 2, 'RULES'); // both orders get paid

  const a = await createOrder(alice, code.toLowerCase());
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.order.discount_code, code);
  assert.equal(a.json.order.final_amount, 2069.1);
  assert.equal(counts(code), '0/0', 'an unpaid order uses nothing');

  const ap = await openPayment(alice, a.json.order);
  assert.equal(ap.status, 200, ap.text);
  assert.equal(counts(code), '0/1', 'alice\'s open payment holds the last use');

  const refused = await createOrder(bob, code);
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.json, { success: false, error: 'Invalid discount code' });
  assert.equal(ordersOf(bob), 0);

  const expired = await sendIpn(ipnFor({ order: a.json.order, payment: ap.json.payment }, 'expired'));
  assert.equal(expired.status, 200, expired.text);
  assert.equal(orderState(a.json.order.order_id).order, 'failed');
  assert.equal(counts(code), '0/0', 'the expired payment gave the use back');

  const b = await createOrder(bob, code);
  assert.equal(b.status, 201, b.text);
  const bp = await openPayment(bob, b.json.order);
  assert.equal(bp.status, 200, bp.text);
  assert.equal(counts(code), '0/1');
  assert.equal((await sendIpn(ipnFor({ order: b.json.order, payment: bp.json.payment }, 'finished'))).status, 200);
  assert.ok(sql(`select paid_at is not null from orders where order_id = :'p1'`, b.json.order.order_id)[0][0] === 't');
  assert.equal(counts(code), '1/0', 'bob\'s paid order used it');

  // alice's money arrives after all: honoured, counted beyond max_uses, flagged and audited
  assert.equal((await sendIpn(ipnFor({ order: a.json.order, payment: ap.json.payment }, 'finished'))).status, 200);
  assert.equal(counts(code), '2/0');
  assert.deepEqual(sql(`select state, over_limit from discount_code_uses where order_id = :'p1'`, a.json.order.order_id), [['used', 't']]);
  assert.deepEqual(sql(`select new_values->>'order_id' from admin_audit_log where action_type = 'discount_over_limit' and record_id = :'p1'`, code),
    [[a.json.order.order_id]]);
});

test('two customers racing for the last use: the second payment is refused before it is recorded', async () => {
  const code = newCode('RACE', { maxUses: 1 });
  const carol = createUser();
  const dave = createUser();
  const c = await createOrder(carol, code);
  const d = await createOrder(dave, code);
  assert.equal(c.status, 201, c.text);
  assert.equal(d.status, 201, 'both unpaid orders are accepted: neither uses the code yet');
  assert.equal((await openPayment(carol, c.json.order)).status, 200);
  const r = await openPayment(dave, d.json.order);
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(r.json, { success: false, error: 'Invalid discount code' });
  assert.equal(sql(`select count(*) from payments where order_id = :'p1'`, d.json.order.order_id)[0][0], '0');
  assert.equal(counts(code), '0/1');
});

test('a hold that no payment backs is given back by the reconciler\'s pass', async () => {
  const code = newCode('SWEEP', { maxUses: 1 });
  const user = createUser();
  const o = await createOrder(user, code);
  assert.equal(o.status, 201, o.text);
  // what create-crypto-payment's reservation does before it calls NOWPayments; the process then
  // died, so no payment was ever recorded and nobody released the hold
  assert.deepEqual(sql(`select ffx_internal.discount_hold_take(:'p1')`, o.json.order.order_id), [['held']]);
  assert.equal(counts(code), '0/1');
  sql(`update discount_code_uses set held_at = now() - interval '2 hours' where order_id = :'p1'`, o.json.order.order_id);
  const r = spawnSync(path.join(BUILD_DIR, 'bin', 'ffx-reconcile'), ['--once'], {
    encoding: 'utf8', timeout: 120000,
    env: { ...process.env, DATABASE_URL: process.env.FFX_FUNCTIONS_DATABASE_URL ?? DATABASE_URL, NOWPAYMENTS_BASE_URL: `${SIM}/v1`,
      FFX_RECONCILE_EXPIRY_MINUTES: '60' },
  });
  assert.equal(r.status, 0, r.stderr);
  const pass = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'pass done');
  assert.ok(pass.discount_holds_released >= 1, JSON.stringify(pass));
  assert.equal(counts(code), '0/0', 'the code has its last use back');
  assert.equal((await createOrder(createUser(), code)).status, 201);
});

test('a banned or a suspended customer gets 403 and no order', async () => {
  for (const status of ['banned', 'suspended']) {
    const user = createUser();
    sql(`update user_profiles set account_status = :'p1' where id = :'p2'`, status, user.id);
    for (const code of [undefined, 'ANYTHING']) {
      const r = await createOrder(user, code);
      assert.equal(r.status, 403, `${status}: ${r.text}`);
      assert.deepEqual(r.json, { success: false, error: 'Account is suspended or banned' });
    }
    assert.equal(ordersOf(user), 0, status);
    assert.equal(sql(`select count(*) from discount_code_attempts where user_id = :'p1'`, user.id)[0][0], '0');
    sql(`update user_profiles set account_status = 'active' where id = :'p1'`, user.id);
    assert.equal((await createOrder(user)).status, 201, `${status}, then active again`);
  }
});

test('guessing codes is rate-limited per customer, wrong guesses included', async () => {
  const good = newCode('GOOD');
  const guesser = createUser();
  const other = createUser();
  await withAttemptLimit(3, async () => {
    for (let i = 0; i < 3; i++) {
      const r = await createOrder(guesser, `GUESS${i}${crypto.randomInt(1e6)}`);
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.json, { success: false, error: 'Invalid discount code' });
    }
    assert.deepEqual(sql(`select count(*), bool_or(accepted) from discount_code_attempts where user_id = :'p1'`, guesser.id),
      [['3', 'f']], 'the three wrong guesses were recorded although no order was created');
    const limited = await createOrder(guesser, good);
    assert.equal(limited.status, 429, limited.text);
    assert.deepEqual(limited.json, { success: false, error: 'Too many discount code attempts' });
    assert.equal(ordersOf(guesser), 0);
    assert.equal((await createOrder(guesser)).status, 201, 'an order without a code is not limited');
    assert.equal((await createOrder(other, good)).status, 201, 'another customer is not limited');
  });
});

test('wrong, expired, inactive and used-up codes get the same answer, in the same time', async () => {
  const user = createUser();
  const kinds = {
    wrong: () => `WRONG${crypto.randomBytes(4).toString('hex').toUpperCase()}`,
    expired: ((c) => () => c)(newCode('EXPIRED', { extra: "valid_until = now() - interval '1 day'" })),
    inactive: ((c) => () => c)(newCode('INACTIVE', { extra: 'active = false' })),
    usedup: ((c) => () => c)(newCode('USEDUP', { maxUses: 0 })),
  };
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const rounds = 80;
  await withAttemptLimit(100000, async () => {
    for (let round = 0; round < rounds; round++) {
      // interleaved, in a new order each round, so that a noisy machine slows every kind alike
      const order = Object.keys(kinds).sort(() => Math.random() - 0.5);
      for (const kind of order) {
        const t0 = process.hrtime.bigint();
        const r = await createOrder(user, kinds[kind]());
        times[kind][round] = Number(process.hrtime.bigint() - t0) / 1e6;
        assert.equal(r.status, 400, `${kind}: ${r.text}`);
        assert.equal(r.text, '{"success":false,"error":"Invalid discount code"}', kind);
      }
    }
  });
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };
  const m = Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)]));
  console.log(`# create-order median ms over ${rounds} interleaved rounds: ${Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  for (const kind of ['expired', 'inactive', 'usedup']) {
    // paired within each round (the same moment of the machine), then the median of the ratios
    const ratio = median(times[kind].map((t, round) => t / times.wrong[round]));
    console.log(`# ${kind} / wrong, median of the per-round ratios = ${ratio.toFixed(2)}`);
    assert.ok(ratio > 1 / 1.5 && ratio < 1.5, `${kind}: ${ratio.toFixed(2)} times a wrong code's time`);
  }
  assert.equal(ordersOf(user), 0);
});

// ---- the Data API, as PostgREST runs a request: one transaction, the role, the claims, the statement

const claimsOf = (user, extra = {}) => JSON.stringify({ sub: user.id, role: 'authenticated', email: user.email,
  aud: 'authenticated', app_metadata: { provider: 'email', ...extra } });

// Run one statement as PostgREST would for this role and these claims; { rows } or { error } with
// the SQLSTATE and message.
function dataApi(role, claims, statement) {
  const script = `\\set VERBOSITY verbose
begin;
select set_config('request.jwt.claims', :'claims', true) \\g /dev/null
set local role ${role};
${statement};
commit;
`;
  const r = spawnSync('psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-v', `claims=${claims}`, DATABASE_URL],
    { input: script, encoding: 'utf8' });
  if (r.status !== 0) {
    const m = /ERROR:\s+([0-9A-Z]{5}): (.*)/.exec(r.stderr);
    return { error: m ? { code: m[1], message: m[2] } : { code: 'unknown', message: r.stderr } };
  }
  return { rows: r.stdout.split('\n').filter((l) => l.length > 0 && l !== 'COMMIT').map((l) => l.split('\t')) };
}

test('Data API: a customer\'s direct insert keeps only type, size, platform and code', async () => {
  const alice = createUser();
  const bob = createUser();
  const code = newCode('DATA');
  const r = dataApi('authenticated', claimsOf(alice), `
    insert into public.orders (id, order_id, user_id, account_type, account_size, platform_type, amount, discount_amount,
                               final_amount, discount_code, order_status, payment_status, delivery_status, payment_provider,
                               payment_provider_id, invoice_id, invoice_url, pay_currency, crypto_currency, crypto_amount,
                               crypto_address, paid_at, delivered_at, needs_attention, created_at, updated_at)
    values ('00000000-0000-4000-8000-0000000000ff', 'FFX000000042', '${bob.id}', 'one_step', 5000, 'mt5', 1, 0, 1, '${code}',
            'completed', 'paid', 'delivered', 'manual', 'PP', 'INV', 'https://phish.example', 'btc', 'btc', 1, 'bc1q',
            now(), now(), 'price_mismatch', '2000-01-01', '2000-01-01')
    returning id = '00000000-0000-4000-8000-0000000000ff', order_id = 'FFX000000042', user_id, amount, discount_amount,
              final_amount, discount_code, order_status || '/' || payment_status || '/' || delivery_status, payment_provider,
              coalesce(payment_provider_id, invoice_id, invoice_url, pay_currency, crypto_currency, crypto_amount::text,
                       crypto_address, paid_at::text, delivered_at::text, needs_attention, 'none'),
              created_at > now() - interval '1 hour'`);
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.deepEqual(r.rows, [['f', 'f', alice.id, '349.00', '34.90', '314.10', code, 'pending/pending/pending', 'nowpayments', 'none', 't']]);
  assert.equal(ordersOf(bob), 0);
});

test('Data API: a refused code inserts nothing but counts; a banned customer is refused', async () => {
  const user = createUser();
  const r = dataApi('authenticated', claimsOf(user), `insert into public.orders (user_id, account_type, account_size, platform_type, discount_code)
    values (auth.uid(), 'one_step', 5000, 'mt5', 'NOSUCHCODE') returning order_id`);
  assert.deepEqual(r, { rows: [] }, 'no row, no error (PostgREST answers an empty result)');
  assert.deepEqual(sql(`select code, accepted from discount_code_attempts where user_id = :'p1'`, user.id), [['NOSUCHCODE', 'f']]);

  sql(`update user_profiles set account_status = 'banned' where id = :'p1'`, user.id);
  const banned = dataApi('authenticated', claimsOf(user), `insert into public.orders (user_id, account_type, account_size, platform_type)
    values (auth.uid(), 'one_step', 5000, 'mt5')`);
  assert.deepEqual(banned.error, { code: 'FF403', message: 'Account is suspended or banned' });
  const forThem = dataApi('service_role', '{"role":"service_role"}', `insert into public.orders (user_id, account_type, account_size, platform_type)
    values ('${user.id}', 'one_step', 5000, 'mt5')`);
  assert.deepEqual(forThem.error, { code: 'FF403', message: 'Account is suspended or banned' });
  assert.equal(ordersOf(user), 0);
});

test('Data API: no role changes an order directly; admins and service_role are told the way', async () => {
  const alice = createUser();
  const ops = createUser({ isAdmin: true });
  const placed = await createOrder(alice);
  assert.equal(placed.status, 201, placed.text);
  const id = placed.json.order.order_id;
  const statusRule = (c) => `${c} changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)`;
  const cases = [
    [`order_status = 'completed'`, statusRule('order_status')],
    [`payment_status = 'paid'`, statusRule('payment_status')],
    [`payment_status = 'paid', paid_at = now()`, statusRule('paid_at')],
    [`delivery_status = 'delivered'`, statusRule('delivery_status')],
    [`paid_at = now()`, statusRule('paid_at')],
    [`needs_attention = 'price_mismatch'`, statusRule('needs_attention')],
    [`final_amount = 1`, 'final_amount is set by the database when the order is created (pricing, discount_codes) and never changes'],
    [`crypto_currency = 'btc'`, 'crypto_currency changes only through create-crypto-payment (crypto_payment_record())'],
    [`created_at = '2000-01-01'`, 'created_at cannot change once the order exists'],
  ];
  const roles = [['authenticated', claimsOf(ops, { role: 'admin' }), 'admin'], ['service_role', '{"role":"service_role"}', 'service_role']];
  for (const [role, claims, who] of roles) {
    for (const [set, message] of cases) {
      const r = dataApi(role, claims, `update public.orders set ${set} where order_id = '${id}'`);
      assert.deepEqual(r.error, { code: 'FF403', message }, `${who}: ${set}`);
    }
  }
  const customer = dataApi('authenticated', claimsOf(alice), `update public.orders set order_status = 'completed', payment_status = 'paid' where order_id = '${id}' returning order_id`);
  assert.deepEqual(customer, { rows: [] }, 'the customer: no row may be updated (RLS)');
  const anon = dataApi('anon', '{"role":"anon"}', `update public.orders set order_status = 'completed' where order_id = '${id}'`);
  assert.equal(anon.error.code, '42501', 'anon: no privilege');
  assert.deepEqual(orderState(id), { order: 'pending', payment: 'pending', delivery: 'pending', attention: '' });
  assert.deepEqual(sql(`select final_amount, crypto_currency is null, created_at > now() - interval '1 hour' from orders where order_id = :'p1'`, id),
    [['2299.00', 't', 't']]);
});
