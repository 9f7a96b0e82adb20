// Contract tests of the NOWPayments simulator (tools/nowpayments-sim): every
// answer has the field names, types and shapes of the real bodies below (the
// facts are in docs/NOWPAYMENTS.md: "What we call", "Errors", "IPN delivery"),
// and its IPNs are signed the way NOWPayments signs them ("Signatures", its
// "Test vectors"). Starts its own simulator; needs no stack.
import test, { after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, depositAddress, signIpn, sortDeep } from '../../tools/nowpayments-sim/server.mjs';
import { freePorts } from './lib/stack.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = path.join(ROOT, 'tools/nowpayments-sim/server.mjs');
const [PORT] = await freePorts(1);
const BASE = `http://127.0.0.1:${PORT}`;
const KEY = 'contract-api-key';
const SECRET = 'contract-ipn-secret';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'np-sim-'));
const STATE_FILE = path.join(TMP, 'state.json');
const LOG_FILE = path.join(TMP, 'sim.log');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const hmac = (secret, text) => crypto.createHmac('sha512', secret).update(text).digest('hex');

// ---- real bodies, verbatim: NOWPayments' documentation, recorded traffic ----

const REAL = {
  // docs/NOWPAYMENTS.md "Errors": recorded, production and sandbox
  error403: { status: false, statusCode: 403, code: 'INVALID_API_KEY', message: 'Invalid api key' },
  // "Errors": recorded from the sandbox, a list call without the Bearer token
  error401: { status: false, statusCode: 401, code: 'AUTH_REQUIRED', message: 'Authorization header is empty (Bearer JWTtoken is required)' },
  // "Endpoints we do not call": POST /v1/auth, the documentation's example (exp - iat = 300)
  auth: { token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjU4MjYyNTkxMTUiLCJpYXQiOjE2MDUyODgzODQsImV4cCI6MTYwNTI4ODY4NH0.bk8B5AjoTt8Qfm1zHJxutAtgaTGW-2j67waGQ2DUHUI' },
  // GET /v1/currencies?fixed_rate=true, a real capture
  fixedRateItem: { currency: 'jst', max_amount: 75768.6451567967, min_amount: 383.1266919 },
  // GET /v1/full-currencies, the documentation's item
  fullCurrency: {
    id: 121, code: 'AAVE', name: 'Aave', enable: true, wallet_regex: '^(0x)[0-9A-Fa-f]{40}$', priority: 127,
    extra_id_exists: false, extra_id_regex: null, logo_url: '/images/coins/aave.svg', track: true, cg_id: 'aave',
    is_maxlimit: false, network: 'eth', smart_contract: null, network_precision: null,
  },
  // GET /v1/min-amount, the documentation's example
  minAmount: { currency_from: 'eth', currency_to: 'trx', min_amount: 0.0078999, fiat_equivalent: 35.40626584 },
  // GET /v1/estimate, the documentation's example
  estimate: { currency_from: 'usd', amount_from: 3999.5, currency_to: 'btc', estimated_amount: 0.17061637 },
  // "POST /v1/invoice": a real production answer, 2026-08
  invoice: JSON.parse('{"id":"6095133277","token_id":"6392173195","order_id":"deposit-7-1787358890674","order_description":"Foodplug deposit","price_amount":"1","price_currency":"USD","pay_currency":null,"ipn_callback_url":"http://x/api/webhooks/nowpayments","invoice_url":"https://nowpayments.io/payment/?iid=6095133277","success_url":"http://x/deposit","cancel_url":"http://x/deposit","customer_email":null,"partially_paid_url":null,"payout_currency":null,"created_at":"2026-08-22T00:34:50.876Z","updated_at":"2026-08-22T00:34:50.876Z","is_fixed_rate":false,"is_fee_paid_by_user":false,"source":null,"collect_user_data":false,"url":"https://nowpayments.io/payment/?iid=6095133277"}'),
  // "POST /v1/invoice-payment" (the shape of POST /v1/payment): a real production answer, 2025-08
  paymentCreate: JSON.parse('{"payment_id":"5977953151","payment_status":"waiting","pay_address":"0x24070CE7202c541381F3dF0aeb58d253006b9262","price_amount":13,"price_currency":"usd","pay_amount":13.25552622,"amount_received":12.96277893,"pay_currency":"usdtbsc","order_id":null,"order_description":null,"payin_extra_id":null,"ipn_callback_url":"https://nowpayments.io","customer_email":null,"created_at":"2025-08-27T16:56:58.628Z","updated_at":"2025-08-27T16:56:58.628Z","purchase_id":"4740818607","smart_contract":null,"network":"bsc","network_precision":null,"time_limit":null,"burning_percent":null,"expiration_estimate_date":"2025-08-27T17:16:58.628Z","is_fixed_rate":true,"is_fee_paid_by_user":false,"valid_until":"2025-09-03T16:56:58.628Z","type":"crypto2crypto","product":"api","origin_ip":"157.48.244.247"}'),
  // "GET /v1/payment/{id}": a real production answer, 2025-08
  paymentGet: JSON.parse('{"payment_id":5093564248,"invoice_id":null,"payment_status":"waiting","pay_address":"0x44568B551126DE713C8EA19ec9eeB6081829d400","payin_extra_id":null,"price_amount":12,"price_currency":"usd","pay_amount":13.488185,"actually_paid":0,"pay_currency":"usdterc20","order_id":null,"order_description":null,"purchase_id":4628350473,"outcome_amount":null,"outcome_currency":"usdtbsc","payout_hash":null,"payin_hash":null,"created_at":"2025-08-26T16:31:32.669Z","updated_at":"2025-08-26T16:31:32.669Z","burning_percent":"null","type":"crypto2crypto"}'),
  // "GET /v1/payment/{id}": the documentation's example (its outer braces restored)
  paymentGetFinished: {
    payment_id: 6249365965, invoice_id: null, payment_status: 'finished', pay_address: 'address', payin_extra_id: null,
    price_amount: 1, price_currency: 'usd', pay_amount: 11.8, actually_paid: 12, pay_currency: 'trx', order_id: null,
    order_description: null, purchase_id: 5312822613, outcome_amount: 11.8405, outcome_currency: 'trx', payout_hash: 'hash',
    payin_hash: 'hash', created_at: '2023-07-28T15:06:09.932Z', updated_at: '2023-07-28T15:09:40.535Z', burning_percent: 'null',
    type: 'crypto2crypto', payment_extra_ids: [5513339153],
  },
  // GET /v1/payment/, the documentation's list items: a parent with a child, and the child
  listParent: { payment_id: 5592161154, invoice_id: 6200264890, payment_status: 'partially_paid', pay_address: 'address', payin_extra_id: null, price_amount: 1, price_currency: 'usd', pay_amount: 12.5, actually_paid: 10, pay_currency: 'trx', order_id: null, order_description: null, purchase_id: 5392971146, outcome_amount: 9.8505, outcome_currency: 'trx', payout_hash: 'hash', payin_hash: 'hash', created_at: '2023-07-19T15:22:15.807Z', updated_at: '2023-07-19T15:27:10.477Z', type: 'crypto2crypto', payment_extra_ids: [4526424492] },
  listChild: { payment_id: 4526424492, invoice_id: 6200264890, payment_status: 'finished', pay_address: 'address', payin_extra_id: null, price_amount: 1, price_currency: 'usd', pay_amount: 12.5, actually_paid: 12.5, pay_currency: 'trx', order_id: null, order_description: null, purchase_id: 5392971146, outcome_amount: 12.338, outcome_currency: 'trx', payout_hash: 'hash', payin_hash: 'hash', created_at: '2023-07-19T15:22:15.754Z', updated_at: '2023-07-19T15:25:56.280Z', type: 'crypto2crypto', parent_payment_id: 5592161154, origin_type: 'REPEATED' },
  listEnvelope: { data: [], limit: 10, page: 0, pagesCount: 582, total: 5815 },
  // "Test vectors" 1: a real production IPN, 2025-12, with its secret and signature
  ipnRaw: '{"actually_paid":0.00656612,"actually_paid_at_fiat":0,"fee":{"currency":"btc","depositFee":0.000002,"serviceFee":0.000003,"withdrawalFee":0},"invoice_id":null,"order_description":null,"order_id":"deposit_a7936ab3-8970-4d3b-8f79-d17aa8928b03_1765249230","outcome_amount":0.00022187,"outcome_currency":"btc","parent_payment_id":null,"pay_address":"0x05Db991D7930CE6Ac8c21064de9A14EB2a154746","pay_amount":0.00656612,"pay_currency":"eth","payin_extra_id":null,"payment_extra_ids":null,"payment_id":5800567260,"payment_status":"finished","price_amount":20,"price_currency":"usd","purchase_id":"5172103429","updated_at":1765249461097}',
  ipnSecret: 'm+uEkMgkRR3ir3i+bX4ezfTLne5LN4Pq',
  ipnSig: 'da9aa86444805aa09917654dec3a524d84d6ce2d5e60fa0dbfef53312e7219a4f8f7ee24314ebce597bb28e037e67c03205a9c5094ba88ef8854f9ad36cc6292',
  // "Test vectors" 3: a real production IPN, 2023-10, waiting, not key-sorted
  ipn2023Waiting: '{"payment_id":5261148849,"parent_payment_id":null,"invoice_id":6417549628,"payment_status":"waiting","pay_address":"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ","payin_extra_id":null,"price_amount":5,"price_currency":"usd","pay_amount":69.242455,"actually_paid":0,"actually_paid_at_fiat":0,"pay_currency":"trx","order_id":"1","order_description":"Pay for services","purchase_id":"5931000544","updated_at":1698697714802,"outcome_amount":4.958355,"outcome_currency":"usdttrc20","payment_extra_ids":null}',
};

// ---- helpers ---------------------------------------------------------------

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

// The key set of actual equals the example's, and every field has the
// example's type (or one listed in allow[key]).
function assertShape(actual, example, label, allow = {}) {
  assert.equal(typeOf(actual), 'object', `${label}: not an object`);
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(example).sort(), `${label}: key set`);
  for (const k of Object.keys(example)) {
    const want = allow[k] ?? [typeOf(example[k])];
    assert.ok(want.includes(typeOf(actual[k])), `${label}.${k}: ${typeOf(actual[k])} (${JSON.stringify(actual[k])}), expected ${want.join('|')}`);
  }
}
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ID10 = /^[1-9]\d{9}$/;

