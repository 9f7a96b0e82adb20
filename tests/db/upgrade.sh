#!/usr/bin/env bash
# Upgrade without loss: databases built by earlier layouts upgrade to this tree's with their data.
#
#   tests/db/upgrade.sh ADMIN_DATABASE_URL
#
# For each frozen database in tests/db/upgrade/ (tests/db/upgrade/make-fixtures.sh made them):
#   released-0014   the released layout (migrations 0001_schema .. 0014_fast_paths), data in every
#                   table, orders in every state;
#   dev-0017        the same after issue 13's 0015 .. 0017 (a developer's database);
# the script restores it, exports every pre-existing table's pre-existing columns, runs
# `scripts/migrate --shim`, and checks that
#   1. the migrations the database already has are recorded (0001_baseline stands for 0001_schema
#      .. 0014_fast_paths, 0002-0004 for 0015-0017), the others applied;
#   2. the data is unchanged, except for exactly what issue 13's backfills change on the released
#      layout: orders the old mapping left 'paid' without a verified payment go back to 'pending'
#      (their updated_at moves), the payments that paid an order get the new `counted` flag (which
#      moves their updated_at, the payments trigger's), a discount code's uses become the number
#      of its paid orders (its updated_at moves), and the 'payment_review' e-mail template is
#      added;
#   3. its schema (scripts/schema-snapshot --dump) is exactly a fresh database's (both through one
#      dump and restore);
#   4. a second run applies nothing and changes neither schema nor data.
# Databases are left behind for inspection (ffx_upgrade_fresh, ffx_upgrade_fresh_rt, ffx_upgrade).
set -euo pipefail

