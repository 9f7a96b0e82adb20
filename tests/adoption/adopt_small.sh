#!/usr/bin/env bash
# scripts/adopt on a SMALL hand-written original shop (tests/adoption/adopt_small.sql: one or two
# rows per mapping rule and per conflict kind), quick and deterministic.
#
#   tests/adoption/adopt_small.sh ADMIN_DATABASE_URL
#
# On a fresh database ffx_adopt_small (shim, tests/adoption/original/schema.sql, the rows) it checks:
#   1. a row no rule maps is an invalid-rows conflict that no --resolve clears (exit 3);
#   2. the dry run changes nothing (schema and every row identical), exits 3 and lists each
#      conflict kind; with every conflict resolved it exits 0; --apply without resolutions
#      refuses (exit 3) and changes nothing;
#   3. a failure in the middle (a table our first migration creates already exists: the
#      original's tables are moved aside and its functions dropped by then) exits 1 and leaves
#      the original untouched;
#   4. --apply maps every row as docs/DEPLOYMENT.md documents (statuses, ids, users, inventory,
#      deliveries, rules, addresses, audit rows), the password column and metadata key are gone,
#      and the schema is exactly a fresh database's;
#   5. the adopted in-flight payments: the reconciler claims them at once, the expiry pass does
#      not fail them, a `confirmed` one was not delivered, an IPN through the SQL intake
#      (ipn_receive as service_role, what payment-webhook calls once the signature is verified)
#      for a `confirmed` or an underpaid `finished` delivers nothing, and a fully paid `finished`
#      delivers;
#   6. a second run prints "nothing to adopt" and changes nothing.
# The database is left behind for inspection.
set -euo pipefail