// One HTTP request without connection reuse; resolves { status, headers, text, json, ms }.
function request(method, urlPath, { body, headers = {}, key = KEY, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (key !== null) h['x-api-key'] = key;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
      h['content-length'] = Buffer.byteLength(payload);
    }
    const started = Date.now();
    const req = http.request(`${BASE}${urlPath}`, { method, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json, ms: Date.now() - started });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', reject);
    req.end(payload);
  });
}
const api = (method, p, opts) => request(method, `/v1${p}`, opts);
async function ctl(method, p, body) {
  const r = await request(method, `/_sim${p}`, { body, key: null, timeoutMs: 60000 });
  assert.ok(r.status < 300, `control ${method} ${p}: ${r.status} ${r.text}`);
  return r.json;
}

// ---- the simulator process and an IPN receiver -----------------------------

let child = null;
async function startSim(extraEnv = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SIM_|NOWPAYMENTS_|FFX_SIM_)/.test(k)));
  Object.assign(env, {
    FFX_SIM_PORT: String(PORT), NOWPAYMENTS_API_KEY: KEY, NOWPAYMENTS_IPN_SECRET: SECRET,
    SIM_STATE_FILE: STATE_FILE, SIM_LOG: LOG_FILE, SIM_CASE_DELAY_MS: '30', ...extraEnv,
  });
  const proc = spawn(process.execPath, [SERVER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (c) => { err += c; });
  await new Promise((resolve, reject) => {
    const onData = (c) => {
      out += c;
      if (out.includes('listening')) { proc.stdout.off('data', onData); resolve(); }
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${out}${err}`)));
    setTimeout(() => reject(new Error(`simulator did not start: ${out}${err}`)), 10000).unref();
  });
  proc.stdout.resume();
  child = proc;
}
async function stopSim() {
  if (!child || child.exitCode !== null) return;
  const proc = child;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
  child = null;
}

// The receiver answers by receiver.answer(n) -> { status, delayMs } (n counts from 1).
const receiver = { received: [], answer: () => ({ status: 200, delayMs: 0 }), server: null, url: null };
function startReceiver() {
  receiver.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      receiver.received.push({ method: req.method, url: req.url, headers: req.headers, raw });
      const { status = 200, delayMs = 0 } = receiver.answer(receiver.received.length) ?? {};
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, delayMs);
    });
  });
  return new Promise((resolve) => receiver.server.listen(0, '127.0.0.1', () => {
    receiver.url = `http://127.0.0.1:${receiver.server.address().port}/ipn`;
    resolve();
  }));
}

before(async () => {
  await startReceiver();
  await startSim();
});
after(async () => {
  await stopSim();
  receiver.server?.closeAllConnections();
  await new Promise((resolve) => receiver.server?.close(resolve) ?? resolve());
  fs.rmSync(TMP, { recursive: true, force: true });
});
beforeEach(() => {
  receiver.received = [];
  receiver.answer = () => ({ status: 200, delayMs: 0 });
});

