// The process model: workers replaced when they die, a clean SIGTERM that
// finishes the request in flight, and exit status 2 on bad configuration.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD_DIR, DATABASE_URL, call, childPids, masterPid, waitFor, sleep } from './lib/stack.mjs';
import { openRequest } from './lib/fcgi.mjs';

const BIN = path.join(BUILD_DIR, 'bin', 'webhook-debug');

test('a killed worker is replaced and the next request is served', async () => {
  const master = masterPid('webhook-debug');
  const before = childPids(master);
  assert.ok(before.length >= 1, 'workers running');
  process.kill(before[0], 'SIGKILL');
  const after = await waitFor(() => {
    const now = childPids(master);
    return now.length === before.length && !now.includes(before[0]) ? now : null;
  });
  assert.ok(after, 'replacement worker started');
  for (let i = 0; i < 2 * before.length; i++) {
    const r = await call('webhook-debug', { body: '{}' });
    assert.equal(r.status, 200);
  }
  assert.equal(masterPid('webhook-debug'), master);
});

function startStandalone(env) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffx-proc-'));
  const sock = path.join(dir, 'fn.sock');
  const child = spawn(BIN, [], {
    env: { PATH: process.env.PATH, DATABASE_URL, FFX_ENABLE_WEBHOOK_DEBUG: '1', FFX_LISTEN: sock, FFX_WORKERS: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, sock, exited, log: () => log };
}

test('SIGTERM finishes the request in flight, then exits 0', async () => {
  const p = startStandalone({});
  assert.ok(await waitFor(() => fs.existsSync(p.sock) && p.log().includes('worker ready')), 'started');
  const body = '{"in":"flight"}';
  const req = openRequest(p.sock, {
    REQUEST_METHOD: 'POST', DOCUMENT_URI: '/functions/v1/webhook-debug', CONTENT_LENGTH: body.length,
    CONTENT_TYPE: 'application/json', REMOTE_ADDR: '127.0.0.1', REQUEST_ID: 'inflight0000000000000000000000001',
  });
  req.send(body.slice(0, 5));
  await sleep(300); // the worker is now blocked reading the rest of the body
  p.child.kill('SIGTERM');
  await sleep(300);
  req.send(body.slice(5));
  req.end();
  const res = await req.response;
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).message, 'Webhook debug received');
  const { code, signal } = await p.exited;
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.match(p.log(), /"msg":"stopped"/);
  assert.ok(!fs.existsSync(p.sock), 'socket removed');
});

test('SIGTERM on an idle process exits 0 promptly', async () => {
  const p = startStandalone({ FFX_WORKERS: '3' });
  assert.ok(await waitFor(() => (p.log().match(/worker ready/g) ?? []).length === 3));
  const t0 = Date.now();
  p.child.kill('SIGTERM');
  const { code } = await p.exited;
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 5000, 'stopped within 5 s');
  assert.equal((p.log().match(/worker exiting/g) ?? []).length, 3);
});

test('a bad configuration value exits 2 with a clear message', () => {
  for (const [key, value] of [['FFX_WORKERS', 'many'], ['FFX_BODY_MAX', '1'], ['FFX_LOG_LEVEL', 'loud'], ['FFX_ENABLE_WEBHOOK_DEBUG', 'perhaps']]) {
    const r = spawnSync(BIN, [], { env: { PATH: process.env.PATH, [key]: value }, encoding: 'utf8', timeout: 5000 });
    assert.equal(r.status, 2, `${key}=${value}`);
    const line = JSON.parse(r.stderr.trim().split('\n')[0]);
    assert.equal(line.msg, 'invalid configuration');
    assert.equal(line.key, key);
  }
});

test('the database password never appears in the log', () => {
  const r = spawnSync(BIN, [], { env: { PATH: process.env.PATH, FFX_WORKERS: 'bad', DATABASE_URL: 'postgresql://u:hunter2@127.0.0.1:1/x' }, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.ok(!r.stderr.includes('hunter2'));
});

test('production refuses the public development secrets and a missing IPN secret (exit 2)', () => {
  const run = (name, env) => spawnSync(path.join(BUILD_DIR, 'bin', name), [], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 5000 });
  const dev = { NOWPAYMENTS_API_KEY: 'sim-api-key', NOWPAYMENTS_IPN_SECRET: 'sim-ipn-secret', FFX_LISTEN: '/nonexistent/x.sock' };
  for (const name of ['check-payment-status', 'payment-webhook', 'create-crypto-payment']) {
    const r = run(name, { ...dev, FFX_ENV: 'production' });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /refus/);
  }
  const noSecret = run('payment-webhook', { FFX_LISTEN: '/nonexistent/x.sock' });
  assert.equal(noSecret.status, 2);
  assert.match(noSecret.stderr, /NOWPAYMENTS_IPN_SECRET/);
});

