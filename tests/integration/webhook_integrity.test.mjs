// payment-webhook applies exactly what was signed and refuses forgeries cheaply (issue 13, items
// 2 and 3), through nginx with IPNs signed as NOWPayments signs them (HMAC-SHA512 under the dev
// secret of JSON.stringify of the key-sorted body, the simulator's own signer):
//
// - a captured signature replayed on a body that JSON.parse reads as the signed value but that
//   says something else to PostgreSQL (a re-formatted number, a duplicated key, __proto__) is
//   400 and changes nothing; so are bodies signed properly that break the strict rules
//   (constructor keys, too many keys or array elements, nesting deeper than 3);
// - a legitimately unsorted (2023-style) body signed over its canonical form is accepted, the
//   inbox holds the canonical text's value and dedupe key, and the log line says so;
// - the body cap is 16 KiB in nginx and in the function;
// - refusing a forged 16 KiB body costs at most twice the CPU of refusing a forged 1 KiB one
//   (the payment-webhook workers' utime + stime from /proc, interleaved rounds, ratio only).
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { API, ROOT, STATE_DIR, call, childPids, masterPid, sql } from './lib/stack.mjs';
import { createUser } from './lib/identity.mjs';
import { IPN_SECRET, addStock, buy, ipnFor, orderState } from './lib/commerce.mjs';
import { openRequest } from './lib/fcgi.mjs';

const { canonicalJson, ipnBody, hmacHex } = await import(path.join(ROOT, 'tools/nowpayments-sim/server.mjs'));

const BODY_CAP = 16 * 1024;
const json = { 'content-type': 'application/json' };
const INVALID_PAYLOAD = { success: false, error: 'Invalid payload' };
const INVALID_SIGNATURE = { success: false, error: 'Invalid signature' };

const post = (body, sig) => call('payment-webhook', { body, headers: { ...json, ...(sig ? { 'x-nowpayments-sig': sig } : {}) } });
// What NOWPayments signs: the canonical form of the payload (arrays kept as arrays).
const signatureOf = (payload, secret = IPN_SECRET) => hmacHex(secret, canonicalJson(payload));

// Everything a replay could have changed: row counts and the order's whole row.
function snapshot(orderId) {
  const [[events, payments, transactions]] = sql(`select (select count(*) from ipn_events), (select count(*) from payments),
    (select count(*) from payment_transactions)`);
  const [[order]] = sql(`select row_to_json(o)::text from orders o where order_id = :'p1'`, orderId);
  return { events, payments, transactions, order };
}

// The function's log lines of one request (by the X-Request-Id nginx gave it).
function logLines(requestId) {
  const file = path.join(STATE_DIR, 'log', 'payment-webhook.log');
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(requestId)).map((l) => JSON.parse(l));
}

// ---- replays of a captured signature ----

let paid; // a purchase whose 'finished' IPN was delivered and applied
let captured; // that IPN: { payload, body, sig }

test('fixture: a real finished IPN is applied once', async () => {
  const user = createUser();
  addStock(10000, 'mt4', 1, 'INTEG');
  paid = await buy(user);
  const payload = ipnFor(paid, 'finished');
  captured = { payload, body: canonicalJson(payload), sig: signatureOf(payload) };
  const r = await post(captured.body, captured.sig);
  assert.equal(r.status, 200, r.text);
  assert.equal(orderState(paid.order.order_id).delivery, 'delivered');
});

// Re-write the captured body's text so that JSON.parse (and so the canonical form) still gives
// the signed object.
const replays = () => {
  const { body } = captured;
  const id = String(captured.payload.payment_id);
  const paidText = String(captured.payload.actually_paid);
  const field = (k, v) => body.replace(`"${k}":${JSON.stringify(captured.payload[k])}`, `"${k}":${v}`);
  return [
    ['payment_id with digits a double drops', field('payment_id', `${id}.0000001`)],
    ['payment_id with a trailing .0', field('payment_id', `${id}.0`)],
    ['payment_id in exponent form', field('payment_id', `${id[0]}.${id.slice(1)}E${id.length - 1}`)],
    ['actually_paid with digits a double drops', field('actually_paid', `${paidText}${paidText.includes('.') ? '' : '.'}00000000000001`)],
    ['actually_paid with a trailing zero', field('actually_paid', `${paidText}${paidText.includes('.') ? '0' : '.0'}`)],
    ['actually_paid in exponent form', field('actually_paid', `${Number(paidText).toExponential()}`)],
    ['order_id duplicated, another order first', `{"order_id":"FFX000000001",${body.slice(1)}`],
    ['payment_status duplicated, the signed one last', `{"payment_status":"refunded",${body.slice(1)}`],
    ['duplicate key inside fee', body.replace('"fee":{', '"fee":{"currency":"usd",')],
    ['__proto__ key', `{"__proto__":{"payment_id":1},${body.slice(1)}`],
    ['__proto__ key, escaped', `{"\\u005f_proto__":{"payment_id":1},${body.slice(1)}`],
  ];
};

