// Hostile input against every function through nginx: malformed and
// truncated JSON, wrong types, extreme numbers, deep nesting, invalid UTF-8,
// oversized bodies, header injection and duplicate credentials (raw
// sockets), SQL injection strings, every JWT attack, IDOR with other users'
// valid tokens, forged and unsigned IPNs. Each answer must be the right 4xx
// in the seed's shape {"success":false,"error":"..."} with JSON and CORS
// headers, and the whole barrage must leave the database exactly as it was
// (pg_dump, or psql when pg_dump is older than the server, before and after; only webhook_debug_log and discount_code_attempts,
// which store by design, are left out: the latter is checked to hold nothing
// but the barrage's refused code guesses).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { API, DATABASE_URL, STATE_DIR, apiFetch, call, sql, waitFor } from './lib/stack.mjs';
import { rawRequest } from './lib/rawhttp.mjs';
import { ANON_KEY, DEV_JWT_SECRET, SERVICE_ROLE_KEY, createUser, signHS256, userClaims } from './lib/identity.mjs';
import { IPN_SECRET, buy, ipnFor, sign } from './lib/commerce.mjs';
import { openRequest } from './lib/fcgi.mjs';

const CONCURRENCY = 8;
const BODY_MAX = 64 * 1024;
const IPN_BODY_MAX = 16 * 1024; // payment-webhook's own cap
const started = Date.now();

// ---- fixtures (all made before the first dump) ----

const alice = createUser();
const bob = createUser();
const boss = createUser({ isAdmin: true });
let A; // alice's order with a NOWPayments payment
let B; // bob's

// ---- HTTP: fetch for ordinary requests, a raw socket (lib/rawhttp.mjs) for what fetch refuses ----

const FN = '/functions/v1/';

async function send({ fn, method = 'POST', query = '', headers = {}, body }) {
  const res = await apiFetch(`${API}${FN}${fn}${query}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), text };
}

// ---- the error contract ----

// The answer must be `status` with the seed's error shape, JSON and CORS.
function checkError(res, { status, error }) {
  assert.equal(res.status, status, `status ${res.status}, want ${status}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/, 'content-type');
  assert.equal(res.headers['access-control-allow-origin'], '*', 'CORS header');
  let json;
  try { json = JSON.parse(res.text); } catch { assert.fail(`body is not JSON: ${res.text.slice(0, 200)}`); }
  assert.equal(json.success, false, 'success === false');
  assert.equal(typeof json.error, 'string', 'error is a string');
  assert.ok(json.error.length > 0, 'error is not empty');
  if (error instanceof RegExp) assert.match(json.error, error);
  else if (error !== undefined) assert.equal(json.error, error);
  assert.ok(!('set-cookie' in res.headers), 'no injected header in the answer');
}