(($# == 1)) || { echo "usage: $0 ADMIN_DATABASE_URL" >&2; exit 2; }
admin_url="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export LC_ALL=C
psql_bin="${PSQL:-psql}"
. "$root/scripts/lib/pgurl.sh"
url="$(url_with_db "$admin_url" ffx_adopt_small)"
fresh_url="$(url_with_db "$admin_url" ffx_adopt_small_fresh)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
checks=0
fail() {
  echo "adopt_small.sh: FAIL: $*" >&2
  exit 1
}
ok() {
  checks=$((checks + 1))
  echo "ok $checks - $*"
}
psql_on() {
  local target="$1"
  shift
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$target" "$@"
}
q() {
  psql_on "$url" -At "$@"
}
resolve_all=(--resolve orphan-orders=keep --resolve duplicate-logins=keep-first --resolve unknown-status=cancelled
  --resolve rule-amounts=convert --resolve bad-order-id=renumber)

# adopt EXPECTED_EXIT ARGS...: run scripts/adopt, its output in $work/out, its report in $work/report.json
adopt() {
  local expected="$1" rc=0
  shift
  rm -f "$work/report.json"
  "$root/scripts/adopt" --report "$work/report.json" "$@" "$url" >"$work/out" 2>&1 || rc=$?
  if ((rc != expected)); then
    cat "$work/out" >&2
    fail "scripts/adopt $* exited $rc, expected $expected"
  fi
}

# snapshot FILE: the schema (from the catalogs) and a checksum of every row of every table in
# public and auth
snapshot() {
  {
    "$root/scripts/schema-snapshot" --catalog "$url"
    q <<'SQL'
select format('select %L, count(*), md5(coalesce(string_agg(t::text, E''\n'' order by t::text), '''')) from %s t',
              c.oid::regclass, c.oid::regclass)
  from pg_class c
 where c.relkind = 'r' and c.relnamespace in ('public'::regnamespace, 'auth'::regnamespace)
 order by 1
\gexec
SQL
  } >"$1"
}

# expect NAME SQL: the query's rows must be exactly the lines on standard input
expect() {
  local name="$1" sql="$2"
  q -F ' ' -c "$sql" >"$work/got"
  if ! diff -u - "$work/got" >"$work/diff"; then
    cat "$work/diff" >&2
    fail "$name"
  fi
  ok "$name"
}

# as_service SQL: run SQL the way the functions do, as service_role with its claims
as_service() {
  q -F ' ' <<SQL
begin;
select set_config('request.jwt.claims', '{"role":"service_role"}', true) \\g /dev/null
set local role service_role;
$1
commit;
SQL
}

echo "# the original shop on a fresh database"
psql_on "$admin_url" -c "drop database if exists ffx_adopt_small with (force)" -c "create database ffx_adopt_small" \
  -c "drop database if exists ffx_adopt_small_fresh with (force)" -c "create database ffx_adopt_small_fresh"
# plain PostgreSQL's stand-in for Supabase's auth schema; a Supabase-shaped database has its own
shim=(--shim)
if [[ "${FFX_PG_SHAPE:-plain}" == supabase ]]; then
  shim=()
else
  psql_on "$url" -f "$root/sql/shim/0000_supabase_shim.sql"
fi
psql_on "$url" -1 -f "$root/tests/adoption/original/schema.sql"
psql_on "$url" -1 -f "$here/adopt_small.sql"

echo "# 1. invalid rows"
q -c "insert into public.orders (order_id, user_id, account_type, account_size, platform_type, amount, final_amount)
      values ('FFX000000077', '00000000-0000-4000-8000-00000000000a', 'mega', 5000, 'mt4', 1, 1)"
adopt 3 "${resolve_all[@]}"
[[ "$(jq -c '[.conflicts[] | select(.resolution == null) | .kind]' "$work/report.json")" == '["invalid-rows"]' ]] ||
  fail "an order with account_type mega is not the one unresolved conflict: $(cat "$work/report.json")"
grep -q 'orders FFX000000077: account_type mega' "$work/out" || fail "the dry run does not name the invalid row"
grep -q 'to resolve invalid-rows: fix those rows in the original' "$work/out" || fail "no advice for invalid-rows"
q -c "delete from public.orders where order_id = 'FFX000000077'"
ok "a row no rule maps is an invalid-rows conflict no --resolve clears (exit 3)"

echo "# 2. dry run"
snapshot "$work/before"
adopt 3
[[ "$(jq -c '[.conflicts[].kind]' "$work/report.json")" == '["bad-order-id","duplicate-logins","orphan-orders","rule-amounts","unknown-status"]' ]] ||
  fail "conflict kinds: $(jq -c '.conflicts' "$work/report.json")"
[[ "$(jq -c '[.conflicts[] | [.kind, .count, .resolution]]' "$work/report.json")" == \
   '[["bad-order-id",1,null],["duplicate-logins",2,null],["orphan-orders",3,null],["rule-amounts",1,null],["unknown-status",3,null]]' ]] ||
  fail "conflict counts: $(jq -c '.conflicts' "$work/report.json")"
[[ "$(jq -c '[.tables.orders, .tables.user_profiles, .tables.payment_transactions, .exposed_passwords, .users_without_profile, .in_flight.nowpayments_recheck, .in_flight.confirmed_not_verified, .adopted]' "$work/report.json")" == \
   '[12,2,8,2,2,2,1,false]' ]] || fail "plan figures: $(cat "$work/report.json")"
grep -q '^  to resolve unknown-status: --resolve unknown-status=failed|cancelled$' "$work/out" || fail "no --resolve choices printed"
ok "the dry run exits 3 and lists each conflict kind with its count, the figures and the choices"
adopt 0 "${resolve_all[@]}"
[[ "$(jq -c '[.conflicts[].resolution]' "$work/report.json")" == '["renumber","keep-first","keep","convert","cancelled"]' ]] ||
  fail "resolutions not in the report"
ok "with every conflict resolved the dry run exits 0"
adopt 3 --apply
snapshot "$work/after-dry"
diff -u "$work/before" "$work/after-dry" >&2 || fail "a dry run or a refused --apply changed the database"
ok "the dry runs and the refused --apply changed nothing (schema and every row identical)"

echo "# 3. a failure in the middle"
q -c "create table public.pricing (x integer)"
snapshot "$work/before-fail"
adopt 1 "${resolve_all[@]}" --apply
grep -q 'relation "pricing" already exists' "$work/out" || { cat "$work/out" >&2; fail "not the failure expected"; }
snapshot "$work/after-fail"
diff -u "$work/before-fail" "$work/after-fail" >&2 || fail "a failed adoption changed the original"
q -c "drop table public.pricing"
ok "a failure after the original was moved aside exits 1 and leaves the original untouched"

echo "# 4. adopt"
adopt 0 "${resolve_all[@]}" --apply
jq -e '.adopted == true and .after.orders == 12 and .after.payments == 2 and (.seconds | type) == "number"' \
  "$work/report.json" >/dev/null || fail "report after --apply: $(cat "$work/report.json")"
grep -q '^Adopted in one transaction in ' "$work/out" || fail "no time taken printed"
ok "--apply exits 0 and reports adopted, the rows after and the time"

expect "orders: the status mapping, ids kept (FFX00000010 renumbered), users kept" \
  "select order_id, id, user_id is not null, order_status, payment_status, delivery_status, paid_at is not null,
          delivered_at is not null, coalesce(pay_currency, '-'), final_amount from public.orders order by order_id" <<'EOF'
FFX000000001 00000000-0000-4000-9000-000000000001 t completed paid delivered t t - 649.00
FFX000000002 00000000-0000-4000-9000-000000000002 t processing paid pending t f - 6499.00
FFX000000003 00000000-0000-4000-9000-000000000003 t processing pending pending f f usdttrc20 649.00
FFX000000004 00000000-0000-4000-9000-000000000004 t processing pending pending f f btc 359.00
FFX000000005 00000000-0000-4000-9000-000000000005 t pending pending pending f f - 449.00
FFX000000006 00000000-0000-4000-9000-000000000006 t failed failed pending f f - 399.00
FFX000000007 00000000-0000-4000-9000-000000000007 t cancelled pending pending f f - 399.00
FFX000000008 00000000-0000-4000-9000-000000000008 t refunded refunded pending f f - 399.00
FFX000000009 00000000-0000-4000-9000-000000000009 t refunded refunded delivered t t - 449.00
FFX000000011 00000000-0000-4000-9000-000000000011 t cancelled pending pending f f - 299.00
FFX000000013 00000000-0000-4000-9000-000000000013 t completed paid delivered t t - 449.00
FFX999999999 00000000-0000-4000-9000-000000000010 t pending pending pending f f - 299.00
EOF

expect "payments: one per order in flight, the provider's id, the last known status, the order's price, polled at once" \
  "select payment_id, order_id, payment_status, pay_amount, pay_currency, price_amount, price_currency, pay_address,
          next_reconcile_at <= now(), provider_created_at is null, counted from public.payments order by payment_id" <<'EOF'
5003 FFX000000003 confirmed 649.25 usdttrc20 649.00 usd TAddr3 t t f
5004 FFX000000004 waiting 0.00412345 btc 359.00 usd bc1qaddr4 t t f
EOF

expect "payment_transactions: every row; a gone user or order NULL, a user not the order's the order's, an unknown status the resolution" \
  "select right(id::text, 2), coalesce(order_id, '-'), coalesce(right(user_id::text, 1), '-'), status, provider
     from public.payment_transactions order by id" <<'EOF'
01 FFX000000001 a completed nowpayments
02 FFX000000002 a completed manual
03 FFX000000003 a processing nowpayments
04 FFX000000004 c pending nowpayments
e1 - - failed manual
e2 - - completed stripe
e3 FFX000000006 a failed nowpayments
e4 FFX000000007 a cancelled nowpayments
EOF

expect "account_container: the duplicate login left out, an unknown status disabled, reservations kept" \
  "select right(id::text, 2), server_name, login_id, status, coalesce(reserved_for_order_id, '-')
     from public.account_container order by id" <<'EOF'
c1 FFX-Live 1001 delivered FFX000000001
c2 FFX-Demo 2002 delivered FFX000000009
c3 FFX-Live 3003 available -
c4 FFX-Live 4004 disabled -
EOF

expect "delivered_accounts: every row; phase_status as the current phase's; credentials from inventory; a second delivery of one row loses the link" \
  "select order_id, right(user_id::text, 1), coalesce(right(container_account_id::text, 2), '-'), server_name, login_id,
          password, current_phase, challenge_status, live_status, account_status
     from public.delivered_accounts order by order_id" <<'EOF'
FFX000000001 a c1 FFX-Live 1001 pw1001 challenge active not_started active
FFX000000009 a c2 FFX-Demo 2002 pw2002 live not_started active suspended
FFX000000013 c - FFX-Demo 2002 pw2002 live not_started passed active
EOF

expect "trading_rules: the original's rows (amounts converted to percentages) replace the seed's of the same type and size" \
  "select right(coalesce(id::text, '-'), 2), account_type, account_size, challenge_profit_target, challenge_max_daily_loss,
          challenge_max_total_loss, phase_1_profit_target, live_max_daily_loss, live_max_total_loss, profit_share_percentage
     from public.trading_rules where (account_type, account_size) in (('one_step', 10000), ('two_step', 5000))
    order by account_type; select count(*) from public.trading_rules" <<'EOF'
01 one_step 10000 10.00 4.00 6.00  4.00 6.00 85.00
02 two_step 5000    8.00 5.00 10.00 80.00
24
EOF

expect "crypto_addresses: the original's rows replace the placeholder of the same name, the others stay" \
  "select crypto_name, wallet_address, is_active from public.crypto_addresses order by crypto_name" <<'EOF'
BNB BEP20 REPLACE_WITH_REAL_ADDRESS f
Bitcoin REPLACE_WITH_REAL_ADDRESS f
Litecoin ltc1qreal t
TRON REPLACE_WITH_REAL_ADDRESS f
USDT BEP20 REPLACE_WITH_REAL_ADDRESS f
USDT Polygon REPLACE_WITH_REAL_ADDRESS f
USDT TRC20 TRealAddress123 t
EOF

expect "user_profiles: every profile kept, users without one get one from auth.users" \
  "select right(id::text, 1), email, first_name, last_name, coalesce(country, '-'), total_orders, total_spent,
          coalesce(host(signup_ip), '-') from public.user_profiles order by id" <<'EOF'
a alice@example.com Alice Ärger DE 2 1298.50 203.0.113.7
b bob@example.com Bob  - 0 0.00 -
c carol@example.com Carol   0 0.00 -
d dave@example.com   - 0 0.00 -
EOF

expect "admin_audit_log: every row with its time, admin and text, oldest first, then one adopted row" \
  "select id, coalesce(right(admin_id::text, 1), '-'), admin_email, action_type, coalesce(record_id, '-'),
          coalesce(description, '-'), created_at = '2026-01-01 00:00+00' or created_at = '2026-04-05 10:00+00'
     from public.admin_audit_log order by id;
   select new_values -> 'renumbered_orders', jsonb_array_length(new_values -> 'duplicate_inventory_left_out'),
          new_values -> 'duplicate_inventory_left_out' -> 0 ->> 'id', new_values -> 'duplicate_inventory_left_out' -> 0 ? 'password',
          old_values ->> 'exposed_passwords', new_values -> 'exposed_password_user_ids'
     from public.admin_audit_log where action_type = 'adopted'" <<'EOF'
1 - admin@flashfundx.com add_account 00000000-0000-4000-a000-0000000000c1 stock t
2 c admin@flashfundx.com update_order FFX000000008 refund approved t
3 - operator:adopt adopted - original FlashFundX schema adopted by scripts/adopt: rows copied, statuses mapped, plaintext passwords destroyed f
{"FFX00000010": "FFX999999999"} 1 00000000-0000-4000-a000-0000000000d1 f 2 ["00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"]
EOF

expect "the plaintext passwords are gone: no password column anywhere in public, no password key in auth.users" \
  "select count(*) from information_schema.columns where table_schema = 'public' and table_name = 'user_profiles' and column_name = 'password';
   select count(*) from auth.users where raw_user_meta_data ? 'password';
   select raw_user_meta_data from auth.users where id = '00000000-0000-4000-8000-00000000000a';
   select count(*) from pg_namespace where nspname = 'ffx_adopting'" <<'EOF'
0
0
{"country": "DE", "last_name": "Ärger", "first_name": "Alice"}
0
EOF

"$root/scripts/migrate" "${shim[@]}" "$fresh_url" >/dev/null
"$root/scripts/schema-snapshot" --catalog "$fresh_url" >"$work/schema-fresh"
"$root/scripts/schema-snapshot" --catalog "$url" >"$work/schema-adopted"
diff -u "$work/schema-fresh" "$work/schema-adopted" >&2 ||
  fail "the adopted schema is not a fresh database's (the original's functions, triggers or policies are left?)"
ok "the adopted schema is exactly a fresh database's: the original's functions, triggers (on auth.users too) and policies are replaced"

echo "# 5. orders in flight"
# our functions by name, in whichever schema they live (internal ones may leave public)
fn() {
  q -c "select format('%I.%I', pronamespace::regnamespace, proname) from pg_proc where proname = '$1'"
}
[[ "$(as_service "select payment_id from $(fn reconcile_due_payments)(10, 0) order by payment_id;" | tr '\n' ' ')" == "5003 5004 " ]] ||
  fail "reconcile_due_payments does not return the adopted payments"
[[ "$(as_service "select $(fn expire_stale_orders)(interval '1 day');")" == 0 ]] ||
  fail "expire_stale_orders failed an adopted order before NOWPayments was asked"
ok "the reconciler claims both adopted payments; the expiry pass does not fail them (their age counts from the adoption)"
expect "the original's processing/paid on a mere confirmed is not delivered" \
  "select count(*) from public.delivered_accounts where order_id = 'FFX000000003'" <<'EOF'
0
EOF

ipn_receive="$(fn ipn_receive)"
ipn() {
  as_service "select r ->> 'outcome', r ->> 'order_id', coalesce(r ->> 'delivered', '-') from $ipn_receive('$1'::jsonb, 'raw') r;"
}
[[ "$(ipn '{"payment_id": 5004, "payment_status": "confirmed", "pay_amount": 0.00412345, "actually_paid": 0.00412345, "pay_currency": "btc", "price_amount": 359, "price_currency": "usd"}')" == "processed FFX000000004 false" ]] ||
  fail "a confirmed IPN (no order_id) for an adopted payment was not matched by payment_id"
expect "a confirmed IPN delivers nothing" \
  "select order_status, payment_status, delivery_status from public.orders where order_id = 'FFX000000004'" <<'EOF'
processing pending pending
EOF
[[ "$(ipn '{"payment_id": 5004, "payment_status": "finished", "pay_amount": 0.00412345, "actually_paid": 0.002, "pay_currency": "btc", "price_amount": 359, "price_currency": "usd", "order_id": "FFX000000004"}')" == "processed FFX000000004 false" ]] ||
  fail "an underpaid finished IPN for an adopted payment"
expect "an underpaid finished IPN delivers nothing: the order is held" \
  "select order_status, payment_status, delivery_status, needs_attention from public.orders where order_id = 'FFX000000004'" <<'EOF'
processing pending pending underpaid
EOF
[[ "$(ipn '{"payment_id": 5003, "payment_status": "finished", "pay_amount": 649.25, "actually_paid": 649.25, "pay_currency": "usdttrc20", "price_amount": 649, "price_currency": "usd", "order_id": "FFX000000003"}')" == "processed FFX000000003 true" ]] ||
  fail "a fully paid finished IPN for an adopted payment created months ago did not deliver"
expect "a fully paid finished IPN for a months-old adopted payment is matched, verified and delivers" \
  "select o.order_status, o.payment_status, o.delivery_status, o.paid_at is not null, right(d.container_account_id::text, 2), p.counted
     from public.orders o join public.delivered_accounts d using (order_id) join public.payments p using (order_id)
    where o.order_id = 'FFX000000003'" <<'EOF'
completed paid delivered t c3 t
EOF

echo "# 6. again"
snapshot "$work/before-rerun"
adopt 0 "${resolve_all[@]}" --apply
grep -q '^nothing to adopt' "$work/out" || fail "a second run does not say nothing to adopt: $(cat "$work/out")"
jq -e '.adopted == false and .nothing_to_adopt == true' "$work/report.json" >/dev/null || fail "report of the second run"
snapshot "$work/after-rerun"
diff -u "$work/before-rerun" "$work/after-rerun" >&2 || fail "a second run changed the database"
ok "a second run prints nothing to adopt, exits 0 and changes nothing"

echo "# $checks checks passed"
