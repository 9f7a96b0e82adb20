#!/usr/bin/env node
// tools/bench/run.mjs - measure every function against its ceilings, on the stack scripts/bench
// started (its environment names the stack: FFX_API_URL, DATABASE_URL, FFX_STATE_DIR, ...).
//
// For each data size (FFX_BENCH_ORDERS, default 10000,1000000 orders) and each connection count
// (FFX_BENCH_CONNECTIONS, default 1,16,64) every workload runs three times for
// FFX_BENCH_SECONDS (default 5) each:
//   function   wrk through nginx to the function (tools/bench/requests.lua replays a request file)
//   HTTP       the same requests to a second nginx with the same configuration whose function
//              locations answer a static 200 instead (the HTTP ceiling; first data size only:
//              it does not depend on the data)
//   DB         pgbench running the function's essential SQL as one statement per transaction,
//              over the same TCP socket, with the same number of clients (the database ceiling)
// ratio = function throughput / the lower ceiling. Then one worker's resident memory after
// 100 000 requests and each function's time from exec to its first answered request.
// The results go to stdout and between the markers of docs/BENCHMARKS.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signIpn, canonicalJson } from '../nowpayments-sim/server.mjs';
import { openRequest } from '../../tests/integration/lib/fcgi.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const env = process.env;
const STATE = env.FFX_STATE_DIR;
const API = env.FFX_API_URL;
const DB = env.DATABASE_URL;
const CEILING_PORT = Number(env.FFX_BENCH_CEILING_PORT ?? Number(env.FFX_API_PORT) + 10);
const SECONDS = Number(env.FFX_BENCH_SECONDS ?? 5);
const CONNECTIONS = (env.FFX_BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number);
const SIZES = (env.FFX_BENCH_ORDERS ?? '10000,1000000').split(',').map(Number);
const USERS = Number(env.FFX_BENCH_USERS ?? 2000);
const ACCOUNTS = Number(env.FFX_BENCH_ACCOUNTS ?? 100000);
const STREAM_ORDERS = Number(env.FFX_BENCH_STREAM_ORDERS ?? 12000); // per IPN stream
const FRESH_ORDERS = Number(env.FFX_BENCH_FRESH_ORDERS ?? 25000); // per create-crypto-payment run
const RSS_REQUESTS = Number(env.FFX_BENCH_RSS_REQUESTS ?? 100000);
// FFX_BENCH_ONLY=payment-webhook,create-order: only these workloads (and no memory or start-up).
const ONLY = env.FFX_BENCH_ONLY ? env.FFX_BENCH_ONLY.split(',') : null;
const wanted = (name) => !ONLY || ONLY.includes(name);
const WORK = path.join(STATE, 'bench');
const DOC = path.join(ROOT, 'docs/BENCHMARKS.md');
const JWT_SECRET = env.SUPABASE_JWT_SECRET;
const IPN_SECRET = env.NOWPAYMENTS_IPN_SECRET;

// Order-number ranges: settled orders 1..size; then per data size and connection count the
// streams and fresh orders of each run, far above any size.
const FIRST_RUN_ORDER = 10_000_001;
let nextOrder = FIRST_RUN_ORDER;
const take = (n) => { const first = nextOrder; nextOrder += n; return first; };
const orderId = (n) => `FFX${100000000 + n}`;
const paymentId = (n) => 7000000000 + n;
const userNo = (n) => 1 + (n % USERS);
const userId = (u) => `b0000000-0000-4000-8000-${String(u).padStart(12, '0')}`;

// ---- small tools ------------------------------------------------------------------------------

function log(msg) { process.stderr.write(`bench: ${msg}\n`); }

function sql(text, input) {
  return execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', DB, ...(input ? [] : ['-c', text])],
    { encoding: 'utf8', input: input ? `${text}\n${input}` : undefined, maxBuffer: 1 << 30 }).trim();
}

function b64url(obj) { return Buffer.from(JSON.stringify(obj)).toString('base64url'); }

// A user's access token as Supabase Auth issues it (the claims ffx-admin token writes).
function userClaims(u, appMetadata = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: `${API}/auth/v1`, sub: userId(u), aud: 'authenticated', exp: now + 86400, iat: now,
    email: `bench${u}@example.com`, phone: '', role: 'authenticated',
    app_metadata: { provider: 'email', providers: ['email'], ...appMetadata }, user_metadata: { first_name: 'Bench' },
    aal: 'aal1', amr: [{ method: 'password', timestamp: now }], session_id: crypto.randomUUID(), is_anonymous: false,
  };
}

const tokens = new Map();
function userToken(u) {
  if (tokens.has(u)) return tokens.get(u);
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const body = b64url(userClaims(u));
  const sig = crypto.createHmac('sha256', JWT_SECRET).update(`${head}.${body}`).digest('base64url');
  const token = `${head}.${body}.${sig}`;
  tokens.set(u, token);
  return token;
}

