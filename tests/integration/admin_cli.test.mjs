// The operator CLI (tools/ffx-admin) against the running stack in API mode, with the admin's own
// token, as in production: every command is a console action of the admin API (docs/CONSOLE.md),
// so the audit rows name the admin. The typo cases and the direct mode are in
// admin_console_cli.test.mjs. Listings are {"<plural>": [...], "total": n} (rowsOf below).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { API, BUILD_DIR, sql, waitFor } from './lib/stack.mjs';
import { createUser, createOrder } from './lib/identity.mjs';
import { ipnFor, sendIpn, mailsTo, orderState, deliveries } from './lib/commerce.mjs';

const ADMIN_BIN = path.join(BUILD_DIR, 'bin', 'ffx-admin');
const admin = createUser({ isAdmin: true });
const tag = `${process.pid}${Date.now() % 100000}`;
const SIZE = 4000 + (process.pid % 900); // a size no other test stocks
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ffx-admin-it-'));

function cli(args, { token = admin.token } = {}) {
  const r = spawnSync(ADMIN_BIN, args, {
    encoding: 'utf8',
    env: { ...process.env, FFX_ADMIN_TOKEN: token, FFX_API_URL: API, FFX_ADMIN_DIRECT: '', XDG_CONFIG_HOME: tmp },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (args) => {
  const r = cli([...args, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};
// The rows of a listing's answer ({"orders": [...], "total": n}).
const rowsOf = (answer) => Object.values(answer).find(Array.isArray) ?? [];
function csv(name, lines) {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, ['size,platform,server,login,password,investor_password', ...lines].join('\n') + '\n');
  return f;
}
// The stock of our size in the database itself (the inventory.stock answer's shape aside).
const reportRow = () => {
  const [[total, available, delivered, disabled]] = sql(`select count(*), count(*) filter (where status = 'available'),
      count(*) filter (where status = 'delivered'), count(*) filter (where status = 'disabled')
      from account_container where account_size = :'p1' and platform_type = 'mt5'`, SIZE);
  return { size: SIZE, platform: 'mt5', total: Number(total), available: Number(available), delivered: Number(delivered), disabled: Number(disabled) };
};
const count = (query, ...params) => Number(sql(query, ...params)[0][0]);
// Orders of the tests below are of a size and platform whose stock no other test counts
// (payment_lifecycle asserts exact inventory for the ones it uses).
const ORDER_SIZE = 200000;
const ORDER_PLATFORM = 'mt4';
// Accounts of a size and platform: one for every order already waiting for it (the stock trigger
// serves those first, oldest first) plus n for the test's own orders.
function stockFor(size, platform, n, prefix) {
  const waiting = count(`select count(*) from orders_waiting_for_stock where account_size = :'p1' and platform_type = :'p2'`, size, platform);
  const f = csv(`${prefix}.csv`, Array.from({ length: waiting + n }, (_, i) => `${size},${platform},Srv-${tag},${prefix}${tag}${i},pw-${prefix}${i},inv-${prefix}${i}`));
  const r = cli(['inventory', 'import', f, '--reason', `stock for ${prefix}`]);
  assert.equal(r.status, 0, r.stderr);
}
// A paid order of a fresh customer, delivered by the automation's own function in one transaction
// with its delivery e-mail already failed (what ffx-mailer leaves after its last attempt), so the
// stack's mailer never sends it by itself.
function deliveredWithFailedEmail(prefix) {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: ORDER_SIZE, platform: ORDER_PLATFORM });
  stockFor(ORDER_SIZE, ORDER_PLATFORM, 1, prefix);
  sql(`update orders set order_status = 'processing', payment_status = 'paid', paid_at = now() where order_id = :'p1';
       begin;
       select set_config('request.jwt.claims', '{"role":"service_role"}', true);
       select ffx_internal.deliver_account_to_user(:'p1', :'p2');
       update email_outbox set status = 'failed', attempts = 8, last_error = '550 mailbox unavailable (test)'
        where order_id = :'p1';
       commit;`, orderId, buyer.id);
  assert.equal(orderState(orderId).delivery, 'delivered');
  return { buyer, orderId };
}

const cents = (usd) => Math.round(Number(usd) * 100);
// Revenue of today (UTC) as `dashboard --json` shows it, and the same figures computed here from
// the orders (docs/CONSOLE.md, "Revenue": on the paid day, a refunded order's whole price, else
// its partial refunds).
function revenueToday() {
  const { paid_orders, gross, refunded, net } = json(['dashboard']).revenue.today;
  const [[n, g, rf, nt]] = sql(`
    with today as (select o.final_amount,
                          case when o.payment_status = 'refunded' or o.order_status = 'refunded' then o.final_amount
                               else least(o.final_amount, (select coalesce(sum(t.amount), 0) from payment_transactions t
                                                            where t.order_id = o.order_id and t.transaction_type = 'refund'
                                                              and t.provider = 'manual' and t.status = 'completed'))
                          end as refunded
                     from orders o
                    where o.paid_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC')
    select count(*), coalesce(sum(final_amount), 0), coalesce(sum(refunded), 0), coalesce(sum(final_amount - refunded), 0)
      from today`);
  return {
    dashboard: { paid_orders, gross: cents(gross), refunded: cents(refunded), net: cents(net) },
    sql: { paid_orders: Number(n), gross: cents(g), refunded: cents(rf), net: cents(nt) },
  };
}

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a non-admin identity is refused', () => {
  const user = createUser();
  const r = cli(['inventory', 'stock'], { token: user.token });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Staff only|Forbidden|admin/i);
});

