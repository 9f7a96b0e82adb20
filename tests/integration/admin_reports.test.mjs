// ffx-admin's reports on known orders: a database of its own on the stack's PostgreSQL (created
// from the migrations, dropped at the end) holds exactly the orders below, so every number of
// `report revenue --days N`, `report conversion` and `report products` is known, in the table
// output and with --json. The CLI connects as the functions' NOINHERIT login role and acts as an
// admin (or service_role), like the operator would; the refund goes through `orders refund`.
//
// Orders (10000 accounts; prices from the pricing table: instant 849, hft 749, one_step 649,
// two_step 549), paid at noon UTC so many days ago:
//   today: one_step mt4 x2; 2 days: two_step mt5, instant mt4 (refunded by the test);
//   10 days: hft mt4; 40 days: one_step mt4; unpaid: one_step mt4 pending, one_step mt4 confirmed
//   (paid status, no paid_at), two_step mt5 failed.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BUILD_DIR, psql, scratchDatabase } from './lib/stack.mjs';

const ADMIN_BIN = path.join(BUILD_DIR, 'bin', 'ffx-admin');
const db = scratchDatabase(`ffx_admin_reports_it_${process.pid}`);
const BOSS = 'boss@example.com';
const sql = (query) => psql(db.superUrl, query);

