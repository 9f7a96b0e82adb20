#!/usr/bin/env bash
# tests/memory/run.sh - memory checks of the eight functions (CTest label memory).
#
#   run.sh [BUILD_DIR]
#
# 1. valgrind memcheck: each function runs in one process (FFX_WORKERS=0, the
#    worker in-process) under valgrind with the environment scripts/stack gives
#    the functions, takes FFX_MEMCHECK_REQUESTS (1000) mixed good and bad
#    requests over FastCGI (tests/memory/drive.mjs), then gets SIGTERM and must
#    exit 0: valgrind exits 99 on any memory error and on any definitely or
#    indirectly lost block.
# 2. RSS growth: check-payment-status runs normally (FFX_WORKERS=1); the
#    worker's VmRSS is read after FFX_RSS_WARMUP (2000) requests and again
#    after FFX_RSS_REQUESTS (100000) more; growth over 1 MiB fails (10 bytes
#    lost per request would be ~1 MB).
#
# Runs against scripts/test's stack (PostgreSQL, the NOWPayments simulator and
# nginx, whose addresses scripts/test exports); without a reachable database it
# skips (exit 77). An ASan build cannot run under valgrind and skips too (the
# sanitizer run already checks leaks). Function logs and valgrind reports stay
# in a temporary folder, kept on failure or with KEEP_TMP=1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-${FFX_BUILD_DIR:-$ROOT/build}}" && pwd)
# shellcheck source=scripts/lib/env.sh
. "$ROOT/scripts/lib/env.sh"
export FFX_BUILD_DIR=$BUILD

FUNCTIONS=(webhook-debug check-payment-status create-order create-crypto-payment payment-webhook test-delivery
    metrics admin)
REQUESTS=${FFX_MEMCHECK_REQUESTS:-1000}
RSS_FUNCTION=${FFX_RSS_FUNCTION:-check-payment-status}
RSS_WARMUP=${FFX_RSS_WARMUP:-2000}
RSS_REQUESTS=${FFX_RSS_REQUESTS:-100000}
RSS_LIMIT_KIB=1024
SUPP=$ROOT/tests/memory/valgrind.supp

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ffx-memory.XXXXXX")
PIDS=()
FAILED=0
cleanup() {
    local rc=$? p
    set +e
    for p in "${PIDS[@]}"; do # still running: stop() takes the others off the list
        kill -KILL "$p" 2>/dev/null
    done
    if [ -n "${KEEP_TMP:-}" ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; }; then
        echo "logs and valgrind reports kept in $TMP"
    else
        rm -rf "$TMP"
    fi
    exit $rc
}
trap cleanup EXIT

skip() {
    echo "skip: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    FAILED=$((FAILED + 1))
}

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
[ -x "$BUILD/bin/webhook-debug" ] || { echo "$BUILD/bin has no functions; build first"; exit 1; }
grep -q __asan_init "$BUILD/bin/webhook-debug" && skip "ASan build: valgrind cannot run it (LeakSanitizer covers leaks there)"
psql -X -q -t -c 'select 1' "$FFX_FUNCTIONS_DATABASE_URL" >/dev/null 2>&1 || skip "no database at $FFX_FUNCTIONS_DATABASE_URL (run through scripts/test)"
curl -fsS "http://127.0.0.1:$FFX_SIM_PORT/v1/status" >/dev/null 2>&1 || skip "no NOWPayments simulator on port $FFX_SIM_PORT"

# What scripts/stack's write_env_file gives the functions, except that
# FFX_NP_TIMEOUT_MS is left at its default (10 s, not the stack's 3 s): libcurl
# under valgrind is many times slower. FFX_WORKERS comes with each start.
FN_ENV=(
    "PATH=$PATH"
    "DATABASE_URL=$FFX_FUNCTIONS_DATABASE_URL"
    "SUPABASE_JWT_SECRET=$SUPABASE_JWT_SECRET"
    "FFX_SECRET_KEYS=$FFX_SECRET_KEYS"
    "FFX_JWT_AUD=authenticated"
    "NOWPAYMENTS_API_KEY=$NOWPAYMENTS_API_KEY"
    "NOWPAYMENTS_IPN_SECRET=$NOWPAYMENTS_IPN_SECRET"
    "NOWPAYMENTS_BASE_URL=http://127.0.0.1:$FFX_SIM_PORT/v1"
    "FFX_PUBLIC_URL=$FFX_API_URL"
    "FRONTEND_URL=${FRONTEND_URL:-http://localhost:3000}"
    "FFX_ENABLE_WEBHOOK_DEBUG=1"
    "FFX_LOG_LEVEL=info"
    "FFX_METRICS_DIR=$TMP/metrics"
    "FFX_METRICS_TOKEN=$FFX_METRICS_TOKEN"
)
mkdir -p "$TMP/metrics"

# start NAME SOCKET LOG [WRAPPER...] -- start a function, wait for "worker ready"; sets STARTED.
start() {
    local name=$1 sock=$2 log=$3
    shift 3
    env -i "${FN_ENV[@]}" FFX_LISTEN="$sock" "${@}" "$BUILD/bin/$name" </dev/null >"$log" 2>&1 &
    STARTED=$!
    PIDS+=("$STARTED")
    for _ in $(seq 1200); do
        [ -S "$sock" ] && grep -q '"worker ready"' "$log" && return 0
        kill -0 "$STARTED" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$log"
    return 1
}