test('inventory import: good file imported, counted in the report', () => {
  const f = csv('good.csv', [1, 2, 3].map((i) => `${SIZE},mt5,Srv-${tag},L${tag}${i},pw-secret-${i},inv-${i}`));
  const r = cli(['inventory', 'import', f, '--reason', 'new batch']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^imported +3$/m);
  assert.match(r.stdout, /^delivered +0$/m);
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
  const r = cli(['inventory', 'import', f, '--reason', 'a batch with mistakes']);
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
  const r = cli(['inventory', 'import', f, '--reason', 'a batch with mistakes']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /line 2: server Srv-\S+ login L\S+ is already in the inventory/);
  assert.match(r.stderr, /line 4: duplicate of line 3/);
  assert.equal(reportRow().total, 3);
});

test('inventory list never prints passwords; disable/enable are audited', () => {
  const text = cli(['inventory', 'list', '--account-size', String(SIZE), '--platform-type', 'mt5']);
  assert.equal(text.status, 0, text.stderr);
  assert.doesNotMatch(text.stdout, /pw-secret/);
  const rows = rowsOf(json(['inventory', 'list', '--account-size', String(SIZE), '--status', 'available']));
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
  const log = rowsOf(json(['audit', 'list', '--limit', '5']));
  assert.ok(log.some((e) => e.action_type === 'inventory_enable' && e.record_id === id));
});

test('orders list/show as JSON; manual delivery of a paid waiting order', () => {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: 10000, platform: 'mt4' });
  // paid, no account yet: what "waiting for stock" looks like
  sql(`update orders set order_status = 'processing', payment_status = 'paid', paid_at = now()
       where order_id = :'p1'`, orderId);

  const listed = rowsOf(json(['orders', 'list', '--email', buyer.email]));
  assert.equal(listed.length, 1);
  assert.equal(listed[0].order_id, orderId);
  assert.equal(listed[0].payment_status, 'paid');
  // paid and waiting for stock
  assert.equal(rowsOf(json(['orders', 'list', '--email', buyer.email, '--status', 'processing', '--payment-status', 'paid'])).length, 1);

  // make sure an account of the size exists (imports deliver to the oldest waiting order first)
  const f = csv('stock.csv', [`10000,mt4,Srv-${tag},M${tag}1,pw-manual,inv-manual`]);
  const imp = cli(['inventory', 'import', f, '--reason', 'stock for manual delivery']);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /^imported +1$/m);
  assert.match(imp.stdout, /^delivered +\d+$/m);

  const r = cli(['orders', 'deliver', orderId, '--reason', 'customer called support', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout).delivery;
  assert.equal(res.success, true);

  const shown = cli(['orders', 'get', orderId, '--json']);
  assert.equal(shown.status, 0, shown.stderr);
  assert.doesNotMatch(shown.stdout, /pw-manual|"password"/);
  const o = JSON.parse(shown.stdout);
  assert.equal(o.order.order_id, orderId);
  assert.equal(o.order.delivery_status, 'delivered');
  assert.equal(o.order.order_status, 'completed');
  assert.equal(o.delivery.login_id, res.login_id);
  assert.ok(Array.isArray(o.payments) && Array.isArray(o.emails) && Array.isArray(o.audit));
  assert.ok(o.audit.some((e) => e.action_type === 'manual_delivery' && e.description === 'customer called support'));

  const text = cli(['orders', 'get', orderId]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /== order/);
  assert.equal(cli(['orders', 'get', 'FFX999999999']).status, 1);
});

