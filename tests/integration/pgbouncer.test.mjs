// Which way the functions reach PostgreSQL. scripts/test runs this label twice: first with the
// functions connected directly, then (FFX_PGBOUNCER=1) restarted on PgBouncer in transaction
// pooling mode. Each pass checks the route it claims from three independent places: the worker
// processes' own TCP sockets (/proc), PgBouncer's admin console (SHOW CLIENTS, SHOW STATS) and
// PostgreSQL (pg_stat_activity); and that ffx-mailer (LISTEN) kept its direct connection. Through
// the pooler it also checks that the server connections the functions used carry none of a
// request's role, claims or timeout to the next client, and that a pooler restart costs 503s,
// not a function restart.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DATABASE_URL, ROOT, STATE_DIR, call, childPids, masterPid, sql, stack, waitFor } from './lib/stack.mjs';

const run = promisify(execFile);
const POOLED = process.env.FFX_PGBOUNCER === '1';
const DB_PORT = Number(process.env.FFX_DB_PORT ?? 54322);
const PGB_PORT = Number(process.env.FFX_PGBOUNCER_PORT ?? 54329);
const DIRECT_URL = process.env.FFX_FUNCTIONS_DATABASE_URL ?? DATABASE_URL.replace('postgres:postgres@', 'ffx_functions:ffx_functions@');
const POOLED_URL = process.env.FFX_PGBOUNCER_DATABASE_URL ?? `postgresql://ffx_functions:ffx_functions@127.0.0.1:${PGB_PORT}/postgres`;
const CONSOLE_URL = `postgresql://postgres:postgres@127.0.0.1:${PGB_PORT}/pgbouncer`;
const FUNCTIONS = fs.readdirSync(path.join(ROOT, 'functions')).filter((n) => fs.existsSync(path.join(ROOT, 'functions', n, 'main.c')));
const WEBHOOK_DEBUG_CALLS = 20;

// The TCP sockets a process holds, from /proc: { local, peer, state } with ports as numbers
// (state is the kernel's hex code: 01 established, 08 close-wait once the server hung up).
function tcpSockets(pid) {
  const inodes = new Set();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const out = [];
  for (const table of ['tcp', 'tcp6']) {
    const lines = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (!inodes.has(f[9])) continue;
      const port = (addr) => parseInt(addr.split(':')[1], 16);
      out.push({ local: port(f[1]), peer: port(f[2]), state: f[3] });
    }
  }
  return out;
}

// Each worker's connections to PostgreSQL or PgBouncer (a connection the server closed while the
// worker was idle stays as close-wait until the worker's next request: it still shows the route).
function databaseSockets() {
  return FUNCTIONS.flatMap((name) => childPids(masterPid(name)).flatMap((pid) => tcpSockets(pid)
    .filter((s) => (s.peer === DB_PORT || s.peer === PGB_PORT) && s.state !== '0A')
    .map((s) => ({ name, pid, ...s }))));
}

// An admin console command as rows of { column: value }.
function pgbouncerConsole(command) {
  const out = execFileSync('psql', ['-X', '-q', '-A', '-F', '\t', '-P', 'footer=off', CONSOLE_URL, '-c', command], { encoding: 'utf8' });
  const [header, ...rows] = out.split('\n').filter(Boolean);
  const cols = header.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i], v])));
}

const transactions = () => Number(pgbouncerConsole('SHOW STATS').find((r) => r.database === 'postgres').total_xact_count);

async function warmUp() {
  for (let i = 0; i < WEBHOOK_DEBUG_CALLS; i++) {
    const r = await call('webhook-debug', { body: `{"route":${i}}` });
    assert.equal(r.status, 200, r.text);
  }
}

// What a fresh client session of the functions' role sees: no role set, no claims, the default timeout.
const SESSION_SQL = `select current_user, current_setting('role'), coalesce(current_setting('request.jwt.claims', true), ''),
  current_setting('statement_timeout'), pg_backend_pid(), pg_sleep(0.5) is null`;
async function session(url) {
  const { stdout } = await run('psql', ['-X', '-q', '-A', '-t', '-F', '\t', url, '-c', SESSION_SQL], { encoding: 'utf8' });
  const [user, role, claims, timeout, pid] = stdout.trim().split('\t');
  return { state: { user, role, claims, timeout }, pid: Number(pid) };
}