function cli(args, email = BOSS) {
  const r = spawnSync(ADMIN_BIN, args, { encoding: 'utf8', env: { ...process.env, DATABASE_URL: db.functionsUrl, FFX_ADMIN_EMAIL: email, USER: 'reporter' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function json(args, email) {
  const r = cli([...args, '--json'], email);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// print_table's output: header, dashes, rows, "(n rows)"; cells as strings by column name.
function table(args) {
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const starts = [...lines[1].matchAll(/-+/g)].map((m) => [m.index, m.index + m[0].length]);
  const cells = (line) => starts.map(([a, b], i) => line.slice(a, i === starts.length - 1 ? undefined : b).trim());
  const names = cells(lines[0]);
  const footer = lines.findIndex((l) => /^\(\d+ rows?\)$/.test(l));
  assert.ok(footer >= 2, r.stdout);
  const rows = lines.slice(2, footer).map((l) => Object.fromEntries(cells(l).map((v, i) => [names[i], v])));
  assert.equal(Number(lines[footer].match(/\d+/)[0]), rows.length);
  return rows;
}

const ids = {};
const day = {};

before(() => {
  db.create();
  const rows = sql(`
    insert into auth.users (id, email, raw_app_meta_data) values
      ('b0550000-0000-4000-8000-000000000001', '${BOSS}', '{"provider": "email", "role": "admin"}'),
      ('c0570000-0000-4000-8000-000000000002', 'cust@example.com', '{"provider": "email"}');
    create temp table fx (name text, order_id text);
    create function pg_temp.mk(p_name text, p_type text, p_platform text, p_state text, p_days int) returns void
    language plpgsql as $$
    declare
      v text;
      v_at timestamptz := (((now() at time zone 'UTC')::date - p_days) + time '12:00') at time zone 'UTC';
    begin
      insert into orders (user_id, account_type, account_size, platform_type)
      values ('c0570000-0000-4000-8000-000000000002', p_type, 10000, p_platform) returning order_id into v;
      insert into fx values (p_name, v);
      update orders
         set order_status = case p_state when 'paid' then 'completed' when 'failed' then 'failed'
                                         when 'confirmed' then 'processing' else 'pending' end,
             payment_status = case p_state when 'failed' then 'failed' when 'pending' then 'pending' else 'paid' end,
             delivery_status = case p_state when 'paid' then 'delivered' else 'pending' end,
             paid_at = case p_state when 'paid' then v_at end,
             delivered_at = case p_state when 'paid' then v_at end
       where order_id = v;
    end
    $$;
    select pg_temp.mk('today1', 'one_step', 'mt4', 'paid', 0);
    select pg_temp.mk('today2', 'one_step', 'mt4', 'paid', 0);
    select pg_temp.mk('d2', 'two_step', 'mt5', 'paid', 2);
    select pg_temp.mk('d2_refund', 'instant', 'mt4', 'paid', 2);
    select pg_temp.mk('d10', 'hft', 'mt4', 'paid', 10);
    select pg_temp.mk('d40', 'one_step', 'mt4', 'paid', 40);
    select pg_temp.mk('pending', 'one_step', 'mt4', 'pending', 0);
    select pg_temp.mk('confirmed', 'one_step', 'mt4', 'confirmed', 0);
    select pg_temp.mk('failed', 'two_step', 'mt5', 'failed', 0);
    select name, order_id from fx;
    select 'day' || k, ((now() at time zone 'UTC')::date - k)::text from unnest(array[0, 2, 10, 40]) k;`);
  for (const [k, v] of rows) (k.startsWith('day') ? day : ids)[k.replace(/^day/, '')] = v;
  assert.equal(Object.keys(ids).length, 9);
});

after(() => db.drop());

test('report revenue before the refund: per UTC day of payment, the window of --days', () => {
  assert.deepEqual(json(['report', 'revenue', '--days', '7']), [
    { day: day[2], paid_orders: 2, gross: 1398, refunded_orders: 0, refunded: 0, net: 1398 },
    { day: day[0], paid_orders: 2, gross: 1298, refunded_orders: 0, refunded: 0, net: 1298 },
  ]);
  assert.deepEqual(json(['report', 'revenue']).map((r) => [r.day, r.net]), [[day[10], 749], [day[2], 1398], [day[0], 1298]],
    'no --days: the last 30 days');
  assert.deepEqual(json(['report', 'revenue', '--days', '2']).map((r) => r.day), [day[0]], '--days 2 ends yesterday');
  assert.deepEqual(json(['report', 'revenue', '--days', '41']).map((r) => r.day), [day[40], day[10], day[2], day[0]]);
  const r = cli(['report', 'revenue', '--days', '0']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Days must be between 1 and 3660/);
});

test('orders refund, then the reports net it: table and --json', () => {
  const r = cli(['orders', 'refund', ids.d2_refund, '--reason', 'chargeback']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).amount, 849);

  assert.deepEqual(json(['report', 'revenue', '--days', '7']), [
    { day: day[2], paid_orders: 2, gross: 1398, refunded_orders: 1, refunded: 849, net: 549 },
    { day: day[0], paid_orders: 2, gross: 1298, refunded_orders: 0, refunded: 0, net: 1298 },
  ]);
  assert.deepEqual(table(['report', 'revenue', '--days', '7']), [
    { day: day[2], paid_orders: '2', gross: '1398.00', refunded_orders: '1', refunded: '849.00', net: '549.00' },
    { day: day[0], paid_orders: '2', gross: '1298.00', refunded_orders: '0', refunded: '0.00', net: '1298.00' },
  ]);

  assert.deepEqual(json(['report', 'conversion']),
    [{ orders: 9, paid: 6, delivered: 6, failed: 1, refunded: 1, paid_pct: 66.67 }]);
  assert.deepEqual(table(['report', 'conversion']),
    [{ orders: '9', paid: '6', delivered: '6', failed: '1', refunded: '1', paid_pct: '66.67' }]);

  const products = [
    ['one_step', 10000, 'mt4', 5, 3, 1947],
    ['hft', 10000, 'mt4', 1, 1, 749],
    ['two_step', 10000, 'mt5', 2, 1, 549],
    ['instant', 10000, 'mt4', 1, 1, 0],
  ];
  assert.deepEqual(json(['report', 'products']),
    products.map(([account_type, size, platform, orders, paid, revenue]) => ({ account_type, size, platform, orders, paid, revenue })));
  assert.deepEqual(table(['report', 'products']),
    products.map(([account_type, size, platform, orders, paid, revenue]) => ({
      account_type, size: String(size), platform, orders: String(orders), paid: String(paid), revenue: revenue.toFixed(2),
    })));
});

test('service_role (no --as-admin) reads the same numbers; a customer gets none', () => {
  assert.deepEqual(json(['report', 'conversion'], ''), json(['report', 'conversion']));
  assert.deepEqual(json(['report', 'products'], ''), json(['report', 'products']));
  const r = cli(['report', 'revenue'], 'cust@example.com');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not an admin/);
  const [[who, reason]] = sql(`select admin_email, description from admin_audit_log where action_type = 'order_refund'`);
  assert.deepEqual([who, reason], [BOSS, 'chargeback']);
});