// Run cases with at most CONCURRENCY in flight; every failure is collected.
let requestsSent = 0;
async function barrage(cases) {
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      try {
        const res = await (c.rawRequest ? rawRequest(c.rawRequest) : send(c));
        requestsSent++;
        try {
          (c.check ?? checkError)(res, c.expect);
        } catch (e) {
          failures.push(`${c.name}: ${e.message.split('\n')[0]} [${res.status} ${JSON.stringify(res.text.slice(0, 120))}]`);
        }
      } catch (e) {
        failures.push(`${c.name}: ${e.message.split('\n')[0]}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  assert.ok(failures.length === 0, `${failures.length} of ${cases.length} cases failed:\n${failures.join('\n')}`);
  return cases.length;
}

// ---- building blocks ----

const bearer = (token) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };
const UNAUTHORIZED = { status: 401, error: 'Unauthorized' };
const FORBIDDEN = { status: 403, error: 'Unauthorized' };
const INVALID_JSON = { status: 400, error: 'Invalid JSON' };
const TOO_LARGE = { status: 413, error: 'Payload too large' };

const SQLI = ["' OR 1=1 --", "'; DROP TABLE orders; --", '\\x00', "FFX123456789' UNION SELECT password FROM account_container --",
  "1' AND pg_sleep(5) IS NULL --", '$1', '%', '"; SELECT 1; --'];
// Replace one field's value by raw JSON text (for numbers JSON.stringify cannot write).
function setRaw(obj, key, rawValue) {
  return JSON.stringify({ ...obj, [key]: '\u0001RAW\u0001' }).replace('"\\u0001RAW\\u0001"', rawValue);
}
const without = (obj, key) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));

const NESTED_ARRAYS = '['.repeat(10000) + ']'.repeat(10000);
const NESTED_OBJECTS = '{"a":'.repeat(10000) + '1' + '}'.repeat(10000);
const NOT_NUMBERS = ['true', 'false', '[]', '{}', '[10000]', '{"v":10000}', '"ten"', '" 649"', '"1e3"', '"0x10"', '"-1"'];
const HUGE = ['1e309', '-1e309', '1e308', '9223372036854775808', '-9223372036854775809', '-1', '1.5e-320', '0.001', '-0'];
const NOT_STRINGS = ['1', '0', '-1', '1e309', 'true', 'false', '[]', '{}', '["x"]', '{"a":"b"}'];
// Bodies that are not one JSON object (invalid UTF-8 and NUL inside strings come separately).
// The functions hold a body to the strict lexer's rules (common/jsonlex.h) before reading it,
// so a leading zero or a raw control character inside a string is Invalid JSON like the rest;
// a UTF-8 BOM before valid JSON is accepted (RFC 8259 §8.1 allows it), so it is not in this list.
function malformed(valid) {
  const text = JSON.stringify(valid);
  return [
    ['empty', ''], ['whitespace', ' \r\n\t'], ['truncated half', text.slice(0, text.length >> 1)],
    ['truncated by one', text.slice(0, -1)], ['open brace', '{'], ['dangling key', '{"a":'],
    ['array', '[]'], ['array of the object', `[${text}]`], ['null', 'null'], ['string', '"x"'], ['number', '42'],
    ['true', 'true'], ['two objects', `${text}${text}`], ['trailing garbage', `${text} x`], ['trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"], ['unquoted key', '{a:1}'], ['NaN literal', '{"a":NaN}'], ['Infinity literal', '{"a":Infinity}'],
    ['-Infinity literal', '{"a":-Infinity}'], ['leading zero', '{"a":01}'], ['hex', '{"a":0x10}'], ['comment', '{"a":1 /* c */}'],
    ['BOM before garbage', '\uFEFF{x}'], ['lone surrogate escape', '{"a":"\\ud800"}'], ['bad escape', '{"a":"\\q"}'],
    ['control char in string', '{"a":"x\u0001y"}'], ['deep arrays (10000)', NESTED_ARRAYS], ['deep objects (10000)', NESTED_OBJECTS],
  ];
}
// Raw bytes that are not UTF-8, spliced into a string value.
const BAD_UTF8 = { 'lone 0xff': [0xff], 'overlong slash': [0xc0, 0xaf], 'surrogate half': [0xed, 0xa0, 0x80],
  'truncated sequence': [0xe2, 0x82], 'bare continuation': [0x80, 0x81], 'beyond U+10FFFF': [0xf4, 0x90, 0x80, 0x80] };
function withBytes(obj, key, bytes) {
  const [before, after] = JSON.stringify({ ...obj, [key]: '\u0001' }).split('\\u0001');
  return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
}

// ---- JWTs ----

const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
// A token whose segments use the standard base64 alphabet with padding
// ('+', '/', '='), HMAC'd over exactly those segments: RFC 7515 allows only
// base64url, so it must be refused although the MAC is right.
function standardAlphabet(user) {
  for (let i = 0; ; i++) {
    const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64');
    const body = Buffer.from(JSON.stringify(userClaims(user, { n: i }))).toString('base64');
    if (!/[+/=]/.test(body)) continue;
    const input = `${head}.${body}`;
    return `${input}.${crypto.createHmac('sha256', DEV_JWT_SECRET).update(input).digest('base64url')}`;
  }
}

function jwtAttacks(user) {
  const claims = userClaims(user);
  const real = user.token;
  const [h, p, s] = real.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  const service = { iss: 'supabase-demo', role: 'service_role', exp: now() + 600 };
  const svc = SERVICE_ROLE_KEY.split('.');
  return {
    'alg none, no signature': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    'alg none, service_role': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(service)}.`,
    'alg NONE keeping the signature': `${b64({ alg: 'NONE', typ: 'JWT' })}.${p}.${s}`,
    'alg HS512 with the HS256 mac': `${b64({ alg: 'HS512', typ: 'JWT' })}.${p}.${s}`,
    'alg RS256 with the secret as mac': signHS256(claims, undefined, { alg: 'RS256', typ: 'JWT' }),
    'ES256 with an unknown kid': signHS256(claims, undefined, { alg: 'ES256', typ: 'JWT', kid: '../../../dev/null' }),
    'crit header': signHS256(claims, undefined, { alg: 'HS256', typ: 'JWT', crit: ['exp'] }),
    'HS256, wrong secret': signHS256(claims, 'not-the-secret-but-long-enough-to-look-real'),
    'HS256, empty secret': signHS256(claims, ''),
    'service_role, wrong secret': signHS256(service, 'not-the-secret-but-long-enough-to-look-real'),
    expired: signHS256(userClaims(user, { iat: now() - 7200, exp: now() - 3600 })),
    'expired service_role': signHS256({ ...service, exp: now() - 3600 }),
    'no exp': signHS256(without(claims, 'exp')),
    'exp as a string': signHS256({ ...claims, exp: String(now() + 600) }),
    'not yet valid (nbf)': signHS256(userClaims(user, { nbf: now() + 3600 })),
    'issued in the future (iat)': signHS256(userClaims(user, { iat: now() + 3600 })),
    'non-UUID sub': signHS256(userClaims(user, { sub: 'not-a-uuid' })),
    'SQL in sub': signHS256(userClaims(user, { sub: "' OR 1=1 --" })),
    'UUID sub with a suffix': signHS256(userClaims(user, { sub: `${user.id}x` })),
    'no sub': signHS256(without(claims, 'sub')),
    'role postgres': signHS256(userClaims(user, { role: 'postgres' })),
    'role supabase_admin': signHS256(userClaims(user, { role: 'supabase_admin' })),
    'role Service_Role': signHS256(userClaims(user, { role: 'Service_Role' })),
    'role as an array': signHS256(userClaims(user, { role: ['service_role'] })),
    'no role': signHS256(without(claims, 'role')),
    'wrong audience': signHS256(userClaims(user, { aud: 'somebody-else' })),
    'duplicate role claim': `${h}.${b64(JSON.stringify(payload).replace(/}$/, ',"role":"service_role"}'))}.${s}`,
    'tampered sub, signature kept': `${h}.${b64({ ...payload, sub: bob.id })}.${s}`,
    'tampered role, signature kept': `${h}.${b64({ ...payload, role: 'service_role' })}.${s}`,
    'tampered admin, signature kept': `${h}.${b64({ ...payload, app_metadata: { role: 'admin' } })}.${s}`,
    'service key payload, user signature': `${svc[0]}.${svc[1]}.${s}`,
    'signature stripped': `${h}.${p}.`,
    'signature truncated': `${h}.${p}.${s.slice(0, -2)}`,
    'two segments': `${h}.${p}`,
    'four segments': `${real}.${s}`,
    'padding in base64url': `${h}=.${p}.${s}`,
    'standard base64 alphabet, correctly signed': standardAlphabet(user),
    'whitespace inside': `${h}. ${p}.${s}`,
    'three garbage segments': 'a.b.c',
    'just a dot': '.',
    'SQL as a token': "' OR 1=1 --",
    'header not JSON': `${b64('not json')}.${p}.${s}`,
    'payload not JSON': signHS256('x'),
    'wrong secret, just under nginx\'s header buffer': signHS256({ ...claims, pad: 'x'.repeat(5800) }, 'not-the-secret-but-long-enough-to-look-real'),
  };
}

// ---- the barrage, function by function ----

const cases = {};

function buildCases() {
  const ownStatus = { orderId: A.order.order_id, userId: alice.id };
  const statusQuery = (params) => `?${new URLSearchParams(params)}`;
  const validOrder = { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' };
  const validPayment = {
    orderId: A.order.order_id, userId: alice.id, accountType: 'one_step', accountSize: 10000, platformType: 'mt4',
    cryptoCurrency: 'usdt_bsc', amount: A.order.amount, finalAmount: A.order.final_amount,
  };
  const validDelivery = { orderId: A.order.order_id };
  const ipn = ipnFor(A, 'finished');
  const signedIpn = sign(ipn);
  const aliceH = { ...json, ...bearer(alice.token) };
  const serviceH = { ...json, ...bearer(SERVICE_ROLE_KEY) };

  // Every function: methods, bodies over both limits, bad query strings.
  const everyFn = [];
  for (const [fn, method, headers] of [['webhook-debug', 'POST', {}], ['check-payment-status', 'GET', bearer(alice.token)],
    ['create-order', 'POST', aliceH], ['create-crypto-payment', 'POST', aliceH], ['payment-webhook', 'POST', json],
    ['test-delivery', 'POST', serviceH]]) {
    for (const m of ['PUT', 'DELETE', 'PATCH', method === 'GET' ? 'POST' : 'GET']) {
      everyFn.push({ name: `${fn} ${m}`, fn, method: m, headers, body: m === 'GET' ? undefined : '{}', expect: { status: 405, error: 'Method not allowed' } });
    }
    everyFn.push({ name: `${fn} 10 MB body (nginx)`, fn, headers, body: 'x'.repeat(10 * 1024 * 1024), expect: TOO_LARGE });
    everyFn.push({ name: `${fn} 70 KB body (function)`, fn, headers, body: '{"a":"' + 'x'.repeat(70 * 1024) + '"}', expect: TOO_LARGE });
    everyFn.push({ name: `${fn} body one byte over FFX_BODY_MAX`, fn, headers, body: 'y'.repeat(BODY_MAX + 1), expect: TOO_LARGE });
    for (const q of ['?a=%zz', '?orderId=%00', '?a=%', '?a=%4', `?orderId=${A.order.order_id}%00' OR 1=1 --&userId=${alice.id}`]) {
      everyFn.push({ name: `${fn} query ${q}`, fn, method, headers, query: q, body: method === 'GET' ? undefined : '{}', expect: { status: 400, error: 'Invalid query string' } });
    }
  }
  cases['every function: methods, oversized bodies, malformed query strings'] = everyFn;

  // check-payment-status: parameters (the body is never read).
  const status = [];
  const st = (name, params, headers = bearer(alice.token), expect) => status.push({ name, fn: 'check-payment-status', method: 'GET', query: typeof params === 'string' ? params : statusQuery(params), headers, expect });
  const MISSING = { status: 400, error: 'Missing required parameters: orderId and userId' };
  st('no parameters', '', undefined, MISSING);
  st('empty orderId', { orderId: '', userId: alice.id }, undefined, MISSING);
  st('empty userId', { orderId: A.order.order_id, userId: '' }, undefined, MISSING);
  st('array-style names', `?orderId[]=${A.order.order_id}&userId[]=${alice.id}`, undefined, MISSING);
  st('case-changed names', `?orderid=${A.order.order_id}&USERID=${alice.id}`, undefined, MISSING);
  st('no credentials', ownStatus, {}, UNAUTHORIZED);
  for (const v of [...SQLI, '1e309', '-1', '9223372036854775808', 'NaN', '{"$ne":null}', 'FFX000000001 OR 1=1', `${A.order.order_id} `, ` ${A.order.order_id}`,
    A.order.order_id.toLowerCase(), `${A.order.order_id}\u00ff`, 'x'.repeat(8000), '\u202eFFX']) {
    st(`orderId ${JSON.stringify(v).slice(0, 40)}`, { orderId: v, userId: alice.id }, undefined, { status: 404, error: 'Order not found' });
    st(`userId ${JSON.stringify(v).slice(0, 40)} (not the caller)`, { orderId: A.order.order_id, userId: v }, undefined, FORBIDDEN);
    st(`service role, userId ${JSON.stringify(v).slice(0, 40)}`, { orderId: A.order.order_id, userId: v }, bearer(SERVICE_ROLE_KEY), { status: 404, error: 'Order not found' });
    st(`service role, orderId ${JSON.stringify(v).slice(0, 40)}`, { orderId: v, userId: alice.id }, bearer(SERVICE_ROLE_KEY), { status: 404, error: 'Order not found' });
  }
  st('IDOR: bob\'s order with alice\'s userId', { orderId: B.order.order_id, userId: alice.id }, undefined, { status: 404, error: 'Order not found' });
  st('IDOR: bob\'s order with bob\'s userId', { orderId: B.order.order_id, userId: bob.id }, undefined, FORBIDDEN);
  st('IDOR: alice\'s order with bob\'s token and userId', { orderId: A.order.order_id, userId: bob.id }, bearer(bob.token), { status: 404, error: 'Order not found' });
  st('IDOR: alice\'s order, alice\'s userId, bob\'s token', ownStatus, bearer(bob.token), FORBIDDEN);
  st('IDOR: upper-cased userId of another user', { orderId: B.order.order_id, userId: bob.id.toUpperCase() }, undefined, FORBIDDEN);
  st('admin: right order, wrong user', { orderId: A.order.order_id, userId: bob.id }, bearer(boss.token), { status: 404, error: 'Order not found' });
  st('apikey: SQL', ownStatus, { apikey: "' OR 1=1 --" }, UNAUTHORIZED);
  st('apikey: unknown sb_secret', ownStatus, { apikey: "sb_secret_' OR 1=1 --" }, UNAUTHORIZED);
  st('authorization: SQL', ownStatus, { authorization: "Bearer ' OR 1=1 --" }, UNAUTHORIZED);
  st('authorization: empty bearer', ownStatus, { authorization: 'Bearer ' }, UNAUTHORIZED);
  st('authorization: lower-case scheme', ownStatus, { authorization: `bearer ${alice.token}` }, UNAUTHORIZED);
  st('authorization: two spaces', ownStatus, { authorization: `Bearer  ${alice.token}` }, UNAUTHORIZED);
  st('authorization: Latin-1 bytes', ownStatus, { authorization: 'Bearer \u00ff\u00fe' }, UNAUTHORIZED);
  cases['check-payment-status: parameters, SQL injection, IDOR'] = status;

  // create-order.
  const order = [];
  const co = (name, body, expect, headers = aliceH) => order.push({ name, fn: 'create-order', headers, body, expect });
  for (const [name, body] of malformed(validOrder)) co(`malformed: ${name}`, body, INVALID_JSON);
  co('no body at all', undefined, INVALID_JSON);
  co('missing everything', '{}', { status: 400, error: 'Missing required fields: accountType, accountSize, platformType' });
  for (const k of Object.keys(validOrder)) {
    co(`missing ${k}`, JSON.stringify(without(validOrder, k)), { status: 400, error: `Missing required fields: ${k}` });
    co(`${k} null`, setRaw(validOrder, k, 'null'), { status: 400, error: `Missing required fields: ${k}` });
  }
  for (const v of NOT_STRINGS) {
    co(`accountType ${v}`, setRaw(validOrder, 'accountType', v), { status: 400, error: /^Invalid accountType/ });
    co(`platformType ${v}`, setRaw(validOrder, 'platformType', v), { status: 400, error: /^Invalid platformType/ });
    co(`discountCode ${v}`, setRaw(validOrder, 'discountCode', v), { status: 400, error: /^Invalid discountCode/ });
  }
  for (const v of [...NOT_NUMBERS, ...HUGE, '0', '10000.5', '100000001']) co(`accountSize ${v}`, setRaw(validOrder, 'accountSize', v), { status: 400, error: /^Invalid accountSize/ });
  co('accountSize not a product', setRaw(validOrder, 'accountSize', '12345'), { status: 400, error: 'Product not available' });
  for (const v of SQLI) {
    co(`accountType ${v}`, JSON.stringify({ ...validOrder, accountType: v }), { status: 400, error: /^Invalid accountType/ });
    co(`platformType ${v}`, JSON.stringify({ ...validOrder, platformType: v }), { status: 400, error: /^Invalid platformType/ });
    co(`discountCode ${v}`, JSON.stringify({ ...validOrder, discountCode: v }), { status: 400, error: 'Invalid discount code' });
  }
  co('discountCode NUL', JSON.stringify({ ...validOrder, discountCode: '\u0000' }), { status: 400, error: 'Invalid JSON' });
  co('discountCode NUL then SQL', JSON.stringify({ ...validOrder, discountCode: "X\u0000' OR 1=1 --" }), { status: 400, error: 'Invalid JSON' });
  co('discountCode too long', JSON.stringify({ ...validOrder, discountCode: 'W'.repeat(65) }), { status: 400, error: /^Invalid discountCode/ });
  for (const [name, bytes] of Object.entries(BAD_UTF8)) {
    // A JSON text is UTF-8 (RFC 8259 §8.1): the body is refused before any field is read.
    co(`accountType invalid UTF-8 (${name})`, withBytes(validOrder, 'accountType', bytes), INVALID_JSON);
    co(`discountCode invalid UTF-8 (${name})`, withBytes(validOrder, 'discountCode', bytes), INVALID_JSON);
  }
  co('anon key', JSON.stringify(validOrder), FORBIDDEN, { ...json, ...bearer(ANON_KEY) });
  co('anon key as apikey', JSON.stringify(validOrder), FORBIDDEN, { ...json, apikey: ANON_KEY });
  co('service role (no user to own it)', JSON.stringify(validOrder), FORBIDDEN, serviceH);
  co('no credentials', JSON.stringify(validOrder), UNAUTHORIZED, json);
  cases['create-order: malformed JSON, wrong types, extreme numbers, invalid UTF-8, SQL injection'] = order;

  // create-crypto-payment.
  const pay = [];
  const cp = (name, body, expect, headers = aliceH) => pay.push({ name, fn: 'create-crypto-payment', headers, body, expect });
  for (const [name, body] of malformed(validPayment)) cp(`malformed: ${name}`, body, INVALID_JSON);
  cp('no body at all', undefined, INVALID_JSON);
  for (const k of Object.keys(validPayment)) {
    cp(`missing ${k}`, JSON.stringify(without(validPayment, k)), { status: 400, error: `Missing required fields: ${k}` });
    cp(`${k} null`, setRaw(validPayment, k, 'null'), { status: 400, error: `Missing required fields: ${k}` });
    cp(`${k} empty string`, setRaw(validPayment, k, '""'), { status: 400, error: `Missing required fields: ${k}` });
  }
  for (const k of ['orderId', 'userId', 'accountType', 'platformType', 'cryptoCurrency']) {
    for (const v of NOT_STRINGS) cp(`${k} ${v}`, setRaw(validPayment, k, v), { status: 400, error: new RegExp(`^Invalid ${k}`) });
  }
  for (const k of ['accountSize', 'amount', 'finalAmount']) {
    for (const v of [...NOT_NUMBERS, ...HUGE.filter((x) => !['-0', '0.001', '1.5e-320'].includes(x) || k === 'accountSize')]) {
      cp(`${k} ${v}`, setRaw(validPayment, k, v), { status: 400, error: new RegExp(`^Invalid ${k}`) });
    }
  }
  cp('amount with 3 decimals', setRaw(validPayment, 'amount', '649.001'), { status: 400, error: /^Invalid amount/ });
  cp('amount 0', setRaw(validPayment, 'amount', '0'), { status: 400 });
  cp('finalAmount 1e-320', setRaw(validPayment, 'finalAmount', '1.5e-320'), { status: 400 });
  for (const v of SQLI) {
    const long = v.length > 32;
    cp(`orderId ${v}`, JSON.stringify({ ...validPayment, orderId: v }), long ? { status: 400, error: /^Invalid orderId/ } : { status: 404, error: 'Order not found' });
    cp(`userId ${v} (not the caller)`, JSON.stringify({ ...validPayment, userId: v }), FORBIDDEN);
    cp(`service role, userId ${v}`, JSON.stringify({ ...validPayment, userId: v }), { status: 400 }, serviceH);
    cp(`cryptoCurrency ${v}`, JSON.stringify({ ...validPayment, cryptoCurrency: v }), long ? { status: 400, error: /^Invalid cryptoCurrency/ } : { status: 400, error: `Unsupported currency: ${v}` });
    cp(`accountType ${v}`, JSON.stringify({ ...validPayment, accountType: v }), { status: 400, error: /^Invalid accountType/ });
    cp(`platformType ${v}`, JSON.stringify({ ...validPayment, platformType: v }), { status: 400, error: /^Invalid platformType/ });
    cp(`amount ${v}`, JSON.stringify({ ...validPayment, amount: v }), { status: 400, error: /^Invalid amount/ });
  }
  cp('orderId NUL then SQL', JSON.stringify({ ...validPayment, orderId: "\u0000' OR 1=1 --" }), { status: 400, error: 'Invalid JSON' });
  for (const [name, bytes] of Object.entries(BAD_UTF8)) {
    cp(`orderId invalid UTF-8 (${name})`, withBytes(validPayment, 'orderId', bytes), INVALID_JSON);
    cp(`cryptoCurrency invalid UTF-8 (${name})`, withBytes(validPayment, 'cryptoCurrency', bytes), INVALID_JSON);
    cp(`service role, userId invalid UTF-8 (${name})`, withBytes(validPayment, 'userId', bytes), INVALID_JSON, serviceH);
  }
  cp('IDOR: bob\'s order with alice\'s userId', JSON.stringify({ ...validPayment, orderId: B.order.order_id }), { status: 404, error: 'Order not found' });
  cp('IDOR: bob\'s order with bob\'s userId', JSON.stringify({ ...validPayment, orderId: B.order.order_id, userId: bob.id }), FORBIDDEN);
  cp('IDOR: alice\'s order as bob', JSON.stringify({ ...validPayment, userId: bob.id }), { status: 404, error: 'Order not found' }, { ...json, ...bearer(bob.token) });
  cp('IDOR: alice\'s order, alice\'s userId, bob\'s token', JSON.stringify(validPayment), FORBIDDEN, { ...json, ...bearer(bob.token) });
  cp('admin: alice\'s order under bob\'s userId', JSON.stringify({ ...validPayment, userId: bob.id }), { status: 404, error: 'Order not found' }, { ...json, ...bearer(boss.token) });
  cp('unsupported coin', JSON.stringify({ ...validPayment, cryptoCurrency: 'doge' }), { status: 400, error: 'Unsupported currency: doge' });
  cp('price lowered', JSON.stringify({ ...validPayment, amount: 1, finalAmount: 1 }), { status: 400, error: /amount/ });
  cp('anon key', JSON.stringify(validPayment), FORBIDDEN, { ...json, ...bearer(ANON_KEY) });
  cp('no credentials', JSON.stringify(validPayment), UNAUTHORIZED, json);
  cases['create-crypto-payment: malformed JSON, wrong types, extreme numbers, invalid UTF-8, SQL injection, IDOR'] = pay;

  // payment-webhook: forged and unsigned IPNs, signed garbage. The order of its checks: no or a
  // malformed signature header, 401; a body that breaks the strict rules (not JSON, invalid UTF-8,
  // nesting deeper than 3...), 400 whatever its signature; then 401 unless a form is signed. Its
  // body cap is 16 KiB: above that, 413 before anything else.
  const hook = [];
  const INVALID_PAYLOAD = { status: 400, error: 'Invalid payload' };
  const wh = (name, body, sig, expect = { status: 401, error: 'Invalid signature' }) =>
    hook.push({ name, fn: 'payment-webhook', headers: { ...json, ...(sig === undefined ? {} : { 'x-nowpayments-sig': sig }) }, body,
      expect: Buffer.byteLength(body) > IPN_BODY_MAX ? TOO_LARGE : expect });
  const hmac = (body, secret) => sign(JSON.parse(body), secret).sig;
  wh('unsigned', signedIpn.body, undefined);
  wh('empty signature', signedIpn.body, '');
  wh('wrong secret', signedIpn.body, hmac(signedIpn.body, 'not-the-ipn-secret'));
  wh('secret with a trailing space', signedIpn.body, hmac(signedIpn.body, 'sim-ipn-secret '));
  wh('random signature', signedIpn.body, 'ab'.repeat(64));
  wh('signature truncated', signedIpn.body, signedIpn.sig.slice(0, 64));
  wh('signature with an extra byte', signedIpn.body, `${signedIpn.sig}0`);
  wh('signature of another body', JSON.stringify({ ...ipn, price_amount: 1 }), signedIpn.sig);
  wh('signed body, amount raised after signing', signedIpn.body.replace(/"actually_paid":[^,]+/, '"actually_paid":999999'), signedIpn.sig);
  wh('signed body, order swapped after signing', signedIpn.body.replace(A.order.order_id, B.order.order_id), signedIpn.sig);
  wh('SHA-256 instead of SHA-512', signedIpn.body, signedIpn.sig.slice(0, 64));
  wh('signature in base64', signedIpn.body, Buffer.from(signedIpn.sig, 'hex').toString('base64'));
  wh('SQL as signature', signedIpn.body, "' OR 1=1 --");
  wh('signature with NUL-looking text', signedIpn.body, `${signedIpn.sig}\\x00`);
  for (const [name, body] of [...malformed(ipn), ['deep arrays (4000)', NESTED_ARRAYS.slice(6000, 14000)],
    ['deep objects (2000)', `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`]]) {
    wh(`unsigned malformed: ${name}`, body, undefined);
    if (body.length > 0) wh(`forged malformed: ${name}`, body, hmac('{}', 'wrong'), INVALID_PAYLOAD);
  }
  for (const v of SQLI) {
    for (const k of ['order_id', 'payment_status', 'payment_id', 'pay_currency']) wh(`forged, ${k} ${v}`, JSON.stringify({ ...ipn, [k]: v }), signedIpn.sig);
  }
  for (const v of [...HUGE, ...NOT_NUMBERS]) wh(`unsigned, payment_id ${v}`, setRaw(ipn, 'payment_id', v), undefined);
  for (const [name, bytes] of Object.entries(BAD_UTF8)) wh(`forged, invalid UTF-8 (${name})`, withBytes(ipn, 'order_id', bytes), signedIpn.sig, INVALID_PAYLOAD);
  // Signed correctly but not an IPN: refused before anything is stored.
  const signedBad = (name, payload) => { const s = sign(payload); wh(`signed, ${name}`, s.body, s.sig, INVALID_PAYLOAD); };
  for (const v of [true, false, [], {}, '', null, [1]]) signedBad(`payment_id ${JSON.stringify(v)}`, { ...ipn, payment_id: v });
  for (const v of [1, true, [], {}, '', null, ['finished']]) signedBad(`payment_status ${JSON.stringify(v)}`, { ...ipn, payment_status: v });
  signedBad('no payment_id', without(ipn, 'payment_id'));
  signedBad('no payment_status', without(ipn, 'payment_status'));
  signedBad('empty object', {});
  for (const [name, body] of [['array', '[]'], ['deep arrays (4000)', NESTED_ARRAYS.slice(6000, 14000)], ['deep objects (2000)', `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`],
    ['deep arrays (10000)', NESTED_ARRAYS], ['truncated', signedIpn.body.slice(0, 50)], ['NaN', '{"payment_id":NaN,"payment_status":"finished"}']]) {
    wh(`raw-signed, ${name}`, body, rawHmac(body), INVALID_PAYLOAD);
  }
  cases['payment-webhook: forged and unsigned IPNs, signed garbage'] = hook;

  // test-delivery.
  const diag = [];
  const td = (name, body, expect, headers = serviceH) => diag.push({ name, fn: 'test-delivery', headers, body, expect });
  for (const [name, body] of malformed(validDelivery)) td(`malformed: ${name}`, body, INVALID_JSON);
  td('no body at all', undefined, INVALID_JSON);
  td('missing orderId', '{}', { status: 400, error: 'Missing required fields: orderId' });
  td('orderId null', '{"orderId":null}', { status: 400, error: 'Missing required fields: orderId' });
  for (const v of NOT_STRINGS.concat(HUGE)) td(`orderId ${v}`, setRaw(validDelivery, 'orderId', v), { status: 400, error: /^Invalid orderId/ });
  td('orderId too long (SQL)', JSON.stringify({ orderId: SQLI[3] }), { status: 400, error: /^Invalid orderId/ });
  td('user token', JSON.stringify(validDelivery), FORBIDDEN, { ...json, ...bearer(alice.token) });
  td('admin token', JSON.stringify(validDelivery), FORBIDDEN, { ...json, ...bearer(boss.token) });
  td('anon key', JSON.stringify(validDelivery), FORBIDDEN, { ...json, ...bearer(ANON_KEY) });
  td('anon key as apikey', JSON.stringify(validDelivery), FORBIDDEN, { ...json, apikey: ANON_KEY });
  td('no credentials', JSON.stringify(validDelivery), UNAUTHORIZED, json);
  td('user token, SQL orderId', JSON.stringify({ orderId: SQLI[0] }), FORBIDDEN, { ...json, ...bearer(alice.token) });
  td('unknown sb_secret key', JSON.stringify(validDelivery), UNAUTHORIZED, { ...json, apikey: 'sb_secret_guess' });
  cases['test-delivery: malformed JSON, wrong types, roles'] = diag;

  // Every JWT attack on every endpoint that takes a token.
  const jwt = [];
  const targets = [
    ['check-payment-status', 'GET', statusQuery(ownStatus), undefined],
    ['create-order', 'POST', '', JSON.stringify(validOrder)],
    ['create-crypto-payment', 'POST', '', JSON.stringify(validPayment)],
    ['test-delivery', 'POST', '', JSON.stringify(validDelivery)],
  ];
  for (const [name, token] of Object.entries(jwtAttacks(alice))) {
    for (const [fn, method, query, body] of targets) {
      jwt.push({ name: `${fn}: ${name}`, fn, method, query, body, headers: { ...json, ...bearer(token) }, expect: UNAUTHORIZED });
      jwt.push({ name: `${fn}: ${name} (apikey)`, fn, method, query, body, headers: { ...json, apikey: token }, expect: UNAUTHORIZED });
    }
  }
  for (const [fn, method, query, body] of targets) {
    jwt.push({ name: `${fn}: anon key`, fn, method, query, body, headers: bearer(ANON_KEY), expect: FORBIDDEN });
    // An Authorization header wins over apikey: a bad bearer is not rescued by a good key.
    jwt.push({ name: `${fn}: bad bearer + service apikey`, fn, method, query, body, headers: { authorization: 'Bearer x.y.z', apikey: SERVICE_ROLE_KEY }, expect: UNAUTHORIZED });
  }
  cases['every JWT attack on every endpoint that takes a token'] = jwt;

  // Raw sockets: what fetch refuses to send. Function-level checks first.
  const rawCases = [];
  const rq = (name, req, expect) => rawCases.push({ name, rawRequest: req, expect });
  rq('duplicate apikey (LF-injected) on test-delivery', { fn: 'test-delivery', headerLines: [`apikey: ${ANON_KEY}\napikey: ${SERVICE_ROLE_KEY}`], body: JSON.stringify(validDelivery) },
    { status: 400, error: 'Duplicate header: apikey' });
  rq('duplicate apikey lines on create-order', { fn: 'create-order', headerLines: [`apikey: ${alice.token}`, `apikey: ${bob.token}`], body: JSON.stringify(validOrder) },
    { status: 400, error: 'Duplicate header: apikey' });
  rq('duplicate x-nowpayments-sig (a valid one first)', { fn: 'payment-webhook', headerLines: [`x-nowpayments-sig: ${signedIpn.sig}`, 'x-nowpayments-sig: 00'], body: signedIpn.body },
    { status: 400, error: 'Duplicate header: x-nowpayments-sig' });
  rq('duplicate x-nowpayments-sig (a valid one last)', { fn: 'payment-webhook', headerLines: ['x-nowpayments-sig: 00', `x-nowpayments-sig: ${signedIpn.sig}`], body: signedIpn.body },
    { status: 400, error: 'Duplicate header: x-nowpayments-sig' });
  rq('duplicate apikey on webhook-debug', { fn: 'webhook-debug', headerLines: ['apikey: a', 'apikey: b'], body: '{}' },
    { status: 400, error: 'Duplicate header: apikey' });
  rq('LF-injected Authorization after an apikey', { fn: 'check-payment-status', method: 'GET', query: statusQuery(ownStatus), headerLines: [`apikey: ${ANON_KEY}\nAuthorization: Bearer x.y.z`] },
    UNAUTHORIZED);
  rq('CRLF in the query (response splitting)', { fn: 'check-payment-status', method: 'GET', query: `?orderId=x%0d%0aSet-Cookie:%20pwn=1&userId=${alice.id}`, headerLines: [`Authorization: Bearer ${alice.token}`] },
    { status: 404, error: 'Order not found' });
  rq('CRLF in preflight header list (response splitting)', { fn: 'create-order', method: 'POST', headerLines: ['Access-Control-Request-Headers: x%0d%0aSet-Cookie: pwn=1', `Authorization: Bearer ${ANON_KEY}`], body: '{}' },
    FORBIDDEN);
  rq('underscore header (apikey smuggled as api_key) is ignored', { fn: 'test-delivery', headerLines: [`Api_Key: ${SERVICE_ROLE_KEY}`, `HTTP_APIKEY: ${SERVICE_ROLE_KEY}`], body: JSON.stringify(validDelivery) },
    UNAUTHORIZED);
  rq('invalid UTF-8 in a header value', { fn: 'create-order', headerLines: [Buffer.from([0x41, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x7a, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x3a, 0x20, 0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xff, 0xc0, 0xaf]).toString('latin1')], body: JSON.stringify(validOrder) },
    UNAUTHORIZED);
  rq('GET with a body and an SQL Content-Type', { fn: 'check-payment-status', method: 'GET', query: statusQuery(ownStatus), headerLines: ["Content-Type: application/json' OR 1=1 --"], body: '{"orderId":"x"}' },
    UNAUTHORIZED);
  cases['raw sockets: duplicate credentials, header injection, response splitting'] = rawCases;

  // nginx's own 400s (431 for a header over its 8 KiB buffer): status and no effect are required
  // here; their shape is checked below.
  const nginx400 = [];
  const nx = (name, req, status = 400) => nginx400.push({ name, rawRequest: req, expect: { status } });
  for (const [fn, method, query, body] of targets) {
    nx(`${fn}: duplicate Authorization headers`, { fn, method, query, body, headerLines: [`Authorization: Bearer ${alice.token}`, `Authorization: Bearer ${SERVICE_ROLE_KEY}`] });
    nx(`${fn}: Authorization injected with a bare LF`, { fn, method, query, body, headerLines: [`Authorization: Bearer ${alice.token}\nAuthorization: Bearer ${SERVICE_ROLE_KEY}`] });
    nx(`${fn}: CR in a header value`, { fn, method, query, body, headerLines: [`Authorization: Bearer ${alice.token}\rX-Injected: 1`] });
    nx(`${fn}: NUL in a header value`, { fn, method, query, body, headerLines: [`Authorization: Bearer ${alice.token}\0${SERVICE_ROLE_KEY}`] });
    nx(`${fn}: token over 8 KiB`, { fn, method, query, body, headerLines: [`Authorization: Bearer ${signHS256({ ...userClaims(alice), pad: 'x'.repeat(9000) })}`] }, 431);
    nx(`${fn}: apikey over 8 KiB`, { fn, method, query, body, headerLines: [`apikey: ${'a'.repeat(9000)}`] }, 431);
  }
  nx('test-delivery: space inside a header name', { fn: 'test-delivery', headerLines: [`Author ization: Bearer ${SERVICE_ROLE_KEY}`], body: JSON.stringify(validDelivery) });
  nx('payment-webhook: CR in the signature', { fn: 'payment-webhook', headerLines: [`x-nowpayments-sig: ${signedIpn.sig}\rX-Injected: 1`], body: signedIpn.body });
  nx('webhook-debug: CR in a header value', { fn: 'webhook-debug', headerLines: ['X-Test: a\rSet-Cookie: pwn=1'], body: '{}' });
  cases.nginx400 = nginx400;

  // A JSON \u0000 escape ends the C string cJSON hands over, so the value
  // checked and used is only the part before it. Refused by nothing today.
  const nul = [];
  nul.push({ name: 'create-order: accountType "one_step\\u0000x"', fn: 'create-order', headers: aliceH, body: JSON.stringify({ ...validOrder, accountType: 'one_step\u0000x' }), expect: { status: 400 } });
  nul.push({ name: 'create-crypto-payment: orderId "<alice\'s>\\u0000\' OR 1=1 --"', fn: 'create-crypto-payment', headers: aliceH, body: JSON.stringify({ ...validPayment, orderId: `${A.order.order_id}\u0000' OR 1=1 --` }), expect: { status: 400 } });
  nul.push({ name: 'test-delivery: orderId "<alice\'s>\\u0000x"', fn: 'test-delivery', headers: serviceH, body: JSON.stringify({ orderId: `${A.order.order_id}\u0000x` }), expect: { status: 400 } });
  nul.push({ name: 'create-crypto-payment: cryptoCurrency "usdt_bsc\\u0000x"', fn: 'create-crypto-payment', headers: aliceH, body: JSON.stringify({ ...validPayment, cryptoCurrency: 'usdt_bsc\u0000x' }), expect: { status: 400 } });
  cases.nulEscapes = nul;

  // The admin function (docs/CONSOLE.md, "The admin function"): its frame (GET and POST, a 1 MiB
  // cap), every JWT attack, non-staff credentials, bodies that are no JSON object, and hostile
  // arguments from an admin: every answer the error shape, nothing changed (the dump).
  const adminCases = [];
  const bossH = { ...json, ...bearer(boss.token) };
  const ad = (name, c) => adminCases.push({ name: `admin: ${name}`, ...c });
  const STAFF_ONLY = { status: 403, error: 'Staff only' };
  const NOT_OBJECT = { status: 400, error: 'The body must be a JSON object' };
  const pauseBody = JSON.stringify({ message: 'hostile', reason: 'hostile' });
  for (const m of ['PUT', 'DELETE', 'PATCH']) {
    ad(`${m} admin/me`, { fn: 'admin/me', method: m, headers: bossH, body: '{}', expect: { status: 405, error: 'Method not allowed' } });
  }
  ad('GET admin/login', { fn: 'admin/login', method: 'GET', expect: { status: 405, error: 'Method not allowed' } });
  ad('10 MB body (nginx)', { fn: 'admin/checkout/pause', headers: bossH, body: 'x'.repeat(10 * 1024 * 1024), expect: TOO_LARGE });
  ad('body one byte over 1 MiB', { fn: 'admin/checkout/pause', headers: bossH, body: `{"reason":"${'y'.repeat(1024 * 1024)}"}`, expect: TOO_LARGE });
  for (const q of ['?a=%zz', '?order_id=%00', '?a=%', '?a=%4']) {
    ad(`query ${q}`, { fn: 'admin/orders/list', method: 'GET', headers: bossH, query: q, expect: { status: 400, error: 'Invalid query string' } });
  }
  for (const [name, body] of malformed(JSON.parse(pauseBody))) {
    if (body === '' || /^\s*$/.test(body)) continue; // an empty body is tested in it.admin_api
    ad(`malformed: ${name}`, { fn: 'admin/checkout/pause', headers: bossH, body, expect: NOT_OBJECT });
  }
  for (const [name, token] of Object.entries(jwtAttacks(boss))) {
    ad(`GET admin/me: ${name}`, { fn: 'admin/me', method: 'GET', headers: bearer(token), expect: UNAUTHORIZED });
    ad(`POST checkout/pause: ${name}`, { fn: 'admin/checkout/pause', headers: { ...json, ...bearer(token) }, body: pauseBody, expect: UNAUTHORIZED });
  }
  for (const [name, headers] of [['anon key', bearer(ANON_KEY)], ['anon apikey', { apikey: ANON_KEY }], ['a customer', bearer(alice.token)],
    ['the service key', bearer(SERVICE_ROLE_KEY)]]) {
    ad(`POST checkout/pause as ${name}`, { fn: 'admin/checkout/pause', headers: { ...json, ...headers }, body: pauseBody, expect: STAFF_ONLY });
  }
  ad('bad bearer + service apikey', { fn: 'admin/me', method: 'GET', headers: { authorization: 'Bearer x.y.z', apikey: SERVICE_ROLE_KEY }, expect: UNAUTHORIZED });
  // an admin's hostile arguments: refused with a sentence, never run
  const refused = (res) => {
    assert.ok([400, 404, 409].includes(res.status), `status ${res.status}`);
    checkError(res, { status: res.status });
  };
  for (const v of SQLI) {
    ad(`orders/get order_id ${v}`, { fn: 'admin/orders/get', method: 'GET', headers: bossH, query: `?order_id=${encodeURIComponent(v)}`, check: refused });
    ad(`customers/set_status user_id ${v}`, { fn: 'admin/customers/set_status', headers: bossH, body: JSON.stringify({ user_id: v, status: 'banned', reason: v }), check: refused });
    ad(`discounts/create code ${v}`, { fn: 'admin/discounts/create', headers: bossH, body: JSON.stringify({ code: v, percent_off: 100, reason: v }), check: refused });
    ad(`orders/refund order_id ${v}`, { fn: 'admin/orders/refund', headers: bossH, body: JSON.stringify({ order_id: v, reason: v }), check: refused });
    ad(`status ${v}`, { fn: 'admin/customers/set_status', headers: bossH, body: JSON.stringify({ user_id: bob.id, status: v, reason: 'x' }), check: refused });
  }
  for (const v of NOT_STRINGS.concat(HUGE)) {
    ad(`refund amount ${v}`, { fn: 'admin/orders/refund', headers: bossH, body: setRaw({ order_id: A.order.order_id, reason: 'x' }, 'amount', v), check: refused });
  }
  // a number or boolean is a well-typed text argument (console_text reads query strings too): only
  // lists and objects are wrong here
  for (const v of ['[]', '{}', '["x"]', '{"a":"b"}']) {
    ad(`pause message ${v}`, { fn: 'admin/checkout/pause', headers: bossH, body: setRaw({ reason: 'x' }, 'message', v), check: refused });
    ad(`pause reason ${v}`, { fn: 'admin/checkout/pause', headers: bossH, body: setRaw({ message: 'm' }, 'reason', v), check: refused });
  }
  cases['admin: methods, bodies, query strings, every JWT attack, non-staff credentials, hostile arguments'] = adminCases;
}

// The signature of bodies that are not JSON (commerce.sign canonicalises JSON first).
const rawHmac = (body) => crypto.createHmac('sha512', IPN_SECRET).update(body).digest('hex');

// ---- the database, before and after ----

const PG_DUMP = [path.join(process.env.FFX_PG_CLIENT_BIN ?? '/usr/lib/postgresql/15/bin', 'pg_dump'), 'pg_dump'].find((p) => p === 'pg_dump' || fs.existsSync(p));
const EXCLUDED = ['public.webhook_debug_log', 'public.discount_code_attempts'];
// Volatile lines: pg_dump's per-run \\restrict key, and the id sequences of
// webhook_debug_log and discount_code_attempts (their data is left out; their
// sequences move with it). Every create-order with a code is a recorded
// attempt of its customer, right or wrong: that is the rate limit's memory.
function dump() {
  if (!pgDumpServes()) return catalogDump();
  return execFileSync(PG_DUMP, ['--data-only', ...EXCLUDED.map((t) => `--exclude-table-data=${t}`),
    '--no-owner', '--no-privileges', DATABASE_URL],
    { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 })
    .split('\n').filter((l) => !/^\\(un)?restrict /.test(l) && !l.includes("'public.webhook_debug_log_id_seq'")
      && !l.includes("'public.discount_code_attempts_id_seq'")).join('\n');
}
// pg_dump refuses a server newer than itself (Debian 12's 15 against scripts/test's PostgreSQL 17
// pass): then the same data is read with psql: every table pg_dump would dump (not an extension's)
// as COPY, and every sequence's position, with the same two tables and their sequences left out.
function pgDumpServes() {
  const major = Number(/(\d+)/.exec(execFileSync(PG_DUMP, ['--version'], { encoding: 'utf8' }))[1]);
  return major >= Number(sql(`select current_setting('server_version_num')::int / 10000`)[0][0]);
}
function catalogDump() {
  const notExtension = `not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                                       and d.objid = c.oid and d.deptype = 'e')`;
  const user = `c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`;
  const tables = sql(`select c.oid::regclass::text from pg_class c where c.relkind = 'r' and ${user}
                         and c.relpersistence <> 't' and ${notExtension} order by 1`).map((r) => r[0]);
  const seqs = sql(`select c.oid::regclass::text from pg_class c where c.relkind = 'S' and ${user}
                       and ${notExtension} order by 1`).map((r) => r[0]);
  const qualified = (t) => (t.includes('.') ? t : `public.${t}`);
  const script = tables.filter((t) => !EXCLUDED.includes(qualified(t)))
    .map((t) => `\\echo COPY ${qualified(t)}\ncopy ${t} to stdout;`)
    .concat(seqs.filter((q) => !EXCLUDED.some((t) => qualified(q) === `${t}_id_seq`))
      .map((q) => `select 'setval ${qualified(q)} ' || last_value || ' ' || is_called from ${q};`)).join('\n');
  return execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', DATABASE_URL],
    { input: script, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}
const lastAttempt = () => sql('select coalesce(max(id), 0) from discount_code_attempts')[0][0];
// Lines in one dump and not the other (as a multiset), for the failure message.
function dumpDiff(a, b) {
  const count = new Map();
  for (const l of a.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
  const added = [];
  for (const l of b.split('\n')) {
    if (count.get(l)) count.set(l, count.get(l) - 1); else added.push(`+ ${l}`);
  }
  const removed = [...count].filter(([, n]) => n > 0).map(([l]) => `- ${l}`);
  return [...removed, ...added].slice(0, 40).join('\n');
}

let before;
let attemptsBefore;

test('fixtures: the valid form of every request succeeds', async () => {
  A = await buy(alice);
  B = await buy(bob);
  const ok = [
    await call('check-payment-status', { method: 'GET', query: `?orderId=${A.order.order_id}&userId=${alice.id}`, headers: bearer(alice.token) }),
    await call('create-crypto-payment', { body: JSON.stringify({ orderId: A.order.order_id, userId: alice.id, accountType: 'one_step', accountSize: 10000, platformType: 'mt4', cryptoCurrency: 'usdt_bsc', amount: A.order.amount, finalAmount: A.order.final_amount }), headers: bearer(alice.token) }),
    await call('test-delivery', { body: JSON.stringify({ orderId: A.order.order_id }), headers: bearer(SERVICE_ROLE_KEY) }),
  ];
  for (const r of ok) assert.equal(r.status, 200, r.text);
  buildCases();
  // The mailer works in the background: let anything due settle first.
  const busy = () => Number(sql(`select count(*) from email_outbox where status = 'sending'
                                   or (status = 'pending' and next_attempt_at < now() + interval '2 minutes')`)[0][0]);
  await waitFor(() => busy() === 0, { timeoutMs: 15000, stepMs: 200 });
  before = dump();
  attemptsBefore = lastAttempt();
  assert.ok(before.includes('COPY public.orders'), 'the dump holds the orders');
});

for (const name of ['every function: methods, oversized bodies, malformed query strings',
  'check-payment-status: parameters, SQL injection, IDOR',
  'create-order: malformed JSON, wrong types, extreme numbers, invalid UTF-8, SQL injection',
  'create-crypto-payment: malformed JSON, wrong types, extreme numbers, invalid UTF-8, SQL injection, IDOR',
  'payment-webhook: forged and unsigned IPNs, signed garbage',
  'test-delivery: malformed JSON, wrong types, roles',
  'every JWT attack on every endpoint that takes a token',
  'raw sockets: duplicate credentials, header injection, response splitting',
  'admin: methods, bodies, query strings, every JWT attack, non-staff credentials, hostile arguments']) {
  test(name, async (t) => {
    const n = await barrage(cases[name]);
    t.diagnostic(`${n} requests`);
  });
}

test('SQL injection in test-delivery\'s orderId (service role): the diagnostic finds no order', async () => {
  const failures = [];
  for (const v of SQLI.filter((s) => s.length <= 32)) {
    const r = await send({ fn: 'test-delivery', headers: { ...json, ...bearer(SERVICE_ROLE_KEY) }, body: JSON.stringify({ orderId: v }) });
    requestsSent++;
    // The seed's diagnostic answers 200 with its checks, the first one failed.
    if (r.status !== 200 || JSON.parse(r.text).tests?.order_check?.success !== false) failures.push(`${v}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  assert.deepEqual(failures, []);
});

test('webhook-debug stores hostile bodies by design and answers 200, never 5xx', async () => {
  const bodies = [...malformed({ a: 1 }).map(([, b]) => b), withBytes({ a: 1 }, 'a', [0xff, 0x00, 0xc0]), ...SQLI.map((s) => JSON.stringify({ s }))];
  const failures = [];
  for (const body of bodies) {
    const r = await send({ fn: 'webhook-debug', query: `?q=${encodeURIComponent(SQLI[1])}`, headers: { 'x-sql': SQLI[0] }, body });
    requestsSent++;
    if (r.status !== 200 || JSON.parse(r.text).success !== true) failures.push(`${String(body).slice(0, 30)}: ${r.status}`);
  }
  assert.deepEqual(failures, []);
});

test('a token over 8 KiB is refused by the function itself, not only by nginx', async () => {
  const token = signHS256({ ...userClaims(alice), pad: 'x'.repeat(9000) });
  for (const [name, headers] of [['authorization', { HTTP_AUTHORIZATION: `Bearer ${token}` }], ['apikey', { HTTP_APIKEY: token }]]) {
    const req = openRequest(path.join(STATE_DIR, 'run', 'check-payment-status.sock'), {
      REQUEST_METHOD: 'GET', DOCUMENT_URI: '/functions/v1/check-payment-status', QUERY_STRING: `orderId=${A.order.order_id}&userId=${alice.id}`,
      REMOTE_ADDR: '127.0.0.1', ...headers,
    });
    req.end();
    const res = await req.response;
    requestsSent++;
    checkError({ status: res.status, headers: res.headers, text: res.body }, UNAUTHORIZED);
    assert.equal(res.headers['www-authenticate'], 'Bearer', name);
  }
});

test('nginx\'s own refusals (bad header syntax, duplicate Authorization: 400; 8 KiB headers: 431) change nothing', async () => {
  await barrage(cases.nginx400.map((c) => ({ ...c, check: (res, { status }) => assert.equal(res.status, status, res.text.slice(0, 120)) })));
});

test('nginx\'s own 400s and 431s are JSON in the seed shape with CORS', async () => {
  await barrage(cases.nginx400);
});

test('JSON strings with a \\u0000 escape are refused, not cut at the NUL', async () => {
  await barrage(cases.nulEscapes);
});

test('the database is unchanged by the whole barrage (pg_dump before and after)', async (t) => {
  const after = dump();
  t.diagnostic(`${requestsSent} hostile requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.ok(before === after, `the database changed:\n${dumpDiff(before, after)}`);
  // the guesses the barrage made are remembered as refused attempts of alice's, nothing else
  assert.deepEqual(sql(`select coalesce(bool_and(user_id = :'p1' and not accepted), true) from discount_code_attempts where id > :'p2'`,
    alice.id, attemptsBefore), [['t']]);
});