test(`the functions reach PostgreSQL ${POOLED ? 'through PgBouncer' : 'directly'}`, async () => {
  await warmUp();
  const sockets = databaseSockets();
  for (const name of FUNCTIONS) assert.ok(sockets.some((s) => s.name === name), `${name}: no worker holds a database connection`);
  const want = POOLED ? PGB_PORT : DB_PORT;
  for (const s of sockets) assert.equal(s.peer, want, `${s.name} worker ${s.pid} is connected to port ${s.peer}`);

  const live = sockets.filter((s) => s.state === '01');
  assert.ok(live.some((s) => s.name === 'webhook-debug'), 'webhook-debug, just called, holds a live connection');
  const backends = new Map(sql(`select client_port, usename, application_name from pg_stat_activity
                                 where client_addr is not null and client_port > 0`)
    .map(([port, user, app]) => [Number(port), { user, app }]));
  const clients = pgbouncerConsole('SHOW CLIENTS');
  const clientByPort = new Map(clients.map((c) => [Number(c.port), c]));
  for (const s of live) {
    const c = clientByPort.get(s.local);
    const b = backends.get(s.local);
    if (POOLED) {
      assert.ok(c, `${s.name} worker ${s.pid} (port ${s.local}) is not a PgBouncer client`);
      assert.deepEqual([c.user, c.database, c.application_name], ['ffx_functions', 'postgres', s.name]);
      assert.equal(b, undefined, `${s.name} worker ${s.pid} also has a backend of its own`);
    } else {
      assert.ok(b, `${s.name} worker ${s.pid} (port ${s.local}) has no backend in pg_stat_activity`);
      assert.deepEqual(b, { user: 'ffx_functions', app: s.name });
    }
  }
  if (!POOLED) assert.deepEqual(clients.filter((c) => FUNCTIONS.includes(c.application_name)), [], 'PgBouncer has no function clients');
});

test(`PgBouncer carries ${POOLED ? 'the' : 'none of the'} functions' transactions`, async () => {
  const before = transactions();
  await warmUp();
  const counted = transactions() - before;
  if (POOLED) assert.ok(counted >= WEBHOOK_DEBUG_CALLS, `PgBouncer saw ${counted} transactions for ${WEBHOOK_DEBUG_CALLS} requests`);
  else assert.equal(counted, 0, 'transactions went through PgBouncer');
});

test('ffx-mailer keeps its direct connection (LISTEN needs a session)', async () => {
  const pid = Number(fs.readFileSync(path.join(STATE_DIR, 'run', 'ffx-mailer.pid'), 'utf8'));
  const mailerConns = () => tcpSockets(pid).filter((s) => s.peer === DB_PORT || s.peer === PGB_PORT);
  // after a PostgreSQL restart the mailer reconnects at its next poll (FFX_MAIL_POLL_MS)
  await waitFor(() => mailerConns().some((s) => s.state === '01'), { timeoutMs: 5000 });
  const conns = mailerConns();
  assert.deepEqual(conns.map((s) => [s.peer, s.state]), [[DB_PORT, '01']], 'one live connection, to PostgreSQL');
  const [[user, app]] = sql(`select usename, application_name from pg_stat_activity where client_port = ${conns[0].local}`);
  assert.deepEqual([user, app], ['ffx_functions', 'ffx-mailer']);
});

// Only the pooled pass shares server connections between clients, so only it can leak.
if (POOLED) {
  test('through PgBouncer: a request\'s role, claims and timeout do not outlive its transaction', async () => {
    await warmUp();
    const used = pgbouncerConsole('SHOW SERVERS').filter((s) => s.user === 'ffx_functions').map((s) => Number(s.remote_pid));
    assert.ok(used.length >= 1, 'the functions left server connections in the pool');
    const fresh = (await session(DIRECT_URL)).state;
    assert.equal(fresh.role, 'none', 'a direct session of the functions\' role has no role set');
    // As many sessions at once as the pool holds servers: each gets one, the functions' among them.
    const pooled = await Promise.all(used.map(() => session(POOLED_URL)));
    const reused = pooled.filter((p) => used.includes(p.pid));
    assert.ok(reused.length >= Math.min(2, used.length), `only ${reused.length} of ${used.length} servers sampled`);
    for (const p of pooled) assert.deepEqual(p.state, fresh, `server connection ${p.pid}`);
  });

  test('through PgBouncer: the pooler restarted, requests meanwhile get 503 and the workers reconnect', async () => {
    const master = masterPid('webhook-debug');
    const workers = childPids(master);
    await warmUp();
    stack('pgbouncer-stop');
    try {
      const t0 = Date.now();
      const r = await call('webhook-debug', { body: '{}' });
      assert.deepEqual([r.status, r.json?.success, r.json?.error], [503, false, 'Service unavailable']);
      assert.ok(Date.now() - t0 < 3000, `the 503 took ${Date.now() - t0} ms`);
    } finally {
      stack('pgbouncer-start');
    }
    assert.ok(await waitFor(async () => (await call('webhook-debug', { body: '{}' })).status === 200), 'serving again');
    for (let i = 0; i < 4 * workers.length; i++) assert.equal((await call('webhook-debug', { body: '{}' })).status, 200);
    assert.equal(masterPid('webhook-debug'), master, 'function process not restarted');
    assert.deepEqual(childPids(master), workers, 'workers not restarted');
  });
}