// One request-file line: group, method, path, headers, body (see requests.lua).
function line(group, method, urlPath, headers, body = '') {
  const h = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('|');
  return `${group}\t${method}\t${urlPath}\t${h}\t${body}`;
}

function writeLines(name, lines) {
  const file = path.join(WORK, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function shuffled(n, count) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(1 + crypto.randomInt(n));
  return out;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- the three measurements -------------------------------------------------------------------

function wrk(baseUrl, file, conns, mode = 'cycle', seconds = SECONDS) {
  const threads = conns === 1 ? 1 : 2;
  const args = ['-t', String(threads), '-c', String(conns), '-d', `${seconds}s`, '--timeout', '10s',
    '-s', path.join(HERE, 'requests.lua'), baseUrl, '--', file, String(threads), mode];
  const r = spawnSync('wrk', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /WRKJSON (\{.*\})/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`wrk failed: ${r.stderr}${r.stdout}`);
  const j = JSON.parse(m[1]);
  return {
    rps: j.requests / (j.duration_us / 1e6), requests: j.requests, non2xx: j.non2xx,
    errors: j.connect_errors + j.read_errors + j.write_errors + j.timeouts,
    p50: j.p50_us / 1000, p99: j.p99_us / 1000, p999: j.p999_us / 1000,
  };
}

// pgbench as the functions log in (FFX_FUNCTIONS_DATABASE_URL), with the role and claims a request
// of this kind runs under set for the whole session, so RLS and the claims cost what they cost
// the function; only the per-transaction prelude is left out.
const asRole = (role, claims) =>
  `-c role=${role} -c request.jwt.claims=${JSON.stringify(claims).replaceAll(' ', '\\ ')}`;
const SERVICE = asRole('service_role', { role: 'service_role' });

function pgbench(script, conns, options, vars = {}) {
  const file = path.join(WORK, 'pgbench.sql');
  fs.writeFileSync(file, script);
  const prefix = path.join(WORK, 'pgbench-log');
  for (const f of fs.readdirSync(WORK)) if (f.startsWith('pgbench-log')) fs.rmSync(path.join(WORK, f));
  const u = new URL(env.FFX_FUNCTIONS_DATABASE_URL);
  const args = ['-n', '-h', u.hostname, '-p', u.port, '-U', decodeURIComponent(u.username), '-M', 'prepared',
    '-c', String(conns), '-j', String(conns === 1 ? 1 : 2), '-T', String(SECONDS), '-f', file,
    '-l', `--log-prefix=${prefix}`, ...Object.entries(vars).map(([k, v]) => `-D${k}=${v}`), u.pathname.slice(1)];
  const r = spawnSync('pgbench', args, {
    encoding: 'utf8', cwd: WORK,
    env: { ...env, PGPASSWORD: decodeURIComponent(u.password), PGOPTIONS: options },
  });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
  const failed = /number of failed transactions: (\d+)/.exec(r.stdout);
  if (r.status !== 0 || !tps) throw new Error(`pgbench failed: ${r.stderr}${r.stdout}`);
  const lat = [];
  for (const f of fs.readdirSync(WORK).filter((x) => x.startsWith('pgbench-log'))) {
    for (const l of fs.readFileSync(path.join(WORK, f), 'utf8').split('\n')) {
      const parts = l.split(' ');
      if (parts.length >= 3) lat.push(Number(parts[2]) / 1000);
    }
  }
  lat.sort((a, b) => a - b);
  return {
    rps: Number(tps[1]), failed: failed ? Number(failed[1]) : 0,
    p50: percentile(lat, 50), p99: percentile(lat, 99), p999: percentile(lat, 99.9),
  };
}

// ---- the HTTP ceiling: nginx with the same configuration, static 200s ---------------------------

function startCeilingNginx() {
  const src = path.join(STATE, 'nginx');
  const dst = path.join(STATE, 'nginx-ceiling');
  fs.mkdirSync(dst, { recursive: true });
  for (const d of ['body', 'fastcgi', 'proxy', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dst, d), { recursive: true });
  const api = fs.readFileSync(path.join(src, 'api.conf'), 'utf8')
    .replace(/listen ([\d.]+):\d+;/, `listen $1:${CEILING_PORT};`)
    .replace(/fastcgi_pass [^;]+;/g, 'return 200 \'{"success":true}\';');
  fs.writeFileSync(path.join(dst, 'api.conf'), api);
  const main = fs.readFileSync(path.join(src, 'nginx.conf'), 'utf8')
    .replaceAll(`${src}/`, `${dst}/`)
    .replace(/pid [^;]+;/, `pid ${path.join(STATE, 'run/nginx-ceiling.pid')};`)
    .replace(/access_log [^;]+;/, `access_log ${path.join(STATE, 'log/nginx-ceiling-access.log')};`)
    .replace(/error_log [^;]+;/, `error_log ${path.join(STATE, 'log/nginx-ceiling-error.log')} warn;`);
  fs.writeFileSync(path.join(dst, 'nginx.conf'), main);
  execFileSync('nginx', ['-e', path.join(STATE, 'log/nginx-ceiling-error.log'), '-c', path.join(dst, 'nginx.conf')]);
  return `http://127.0.0.1:${CEILING_PORT}`;
}

function stopCeilingNginx() {
  const pidFile = path.join(STATE, 'run/nginx-ceiling.pid');
  if (fs.existsSync(pidFile)) {
    try { process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGQUIT'); } catch { /* gone */ }
  }
}

// ---- workloads: request files and pgbench scripts -----------------------------------------------

// pgbench reads ":name" as a variable even inside a string literal, so the timestamp format the
// functions use is spelled with chr(58) for its colons in the pgbench scripts.
const ISO_FORMAT = `'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"'`;

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function checkStatusFile(size) {
  const lines = shuffled(size, 20000).map((n, i) => line(i, 'GET',
    `/functions/v1/check-payment-status?orderId=${orderId(n)}&userId=${userId(userNo(n))}`,
    { Authorization: `Bearer ${userToken(userNo(n))}` }));
  return writeLines('check-payment-status.tsv', lines);
}

// As an admin (every order visible; both RLS policies evaluated, as for a customer).
const checkStatusSql = (size) =>
  `\\set n random(1, ${size})\nSELECT owner, order_doc::text, payment_doc::text, payment_id, payment_status, payment_age_s FROM ffx_internal.check_payment_status('FFX' || (100000000 + :n));\n`;
const ADMIN_CLAIMS = userClaims(USERS + 1, { role: 'admin' });
const ADMIN = asRole('authenticated', ADMIN_CLAIMS);

// The function's whole transaction, as common/db.c sends it: the claims, role and timeout, then
// the statement, pipelined and committed by the Sync. Not a ceiling: it shows how much of the
// database's work is the per-request identity rather than the query.
const checkStatusTxnSql = (size) => `\\set n random(1, ${size})
\\startpipeline
SELECT set_config('request.jwt.claims', :claims, true), set_config('role', 'authenticated', true), set_config('statement_timeout', '8000', true);
SELECT owner, order_doc::text, payment_doc::text, payment_id, payment_status, payment_age_s FROM ffx_internal.check_payment_status('FFX' || (100000000 + :n));
\\endpipeline
`;

// An order's IPNs as NOWPayments sends them: waiting, confirming, finished, and the finished one
// again (a provider retry: a duplicate). Signed over the key-sorted body, sent sorted.
function ipnsFor(n, t0) {
  const base = {
    actually_paid: 0, actually_paid_at_fiat: 0, fee: { currency: 'usdtbsc', depositFee: 0, serviceFee: 0, withdrawalFee: 0 },
    invoice_id: 7500000000 + n, order_description: 'FlashFundX one_step 10000 mt4', order_id: orderId(n),
    outcome_amount: 0, outcome_currency: 'usdtbsc', parent_payment_id: null, pay_address: `0x${crypto.createHash('md5').update(String(n)).digest('hex')}`,
    pay_amount: 649, pay_currency: 'usdtbsc', payin_extra_id: null, payment_extra_ids: null, payment_id: paymentId(n),
    price_amount: 649, price_currency: 'usd', purchase_id: String(7800000000 + n),
  };
  const steps = [['waiting', 0], ['confirming', 649], ['finished', 649]];
  const payloads = steps.map(([status, paid], i) => ({
    ...base, payment_status: status, actually_paid: paid, actually_paid_at_fiat: paid,
    outcome_amount: paid ? 646.1 : 0, updated_at: t0 + i * 1000,
  }));
  payloads.push(payloads[2]);
  return payloads;
}

// The IPNs of count orders as a stream, interleaved in windows of 256 orders (all their
// "waiting", then all "confirming", ...): requests in flight together concern different orders,
// as a provider's traffic does, while each order's events keep their order.
function ipnStream(first, count, window = 256) {
  const t0 = Date.now();
  const out = [];
  for (let w = first; w < first + count; w += window) {
    const orders = [];
    for (let n = w; n < Math.min(w + window, first + count); n++) orders.push([n, ipnsFor(n, t0)]);
    for (let step = 0; step < 4; step++) for (const [n, payloads] of orders) out.push({ n, p: payloads[step] });
  }
  return out;
}

function webhookFile(name, stream) {
  const lines = stream.map(({ n, p }) => line(n, 'POST', '/functions/v1/payment-webhook',
    { ...JSON_HEADERS, 'x-nowpayments-sig': signIpn(p, IPN_SECRET) }, canonicalJson(p)));
  return writeLines(name, lines);
}

function loadIpnStream(stream) {
  sql('truncate bench.ipn_stream');
  sql('COPY bench.ipn_stream (n, payload) FROM STDIN;', `${stream.map(({ p }, i) => `${i + 1}\t${canonicalJson(p)}`).join('\n')}\n\\.\n`);
  sql("select setval('bench.ipn_seq', 1, false)");
}

const webhookSql =
  "SELECT ffx_internal.ipn_receive(s.payload, 'raw') FROM bench.ipn_stream s WHERE s.n = (SELECT nextval('bench.ipn_seq'));\n";

function paymentBody(n) {
  return JSON.stringify({
    orderId: orderId(n), userId: userId(userNo(n)), accountType: 'one_step', accountSize: 10000,
    platformType: 'mt4', cryptoCurrency: 'usdt_bsc', amount: 649, finalAmount: 649,
  });
}

function paymentFile(name, numbers) {
  const lines = numbers.map((n, i) => line(i, 'POST', '/functions/v1/create-crypto-payment',
    { ...JSON_HEADERS, Authorization: `Bearer ${userToken(userNo(n))}` }, paymentBody(n)));
  return writeLines(name, lines);
}

const repeatPaymentSql = (count) => `\\set k random(1, ${count})
SELECT ffx_internal.crypto_payment_begin(p.order_id, p.user_id, 'one_step', 10000, 'mt4', 649, 649, 'usdt_bsc', 'bench:0:pgbench', 20000) FROM bench.paid_orders p WHERE p.k = :k;
`;

// begin (the reservation) + record (with its token), which the function runs in two short
// transactions around the two NOWPayments calls, here in one statement.
const freshPaymentSql = `WITH o AS (SELECT f.n, f.order_id, f.user_id FROM bench.fresh_orders f WHERE f.n = (SELECT nextval('bench.fresh_seq'))),
 b AS MATERIALIZED (SELECT o.*, ffx_internal.crypto_payment_begin(o.order_id, o.user_id, 'one_step', 10000, 'mt4', 649, 649, 'usdt_bsc',
                                                           'bench:0:pgbench', 20000) AS plan FROM o)
SELECT ffx_internal.crypto_payment_record(b.order_id, (b.plan ->> 'token')::uuid,
  jsonb_build_object('id', '8' || substr(b.order_id, 4), 'invoice_url', 'https://nowpayments.io/payment/?iid=8' || substr(b.order_id, 4)),
  jsonb_build_object('payment_id', '9' || substr(b.order_id, 4), 'payment_status', 'waiting', 'pay_address', '0x' || md5(b.order_id),
    'pay_amount', 649, 'pay_currency', 'usdtbsc', 'price_amount', 649, 'price_currency', 'usd',
    'invoice_id', '8' || substr(b.order_id, 4), 'order_id', b.order_id, 'created_at', now(), 'updated_at', now(), 'raw', '{}'::jsonb))
FROM b;
`;

// A ceiling that ran past the end of its input would have timed empty statements.
function streamNotExhausted(sequence, length) {
  const used = Number(sql(`select last_value from ${sequence}`));
  if (used >= length) throw new Error(`${sequence} reached ${used} of ${length}: make the stream longer (FFX_BENCH_STREAM_ORDERS, FFX_BENCH_FRESH_ORDERS)`);
}

function loadFreshOrders(first, count) {
  sql('truncate bench.fresh_orders');
  sql(`insert into bench.fresh_orders select g - ${first} + 1, bench.order_id(g), bench.user_id(1 + g % ${USERS})
         from generate_series(${first}, ${first + count - 1}) g`);
  sql("select setval('bench.fresh_seq', 1, false)");
}

function loadPaidOrders(ranges) {
  sql('truncate bench.paid_orders');
  const where = ranges.map(([a, b]) => `(o.order_id between '${orderId(a)}' and '${orderId(b)}')`).join(' or ');
  sql(`insert into bench.paid_orders select row_number() over (order by o.order_id), o.order_id, o.user_id
         from public.orders o where (${where}) and o.invoice_id is not null`);
  return Number(sql('select count(*) from bench.paid_orders'));
}

function createOrderFile() {
  const lines = [];
  for (let u = 1; u <= USERS; u++) {
    lines.push(line(u, 'POST', '/functions/v1/create-order', { ...JSON_HEADERS, Authorization: `Bearer ${userToken(u)}` },
      '{"accountType":"one_step","accountSize":10000,"platformType":"mt4"}'));
  }
  return writeLines('create-order.tsv', lines);
}

// As customer 1: the function's own statement.
const createOrderSql = `SELECT order_doc, error FROM ffx_internal.order_create('one_step', 10000, 'mt4', NULL);
`;

const DEBUG_BODY = '{"test":"webhook","source":"bench"}';

function debugFile() {
  const req = (group) => line(group, 'POST', '/functions/v1/webhook-debug', JSON_HEADERS, DEBUG_BODY);
  return writeLines('webhook-debug.tsv', [req(0), req(1)]);
}

const debugSql = `SELECT to_char(ffx_internal.webhook_debug_record('POST', '/functions/v1/webhook-debug', '', '{"content-type":"application/json","content-length":"${DEBUG_BODY.length}"}'::jsonb, '\\x${Buffer.from(DEBUG_BODY).toString('hex')}'::bytea, '127.0.0.1') AT TIME ZONE 'UTC', ${ISO_FORMAT});\n`;

// ---- correctness of the webhook runs: every finished IPN stored means one delivery --------------

function webhookWrongAnswers(first, count) {
  const [bad] = sql(`
    with o as (select bench.order_id(g) as order_id from generate_series(${first}, ${first + count - 1}) g),
    fin as (select distinct e.order_id from public.ipn_events e join o using (order_id)
             where e.payment_status = 'finished' and e.state = 'processed')
    select (select count(*) from fin f join public.orders x using (order_id) where x.delivery_status <> 'delivered')
         + (select count(*) from (select d.order_id from public.delivered_accounts d join o using (order_id)
                                   group by d.order_id having count(*) > 1) twice)
         + (select count(*) from public.ipn_events e join o using (order_id) where e.state not in ('processed'))`).split('\n');
  return Number(bad);
}

function finishedOrders(first, count) {
  return Number(sql(`select count(*) from public.orders where order_id between '${orderId(first)}' and '${orderId(first + count - 1)}'
                     and delivery_status = 'delivered'`));
}

// ---- one data size ------------------------------------------------------------------------------

function seed(size, previous) {
  log(`seeding ${size} settled orders`);
  const t0 = Date.now();
  if (previous === 0) {
    sql(fs.readFileSync(path.join(HERE, 'seed.sql'), 'utf8'));
    sql(`select bench.add_users(${USERS})`);
    sql(`select bench.add_accounts(${ACCOUNTS})`);
  }
  for (let from = previous + 1; from <= size; from += 200000) {
    sql(`select bench.add_settled_orders(${from}, ${Math.min(size, from + 199999)}, ${USERS})`);
  }
  sql('vacuum analyze');
  log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function runSize(size, http, results) {
  const add = (workload, conns, fn, ceilings, extra = {}) => {
    const db = ceilings.db;
    const httpCeiling = ceilings.http ?? results.find((x) => x.workload === workload && x.conns === conns && x.http)?.http;
    const lower = Math.min(httpCeiling?.rps ?? Infinity, db?.rps ?? Infinity);
    const row = { size, workload, conns, fn, http: ceilings.http, db, ratio: fn.rps / lower, ...extra };
    results.push(row);
    log(`${size} ${workload} c=${conns}: ${fn.rps.toFixed(0)} req/s (p99 ${fn.p99.toFixed(2)} ms), HTTP ${httpCeiling ? httpCeiling.rps.toFixed(0) : '-'}, DB ${db ? db.rps.toFixed(0) : '-'}, ratio ${(row.ratio * 100).toFixed(0)}%`);
  };
  const ceilingHttp = (file, conns) => (http ? wrk(http, file, conns) : undefined);

  // check-payment-status: varied orders of varied users, valid tokens
  if (wanted('check-payment-status')) runCheckStatus(size, add, ceilingHttp);
  if (wanted('payment-webhook')) runWebhook(add, ceilingHttp);
  if (wanted('create-crypto-payment')) runCryptoPayment(add, ceilingHttp);
  if (wanted('create-order')) {
    const orderFile = createOrderFile();
    for (const c of CONNECTIONS) {
      add('create-order', c, wrk(API, orderFile, c),
        { http: ceilingHttp(orderFile, c), db: pgbench(createOrderSql, c, asRole('authenticated', userClaims(1))) });
    }
  }
  if (wanted('webhook-debug')) {
    const dbgFile = debugFile();
    for (const c of CONNECTIONS) {
      add('webhook-debug', c, wrk(API, dbgFile, c), { http: ceilingHttp(dbgFile, c), db: pgbench(debugSql, c, SERVICE) });
    }
  }
}

function runCheckStatus(size, add, ceilingHttp) {
  const statusFile = checkStatusFile(size);
  wrk(API, statusFile, 16, 'cycle', 1); // warm the workers' plans and caches
  for (const c of CONNECTIONS) {
    const txn = pgbench(checkStatusTxnSql(size), c, '', { claims: JSON.stringify(ADMIN_CLAIMS) });
    add('check-payment-status', c, wrk(API, statusFile, c),
      { http: ceilingHttp(statusFile, c), db: pgbench(checkStatusSql(size), c, ADMIN) }, { txn });
  }

}

// payment-webhook: a stream of signed IPNs per run, each order waiting → confirming → finished,
// plus a duplicate of finished; the DB ceiling replays another stream through ipn_receive.
function runWebhook(add, ceilingHttp) {
  for (const c of CONNECTIONS) {
    const fnFirst = take(STREAM_ORDERS);
    const dbFirst = take(STREAM_ORDERS);
    sql(`select bench.add_payable_orders(${fnFirst}, ${fnFirst + STREAM_ORDERS - 1}, ${USERS}, true)`);
    sql(`select bench.add_payable_orders(${dbFirst}, ${dbFirst + STREAM_ORDERS - 1}, ${USERS}, true)`);
    sql('analyze public.orders, public.payments');
    const file = webhookFile('payment-webhook.tsv', ipnStream(fnFirst, STREAM_ORDERS));
    loadIpnStream(ipnStream(dbFirst, STREAM_ORDERS));
    const fn = wrk(API, file, c, 'once');
    if (fn.requests >= 4 * STREAM_ORDERS) throw new Error('the IPN stream ran out: raise FFX_BENCH_STREAM_ORDERS');
    const wrong = fn.non2xx + fn.errors + webhookWrongAnswers(fnFirst, STREAM_ORDERS);
    const delivered = finishedOrders(fnFirst, STREAM_ORDERS);
    const db = pgbench(webhookSql, c, SERVICE);
    streamNotExhausted('bench.ipn_seq', 4 * STREAM_ORDERS);
    add('payment-webhook', c, fn, { http: ceilingHttp(file, c), db }, { wrong, delivered });
  }

}

// create-crypto-payment: fresh orders (two NOWPayments calls each), then idempotent repeats
function runCryptoPayment(add, ceilingHttp) {
  const paidRanges = [];
  for (const c of CONNECTIONS) {
    const fnFirst = take(FRESH_ORDERS);
    const dbFirst = take(FRESH_ORDERS);
    sql(`select bench.add_payable_orders(${fnFirst}, ${fnFirst + FRESH_ORDERS - 1}, ${USERS}, false)`);
    sql(`select bench.add_payable_orders(${dbFirst}, ${dbFirst + FRESH_ORDERS - 1}, ${USERS}, false)`);
    sql('analyze public.orders, public.payments');
    const numbers = Array.from({ length: FRESH_ORDERS }, (_, i) => fnFirst + i);
    const file = paymentFile('create-crypto-payment-fresh.tsv', numbers);
    loadFreshOrders(dbFirst, FRESH_ORDERS);
    const fn = wrk(API, file, c, 'once');
    if (fn.requests >= FRESH_ORDERS) throw new Error('the fresh orders ran out: raise FFX_BENCH_FRESH_ORDERS');
    paidRanges.push([fnFirst, fnFirst + FRESH_ORDERS - 1]);
    const db = pgbench(freshPaymentSql, c, SERVICE);
    streamNotExhausted('bench.fresh_seq', FRESH_ORDERS);
    add('create-crypto-payment (new order)', c, fn, { http: ceilingHttp(file, c), db });
  }
  const paid = loadPaidOrders(paidRanges);
  const paidNumbers = sql('select order_id from bench.paid_orders').split('\n').map((id) => Number(id.slice(3)) - 100000000);
  const repeatFile = paymentFile('create-crypto-payment-repeat.tsv', paidNumbers);
  for (const c of CONNECTIONS) {
    add('create-crypto-payment (repeat)', c, wrk(API, repeatFile, c),
      { http: ceilingHttp(repeatFile, c), db: pgbench(repeatPaymentSql(paid), c, SERVICE) });
  }

}

// ---- memory and start-up ------------------------------------------------------------------------

function restartFunction(name, workers) {
  const r = spawnSync(path.join(ROOT, 'scripts/stack'), ['fn-stop', name], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  const s = spawnSync(path.join(ROOT, 'scripts/stack'), ['fn-start', name], { encoding: 'utf8', env: { ...env, FFX_WORKERS: String(workers) } });
  if (s.status !== 0) throw new Error(s.stderr);
}

function workerPids(name) {
  const master = fs.readFileSync(path.join(STATE, 'run', `${name}.pid`), 'utf8').trim();
  return spawnSync('pgrep', ['-P', master], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

function workerRss(name) {
  let kids = workerPids(name);
  for (let i = 0; kids.length === 0 && i < 100; i++) {
    spawnSync('sleep', ['0.05']);
    kids = workerPids(name);
  }
  const status = fs.readFileSync(`/proc/${kids[0]}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)[1]);
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

function measureRss(size) {
  restartFunction('check-payment-status', 1);
  const file = checkStatusFile(size);
  const before = workerRss('check-payment-status');
  let requests = 0;
  let non2xx = 0;
  while (requests < RSS_REQUESTS) { // wrk cannot stop at a count: runs of 5 s until there
    const run = wrk(API, file, 16, 'cycle', 5);
    requests += run.requests;
    non2xx += run.non2xx + run.errors;
  }
  const after = workerRss('check-payment-status');
  restartFunction('check-payment-status', Number(env.FFX_WORKERS));
  return { function: 'check-payment-status', requests, before, after, non2xx };
}

// A representative request per function, sent straight to its FastCGI socket.
function startupRequests() {
  const u = 1;
  const n = 1;
  const get = (query, token) => ({ method: 'GET', query, token, body: '' });
  const post = (body, token, extra = {}) => ({ method: 'POST', query: '', token, body, extra });
  const finished = ipnsFor(FIRST_RUN_ORDER, Date.now())[3]; // an order of the first stream: a duplicate by now
  return {
    'check-payment-status': get(`orderId=${orderId(n)}&userId=${userId(userNo(n))}`, userToken(userNo(n))),
    'payment-webhook': post(canonicalJson(finished), null, { HTTP_X_NOWPAYMENTS_SIG: signIpn(finished, IPN_SECRET) }),
    'create-order': post('{"accountType":"one_step","accountSize":10000,"platformType":"mt4"}', userToken(u)),
    'webhook-debug': post(DEBUG_BODY, null),
  };
}

function fcgiParams(name, req) {
  const p = {
    REQUEST_METHOD: req.method, SCRIPT_NAME: `/functions/v1/${name}`, REQUEST_URI: `/functions/v1/${name}`,
    DOCUMENT_URI: `/functions/v1/${name}`, QUERY_STRING: req.query, CONTENT_TYPE: 'application/json',
    CONTENT_LENGTH: String(Buffer.byteLength(req.body)), REMOTE_ADDR: '127.0.0.1', SERVER_PROTOCOL: 'HTTP/1.1',
    HTTP_X_REQUEST_ID: crypto.randomBytes(16).toString('hex'), ...(req.extra ?? {}),
  };
  if (req.token) p.HTTP_AUTHORIZATION = `Bearer ${req.token}`;
  return p;
}

async function timeToFirstAnswer(name, req) {
  const sock = path.join(WORK, `${name}.startup.sock`);
  fs.rmSync(sock, { force: true });
  const fnEnv = Object.fromEntries(fs.readFileSync(path.join(STATE, 'functions.env'), 'utf8').split('\n')
    .filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const t0 = process.hrtime.bigint();
  const child = spawn(path.join(env.FFX_BUILD_DIR, 'bin', name), [], {
    env: { ...fnEnv, FFX_LISTEN: sock, FFX_WORKERS: '1', FFX_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if ((process.hrtime.bigint() - t0) > 5_000_000_000n) throw new Error(`${name} did not answer within 5 s`);
      if (fs.existsSync(sock)) {
        try {
          const r = openRequest(sock, fcgiParams(name, req));
          if (req.body) r.send(req.body);
          r.end();
          const res = await r.response;
          if (res.status > 0) return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.status };
        } catch { /* not accepting yet */ }
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
  }
}

async function measureStartup() {
  const out = {};
  for (const [name, req] of Object.entries(startupRequests())) {
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await timeToFirstAnswer(name, req));
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    out[name] = { median: ms[2], max: ms[4], statuses: [...new Set(runs.map((r) => r.status))] };
  }
  return out;
}

// ---- the report ---------------------------------------------------------------------------------

const f0 = (x) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US').replaceAll(',', ' '));
const f2 = (x) => (x === undefined ? '–' : x.toFixed(2));
const pct = (x) => `${Math.round(x * 100)}%`;

function machine() {
  const mem = /MemTotal:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))[1];
  const pg = sql('show server_version').split(' ')[0];
  const nginxV = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '');
  const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), commit: dirty ? `${commit} (with uncommitted changes)` : commit,
    cores: os.cpus().length, cpu: os.cpus()[0].model, memGiB: (Number(mem) / 1048576).toFixed(1), pg, nginx: nginxV,
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

// The HTTP ceiling is measured with the first data size only.
const httpCeiling = (results, r) => r.http ?? results.find((x) => x.workload === r.workload && x.conns === r.conns && x.http)?.http;

// The lower of the best HTTP and the best DB ceiling over every connection count: PostgreSQL with
// 64 clients on two cores can do less than with 16, while a function's worker pool never lets
// more than FFX_WORKERS transactions run at once; this ratio does not profit from that.
function bestCeiling(results, r) {
  const same = results.filter((x) => x.size === r.size && x.workload === r.workload);
  const http = Math.max(...same.map((x) => httpCeiling(results, x)?.rps ?? 0));
  const db = Math.max(...same.map((x) => x.db?.rps ?? 0));
  return Math.min(http || Infinity, db || Infinity);
}

function render(results, rss, startup, m, elapsedS) {
  const out = [];
  out.push(`Run of ${m.date}, commit ${m.commit}; ${m.cores} cores (${m.cpu}), ${m.memGiB} GiB; PostgreSQL ${m.pg}, ${m.nginx}; ` +
    `${SECONDS} s per measurement, ${env.FFX_WORKERS} workers per function; load average at the end ${m.load}; ` +
    `the whole run took ${Math.round(elapsedS / 60)} min. Command: \`scripts/bench\`.`);
  for (const size of SIZES) {
    out.push('', `### ${f0(size)} orders in the database (plus ${f0(ACCOUNTS)} accounts in the container)`, '');
    out.push('| workload | conns | function req/s | p50 ms | p99 ms | p99.9 ms | HTTP ceiling req/s | DB ceiling tx/s | DB p99 ms | ratio | ratio to best ceilings |');
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const r of results.filter((x) => x.size === size)) {
      const http = httpCeiling(results, r);
      const note = r.wrong !== undefined ? ` (${r.wrong} wrong, ${f0(r.delivered)} delivered)` : '';
      out.push(`| ${r.workload}${note} | ${r.conns} | ${f0(r.fn.rps)} | ${f2(r.fn.p50)} | ${f2(r.fn.p99)} | ${f2(r.fn.p999)} | ` +
        `${f0(http?.rps)} | ${f0(r.db?.rps)} | ${f2(r.db?.p99)} | ${pct(r.ratio)} | ${pct(r.fn.rps / bestCeiling(results, r))} |`);
    }
  }
  out.push('', 'check-payment-status\'s whole transaction as the function sends it (claims, role and timeout, then the statement, one pipelined round trip), run by pgbench: how much of the database\'s work per request is the identity rather than the query.', '');
  out.push('| orders | conns | transactions/s | vs DB ceiling | function req/s vs it |', '|--:|--:|--:|--:|--:|');
  for (const r of results.filter((x) => x.txn)) {
    out.push(`| ${f0(r.size)} | ${r.conns} | ${f0(r.txn.rps)} | ${pct(r.txn.rps / r.db.rps)} | ${pct(r.fn.rps / r.txn.rps)} |`);
  }
  if (SIZES.length > 1) {
    const [small, large] = [SIZES[0], SIZES[SIZES.length - 1]];
    out.push('', `### Growth: throughput with ${f0(large)} orders against ${f0(small)}`, '');
    out.push(`| workload | conns | ${f0(small)} req/s | ${f0(large)} req/s | ratio |`, '|---|--:|--:|--:|--:|');
    for (const r of results.filter((x) => x.size === small)) {
      const l = results.find((x) => x.size === large && x.workload === r.workload && x.conns === r.conns);
      if (l) out.push(`| ${r.workload} | ${r.conns} | ${f0(r.fn.rps)} | ${f0(l.fn.rps)} | ${pct(l.fn.rps / r.fn.rps)} |`);
    }
  }
  if (!rss) return out.join('\n');
  out.push('', '### Memory and start-up', '');
  out.push(`One ${rss.function} worker (FFX_WORKERS=1) served ${f0(rss.requests)} requests (${rss.non2xx} not 2xx): ` +
    `resident ${f0(rss.before.rss)} KiB before, ${f0(rss.after.rss)} KiB after (peak ${f0(rss.after.hwm)} KiB).`, '');
  out.push('| function | exec to first answer, median of 5 (ms) | slowest (ms) | status |', '|---|--:|--:|--:|');
  for (const [name, s] of Object.entries(startup)) out.push(`| ${name} | ${f2(s.median)} | ${f2(s.max)} | ${s.statuses.join(', ')} |`);
  return out.join('\n');
}

function writeDoc(block) {
  const begin = '<!-- bench:begin (written by scripts/bench) -->';
  const end = '<!-- bench:end -->';
  let doc = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
  if (!doc.includes(begin)) doc += `\n${begin}\n${end}\n`;
  doc = doc.slice(0, doc.indexOf(begin) + begin.length) + `\n${block}\n` + doc.slice(doc.indexOf(end));
  fs.writeFileSync(DOC, doc);
}

// ---- main ---------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  fs.mkdirSync(WORK, { recursive: true });
  const http = startCeilingNginx();
  const results = [];
  let rss;
  let startup;
  try {
    let previous = 0;
    for (const [i, size] of SIZES.entries()) {
      seed(size, previous);
      previous = size;
      runSize(size, i === 0 ? http : null, results);
      if (i === 0 && !ONLY) {
        rss = measureRss(size);
        startup = await measureStartup();
      }
    }
  } finally {
    stopCeilingNginx();
  }
  const block = render(results, rss, startup, machine(), (Date.now() - t0) / 1000);
  process.stdout.write(`${block}\n`);
  if (!ONLY) writeDoc(block); // a partial run leaves the last full table alone
  fs.writeFileSync(path.join(WORK, 'results.json'), JSON.stringify({ results, rss, startup }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
