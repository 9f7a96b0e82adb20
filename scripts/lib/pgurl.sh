# scripts/lib/pgurl.sh - sourced by the scripts and tests that make scratch databases.

# url_with_db URL NAME - the same server, another database: swap the path of a postgres:// URL,
# or append dbname= to a key=value connection string (a later keyword wins in libpq).
url_with_db() {
  local url="$1" name="$2"
  if [[ "$url" =~ ^(postgres(ql)?://[^/?#]*)(/[^?#]*)?(\?[^#]*)?$ ]]; then
    printf '%s/%s%s' "${BASH_REMATCH[1]}" "$name" "${BASH_REMATCH[4]}"
  else
    printf '%s dbname=%s' "$url" "$name"
  fi
}
