#!/usr/bin/env bash
# Migrations through a session-mode pooler, as on Supabase (docs/DEPLOYMENT.md, "Connecting to a
# Supabase project"). Supabase's session pooler, like PgBouncer with its defaults, refuses any
# start-up parameter it does not know, `options` (PGOPTIONS, `-c` settings) among them, so
# nothing an operator runs against it may send one.
#
#   tests/db/session_pooler.sh ADMIN_DATABASE_URL [FFX_ADMIN_BINARY]
#
# ADMIN_DATABASE_URL is a superuser's postgres:// URL for a running PostgreSQL 15 or 17 whose role has
# a SCRAM password (the test stack's). The script
#   1. starts a PgBouncer of its own in SESSION mode with PgBouncer's default refusal of unknown
#      start-up parameters, on 127.0.0.1:$FFX_SESSION_POOLER_PORT (default: FFX_PGBOUNCER_PORT
#      + 3, a port next to the test stack's), and checks that it refuses `options`;
#   2. drops and creates the scratch database ffx_session_pooler;
#   3. runs `scripts/migrate --shim` through the pooler: every migration and definition applies,
#      without printing a notice (they stay silenced);
#   4. runs it again through the pooler: nothing is applied; then once with FFX_UNDERPAY_TOLERANCE;
#   5. checks through a direct connection: every migration recorded, every definition recorded
#      with its file's checksum, the tolerance written, and the schema is sql/schema.sql (when
#      pg_dump is older than the server and refuses it: the catalogs, scripts/schema-snapshot
#      --catalog, are a directly migrated database's);
#   6. with FFX_ADMIN_BINARY, runs `ffx-admin --direct checkout get` (a console action) through the pooler.
# The database is left behind for inspection.
set -euo pipefail

