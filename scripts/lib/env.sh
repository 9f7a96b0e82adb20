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
FFX_PG_BIN=${FFX_PG_BIN:-/usr/lib/postgresql/15/bin}

# Public development secrets: production refuses to start with them.
SUPABASE_JWT_SECRET=${SUPABASE_JWT_SECRET:-super-secret-jwt-token-with-at-least-32-characters-long}
NOWPAYMENTS_API_KEY=${NOWPAYMENTS_API_KEY:-sim-api-key}
NOWPAYMENTS_IPN_SECRET=${NOWPAYMENTS_IPN_SECRET:-sim-ipn-secret}

# The metrics endpoint's scrape token (functions/metrics); production refuses this value.
FFX_METRICS_TOKEN=${FFX_METRICS_TOKEN:-ffx-dev-metrics-token-not-for-production}

# Well-known `supabase start` opaque secret key, accepted as service_role in dev.
FFX_SECRET_KEYS=${FFX_SECRET_KEYS:-sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz}

# Migrations, tests and ffx-admin connect as the superuser; the functions as
# ffx_functions, which can do nothing until a request sets its role.
DATABASE_URL=${DATABASE_URL:-postgresql://postgres:postgres@127.0.0.1:$FFX_DB_PORT/postgres}
FFX_FUNCTIONS_DATABASE_URL=${FFX_FUNCTIONS_DATABASE_URL:-postgresql://ffx_functions:ffx_functions@127.0.0.1:$FFX_DB_PORT/postgres}
# The same role through PgBouncer (transaction pooling); with FFX_PGBOUNCER=1 the
# functions use it, while ffx-mailer (LISTEN) and ffx-reconcile stay direct.
FFX_PGBOUNCER_DATABASE_URL=${FFX_PGBOUNCER_DATABASE_URL:-postgresql://ffx_functions:ffx_functions@127.0.0.1:$FFX_PGBOUNCER_PORT/postgres}
FFX_API_URL=${FFX_API_URL:-http://127.0.0.1:$FFX_API_PORT}

export FFX_ROOT FFX_STATE_DIR FFX_BUILD_DIR FFX_API_PORT FFX_DB_PORT FFX_SIM_PORT \
    FFX_MAIL_PORT FFX_MAIL_WEB_PORT FFX_PGBOUNCER_PORT FFX_PGBOUNCER FFX_SANITIZE FFX_PG_BIN \
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