// Make an invoice and a payment from it (the backend's flow).
async function invoicePayment({ price = 649, payCurrency = 'btc', ipn = receiver.url, orderId = 'FFX000000001' } = {}) {
  const inv = await api('POST', '/invoice', {
    body: { price_amount: price, price_currency: 'usd', order_id: orderId, order_description: 'Challenge 100k', ipn_callback_url: ipn, success_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/cancel' },
  });
  assert.equal(inv.status, 201, inv.text);
  const pay = await api('POST', '/invoice-payment', { body: { iid: inv.json.id, pay_currency: payCurrency } });
  assert.equal(pay.status, 201, pay.text);
  return { invoice: inv.json, payment: pay.json, id: Number(pay.json.payment_id) };
}

// ---- the signer against docs/NOWPAYMENTS.md "Test vectors" -------------------

test('signer: the real 2025 production IPN and its signature', () => {
  const body = JSON.parse(REAL.ipnRaw);
  assert.equal(canonicalJson(body), REAL.ipnRaw, 'the real body is already canonical');
  assert.equal(signIpn(body, REAL.ipnSecret), REAL.ipnSig);
  assert.equal(hmac(REAL.ipnSecret, REAL.ipnRaw), REAL.ipnSig);
});

test('signer: the docs example vector and the 2023 vector', () => {
  const doc = {
    payment_id: 123456789, parent_payment_id: 987654321, invoice_id: null, payment_status: 'finished', pay_address: 'address',
    payin_extra_id: null, price_amount: 1, price_currency: 'usd', pay_amount: 15, actually_paid: 15, actually_paid_at_fiat: 0,
    pay_currency: 'trx', order_id: null, order_description: null, purchase_id: '123456789', outcome_amount: 14.8106,
    outcome_currency: 'trx', payment_extra_ids: null, fee: { currency: 'btc', depositFee: 0.09853637216235617, withdrawalFee: 0, serviceFee: 0 },
  };
  assert.equal(canonicalJson(doc), '{"actually_paid":15,"actually_paid_at_fiat":0,"fee":{"currency":"btc","depositFee":0.09853637216235617,"serviceFee":0,"withdrawalFee":0},"invoice_id":null,"order_description":null,"order_id":null,"outcome_amount":14.8106,"outcome_currency":"trx","parent_payment_id":987654321,"pay_address":"address","pay_amount":15,"pay_currency":"trx","payin_extra_id":null,"payment_extra_ids":null,"payment_id":123456789,"payment_status":"finished","price_amount":1,"price_currency":"usd","purchase_id":"123456789"}');
  assert.equal(signIpn(doc, 'my_ipn_secret'), '0e6f9ee8d8f3290049ad85a1c1b86033ddaaae8351b3fdf251c3f112f1acc895c8a3e12b77a496709c5078328ed30b1ee1379bbccf4320afaa278148d5824dc6');
  assert.notEqual(signIpn(doc, 'my_ipn_secret'), 'c8428d20787c5c347520c5ed55b54235369d80b2c42a249aa9d0780a926e4b2c4c9074329fb0ba53e185a491f55f3962e5643c065a0ab005ec469710941a1a92', 'not the broken one-liner');

  const finished2023 = JSON.parse('{"payment_id":5261148849,"parent_payment_id":null,"invoice_id":6417549628,"payment_status":"finished","pay_address":"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ","payin_extra_id":null,"price_amount":5,"price_currency":"usd","pay_amount":69.242455,"actually_paid":69.25,"actually_paid_at_fiat":0,"pay_currency":"trx","order_id":"1","order_description":"Pay for services","purchase_id":"5931000544","updated_at":1698697946468,"outcome_amount":4.959058,"outcome_currency":"usdttrc20","payment_extra_ids":null}');
  assert.equal(canonicalJson(finished2023), '{"actually_paid":69.25,"actually_paid_at_fiat":0,"invoice_id":6417549628,"order_description":"Pay for services","order_id":"1","outcome_amount":4.959058,"outcome_currency":"usdttrc20","parent_payment_id":null,"pay_address":"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ","pay_amount":69.242455,"pay_currency":"trx","payin_extra_id":null,"payment_extra_ids":null,"payment_id":5261148849,"payment_status":"finished","price_amount":5,"price_currency":"usd","purchase_id":"5931000544","updated_at":1698697946468}');
  assert.equal(signIpn(finished2023, 'my_ipn_secret'), 'c51161232359a4193ae89d67b0f5ddc3e6022d3c951742662d1853864027cbc885e093039d4e536eb24d400de0961b459a58c86e220aceb235f2c67f1eeefee1');
});

test('signer: the array vector in both array styles; JS number forms', () => {
  const body = { payment_id: 4526424492, payment_status: 'finished', payment_extra_ids: [4526424492, 5513339153] };
  assert.equal(signIpn(body, 'my_ipn_secret'), '01c4cd6951f0b298528d9ef4bafc53d8691af471093ffff4e9a472402bd7178790b9c48bbbe51085758d3ecf9498caf0b55fe68125403db9474a8f651d49c4b3');
  assert.equal(signIpn(body, 'my_ipn_secret', { arrays: 'object' }), 'c0d99e9851f759f46c672baa058ae23d2d371094bd671b288b50a1f3e9ebc7134a46af4ee5c3e1498178d0c32242cc973268e7890714f2528be855b34ddef1cf');
  assert.equal(canonicalJson({ b: 1e-7, a: 0.000002, c: 15, d: 'é/ü' }), '{"a":0.000002,"b":1e-7,"c":15,"d":"é/ü"}');
  assert.deepEqual(Object.keys(sortDeep({ b: 1, A: 2, _: 3, a: 4 })), ['A', '_', 'a', 'b']);
});

// ---- API shapes -------------------------------------------------------------

test('GET /v1/status needs no key and answers {"message":"OK"}', async () => {
  for (const key of [null, 'wrong', KEY]) {
    const r = await api('GET', '/status', { key });
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"message":"OK"}');
    assert.match(r.headers['content-type'], /^application\/json; charset=utf-8$/);
  }
});

test('a missing or wrong x-api-key gets the real 403 INVALID_API_KEY body', async () => {
  const calls = [
    ['GET', '/currencies'], ['GET', '/currencies?fixed_rate=true'], ['GET', '/full-currencies'], ['GET', '/merchant/coins'],
    ['GET', '/min-amount?currency_from=btc'], ['GET', '/estimate?amount=1&currency_from=usd&currency_to=btc'],
    ['POST', '/invoice', {}], ['POST', '/invoice-payment', {}], ['POST', '/payment', {}], ['GET', '/payment/5745459419'], ['GET', '/payment/'],
  ];
  for (const [method, p, body] of calls) {
    for (const key of [null, 'wrong-key', KEY.toUpperCase()]) {
      const r = await api(method, p, { key, body });
      assert.equal(r.status, 403, `${method} ${p} key=${key}`);
      assert.equal(r.text, JSON.stringify(REAL.error403));
      assert.match(r.headers['content-type'], /^application\/json/);
    }
  }
});

test('currencies, fixed-rate currencies, merchant coins and full currencies', async () => {
  const want = ['btc', 'eth', 'trx', 'usdtbsc', 'usdtmatic', 'usdttrc20', 'bnbbsc', 'ltc'];
  const plain = await api('GET', '/currencies');
  assert.equal(plain.status, 200);
  assert.deepEqual(Object.keys(plain.json), ['currencies']);
  for (const c of want) assert.ok(plain.json.currencies.includes(c), c);
  assert.ok(plain.json.currencies.every((c) => typeof c === 'string' && c === c.toLowerCase()));

  const fixed = await api('GET', '/currencies?fixed_rate=true');
  assert.equal(fixed.status, 200);
  assert.equal(fixed.json.currencies.length, plain.json.currencies.length);
  for (const item of fixed.json.currencies) {
    assertShape(item, REAL.fixedRateItem, `fixed_rate ${item.currency}`);
    assert.ok(item.min_amount > 0 && item.max_amount > item.min_amount);
  }

  const coins = await api('GET', '/merchant/coins');
  assert.equal(coins.status, 200);
  assert.deepEqual(Object.keys(coins.json), ['currencies']);
  for (const c of want) assert.ok(coins.json.currencies.includes(c), c);

  const full = await api('GET', '/full-currencies');
  assert.equal(full.status, 200);
  assert.deepEqual(Object.keys(full.json), ['currencies']);
  const docKeys = Object.keys(REAL.fullCurrency);
  for (const item of full.json.currencies) {
    const sub = Object.fromEntries(docKeys.map((k) => [k, item[k]]));
    assertShape(sub, REAL.fullCurrency, `full-currencies ${item.code}`, { smart_contract: ['null', 'string'], network_precision: ['null', 'string'] });
    assert.equal(typeof item.precision, 'number', 'the 2024 precision field');
    assert.equal(item.code, item.code.toUpperCase());
  }
  const codes = full.json.currencies.map((c) => c.code.toLowerCase());
  for (const c of want) assert.ok(codes.includes(c), c);
});