(($# == 1)) || { echo "usage: $0 ADMIN_DATABASE_URL" >&2; exit 2; }
admin_url="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export LC_ALL=C
psql_bin="${PSQL:-psql}"
pg_restore_bin="${PG_RESTORE:-pg_restore}"

. "$root/scripts/lib/pgurl.sh"
fresh_url="$(url_with_db "$admin_url" ffx_upgrade_fresh)"
url="$(url_with_db "$admin_url" ffx_upgrade)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() {
  echo "upgrade.sh: FAIL: $*" >&2
  exit 1
}
admin() {
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
    "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$admin_url" "$@"
}
q() {
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
    "$psql_bin" -X -q -v ON_ERROR_STOP=1 -At -d "$url" "$@"
}
schema_of() {
  "$root/scripts/schema-snapshot" --dump "$1"
}

echo "# a fresh database (also creates the API roles the archives' grants name)"
admin -c "drop database if exists ffx_upgrade_fresh with (force)" -c "create database ffx_upgrade_fresh" \
  -c "drop database if exists ffx_upgrade_fresh_rt with (force)" -c "create database ffx_upgrade_fresh_rt"
"$root/scripts/migrate" --shim "$fresh_url" >/dev/null
# Compared after one dump and restore, as the fixtures were: pg_restore re-parses CHECK
# constraints, and PostgreSQL flattens nested ANDs when it parses (trading_rules_percentages_check
# comes back with the same meaning but other parentheses).
"${PG_DUMP:-pg_dump}" --format=custom -d "$fresh_url" -f "$work/fresh.pgdump"
"$pg_restore_bin" --no-owner --exit-on-error --single-transaction -d "$(url_with_db "$admin_url" ffx_upgrade_fresh_rt)" "$work/fresh.pgdump"
schema_of "$(url_with_db "$admin_url" ffx_upgrade_fresh_rt)" >"$work/schema-fresh.sql"

# export DIR: every pre-existing table (schemas public and auth, the runner's bookkeeping aside),
# its pre-existing columns only, rows in a stable order, with the expected changes as the
# before/after SQL expressions in $work/expr-*.
export_data() {
  local dir="$1" side="$2" t cols expr where
  mkdir -p "$dir"
  while IFS='|' read -r t cols; do
    expr="$(sed -n "s/^$t|$side|//p" "$work/overrides" | head -n 1)"
    where="$(sed -n "s/^$t|$side-where|//p" "$work/overrides" | head -n 1)"
    q -c "copy (select ${expr:-$cols} from $t ${where:+where $where} order by 1) to stdout" >"$dir/$t.tsv"
  done <"$work/tables"
}

for fixture in released-0014 dev-0017; do
  echo "# $fixture"
  admin -c "drop database if exists ffx_upgrade with (force)" -c "create database ffx_upgrade"
  gunzip -c "$here/upgrade/$fixture.pgdump.gz" >"$work/$fixture.pgdump"
  "$pg_restore_bin" --no-owner --exit-on-error --single-transaction -d "$url" "$work/$fixture.pgdump"

  # the tables and columns the database has before the upgrade
  q -F '|' -c "select format('%I.%I', c.table_schema, c.table_name),
                      string_agg(format('%I', c.column_name), ', ' order by c.ordinal_position)
                 from information_schema.columns c
                 join information_schema.tables t using (table_schema, table_name)
                where c.table_schema in ('public', 'auth') and t.table_type = 'BASE TABLE'
                  and c.table_name not in ('schema_migrations', 'schema_definitions')
                group by 1 order by 1" >"$work/tables"
  [[ "$(wc -l <"$work/tables")" -ge 17 ]] || fail "$fixture: expected at least 17 tables, got $(wc -l <"$work/tables")"
  empty="$(q -c "select string_agg(t, ' ') from unnest(string_to_array('$(cut -d'|' -f1 "$work/tables" | tr '\n' ' ')', ' ')) t
                  where t <> '' and not (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %s', t), false, true, '')))[1]::text::int > 0")"
  [[ -z "$empty" ]] || fail "$fixture: the fixture leaves tables empty: $empty"

  # What issue 13's backfills change (released layout only; a 0017 database already had them).
  : >"$work/overrides"
  if [[ "$fixture" == released-0014 ]]; then
    reset_orders="$(q -c "select coalesce(string_agg(order_id, ',' order by order_id), '') from public.orders
                           where payment_status = 'paid' and paid_at is null and delivery_status <> 'delivered'")"
    recount_codes="$(q -c "select coalesce(string_agg(d.code, ',' order by d.code), '') from public.discount_codes d
                            where d.uses <> (select count(*) from public.orders o
                                              where o.discount_code = d.code and o.paid_at is not null)")"
    counted_payments="$(q -c "select coalesce(string_agg(pm.payment_id, ',' order by pm.payment_id), '')
                                from public.payments pm join public.orders o on o.order_id = pm.order_id
                               where o.paid_at is not null and pm.payment_status in ('finished', 'refunded')
                                 and not pm.needs_review")"
    [[ -n "$reset_orders" && -n "$recount_codes" && -n "$counted_payments" ]] ||
      fail "the fixture must exercise the backfills (orders paid without paid_at: '$reset_orders'; codes burned by unpaid orders: '$recount_codes'; payments that paid: '$counted_payments')"
    echo "expected: orders $reset_orders back to payment_status pending; payments $counted_payments counted; uses of $recount_codes recounted"
    orders_cols="$(sed -n 's/^public\.orders|//p' "$work/tables")"
    codes_cols="$(sed -n 's/^public\.discount_codes|//p' "$work/tables")"
    payments_cols="$(sed -n 's/^public\.payments|//p' "$work/tables")"
    ro="'{$reset_orders}'::text[]" rc="'{$recount_codes}'::text[]" rp="'{$counted_payments}'::text[]"
    {
      echo "public.orders|before|$(sed -e "s/\bpayment_status\b/case when order_id = any ($ro) then 'pending' else payment_status end/" \
                                      -e "s/\bupdated_at\b/case when order_id = any ($ro) then null else updated_at end/" <<<"$orders_cols")"
      echo "public.orders|after|$(sed -e "s/\bupdated_at\b/case when order_id = any ($ro) then null else updated_at end/" <<<"$orders_cols")"
      echo "public.discount_codes|before|$(sed -e "s/\buses\b/(select count(*)::int from public.orders o where o.discount_code = discount_codes.code and o.paid_at is not null)/" \
                                              -e "s/\bupdated_at\b/case when code = any ($rc) then null else updated_at end/" <<<"$codes_cols")"
      echo "public.discount_codes|after|$(sed -e "s/\bupdated_at\b/case when code = any ($rc) then null else updated_at end/" <<<"$codes_cols")"
      for side in before after; do
        echo "public.payments|$side|$(sed -e "s/\bupdated_at\b/case when payment_id = any ($rp) then null else updated_at end/" <<<"$payments_cols")"
      done
      echo "public.email_templates|after-where|template_name <> 'payment_review'"
    } >"$work/overrides"
    [[ "$(q -c "select count(*) from public.email_templates where template_name = 'payment_review'")" == 0 ]] ||
      fail "released-0014 already has the payment_review template"
  fi
  export_data "$work/$fixture-before" before
  q -c "select version from public.schema_migrations order by 1" >"$work/versions-before"

  echo "# upgrade"
  "$root/scripts/migrate" --shim "$url" | tee "$work/migrate-1.out"
  # expected: a migration whose "replaces:" versions the database has is recorded, any other applied
  expected=""
  for f in "$root"/sql/migrations/*.sql; do
    replaces="$(sed -n 's/^-- replaces:[[:space:]]*//p' "$f" | head -n 1)"
    verb=applied
    if [[ -n "$replaces" ]] && ! comm -23 <(tr -s ' ' '\n' <<<"$replaces" | sed '/^$/d' | sort) "$work/versions-before" | grep -q .; then
      verb=recorded
    fi
    expected+="$verb $(basename "$f" .sql)"$'\n'
  done
  expected="${expected%$'\n'}"
  grep -qx 'recorded 0001_baseline' <<<"$expected" || fail "$fixture: the fixture does not have the released migrations"
  [[ "$(grep -E '^(recorded|applied) ' "$work/migrate-1.out" | cut -d' ' -f1,2)" == "$expected" ]] ||
    fail "$fixture: the runner did not record/apply what the database had/lacked; expected:"$'\n'"$expected"
  n_defs="$(ls "$root"/sql/definitions/*.sql | wc -l)"
  grep -qxF "$n_defs definition files applied ($n_defs files)" "$work/migrate-1.out" ||
    fail "$fixture: not every definitions file was applied after the migrations"
  comm -23 "$work/versions-before" <(q -c "select version from public.schema_migrations order by 1") >"$work/versions-lost"
  [[ ! -s "$work/versions-lost" ]] || fail "$fixture: recorded versions disappeared: $(cat "$work/versions-lost")"

  echo "# data"
  export_data "$work/$fixture-after" after
  diff -ru "$work/$fixture-before" "$work/$fixture-after" || fail "$fixture: data changed beyond the intended backfills (diff above)"
  [[ "$(q -c "select count(*) from public.email_templates where template_name = 'payment_review'")" == 1 ]] ||
    fail "$fixture: no payment_review template after the upgrade"
  echo "ok: $(cat "$work"/"$fixture"-after/*.tsv | wc -l) rows in $(wc -l <"$work/tables") tables unchanged (beyond the intended backfills)"

  echo "# schema"
  schema_of "$url" >"$work/schema-upgraded.sql"
  diff -u "$work/schema-fresh.sql" "$work/schema-upgraded.sql" || fail "$fixture: the upgraded schema differs from a fresh database's (diff above)"
  echo "ok: the upgraded schema is a fresh database's ($(wc -l <"$work/schema-fresh.sql") lines)"

  echo "# re-run"
  q -c "select name || ' ' || checksum || ' ' || applied_at from public.schema_definitions order by 1" >"$work/defs-1"
  "$root/scripts/migrate" --shim "$url" | tee "$work/migrate-2.out"
  grep -qE '^(applied|recorded|defined) ' "$work/migrate-2.out" && fail "$fixture: a second run did something"
  q -c "select name || ' ' || checksum || ' ' || applied_at from public.schema_definitions order by 1" >"$work/defs-2"
  diff -u "$work/defs-1" "$work/defs-2" || fail "$fixture: schema_definitions changed on a re-run"
  export_data "$work/$fixture-again" after
  diff -ru "$work/$fixture-after" "$work/$fixture-again" || fail "$fixture: a second run changed data"
  schema_of "$url" | diff -u "$work/schema-upgraded.sql" - || fail "$fixture: a second run changed the schema"
  echo "ok: a second run is a no-op"
done
echo "ok: both earlier layouts upgrade without loss"
