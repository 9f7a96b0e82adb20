#!/usr/bin/env bash
# Database tests: migrations + pgTAP.
#
#   tests/db/run.sh ADMIN_DATABASE_URL
#
# ADMIN_DATABASE_URL points at the `postgres` database of a running PostgreSQL 15 or 17 as a superuser,
# e.g. postgresql://postgres:postgres@127.0.0.1:54322/postgres, or, on a Supabase-shaped cluster
# (tests/supabase/shape.sql, FFX_PG_SHAPE=supabase), as postgres, which is no superuser there: then
# the migrations run without --shim, and FFX_SUPERUSER_DATABASE_URL (supabase_admin) runs the pgTAP
# files whose header says "-- pgtap-runs-as: superuser (why)" (the others run as postgres). The script
#   1. drops and recreates the database ffx_dbtest (env FFX_DBTEST_DB to change the name);
#   2. runs two `scripts/migrate --shim` at once on it (the advisory lock must serialise them);
#   3. runs `scripts/migrate --shim` again and checks it applies nothing and leaves
#      `pg_dump --schema-only` byte-identical (re-running migrations is a no-op; a pg_dump older
#      than the server refuses it, and then a schema read from the catalogs is compared instead);
#   4. checks that such a run takes no lock and writes nothing: it finishes while another session
#      holds the runner's advisory lock and an EXCLUSIVE lock (only plain reads pass) on every
#      table, and the same run with one definitions file changed waits for those locks and fails;
#   5. creates extension pgtap and runs pg_prove over tests/db/*.sql.
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

. "$root/scripts/lib/pgurl.sh"
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

# The Supabase shape (tests/supabase/shape.sql; FFX_PG_SHAPE=supabase scripts/test): the cluster's
# superuser is supabase_admin and ADMIN_DATABASE_URL's user is postgres, which is not one. As on a
# Supabase project the migrations run without the shim, and pgTAP is already in schema extensions.
supabase=0
if [[ "$("$psql_bin" -X -At -d "$admin_url" -c "select exists (select 1 from pg_roles where rolname = 'supabase_admin')")" == t ]]; then
  supabase=1
fi
shim=(--shim)
((supabase == 0)) || shim=()

echo "# fresh database $db"
PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
  "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$admin_url" \
  -c "drop database if exists $db with (force)" \
  -c "create database $db"

echo "# two concurrent migrate ${shim[*]} runs"
"$root/scripts/migrate" "${shim[@]}" "$test_url" >"$work/migrate-a.out" 2>&1 &
pid_a=$!
"$root/scripts/migrate" "${shim[@]}" "$test_url" >"$work/migrate-b.out" 2>&1 &
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
# pg_dump refuses a server newer than itself (Debian 12's 15 against the PostgreSQL 17 pass): then
# the schema is read from the catalogs instead (scripts/schema-snapshot --catalog).
dump_schema() {
  if ((pg_dump_major >= server_major)); then
    "$pg_dump_bin" --schema-only -d "$test_url" | grep -Ev '^\\(un)?restrict '
  else
    catalog_schema
  fi
}

catalog_schema() {
  "$root/scripts/schema-snapshot" --catalog "$test_url"
}

pg_dump_major="$("$pg_dump_bin" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
server_major="$(psql_test -At -c "select current_setting('server_version_num')::int / 10000")"
echo "# re-run is a no-op"
((pg_dump_major >= server_major)) ||
  echo "# pg_dump $pg_dump_major refuses PostgreSQL $server_major: the schema is compared from the catalogs"
dump_schema >"$work/schema-1.sql"
psql_test -At -c 'select version, applied_at from public.schema_migrations order by 1' >"$work/versions-1"
psql_test -At -c 'select name, checksum, applied_at from public.schema_definitions order by 1' >>"$work/versions-1"
"$root/scripts/migrate" "${shim[@]}" "$test_url" | tee "$work/migrate-2.out"
grep -qE '^(applied|recorded|defined) ' "$work/migrate-2.out" && fail "second run applied a migration or a definition"
grep -q '^0 applied, 0 pending' "$work/migrate-2.out" || fail "second run did not report '0 applied, 0 pending'"
dump_schema >"$work/schema-2.sql"
psql_test -At -c 'select version, applied_at from public.schema_migrations order by 1' >"$work/versions-2"
psql_test -At -c 'select name, checksum, applied_at from public.schema_definitions order by 1' >>"$work/versions-2"
diff -u "$work/schema-1.sql" "$work/schema-2.sql" || fail "pg_dump --schema-only differs after a re-run"
diff -u "$work/versions-1" "$work/versions-2" || fail "schema_migrations or schema_definitions changed after a re-run"
[[ "$("$root/scripts/migrate" --dry-run "$test_url")" == "0 pending" ]] || fail "--dry-run does not report '0 pending'"
echo "ok: re-run applied nothing, schema dump identical ($(wc -l <"$work/schema-1.sql") lines)"