(($# == 1 || $# == 2)) || { echo "usage: $0 ADMIN_DATABASE_URL [FFX_ADMIN_BINARY]" >&2; exit 2; }
admin_url="$1"
ffx_admin="${2:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export LC_ALL=C
psql_bin="${PSQL:-psql}"
db=ffx_session_pooler
# An operator's environment: no PGOPTIONS (one the caller sets is passed on, and refused).
unset PGOPTIONS
port="${FFX_SESSION_POOLER_PORT:-$((${FFX_PGBOUNCER_PORT:-54329} + 3))}"

. "$root/scripts/lib/pgurl.sh"
direct_url="$(url_with_db "$admin_url" "$db")"
[[ "$direct_url" =~ ^(postgres(ql)?://)([^@/?#]*@)?[^/?#]*(.*)$ ]] ||
  { echo "session_pooler.sh: ADMIN_DATABASE_URL must be a postgres:// URL" >&2; exit 2; }
pooler_url="${BASH_REMATCH[1]}${BASH_REMATCH[3]}127.0.0.1:$port${BASH_REMATCH[4]}"

work="$(mktemp -d)"
pgbouncer_pid=
cleanup() {
  if [[ -n "$pgbouncer_pid" ]]; then
    kill "$pgbouncer_pid" 2>/dev/null || true
    wait "$pgbouncer_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "session_pooler.sh: FAIL: $*" >&2
  [[ ! -s "$work/pgbouncer.log" ]] || { echo "--- pgbouncer.log (last lines)" >&2; tail -n 20 "$work/pgbouncer.log" >&2; }
  exit 1
}
admin() {
  "$psql_bin" -X -q -v ON_ERROR_STOP=1 -At -d "$admin_url" -c 'set client_min_messages = warning' "$@"
}
direct() {
  "$psql_bin" -X -q -v ON_ERROR_STOP=1 -At -d "$direct_url" "$@"
}

echo "# fresh database $db"
admin -c "drop database if exists $db with (force)" -c "create database $db"

echo "# PgBouncer in session mode on 127.0.0.1:$port"
read -r server_addr server_port < <(admin -F ' ' -c "select coalesce(host(inet_server_addr()), '127.0.0.1'), inet_server_port()")
# The client's SCRAM secret, copied from pg_authid as scripts/stack does: PgBouncer checks the
# client's proof against it and reuses it to log in to the server.
admin -c "select format('\"%s\" \"%s\"', rolname, rolpassword) from pg_authid
           where rolname = current_user and rolpassword like 'SCRAM-SHA-256\$%'" >"$work/userlist.txt"
[[ -s "$work/userlist.txt" ]] || fail "the admin role has no SCRAM password for PgBouncer to use"
# ignore_startup_parameters stays empty (PgBouncer's default): `options` is refused, as Supabase's
# session pooler refuses it.
cat >"$work/pgbouncer.ini" <<INI
[databases]
$db = host=$server_addr port=$server_port dbname=$db

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $work/userlist.txt
pool_mode = session
ignore_startup_parameters =
INI
run=()
if [[ "$(id -u)" -eq 0 ]]; then
  # like the server, PgBouncer refuses to run as root
  chown -R postgres: "$work"
  run=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi
"${run[@]}" pgbouncer "$work/pgbouncer.ini" 2>"$work/pgbouncer.log" &
pgbouncer_pid=$!
for _ in $(seq 50); do
  "$psql_bin" -X -At -d "$pooler_url" -c 'select 1' >/dev/null 2>&1 && break
  kill -0 "$pgbouncer_pid" 2>/dev/null || fail "PgBouncer did not start (port $port taken? FFX_SESSION_POOLER_PORT)"
  sleep 0.1
done
kill -0 "$pgbouncer_pid" 2>/dev/null || fail "PgBouncer did not start (port $port taken? FFX_SESSION_POOLER_PORT)"
if PGOPTIONS='-c client_min_messages=warning' "$psql_bin" -X -At -d "$pooler_url" -c 'select 1' \
     >"$work/options.out" 2>&1; then
  fail "the pooler accepted the options start-up parameter; it cannot stand for Supabase's"
fi
grep -q 'unsupported startup parameter: options' "$work/options.out" ||
  { cat "$work/options.out" >&2; fail "the pooler refused the connection, but not for options"; }
echo "ok: the pooler refuses the options start-up parameter"

shopt -s nullglob
migrations=("$root"/sql/migrations/*.sql)
definitions=("$root"/sql/definitions/*.sql)
shopt -u nullglob
n_mig=${#migrations[@]}
n_def=${#definitions[@]}

echo "# scripts/migrate --shim through the pooler: a fresh database"
"$root/scripts/migrate" --shim "$pooler_url" >"$work/first.out" 2>&1 ||
  { cat "$work/first.out" >&2; fail "the first migrate through the session pooler failed"; }
grep -qxF "$n_mig applied, 0 pending ($n_mig recorded)" "$work/first.out" ||
  { cat "$work/first.out" >&2; fail "the first run did not apply all $n_mig migrations"; }
grep -qxF "$n_def definition files applied ($n_def files)" "$work/first.out" ||
  { cat "$work/first.out" >&2; fail "the first run did not apply all $n_def definition files"; }
# Notices stay silenced as before (the runner sets client_min_messages in the session now).
! grep -q 'NOTICE' "$work/first.out" || { cat "$work/first.out" >&2; fail "the first run printed notices"; }
echo "ok: $n_mig migrations and $n_def definition files applied"

echo "# scripts/migrate --shim through the pooler again: nothing to do"
"$root/scripts/migrate" --shim "$pooler_url" >"$work/second.out" 2>&1 ||
  { cat "$work/second.out" >&2; fail "the second migrate through the session pooler failed"; }
grep -qxF "0 applied, 0 pending ($n_mig recorded)" "$work/second.out" &&
  grep -qxF "definitions unchanged ($n_def files)" "$work/second.out" &&
  ! grep -Eq '^(applied|defined|shim .* applied)' "$work/second.out" ||
  { cat "$work/second.out" >&2; fail "the second run was not a no-op"; }
echo "ok: the second run applied nothing"

echo "# a setting through the pooler: FFX_UNDERPAY_TOLERANCE (read, then written, from standard input)"
FFX_UNDERPAY_TOLERANCE=0.004 "$root/scripts/migrate" --shim "$pooler_url" >"$work/setting.out" 2>&1 ||
  { cat "$work/setting.out" >&2; fail "migrate with FFX_UNDERPAY_TOLERANCE through the session pooler failed"; }
grep -qxF "underpay tolerance set to 0.004" "$work/setting.out" ||
  { cat "$work/setting.out" >&2; fail "the tolerance was not reported as set"; }

echo "# the result, through a direct connection"
[[ "$(direct -c 'select count(*) from public.schema_migrations')" == "$n_mig" ]] ||
  fail "public.schema_migrations does not hold $n_mig versions"
[[ "$(direct -c 'select underpay_tolerance = 0.004 from public.payment_settings')" == t ]] ||
  fail "public.payment_settings.underpay_tolerance is not 0.004"
for f in "${definitions[@]}"; do
  echo "$(basename "$f") $(sha256sum "$f" | cut -d' ' -f1)"
done >"$work/definitions.expected"
direct -F ' ' -c "select name, checksum from public.schema_definitions
                   where name not like 'shim/%' order by name" >"$work/definitions.recorded"
diff -u "$work/definitions.expected" "$work/definitions.recorded" ||
  fail "public.schema_definitions is not every definition file with its checksum"
pg_dump_major="$("${PG_DUMP:-pg_dump}" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
server_major="$(direct -c "select current_setting('server_version_num')::int / 10000")"
if ((pg_dump_major >= server_major)); then
  "$root/scripts/schema-snapshot" --dump "$direct_url" >"$work/schema.sql"
  diff -u --label sql/schema.sql --label "$db (migrated through the session pooler)" \
    "$root/sql/schema.sql" "$work/schema.sql" >"$work/schema.diff" ||
    { head -n 40 "$work/schema.diff" >&2; fail "the schema migrated through the pooler is not sql/schema.sql"; }
  echo "ok: $n_mig versions, $n_def definitions with their checksums, the schema is sql/schema.sql"
else
  # pg_dump refuses a newer server (Debian 12's 15 against PostgreSQL 17): compare the catalogs
  # with those of a database migrated directly instead.
  echo "# pg_dump $pg_dump_major refuses PostgreSQL $server_major: the schema is compared from the catalogs with a direct migration's"
  reference_url="$(url_with_db "$admin_url" "${db}_direct")"
  admin -c "drop database if exists ${db}_direct with (force)" -c "create database ${db}_direct"
  "$root/scripts/migrate" --shim "$reference_url" >/dev/null
  "$root/scripts/schema-snapshot" --catalog "$reference_url" >"$work/schema-direct.txt"
  "$root/scripts/schema-snapshot" --catalog "$direct_url" >"$work/schema.txt"
  diff -u --label "${db}_direct (migrated directly)" --label "$db (migrated through the session pooler)" \
    "$work/schema-direct.txt" "$work/schema.txt" >"$work/schema.diff" ||
    { head -n 40 "$work/schema.diff" >&2; fail "the schema migrated through the pooler is not a direct migration's"; }
  echo "ok: $n_mig versions, $n_def definitions with their checksums, the schema is a direct migration's"
fi

if [[ -n "$ffx_admin" ]]; then
  echo "# ffx-admin through the pooler"
  DATABASE_URL="$pooler_url" "$ffx_admin" --direct checkout get >"$work/admin.out" 2>&1 ||
    { cat "$work/admin.out" >&2; fail "ffx-admin --direct checkout get through the session pooler failed"; }
  echo "ok: ffx-admin --direct checkout get"
fi
echo "ok: scripts/migrate works through a session-mode pooler"