test('min-amount and estimate have the documented shapes and plausible numbers', async () => {
  const withFiat = await api('GET', '/min-amount?currency_from=eth&currency_to=trx&fiat_equivalent=usd&is_fixed_rate=False&is_fee_paid_by_user=False');
  assert.equal(withFiat.status, 200);
  assertShape(withFiat.json, REAL.minAmount, 'min-amount');
  assert.equal(withFiat.json.currency_from, 'eth');
  assert.equal(withFiat.json.currency_to, 'trx');
  assert.ok(Math.abs(withFiat.json.fiat_equivalent - withFiat.json.min_amount * 3500) < 0.01);

  const noFiat = await api('GET', '/min-amount?currency_from=btc&currency_to=btc');
  const { fiat_equivalent: _omitted, ...noFiatShape } = REAL.minAmount;
  assertShape(noFiat.json, noFiatShape, 'min-amount without fiat_equivalent');
  const fixedMin = await api('GET', '/min-amount?currency_from=btc&currency_to=btc&is_fixed_rate=true');
  assert.ok(fixedMin.json.min_amount > noFiat.json.min_amount, 'fixed-rate minimum is higher');

  const est = await api('GET', '/estimate?amount=3999.5000&currency_from=usd&currency_to=btc');
  assert.equal(est.status, 200);
  assertShape(est.json, REAL.estimate, 'estimate');
  assert.equal(est.json.amount_from, 3999.5);
  assert.equal(est.json.estimated_amount, 0.06153077, '3999.5 / 65000 to 8 decimals');
  const eur = await api('GET', '/estimate?amount=100&currency_from=eur&currency_to=usdttrc20');
  assert.equal(eur.json.estimated_amount, 108);

  const missing = await api('GET', '/min-amount');
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.json, { status: false, statusCode: 400, code: 'INVALID_REQUEST_PARAMS', message: 'currency_from is required' });
  const bad = await api('GET', '/estimate?amount=1&currency_from=us-d&currency_to=btc');
  assert.equal(bad.json.message, 'currency_from must only contain alpha-numeric characters');
  const unknown = await api('GET', '/estimate?amount=1&currency_from=usd&currency_to=doge');
  assert.equal(unknown.json.message, 'currency_to is not supported');
});

