#!/usr/bin/env bash
# The Data API surface (docs/DATA_API.md), seen the way PostgREST sees it.
#
#   tests/db/data_api.sh ADMIN_DATABASE_URL [--print]
#
# ADMIN_DATABASE_URL points at the `postgres` database of a running PostgreSQL as a superuser. The
# script
#   1. drops and recreates the database ffx_data_api (env FFX_DATA_API_DB), runs
#      `scripts/migrate --shim` and loads the fixture tests/db/data_api/fixture.sql;
#   2. logs in as `authenticator` (LOGIN NOINHERIT, a member of the three API roles: the shim
#      creates it on plain PostgreSQL; this script gives it a random password on its own cluster)
#      and, in a transaction per role, does what PostgREST does before a request: set_config('role')
#      and set_config('request.jwt.claims') for anon, a customer (authenticated), an admin
#      (authenticated with app_metadata.role = admin) and service_role;
#   3. lists, for each, every table and view (select/insert/update/delete, per column where the
#      grant is on columns) and every function (execute) it reaches in the schemas PostgREST serves
#      (tests/db/data_api/surface.sql), and counts the rows it sees in each table it may read:
#      all, own (only the customer's), none, or "N of M";
#   4. compares both with the tables between the markers in docs/DATA_API.md and fails with a diff
#      on any difference. --print prints the tables as measured instead (to paste into the docs).
set -euo pipefail