test('orders resend-email puts the delivery e-mail back to pending, audited', () => {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: 10000, platform: 'mt4' });
  sql(`update orders set order_status = 'processing', payment_status = 'paid', paid_at = now() where order_id = :'p1'`, orderId);
  const f = csv('stock2.csv', [`10000,mt4,Srv-${tag},R${tag}1,pw-r,inv-r`]);
  assert.equal(cli(['inventory', 'import', f, '--reason', 'stock for resend']).status, 0);
  const d = cli(['orders', 'deliver', orderId, '--reason', 'deliver for resend']);
  assert.equal(d.status, 0, d.stderr);
  sql(`update email_outbox set status = 'sent', sent_at = now() where order_id = :'p1'`, orderId);
  const r = cli(['orders', 'resend-email', orderId, '--reason', 'customer lost it', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).email.old_status, 'sent');
  const [[status]] = sql(`select status from email_outbox where order_id = :'p1'`, orderId);
  assert.ok(['pending', 'sending', 'sent'].includes(status)); // the mailer may pick it up at once
  const [[n]] = sql(`select count(*) from admin_audit_log where action_type = 'resend_email'
                     and description = 'customer lost it' and new_values->>'order_id' = :'p1'`, orderId);
  assert.equal(n, '1');
});

test('orders resend-email of a FAILED e-mail: the real ffx-mailer sends it to the mail catcher', async () => {
  const { buyer, orderId } = deliveredWithFailedEmail('MAILF');
  const [[outboxId, status]] = sql(`select id, status from email_outbox where order_id = :'p1'`, orderId);
  assert.equal(status, 'failed');
  assert.equal((await mailsTo(buyer.email)).length, 0, 'nothing was sent before the resend');

  assert.equal(cli(['orders', 'resend-email', orderId]).status, 2, 'a reason is required');
  const r = cli(['orders', 'resend-email', orderId, '--reason', 'mailbox fixed by the customer', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { email: { id: Number(outboxId), order_id: orderId, to_email: buyer.email, old_status: 'failed', status: 'pending' } });

  const mails = await waitFor(async () => {
    const m = await mailsTo(buyer.email);
    return m.length > 0 ? m : null;
  }, { timeoutMs: 15000, stepMs: 200 });
  assert.ok(mails, 'the mailer sent the requeued e-mail');
  assert.equal(mails.length, 1);
  assert.equal(mails[0].message_id, `<outbox-${outboxId}@flashfundx.local>`);
  const [login] = deliveries(orderId)[0];
  assert.ok(mails[0].text.includes(login), 'it is the delivery e-mail with the account');
  assert.ok(await waitFor(() => sql(`select status from email_outbox where id = :'p1'`, outboxId)[0][0] === 'sent'),
    'the outbox row is marked sent');
  assert.equal(sql(`select email_sent from delivered_accounts where order_id = :'p1'`, orderId)[0][0], 't');
  assert.deepEqual(sql(`select action_type, admin_email, description from admin_audit_log
                        where action_type in ('requeue_email', 'resend_email') and record_id = :'p1' order by id`, outboxId),
  [['resend_email', admin.email, 'mailbox fixed by the customer']], 'one audit row per change (docs/CONSOLE.md)');
});

test('events reprocess: an unmatched IPN is applied once its parent payment is known; again changes nothing', async () => {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: ORDER_SIZE, platform: ORDER_PLATFORM });
  const [[finalAmount]] = sql(`select final_amount from orders where order_id = :'p1'`, orderId);
  stockFor(ORDER_SIZE, ORDER_PLATFORM, 1, 'REPRO');
  const parent = { payment_id: String(7000000000 + Math.floor(Math.random() * 999999999)), pay_amount: 0.0123, pay_currency: 'btc', pay_address: 'bc1qparent' };
  const child = { ...parent, payment_id: String(Number(parent.payment_id) + 1), pay_address: 'bc1qchild' };
  const order = { order_id: orderId, final_amount: Number(finalAmount) };

  // a repeated-payment IPN names only its parent, which we have never seen: stored as unmatched
  const childIpn = ipnFor({ order: { ...order, order_id: null }, payment: child }, 'finished', { parent_payment_id: Number(parent.payment_id) });
  assert.equal((await sendIpn(childIpn)).status, 200);
  const listed = rowsOf(json(['events', 'list', '--unmatched'])).find((e) => e.payment_id === child.payment_id);
  assert.ok(listed, 'events list --unmatched shows it');
  const eventId = String(listed.id);

  let r = cli(['events', 'reprocess', eventId, '--reason', 'too early', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const early = JSON.parse(r.stdout);
  assert.equal(early.result.outcome, 'unmatched', 'still nothing to match it to');
  assert.equal(early.event.state, 'unmatched');

  // the parent's own IPN arrives and records the parent payment for the order
  assert.equal((await sendIpn(ipnFor({ order, payment: parent }, 'waiting'))).status, 200);
  assert.equal(orderState(orderId).payment, 'pending');

  r = cli(['events', 'reprocess', eventId, '--reason', 'parent payment now known', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const applied = JSON.parse(r.stdout);
  assert.equal(applied.result.outcome, 'processed');
  assert.equal(applied.result.order_id, orderId);
  assert.equal(applied.result.delivered, true, 'the finished child payment paid the order and delivered it');
  assert.equal(applied.event.state, 'processed');
  assert.equal(applied.event.matched_order_id, orderId);
  assert.deepEqual(orderState(orderId), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: '' });

  const before = {
    event: sql(`select state, attempts, matched_order_id from ipn_events where id = :'p1'`, eventId),
    accounts: deliveries(orderId),
    transactions: count(`select count(*) from payment_transactions where order_id = :'p1'`, orderId),
    audit: count(`select count(*) from admin_audit_log where record_id in (:'p1', :'p2')`, eventId, orderId),
  };
  assert.deepEqual(before.event, [['processed', '3', orderId]]);
  r = cli(['events', 'reprocess', eventId, '--reason', 'once more']);
  assert.equal(r.status, 1, 'a processed event is not reprocessed');
  assert.match(r.stderr, new RegExp(`IPN event ${eventId} is already processed`));
  assert.deepEqual({
    event: sql(`select state, attempts, matched_order_id from ipn_events where id = :'p1'`, eventId),
    accounts: deliveries(orderId),
    transactions: count(`select count(*) from payment_transactions where order_id = :'p1'`, orderId),
    audit: count(`select count(*) from admin_audit_log where record_id in (:'p1', :'p2')`, eventId, orderId),
  }, before, 'the duplicate reprocess changed nothing');
  assert.deepEqual(sql(`select admin_email, description, old_values->>'state', new_values->>'outcome', new_values->>'order_id'
                        from admin_audit_log where action_type = 'ipn_reprocess' and record_id = :'p1' order by id`, eventId),
  [[admin.email, 'too early', 'unmatched', 'unmatched', ''], [admin.email, 'parent payment now known', 'unmatched', 'processed', orderId]],
  'one audit row per reprocess (docs/CONSOLE.md)');
});

test('orders refund above the approval threshold: a second admin approves; the order refunded, its account suspended, audited; revenue nets it', () => {
  // ORDER_SIZE costs thousands: above refund_approval_threshold (500 USD by default), so the
  // refund is a request that another admin must approve (docs/CONSOLE.md, "Rules chosen").
  const { orderId } = deliveredWithFailedEmail('REFUND');
  const [[finalAmount]] = sql(`select final_amount from orders where order_id = :'p1'`, orderId);
  const [[threshold]] = sql(`select refund_approval_threshold from ffx_internal.console_settings`);
  assert.ok(Number(finalAmount) > Number(threshold), `the order (${finalAmount}) is above the threshold (${threshold})`);
  const approver = createUser({ isAdmin: true });
  const before = revenueToday();
  assert.deepEqual(before.dashboard, before.sql, 'the dashboard\'s revenue today is the orders\' own');

  assert.equal(cli(['orders', 'refund', orderId]).status, 2, 'a reason is required');
  let r = cli(['orders', 'refund', 'FFX999999999', '--reason', 'r']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Order FFX999999999 not found/);

  r = cli(['orders', 'refund', orderId, '--reason', 'chargeback accepted', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const asked = JSON.parse(r.stdout);
  assert.equal(asked.pending_approval, true);
  assert.equal(asked.refund.status, 'pending');
  assert.equal(Number(asked.refund.amount), Number(finalAmount));
  assert.equal(asked.order.order_status, 'completed', 'a request refunds nothing yet');
  assert.deepEqual(orderState(orderId), { order: 'completed', payment: 'paid', delivery: 'delivered', attention: '' });
  const requestId = String(asked.refund.id);

  r = cli(['refunds', 'approve', requestId, '--reason', 'my own request']);
  assert.equal(r.status, 1, 'the requester may not approve');
  assert.match(r.stderr, /another admin must approve it/);

  r = cli(['refunds', 'approve', requestId, '--reason', 'chargeback confirmed with the bank', '--json'], { token: approver.token });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.refund.full, true);
  assert.equal(Number(res.refund.amount), Number(finalAmount));
  assert.equal(res.refund.accounts_suspended, 1);
  assert.equal(res.request.status, 'approved');
  assert.equal(res.order.order_status, 'refunded');
  assert.deepEqual(orderState(orderId), { order: 'refunded', payment: 'refunded', delivery: 'delivered', attention: '' });
  assert.equal(deliveries(orderId)[0][1], 'suspended');
  assert.deepEqual(sql(`select admin_email, description from admin_audit_log
                        where action_type = 'refund_requested' and record_id = :'p1'`, requestId),
  [[admin.email, 'chargeback accepted']]);
  assert.deepEqual(sql(`select admin_email, description, old_values->>'order_status', new_values->>'accounts_suspended',
                               new_values->>'requested_by'
                          from admin_audit_log where action_type = 'refund_approved' and record_id = :'p1'`, orderId),
  [[approver.email, 'chargeback confirmed with the bank', 'completed', '1', admin.email]]);
  assert.deepEqual(sql(`select transaction_type, provider, amount::numeric = :'p2'::numeric from payment_transactions
                        where order_id = :'p1' and transaction_type = 'refund'`, orderId, finalAmount), [['refund', 'manual', 't']]);

  const after = revenueToday();
  assert.deepEqual(after.dashboard, after.sql, 'the dashboard\'s revenue today is the orders\' own, after the refund');
  assert.equal(after.dashboard.paid_orders, before.dashboard.paid_orders, 'still counted on its paid day');
  assert.equal(after.dashboard.gross, before.dashboard.gross);
  assert.equal(after.dashboard.refunded - before.dashboard.refunded, cents(finalAmount), 'refunded grows by its amount (cents)');
  assert.equal(before.dashboard.net - after.dashboard.net, cents(finalAmount), 'net drops by its amount (cents)');

  r = cli(['orders', 'refund', orderId, '--reason', 'again']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /already refunded/);
  assert.equal(count(`select count(*) from admin_audit_log where action_type in ('order_refund', 'refund_approved')
                      and record_id = :'p1'`, orderId), 1);
});

test('orders clear-attention: the flag goes with a reason, audited (a direct UPDATE is refused since 0017)', () => {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: ORDER_SIZE, platform: ORDER_PLATFORM });
  sql(`update orders set needs_attention = 'price_mismatch' where order_id = :'p1'`, orderId); // as payment_apply would

  assert.equal(cli(['orders', 'clear-attention', orderId]).status, 2, 'a reason is required');
  let r = cli(['orders', 'clear-attention', 'FFX999999999', '--reason', 'r']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Order FFX999999999 not found/);

  r = cli(['orders', 'clear-attention', orderId, '--reason', 'price checked with the customer', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const { order } = JSON.parse(r.stdout); // {order}: the order as the listings show it (docs/CONSOLE.md)
  assert.equal(order.order_id, orderId);
  assert.equal(order.needs_attention, null);
  assert.equal(order.order_status, 'pending', 'only the flag changed');
  assert.equal(orderState(orderId).attention, '');
  assert.deepEqual(sql(`select admin_email, description, old_values->>'needs_attention' from admin_audit_log
                        where action_type = 'clear_attention' and record_id = :'p1'`, orderId),
  [[admin.email, 'price checked with the customer', 'price_mismatch']]);

  r = cli(['orders', 'clear-attention', orderId, '--reason', 'again']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /needs no attention/);
});

test('orders deliver of an unpaid order: printed, and the exit status says it did not happen', () => {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: 10000, platform: 'mt4' });
  const r = cli(['orders', 'deliver', orderId, '--reason', 'customer insists']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /Order not paid: accept a held payment \(orders\.accept_payment\), record one \(orders\.record_payment\) or deliver with force/);
  assert.equal(orderState(orderId).delivery, 'pending');
});

test('every listing has --json, and the same rows as a table without it', () => {
  const buyer = createUser();
  const orderId = createOrder(buyer, { size: 10000, platform: 'mt4' });
  const listings = [
    ['inventory', 'list', '--account-size', String(SIZE)], ['orders', 'list', '--email', buyer.email],
    ['events', 'list', '--limit', '3'], ['events', 'list', '--unmatched'], ['audit', 'list', '--limit', '4'],
  ];
  for (const args of listings) {
    const rows = rowsOf(json(args));
    assert.ok(Array.isArray(rows), args.join(' '));
    const text = cli(args);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`\\(${rows.length} rows?\\)\\n$`), `${args.join(' ')}: ${rows.length} rows as a table too`);
  }
  const shown = json(['orders', 'get', orderId]);
  assert.deepEqual(Object.keys(shown).sort(), ['audit', 'customer', 'delivery', 'emails', 'ipn_events', 'order', 'payments', 'refunds', 'transactions']);
  assert.equal(shown.order.order_id, orderId);
  assert.equal(shown.delivery, null);
});