test('a captured signature replayed with re-formatted numbers, duplicate keys or __proto__: 400, nothing changes', async () => {
  const before = snapshot(paid.order.order_id);
  const failures = [];
  for (const [name, body] of replays()) {
    assert.deepEqual(JSON.parse(body).payment_id, captured.payload.payment_id, `${name}: JSON.parse reads the signed id`);
    const r = await post(body, captured.sig);
    if (r.status !== 400 || r.text !== JSON.stringify(INVALID_PAYLOAD)) failures.push(`${name}: ${r.status} ${r.text}`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(snapshot(paid.order.order_id), before, 'no inbox row, payment, transaction or order change');
});

// Bodies signed properly over their canonical form that still break a strict rule.
const signedButNotStrict = () => {
  const p = ipnFor(paid, 'finished', { updated_at: Date.now() + 1 });
  const manyKeys = { ...p };
  for (let i = 0; Object.keys(manyKeys).length + Object.keys(p.fee).length <= 64; i++) manyKeys[`extra_${i}`] = i;
  return [
    ['constructor key at the top', { ...p, constructor: 1 }],
    ['constructor key inside fee', { ...p, fee: { ...p.fee, constructor: 'x' } }],
    ['65 keys in all', manyKeys],
    ['nested 4 deep', { ...p, fee: { ...p.fee, detail: { network: { chain: 'bsc' } } } }],
    ['array nested 4 deep', { ...p, fee: { ...p.fee, detail: { parts: [1] } } }],
    ['33 array elements', { ...p, payment_extra_ids: Array.from({ length: 33 }, (_, i) => 5000000000 + i) }],
    ['17 numbers of 17 digits', { ...p, fee: { ...p.fee, parts: Array.from({ length: 17 }, (_, i) => (3 * i + 1) / 3) } }],
  ];
};

test('signed bodies that break the strict rules (constructor, too many keys, elements or long numbers, too deep): 400, nothing changes', async () => {
  const before = snapshot(paid.order.order_id);
  const failures = [];
  for (const [name, payload] of signedButNotStrict()) {
    const r = await post(JSON.stringify(payload), signatureOf(payload));
    if (r.status !== 400 || r.text !== JSON.stringify(INVALID_PAYLOAD)) failures.push(`${name}: ${r.status} ${r.text}`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(snapshot(paid.order.order_id), before);
});

test('the strict check runs before the canonical fallback: a forged body that breaks it is 400, one that keeps it 401', async () => {
  const before = snapshot(paid.order.order_id);
  const forged = 'ab'.repeat(64);
  const strictBreak = await post(`{"a":1,"a":2,${captured.body.slice(1)}`, forged);
  assert.equal(strictBreak.status, 400);
  assert.deepEqual(strictBreak.json, INVALID_PAYLOAD);
  const strictKeep = await post(captured.body.replace('"finished"', '"refunded"'), captured.sig);
  assert.equal(strictKeep.status, 401);
  assert.deepEqual(strictKeep.json, INVALID_SIGNATURE);
  const noHeader = await post(`{"a":1,"a":2}`, null);
  assert.equal(noHeader.status, 401, 'a missing signature is 401 before anything else');
  assert.deepEqual(snapshot(paid.order.order_id), before);
});

// ---- an unsorted body, signed over its canonical form ----

test('a 2023-style unsorted body is accepted; the inbox holds the canonical text, its dedupe key, and the log says so', async () => {
  const user = createUser();
  const p = await buy(user, { size: 5000, platform: 'mt5' });
  const payload = ipnFor(p, 'waiting', { payment_extra_ids: [Number(p.payment.payment_id) + 1] });
  const body = ipnBody(payload, 'unsorted2023');
  const canonical = canonicalJson(payload);
  assert.notEqual(body, canonical, 'the body is not canonical');
  const r = await post(body, signatureOf(payload));
  assert.equal(r.status, 200, r.text);
  const rows = sql(`select payload = :'p1'::jsonb, dedupe_key = ffx_internal.ipn_dedupe_key(:'p1'::jsonb), signature
                      from ipn_events where payment_id = :'p2'`, canonical, p.payment.payment_id);
  assert.deepEqual(rows, [['t', 't', 'canonical']]);
  const stored = logLines(r.headers.get('x-request-id')).find((l) => l.msg === 'IPN stored');
  assert.ok(stored, 'an "IPN stored" line');
  assert.equal(stored.signature, 'canonical');
  assert.equal(stored.form, 'arrays');
  assert.equal(stored.payment_id, String(payload.payment_id));
  assert.equal(stored.payment_status, 'waiting');
  assert.equal(stored.order_id, p.order.order_id);
  assert.equal(stored.outcome, 'processed');
});

test('the raw form still goes first: a canonical body logs the raw match', async () => {
  const user = createUser();
  const p = await buy(user, { size: 5000, platform: 'mt5' });
  const payload = ipnFor(p, 'waiting');
  const r = await post(canonicalJson(payload), signatureOf(payload));
  assert.equal(r.status, 200, r.text);
  const stored = logLines(r.headers.get('x-request-id')).find((l) => l.msg === 'IPN stored');
  assert.equal(stored.signature, 'raw');
  assert.equal(stored.payment_id, String(payload.payment_id));
});

test('a body over 4 KiB must arrive as signed: its canonical form is not tried (401), nothing is stored', async () => {
  const before = snapshot(paid.order.order_id);
  const payload = ipnFor(paid, 'finished', { updated_at: Date.now() + 2 });
  const unsorted = ipnBody(payload, 'unsorted2023');
  const big = `${' '.repeat(4097 - Buffer.byteLength(unsorted))}${unsorted}`;
  assert.equal(Buffer.byteLength(big), 4097);
  const r = await post(big, signatureOf(payload));
  assert.equal(r.status, 401, r.text);
  assert.deepEqual(r.json, INVALID_SIGNATURE);
  const atBound = await post(big.slice(1), signatureOf(payload));
  assert.equal(atBound.status, 200, `4096 bytes: the canonical form is tried (${atBound.text})`);
  const after = snapshot(paid.order.order_id);
  assert.equal(Number(after.events), Number(before.events) + 1, 'only the 4096-byte one is stored');
});

// ---- the body cap ----

test('the body cap is 16 KiB: exactly 16 KiB is read, one byte more is 413 from nginx and from the function', async () => {
  const head = '{"payment_id":1,"payment_status":"finished","pad":"';
  const pad = (n) => `${head}${'x'.repeat(n - head.length - 2)}"}`;
  assert.equal(pad(BODY_CAP).length, BODY_CAP);
  const atCap = await post(pad(BODY_CAP), 'ab'.repeat(64));
  assert.equal(atCap.status, 401, atCap.text);
  const over = await post(pad(BODY_CAP + 1), 'ab'.repeat(64));
  assert.equal(over.status, 413);
  assert.deepEqual(over.json, { success: false, error: 'Payload too large' });
  // The function's own cap, without nginx in front of it.
  const req = openRequest(path.join(STATE_DIR, 'run', 'payment-webhook.sock'), {
    REQUEST_METHOD: 'POST', DOCUMENT_URI: '/functions/v1/payment-webhook', REMOTE_ADDR: '127.0.0.1',
    CONTENT_TYPE: 'application/json', CONTENT_LENGTH: String(BODY_CAP + 1), HTTP_X_NOWPAYMENTS_SIG: 'ab'.repeat(64),
  });
  req.send(pad(BODY_CAP + 1));
  req.end();
  const res = await req.response;
  assert.equal(res.status, 413);
  assert.deepEqual(JSON.parse(res.body), { success: false, error: 'Payload too large' });
});

// ---- the cost of a refusal ----

// A number with 17 significant digits and any exponent, as Number::toString writes it.
function longNumber() {
  for (;;) {
    const v = Math.abs(crypto.randomBytes(8).readDoubleLE(0));
    const text = String(v);
    if (Number.isFinite(v) && v > 0 && text.replace(/e.*/, '').replace(/^0\.0*|\./g, '').length === 17) return text;
  }
}

// A forged body of exactly `size` bytes that keeps the strict rules and costs as much as they allow.
// Per byte, numbers are the dearest: the 16 "long" ones the rules allow (17 significant digits, any
// exponent: checking each needs its double's exact decimal value) come first, then numbers of 15
// digits up to the element and key bounds; the rest is one string mixing raw multi-byte UTF-8 and
// every kind of escape. Keys are in reverse order and there is an array, so both canonical forms
// differ from the raw text and from each other (and are built and hashed, up to 4 KiB).
function worstCaseBody(size) {
  const shortNumber = () => {
    const digits = `${crypto.randomInt(1e6, 1e7)}${String(crypto.randomInt(1e7)).padStart(7, '0')}`;
    const text = `0.${digits}${1 + crypto.randomInt(9)}`; // 15 digits
    assert.equal(String(Number(text)), text);
    return text;
  };
  const unit = 'é中😀\\u00e9\\n\\"\\ud83d\\ude00ab';
  const elements = [];
  const members = [];
  let keys = 2; // "n" and its "ids"
  let i = 0;
  const name = () => `k${String(999 - i++).padStart(3, '0')}`;
  const text = () => `{"n":{"ids":[${elements.join(',')}]}${members.map((m) => `,${m}`).join('')}}`;
  const fits = (more) => Buffer.byteLength(text()) + more + 24 <= size; // 24: room for the last string
  while (elements.length < 16 && fits(25)) elements.push(longNumber());
  while (elements.length < 32 && fits(18)) elements.push(shortNumber());
  while (keys < 63 && fits(26)) { members.push(`"${name()}":${shortNumber()}`); keys++; }
  // Fill up to the size with one long string (units, then ASCII for the last bytes).
  const room = size - Buffer.byteLength(text()) - Buffer.byteLength(',"a":""');
  const unitBytes = Buffer.byteLength(unit);
  members.unshift(`"a":"${unit.repeat(Math.floor(room / unitBytes))}${'a'.repeat(room % unitBytes)}"`);
  const body = text();
  assert.equal(Buffer.byteLength(body), size);
  return body;
}

// CPU time (utime + stime, clock ticks) of the payment-webhook workers, and their pids.
function workerCpu() {
  const pids = childPids(masterPid('payment-webhook'));
  let ticks = 0;
  for (const pid of pids) {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  }
  return { ticks, pids: pids.join(',') };
}

// The attack of the issue, as many long numbers as the size allows (arrays of them): what the
// canonical fallback used to chew through first (80 ms for 64 KB). It breaks the strict rules, so
// it is now refused at its 17th number.
function numbersBody(size) {
  const numbers = [];
  const text = (pad) => `{"z":[${numbers.join(',')}],"a":"${'a'.repeat(pad)}"}`;
  while (Buffer.byteLength(text(0)) + 25 <= size) numbers.push(longNumber());
  const body = text(size - Buffer.byteLength(text(0)));
  assert.equal(Buffer.byteLength(body), size);
  return body;
}

// n forged requests of body through nginx, 4 at a time; every one must be refused with one of
// the statuses.
async function refuse(body, n, statuses) {
  const sig = crypto.randomBytes(64).toString('hex');
  let left = n;
  const bad = [];
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (left-- > 0) {
      const res = await fetch(`${API}/functions/v1/payment-webhook`, { method: 'POST', body, headers: { ...json, 'x-nowpayments-sig': sig } });
      const text = await res.text();
      if (!statuses.includes(res.status)) bad.push(`${res.status} ${text}`);
    }
  }));
  assert.deepEqual(bad.slice(0, 3), [], `${bad.length} of ${n} forged requests were not refused with ${statuses}`);
}

// Two kinds of forgery, each at 1 KiB and 16 KiB: the dearest body the strict rules let through to
// the canonical fallback (refused with 401 once both forms missed), and the dearest one at all,
// the many-numbers attack (refused with 400 by the strict rules; it was 401 before them).
test('refusing a forged 16 KiB body costs at most twice the CPU of refusing a forged 1 KiB one', async (t) => {
  const kinds = {
    'within the strict rules': { small: worstCaseBody(1024), large: worstCaseBody(BODY_CAP), statuses: [401] },
    'as many long numbers as fit': { small: numbersBody(1024), large: numbersBody(BODY_CAP), statuses: [400, 401] },
  };
  const ROUNDS = 8;
  // 600: at about 120 us a refusal, 400 a round gave 38 ticks in one run, under the 40 needed
  const PER_ROUND = 600;
  const total = {};
  for (const [kind, k] of Object.entries(kinds)) {
    total[kind] = { small: 0, large: 0 };
    await refuse(k.small, 100, k.statuses); // warm up each path
    await refuse(k.large, 100, k.statuses);
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, the order alternating, so drift in the machine's load hits every series alike.
    for (const [kind, k] of Object.entries(kinds)) {
      for (const which of round % 2 === 0 ? ['small', 'large'] : ['large', 'small']) {
        const before = workerCpu();
        await refuse(k[which], PER_ROUND, k.statuses);
        const after = workerCpu();
        assert.equal(after.pids, before.pids, 'no worker was replaced during the measurement');
        total[kind][which] += after.ticks - before.ticks;
      }
    }
  }
  const n = ROUNDS * PER_ROUND;
  const perRequest = (ticks) => ((ticks * 1e6) / 100 / n).toFixed(0); // 100 ticks per second (USER_HZ)
  const failures = [];
  for (const [kind, { small, large }] of Object.entries(total)) {
    const ratio = large / small;
    const line = `${kind}: worker CPU over ${n} forged requests each: 1 KiB ${small} ticks (${perRequest(small)} us/request), `
      + `16 KiB ${large} ticks (${perRequest(large)} us/request), ratio ${ratio.toFixed(2)}`;
    t.diagnostic(line);
    console.log(line);
    assert.ok(small >= 40, `${kind}: enough CPU to measure (${small} ticks)`);
    if (ratio > 2) failures.push(`${kind}: 16 KiB / 1 KiB CPU ratio ${ratio.toFixed(2)} > 2`);
  }
  assert.deepEqual(failures, []);
});