# stop PID -- SIGTERM and wait up to 120 s; sets STATUS (its exit status, 124 if it hung).
stop() {
    local pid=$1 hung=1
    kill -TERM "$pid"
    for _ in $(seq 1200); do
        kill -0 "$pid" 2>/dev/null || { hung=0; break; }
        sleep 0.1
    done
    [ "$hung" -eq 0 ] || kill -KILL "$pid"
    STATUS=0
    wait "$pid" || STATUS=$?
    [ "$hung" -eq 0 ] || STATUS=124
    local left=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || left+=("$p"); done
    PIDS=("${left[@]}")
}

# ---- 1. valgrind memcheck ----

# shellcheck disable=SC2054 # the commas belong to valgrind's option values
VG=(valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-fds=no --num-callers=30)
[ -f "$SUPP" ] && VG+=(--suppressions="$SUPP")
echo "# $(valgrind --version), $REQUESTS requests per function"
t0=$SECONDS
for fn in "${FUNCTIONS[@]}"; do
    t1=$SECONDS
    sock=$TMP/$fn.sock
    if ! start "$fn" "$sock" "$TMP/$fn.log" FFX_WORKERS=0 "${VG[@]}" --log-file="$TMP/$fn.valgrind"; then
        fail "$fn did not start under valgrind"
        continue
    fi
    pid=$STARTED
    drive_rc=0
    summary=$(node "$ROOT/tests/memory/drive.mjs" "$fn" "$sock" "$REQUESTS" 4 2>"$TMP/$fn.drive.err") || drive_rc=$?
    stop "$pid"
    errors=$(grep -h 'ERROR SUMMARY' "$TMP/$fn.valgrind" | sed 's/^==[0-9]*== //' | tail -1)
    lost=$(grep -h -E 'definitely lost|indirectly lost|All heap blocks were freed' "$TMP/$fn.valgrind" |
        sed 's/^==[0-9]*== *//' | paste -sd ';' -)
    echo "== $fn: $((SECONDS - t1)) s, valgrind exit $STATUS"
    echo "   driver: $summary"
    echo "   $errors"
    echo "   ${lost:-definitely lost: 0 bytes (no leak summary)}"
    if [ "$drive_rc" -ne 0 ]; then
        sed 's/^/   /' "$TMP/$fn.drive.err" | head -20
        fail "$fn: unexpected answers (driver exit $drive_rc)"
    fi
    if [ "$STATUS" -ne 0 ]; then
        grep -v -E '^==[0-9]+== (Memcheck|Copyright|Using Valgrind|Command|Parent PID)' "$TMP/$fn.valgrind" | head -150
        fail "$fn: valgrind exit status $STATUS (99: memory errors or definite/indirect leaks)"
    fi
done
echo "# valgrind part: $((SECONDS - t0)) s"

# ---- 2. RSS growth of one worker ----

t0=$SECONDS
sock=$TMP/rss-$RSS_FUNCTION.sock
if start "$RSS_FUNCTION" "$sock" "$TMP/rss-$RSS_FUNCTION.log" FFX_WORKERS=1; then
    master=$STARTED
    worker=$(pgrep -P "$master" | head -1)
    rss_rc=0
    summary=$(node "$ROOT/tests/memory/drive.mjs" --rss "$RSS_FUNCTION" "$sock" "$worker" "$RSS_WARMUP" "$RSS_REQUESTS" 16 \
        2>"$TMP/rss.drive.err") || rss_rc=$?
    [ "$(pgrep -P "$master" | head -1)" = "$worker" ] || fail "$RSS_FUNCTION: the worker was replaced during the run"
    stop "$master"
    echo "== RSS $RSS_FUNCTION (worker $worker): $((SECONDS - t0)) s"
    echo "   driver: $summary"
    if [ "$rss_rc" -ne 0 ]; then
        sed 's/^/   /' "$TMP/rss.drive.err" | head -20
        fail "$RSS_FUNCTION: unexpected answers during the RSS run"
    fi
    warm=$(sed -n 's/.*"rss_after_warmup_kib":\([0-9]*\).*/\1/p' <<<"$summary")
    end=$(sed -n 's/.*"rss_after_run_kib":\([0-9]*\).*/\1/p' <<<"$summary")
    if [ -z "$warm" ] || [ -z "$end" ]; then
        fail "$RSS_FUNCTION: no RSS numbers"
    else
        echo "   VmRSS after $RSS_WARMUP warm-up requests: $warm KiB; after $RSS_REQUESTS more: $end KiB; growth $((end - warm)) KiB (limit $RSS_LIMIT_KIB)"
        [ $((end - warm)) -le $RSS_LIMIT_KIB ] || fail "$RSS_FUNCTION: RSS grew by $((end - warm)) KiB over $RSS_REQUESTS requests"
    fi
    [ "$STATUS" -eq 0 ] || fail "$RSS_FUNCTION: exit status $STATUS after SIGTERM"
else
    fail "$RSS_FUNCTION did not start"
fi

[ "$FAILED" -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
echo "all memory checks passed"
