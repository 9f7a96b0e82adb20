// The answers docs/openapi.yaml lists that the feature tests do not provoke,
// through the real nginx, functions and PostgreSQL: the request frame's
// 400/405/413 and the 204 preflight for every method of every function,
// nginx's 503 for a function that is down, webhook-debug's 404 when
// disabled, a 500 (with the request id, the detail only in the log) from a
// database error outside the SQLSTATE map, and create-order's 409. Every
// answer is recorded for the OpenAPI check like any other (openapi.check.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { STATE_DIR, call, sql, stack, waitFor } from './lib/stack.mjs';
import { rawRequest } from './lib/rawhttp.mjs';
import { SERVICE_ROLE_KEY, createOrder, createUser, signHS256, userClaims } from './lib/identity.mjs';
import { sign } from './lib/commerce.mjs';

const FUNCTIONS = { 'create-order': 'POST', 'create-crypto-payment': 'POST', 'check-payment-status': 'GET',
  'payment-webhook': 'POST', 'test-delivery': 'POST', 'webhook-debug': 'POST', metrics: 'GET' };
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const BODY_MAX = 64 * 1024;

function assertError(res, status, error, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
  assert.deepEqual(JSON.parse(res.text), { success: false, error }, what);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, what);
  assert.equal(res.headers['access-control-allow-origin'], '*', what);
  assert.ok(res.headers['x-request-id'], `${what}: X-Request-Id`);
}

test('every method of every function: 405 unless served, 204 preflight, 400 on a bad query, 413 on a big body', async () => {
  for (const [fn, served] of Object.entries(FUNCTIONS)) {
    for (const method of METHODS) {
      const what = `${method} ${fn}`;
      if (method === 'OPTIONS') {
        const pre = await rawRequest({ fn, method, headerLines: ['Origin: https://app.example', `Access-Control-Request-Method: ${served}`] });
        assert.equal(pre.status, 204, what);
        assert.equal(pre.text, '', `${what}: no body`);
        assert.equal(pre.headers['access-control-allow-origin'], '*');
        assert.equal(pre.headers['access-control-max-age'], '86400');
      } else if (method !== served) {
        const res = await rawRequest({ fn, method });
        assertError(res, 405, 'Method not allowed', what);
        assert.equal(res.headers.allow, `${served}, OPTIONS`, what);
      }
      // The frame refuses these before it looks at the method.
      assertError(await rawRequest({ fn, method, query: '?a=%zz' }), 400, 'Invalid query string', `${what} bad query`);
      assertError(await rawRequest({ fn, method, body: 'x'.repeat(BODY_MAX + 1) }), 413, 'Payload too large', `${what} big body`);
    }
  }
});

// The admin function serves GET and POST under one prefix (docs/CONSOLE.md, "The admin
// function"); its login exchange POST only. Its body cap is 1 MiB, not FFX_BODY_MAX.
const ADMIN_PATHS = { 'admin/me': 'GET, POST', 'admin/orders/list': 'GET, POST', 'admin/login': 'POST' };
const ADMIN_BODY_MAX = 1024 * 1024;

test('the admin function: 405 for other methods, 204 preflight, 400 on a bad query, 413 over 1 MiB, on each kind of path', async () => {
  for (const [fn, served] of Object.entries(ADMIN_PATHS)) {
    for (const method of METHODS) {
      const what = `${method} ${fn}`;
      if (method === 'OPTIONS') {
        const pre = await rawRequest({ fn, method, headerLines: ['Origin: https://app.example', 'Access-Control-Request-Method: POST'] });
        assert.equal(pre.status, 204, what);
        assert.equal(pre.text, '', `${what}: no body`);
        assert.equal(pre.headers['access-control-allow-origin'], '*');
      } else if (!served.split(', ').includes(method)) {
        const res = await rawRequest({ fn, method });
        assertError(res, 405, 'Method not allowed', what);
        // the frame answers for the function as a whole (GET, POST); only admin/login's own GET
        // check names the one method it takes
        assert.equal(res.headers.allow, method === 'GET' ? `${served}, OPTIONS` : 'GET, POST, OPTIONS', what);
      }
      assertError(await rawRequest({ fn, method, query: '?a=%zz' }), 400, 'Invalid query string', `${what} bad query`);
      assertError(await rawRequest({ fn, method, body: 'x'.repeat(ADMIN_BODY_MAX + 1) }), 413, 'Payload too large', `${what} big body`);
    }
  }
});

test('the admin function down is nginx\'s JSON 503 for every method and path', async () => {
  stack('fn-stop', 'admin');
  try {
    for (const fn of Object.keys(ADMIN_PATHS)) {
      for (const method of METHODS) {
        const res = await rawRequest({ fn, method, body: method === 'GET' ? '' : '{}' });
        assertError(res, 503, 'Service unavailable', `${method} ${fn} while down`);
      }
    }
  } finally {
    stack('fn-start', 'admin');
  }
  assertError(await rawRequest({ fn: 'admin/me', method: 'GET' }), 401, 'Unauthorized', 'admin is back');
});

test('a function that is down is nginx\'s JSON 503 for every method', async () => {
  for (const fn of Object.keys(FUNCTIONS)) {
    stack('fn-stop', fn);
    try {
      for (const method of METHODS) {
        const res = await rawRequest({ fn, method, body: method === 'GET' ? '' : '{}' });
        assertError(res, 503, 'Service unavailable', `${method} ${fn} while down`);
      }
    } finally {
      stack('fn-start', fn);
    }
  }
  const back = await call('webhook-debug', { body: '{}' });
  assert.equal(back.status, 200, back.text);
});

