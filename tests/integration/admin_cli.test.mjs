// The operator CLI (tools/ffx-admin) against the running stack, connected as the functions'
// NOINHERIT login role (FFX_FUNCTIONS_DATABASE_URL): it can only act after setting the admin's
// claims and role, so everything below proves the CLI goes through RLS and the audited SQL
// functions, never a superuser bypass.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD_DIR, sql } from './lib/stack.mjs';
import { createUser, createOrder } from './lib/identity.mjs';

const ADMIN_BIN = path.join(BUILD_DIR, 'bin', 'ffx-admin');
const FUNCTIONS_URL = process.env.FFX_FUNCTIONS_DATABASE_URL ?? 'postgresql://ffx_functions:ffx_functions@127.0.0.1:54322/postgres';
const admin = createUser({ isAdmin: true });
const tag = `${process.pid}${Date.now() % 100000}`;
const SIZE = 4000 + (process.pid % 900); // a size no other test stocks
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ffx-admin-it-'));

function cli(args, { email = admin.email } = {}) {
  const r = spawnSync(ADMIN_BIN, args, {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: FUNCTIONS_URL, FFX_ADMIN_EMAIL: email },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (args) => {
  const r = cli([...args, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};
function csv(name, lines) {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, ['size,platform,server,login,password,investor_password', ...lines].join('\n') + '\n');
  return f;
}
const reportRow = () => json(['inventory', 'report']).find((r) => r.size === SIZE && r.platform === 'mt5');

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a non-admin identity is refused', () => {
  const user = createUser();
  const r = cli(['inventory', 'report'], { email: user.email });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not an admin/);
});

test('inventory import: good file imported, counted in the report', () => {
  const f = csv('good.csv', [1, 2, 3].map((i) => `${SIZE},mt5,Srv-${tag},L${tag}${i},pw-secret-${i},inv-${i}`));
  const r = cli(['inventory', 'import', f, '--reason', 'new batch']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /imported 3 accounts; 0 waiting orders delivered/);
  assert.deepEqual(reportRow(), { size: SIZE, platform: 'mt5', total: 3, available: 3, delivered: 0, disabled: 0 });
  const [[action, who]] = sql(`select action_type, admin_email from admin_audit_log
                               where action_type = 'inventory_import' and description = 'new batch' order by id desc limit 1`);
  assert.equal(action, 'inventory_import');
  assert.equal(who, admin.email);
});

test('inventory import: one bad row imports nothing and names the line', () => {
  const f = csv('bad.csv', [
    `${SIZE},mt5,Srv-${tag},B${tag}1,pw,inv`,
    `${SIZE},mt6,Srv-${tag},B${tag}2,pw,inv`,
    `-5,mt5,Srv-${tag},B${tag}3,pw,inv`,
    `${SIZE},mt5,Srv-${tag},,pw,inv`,
  ]);
  const r = cli(['inventory', 'import', f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /line 3: platform mt6/);
  assert.match(r.stderr, /line 4: size -5/);
  assert.match(r.stderr, /line 5: empty field/);
  assert.doesNotMatch(r.stderr, /line 2:/);
  assert.equal(reportRow().total, 3);
});

test('inventory import: duplicates in the file and against the table are reported', () => {
  const f = csv('dup.csv', [
    `${SIZE},mt5,Srv-${tag},L${tag}1,pw,inv`,
    `${SIZE},mt5,Srv-${tag},D${tag}1,pw,inv`,
    `${SIZE},mt5,Srv-${tag},D${tag}1,pw,inv`,
  ]);
  const r = cli(['inventory', 'import', f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /line 2: server Srv-\S+ login L\S+ is already in the inventory/);
  assert.match(r.stderr, /line 4: duplicate of line 3/);
  assert.equal(reportRow().total, 3);
});

test('inventory list never prints passwords; disable/enable are audited', () => {
  const text = cli(['inventory', 'list', '--size', String(SIZE), '--platform', 'mt5']);
  assert.equal(text.status, 0, text.stderr);
  assert.doesNotMatch(text.stdout, /pw-secret/);
  const rows = json(['inventory', 'list', '--size', String(SIZE), '--status', 'available']);
  assert.equal(rows.length, 3);
  assert.ok(rows.every((r) => !('password' in r) && !('investor_password' in r)));
  const id = rows[0].id;

  assert.equal(cli(['inventory', 'disable', id]).status, 2, 'a reason is required');
  let r = cli(['inventory', 'disable', id, '--reason', 'broker closed it']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(reportRow().disabled, 1);
  assert.equal(reportRow().available, 2);
  r = cli(['inventory', 'disable', id, '--reason', 'again']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /already disabled/);
  r = cli(['inventory', 'enable', id, '--reason', 'broker reopened it']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(reportRow().available, 3);

  const audit = sql(`select action_type, admin_email, description, old_values->>'status', new_values->>'status'
                     from admin_audit_log where record_id = :'p1' order by id`, id);
  assert.deepEqual(audit, [
    ['inventory_disable', admin.email, 'broker closed it', 'available', 'disabled'],
    ['inventory_enable', admin.email, 'broker reopened it', 'disabled', 'available'],
  ]);
  const log = json(['audit', '--limit', '5']);
  assert.ok(log.some((e) => e.action_type === 'inventory_enable' && e.record_id === id));
});

test('orders list/show as JSON; manual delivery of a paid waiting order', () => {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: 10000, platform: 'mt4' });
  // paid, no account yet: what "waiting for stock" looks like
  sql(`update orders set order_status = 'processing', payment_status = 'paid', paid_at = now()
       where order_id = :'p1'`, orderId);

  const listed = json(['orders', 'list', '--user', buyer.email]);
  assert.equal(listed.length, 1);
  assert.equal(listed[0].order_id, orderId);
  assert.equal(listed[0].payment_status, 'paid');
  assert.equal(json(['orders', 'list', '--user', buyer.id, '--status', 'waiting']).length, 1);

  // make sure an account of the size exists (imports deliver to the oldest waiting order first)
  const f = csv('stock.csv', [`10000,mt4,Srv-${tag},M${tag}1,pw-manual,inv-manual`]);
  const imp = cli(['inventory', 'import', f, '--reason', 'stock for manual delivery']);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /imported 1 accounts; \d+ waiting orders delivered/);

  const r = cli(['orders', 'deliver', orderId, '--reason', 'customer called support']);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.success, true);

  const shown = cli(['orders', 'show', orderId, '--json']);
  assert.equal(shown.status, 0, shown.stderr);
  assert.doesNotMatch(shown.stdout, /pw-manual|"password"/);
  const o = JSON.parse(shown.stdout);
  assert.equal(o.order.order_id, orderId);
  assert.equal(o.order.delivery_status, 'delivered');
  assert.equal(o.order.order_status, 'completed');
  assert.equal(o.account.login_id, res.login_id);
  assert.ok(Array.isArray(o.payments) && Array.isArray(o.outbox) && Array.isArray(o.audit));
  assert.ok(o.audit.some((e) => e.action_type === 'manual_delivery' && e.description === 'customer called support'));

  const text = cli(['orders', 'show', orderId]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /== order/);
  assert.equal(cli(['orders', 'show', 'FFX999999999']).status, 1);
});