test('POST /v1/invoice answers 201 in the real 2026 shape (id and price_amount strings)', async () => {
  const r = await api('POST', '/invoice', {
    body: { price_amount: 649, price_currency: 'USD', order_id: 'FFX000000001', order_description: 'Challenge 100k', ipn_callback_url: 'https://api.example/functions/v1/payment-webhook', success_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/cancel' },
  });
  assert.equal(r.status, 201);
  assert.match(r.headers['content-type'], /^application\/json; charset=utf-8$/);
  assertShape(r.json, REAL.invoice, 'invoice');
  assert.match(r.json.id, ID10);
  assert.match(r.json.token_id, ID10);
  assert.equal(r.json.price_amount, '649');
  assert.equal(r.json.price_currency, 'USD', 'echoes the case sent');
  assert.equal(r.json.pay_currency, null);
  assert.equal(r.json.invoice_url, `https://nowpayments.io/payment/?iid=${r.json.id}`);
  assert.equal(r.json.url, r.json.invoice_url);
  assert.match(r.json.created_at, ISO_MS);
  assert.equal(r.json.updated_at, r.json.created_at);
  assert.equal(r.json.order_id, 'FFX000000001');

  const decimal = await api('POST', '/invoice', { body: { price_amount: 12.36, price_currency: 'usd', pay_currency: 'usdttrc20', is_fixed_rate: true } });
  assert.equal(decimal.status, 201);
  assert.equal(decimal.json.price_amount, '12.36');
  assert.equal(decimal.json.pay_currency, 'usdttrc20');
  assert.equal(decimal.json.is_fixed_rate, true);
  assert.equal(decimal.json.ipn_callback_url, null);
  assert.equal(decimal.json.order_id, null);
});

test('invalid parameters get 400 INVALID_REQUEST_PARAMS with the real wording', async () => {
  const cases = [
    [{ price_currency: 'usd' }, 'price_amount is required'],
    [{ price_amount: 'abc', price_currency: 'usd' }, 'price_amount must be a number'],
    [{ price_amount: -5, price_currency: 'usd' }, 'price_amount must be a positive number'],
    [{ price_amount: 10 }, 'price_currency is required'],
    [{ price_amount: 10, price_currency: 'usd', pay_currency: 'doge' }, 'pay_currency is not supported'],
    [{ price_amount: 10, price_currency: 'usd', success_url: 'https://shop.example/ok?a=1|2' }, 'success_url must be a valid uri'],
    [{ price_amount: 10, price_currency: 'usd', ipn_callback_url: 'not a url' }, 'ipn_callback_url must be a valid uri'],
    [{ price_amount: 10, price_currency: 'usd', is_fixed_rate: 'yes' }, 'is_fixed_rate must be a boolean'],
    [{ price_amount: 10, price_currency: 'usd', order_id: 42 }, 'order_id must be a string'],
  ];
  for (const [body, message] of cases) {
    const r = await api('POST', '/invoice', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.deepEqual(r.json, { status: false, statusCode: 400, code: 'INVALID_REQUEST_PARAMS', message });
  }
  const notJson = await api('POST', '/invoice', { body: '{"price_amount":' });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.json.code, 'INVALID_REQUEST_PARAMS');
  const payment = await api('POST', '/payment', { body: { price_amount: 10, price_currency: 'usd' } });
  assert.equal(payment.json.message, 'pay_currency is required');
  const iid = await api('POST', '/invoice-payment', { body: { pay_currency: 'btc' } });
  assert.equal(iid.json.message, 'iid is required');
});

test('POST /v1/payment answers 201 in the real 2025 shape (payment_id a string)', async () => {
  const r = await api('POST', '/payment', { body: { price_amount: 13, price_currency: 'usd', pay_currency: 'usdtbsc', ipn_callback_url: 'https://nowpayments.io', is_fixed_rate: true } });
  assert.equal(r.status, 201, r.text);
  assertShape(r.json, REAL.paymentCreate, 'create payment');
  assert.match(r.json.payment_id, ID10);
  assert.match(r.json.purchase_id, ID10);
  assert.equal(r.json.payment_status, 'waiting');
  assert.equal(r.json.pay_amount, 13);
  assert.equal(r.json.network, 'bsc');
  assert.match(r.json.pay_address, /^0x[0-9a-f]{40}$/);
  assert.equal(r.json.pay_address, depositAddress('usdtbsc', Number(r.json.payment_id)), 'deterministic per payment id');
  const created = Date.parse(r.json.created_at);
  assert.match(r.json.created_at, ISO_MS);
  assert.equal(Date.parse(r.json.expiration_estimate_date) - created, 20 * 60 * 1000);
  assert.equal(Date.parse(r.json.valid_until) - created, 7 * 24 * 3600 * 1000);
  assert.equal(r.json.type, 'crypto2crypto');
  assert.equal(r.json.product, 'api');

  const addresses = { btc: /^bc1q[02-9ac-hj-np-z]{38}$/, eth: /^0x[0-9a-f]{40}$/, bnbbsc: /^0x[0-9a-f]{40}$/, usdtmatic: /^0x[0-9a-f]{40}$/, trx: /^T[1-9A-HJ-NP-Za-km-z]{33}$/, usdttrc20: /^T[1-9A-HJ-NP-Za-km-z]{33}$/, ltc: /^ltc1q[02-9ac-hj-np-z]{38}$/ };
  const rates = { btc: 65000, eth: 3500, bnbbsc: 600, usdtmatic: 1, trx: 0.12, usdttrc20: 1, ltc: 80 };
  for (const [coin, re] of Object.entries(addresses)) {
    const p = await api('POST', '/payment', { body: { price_amount: 649, price_currency: 'usd', pay_currency: coin, order_id: 'FFX000000002' } });
    assert.equal(p.status, 201, `${coin}: ${p.text}`);
    assert.match(p.json.pay_address, re, coin);
    const decimals = ['trx', 'usdttrc20', 'usdtmatic'].includes(coin) ? 6 : 8;
    assert.equal(p.json.pay_amount, Math.round((649 / rates[coin]) * 10 ** decimals) / 10 ** decimals, coin);
  }
  const btc = await api('POST', '/payment', { body: { price_amount: 649, price_currency: 'usd', pay_currency: 'btc' } });
  assert.equal(btc.json.pay_amount, 0.00998462);
});

test('below the minimum gets 400 AMOUNT_MINIMAL_ERROR', async () => {
  const r = await api('POST', '/payment', { body: { price_amount: 0.5, price_currency: 'usd', pay_currency: 'btc' } });
  assert.equal(r.status, 400);
  assertShape(r.json, REAL.error403, 'minimal error');
  assert.equal(r.json.statusCode, 400);
  assert.equal(r.json.code, 'AMOUNT_MINIMAL_ERROR');
  assert.match(r.json.message, /^Crypto amount [\d.e-]+ is less than minimal$/);

  const inv = await api('POST', '/invoice', { body: { price_amount: 0.5, price_currency: 'usd' } });
  assert.equal(inv.status, 201, 'an invoice without a coin is not checked');
  const p = await api('POST', '/invoice-payment', { body: { iid: inv.json.id, pay_currency: 'btc' } });
  assert.equal(p.status, 400);
  assert.equal(p.json.code, 'AMOUNT_MINIMAL_ERROR');
});

test('invoice-payment links to the invoice; GET has payment_id a number and the real GET shape', async () => {
  const { invoice, payment, id } = await invoicePayment();
  assertShape(payment, REAL.paymentCreate, 'invoice-payment', { order_id: ['string'], order_description: ['string'] });
  assert.equal(typeof payment.payment_id, 'string');
  assert.equal(payment.ipn_callback_url, receiver.url, 'taken from the invoice');
  assert.equal(payment.order_id, 'FFX000000001');
  assert.equal(payment.price_amount, 649);
  assert.equal(payment.pay_currency, 'btc');

  const g = await api('GET', `/payment/${payment.payment_id}`);
  assert.equal(g.status, 200);
  assertShape(g.json, REAL.paymentGet, 'GET payment', { invoice_id: ['number'], order_id: ['string'], order_description: ['string'] });
  assert.equal(g.json.payment_id, id);
  assert.equal(g.json.invoice_id, Number(invoice.id));
  assert.equal(typeof g.json.purchase_id, 'number');
  assert.equal(g.json.purchase_id, Number(payment.purchase_id));
  assert.equal(g.json.burning_percent, 'null');
  assert.equal(g.json.actually_paid, 0);
  assert.equal(g.json.outcome_amount, null);
  assert.equal(g.json.pay_address, payment.pay_address);
  assert.equal(g.json.created_at, payment.created_at);

  const inv = await ctl('GET', `/invoices/${invoice.id}`);
  assert.deepEqual(inv.payments, [id]);
});

test('GET /v1/payment/{id}: unknown id 404 in the error shape, not a number 400', async () => {
  const r = await api('GET', '/payment/1234567890');
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, { status: false, statusCode: 404, code: 'NOT_FOUND', message: 'Payment not found' });
  const nan = await api('GET', '/payment/abc');
  assert.equal(nan.status, 400);
  assert.equal(nan.json.code, 'INVALID_REQUEST_PARAMS');
});

test('POST /v1/auth gives a 5-minute JWT; the list needs it (401 AUTH_REQUIRED without)', async () => {
  const noToken = await api('GET', '/payment/');
  assert.equal(noToken.status, 401);
  assert.equal(noToken.text, JSON.stringify(REAL.error401));
  const noSlash = await api('GET', '/payment?limit=1');
  assert.equal(noSlash.status, 401);

  const auth = await api('POST', '/auth', { key: null, body: { email: 'ops@example.com', password: 'secret' } });
  assert.equal(auth.status, 200);
  assertShape(auth.json, REAL.auth, 'auth');
  const parts = auth.json.token.split('.');
  assert.equal(parts.length, 3);
  const head = JSON.parse(Buffer.from(parts[0], 'base64url'));
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  assert.equal(head.alg, 'HS256');
  assert.match(claims.id, ID10);
  assert.equal(claims.exp - claims.iat, 300);
  const noEmail = await api('POST', '/auth', { key: null, body: { password: 'x' } });
  assert.equal(noEmail.status, 400);
  assert.equal(noEmail.json.message, 'email is required');

  const bearer = { authorization: `Bearer ${auth.json.token}` };
  const forged = await api('GET', '/payment/', { headers: { authorization: `Bearer ${parts[0]}.${parts[1]}.AAAA` } });
  assert.equal(forged.status, 401);
  assert.equal(forged.json.code, 'AUTH_REQUIRED');

  const { invoice } = await invoicePayment({ orderId: 'FFX000000010' });
  const second = await api('POST', '/invoice-payment', { body: { iid: invoice.id, pay_currency: 'eth' } });
  assert.equal(second.status, 201);
  const list = await api('GET', `/payment/?limit=10&page=0&sortBy=created_at&orderBy=asc&invoiceId=${invoice.id}`, { headers: bearer });
  assert.equal(list.status, 200, list.text);
  assertShape(list.json, REAL.listEnvelope, 'list');
  assert.equal(list.json.total, 2);
  assert.equal(list.json.pagesCount, 1);
  const { payment_extra_ids: _x, ...plainItem } = REAL.listParent;
  for (const item of list.json.data) {
    assertShape(item, plainItem, 'list item', { payin_hash: ['null'], payout_hash: ['null'], outcome_amount: ['null'], order_id: ['string'], order_description: ['string'] });
    assert.equal(item.invoice_id, Number(invoice.id));
  }
  assert.ok(list.json.data[0].created_at <= list.json.data[1].created_at);

  const paged = await api('GET', `/payment/?limit=1&page=1&orderBy=desc&invoiceId=${invoice.id}`, { headers: bearer });
  assert.equal(paged.json.data.length, 1);
  assert.equal(paged.json.pagesCount, 2);
  assert.equal(paged.json.page, 1);
  assert.equal(paged.json.data[0].payment_id, list.json.data[0].payment_id, 'desc, second page = the oldest');
  const today = new Date().toISOString().slice(0, 10);
  const dated = await api('GET', `/payment/?dateFrom=${today}&dateTo=${today}&invoiceId=${invoice.id}`, { headers: bearer });
  assert.equal(dated.json.total, 2);
  const past = await api('GET', `/payment/?dateFrom=2020-01-01&dateTo=2021-01-01&invoiceId=${invoice.id}`, { headers: bearer });
  assert.equal(past.json.total, 0);
  const badLimit = await api('GET', '/payment/?limit=501', { headers: bearer });
  assert.equal(badLimit.status, 400);
  assert.equal(badLimit.json.message, 'limit must be less than or equal to 500');
});