// Production refuses, in every program that reads the setting, what must never run there: the
// public development values and plain-http URLs (common/cfg.c, one table). Each program starts
// with an otherwise valid production configuration and one bad value: exit 2 and one JSON line
// naming the key. The same program with the value fixed gets past its configuration (and then
// stops: the socket or database of this test does not exist), so the refusal is the value's.
test('production refuses dev values and plain http in every program that reads them (exit 2, one line naming the key)', (t) => {
  const good = {
    FFX_ENV: 'production', FFX_LISTEN: '/nonexistent/x.sock', FFX_WORKERS: '1',
    DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
    SUPABASE_JWT_SECRET: 'a-production-secret-of-at-least-32-characters', FFX_SECRET_KEYS: 'sb_secret_production_key',
    NOWPAYMENTS_API_KEY: 'PRODKEY-0000000-0000000-0000000', NOWPAYMENTS_BASE_URL: 'https://api.nowpayments.io/v1',
    NOWPAYMENTS_IPN_SECRET: 'a-production-ipn-secret', FFX_PUBLIC_URL: 'https://api.example.com',
    FFX_METRICS_TOKEN: 'a-production-scrape-token-of-32-characters',
  };
  const cases = [
    ['create-crypto-payment', 'FFX_PUBLIC_URL', 'http://api.example.com'],
    ['create-crypto-payment', 'FFX_PUBLIC_URL', undefined], // the default is the dev stack's http URL
    ['create-crypto-payment', 'NOWPAYMENTS_BASE_URL', 'http://api.nowpayments.io/v1'],
    ['check-payment-status', 'FFX_SECRET_KEYS', 'sb_secret_production_key,sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz'],
    ['create-order', 'SUPABASE_JWT_SECRET', 'super-secret-jwt-token-with-at-least-32-characters-long'],
    ['create-order', 'SUPABASE_JWT_SECRET', undefined], // the default is the dev secret
    ['payment-webhook', 'NOWPAYMENTS_IPN_SECRET', ' sim-ipn-secret'], // used trimmed
    ['payment-webhook', 'NOWPAYMENTS_IPN_SECRET_PREVIOUS', 'sim-ipn-secret'],
    ['metrics', 'FFX_METRICS_TOKEN', 'ffx-dev-metrics-token-not-for-production'],
    ['ffx-reconcile', 'NOWPAYMENTS_API_KEY', 'sim-api-key'],
    ['ffx-reconcile', 'NOWPAYMENTS_BASE_URL', 'http://127.0.0.1:54330/v1'],
  ];
  const run = (name, env) => spawnSync(path.join(BUILD_DIR, 'bin', name), name === 'ffx-reconcile' ? ['--once'] : [],
    { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 10000 });
  // libfcgi's own perror line for the missing socket is the only line that is not JSON
  const lines = (r) => r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  // Every case is checked and every failure reported: the bad values a program started with, and
  // the refusals that did not come as the one line naming the key.
  const accepted = [];
  const unclear = [];
  for (const [name, key, value] of cases) {
    const what = `${name} ${key}=${JSON.stringify(value)}`;
    const env = { ...good };
    if (value === undefined) delete env[key]; else env[key] = value;
    const bad = run(name, env);
    const refusals = lines(bad).filter((l) => l.level === 'error' && l.msg === 'invalid configuration');
    // (not the exit status alone: libfcgi exits with errno, 2, when the test's socket path is missing)
    if (lines(bad).some((l) => l.msg === 'configuration loaded')) {
      accepted.push(what);
    } else if (bad.status !== 2 || refusals.length !== 1 || refusals[0].key !== key || !/refusing to start in production/.test(refusals[0].problem)) {
      unclear.push(`${what}: ${bad.stderr.trim().split('\n').pop()}`);
    } else if (value && value.length > 8 && bad.stderr.includes(value.trim())) {
      unclear.push(`${what}: the value is in the log`);
    }
    const fixed = lines(run(name, good));
    assert.deepEqual(fixed.filter((l) => l.msg === 'invalid configuration'), [], `${name}: the production configuration is valid`);
    assert.ok(fixed.some((l) => l.msg === 'configuration loaded' && l.FFX_ENV === 'production'), `${name} gets past its configuration`);
  }
  t.diagnostic(`${cases.length - accepted.length} of ${cases.length} bad production settings refused, ${unclear.length} of them without the line naming the key`);
  assert.deepEqual(accepted, [], `${accepted.length} of ${cases.length} bad production settings accepted`);
  assert.deepEqual(unclear, [], `${unclear.length} refusals without the one line naming the key`);
});
