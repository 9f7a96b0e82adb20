#!/usr/bin/env bash
# tests/adoption/original/build.sh ADMIN_DATABASE_URL DATABASE_NAME
#
# Makes DATABASE_NAME afresh (dropped first) on the server of ADMIN_DATABASE_URL (a superuser's
# connection, e.g. the test stack's postgres database) holding the ORIGINAL FlashFundX system and
# its shop, as a running Supabase project of the original would: sql/shim (plain PostgreSQL's
# stand-in for Supabase's auth schema and roles), the Supabase Auth columns the shim leaves out
# (supabase_auth.sql), the original schema (schema.sql) and the shop (shop.sql), in ONE
# transaction. Prints the database's URL on stdout. Deterministic: two builds hold the same rows.
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 ADMIN_DATABASE_URL DATABASE_NAME" >&2
    exit 2
fi
admin_url=$1
db=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
[[ "$db" =~ ^[a-z_][a-z0-9_]*$ ]] || {
    echo "build.sh: DATABASE_NAME must be a plain lower-case identifier" >&2
    exit 2
}
. "$root/scripts/lib/pgurl.sh"
url=$(url_with_db "$admin_url" "$db")
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

psql -X -q -v ON_ERROR_STOP=1 -d "$admin_url" \
    -c "drop database if exists $db with (force)" -c "create database $db" >/dev/null
# A Supabase-shaped database (FFX_PG_SHAPE=supabase) has Supabase's own auth schema and roles.
auth=(-f "$root/sql/shim/0000_supabase_shim.sql" -f "$here/supabase_auth.sql")
[ "${FFX_PG_SHAPE:-plain}" = supabase ] && auth=()
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$url" "${auth[@]}" \
    -f "$here/schema.sql" \
    -f "$here/shop.sql" >/dev/null
printf '%s\n' "$url"