test('webhook-debug disabled answers 404 to every method, preflight included', async () => {
  process.env.FFX_ENABLE_WEBHOOK_DEBUG = '0';
  stack('fn-stop', 'webhook-debug');
  stack('fn-start', 'webhook-debug');
  try {
    for (const method of METHODS) {
      assertError(await rawRequest({ fn: 'webhook-debug', method, body: method === 'GET' ? '' : '{}' }), 404, 'Function not found', method);
    }
  } finally {
    delete process.env.FFX_ENABLE_WEBHOOK_DEBUG;
    stack('fn-stop', 'webhook-debug');
    stack('fn-start', 'webhook-debug');
  }
  assert.equal((await call('webhook-debug', { body: '{}' })).status, 200);
});

// A database error the SQLSTATE map does not know (here 42883 or 42P01: an object the
// request needs is missing, as after a botched migration) is a 500 that says only
// "Internal server error" and the request id; the detail is in the function's log.
async function internalError(fn, { hide, restore, sqlstate }, request) {
  sql(hide);
  let res;
  try {
    res = await request();
  } finally {
    sql(restore);
  }
  const id = res.headers.get('x-request-id');
  assert.equal(res.status, 500, `${fn}: ${res.text}`);
  assert.deepEqual(res.json, { success: false, error: 'Internal server error', request_id: id }, fn);
  assert.ok(!res.text.includes('sqlstate') && !res.text.includes('public.') && !res.text.includes('ffx_internal.'),
    `${fn}: no detail in the body`);
  const log = path.join(STATE_DIR, 'log', `${fn}.log`);
  const line = await waitFor(() => fs.readFileSync(log, 'utf8').split('\n')
    .find((l) => l.includes(`"req_id":"${id}"`) && l.includes('"msg":"request done"')));
  assert.ok(line, `${fn}: the request's log line`);
  assert.match(JSON.parse(line).error_detail, new RegExp(`^sqlstate=${sqlstate} `), fn);
}

const renamed = (fn) => ({
  hide: `alter function ffx_internal.${fn} rename to ${fn}_hidden`,
  restore: `alter function ffx_internal.${fn}_hidden rename to ${fn}`,
  sqlstate: '42883',
});

test('a database error outside the SQLSTATE map is a 500 with the request id, the detail only in the log', async () => {
  const user = createUser();
  const bearer = { authorization: `Bearer ${user.token}` };
  const product = { accountType: 'one_step', accountSize: 10000, platformType: 'mt4' };

  await internalError('webhook-debug', renamed('webhook_debug_record'), () => call('webhook-debug', { body: '{"a":1}' }));

  await internalError('create-order', { hide: 'alter table public.pricing rename to pricing_hidden', restore: 'alter table public.pricing_hidden rename to pricing', sqlstate: '42P01' },
    () => call('create-order', { body: JSON.stringify(product), headers: bearer }));

  const order = (await call('create-order', { body: JSON.stringify(product), headers: bearer })).json.order;
  const payment = { orderId: order.order_id, userId: user.id, ...product, cryptoCurrency: 'usdt_bsc', amount: order.amount, finalAmount: order.final_amount };
  await internalError('create-crypto-payment', renamed('crypto_payment_begin'),
    () => call('create-crypto-payment', { body: JSON.stringify(payment), headers: bearer }));

  await internalError('check-payment-status', renamed('check_payment_status'),
    () => call('check-payment-status', { method: 'GET', query: `?orderId=${order.order_id}&userId=${user.id}`, headers: bearer }));

  const ipn = sign({ payment_id: 4000000000 + crypto.randomInt(1e9), payment_status: 'waiting', order_id: order.order_id });
  await internalError('payment-webhook', renamed('ipn_receive'),
    () => call('payment-webhook', { body: ipn.body, headers: { 'content-type': 'application/json', 'x-nowpayments-sig': ipn.sig } }));

  const staff = createUser({ isAdmin: true });
  await internalError('admin', { hide: 'alter function ffx_internal.console(text, jsonb, boolean) rename to console_hidden',
    restore: 'alter function ffx_internal.console_hidden(text, jsonb, boolean) rename to console', sqlstate: '42883' },
  () => call('admin/me', { method: 'GET', headers: { authorization: `Bearer ${staff.token}` } }));

  await internalError('test-delivery', renamed('deliver_account_to_user'),
    () => call('test-delivery', { body: JSON.stringify({ orderId: createOrder(user) }), headers: { authorization: `Bearer ${SERVICE_ROLE_KEY}` } }));

  // Restored: the same requests succeed again.
  assert.equal((await call('create-crypto-payment', { body: JSON.stringify(payment), headers: bearer })).status, 200);
  assert.equal((await call('check-payment-status', { method: 'GET', query: `?orderId=${order.order_id}&userId=${user.id}`, headers: bearer })).status, 200);
});

test('create-order with a valid token whose user is not in the database is 409', async () => {
  const ghost = { id: crypto.randomUUID(), email: 'ghost@example.com' };
  const res = await call('create-order', {
    body: JSON.stringify({ accountType: 'one_step', accountSize: 10000, platformType: 'mt4' }),
    headers: { authorization: `Bearer ${signHS256(userClaims(ghost))}` },
  });
  assert.equal(res.status, 409, res.text);
  assert.deepEqual(res.json, { success: false, error: 'Referenced record does not exist' });
  assert.equal(sql(`select count(*) from orders where user_id = :'p1'`, ghost.id)[0][0], '0');
});
