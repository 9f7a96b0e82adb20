// PostgreSQL restarted under a stream of requests: requests during the
// outage get 503 JSON, and the functions serve again without a restart.
import test from 'node:test';
import assert from 'node:assert/strict';
import { call, masterPid, childPids, stack, waitFor } from './lib/stack.mjs';

test('a PostgreSQL restart mid-stream leaves the functions serving', async () => {
  const master = masterPid('webhook-debug');
  const workers = childPids(master);
  const seen = new Map();
  let running = true;
  const stream = (async () => {
    while (running) {
      const r = await call('webhook-debug', { body: '{"stream":true}' });
      const key = `${r.status} ${r.json?.error ?? ''}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  })();
  await waitFor(() => seen.get('200 ') >= 5);
  stack('pg-stop');
  await waitFor(() => seen.get('503 Service unavailable') >= 3);
  stack('pg-start');
  const recovered = Date.now();
  const ok = await waitFor(async () => (await call('webhook-debug', { body: '{}' })).status === 200, { timeoutMs: 10000 });
  running = false;
  await stream;
  assert.ok(ok, 'serving again after the restart');
  assert.ok(Date.now() - recovered < 10000);
  // Every worker must have reconnected: a few more requests all succeed.
  for (let i = 0; i < 4 * workers.length; i++) assert.equal((await call('webhook-debug', { body: '{}' })).status, 200);
  for (const key of seen.keys()) assert.ok(['200 ', '503 Service unavailable'].includes(key), `unexpected answer ${key}`);
  assert.ok(seen.get('503 Service unavailable') >= 1);
  assert.equal(masterPid('webhook-debug'), master, 'function process not restarted');
  assert.deepEqual(childPids(master), workers, 'workers not restarted');
});
