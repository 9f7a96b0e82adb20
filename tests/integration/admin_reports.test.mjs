// ffx-admin's figures on known orders: a database of its own on the stack's PostgreSQL (created
// from the migrations, dropped at the end) holds exactly the orders below, so every number of
// `dashboard` (revenue today, last 7 and 30 days, this month; conversion) and of `export finance`
// (a revenue line per UTC day, a refund line per refund) is known, with --json and as text. The
// CLI runs in direct mode (--direct: service_role, the audit names operator:<OS user>) on the
// functions' NOINHERIT login role, as on the database host; the refund goes through `orders
// refund` and, being above the approval threshold (500 USD), `refunds approve` by another operator.
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

// ffx-admin --direct as the OS user `user` (the audit's operator:<user>).
function cli(args, user = 'reporter') {
  const r = spawnSync(ADMIN_BIN, ['--direct', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: db.functionsUrl, FFX_ADMIN_TOKEN: '', FFX_ADMIN_DIRECT: '', USER: user },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function json(args, user) {
  const r = cli([...args, '--json'], user);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const PRICE = { today1: 649, today2: 649, d2: 549, d2_refund: 849, d10: 749, d40: 649 };
const PAID_DAYS_AGO = { today1: 0, today2: 0, d2: 2, d2_refund: 2, d10: 10, d40: 40 };

// The dashboard's four revenue windows, each {paid_orders, gross, refunded, net}.
function revenue(user) {
  const r = json(['dashboard'], user).revenue;
  const pick = ({ paid_orders, gross, refunded, net }) => ({ paid_orders, gross, refunded, net });
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, pick(v)]));
}
// The same windows computed here from the orders above (refunded: the names refunded so far).
function expectedRevenue(refunded = []) {
  const monthStart = `${day[0].slice(0, 8)}01`;
  const window = (inWindow) => {
    const names = Object.keys(PRICE).filter((n) => inWindow(PAID_DAYS_AGO[n]));
    const gross = names.reduce((a, n) => a + PRICE[n], 0);
    const back = names.filter((n) => refunded.includes(n)).reduce((a, n) => a + PRICE[n], 0);
    return { paid_orders: names.length, gross, refunded: back, net: gross - back };
  };
  return {
    today: window((k) => k === 0),
    last_7_days: window((k) => k <= 6),
    last_30_days: window((k) => k <= 29),
    this_month: window((k) => day[k] >= monthStart),
  };
}

