// webhook-debug through the real nginx, function processes and PostgreSQL.
import test from 'node:test';
import assert from 'node:assert/strict';
import { API, apiFetch, call, sql, stack } from './lib/stack.mjs';

const count = () => Number(sql('select count(*) from webhook_debug_log')[0][0]);
const newest = () => sql(`select method, path, query, headers::text, encode(body, 'hex'), client_addr
                          from webhook_debug_log order by id desc limit 1`)[0];

test('stores the request and answers the seed shape', async () => {
  const before = count();
  const body = JSON.stringify({ payment_id: 5514469786, payment_status: 'finished' });
  const r = await call('webhook-debug', {
    body, query: '?source=np&x=%41', headers: { 'content-type': 'application/json', 'user-agent': 'NOWPayments' },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.json.success, true);
  assert.equal(r.json.message, 'Webhook debug received');
  assert.match(r.json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(r.json.timestamp) - Date.now()) < 60000);
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
  assert.equal(count(), before + 1);
  const [method, path, query, headers, bodyHex, addr] = newest();
  assert.equal(method, 'POST');
  assert.equal(path, '/functions/v1/webhook-debug');
  assert.equal(query, 'source=np&x=%41');
  assert.equal(JSON.parse(headers)['user-agent'], 'NOWPayments');
  assert.equal(Buffer.from(bodyHex, 'hex').toString(), body);
  assert.equal(addr, '127.0.0.1');
});

test('credentials and signatures are redacted before storage', async () => {
  const secrets = { authorization: 'Bearer eyJhbGciOi.secret', apikey: 'sb_secret_abc', cookie: 'sid=xyz', 'x-nowpayments-sig': 'f'.repeat(128) };
  const r = await call('webhook-debug', { body: '{}', headers: { ...secrets, 'x-other': 'kept' } });
  assert.equal(r.status, 200);
  const stored = JSON.parse(newest()[3]);
  for (const name of Object.keys(secrets)) assert.equal(stored[name], '[REDACTED]', name);
  assert.equal(stored['x-other'], 'kept');
  const all = sql('select headers::text from webhook_debug_log').flat().join('\n');
  for (const value of Object.values(secrets)) assert.ok(!all.includes(value), 'secret value stored');
});

test('binary and invalid UTF-8 bodies are kept byte for byte', async () => {
  const body = Buffer.from([0x7b, 0xff, 0x00, 0xfe, 0x7d]);
  const r = await call('webhook-debug', { body });
  assert.equal(r.status, 200);
  assert.equal(newest()[4], body.toString('hex'));
});

test('other methods get 405 JSON with Allow', async () => {
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
    const before = count();
    const r = await call('webhook-debug', { method, body: method === 'GET' ? undefined : '{}' });
    assert.equal(r.status, 405, method);
    assert.deepEqual(r.json, { success: false, error: 'Method not allowed' });
    assert.equal(r.headers.get('allow'), 'POST, OPTIONS');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(count(), before);
  }
});

test('a body over FFX_BODY_MAX gets 413 JSON from the function, a huge one from nginx', async () => {
  const before = count();
  const r = await call('webhook-debug', { body: 'x'.repeat(64 * 1024 + 1) });
  assert.equal(r.status, 413);
  assert.deepEqual(r.json, { success: false, error: 'Payload too large' });
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  const exact = await call('webhook-debug', { body: 'y'.repeat(64 * 1024) });
  assert.equal(exact.status, 200);
  const huge = await call('webhook-debug', { body: 'z'.repeat(10 * 1024 * 1024) });
  assert.equal(huge.status, 413);
  assert.deepEqual(huge.json, { success: false, error: 'Payload too large' });
  assert.equal(count(), before + 1);
});

test('preflight answers 204 with CORS and no auth', async () => {
  const r = await call('webhook-debug', {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, x-client-info, apikey, content-type' },
  });
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.match(r.headers.get('access-control-allow-methods'), /POST/);
  assert.equal(r.headers.get('access-control-allow-headers'), 'authorization, x-client-info, apikey, content-type');
});

test('unknown functions and paths are 404 JSON', async () => {
  for (const name of ['no-such-function', 'webhook-debug/extra', '../webhook-debug', 'WEBHOOK-DEBUG']) {
    const r = await call(name, { body: '{}' });
    assert.equal(r.status, 404, name);
    assert.equal(r.json.success, false);
    assert.equal(r.headers.get('content-type'), 'application/json');
  }
  const root = await apiFetch(`${API}/`);
  assert.equal(root.status, 404);
  assert.deepEqual(await root.json(), { success: false, error: 'Not found' });
});

test('malformed query strings are refused and store nothing', async () => {
  const before = count();
  const r = await call('webhook-debug', { body: '{}', query: '?a=%zz' });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { success: false, error: 'Invalid query string' });
  assert.equal(count(), before);
});

test('disabled (FFX_ENABLE_WEBHOOK_DEBUG=0) answers 404 and stores nothing', async () => {
  process.env.FFX_ENABLE_WEBHOOK_DEBUG = '0';
  stack('fn-stop', 'webhook-debug');
  stack('fn-start', 'webhook-debug');
  try {
    const before = count();
    for (const method of ['POST', 'GET']) {
      const r = await call('webhook-debug', { method, body: method === 'POST' ? '{"a":1}' : undefined });
      assert.equal(r.status, 404);
      assert.deepEqual(r.json, { success: false, error: 'Function not found' });
    }
    assert.equal(count(), before);
  } finally {
    delete process.env.FFX_ENABLE_WEBHOOK_DEBUG;
    stack('fn-stop', 'webhook-debug');
    stack('fn-start', 'webhook-debug');
  }
  const r = await call('webhook-debug', { body: '{}' });
  assert.equal(r.status, 200);
});
