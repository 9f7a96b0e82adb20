// ffx-admin is safe to type (issue 16): every typo of the issue exits 2 with a message and the
// command's usage, failures exit 1, global options go anywhere, help goes to stdout with every
// option, PostgreSQL errors are sentences, tables align on any UTF-8 text; the same action gives
// the same database state through the CLI in API mode, in direct mode and through the admin API.
//
// The API-mode tests that only concern the command line (the request it sends, how it prints
// and what exit status an answer gives) run against a small HTTP server of this file, so they do
// not depend on the admin function; the parity tests use the stack's real admin API.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { API, BUILD_DIR, sql } from './lib/stack.mjs';
import { createOrder, createUser } from './lib/identity.mjs';

const ADMIN_BIN = path.join(BUILD_DIR, 'bin', 'ffx-admin');
const FUNCTIONS_URL = process.env.FFX_FUNCTIONS_DATABASE_URL ?? process.env.DATABASE_URL;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ffx-admin-cli-'));
const tag = `${process.pid}${Date.now() % 100000}`;
// No saved token of the machine's user, no token in the environment: each test says its mode.
const BASE_ENV = { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'config'), FFX_ADMIN_TOKEN: '', FFX_ADMIN_DIRECT: '', FFX_ADMIN_EMAIL: '' };

