// The metrics endpoint through nginx: who may read it, the Prometheus text
// format parsed strictly, and exact movements of the counters and gauges
// under known traffic (status checks, forged, valid, duplicate, unmatched
// and malformed IPNs, new orders, stock, a delivery), and a database outage
// that still serves the per-function counters.
//
// The integration tests run one at a time on the shared stack, so between
// two scrapes here only this file's requests move the per-function
// counters; the database gauges are compared per labelled series.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, call, sql, stack, waitFor } from './lib/stack.mjs';
import { ANON_KEY, SECRET_KEY, SERVICE_ROLE_KEY, addPayment, createOrder, createUser } from './lib/identity.mjs';
import { addStock, buy, ipnFor, orderState, sendIpn, sign } from './lib/commerce.mjs';

const TOKEN = process.env.FFX_METRICS_TOKEN ?? 'ffx-dev-metrics-token-not-for-production';
const FUNCTIONS = fs.readdirSync(path.join(ROOT, 'functions')).filter((d) => fs.existsSync(path.join(ROOT, 'functions', d, 'main.c')));

// ---- a strict parser of the text format 0.0.4 ----

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;

function parseLabels(s, line) {
  const labels = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('="', i);
    assert.ok(eq > i, `label without ="": ${line}`);
    const name = s.slice(i, eq);
    assert.match(name, LABEL, `bad label name in ${line}`);
    assert.ok(!name.startsWith('__'), `reserved label name in ${line}`);
    assert.ok(!(name in labels), `repeated label ${name} in ${line}`);
    let v = '';
    for (i = eq + 2; ; i++) {
      assert.ok(i < s.length, `unterminated label value in ${line}`);
      const c = s[i];
      if (c === '"') break;
      if (c === '\\') {
        const e = s[++i];
        assert.ok(e === '\\' || e === '"' || e === 'n', `bad escape \\${e} in ${line}`);
        v += e === 'n' ? '\n' : e;
      } else {
        assert.ok(c !== '\n', `raw newline in ${line}`);
        v += c;
      }
    }
    labels[name] = v;
    i++;
    if (i < s.length) {
      assert.equal(s[i], ',', `labels not separated by a comma: ${line}`);
      i++;
    }
  }
  return labels;
}

