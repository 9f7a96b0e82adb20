#!/usr/bin/env bash
# Rebuild the frozen databases that tests/db/upgrade.sh upgrades. Needs the git history (the
# fixtures themselves do not: that is why they are committed).
#
#   tests/db/upgrade/make-fixtures.sh ADMIN_DATABASE_URL
#
#   released-0014.pgdump  the released layout: migrations 0001_schema .. 0014_fast_paths of
#                         commit 41c7893 (the last release), with tests/db/upgrade/fixture-data.sql
#   dev-0017.pgdump       a developer's database of the unreleased issue 13: the same database
#                         migrated further by 0015 .. 0017 of commit 5389ca4, with
#                         tests/db/upgrade/fixture-data-0017.sql for the tables they added
#
# Both are pg_dump custom-format archives, gzipped (the archive compresses only the table data;
# the schema part is most of it), restored with pg_restore --no-owner.
set -euo pipefail

(($# == 1)) || { echo "usage: $0 ADMIN_DATABASE_URL" >&2; exit 2; }
admin_url="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
export LC_ALL=C
psql_bin="${PSQL:-psql}"
pg_dump_bin="${PG_DUMP:-pg_dump}"
released=41c7893
issue13=5389ca4

. "$root/scripts/lib/pgurl.sh"
admin() {
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
    "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$admin_url" "$@"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for commit in "$released" "$issue13"; do
  mkdir -p "$work/$commit"
  git -C "$root" archive "$commit" sql scripts/migrate | tar -x -C "$work/$commit"
done

db=ffx_fixture
url="$(url_with_db "$admin_url" "$db")"
admin -c "drop database if exists $db with (force)" -c "create database $db"

"$work/$released/scripts/migrate" --shim "$url"
PGOPTIONS="-c client_min_messages=warning" "$psql_bin" -X -q -v ON_ERROR_STOP=1 -o /dev/null \
  -d "$url" -f "$here/fixture-data.sql"
"$pg_dump_bin" --format=custom --compress=0 -d "$url" | gzip -9 -n >"$here/released-0014.pgdump.gz"
echo "wrote released-0014.pgdump.gz ($(wc -c <"$here/released-0014.pgdump.gz") bytes)"

"$work/$issue13/scripts/migrate" --shim "$url"
PGOPTIONS="-c client_min_messages=warning" "$psql_bin" -X -q -v ON_ERROR_STOP=1 -o /dev/null \
  -d "$url" -f "$here/fixture-data-0017.sql"
"$pg_dump_bin" --format=custom --compress=0 -d "$url" | gzip -9 -n >"$here/dev-0017.pgdump.gz"
echo "wrote dev-0017.pgdump.gz ($(wc -c <"$here/dev-0017.pgdump.gz") bytes)"

admin -c "drop database if exists $db with (force)"