test('events list --unmatched, the dashboard and audit as JSON; the dashboard\'s figures are the database\'s', () => {
  const pid = `9${tag}`;
  sql(`insert into ipn_events (dedupe_key, payment_id, payment_status, order_id, payload, state)
       values (:'p1', :'p2', 'finished', 'FFX000000000', '{}'::jsonb, 'unmatched')`, `${pid}:finished:it`, pid);
  const events = rowsOf(json(['events', 'list', '--unmatched']));
  assert.ok(events.some((e) => e.payment_id === pid));
  assert.ok(Array.isArray(rowsOf(json(['events', 'list']))));
  assert.ok(rowsOf(json(['audit'])).length >= 1, 'a bare audit is its list');

  // revenue of today, and conversion over an explicit period, against the same figures in SQL
  const rev = revenueToday();
  assert.deepEqual(rev.dashboard, rev.sql);
  assert.ok(rev.dashboard.paid_orders >= 1, 'the tests above paid orders today');
  const to = new Date().toISOString();
  const from = new Date(Date.now() - 30 * 86400e3).toISOString();
  const board = json(['dashboard', '--from', from, '--to', to]);
  const [[orders, paid, delivered, rate]] = sql(`
    select count(*), count(*) filter (where paid_at is not null), count(*) filter (where delivery_status = 'delivered'),
           coalesce(round(100.0 * count(*) filter (where paid_at is not null) / nullif(count(*), 0), 2)::text, 'null')
      from orders where created_at >= :'p1'::timestamptz and created_at < :'p2'::timestamptz`, from, to);
  const { orders: o, paid: p, delivered: d, rate: pct } = board.conversion;
  assert.deepEqual({ orders: o, paid: p, delivered: d, rate: pct },
    { orders: Number(orders), paid: Number(paid), delivered: Number(delivered), rate: JSON.parse(rate) });
  assert.ok(board.conversion.orders >= 1);
  // the stock of our size, as the dashboard shows it
  const mine = board.stock.filter((row) => row.account_size === SIZE && row.platform_type === 'mt5');
  assert.equal(mine.length, 1, JSON.stringify(board.stock));
  assert.equal(mine[0].available, reportRow().available);

  const text = cli(['dashboard', '--from', from, '--to', to]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^== conversion$/m);
  assert.match(text.stdout, new RegExp(`^orders +${board.conversion.orders}$`, 'm'));
});

test('service_role identity: the operator is the OS user', () => {
  const r = spawnSync(ADMIN_BIN, ['--direct', 'inventory', 'stock', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: process.env.FFX_FUNCTIONS_DATABASE_URL ?? process.env.DATABASE_URL, FFX_ADMIN_TOKEN: '', USER: `op${tag}` },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`audit will say operator:op${tag}`));
  assert.equal(typeof JSON.parse(r.stdout), 'object');
});