const key = (name, labels = {}) => `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;

// Returns Map(series key -> number) plus the families' types; throws on any violation.
function parseExposition(text) {
  assert.ok(text.endsWith('\n'), 'the text ends with a newline');
  const types = new Map();
  const helps = new Set();
  const series = new Map();
  const histos = new Map(); // family + labels without le -> { buckets: [[le, v]], sum, count }
  let current = null;
  for (const line of text.slice(0, -1).split('\n')) {
    assert.ok(line.length > 0, 'no empty lines');
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      assert.ok(m, `only HELP and TYPE comments: ${line}`);
      assert.match(m[2], NAME, `bad family name: ${line}`);
      if (m[1] === 'HELP') {
        assert.ok(!helps.has(m[2]), `second HELP for ${m[2]}`);
        assert.ok(!types.has(m[2]), `HELP after TYPE for ${m[2]}`);
        helps.add(m[2]);
      } else {
        assert.ok(['counter', 'gauge', 'histogram'].includes(m[3]), `type ${m[3]}`);
        assert.ok(!types.has(m[2]), `second TYPE for ${m[2]}`);
        assert.ok(helps.has(m[2]), `TYPE without HELP for ${m[2]}`);
        types.set(m[2], m[3]);
        current = m[2];
      }
      continue;
    }
    const m = /^([^{} ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `sample syntax: ${line}`);
    const [, name, rawLabels, rawValue] = m;
    assert.match(name, NAME, `bad metric name: ${line}`);
    assert.match(rawValue, VALUE, `bad value: ${line}`);
    const labels = rawLabels === undefined ? {} : parseLabels(rawLabels, line);
    const value = rawValue === 'NaN' ? NaN : Number(rawValue.replace('Inf', 'Infinity'));
    assert.ok(current !== null, `sample before any TYPE: ${line}`);
    const type = types.get(current);
    if (type === 'histogram') {
      const suffix = ['_bucket', '_sum', '_count'].find((s) => name === current + s);
      assert.ok(suffix, `sample ${name} inside histogram ${current}`);
      const { le, ...rest } = labels;
      const h = histos.get(key(current, rest)) ?? { buckets: [], sum: undefined, count: undefined };
      histos.set(key(current, rest), h);
      if (suffix === '_bucket') {
        assert.ok(le !== undefined, `bucket without le: ${line}`);
        h.buckets.push([le === '+Inf' ? Infinity : Number(le), value]);
      } else {
        assert.equal(le, undefined, `le on ${name}`);
        h[suffix.slice(1)] = value;
      }
    } else {
      assert.equal(name, current, `sample ${name} outside its family (current: ${current})`);
      if (type === 'counter') assert.ok(name.endsWith('_total'), `counter ${name} ends in _total`);
      if (type === 'counter') assert.ok(value >= 0, `counter ${name} is not negative`);
    }
    assert.ok(!series.has(key(name, labels)), `duplicate series ${key(name, labels)}`);
    series.set(key(name, labels), value);
  }
  for (const [k, h] of histos) {
    assert.ok(h.buckets.length >= 2, `${k}: buckets`);
    for (let i = 1; i < h.buckets.length; i++) {
      assert.ok(h.buckets[i][0] > h.buckets[i - 1][0], `${k}: le ascending`);
      assert.ok(h.buckets[i][1] >= h.buckets[i - 1][1], `${k}: buckets cumulative (monotonic)`);
    }
    assert.equal(h.buckets.at(-1)[0], Infinity, `${k}: the last bucket is +Inf`);
    assert.equal(h.buckets.at(-1)[1], h.count, `${k}: +Inf bucket == _count`);
    assert.ok(h.sum >= 0, `${k}: _sum present`);
  }
  return { series, types, histos };
}

async function scrape(headers = { authorization: `Bearer ${TOKEN}` }) {
  const r = await call('metrics', { method: 'GET', headers });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.ok(r.headers.get('x-request-id'));
  return parseExposition(r.text);
}

// The value of one series, 0 when it is absent (a code never answered, new stock).
const v = (m, name, labels = {}) => m.series.get(key(name, labels)) ?? 0;
const delta = (a, b, name, labels = {}) => v(b, name, labels) - v(a, name, labels);
const req = (fn, code) => ['ffx_http_requests_total', { function: fn, code: String(code) }];
const outcome = (o) => ['ffx_webhook_events_total', { function: 'payment-webhook', outcome: o }];
const HIST = 'ffx_http_request_duration_seconds';

test('the parser itself refuses broken exposition text', () => {
  const help = (n, t) => `# HELP ${n} h\n# TYPE ${n} ${t}\n`;
  const hist = (inf, count, b2 = 2) => `${help('h_seconds', 'histogram')}h_seconds_bucket{le="0.1"} 1\n`
    + `h_seconds_bucket{le="1"} ${b2}\nh_seconds_bucket{le="+Inf"} ${inf}\nh_seconds_sum 0.5\nh_seconds_count ${count}\n`;
  const ok = `${help('a_total', 'counter')}a_total{x="q\\"\\\\\\n",y="2"} 3\n${hist(2, 2)}`;
  const parsed = parseExposition(ok);
  assert.equal(parsed.series.get(key('a_total', { x: 'q"\\\n', y: '2' })), 3);
  const broken = {
    'no trailing newline': ok.slice(0, -1),
    'sample before TYPE': `a_total 1\n${help('a_total', 'counter')}`,
    'TYPE without HELP': '# TYPE a_total counter\na_total 1\n',
    'counter not _total': `${help('a', 'counter')}a 1\n`,
    'sample outside its family': `${help('a_total', 'counter')}b_total 1\n`,
    'TYPE twice': `${help('a_total', 'counter')}a_total 1\n# TYPE a_total counter\n`,
    'duplicate series': `${help('a_total', 'counter')}a_total{x="1"} 1\na_total{x="1"} 2\n`,
    'bad escape': `${help('a_total', 'counter')}a_total{x="\\t"} 1\n`,
    'bad label name': `${help('a_total', 'counter')}a_total{1x="1"} 1\n`,
    'bad value': `${help('a_total', 'counter')}a_total 1,5\n`,
    'negative counter': `${help('a_total', 'counter')}a_total -1\n`,
    '+Inf bucket != _count': hist(2, 3),
    'buckets not cumulative': hist(2, 2, 0),
    'other comment': `# hello\n${ok}`,
  };
  for (const [what, text] of Object.entries(broken)) assert.throws(() => parseExposition(text), assert.AssertionError, what);
});

