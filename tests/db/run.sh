#!/usr/bin/env bash
# Database tests: migrations + pgTAP.
#
#   tests/db/run.sh ADMIN_DATABASE_URL
#
# ADMIN_DATABASE_URL points at the `postgres` database of a running PostgreSQL 15 as a superuser,
# e.g. postgresql://postgres:postgres@127.0.0.1:54322/postgres. The script
#   1. drops and recreates the database ffx_dbtest (env FFX_DBTEST_DB to change the name);
#   2. runs two `scripts/migrate --shim` at once on it (the advisory lock must serialise them);
#   3. runs `scripts/migrate --shim` again and checks it applies nothing and leaves
#      `pg_dump --schema-only` byte-identical (re-running migrations is a no-op);
#   4. creates extension pgtap and runs pg_prove over tests/db/*.sql.
# Exits non-zero on any failure. The database is left behind for inspection.
#
# Environment: PSQL, PG_DUMP, PG_PROVE to pick client binaries.
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 ADMIN_DATABASE_URL" >&2
  exit 2
fi
admin_url="$1"
db="${FFX_DBTEST_DB:-ffx_dbtest}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
psql_bin="${PSQL:-psql}"
pg_dump_bin="${PG_DUMP:-pg_dump}"
pg_prove_bin="${PG_PROVE:-pg_prove}"
export LC_ALL=C

if [[ ! "$db" =~ ^[a-z_][a-z0-9_]*$ ]]; then
  echo "run.sh: FFX_DBTEST_DB must be a plain lower-case identifier" >&2
  exit 2
fi

# The same server, another database: swap the path of a postgres:// URL, or append dbname= to a
# key=value connection string (a later keyword wins in libpq).
url_with_db() {
  local url="$1" name="$2"
  if [[ "$url" =~ ^(postgres(ql)?://[^/?#]*)(/[^?#]*)?(\?[^#]*)?$ ]]; then
    printf '%s/%s%s' "${BASH_REMATCH[1]}" "$name" "${BASH_REMATCH[4]}"
  else
    printf '%s dbname=%s' "$url" "$name"
  fi
}
test_url="$(url_with_db "$admin_url" "$db")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "run.sh: FAIL: $*" >&2
  exit 1
}

psql_test() {
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
    "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$test_url" "$@"
}

echo "# fresh database $db"
PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
  "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$admin_url" \
  -c "drop database if exists $db with (force)" \
  -c "create database $db"

echo "# two concurrent migrate --shim runs"
"$root/scripts/migrate" --shim "$test_url" >"$work/migrate-a.out" 2>&1 &
pid_a=$!
"$root/scripts/migrate" --shim "$test_url" >"$work/migrate-b.out" 2>&1 &
pid_b=$!
rc_a=0; wait "$pid_a" || rc_a=$?
rc_b=0; wait "$pid_b" || rc_b=$?
cat "$work/migrate-a.out" "$work/migrate-b.out"
((rc_a == 0 && rc_b == 0)) || fail "a concurrent migrate run failed (exit $rc_a, $rc_b)"

shopt -s nullglob
files=("$root"/sql/migrations/*.sql)
shopt -u nullglob
applied_a="$(grep -c '^applied ' "$work/migrate-a.out" || true)"
applied_b="$(grep -c '^applied ' "$work/migrate-b.out" || true)"
((applied_a + applied_b == ${#files[@]})) ||
  fail "expected ${#files[@]} migrations applied once in total, got $applied_a + $applied_b"
recorded="$(psql_test -At -c 'select count(*) from public.schema_migrations')"
[[ "$recorded" == "${#files[@]}" ]] || fail "schema_migrations has $recorded rows, expected ${#files[@]}"

# pg_dump >= 15.14 brackets its output with \restrict/\unrestrict and a random key: drop those lines.
dump_schema() {
  "$pg_dump_bin" --schema-only -d "$test_url" | grep -Ev '^\\(un)?restrict '
}

echo "# re-run is a no-op"
dump_schema >"$work/schema-1.sql"
psql_test -At -c 'select version, applied_at from public.schema_migrations order by 1' >"$work/versions-1"
"$root/scripts/migrate" --shim "$test_url" | tee "$work/migrate-2.out"
grep -q '^applied ' "$work/migrate-2.out" && fail "second run applied a migration"
grep -q '^0 applied, 0 pending' "$work/migrate-2.out" || fail "second run did not report '0 applied, 0 pending'"
dump_schema >"$work/schema-2.sql"
psql_test -At -c 'select version, applied_at from public.schema_migrations order by 1' >"$work/versions-2"
diff -u "$work/schema-1.sql" "$work/schema-2.sql" || fail "pg_dump --schema-only differs after a re-run"
diff -u "$work/versions-1" "$work/versions-2" || fail "schema_migrations changed after a re-run"
[[ "$("$root/scripts/migrate" --dry-run "$test_url")" == "0 pending" ]] || fail "--dry-run does not report '0 pending'"
echo "ok: re-run applied nothing, schema dump identical ($(wc -l <"$work/schema-1.sql") lines)"

echo "# pgTAP"
psql_test -c 'create extension if not exists pgtap'
# pg_prove hands --dbname to psql, which accepts a URL or a conninfo string.
"$pg_prove_bin" --ext .sql -d "$test_url" "$root"/tests/db/*.sql