if (($# < 1 || $# > 2)) || { (($# == 2)) && [[ "$2" != --print ]]; }; then
  echo "usage: $0 ADMIN_DATABASE_URL [--print]" >&2
  exit 2
fi
admin_url="$1"
mode="${2:-check}"
db="${FFX_DATA_API_DB:-ffx_data_api}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/tests/db/data_api"
doc="$root/docs/DATA_API.md"
psql_bin="${PSQL:-psql}"
export LC_ALL=C

if [[ ! "$db" =~ ^[a-z_][a-z0-9_]*$ ]]; then
  echo "data_api.sh: FFX_DATA_API_DB must be a plain lower-case identifier" >&2
  exit 2
fi

. "$root/scripts/lib/pgurl.sh"
url="$(url_with_db "$admin_url" "$db")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "data_api.sh: FAIL: $*" >&2
  exit 1
}

psql_as() {
  local conn="$1"
  shift
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
    "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$conn" "$@"
}

# The same server and database, logged in as USER with PASSWORD.
url_as() {
  local conn="$1" user="$2" password="$3"
  if [[ "$conn" =~ ^(postgres(ql)?://)([^@/?#]*@)?(.*)$ ]]; then
    printf '%s%s:%s@%s' "${BASH_REMATCH[1]}" "$user" "$password" "${BASH_REMATCH[4]}"
  else
    printf '%s user=%s password=%s' "$conn" "$user" "$password"
  fi
}

echo "# fresh database $db, migrations and the fixture"
psql_as "$admin_url" -c "drop database if exists $db with (force)" -c "create database $db"
# the shim on plain PostgreSQL only: a Supabase-shaped database (FFX_PG_SHAPE=supabase) has its own
# auth schema and authenticator
shim=(--shim)
[[ "${FFX_PG_SHAPE:-plain}" == supabase ]] && shim=()
"$root/scripts/migrate" "${shim[@]}" "$url" >"$work/migrate.out" 2>&1 || { cat "$work/migrate.out"; fail "migrate"; }
psql_as "$url" -f "$here/fixture.sql" >/dev/null

password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
psql_as "$url" -c "alter role authenticator password '$password'"
auth_url="$(url_as "$url" authenticator "$password")"
[[ "$(psql_as "$auth_url" -At -c 'select current_user')" == authenticator ]] || fail "cannot log in as authenticator"

alice=a0000000-0000-4000-8000-00000000000a
admin=ad000000-0000-4000-8000-0000000000ad
roles=(anon authenticated admin service_role)
declare -A role_of=([anon]=anon [authenticated]=authenticated [admin]=authenticated [service_role]=service_role)
declare -A sub_of=([anon]= [authenticated]=$alice [admin]=$admin [service_role]=)
declare -A claims_of=(
  [anon]='{"role":"anon"}'
  [authenticated]='{"sub":"'$alice'","role":"authenticated","aud":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}'
  [admin]='{"sub":"'$admin'","role":"authenticated","aud":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}'
  [service_role]='{"role":"service_role"}'
)

# What the table owner sees: every readable relation's rows, and the customer's and the admin's
# own (user_id, or the profile's id).
psql_as "$url" -At -v alice="$alice" -v admin="$admin" >"$work/totals" <<'SQL'
select pg_catalog.format('select ''public.%s|'' || count(*) || ''|'' || %s from public.%I', c.relname,
         coalesce((select pg_catalog.format('count(*) filter (where %I = %L) || ''|'' || count(*) filter (where %I = %L)',
                                            a.attname, :'alice', a.attname, :'admin')
                     from pg_catalog.pg_attribute a
                    where a.attrelid = c.oid and not a.attisdropped
                      and a.attname = case when c.oid = 'public.user_profiles'::regclass then 'id' else 'user_id' end),
                  '''-|-'''),
         c.relname)
  from pg_catalog.pg_class c
 where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
 order by 1
\gexec
SQL

for r in "${roles[@]}"; do
  psql_as "$auth_url" -At -v role="${role_of[$r]}" -v claims="${claims_of[$r]}" -v surface="$here/surface.sql" \
    >"$work/$r" <<'SQL'
begin;
select set_config('role', :'role', true), set_config('request.jwt.claims', :'claims', true) \g /dev/null
\i :surface
select pg_catalog.format('select ''rows|%s.%s|'' || count(*) from %I.%I', n.nspname, c.relname,
                         n.nspname, c.relname)
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where n.nspname in ('public', 'graphql_public') and has_schema_privilege(n.oid, 'USAGE')
   and c.relkind in ('r', 'p', 'v', 'm', 'f') and has_any_column_privilege(c.oid, 'select')
 order by 1
\gexec
rollback;
SQL
  echo "# $r: $(grep -c '^table|' "$work/$r") tables and views, $(grep -c '^function|' "$work/$r") functions, rows of $(grep -c '^rows|' "$work/$r")"
done

# The two markdown tables, as measured. Cells: privileges (or —); rows: all, own, none, "N of M",
# empty (the fixture left it empty: a gap in the fixture, not a rule).
measured() {
  local kind="$1" r
  for r in "${roles[@]}"; do
    awk -F'|' -v role="$r" -v sub_id="${sub_of[$r]}" -v alice="$alice" -v kind="$kind" '
      FILENAME == ARGV[1] { total[$1] = $2; own[$1, alice] = $3; own[$1, "admin"] = $4; next }
      kind == "surface" && ($1 == "table" || $1 == "function") { print $2 "|" role "|" $3 }
      kind == "rows" && $1 == "rows" {
        t = total[$2]; v = $3; o = (sub_id == alice) ? own[$2, alice] : own[$2, "admin"]
        if (t == 0) c = "empty"
        else if (v == t) c = "all"
        else if (v == 0) c = "none"
        else if (sub_id != "" && o != "-" && v == o) c = "own"
        else c = v " of " t
        print $2 "|" role "|" c
      }' "$work/totals" "$work/$r"
  done | awk -F'|' -v roles="${roles[*]}" '
    { cell[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    END {
      nr = split(roles, rl, " ")
      for (i = 1; i <= n; i++) {
        line = "| `" order[i] "` |"
        for (j = 1; j <= nr; j++) line = line " " (((order[i], rl[j]) in cell) ? cell[order[i], rl[j]] : "—") " |"
        print line
      }
    }' | sort
}

documented() {
  local marker="$1"
  awk -v begin="<!-- data-api:$marker -->" -v end="<!-- /data-api:$marker -->" '
    $0 == begin { on = 1; next } $0 == end { on = 0 } on && /^\| `/' "$doc" | sort
}

normalise() { sed -e 's/`//g' -e 's/[[:space:]]*|[[:space:]]*/|/g' -e 's/[[:space:]][[:space:]]*/ /g'; }

status=0
for kind in surface rows; do
  measured "$kind" >"$work/measured-$kind"
  if [[ "$mode" == --print ]]; then
    echo "<!-- data-api:$kind -->"
    echo "| object | anon | authenticated | admin | service_role |"
    echo "| --- | --- | --- | --- | --- |"
    cat "$work/measured-$kind"
    echo "<!-- /data-api:$kind -->"
    continue
  fi
  documented "$kind" >"$work/documented-$kind"
  [[ -s "$work/documented-$kind" ]] || fail "docs/DATA_API.md has no <!-- data-api:$kind --> table"
  if ! diff -u --label "docs/DATA_API.md ($kind)" --label "measured ($kind)" \
    <(normalise <"$work/documented-$kind") <(normalise <"$work/measured-$kind"); then
    echo "data_api.sh: the Data API's $kind differs from docs/DATA_API.md (- documented, + measured)" >&2
    status=1
  else
    echo "ok: $kind: $(wc -l <"$work/measured-$kind") objects as documented"
  fi
done
((status == 0)) || fail "the Data API differs from docs/DATA_API.md; tests/db/data_api.sh URL --print prints what it measured"
