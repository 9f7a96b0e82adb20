#!/usr/bin/env bash
# tests/adoption/run.sh - it.adoption: a running shop of the ORIGINAL FlashFundX system is adopted
# by scripts/adopt without losing a row, then serves purchases and IPNs through nginx.
#
# Run by ctest under scripts/test (it needs the test stack's PostgreSQL and build). On the test
# stack's server it builds the database ffx_adoption from tests/adoption/original (build.sh: the
# original schema and its shop) instead of migrating, and then:
#   1. records the rows that must survive (survivors.sql) and what each order must become
#      (expected-mapping.sql);
#   2. dry run: exit 3, the conflicts the shop holds in the --report JSON, the row counts and the
#      exposed passwords right, nothing changed; --apply without resolutions: exit 3, nothing changed;
#   3. --apply with the resolutions (timed): every recorded row is there, counts per table, each
#      order's status and in-flight payment as the mapping says, the passwords gone;
#   4. a second run: "nothing to adopt", exit 0, nothing changed; scripts/migrate has nothing to do;
#   5. e2e.mjs: a simulator, the functions and nginx of its own on this database (ports of the
#      test stack + 40, state in <test state dir>-adoption), a purchase by an adopted customer and
#      IPNs for adopted in-flight orders.
# Prints the rows per table before and after and the time adopt took. Skips (77) in the PgBouncer
# pass (the functions here connect directly: PgBouncer serves only the stack's database). On the
# Supabase shape (FFX_PG_SHAPE=supabase) the original is built and adopted as `postgres`, which is
# no superuser there, as on a real project. The database is left behind for inspection.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/scripts/lib/env.sh"
. "$root/scripts/lib/pgurl.sh"
export LC_ALL=C PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

if [ "${FFX_PGBOUNCER:-0}" = 1 ]; then
    echo "skipped in the PgBouncer pass: the adoption stack's functions connect directly (it ran in the first pass)"
    exit 77
fi

admin_url=$DATABASE_URL
db=ffx_adoption
url=$(url_with_db "$admin_url" "$db")
work=$FFX_STATE_DIR-adoption/work
rm -rf "$work"
mkdir -p "$work"

# The conflicts the shop holds and how the test resolves them (scripts/adopt --help). Of the two
# inventory rows with the same server and login, disable keeps both: the shop's duplicate
# (shop.sql, "The duplicate login") survives `disabled`, " (duplicate 1)" after its login, the one
# row whose columns change (db.adopt covers keep-first).
RESOLUTIONS=(orphan-orders=keep duplicate-logins=disable unknown-status=cancelled rule-amounts=convert)
DUPLICATE="select md5('ffx-duplicate-login')::uuid"
UNKNOWN_STATUS_ACTION=cancelled
EXPECTED_CONFLICTS="duplicate-logins orphan-orders rule-amounts unknown-status"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" -c "$1"; }

# rows FILE - the surviving rows, sorted, from the database as it is now.
rows() { psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 -d "$url" -f "$here/survivors.sql" | sort >"$1"; }
count_of() { awk -F'\t' -v t="$2" '$1 == t' "$1" | wc -l; }
TABLES=(auth.users user_profiles orders trading_rules account_container delivered_accounts
    payment_transactions admin_audit_log crypto_addresses)

# unchanged WHAT - the database still holds exactly the rows of before.txt.
unchanged() {
    rows "$work/now.txt"
    cmp -s "$work/before.txt" "$work/now.txt" || {
        diff "$work/before.txt" "$work/now.txt" | head -5 >&2
        fail "$1 changed the data"
    }
}

# report_get FILE EXPR - a value of the --report JSON (node: no jq on the machine).
report_get() {
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
             const v = (new Function("r", "return " + process.argv[2]))(r);
             console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1" "$2"
}

echo "# the original shop: tests/adoption/original/build.sh $db"
started=$(date +%s%N)
"$here/original/build.sh" "$admin_url" "$db" >/dev/null
echo "built in $((($(date +%s%N) - started) / 1000000)) ms"
rows "$work/before.txt"
psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 -v unknown_status="$UNKNOWN_STATUS_ACTION" -d "$url" \
    -f "$here/expected-mapping.sql" | sort >"$work/expected-mapping.txt"