// ---- faults and the call record ---------------------------------------------

test('html429 fault: an HTML 429 with content-type text/html, then normal again', async () => {
  await ctl('DELETE', '/faults');
  await ctl('POST', '/faults', { mode: 'html429', count: 2 });
  for (let i = 0; i < 2; i++) {
    const r = await api('GET', '/estimate?amount=1&currency_from=usd&currency_to=btc');
    assert.equal(r.status, 429);
    assert.equal(r.headers['content-type'], 'text/html');
    assert.equal(r.headers['retry-after'], undefined);
    assert.match(r.text, /<title>429 Too Many Requests<\/title>/);
    assert.equal(r.json, null);
  }
  const ok = await api('GET', '/estimate?amount=1&currency_from=usd&currency_to=btc');
  assert.equal(ok.status, 200);
});

test('error500 and latency faults; the paths filter', async () => {
  await ctl('DELETE', '/faults');
  await ctl('POST', '/faults', { mode: 'error500', count: 1, paths: '/v1/invoice' });
  const status = await api('GET', '/status');
  assert.equal(status.status, 200, 'another path is not affected');
  const failed = await api('POST', '/invoice', { body: { price_amount: 10, price_currency: 'usd' } });
  assert.equal(failed.status, 500);
  assert.equal(failed.json.statusCode, 500);
  const ok = await api('POST', '/invoice', { body: { price_amount: 10, price_currency: 'usd' } });
  assert.equal(ok.status, 201);

  const base = await api('GET', '/status');
  await ctl('POST', '/faults', { mode: 'latency', count: 1, latency_ms: 600, paths: ['/v1/status'] });
  const slow = await api('GET', '/status');
  assert.equal(slow.status, 200);
  assert.equal(slow.text, '{"message":"OK"}');
  assert.ok(slow.ms >= 580, `latency ${slow.ms} ms`);
  assert.ok(slow.ms >= base.ms + 400);
  const fast = await api('GET', '/status');
  assert.ok(fast.ms < 400, `back to normal: ${fast.ms} ms`);
});

test('reset fault gives a socket error; timeout fault does not answer within 1 s', async () => {
  await ctl('DELETE', '/faults');
  await ctl('POST', '/faults', { mode: 'reset', count: 1, paths: '/v1/payment' });
  await assert.rejects(api('GET', '/payment/1234567890'), (e) => ['ECONNRESET', 'EPIPE'].includes(e.code) || /socket hang up/.test(e.message));

  await ctl('POST', '/faults', { mode: 'timeout', count: 1, paths: '/v1/invoice$', process: true });
  await ctl('DELETE', '/calls');
  const started = Date.now();
  await assert.rejects(api('POST', '/invoice', { body: { price_amount: 10, price_currency: 'usd' }, timeoutMs: 1000 }), (e) => e.code === 'CLIENT_TIMEOUT');
  assert.ok(Date.now() - started >= 990);
  const after = await api('POST', '/invoice', { body: { price_amount: 10, price_currency: 'usd' } });
  assert.equal(after.status, 201, 'the fault is used up');
  const held = await ctl('GET', '/calls?path=/v1/invoice$');
  assert.deepEqual(held.map((c) => [c.fault, c.status, c.processed_status ?? null]), [['timeout', null, 201], [null, 201, null]], 'process: the timed-out POST still created its invoice');
  assert.deepEqual(await ctl('GET', '/faults'), []);
});

test('the call record counts invoices; DELETE clears it', async () => {
  await ctl('DELETE', '/calls');
  await ctl('DELETE', '/faults');
  await api('POST', '/invoice', { body: { price_amount: 10, price_currency: 'usd', order_id: 'A' } });
  await api('POST', '/invoice', { body: { price_amount: 11, price_currency: 'usd', order_id: 'B' } });
  await api('POST', '/invoice-payment', { body: { pay_currency: 'btc' } });
  await api('GET', '/status');
  const all = await ctl('GET', '/calls');
  assert.ok(Array.isArray(all));
  assert.equal(all.length, 4);
  for (const c of all) {
    assert.match(c.time, ISO_MS);
    assert.equal(typeof c.status, 'number');
  }
  const invoices = await ctl('GET', '/calls?method=POST&path=/v1/invoice$');
  assert.deepEqual(invoices.map((c) => [c.method, c.path, c.status, c.body.order_id]), [['POST', '/v1/invoice', 201, 'A'], ['POST', '/v1/invoice', 201, 'B']]);
  await ctl('DELETE', '/calls');
  assert.deepEqual(await ctl('GET', '/calls'), []);
});

// ---- IPNs -------------------------------------------------------------------

const IPN_SHAPE = JSON.parse(REAL.ipnRaw);
const IPN_ALLOW = { invoice_id: ['number', 'null'], order_id: ['string', 'null'], order_description: ['string', 'null'], parent_payment_id: ['number', 'null'], outcome_amount: ['number', 'null'], payment_extra_ids: ['array', 'null'] };