function cli(args, env = {}) {
  const r = spawnSync(ADMIN_BIN, args, { encoding: 'utf8', env: { ...BASE_ENV, DATABASE_URL: FUNCTIONS_URL, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
// The same, without blocking this process (the fake API below answers from it).
function cliAsync(args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(ADMIN_BIN, args, { env: { ...BASE_ENV, DATABASE_URL: FUNCTIONS_URL, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const direct = (args, env) => cli(['--direct', ...args], env);
const table = JSON.parse(cli(['help', '--json']).stdout);

// A fake admin API: answers each request with what the test queued, and records what it got.
async function fakeApi() {
  const got = [];
  const answers = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      got.push({ method: req.method, url: req.url, auth: req.headers.authorization, body: body ? JSON.parse(body) : null });
      const a = answers.shift() ?? { status: 500, json: { success: false, error: 'nothing queued' } };
      res.writeHead(a.status, { 'content-type': a.type ?? 'application/json' });
      res.end(a.text ?? JSON.stringify(a.json));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, got, answer: (a) => answers.push(a), close: () => new Promise((r) => server.close(r)) };
}

test.after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  direct(['checkout', 'resume', '--reason', 'admin_console_cli cleanup']);
});

// ---- typos -------------------------------------------------------------------------------

test('orders list --stauts waiting: exit 2, the option named, the usage on stderr, nothing run', () => {
  const r = cli(['orders', 'list', '--stauts', 'waiting', '--direct']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /unknown option --stauts/);
  assert.match(r.stderr, /usage: ffx-admin orders list .*\[--status STATUS\]/);
});

test('--as-admin is gone: exit 2 saying why, wherever it is typed (and its typos are unknown options)', () => {
  for (const args of [['--as-admin', 'a@example.com', 'checkout', 'get'], ['checkout', 'get', '--as-admin', 'a@example.com'],
    ['checkout', 'get', '--as-admin=a@example.com']]) {
    const r = cli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /--as-admin is gone: it made the audit name whoever was typed/);
  }
  const typo = cli(['checkout', 'get', '--as-amdin', 'a@example.com', '--direct']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /unknown option --as-amdin/);
});

test('a missing value, an unknown command, a stray or missing argument: exit 2 with a message', () => {
  const cases = [
    [['checkout', 'pause', '--reason'], /--reason needs a value/],
    [['checkout', 'pause', '--reason', '--message', 'x'], /--reason needs a value/],
    [['ordres', 'list'], /no command ordres/],
    [['orders', 'lsit'], /no command orders/],
    [['checkout', 'get', 'extra'], /unexpected argument extra/],
    [['orders', 'refund', '--reason', 'x'], /ORDER_ID is missing/],
    [['--direct'], /which command\?/],
    [['inventory', 'import', '--dry-run=yes', 'f.csv'], /--dry-run takes no value/],
  ];
  for (const [args, message] of cases) {
    const r = cli([...args, '--direct']);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.match(r.stderr, /usage: ffx-admin/, args.join(' '));
  }
});

test('no token and no --direct: exit 2 "not signed in", nothing reaches the database', () => {
  const before = sql(`select count(*) from admin_audit_log`)[0][0];
  const r = cli(['checkout', 'pause', '--message', 'm', '--reason', 'r']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not signed in: run ffx-admin login --link URL, or use --direct on the database host/);
  assert.equal(sql(`select count(*) from admin_audit_log`)[0][0], before);
});

test('a value the SQL refuses (FF400): exit 2 with the SQL\'s own sentence', () => {
  const user = createUser({ isAdmin: true });
  const r = direct(['login-link', '--email', user.email, '--ttl-minutes', '999']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^ffx-admin: ttl_minutes must be a whole number from 1 to 60$/m);
  const reason = direct(['checkout', 'pause', '--message', 'back soon']);
  assert.equal(reason.status, 2);
  assert.match(reason.stderr, /A reason is required/);
});

test('orders list --status with a value out of its set: exit 2 with the SQL\'s sentence', () => {
  const r = direct(['orders', 'list', '--status', 'compelted']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^ffx-admin: status must be one of: .*completed/m);
  assert.equal(r.stdout, '');
});

test('other failures exit 1: an unknown e-mail (FF404)', () => {
  const r = direct(['login-link', '--email', `nobody-${tag}@example.com`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`No user with e-mail nobody-${tag}@example.com`));
});

test('a failed events reprocess exits 1', () => {
  // An unmatched event whose payment nobody knows: reprocessing it cannot apply it.
  const [[id]] = sql(`insert into ipn_events (dedupe_key, payment_id, payment_status, payload, state)
                      values (:'p1', :'p2', 'finished', '{}'::jsonb, 'failed') returning id`, `9${tag}:finished:cli`, `9${tag}`);
  const r = direct(['events', 'reprocess', id, '--reason', 'try again']);
  assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
});

test('a refunded order\'s credentials cannot be re-sent: exit 1', () => {
  // A delivered order of its own (a product put on sale here, of a size no other test stocks),
  // refunded through the CLI.
  const buyer = createUser();
  const size = 8000 + (process.pid % 900);
  const product = ['--account-type', 'one_step', '--account-size', String(size), '--platform-type', 'mt5'];
  const onSale = direct(['pricing', 'set', ...product, '--price-usd', '99', '--active', 'true', '--reason', 'test product']);
  assert.equal(onSale.status, 0, onSale.stderr);
  const rules = direct(['rules', 'set', ...product.slice(0, 4), '--challenge-profit-target', '10', '--challenge-max-daily-loss', '4',
    '--challenge-max-total-loss', '6', '--challenge-min-trading-days', '3', '--profit-share-percentage', '80', '--reason', 'test product']);
  assert.equal(rules.status, 0, rules.stderr);
  const orderId = createOrder(buyer, { size, platform: 'mt5', amount: 99 });
  assert.equal(direct(['pricing', 'set', ...product, '--active', 'false', '--reason', 'test product off sale']).status, 0);
  const stock = path.join(tmp, 'refunded.csv');
  fs.writeFileSync(stock, `size,platform,server,login,password,investor_password\n${size},mt5,Srv-${tag},RF${tag},pw,inv\n`);
  assert.equal(direct(['inventory', 'import', stock, '--reason', 'stock']).status, 0);
  sql(`update orders set order_status = 'processing', payment_status = 'paid', paid_at = now() where order_id = :'p1';
       begin;
       select set_config('request.jwt.claims', '{"role":"service_role"}', true);
       select ffx_internal.deliver_account_to_user(:'p1', :'p2');
       commit;`, orderId, buyer.id);
  const refund = direct(['orders', 'refund', orderId, '--reason', 'chargeback']);
  assert.equal(refund.status, 0, refund.stderr);
  assert.equal(sql(`select order_status from orders where order_id = :'p1'`, orderId)[0][0], 'refunded');
  const r = direct(['orders', 'resend-email', orderId, '--reason', 'customer asked']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /refund/i);
});

// ---- where options go, help ----------------------------------------------------------------

test('global options anywhere: before the command, between its words, after its options', () => {
  for (const args of [['--direct', '--json', 'checkout', 'get'], ['checkout', '--json', 'get', '--direct'], ['checkout', 'get', '--direct', '--json']]) {
    const r = cli(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(typeof JSON.parse(r.stdout).paused, 'boolean');
    assert.match(r.stderr, /direct mode: .*operator:/);
  }
});

test('help, help CMD and CMD --help: stdout, exit 0, every option of the command', () => {
  const all = cli(['help']);
  assert.equal(all.status, 0);
  assert.equal(all.stderr, '');
  for (const c of table) assert.match(all.stdout, new RegExp(`^  ${c.command}\\b`, 'm'), c.command);
  for (const c of table) {
    for (const form of [['help', ...c.command.split(' ')], [...c.command.split(' '), '--help']]) {
      const r = cli(form);
      assert.equal(r.status, 0, form.join(' '));
      assert.equal(r.stderr, '', form.join(' '));
      assert.match(r.stdout, new RegExp(`^usage: ffx-admin ${c.command}`, 'm'));
      for (const o of c.options) assert.ok(r.stdout.includes(`[${o.option}`), `${form.join(' ')}: ${o.option}`);
      for (const g of ['--json', '--direct', '--api URL', '--token-file FILE']) assert.ok(r.stdout.includes(g), `${form.join(' ')}: ${g}`);
    }
  }
});

test('every console action has a command, and every command\'s action exists in console_actions()', () => {
  const actions = sql(`select action from ffx_internal.console_actions()`).map(([a]) => a);
  const covered = new Set(table.filter((c) => c.action).map((c) => c.action));
  assert.deepEqual(actions.filter((a) => !covered.has(a)), [], 'actions without a command');
  assert.deepEqual([...covered].filter((a) => !actions.includes(a)), [], 'commands of no action');
});

test('every option a command sends is an argument its action reads', () => {
  // Each action function's text (one line), with the helpers it calls (console_*, and the shop
  // actions' shop_*, which find a customer, an account or a code) inlined one level deep.
  const defs = new Map(sql(`select p.proname, translate(pg_get_functiondef(p.oid), E'\\n\\t\\r', '   ')
                              from pg_proc p where p.pronamespace = 'ffx_internal'::regnamespace
                               and (p.proname like 'console\\_%' or p.proname like 'shop\\_%')`));
  const missing = [];
  for (const c of table.filter((t) => t.action)) {
    let def = defs.get(`console_${c.action.replace('.', '_')}`);
    assert.ok(def, `${c.command}: no function for ${c.action}`);
    for (const [name, body] of defs) if (def.includes(`ffx_internal.${name}(`)) def += body;
    const reads = (name) => def.includes(`'${name}'`) || (['limit', 'offset'].includes(name) && def.includes('console_page'))
      || (name === 'reason' && def.includes('console_reason'));
    // USER_ID|EMAIL: each is an argument the action reads; a positional ffx-admin reads itself
    // (inventory import's FILE) is not sent.
    const positional = c.positional && !c.positional_local ? c.positional.split('|') : [];
    for (const name of [...positional, ...c.options.filter((o) => !o.local).map((o) => o.argument)]) {
      if (!reads(name)) missing.push(`${c.command}: ${name}`);
    }
  }
  assert.deepEqual(missing, [], 'options no SQL reads (a typo the SQL would silently ignore)');
});

// ---- errors as sentences -------------------------------------------------------------------

test('PostgreSQL errors are sentences: a closed port, a refused login, an SQL error with its SQLSTATE', () => {
  const closed = direct(['checkout', 'get'], { DATABASE_URL: 'postgresql://postgres:postgres@127.0.0.1:1/postgres' });
  assert.equal(closed.status, 1);
  assert.match(closed.stderr, /^ffx-admin: cannot reach the database at 127\.0\.0\.1:1$/m);
  const u = new URL(FUNCTIONS_URL);
  u.password = 'wrong-password';
  const login = direct(['checkout', 'get'], { DATABASE_URL: u.toString() });
  assert.equal(login.status, 1);
  assert.doesNotMatch(login.stderr, /FATAL|DETAIL|HINT/);
  assert.equal(login.stderr.trim().split('\n').filter((l) => !/direct mode/.test(l)).length, 1, login.stderr);
  // A login role that may not become service_role: PostgreSQL's refusal, one line, its SQLSTATE.
  sql(`drop role if exists ffx_cli_norole; create role ffx_cli_norole login password 'x'`);
  u.username = 'ffx_cli_norole';
  u.password = 'x';
  const denied = direct(['checkout', 'get'], { DATABASE_URL: u.toString() });
  sql(`drop role if exists ffx_cli_norole`);
  assert.equal(denied.status, 1);
  assert.match(denied.stderr, /^ffx-admin: the database refused the action: .*\(SQLSTATE [0-9A-Z]{5}\)$/m);
  assert.doesNotMatch(denied.stderr, /ERROR:|DETAIL|HINT|CONTEXT/);
});

// ---- API mode against a fake admin API -------------------------------------------------------

test('API mode: POST /functions/v1/admin/<resource>/<verb> with the bearer token and the arguments', async () => {
  const api = await fakeApi();
  try {
    api.answer({ status: 200, json: { success: true, paused: true, message: 'm' } });
    const r = await cliAsync(['checkout', 'pause', '--message', 'm', '--json', '--reason', 'outage'],
      { FFX_ADMIN_TOKEN: 'tok-1', FFX_API_URL: api.url });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { paused: true, message: 'm' });
    assert.deepEqual(api.got[0], { method: 'POST', url: '/functions/v1/admin/checkout/pause', auth: 'Bearer tok-1', body: { message: 'm', reason: 'outage' } });
    // --token-file and --api win over the environment; the positional and presets are arguments.
    fs.writeFileSync(path.join(tmp, 'token'), 'tok-2\n');
    api.answer({ status: 200, json: { success: true, customer: {} } });
    const s = await cliAsync(['customers', 'suspend', 'zoe@example.com', '--reason', 'fraud', '--token-file', path.join(tmp, 'token'), '--api', api.url],
      { FFX_ADMIN_TOKEN: 'tok-1', FFX_API_URL: 'http://127.0.0.1:1' });
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(api.got[1], { method: 'POST', url: '/functions/v1/admin/customers/set_status', auth: 'Bearer tok-2', body: { email: 'zoe@example.com', reason: 'fraud', status: 'suspended' } });
    // A UUID is the customer's id (customers.* find a customer by user_id or email).
    const id = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    api.answer({ status: 200, json: { success: true, customer: {} } });
    assert.equal((await cliAsync(['customers', 'get', id], { FFX_ADMIN_TOKEN: 'tok-1', FFX_API_URL: api.url })).status, 0);
    assert.deepEqual(api.got[2].body, { user_id: id });
    // --search is the listings' q.
    api.answer({ status: 200, json: { success: true, orders: [], total: 0 } });
    assert.equal((await cliAsync(['orders', 'list', '--search', 'zoe'], { FFX_ADMIN_TOKEN: 'tok-1', FFX_API_URL: api.url })).status, 0);
    assert.deepEqual(api.got[3].body, { q: 'zoe' });
  } finally { await api.close(); }
});

test('API mode exit status: 400 is 2, 403/404/409/503 are 1, "success": false is 1, unreachable is 1', async () => {
  const api = await fakeApi();
  const env = { FFX_ADMIN_TOKEN: 't', FFX_API_URL: api.url };
  try {
    for (const [status, code] of [[400, 2], [403, 1], [404, 1], [409, 1], [503, 1]]) {
      api.answer({ status, json: { success: false, error: `sentence ${status}` } });
      const r = await cliAsync(['me'], env);
      assert.equal(r.status, code, `HTTP ${status}`);
      assert.equal(r.stderr.trim(), `ffx-admin: sentence ${status}`);
    }
    api.answer({ status: 200, json: { success: false, error: 'the event still fails: no such payment' } });
    const failed = await cliAsync(['events', 'reprocess', '7', '--reason', 'r'], env);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /the event still fails/);
    const gone = await cliAsync(['me'], { ...env, FFX_API_URL: 'http://127.0.0.1:1' });
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /^ffx-admin: cannot reach the admin API at http:\/\/127\.0\.0\.1:1\/functions\/v1\/admin\/me\/get/m);
  } finally { await api.close(); }
});

// Display width of a string as a terminal shows it (East Asian wide and emoji take 2 columns).
const width = (s) => [...s].reduce((w, ch) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\p{Extended_Pictographic}/u.test(ch) ? 2 : 1), 0);

test('tables align on any UTF-8 text: Zoë, 李小龍, emoji', async () => {
  const api = await fakeApi();
  try {
    const customers = [
      { email: 'zoe@example.com', name: 'Zoë Ångström', status: 'active', total: 120.5 },
      { email: 'bruce@example.com', name: '李小龍', status: 'suspended', total: 99 },
      { email: 'fox@example.com', name: '🦊 Fox', status: 'banned', total: 0 },
      { email: 'plain@example.com', name: 'Plain\nNewline', status: 'active', total: 1 },
    ];
    api.answer({ status: 200, json: { success: true, customers, total: 4 } });
    const r = await cliAsync(['customers', 'list'], { FFX_ADMIN_TOKEN: 't', FFX_API_URL: api.url, LANG: 'C', LC_ALL: '' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('email'));
    const rows = lines.slice(header, header + 2 + customers.length);
    // Every column starts at the same display column on every line (cells hold no double space).
    const columnsOf = (line) => {
      const out = [];
      let col = 0, spaces = 0;
      for (const ch of line) {
        if (ch === ' ') spaces++;
        else { if (spaces >= 2) out.push(col); spaces = 0; }
        col += width(ch);
      }
      return out;
    };
    const expected = columnsOf(rows[0]);
    assert.equal(expected.length, 3, rows[0]);
    for (const line of [rows[0], ...rows.slice(2)]) assert.deepEqual(columnsOf(line), expected, `${line}\n${rows.join('\n')}`);
    assert.ok(rows.some((l) => l.includes('Plain Newline')), 'a control character prints as a space');
    assert.match(r.stdout, /^total +4$/m);
  } finally { await api.close(); }
});

// The cells of a table line, cut at the display columns where the header's dashes start.
function cellsAt(line, starts) {
  const cells = starts.map(() => '');
  let col = 0;
  for (const ch of line) {
    let i = starts.length - 1;
    while (i > 0 && starts[i] > col) i--;
    cells[i] += ch;
    col += width(ch);
  }
  return cells.map((c) => c.trim());
}

test('a real customers list: names in any script sit under their headers, as --json has them', () => {
  const people = [['Zoë', `Ångström${tag}`], ['小龍', `李${tag}`], ['🦊', `Fox${tag}`]];
  for (const [first, last] of people) {
    const u = createUser();
    sql(`update user_profiles set first_name = :'p2', last_name = :'p3' where id = :'p1'`, u.id, first, last);
  }
  const args = ['customers', 'list', '--search', tag];
  const answer = JSON.parse(direct([...args, '--json']).stdout);
  assert.equal(answer.total, 3);
  const r = direct(args, { LANG: 'C', LC_ALL: '' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const header = lines.findIndex((l) => /^\S+ +\S+/.test(l) && /^-+( +-+)+$/.test(lines[lines.indexOf(l) + 1] ?? ''));
  assert.ok(header >= 0, r.stdout);
  const starts = [...lines[header + 1].matchAll(/-+/g)].map((m) => m.index);
  const names = cellsAt(lines[header], starts);
  const rows = lines.slice(header + 2, header + 2 + answer.customers.length).map((l) => cellsAt(l, starts));
  answer.customers.forEach((c, i) => {
    for (const key of ['email', 'first_name', 'last_name', 'user_id', 'account_status']) {
      assert.equal(rows[i][names.indexOf(key)], c[key], `${key} of row ${i}:\n${r.stdout}`);
    }
  });
  assert.deepEqual(answer.customers.map((c) => c.first_name).sort(), people.map(([f]) => f).sort());
});

test('export finance: the CSV the API answers, to stdout or --output FILE', async () => {
  const api = await fakeApi();
  const csv = 'day,payments,refunds,revenue\n2025-01-01,100,0,100\n';
  const out = path.join(tmp, 'finance.csv');
  try {
    api.answer({ status: 200, type: 'text/csv; charset=utf-8', text: csv });
    const r = await cliAsync(['export', 'finance', '--from', '2025-01-01', '--to', '2025-01-31'], { FFX_ADMIN_TOKEN: 't', FFX_API_URL: api.url });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, csv);
    api.answer({ status: 200, type: 'text/csv', text: csv });
    const f = await cliAsync(['export', 'finance', '--output', out, '--from', '2025-01-01'], { FFX_ADMIN_TOKEN: 't', FFX_API_URL: api.url });
    assert.equal(f.status, 0, f.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), csv);
    assert.deepEqual(api.got[1].body, { from: '2025-01-01' }, '--output stays on this side');
  } finally { await api.close(); }
});

test('login --link: exchanges the link on its own origin and saves the token 0600; later commands use it', async () => {
  const api = await fakeApi();
  try {
    api.answer({ status: 200, json: { success: true, access_token: 'console-token', token_type: 'bearer', expires_in: 1800, user: { id: 'u', email: 'ops@example.com', role: 'admin' } } });
    const r = await cliAsync(['login', '--link', `${api.url}/admin/#link=11111111-2222-3333-4444-555555555555.s3cr3t`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /signed in as ops@example.com \(admin\)/);
    assert.deepEqual(api.got[0], { method: 'POST', url: '/functions/v1/admin/login', auth: undefined, body: { link_id: '11111111-2222-3333-4444-555555555555', secret: 's3cr3t' } });
    const file = path.join(tmp, 'config', 'ffx-admin', 'token');
    assert.equal(fs.readFileSync(file, 'utf8').trim(), 'console-token');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    api.answer({ status: 200, json: { success: true, paused: false } });
    const next = await cliAsync(['checkout', 'get'], { FFX_API_URL: '' }); // the saved address
    assert.equal(next.status, 0, next.stderr);
    assert.equal(api.got[1].auth, 'Bearer console-token');
    const out = await cliAsync(['logout']);
    assert.equal(out.status, 0);
    assert.equal(fs.existsSync(file), false);
  } finally { await api.close(); }
});

// ---- direct mode ---------------------------------------------------------------------------

test('direct mode: the action runs as service_role, the audit says operator:<user>, a warning says so', () => {
  const reason = `direct pause ${tag}`;
  const r = direct(['checkout', 'pause', '--message', 'Zoë says: back at 5', '--reason', reason, '--json'], { USER: `op-${tag}` });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).paused, true);
  assert.match(r.stderr, new RegExp(`audit will say operator:op-${tag}`));
  assert.deepEqual(sql(`select admin_email, action_type from admin_audit_log where description = :'p1'`, reason),
    [[`operator:op-${tag}`, 'checkout_pause']]);
  const text = direct(['checkout', 'get']);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /^paused +true$/m);
  assert.match(text.stdout, /^message +Zoë says: back at 5$/m);
  const resumed = direct(['checkout', 'resume', '--reason', `resume ${tag}`]);
  assert.equal(resumed.status, 0, resumed.stderr);
});