// export finance --json: its CSV's data lines as objects by the header's names, the USD columns as
// numbers (a day without orders prints 0, a day with some 1298.00).
const USD_COLUMNS = ['usd', 'gross_usd', 'refunded_usd', 'net_usd'];
function exported(args, user) {
  const answer = json(['export', 'finance', ...args], user);
  const lines = answer.csv.split('\r\n');
  assert.equal(lines.pop(), '', 'CRLF after every line');
  const names = lines.shift().split(',');
  const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) =>
    [names[i], USD_COLUMNS.includes(names[i]) && v !== '' ? Number(v) : v])));
  assert.equal(answer.rows, rows.length);
  return { answer, rows };
}
const revenueLine = (d, paid, gross, refunded) => ({
  type: 'revenue', time: d, order_id: '', reference: '', provider: '', method: '', detail: '', amount: '', currency: 'usd',
  usd: '', paid_orders: String(paid), gross_usd: gross, refunded_usd: refunded, net_usd: gross - refunded,
});

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
    select 'day' || k, ((now() at time zone 'UTC')::date - k)::text from generate_series(0, 40) k;`);
  for (const [k, v] of rows) (k.startsWith('day') ? day : ids)[k.replace(/^day/, '')] = v;
  assert.equal(Object.keys(ids).length, 9);
});

after(() => db.drop());

test('dashboard and export before the refund: revenue per UTC day of payment, the windows', () => {
  assert.deepEqual(revenue(), expectedRevenue());
  assert.deepEqual(revenue().last_7_days, { paid_orders: 4, gross: 2696, refunded: 0, net: 2696 });
  assert.deepEqual(revenue().last_30_days, { paid_orders: 5, gross: 3445, refunded: 0, net: 3445 });

  const week = exported(['--from', day[6], '--to', day[0], '--kind', 'revenue']);
  assert.equal(week.answer.filename, `ffx-finance-${day[6]}-${day[0]}.csv`);
  assert.deepEqual(week.rows, [6, 5, 4, 3, 2, 1, 0].map((k) => revenueLine(day[k],
    k === 2 ? 2 : k === 0 ? 2 : 0, k === 2 ? 1398 : k === 0 ? 1298 : 0, 0)), 'a line per day, both ends included');
  const paidDays = exported(['--from', day[40], '--to', day[0], '--kind', 'revenue']).rows
    .filter((l) => l.paid_orders !== '0').map((l) => [l.time, l.net_usd]);
  assert.deepEqual(paidDays, [[day[40], 649], [day[10], 749], [day[2], 1398], [day[0], 1298]]);
  assert.deepEqual(exported(['--from', day[1], '--to', day[1]]).rows, [revenueLine(day[1], 0, 0, 0)], 'one day, nothing paid');

  let r = cli(['export', 'finance', '--from', day[0], '--to', day[2]]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /to must be a date from from to 10 years after it/);
  r = cli(['dashboard', '--from', day[0], '--to', day[2]]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /from must not be after to/);
});

test('orders refund (approved by a second operator), then the dashboard and the export net it: text and --json', () => {
  let r = cli(['orders', 'refund', ids.d2_refund, '--reason', 'chargeback', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const asked = JSON.parse(r.stdout);
  assert.equal(asked.pending_approval, true, '849 USD is above the 500 USD approval threshold');
  assert.deepEqual(revenue(), expectedRevenue(), 'a request refunds nothing');
  r = cli(['refunds', 'approve', String(asked.refund.id), '--reason', 'my own']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /another admin must approve it/);
  const done = json(['refunds', 'approve', String(asked.refund.id), '--reason', 'chargeback confirmed'], 'approver');
  assert.equal(done.refund.amount, 849);
  assert.equal(done.refund.full, true);

  assert.deepEqual(revenue(), expectedRevenue(['d2_refund']));
  assert.deepEqual(revenue().last_7_days, { paid_orders: 4, gross: 2696, refunded: 849, net: 1847 });
  const week = exported(['--from', day[6], '--to', day[0]]);
  assert.deepEqual(week.rows.filter((l) => l.type === 'revenue' && l.paid_orders !== '0'),
    [revenueLine(day[2], 2, 1398, 849), revenueLine(day[0], 2, 1298, 0)], 'refunded on the day it was paid');
  const refunds = week.rows.filter((l) => l.type === 'refund');
  assert.equal(refunds.length, 1);
  assert.deepEqual([refunds[0].time.slice(0, 10), refunds[0].order_id, refunds[0].provider, refunds[0].amount, refunds[0].usd],
    [day[0], ids.d2_refund, 'manual', '849.00', 849], 'the refund itself on the day it was made');
  const text = cli(['export', 'finance', '--from', day[6], '--to', day[0]]);
  assert.equal(text.status, 0, text.stderr);
  assert.equal(text.stdout, week.answer.csv, 'without --json: the CSV itself');

  const conversion = json(['dashboard']).conversion;
  assert.deepEqual([conversion.orders, conversion.paid, conversion.delivered, conversion.rate], [9, 6, 6, 66.67]);
  const board = cli(['dashboard']);
  assert.equal(board.status, 0, board.stderr);
  assert.match(board.stdout, /^== conversion$/m, board.stdout);
  for (const [name, value] of [['orders', '9'], ['paid', '6'], ['delivered', '6'], ['rate', '66.67']]) {
    assert.match(board.stdout, new RegExp(`^${name} +${value}$`, 'm'), `${name} ${value} as text`);
  }
  assert.equal(json(['orders', 'list', '--status', 'failed']).total, 1);
  assert.equal(json(['orders', 'list', '--status', 'refunded']).total, 1);
});

test('staff read the same numbers as the operator; a customer gets none; the audit names who did what', () => {
  const asStaff = (claims) => JSON.parse(sql(`
    select set_config('request.jwt.claims', '${JSON.stringify(claims)}', false);
    set role authenticated;
    select ffx_internal.console('dashboard.get', '{}', true)::text;`).at(-1)[0]);
  const finance = asStaff({ sub: 'b0550000-0000-4000-8000-000000000001', role: 'authenticated', email: BOSS,
    app_metadata: { role: 'finance' } });
  const operator = json(['dashboard']);
  assert.deepEqual(finance.revenue, operator.revenue);
  assert.deepEqual([finance.conversion.orders, finance.conversion.paid], [operator.conversion.orders, operator.conversion.paid]);
  assert.throws(() => asStaff({ sub: 'c0570000-0000-4000-8000-000000000002', role: 'authenticated', email: 'cust@example.com',
    app_metadata: {} }), /Staff only/);
  assert.deepEqual(sql(`select action_type, admin_email, description from admin_audit_log
                         where action_type in ('refund_requested', 'refund_approved', 'order_refund') order by id`),
  [['refund_requested', 'operator:reporter', 'chargeback'], ['refund_approved', 'operator:approver', 'chargeback confirmed']]);
});
