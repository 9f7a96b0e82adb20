// Every answer nginx generates itself is the functions' JSON error shape, with the CORS headers and
// X-Request-Id: raw socket requests (lib/rawhttp.mjs) to every method of every function, for each
// status nginx can produce before or instead of a function: 400 (a request line or header it
// cannot parse, also before any location is chosen), 405 (TRACE), 413, 414 (an oversized
// request line), 431 (an oversized header; nginx's internal 494), 500 (it could not buffer the
// body), 501 (an unknown Transfer-Encoding), 503 (the function down, or not answering within
// fastcgi_read_timeout: nginx's 502 and 504), 505 (an HTTP version it does not speak). And
// what error_page cannot reach: a client too slow to send its request (408) gets no answer at
// all, only a closed connection. Every answer is recorded for the OpenAPI check.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { API, STATE_DIR, call, stack } from './lib/stack.mjs';
import { raw, rawRequest } from './lib/rawhttp.mjs';

const FUNCTIONS = ['create-order', 'create-crypto-payment', 'check-payment-status', 'payment-webhook',
  'test-delivery', 'webhook-debug', 'metrics', 'admin/me', 'admin/orders/list',
  'admin/login'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const HOST = new URL(API).host;
// nginx/api.conf.in: client_header_timeout and client_body_timeout; fastcgi_read_timeout.
const CLIENT_TIMEOUT_S = 10;
const FASTCGI_READ_TIMEOUT_S = 30;

function assertNginxError(res, status, body, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json$/, `${what}: content-type`);
  assert.equal(res.headers['access-control-allow-origin'], '*', `${what}: CORS`);
  assert.equal(res.headers['access-control-expose-headers'], 'X-Request-Id', `${what}: CORS expose`);
  assert.match(res.headers['x-request-id'] ?? '', /^[0-9a-f]{32}$/, `${what}: X-Request-Id`);
  let json;
  try { json = JSON.parse(res.text); } catch { assert.fail(`${what}: not JSON: ${res.text.slice(0, 200)}`); }
  assert.deepEqual(json, typeof body === 'function' ? body(res) : body, what);
}

const error = (message) => ({ success: false, error: message });

// Every answer of a test is checked; the failures are collected, so a failing run says how many
// of its answers were wrong (on main before this change: most of them HTML), not just the first.
function tally() {
  const t = { n: 0, bad: [] };
  t.check = (fn) => {
    t.n += 1;
    try { fn(); } catch (e) { t.bad.push(e.message.split('\n')[0]); }
  };
  t.done = (tc) => {
    tc.diagnostic(`${t.n - t.bad.length} of ${t.n} answers are nginx's JSON error`);
    assert.ok(t.bad.length === 0, `${t.bad.length} of ${t.n} answers wrong:\n${t.bad.slice(0, 20).join('\n')}`);
  };
  return t;
}
const requestLine = (method, target, version = 'HTTP/1.1', headers = []) =>
  [`${method} ${target} ${version}`, `Host: ${HOST}`, ...headers, 'Connection: close', '', ''].join('\r\n');

test('414: a request line over 8 KiB is JSON, for every method of every function', async (tc) => {
  const query = `?orderId=${'a'.repeat(10 * 1024)}`;
  const t = tally();
  for (const fn of FUNCTIONS) {
    for (const method of METHODS) {
      const res = await rawRequest({ fn, method, query });
      t.check(() => assertNginxError(res, 414, error('URI too long'), `${method} ${fn}`));
    }
  }
  t.done(tc);
});

test('431: a header over 8 KiB is JSON (nginx\'s 494), for every method of every function', async (tc) => {
  const t = tally();
  for (const fn of FUNCTIONS) {
    for (const method of METHODS) {
      const res = await rawRequest({ fn, method, headerLines: [`X-Pad: ${'a'.repeat(9 * 1024)}`] });
      t.check(() => assertNginxError(res, 431, error('Request header fields too large'), `${method} ${fn}`));
    }
  }
  t.done(tc);
});

test('405: TRACE (nginx refuses it before any location) is JSON, for every function', async (tc) => {
  const t = tally();
  for (const fn of FUNCTIONS) {
    const res = await raw(requestLine('TRACE', `/functions/v1/${fn}`));
    t.check(() => assertNginxError(res, 405, error('Method not allowed'), `TRACE ${fn}`));
  }
  t.done(tc);
});

test('505 and 501: an HTTP version or a Transfer-Encoding nginx does not speak is JSON, for every method of every function', async (tc) => {
  const t = tally();
  for (const fn of FUNCTIONS) {
    for (const method of METHODS) {
      const v2 = await raw(requestLine(method, `/functions/v1/${fn}`, 'HTTP/2.0'));
      t.check(() => assertNginxError(v2, 505, error('HTTP version not supported'), `${method} ${fn} HTTP/2.0`));
      const gzip = await raw(requestLine(method, `/functions/v1/${fn}`, 'HTTP/1.1', ['Transfer-Encoding: gzip']));
      t.check(() => assertNginxError(gzip, 501, error('Not implemented'), `${method} ${fn} Transfer-Encoding: gzip`));
    }
  }
  t.done(tc);
});