// ---- who may read it ----

test('401 without or with bad credentials, 403 for a user or anon, 200 for the token, service role and admins', async () => {
  const alice = createUser();
  const boss = createUser({ isAdmin: true });
  const denied = [
    [{}, 401], [{ authorization: 'Bearer not-the-metrics-token-but-long-enough-xx' }, 401],
    [{ authorization: `Bearer ${TOKEN}x` }, 401], [{ authorization: TOKEN }, 401], [{ apikey: TOKEN }, 401],
    [{ authorization: `Bearer ${alice.token}` }, 403], [{ authorization: `Bearer ${ANON_KEY}` }, 403],
  ];
  for (const [headers, status] of denied) {
    const r = await call('metrics', { method: 'GET', headers });
    assert.equal(r.status, status, `${JSON.stringify(headers).slice(0, 60)}: ${r.text}`);
    assert.deepEqual(r.json, { success: false, error: 'Unauthorized' });
    assert.match(r.headers.get('content-type'), /^application\/json/);
    if (status === 401) assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  }
  for (const headers of [{ authorization: `Bearer ${TOKEN}` }, { authorization: `Bearer ${SERVICE_ROLE_KEY}` },
    { apikey: SECRET_KEY }, { authorization: `Bearer ${boss.token}` }]) {
    const m = await scrape(headers);
    assert.equal(v(m, 'ffx_database_up'), 1, 'the database gauges were read');
    assert.equal(m.types.get('ffx_orders'), 'gauge');
  }
  const post = await call('metrics', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' });
  assert.equal(post.status, 405);
});

test('the exposition: every function, every family typed, and a scrape counts itself once', async () => {
  const a = await scrape();
  const b = await scrape();
  for (const fn of FUNCTIONS) {
    assert.ok(a.series.has(key('ffx_function_start_time_seconds', { function: fn })), `${fn} writes its counter file`);
    assert.ok(a.histos.has(key(HIST, { function: fn })), `${fn} has a latency histogram`);
  }
  const want = {
    ffx_http_requests_total: 'counter', [HIST]: 'histogram', ffx_function_start_time_seconds: 'gauge',
    ffx_webhook_events_total: 'counter', ffx_ipn_events: 'gauge', ffx_orders: 'gauge', ffx_orders_paid_undelivered: 'gauge',
    ffx_orders_paid_undelivered_oldest_age_seconds: 'gauge', ffx_email_outbox_messages: 'gauge',
    ffx_email_outbox_oldest_pending_age_seconds: 'gauge', ffx_accounts_available: 'gauge', ffx_database_up: 'gauge',
  };
  for (const [family, type] of Object.entries(want)) assert.equal(a.types.get(family), type, family);
  for (const o of ['processed', 'duplicate', 'rejected_signature', 'unmatched', 'failed', 'invalid_payload', 'error']) {
    assert.ok(a.series.has(key(...outcome(o))), `webhook outcome ${o} listed at 0 too`);
  }
  for (const s of ['pending', 'processed', 'unmatched', 'failed']) assert.ok(a.series.has(key('ffx_ipn_events', { state: s })));
  for (const s of ['pending', 'sending', 'sent', 'failed']) assert.ok(a.series.has(key('ffx_email_outbox_messages', { status: s })));
  assert.equal(delta(a, b, ...req('metrics', 200)), 1, 'the first scrape is counted, once, before the second');
  assert.equal(delta(a, b, `${HIST}_count`, { function: 'metrics' }), 1);
});

// ---- exact movements under known traffic ----

test('status checks: requests by code and the latency histogram move by exactly the calls made', async () => {
  const alice = createUser();
  const orderId = createOrder(alice);
  addPayment(orderId, { status: 'finished' });
  const N = 7;
  const q = new URLSearchParams({ orderId, userId: alice.id }).toString();
  const m0 = await scrape();
  for (let i = 0; i < N; i++) {
    const r = await call('check-payment-status', { method: 'GET', query: `?${q}`, headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(r.status, 200, r.text);
  }
  for (let i = 0; i < 2; i++) {
    const r = await call('check-payment-status', { method: 'GET', query: `?orderId=${orderId}`, headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(r.status, 400);
  }
  const m1 = await scrape();
  assert.equal(delta(m0, m1, ...req('check-payment-status', 200)), N);
  assert.equal(delta(m0, m1, ...req('check-payment-status', 400)), 2);
  assert.equal(delta(m0, m1, `${HIST}_count`, { function: 'check-payment-status' }), N + 2);
  assert.equal(delta(m0, m1, `${HIST}_bucket`, { function: 'check-payment-status', le: '+Inf' }), N + 2);
  assert.ok(delta(m0, m1, `${HIST}_sum`, { function: 'check-payment-status' }) > 0, 'the latencies add to the sum');
  let previous = 0;
  for (const le of ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']) {
    const d = delta(m0, m1, `${HIST}_bucket`, { function: 'check-payment-status', le });
    assert.ok(d >= previous && d <= N + 2, `bucket le=${le} moved by ${d}`);
    previous = d;
  }
  for (const fn of FUNCTIONS.filter((f) => !['check-payment-status', 'metrics'].includes(f))) {
    assert.equal(delta(m0, m1, `${HIST}_count`, { function: fn }), 0, `${fn} untouched`);
  }
});

test('IPNs: forged, valid, duplicate, unmatched and malformed deliveries each move their own counter', async () => {
  const user = createUser();
  const p = await buy(user, { size: 200000, platform: 'mt5' });
  const waiting = ipnFor(p, 'waiting');
  const m0 = await scrape();

  const forged = await sendIpn(ipnFor(p, 'finished'), { secret: 'not-the-ipn-secret' });
  assert.equal(forged.status, 401);
  const m1 = await scrape();
  assert.equal(delta(m0, m1, ...outcome('rejected_signature')), 1, 'forged IPN: rejected_signature +1');
  assert.equal(delta(m0, m1, ...req('payment-webhook', 401)), 1);
  assert.equal(orderState(p.order.order_id).order, 'pending', 'the forged IPN changed nothing');

  assert.equal((await sendIpn(waiting)).status, 200);
  const m2 = await scrape();
  assert.equal(delta(m1, m2, ...outcome('processed')), 1, 'valid IPN: processed +1');
  assert.equal(delta(m1, m2, 'ffx_ipn_events', { state: 'processed' }), 1, 'stored as processed');
  assert.equal(delta(m1, m2, 'ffx_orders', { order_status: 'pending', payment_status: 'pending' }), -1);
  assert.equal(delta(m1, m2, 'ffx_orders', { order_status: 'processing', payment_status: 'pending' }), 1);

  assert.equal((await sendIpn(waiting)).status, 200);
  const m3 = await scrape();
  assert.equal(delta(m2, m3, ...outcome('duplicate')), 1, 'the same IPN again: duplicate +1');
  assert.equal(delta(m2, m3, ...outcome('processed')), 0);
  assert.equal(delta(m2, m3, 'ffx_ipn_events', { state: 'processed' }), 0, 'a duplicate is not stored');

  const orphan = { payment_id: 8000000000 + Math.floor(Math.random() * 1e9), payment_status: 'finished', order_id: null,
    price_amount: 649, price_currency: 'usd', pay_amount: 1, actually_paid: 1, updated_at: Date.now() };
  assert.equal((await sendIpn(orphan)).status, 200);
  const bad = sign({ payment_status: 'finished' });
  assert.equal((await sendIpn(null, { body: bad.body, sig: bad.sig })).status, 400);
  const m4 = await scrape();
  assert.equal(delta(m3, m4, ...outcome('unmatched')), 1, 'no order for it: unmatched +1');
  assert.equal(delta(m3, m4, 'ffx_ipn_events', { state: 'unmatched' }), 1);
  assert.equal(delta(m3, m4, ...outcome('invalid_payload')), 1, 'signed but no payment_id: invalid_payload +1');
  assert.equal(delta(m3, m4, ...req('payment-webhook', 400)), 1);
  for (const o of ['failed', 'error']) assert.equal(delta(m0, m4, ...outcome(o)), 0, `${o} unchanged`);
  assert.equal(delta(m0, m4, ...req('payment-webhook', 200)), 3);
});

test('orders, stock and a delivery move the database gauges exactly', async () => {
  const user = createUser();
  // a product on sale with no stock and nobody waiting for it: this test's order is first in line
  const free = sql(`
    select p.account_size, p.platform_type
      from (select distinct pr.account_size, pr.platform_type from pricing pr
             where pr.active and pr.account_type = 'one_step'
               and exists (select 1 from trading_rules t where t.account_type = 'one_step' and t.account_size = pr.account_size)) p
     where not exists (select 1 from account_container a where a.status = 'available'
                        and a.account_size = p.account_size and a.platform_type = p.platform_type)
       and not exists (select 1 from orders o where o.paid_at is not null and o.payment_status = 'paid'
                        and o.delivery_status <> 'delivered' and o.account_size = p.account_size and o.platform_type = p.platform_type)
     order by random() limit 1`);
  assert.equal(free.length, 1, 'a product without stock and without waiting orders exists');
  const product = { size: Number(free[0][0]), platform: free[0][1] };
  const stockLabels = { account_size: String(product.size), platform_type: product.platform };
  const odd = { account_size: '12345', platform_type: 'mt5' }; // not on sale: nothing can wait for it

  const m0 = await scrape();
  assert.equal(v(m0, 'ffx_accounts_available', stockLabels), 0, 'sold out products are listed at 0');
  for (let i = 0; i < 3; i++) {
    const r = await call('create-order', { body: JSON.stringify({ accountType: 'one_step', accountSize: 10000, platformType: 'mt4' }),
      headers: { authorization: `Bearer ${user.token}` } });
    assert.equal(r.status, 201, r.text);
  }
  addStock(12345, 'mt5', 4, 'METRICS');
  const m1 = await scrape();
  assert.equal(delta(m0, m1, 'ffx_orders', { order_status: 'pending', payment_status: 'pending' }), 3, 'three new orders');
  assert.equal(delta(m0, m1, ...req('create-order', 201)), 3);
  assert.equal(delta(m0, m1, 'ffx_accounts_available', odd), 4, 'four accounts added');

  // paid with no stock: waiting
  const p = await buy(user, product);
  assert.equal((await sendIpn(ipnFor(p, 'finished'))).status, 200);
  assert.deepEqual(orderState(p.order.order_id), { order: 'processing', payment: 'paid', delivery: 'pending', attention: '' });
  const m2 = await scrape();
  assert.equal(delta(m1, m2, 'ffx_orders_paid_undelivered'), 1, 'paid and waiting for stock: +1');
  assert.equal(delta(m1, m2, 'ffx_orders', { order_status: 'processing', payment_status: 'paid' }), 1);
  assert.ok(v(m2, 'ffx_orders_paid_undelivered_oldest_age_seconds') >= 0);
  if (v(m1, 'ffx_orders_paid_undelivered') === 0) {
    assert.ok(v(m2, 'ffx_orders_paid_undelivered_oldest_age_seconds') < 60, 'the only waiting order was paid just now');
  }
  const outboxTotal = (m) => ['pending', 'sending', 'sent', 'failed'].reduce((s, st) => s + v(m, 'ffx_email_outbox_messages', { status: st }), 0);

  // stock arrives: delivered at once
  addStock(product.size, product.platform, 1, 'METRICSD');
  assert.equal(orderState(p.order.order_id).delivery, 'delivered');
  const m3 = await scrape();
  assert.equal(delta(m2, m3, 'ffx_orders_paid_undelivered'), -1, 'delivered: no longer waiting');
  assert.equal(delta(m2, m3, 'ffx_orders', { order_status: 'processing', payment_status: 'paid' }), -1);
  assert.equal(delta(m2, m3, 'ffx_orders', { order_status: 'completed', payment_status: 'paid' }), 1);
  assert.equal(v(m3, 'ffx_accounts_available', stockLabels), 0, 'the one account added went straight out');
  assert.equal(outboxTotal(m3) - outboxTotal(m2), 1, 'one delivery e-mail queued (whatever the mailer did since)');
});

test('a database outage: 200 with ffx_database_up 0 and the per-function counters still there', async () => {
  const before = await scrape();
  stack('pg-stop');
  let down;
  try {
    down = await scrape();
  } finally {
    stack('pg-start');
  }
  assert.equal(v(down, 'ffx_database_up'), 0);
  assert.equal(down.types.has('ffx_orders'), false, 'no database gauges');
  for (const fn of FUNCTIONS) assert.ok(down.histos.has(key(HIST, { function: fn })), `${fn} still reported`);
  assert.equal(delta(before, down, ...req('metrics', 200)), 1);
  const up = await waitFor(async () => {
    const r = await call('metrics', { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } });
    return r.status === 200 && /\nffx_database_up 1\n/.test(r.text);
  }, { timeoutMs: 15000 });
  assert.ok(up, 'the gauges come back with the database');
});