test('orders resend-email puts the delivery e-mail back to pending, audited', () => {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: 10000, platform: 'mt4' });
  sql(`update orders set order_status = 'processing', payment_status = 'paid', paid_at = now() where order_id = :'p1'`, orderId);
  const f = csv('stock2.csv', [`10000,mt4,Srv-${tag},R${tag}1,pw-r,inv-r`]);
  assert.equal(cli(['inventory', 'import', f]).status, 0);
  const d = cli(['orders', 'deliver', orderId, '--reason', 'deliver for resend']);
  assert.equal(d.status, 0, d.stderr);
  sql(`update email_outbox set status = 'sent', sent_at = now() where order_id = :'p1'`, orderId);
  const r = cli(['orders', 'resend-email', orderId, '--reason', 'customer lost it']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).old_status, 'sent');
  const [[status]] = sql(`select status from email_outbox where order_id = :'p1'`, orderId);
  assert.ok(['pending', 'sending', 'sent'].includes(status)); // the mailer may pick it up at once
  const [[n]] = sql(`select count(*) from admin_audit_log where action_type = 'resend_email'
                     and description = 'customer lost it' and new_values->>'order_id' = :'p1'`, orderId);
  assert.equal(n, '1');
});

test('events list --unmatched, reports and audit print JSON arrays', () => {
  const pid = `9${tag}`;
  sql(`insert into ipn_events (dedupe_key, payment_id, payment_status, order_id, payload, state)
       values (:'p1', :'p2', 'finished', 'FFX000000000', '{}'::jsonb, 'unmatched')`, `${pid}:finished:it`, pid);
  const events = json(['events', 'list', '--unmatched']);
  assert.ok(events.some((e) => e.payment_id === pid));
  assert.ok(Array.isArray(json(['events', 'list'])));
  for (const args of [['report', 'revenue', '--days', '7'], ['report', 'conversion'], ['report', 'products'], ['audit']]) {
    assert.ok(Array.isArray(json(args)), args.join(' '));
  }
  const rev = json(['report', 'revenue', '--days', '1']);
  assert.ok(rev.length >= 1 && rev[0].paid_orders >= 1);
  const table = cli(['report', 'conversion']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /orders\s+paid/);
});

test('service_role identity: the operator is the OS user', () => {
  const r = spawnSync(ADMIN_BIN, ['inventory', 'report', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: FUNCTIONS_URL, FFX_ADMIN_EMAIL: '', USER: `op${tag}` },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Array.isArray(JSON.parse(r.stdout)));
});