test('advance waiting→confirming→finished: sorted, signed IPNs; GET reflects the end state', async () => {
  const { invoice, payment, id } = await invoicePayment();
  const r = await ctl('POST', `/payments/${id}/advance`, { statuses: ['waiting', 'confirming', 'finished'] });
  assert.equal(r.payment_id, id);
  assert.deepEqual(r.deliveries.map((d) => [d.status, d.attempts, d.http_status, d.ok]), [['waiting', 1, 200, true], ['confirming', 1, 200, true], ['finished', 1, 200, true]]);
  assert.equal(receiver.received.length, 3);
  let lastUpdated = 0;
  const statuses = [];
  for (const got of receiver.received) {
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/ipn');
    assert.equal(got.headers['content-type'], 'application/json');
    const sig = got.headers['x-nowpayments-sig'];
    assert.match(sig, /^[0-9a-f]{128}$/);
    assert.equal(hmac(SECRET, got.raw), sig, 'HMAC over the raw body');
    const body = JSON.parse(got.raw);
    assert.equal(JSON.stringify(sortDeep(body)), got.raw, 'the body is canonical');
    assertShape(body, IPN_SHAPE, `IPN ${body.payment_status}`, IPN_ALLOW);
    assertShape(body.fee, IPN_SHAPE.fee, 'IPN fee');
    assert.equal(body.payment_id, id);
    assert.equal(body.invoice_id, Number(invoice.id));
    assert.equal(body.purchase_id, payment.purchase_id);
    assert.equal(body.order_id, 'FFX000000001');
    assert.equal(body.parent_payment_id, null);
    assert.equal(body.pay_amount, payment.pay_amount);
    assert.equal(body.pay_address, payment.pay_address);
    assert.ok(Number.isInteger(body.updated_at) && body.updated_at > lastUpdated, 'updated_at: epoch ms, increasing');
    lastUpdated = body.updated_at;
    statuses.push(body.payment_status);
  }
  assert.deepEqual(statuses, ['waiting', 'confirming', 'finished']);
  const waiting = JSON.parse(receiver.received[0].raw);
  assert.equal(waiting.actually_paid, 0);
  const finished = JSON.parse(receiver.received[2].raw);
  assert.equal(finished.actually_paid, payment.pay_amount);
  assert.equal(typeof finished.outcome_amount, 'number');
  assert.ok(finished.outcome_amount > 0 && finished.outcome_amount < finished.actually_paid);

  const g = await api('GET', `/payment/${id}`);
  assert.equal(g.json.payment_status, 'finished');
  assert.equal(g.json.actually_paid, payment.pay_amount);
  assert.equal(g.json.outcome_amount, finished.outcome_amount);
  assertShape(g.json, (({ payment_extra_ids, ...rest }) => rest)(REAL.paymentGetFinished), 'GET finished', { invoice_id: ['number'], order_id: ['string'], order_description: ['string'] });
  assert.equal(new Date(finished.updated_at).toISOString(), g.json.updated_at);
});

test('unsorted2023 style: keys in the 2023 order, signature over the sorted form', async () => {
  const { id } = await invoicePayment({ payCurrency: 'trx' });
  const r = await ctl('POST', `/payments/${id}/advance`, { statuses: ['waiting', 'finished'], style: 'unsorted2023' });
  assert.ok(r.deliveries.every((d) => d.ok));
  assert.equal(receiver.received.length, 2);
  const order2023 = Object.keys(JSON.parse(REAL.ipn2023Waiting));
  for (const got of receiver.received) {
    const sig = got.headers['x-nowpayments-sig'];
    const body = JSON.parse(got.raw);
    assert.notEqual(hmac(SECRET, got.raw), sig, 'the raw body is not what was signed');
    assert.equal(hmac(SECRET, JSON.stringify(sortDeep(body))), sig, 'the sorted re-serialisation is');
    assert.deepEqual(Object.keys(body).slice(0, order2023.length), order2023);
    assert.deepEqual(Object.keys(body.fee), ['currency', 'depositFee', 'withdrawalFee', 'serviceFee']);
  }
});

test('duplicates: each step is sent 1 + duplicates times', async () => {
  const { id } = await invoicePayment();
  const r = await ctl('POST', `/payments/${id}/advance`, { statuses: ['confirming', 'finished'], duplicates: 2 });
  assert.equal(r.deliveries.length, 6);
  assert.equal(receiver.received.length, 6);
  const raws = receiver.received.map((x) => x.raw);
  assert.equal(new Set(raws.slice(0, 3)).size, 1);
  assert.equal(new Set(raws.slice(3)).size, 1);
  assert.equal(JSON.parse(raws[5]).payment_status, 'finished');
});

test('retries: 500, 500, 200 is three attempts and ok; exhausted retries are not ok', async () => {
  const { id } = await invoicePayment();
  receiver.answer = (n) => ({ status: n <= 2 ? 500 : 200 });
  const r = await ctl('POST', `/payments/${id}/advance`, { statuses: ['finished'], retry: { attempts: 3, interval_ms: 50 } });
  assert.deepEqual(r.deliveries, [{ status: 'finished', attempts: 3, http_status: 200, ok: true }]);
  assert.equal(receiver.received.length, 3);
  assert.equal(new Set(receiver.received.map((x) => x.raw)).size, 1, 'a retry resends the same body');

  receiver.received = [];
  receiver.answer = () => ({ status: 503 });
  const { id: id2 } = await invoicePayment();
  const r2 = await ctl('POST', `/payments/${id2}/advance`, { statuses: ['finished'], retry: { attempts: 1, interval_ms: 10 } });
  assert.equal(r2.deliveries[0].attempts, 2);
  assert.equal(r2.deliveries[0].ok, false);
  assert.equal(r2.deliveries[0].http_status, 503);
  const ipns = await ctl('GET', `/ipns?payment_id=${id2}`);
  assert.equal(ipns.length, 2);
});

test('a receiver slower than 3000 ms counts as failed and is retried', async () => {
  const { id } = await invoicePayment();
  receiver.answer = (n) => ({ status: 200, delayMs: n === 1 ? 3400 : 0 });
  const started = Date.now();
  const r = await ctl('POST', `/payments/${id}/advance`, { statuses: ['finished'], retry: { attempts: 1, interval_ms: 0 } });
  assert.deepEqual(r.deliveries, [{ status: 'finished', attempts: 2, http_status: 200, ok: true }]);
  assert.ok(Date.now() - started >= 2900);
  const ipns = await ctl('GET', `/ipns?payment_id=${id}`);
  assert.match(ipns[0].error, /3000 ms/);
});

test('child payment: new id, parent_payment_id set, order_id and invoice_id null', async () => {
  const { payment, id } = await invoicePayment();
  await ctl('POST', `/payments/${id}/advance`, { statuses: ['partially_paid'] });
  receiver.received = [];
  const r = await ctl('POST', `/payments/${id}/advance`, { statuses: ['finished'], child: true, actually_paid: 0.001 });
  assert.notEqual(r.payment_id, id);
  assert.equal(r.parent_payment_id, id);
  assert.equal(receiver.received.length, 1);
  const body = JSON.parse(receiver.received[0].raw);
  assert.equal(hmac(SECRET, receiver.received[0].raw), receiver.received[0].headers['x-nowpayments-sig']);
  assertShape(body, IPN_SHAPE, 'child IPN', IPN_ALLOW);
  assert.equal(body.payment_id, r.payment_id);
  assert.equal(body.parent_payment_id, id);
  assert.equal(body.order_id, null);
  assert.equal(body.invoice_id, null);
  assert.equal(body.payment_status, 'finished');
  assert.equal(body.actually_paid, 0.001);
  assert.equal(body.pay_address, payment.pay_address, 'a re-deposit to the same address');

  const childGet = await api('GET', `/payment/${r.payment_id}`);
  assert.equal(childGet.json.parent_payment_id, id);
  assert.equal(childGet.json.origin_type, 'REPEATED');
  assert.equal(childGet.json.payment_status, 'finished');
  const parentGet = await api('GET', `/payment/${id}`);
  assert.deepEqual(parentGet.json.payment_extra_ids, [r.payment_id]);
  assert.equal(parentGet.json.payment_status, 'partially_paid');
  assertShape(parentGet.json, REAL.paymentGetFinished, 'parent GET', { invoice_id: ['number'], order_id: ['string'], order_description: ['string'] });
});