echo "# an unchanged tree takes no lock and writes nothing"
# The holder: the runner's advisory lock plus EXCLUSIVE on every table of public (bookkeeping
# included), which conflicts with every lock a write or DDL takes and lets only plain SELECTs
# through. It sleeps until terminated.
PGAPPNAME=ffx_lock_holder psql_test -c "begin;
  select pg_advisory_lock(7265746977601001);
  do \$\$ declare t regclass; begin
    for t in select c.oid from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' loop
      execute format('lock table %s in exclusive mode', t);
    end loop; end \$\$;
  select pg_sleep(300);" >/dev/null 2>&1 &
holder=$!
release_holder() {
  psql_test -At -c "select pg_terminate_backend(pid) from pg_stat_activity
                     where application_name = 'ffx_lock_holder' and datname = current_database()" >/dev/null
  wait "$holder" 2>/dev/null || true
}
for _ in $(seq 100); do
  [[ "$(psql_test -At -c "select count(*) from pg_locks l join pg_stat_activity a using (pid)
                           where a.application_name = 'ffx_lock_holder' and l.locktype = 'advisory' and l.granted")" == 1 ]] && break
  sleep 0.1
done
# lock_timeout makes a run that asks for any lock the holder has fail within 3 s instead of hanging
if ! PGOPTIONS="-c lock_timeout=3s" timeout 60 "$root/scripts/migrate" "${shim[@]}" "$test_url" >"$work/migrate-idle.out" 2>&1; then
  cat "$work/migrate-idle.out"; release_holder; fail "an unchanged tree waited for a lock (or failed)"
fi
# The same with one definitions file changed must wait for the lock, and so fail here: the check
# can tell the two apart.
mkdir -p "$work/tree/scripts"
cp -r "$root/sql" "$work/tree/"
cp "$root/scripts/migrate" "$work/tree/scripts/"
echo "-- changed" >>"$work/tree/sql/definitions/$(basename "$(ls "$root"/sql/definitions/*.sql | tail -n 1)")"
if PGOPTIONS="-c lock_timeout=3s" timeout 60 "$work/tree/scripts/migrate" "${shim[@]}" "$test_url" >"$work/migrate-changed.out" 2>&1; then
  cat "$work/migrate-changed.out"; release_holder; fail "a changed definitions file was applied without waiting for the holder's locks"
fi
grep -q 'lock timeout' "$work/migrate-changed.out" || { cat "$work/migrate-changed.out"; release_holder; fail "the changed tree failed, but not on the lock"; }
release_holder
echo "ok: an unchanged tree ran beside the held locks; a changed one waited for them"

echo "# pgTAP"
psql_test -c 'create extension if not exists pgtap'
# pg_prove hands --dbname to psql, which accepts a URL or a conninfo string.
if ((supabase == 0)); then
  "$pg_prove_bin" --ext .sql -d "$test_url" "$root"/tests/db/*.sql
  exit 0
fi

# The Supabase shape: every file runs as postgres, as an operator would, except those whose
# header says "-- pgtap-runs-as: superuser (why)": they run as supabase_admin
# (FFX_SUPERUSER_DATABASE_URL), and this says which and why. dblink, which the concurrency checks
# use, needs a password from a role that is no superuser: the files take this database's URL
# from the setting ffx.dblink_url.
[[ -n "${FFX_SUPERUSER_DATABASE_URL:-}" ]] || fail "a Supabase-shaped database needs FFX_SUPERUSER_DATABASE_URL (supabase_admin)"
super_url="$(url_with_db "$FFX_SUPERUSER_DATABASE_URL" "$db")"
# (a session setting: only a superuser may store a custom setting on the database)
export PGOPTIONS="${PGOPTIONS:-} -c ffx.dblink_url=${test_url// /\\ }"
as_postgres=()
as_superuser=()
for f in "$root"/tests/db/*.sql; do
  why="$(sed -n 's/^-- pgtap-runs-as: superuser (\(.*\))$/\1/p' "$f" | head -n 1)"
  if [[ -n "$why" ]]; then
    as_superuser+=("$f")
    echo "# as supabase_admin, not postgres: $(basename "$f") ($why)"
  else
    as_postgres+=("$f")
  fi
done
rc=0
"$pg_prove_bin" --ext .sql -d "$test_url" "${as_postgres[@]}" || rc=1
"$pg_prove_bin" --ext .sql -d "$super_url" "${as_superuser[@]}" || rc=1
exit $rc