test('login-link prints <public url>/admin/#link=<id>.<secret>', () => {
  const staff = createUser({ isAdmin: true });
  const r = direct(['login-link', '--email', staff.email, '--ttl-minutes', '5'], { FFX_PUBLIC_URL: 'https://shop.example' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /^https:\/\/shop\.example\/admin\/#link=[0-9a-f-]{36}\.[0-9a-f]{64}$/);
});

// ---- parity: the CLI in API mode, in direct mode and the admin API give the same state ------

async function adminApiUp() {
  try {
    const res = await fetch(`${API}/functions/v1/admin/checkout/get`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    return res.status === 401; // the admin function answers an anonymous call 401; nginx alone 404
  } catch { return false; }
}

test('parity: checkout pause through the CLI (API mode), the admin API and the CLI (direct mode)', async (t) => {
  assert.ok(await adminApiUp(), 'the admin function answers on the stack');
  const staff = createUser({ isAdmin: true });
  const state = () => sql(`select checkout_paused, checkout_pause_message from order_settings`)[0];
  const audit = (reason) => sql(`select admin_email, action_type from admin_audit_log where description = :'p1'`, reason);
  const viaCli = await cliAsync(['checkout', 'pause', '--message', `cli ${tag}`, '--reason', `cli ${tag}`], { FFX_ADMIN_TOKEN: staff.token, FFX_API_URL: API });
  assert.equal(viaCli.status, 0, viaCli.stderr);
  const afterCli = state();
  assert.deepEqual(audit(`cli ${tag}`), [[staff.email, 'checkout_pause']], 'the audit names the person');
  await cliAsync(['checkout', 'resume', '--reason', `r1 ${tag}`], { FFX_ADMIN_TOKEN: staff.token, FFX_API_URL: API });
  const res = await fetch(`${API}/functions/v1/admin/checkout/pause`, {
    method: 'POST', headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: `cli ${tag}`, reason: `http ${tag}` }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(state(), afterCli);
  assert.deepEqual(audit(`http ${tag}`), [[staff.email, 'checkout_pause']]);
  direct(['checkout', 'resume', '--reason', `r2 ${tag}`]);
  assert.equal(direct(['checkout', 'pause', '--message', `cli ${tag}`, '--reason', `direct ${tag}`]).status, 0);
  assert.deepEqual(state(), afterCli);
  direct(['checkout', 'resume', '--reason', `r3 ${tag}`]);
});

test('parity: a discount code created through the CLI and through the admin API is the same row', async (t) => {
  assert.ok(await adminApiUp(), 'the admin function answers on the stack');
  const staff = createUser({ isAdmin: true });
  const args = { percent_off: '10', max_uses: '5', reason: 'parity' };
  const r = await cliAsync(['discounts', 'create', `CLI${tag}`, '--percent-off', '10', '--max-uses', '5', '--reason', 'parity'], { FFX_ADMIN_TOKEN: staff.token, FFX_API_URL: API });
  assert.equal(r.status, 0, r.stderr);
  const res = await fetch(`${API}/functions/v1/admin/discounts/create`, {
    method: 'POST', headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code: `API${tag}`, ...args }),
  });
  assert.equal(res.status, 200, await res.text());
  const row = (code) => sql(`select to_jsonb(d) - 'id' - 'code' - 'created_at' - 'updated_at' from discount_codes d where code = :'p1'`, code)[0][0];
  assert.deepEqual(JSON.parse(row(`CLI${tag}`)), JSON.parse(row(`API${tag}`)));
});

test('parity: an inventory import through the CLI (API mode, direct mode) and the admin API', async (t) => {
  assert.ok(await adminApiUp(), 'the admin function answers on the stack');
  const staff = createUser({ isAdmin: true });
  const size = 7000 + (process.pid % 900);
  const csvText = (p) => `\ufeffsize,platform,server,login,password,investor_password\n${size},mt5,Srv-${tag},${p}${tag},pw,inv\n`;
  const file = (p) => { const f = path.join(tmp, `${p}.csv`); fs.writeFileSync(f, csvText(p)); return f; };
  const viaApi = await cliAsync(['inventory', 'import', file('A'), '--reason', 'parity'], { FFX_ADMIN_TOKEN: staff.token, FFX_API_URL: API });
  assert.equal(viaApi.status, 0, viaApi.stderr);
  const viaDirect = direct(['inventory', 'import', file('D'), '--reason', 'parity']);
  assert.equal(viaDirect.status, 0, viaDirect.stderr);
  const res = await fetch(`${API}/functions/v1/admin/inventory/import`, {
    method: 'POST', headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ csv: csvText('H'), reason: 'parity' }),
  });
  assert.equal(res.status, 200, await res.text());
  const row = (p) => sql(`select account_size, platform_type, server_name, status from account_container where login_id = :'p1'`, `${p}${tag}`);
  assert.deepEqual(row('A'), row('H'));
  assert.deepEqual(row('D'), row('H'));
  assert.equal(row('H').length, 1);
});