exposed=$(q "select count(*) from auth.users u left join public.user_profiles p on p.id = u.id
              where coalesce(p.password, '') <> '' or u.raw_user_meta_data ? 'password'")
no_profile=$(q "select count(*) from auth.users u where not exists (select 1 from public.user_profiles p where p.id = u.id)")
echo "users whose password is exposed: $exposed; users without a profile: $no_profile"

# --shim on plain PostgreSQL only: a Supabase-shaped database has Supabase's own auth schema
shim=(--shim)
[ "${FFX_PG_SHAPE:-plain}" = supabase ] && shim=()
adopt() { "$root/scripts/adopt" "${shim[@]}" "$@" "$url"; }

echo "# dry run"
rc=0
adopt --report "$work/dry.json" >"$work/dry.out" 2>&1 || rc=$?
cat "$work/dry.out"
[ "$rc" = 3 ] || fail "the dry run exited $rc, expected 3 (conflicts without a resolution)"
unchanged "the dry run"
[ "$(report_get "$work/dry.json" 'r.adopted')" = false ] || fail "the dry run's report says adopted"
kinds=$(report_get "$work/dry.json" 'r.conflicts.filter(c => c.count > 0).map(c => c.kind).sort().join(" ")')
for k in $EXPECTED_CONFLICTS; do
    grep -qw -- "$k" <<<"$kinds" || fail "the dry run did not report the $k conflict (it reported: $kinds)"
done
[ "$(report_get "$work/dry.json" 'r.exposed_passwords')" = "$exposed" ] ||
    fail "exposed_passwords: $(report_get "$work/dry.json" 'r.exposed_passwords'), expected $exposed"
for t in "${TABLES[@]}"; do
    [ "$t" = auth.users ] && continue
    n=$(report_get "$work/dry.json" "r.tables['$t']")
    [ "$n" = "$(count_of "$work/before.txt" "$t")" ] || fail "the plan counts $n rows in $t, the database holds $(count_of "$work/before.txt" "$t")"
done

echo "# --apply without resolutions"
rc=0
adopt --apply >"$work/refused.out" 2>&1 || rc=$?
[ "$rc" = 3 ] || { cat "$work/refused.out"; fail "--apply without resolutions exited $rc, expected 3"; }
unchanged "a refused --apply"

echo "# --apply ${RESOLUTIONS[*]/#/--resolve }"
resolve=()
for r in "${RESOLUTIONS[@]}"; do resolve+=(--resolve "$r"); done
started=$(date +%s%N)
adopt --apply "${resolve[@]}" --report "$work/applied.json" >"$work/apply.out" 2>&1 || {
    cat "$work/apply.out"
    fail "adopt --apply failed"
}
adopt_ms=$((($(date +%s%N) - started) / 1000000))
cat "$work/apply.out"
[ "$(report_get "$work/applied.json" 'r.adopted')" = true ] || fail "the report of --apply does not say adopted"

echo "# every row that must survive"
rows "$work/after.txt"
printf '%-22s %8s %8s\n' table before after
for t in "${TABLES[@]}"; do
    b=$(count_of "$work/before.txt" "$t")
    a=$(count_of "$work/after.txt" "$t")
    printf '%-22s %8d %8d\n' "$t" "$b" "$a"
    want=$b
    [ "$t" = user_profiles ] && want=$((b + no_profile))
    [ "$t" = admin_audit_log ] && want=$((b + 1))
    # this schema's inactive placeholder addresses (0001_baseline.sql) beside the original's
    [ "$t" = crypto_addresses ] &&
        want=$((b + $(q "select count(*) from public.crypto_addresses
                          where wallet_address = 'REPLACE_WITH_REAL_ADDRESS' and not is_active")))
    [ "$a" = "$want" ] || fail "$t: $a rows after adoption, expected $want"
done
duplicate=$(q "$DUPLICATE")
lost=$(comm -23 "$work/before.txt" "$work/after.txt" | { grep -v -F "account_container	($duplicate," || true; } |
    tee "$work/lost.txt" | wc -l)
[ "$lost" = 0 ] || {
    head -5 "$work/lost.txt" >&2
    fail "$lost rows of the original are missing or changed (in $work/lost.txt)"
}
kept=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" -c "
  select count(*) from public.account_container d
    join public.account_container k on k.server_name = d.server_name and d.login_id = k.login_id || ' (duplicate 1)'
   where d.id = '$duplicate' and d.status = 'disabled' and k.status <> 'disabled'
     and d.password = (select password from public.account_container where id = '$duplicate')")
[ "$kept" = 1 ] || fail "the duplicate inventory row is not kept disabled beside the one it duplicates"
echo "checksums: $(md5sum <"$work/before.txt" | cut -c1-12) over the original's rows, every one of them found after adoption"
echo "adopt --apply took $adopt_ms ms"

echo "# each order as the mapping says, each in-flight order with its payment"
psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 -d "$url" -f "$here/actual-mapping.sql" | sort >"$work/actual-mapping.txt"
comm -23 "$work/expected-mapping.txt" "$work/actual-mapping.txt" >"$work/mapping-diff.txt"
[ ! -s "$work/mapping-diff.txt" ] || {
    head -5 "$work/mapping-diff.txt" >&2
    fail "$(wc -l <"$work/mapping-diff.txt") orders or payments not as the mapping says (in $work/mapping-diff.txt)"
}
grep '^order' "$work/actual-mapping.txt" | cut -f3 | sort | uniq -c

echo "# the passwords are gone"
[ "$(q "select count(*) from information_schema.columns where table_schema = 'public' and table_name = 'user_profiles' and column_name ~ 'pass'")" = 0 ] ||
    fail "user_profiles still has a password column"
[ "$(q "select count(*) from auth.users where raw_user_meta_data ? 'password'")" = 0 ] ||
    fail "auth.users.raw_user_meta_data still holds passwords"
[ "$(q "select count(*) from pg_proc where prosrc ~ 'raw_user_meta_data.*password'")" = 0 ] ||
    fail "a function still reads the sign-up password"
[ "$(q "select count(*) from pg_trigger t join pg_proc p on p.oid = t.tgfoid
         where t.tgrelid = 'auth.users'::regclass and p.prosrc ~ 'password'")" = 0 ] ||
    fail "the original's sign-up trigger is still there"

echo "# re-running is a no-op"
cp "$work/after.txt" "$work/before.txt"
rc=0
adopt --apply "${resolve[@]}" >"$work/again.out" 2>&1 || rc=$?
cat "$work/again.out"
[ "$rc" = 0 ] || fail "a second adopt exited $rc"
grep -q 'nothing to adopt' "$work/again.out" || fail "a second adopt did not say: nothing to adopt"
unchanged "a second adopt"
"$root/scripts/migrate" "${shim[@]}" "$url" >"$work/migrate.out" 2>&1 || {
    cat "$work/migrate.out"
    fail "scripts/migrate failed on the adopted database"
}
! grep -q '^applied ' "$work/migrate.out" || fail "scripts/migrate still had migrations to apply: $(cat "$work/migrate.out")"

echo "# through nginx: a purchase and IPNs on the adopted shop"
export FFX_STATE_DIR=$FFX_STATE_DIR-adoption FFX_PGBOUNCER=0
export FFX_API_PORT=$((FFX_API_PORT + 40)) FFX_SIM_PORT=$((FFX_SIM_PORT + 40))
export FFX_API_URL=http://127.0.0.1:$FFX_API_PORT DATABASE_URL=$url
# the integration library's fixtures connect as the shape's superuser, to this database
export FFX_SUPERUSER_DATABASE_URL
FFX_SUPERUSER_DATABASE_URL=$(url_with_db "$FFX_SUPERUSER_DATABASE_URL" "$db")
export FFX_FUNCTIONS_DATABASE_URL
FFX_FUNCTIONS_DATABASE_URL=$(url_with_db "$FFX_FUNCTIONS_DATABASE_URL" "$db")
export FFX_SIM_STATE_FILE=$FFX_STATE_DIR/nowpayments-sim.json
stop_stack() {
    "$root/scripts/stack" nginx-stop || true
    "$root/scripts/stack" fn-stop || true
    "$root/scripts/stack" sim-stop || true
}
trap stop_stack EXIT
node "$here/e2e.mjs"