test('a repeated deposit after expiry, and a wrong-asset deposit: their own amounts and asset', async () => {
  const { payment, id } = await invoicePayment();
  await ctl('POST', `/payments/${id}/advance`, { statuses: ['expired'] });
  receiver.received = [];
  const late = await ctl('POST', `/payments/${id}/advance`, { child: true, statuses: [{ status: 'finished', actually_paid: 1 }] });
  const lateBody = JSON.parse(receiver.received[0].raw);
  assert.equal(lateBody.parent_payment_id, id);
  assert.equal(lateBody.actually_paid, 1);
  assert.equal(lateBody.pay_currency, payment.pay_currency, 'a repeated deposit is in the parent\'s asset');
  assert.equal((await api('GET', `/payment/${id}`)).json.payment_status, 'expired', 'the parent stays expired');
  assert.equal((await api('GET', `/payment/${late.payment_id}`)).json.origin_type, 'REPEATED');

  receiver.received = [];
  const wrong = await ctl('POST', `/payments/${id}/advance`, { child: { pay_currency: 'USDTERC20' }, statuses: ['finished'] });
  const body = JSON.parse(receiver.received[0].raw);
  assert.equal(hmac(SECRET, receiver.received[0].raw), receiver.received[0].headers['x-nowpayments-sig']);
  assertShape(body, IPN_SHAPE, 'wrong-asset IPN', IPN_ALLOW);
  assert.equal(body.pay_currency, 'usdterc20');
  assert.equal(body.parent_payment_id, id);
  assert.equal(body.pay_address, payment.pay_address, 'sent to the same address');
  assert.equal(body.actually_paid, body.pay_amount, 'finished: the whole amount, in the other asset');
  const got = (await api('GET', `/payment/${wrong.payment_id}`)).json;
  assert.equal(got.origin_type, 'WRONG_ASSET');
  assert.equal(got.pay_currency, 'usdterc20');
  assert.deepEqual((await api('GET', `/payment/${id}`)).json.payment_extra_ids, [late.payment_id, wrong.payment_id]);

  const bad = await request('POST', `/_sim/payments/${id}/advance`, { body: { child: { pay_currency: 'doge' }, statuses: ['finished'] }, key: null });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { error: 'child.pay_currency is not supported' });
});

test('partially_paid pays a fraction; expired pays nothing; shuffle delivers every status', async () => {
  const { payment, id } = await invoicePayment();
  await ctl('POST', `/payments/${id}/advance`, { statuses: ['confirming', 'partially_paid'] });
  const pp = await api('GET', `/payment/${id}`);
  assert.equal(pp.json.payment_status, 'partially_paid');
  assert.ok(pp.json.actually_paid > 0 && pp.json.actually_paid < payment.pay_amount);

  const { id: id2 } = await invoicePayment();
  await ctl('POST', `/payments/${id2}/advance`, { statuses: ['expired'] });
  const ex = await api('GET', `/payment/${id2}`);
  assert.equal(ex.json.payment_status, 'expired');
  assert.equal(ex.json.actually_paid, 0);

  receiver.received = [];
  const { id: id3 } = await invoicePayment();
  const all = ['waiting', 'confirming', 'confirmed', 'sending', 'finished'];
  const r = await ctl('POST', `/payments/${id3}/advance`, { statuses: all, shuffle: true });
  assert.equal(r.payment_status, 'finished');
  assert.deepEqual(receiver.received.map((x) => JSON.parse(x.raw).payment_status).sort(), [...all].sort());
  assert.equal((await api('GET', `/payment/${id3}`)).json.payment_status, 'finished');
});

test('POST /_sim/ipn sends arbitrary and forged IPNs', async () => {
  const payload = { ...JSON.parse(REAL.ipnRaw), fee: { currency: 'btc', depositFee: 1e-7, serviceFee: 0.000083, withdrawalFee: 0 }, order_description: 'Défi / ünïcode' };
  const good = await ctl('POST', '/ipn', { url: receiver.url, payload });
  assert.equal(good.ok, true);
  assert.equal(good.attempts, 1);
  const got = receiver.received[0];
  assert.equal(got.raw, canonicalJson(payload));
  assert.match(got.raw, /"depositFee":1e-7,"serviceFee":0\.000083/);
  assert.match(got.raw, /"Défi \/ ünïcode"/);
  assert.equal(hmac(SECRET, got.raw), got.headers['x-nowpayments-sig']);

  await ctl('POST', '/ipn', { url: receiver.url, payload, secret: 'attacker' });
  assert.notEqual(hmac(SECRET, receiver.received[1].raw), receiver.received[1].headers['x-nowpayments-sig']);
  await ctl('POST', '/ipn', { url: receiver.url, payload, signature: null });
  assert.equal(receiver.received[2].headers['x-nowpayments-sig'], undefined);
  await ctl('POST', '/ipn', { url: receiver.url, body: REAL.ipnRaw, secret: REAL.ipnSecret });
  assert.equal(receiver.received[3].headers['x-nowpayments-sig'], REAL.ipnSig, 'the real vector, end to end');
});

test('a sandbox case drives the payment on its own', async () => {
  const r = await api('POST', '/payment', { body: { price_amount: 100, price_currency: 'usd', pay_currency: 'usdttrc20', ipn_callback_url: receiver.url, order_id: 'FFX000000020', case: 'success' } });
  assert.equal(r.status, 201);
  const deadline = Date.now() + 5000;
  while (receiver.received.length < 4 && Date.now() < deadline) await sleep(20);
  assert.deepEqual(receiver.received.map((x) => JSON.parse(x.raw).payment_status), ['confirming', 'confirmed', 'sending', 'finished']);
  assert.equal((await api('GET', `/payment/${r.json.payment_id}`)).json.payment_status, 'finished');
});

test('state survives a restart (SIM_STATE_FILE); SIM_LOG has a JSON line per request and IPN attempt', async () => {
  const { invoice, id } = await invoicePayment();
  await ctl('POST', `/payments/${id}/advance`, { statuses: ['finished'] });
  await stopSim();
  const saved = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
  assert.equal(saved.payments[id].payment_status, 'finished');
  await startSim();
  const g = await api('GET', `/payment/${id}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.payment_status, 'finished');
  assert.equal(g.json.invoice_id, Number(invoice.id));

  const lines = fs.readFileSync(LOG_FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.kind === 'request' && l.path === '/v1/invoice' && l.status === 201));
  assert.ok(lines.some((l) => l.kind === 'ipn' && l.payment_id === id && l.payment_status === 'finished' && l.ok === true));

  await ctl('POST', '/reset');
  assert.equal((await api('GET', `/payment/${id}`)).status, 404);
  assert.deepEqual(JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')).payments, {});
});