test('400: what nginx cannot parse, in the request line (before any location) or the headers, is JSON', async (tc) => {
  const target = '/functions/v1/create-order';
  const cases = {
    'a version that is not HTTP/x.y': requestLine('POST', target, 'HTTP/1.1x'),
    'a control character in the path': requestLine('POST', `${target}\x01`),
    'a fourth word in the request line': requestLine('POST', target, 'HTTP/1.1 extra'),
    'two Host headers': requestLine('POST', target, 'HTTP/1.1', ['Host: other.example']),
    'a Host with a slash': requestLine('POST', target, 'HTTP/1.1', ['Host: a/b']),
    'Content-Length and Transfer-Encoding': requestLine('POST', target, 'HTTP/1.1', ['Content-Length: 2', 'Transfer-Encoding: chunked']),
    'a negative Content-Length': requestLine('POST', target, 'HTTP/1.1', ['Content-Length: -1']),
    'a chunk size that is not hex': `${requestLine('POST', target, 'HTTP/1.1', ['Transfer-Encoding: chunked'])}zz\r\n`,
  };
  const t = tally();
  for (const [what, request] of Object.entries(cases)) {
    const res = await raw(request);
    t.check(() => assertNginxError(res, 400, error('Bad request'), what));
  }
  t.done(tc);
});

test('404: the internal error location is not reachable from outside', async () => {
  assertNginxError(await raw(requestLine('GET', '/.ffx-error')), 404, error('Not found'), 'GET /.ffx-error');
});

test('500: nginx unable to buffer a body is JSON with the request id, for every method of every function (the webhook: its 413)', async (tc) => {
  // A body over 1.25 x client_body_buffer_size (128 KiB) goes to a temporary file; with the
  // folder gone nginx fails with its own 500 before the function is called.
  const bodyDir = path.join(STATE_DIR, 'nginx', 'body');
  const hidden = `${bodyDir}.hidden-by-test`;
  const t = tally();
  fs.renameSync(bodyDir, hidden);
  try {
    for (const fn of FUNCTIONS) {
      for (const method of METHODS) {
        const res = await rawRequest({ fn, method, body: 'x'.repeat(200 * 1024) });
        // payment-webhook's cap (16 KiB, a real IPN's size) refuses such a body before nginx
        // buffers anything: its 413 comes first, whatever the method
        if (fn === 'payment-webhook') t.check(() => assertNginxError(res, 413, error('Payload too large'), `${method} ${fn}`));
        else t.check(() => assertNginxError(res, 500, (r) => ({ ...error('Internal server error'), request_id: r.headers['x-request-id'] }),
          `${method} ${fn}`));
      }
    }
  } finally {
    fs.renameSync(hidden, bodyDir);
  }
  t.done(tc);
  const back = await rawRequest({ fn: 'webhook-debug', body: `{"pad":"${'x'.repeat(200 * 1024)}"}` });
  assert.equal(back.status, 413, 'with the folder back, the function itself answers (its own 413)');
});

// The bytes a socket receives until the peer closes it, and how long that took ({ error } if it
// failed: the caller looks at it later, so it must never be an unhandled rejection).
function untilClosed(send, { timeoutMs }) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const chunks = [];
    const sock = net.createConnection(Number(new URL(API).port), new URL(API).hostname);
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no close within ${timeoutMs} ms`)));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (error) => resolve({ error }));
    sock.on('close', () => resolve({ bytes: Buffer.concat(chunks), seconds: (Date.now() - t0) / 1000 }));
    sock.write(send);
  });
}

test('timeouts: a slow client gets no answer at all (408 is only logged); a function that does not answer is 503 JSON', async (tc) => {
  const slowHeaders = untilClosed(`GET /functions/v1/check-payment-status HTTP/1.1\r\nHost: ${HOST}\r\n`, { timeoutMs: 60000 });
  const slowBody = untilClosed(`POST /functions/v1/webhook-debug HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 100\r\n\r\n{"a"`, { timeoutMs: 60000 });

  // A socket in place of test-delivery's that takes the request and never answers.
  const sock = path.join(STATE_DIR, 'run', 'test-delivery.sock');
  stack('fn-stop', 'test-delivery');
  const held = new Set();
  const silent = net.createServer((c) => { held.add(c); c.on('error', () => {}); });
  try {
    if (fs.existsSync(sock)) fs.unlinkSync(sock);
    await new Promise((resolve) => silent.listen(sock, resolve));
    const t0 = Date.now();
    const res = await raw(requestLine('POST', '/functions/v1/test-delivery', 'HTTP/1.1', ['Content-Length: 2']).replace(/\r\n$/, '\r\n{}'),
      { timeoutMs: (FASTCGI_READ_TIMEOUT_S + 20) * 1000 });
    const waited = (Date.now() - t0) / 1000;
    assertNginxError(res, 503, error('Service unavailable'), 'a function that does not answer (nginx 504)');
    assert.ok(waited >= FASTCGI_READ_TIMEOUT_S - 1, `answered after fastcgi_read_timeout (${waited} s)`);
    tc.diagnostic(`silent function: 503 JSON after ${waited.toFixed(1)} s`);
  } finally {
    for (const c of held) c.destroy();
    await new Promise((resolve) => silent.close(resolve));
    stack('fn-start', 'test-delivery');
  }

  for (const [what, p] of [['headers never finished', slowHeaders], ['body never finished', slowBody]]) {
    const { bytes, seconds, error: failed } = await p;
    assert.ifError(failed);
    assert.equal(bytes.length, 0, `${what}: nothing is sent back (${JSON.stringify(bytes.toString('latin1').slice(0, 80))})`);
    assert.ok(seconds >= CLIENT_TIMEOUT_S - 1 && seconds <= CLIENT_TIMEOUT_S + 10, `${what}: closed after ${seconds} s`);
    tc.diagnostic(`${what}: closed after ${seconds.toFixed(1)} s, ${bytes.length} bytes sent back`);
  }
  const r = await call('test-delivery', { body: '{}' });
  assert.equal(r.status, 401, 'test-delivery is back');
});
