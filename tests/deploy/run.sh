#!/usr/bin/env bash
# tests/deploy/run.sh - the deployment tests (CTest label deploy).
#
#   run.sh units  BUILD_DIR   systemd-analyze verify + security on every unit in
#                             deploy/systemd (templates instantiated), and broken
#                             copies must fail
#   run.sh env    BUILD_DIR   deploy/env/*.example name every configuration key
#                             the C sources read (cfg tables)
#   run.sh socket BUILD_DIR   webhook-debug started as systemd starts it (listening
#                             socket on fd 0, systemd-socket-activate), one
#                             FastCGI request with cgi-fcgi, SIGTERM -> exit 0
#   run.sh nginx  BUILD_DIR   the production site rendered for every combination of
#                             debug/allow-list/proxy and checked with nginx -t, then
#                             one live nginx over TLS in front of a socket-activated
#                             function
#
# Needs: systemd (systemd-analyze, systemd-socket-activate), libfcgi-bin
# (cgi-fcgi), nginx, openssl, curl, node, psql. socket and the live part of
# nginx need FFX_FUNCTIONS_DATABASE_URL (scripts/test sets it; DATABASE_URL,
# the superuser, is used to look at the stored row); without it they skip
# (exit 77). Everything lives in a temporary folder; nothing is installed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODE=${1:?usage: run.sh units|env|socket|nginx BUILD_DIR}
BUILD=$(cd "${2:?usage: run.sh units|env|socket|nginx BUILD_DIR}" && pwd)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ffx-deploy-test.XXXXXX")
PIDS=()
FAILED=0
cleanup() {
    local rc=$? p
    set +e
    for p in "${PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    # (nginx -t leaves an empty pid file behind)
    [ -s "$TMP/nginx.pid" ] && kill -QUIT "$(cat "$TMP/nginx.pid")" 2>/dev/null
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
    exit $rc
}
trap cleanup EXIT

ok() { printf 'ok - %s\n' "$*"; }
not_ok() {
    printf 'not ok - %s\n' "$*"
    FAILED=$((FAILED + 1))
}
# check DESCRIPTION CMD... - ok when CMD succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null || {
            echo "missing $c (scripts/stack packages installs it)" >&2
            exit 1
        }
    done
}
skip_without_db() {
    if [ -z "${FFX_FUNCTIONS_DATABASE_URL:-}" ]; then
        echo "skipped: FFX_FUNCTIONS_DATABASE_URL is not set (scripts/test sets it)"
        exit 77
    fi
}
finish() {
    if [ "$FAILED" -gt 0 ]; then
        echo "$FAILED check(s) failed"
        exit 1
    fi
    echo "all checks passed"
}

functions() {
    local d
    for d in "$ROOT"/functions/*/main.c; do basename "$(dirname "$d")"; done
}

# start_function NAME SOCKET LOG [VAR=VALUE...] - start build/bin/NAME the way
# ffx-function@NAME.service starts it: systemd-socket-activate owns the
# listening socket and hands it over as fd 0 (--inetd; systemd's
# StandardInput=socket), with a clean environment holding only the given
# variables (systemd's EnvironmentFile=), stdout to the log (StandardOutput=
# journal). Like systemd without Accept=, it execs the function on the first
# connection and stays out of the way: the PID is the function's master.
start_function() {
    local name=$1 sock=$2 log=$3 envs=() v
    shift 3
    for v in "$@"; do envs+=(-E "$v"); done
    # shellcheck disable=SC2016 # $0 is for the inner sh
    systemd-socket-activate --inetd -l "$sock" "${envs[@]}" \
        /bin/sh -c 'exec "$0" >&2' "$BUILD/bin/$name" 2>"$log" &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    for _ in $(seq 100); do
        [ -S "$sock" ] && return 0
        sleep 0.05
    done
    cat "$log" >&2
    return 1
}

# stop_function PID - SIGTERM, as systemctl stop does; the exit status in STOP_RC.
stop_function() {
    local pid=$1 p rest=()
    STOP_RC=0
    kill -TERM "$pid"
    wait "$pid" || STOP_RC=$?
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || rest+=("$p"); done
    PIDS=("${rest[@]}")
}

# ---------------------------------------------------------------- units ----

# verify_clean UNIT... - systemd-analyze verify passes AND says nothing: it
# exits 0 on most mistakes ("Unknown key ..., ignoring"), so any output fails.
verify_clean() {
    local out rc=0
    out=$(cd "$(dirname "$1")" && systemd-analyze verify --man=no --recursive-errors=no "$@" 2>&1) || rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
        printf '%s\n' "$out" | sed 's/^/    # /'
        return 1
    fi
}

# exposure_ok SERVICE - systemd-analyze security rates it 2.0 or better
# ("OK"; 0 is a sandbox, 10 an unprotected root service).
exposure_ok() {
    systemd-analyze security --offline=yes --threshold=20 --man=no "$1" >/dev/null 2>&1
}

# instantiate DIR - copy the units into DIR with the template instantiated
# for every function, and ExecStart pointed at the built binary (or, for one
# not built, at true, so that verify still checks everything else).
instantiate() {
    local dir=$1 f n exe
    mkdir -p "$dir"
    for f in "$ROOT"/deploy/systemd/*; do
        case $(basename "$f") in
        *@.*) ;;
        *) cp "$f" "$dir/" ;;
        esac
    done
    for n in $(functions); do
        cp "$ROOT/deploy/systemd/ffx-function@.socket" "$dir/ffx-function@$n.socket"
        cp "$ROOT/deploy/systemd/ffx-function@.service" "$dir/ffx-function@$n.service"
    done
    for f in "$dir"/*.service; do
        exe=$(sed -n 's|^ExecStart=/opt/flashfundx/bin/||p' "$f")
        exe=${exe//%i/$(basename "$f" .service | sed 's/^ffx-function@//')}
        if [ -x "$BUILD/bin/$exe" ]; then
            sed -i "s|^ExecStart=/opt/flashfundx/bin/.*|ExecStart=$BUILD/bin/$exe|" "$f"
        else
            echo "# $exe is not built: $(basename "$f") verified with ExecStart=$(command -v true)"
            sed -i "s|^ExecStart=/opt/flashfundx/bin/.*|ExecStart=$(command -v true)|" "$f"
        fi
    done
}

test_units() {
    need systemd-analyze
    local u="$TMP/units" f svc
    instantiate "$u"
    for f in "$u"/*; do
        check "systemd-analyze verify $(basename "$f")" verify_clean "$f"
    done
    for svc in "$u"/*.service; do
        check "systemd-analyze security $(basename "$svc"): exposure <= 2.0" exposure_ok "$svc"
    done

    # The properties the deployment relies on.
    local sock=$ROOT/deploy/systemd/ffx-function@.socket srv=$ROOT/deploy/systemd/ffx-function@.service
    local d before=$FAILED
    for d in 'ListenStream=/run/flashfundx/%i.sock' 'Accept=no' 'SocketGroup=www-data' 'SocketMode=0660'; do
        grep -qx -- "$d" "$sock" || not_ok "socket unit lacks $d"
    done
    for d in 'StandardInput=socket' 'StandardOutput=journal' 'ExecStart=/opt/flashfundx/bin/%i' \
        'EnvironmentFile=/etc/flashfundx/common.env' 'EnvironmentFile=-/etc/flashfundx/%i.env' \
        'KillSignal=SIGTERM' 'TimeoutStopSec=35' 'User=flashfundx' 'CapabilityBoundingSet=' \
        'SystemCallFilter=@system-service' 'MemoryDenyWriteExecute=yes' 'ProtectSystem=strict' \
        'RuntimeDirectory=flashfundx-metrics' 'RuntimeDirectoryPreserve=yes'; do
        grep -qx -- "$d" "$srv" || not_ok "function service lacks $d"
    done
    [ "$FAILED" = "$before" ] && ok "function units carry the settings the deployment relies on"
    local grace
    grace=$(sed -n 's/^FFX_SHUTDOWN_GRACE_MS=//p' "$ROOT/deploy/env/common.env.example")
    check "TimeoutStopSec (35 s) exceeds FFX_SHUTDOWN_GRACE_MS ($grace ms)" test "$grace" -lt 35000

    # Negative controls: the same checks must reject broken copies.
    local b="$TMP/broken" name edit
    while IFS='|' read -r name edit; do
        rm -rf "$b" && instantiate "$b" >/dev/null
        sed -i -e "$edit" "$b/ffx-function@webhook-debug.service" "$b/ffx-function@webhook-debug.socket"
        if verify_clean "$b/ffx-function@webhook-debug.socket" "$b/ffx-function@webhook-debug.service" \
            >/dev/null 2>&1; then
            not_ok "a broken unit ($name) passes verification"
        else
            ok "a broken unit ($name) is rejected"
        fi
    done <<'EOF'
misspelt key|s/^NoNewPrivileges=yes/NoNewPrivilege=yes/
bad value|s/^ProtectSystem=strict/ProtectSystem=stricter/
bad signal|s/^KillSignal=SIGTERM/KillSignal=SIGTERMINATE/
missing binary|s|^ExecStart=.*|ExecStart=/nonexistent/bin/webhook-debug|
bad socket mode|s/^SocketMode=0660/SocketMode=0999/
no [Service] section|s/^\[Service\]/[Servce]/
EOF
    rm -rf "$b" && instantiate "$b" >/dev/null
    sed -i -e '/^NoNewPrivileges=/d' -e '/^ProtectSystem=/d' -e '/^SystemCallFilter=/d' \
        -e '/^CapabilityBoundingSet=/d' -e '/^PrivateDevices=/d' -e '/^RestrictNamespaces=/d' \
        "$b/ffx-function@webhook-debug.service"
    if exposure_ok "$b/ffx-function@webhook-debug.service"; then
        not_ok "a unit without its hardening passes the exposure threshold"
    else
        ok "a unit without its hardening fails the exposure threshold"
    fi
    finish
}

# ------------------------------------------------------------------ env ----

test_env() {
    local keys k missing=0
    keys=$(grep -ho '{"[A-Z][A-Z0-9_]*", CFG_' "$ROOT"/common/*.c "$ROOT"/functions/*/main.c \
        "$ROOT"/tools/*/main.c "$ROOT"/tools/*/*.c 2>/dev/null | sed 's/{"\([A-Z0-9_]*\)".*/\1/' | sort -u)
    [ -n "$keys" ] || { not_ok "no configuration keys found in the sources"; finish; }
    for k in $keys; do
        grep -qw -- "$k" "$ROOT"/deploy/env/*.example || {
            not_ok "$k (read by the code) is in no deploy/env/*.example"
            missing=1
        }
    done
    [ $missing -eq 0 ] && ok "deploy/env/*.example name all $(wc -w <<<"$keys") configuration keys"
    check "common.env.example says FFX_ENV=production" grep -qx 'FFX_ENV=production' \
        "$ROOT/deploy/env/common.env.example"
    check "common.env.example's FFX_METRICS_DIR is the function units' RuntimeDirectory" bash -c \
        "grep -qx 'FFX_METRICS_DIR=/run/flashfundx-metrics' '$ROOT/deploy/env/common.env.example' &&
         grep -qx 'RuntimeDirectory=flashfundx-metrics' '$ROOT/deploy/systemd/ffx-function@.service'"
    check "no FFX_LISTEN is set in an example (the socket comes on fd 0)" \
        bash -c "! grep -q '^FFX_LISTEN=' '$ROOT'/deploy/env/*.example"
    finish
}

# --------------------------------------------------------------- socket ----

fcgi_request() { # SOCKET METHOD QUERY BODY - one request with cgi-fcgi, raw answer on stdout
    local sock=$1 method=$2 query=$3 body=$4
    printf '%s' "$body" | env -i PATH="$PATH" REQUEST_METHOD="$method" QUERY_STRING="$query" \
        CONTENT_TYPE=application/json CONTENT_LENGTH="${#body}" SERVER_PROTOCOL=HTTP/1.1 \
        DOCUMENT_URI=/functions/v1/webhook-debug REQUEST_URI="/functions/v1/webhook-debug?$query" \
        REMOTE_ADDR=192.0.2.10 REQUEST_ID=deploytest0001 HTTP_USER_AGENT=ffx-deploy-test \
        cgi-fcgi -bind -connect "$sock"
}

test_socket() {
    need systemd-socket-activate cgi-fcgi psql
    skip_without_db
    local sock="$TMP/fn.sock" log="$TMP/webhook-debug.log" marker out pid
    marker=deploy-$$-$RANDOM
    start_function webhook-debug "$sock" "$log" FFX_ENV=production FFX_ENABLE_WEBHOOK_DEBUG=1 \
        FFX_WORKERS=1 "DATABASE_URL=$FFX_FUNCTIONS_DATABASE_URL" FFX_LOG_LEVEL=info
    pid=$LAST_PID
    ok "systemd-socket-activate listens on $sock"

    out=$(fcgi_request "$sock" POST "deploy_test=$marker" '{"test":"deploy"}')
    printf '%s\n' "$out" | sed 's/^/    # /'
    check "200 from webhook-debug over the inherited socket" grep -q '^Status: 200' <<<"$out"
    check "JSON body with success true" grep -q '^{"success":true,"message":"Webhook debug received"' <<<"$out"
    check "Content-Type application/json" grep -qi '^Content-Type: application/json' <<<"$out"
    check "the request id travels through" grep -qi '^X-Request-Id: deploytest0001' <<<"$out"
    if [ -n "${DATABASE_URL:-}" ]; then
        check "the request is stored (through the functions' login role)" test "$(psql -X -A -t -q \
            -d "$DATABASE_URL" -c "select count(*) from public.webhook_debug_log where query = 'deploy_test=$marker'")" = 1
    fi
    out=$(fcgi_request "$sock" GET "" "")
    check "a second request (same worker, same socket) answers 405" grep -q '^Status: 405' <<<"$out"

    check "the master is the process systemd started (no wrapper left)" \
        grep -q "\"pid\":$pid,.*\"msg\":\"started with 1 workers\"" "$log"
    check "it listened on fd 0 (FFX_LISTEN unset)" grep -q '"FFX_LISTEN":null' "$log"
    check "production configuration accepted" grep -q '"FFX_ENV":"production"' "$log"
    stop_function "$pid"
    check "SIGTERM: exit status 0 (got $STOP_RC)" test "$STOP_RC" = 0
    check "SIGTERM: workers stopped, master logged stopped" grep -q '"msg":"stopped"' "$log"
    check "the socket belongs to systemd: the function did not unlink it" test -S "$sock"
    check "no error lines in the log" bash -c "! grep -q '\"level\":\"error\"' '$log'"
    finish
}

# ---------------------------------------------------------------- nginx ----

SERVER=api.ffx.test

# render OUT VAR=VALUE... - scripts/render-nginx with the test's paths.
render() {
    local out=$1
    shift
    env SERVER_NAME=$SERVER TLS_CERT="$TMP/tls/cert.pem" TLS_KEY="$TMP/tls/key.pem" \
        LOG_DIR="$TMP/logs" NGINX_DIR="$ROOT/nginx" RUN_DIR="$TMP/run" ACME_ROOT="$TMP/acme" \
        "$@" "$ROOT/scripts/render-nginx" >"$out"
}

# main_conf SITE OUT [USER_LINE] - a minimal nginx.conf that includes SITE, all
# paths in the temporary folder.
main_conf() {
    cat >"$2" <<EOF
${3:-}
pid $TMP/nginx.pid;
error_log $TMP/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    client_body_temp_path $TMP/ngx/body;
    fastcgi_temp_path $TMP/ngx/fastcgi;
    proxy_temp_path $TMP/ngx/proxy;
    uwsgi_temp_path $TMP/ngx/uwsgi;
    scgi_temp_path $TMP/ngx/scgi;
    access_log $TMP/logs/default-access.log;
    include $1;
}
EOF
}

nginx_t() { nginx -q -t -e "$TMP/logs/nginx-error.log" -c "$1" 2>&1; }

# assert_site FILE DEBUG ALLOW PROXY - what must and must not be in it.
assert_site() {
    local f=$1 debug=$2 allow=$3 proxy=$4 n where="$2/$3/$4"
    if [ "$debug" = on ]; then
        check "[$where] webhook-debug routed" grep -q 'location = /functions/v1/webhook-debug ' "$f"
    else
        check "[$where] webhook-debug location absent" bash -c \
            "! grep -q -e 'location = /functions/v1/webhook-debug' -e 'webhook-debug.sock' '$f'"
    fi
    if [ "$allow" = on ]; then
        check "[$where] NOWPayments allow-list in payment-webhook" bash -c "awk '/location = \\/functions\\/v1\\/payment-webhook/,/}/' '$f' |
            grep -c -e 'allow 51.89.194.21;' -e 'allow 51.75.77.69;' -e 'allow 138.201.172.58;' -e 'allow 65.21.158.36;' -e 'deny all;' | grep -qx 5"
    else
        check "[$where] no allow-list on payment-webhook" bash -c \
            "! awk '/location = \\/functions\\/v1\\/payment-webhook/,/}/' '$f' | grep -qE '^\s*(allow|deny) '"
    fi
    # metrics: this host always, the METRICS_ALLOW entries (rendered with the proxy), nobody else
    local metrics_want='allow 127.0.0.1;|allow ::1;|deny all;' metrics_got
    [ "$proxy" = on ] && metrics_want='allow 127.0.0.1;|allow ::1;|allow 192.0.2.5;|allow 198.51.100.0/24;|deny all;'
    metrics_got=$(awk '/location = \/functions\/v1\/metrics /,/}/' "$f" | grep -E '^\s*(allow|deny) ' |
        sed 's/^ *//' | paste -sd '|' -)
    check "[$where] metrics only from this host and METRICS_ALLOW ($metrics_got)" test "$metrics_got" = "$metrics_want"
    check "[$where] allow/deny only in the payment-webhook and metrics locations" bash -c \
        "! awk '/location = \\/functions\\/v1\\/(payment-webhook|metrics) /{skip=1} skip&&/}/{skip=0;next} !skip' '$f' |
         grep -qE '^\s*(allow|deny) '"
    if [ "$proxy" = on ]; then
        check "[$where] real client address from X-Forwarded-For" bash -c \
            "grep -q 'set_real_ip_from 10.0.0.0/8;' '$f' && grep -q 'set_real_ip_from 192.168.1.1;' '$f' && grep -q 'real_ip_recursive on;' '$f'"
    else
        check "[$where] no real_ip directives" bash -c "! grep -q 'real_ip' '$f'"
    fi
    for n in $(functions); do
        [ "$n" = webhook-debug ] && [ "$debug" = off ] && continue
        [ "$(grep -c "location = /functions/v1/$n {" "$f")" = 1 ] || not_ok "[$where] $n is not routed exactly once"
        grep -q "fastcgi_pass unix:$TMP/run/$n.sock;" "$f" || not_ok "[$where] $n does not go to its socket"
    done
    check "[$where] nothing left unrendered" bash -c "! grep -qE '@[A-Z0-9_]+@|#@' '$f'"
}

test_nginx() {
    need nginx openssl curl node
    mkdir -p "$TMP"/{tls,logs,run,acme,ngx}
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$SERVER" \
        -addext "subjectAltName=DNS:$SERVER" -keyout "$TMP/tls/key.pem" -out "$TMP/tls/cert.pem" 2>/dev/null
    ok "test certificate generated"

    # nginx -t binds the listening sockets: the real ports 80/443 as root,
    # free high ports otherwise; IPv6 only where the kernel has it.
    local debug allow proxy site conf out listen=()
    [ "$(id -u)" -eq 0 ] || listen+=(HTTP_PORT="$(free_port)" HTTPS_PORT="$(free_port)")
    [ -f /proc/net/if_inet6 ] || listen+=(IPV6=off)
    for debug in off on; do
        for allow in off on; do
            for proxy in off on; do
                site="$TMP/site-$debug-$allow-$proxy.conf"
                conf="$TMP/nginx-$debug-$allow-$proxy.conf"
                render "$site" "${listen[@]}" ENABLE_WEBHOOK_DEBUG=$debug IPN_ALLOWLIST=$allow \
                    TRUSTED_PROXY="$([ $proxy = on ] && echo '10.0.0.0/8, 192.168.1.1')" \
                    METRICS_ALLOW="$([ $proxy = on ] && echo '192.0.2.5, 198.51.100.0/24')"
                main_conf "$site" "$conf"
                if out=$(nginx_t "$conf"); then
                    ok "[$debug/$allow/$proxy] nginx -t"
                else
                    not_ok "[$debug/$allow/$proxy] nginx -t: $out"
                fi
                assert_site "$site" $debug $allow $proxy
            done
        done
    done

    # Inside Debian's own nginx.conf, where the site will really live.
    if [ -f /etc/nginx/nginx.conf ] && [ "$(id -u)" -eq 0 ]; then
        sed -e "s|^\s*pid .*|pid $TMP/nginx-debian.pid;|" \
            -e "s|^\s*error_log .*|error_log $TMP/logs/debian-error.log;|" \
            -e "s|^\s*access_log .*|access_log $TMP/logs/debian-access.log;|" \
            -e "s|^\s*include /etc/nginx/conf.d/\*.conf;||" \
            -e "s|^\s*include /etc/nginx/sites-enabled/\*;|include $TMP/site-on-on-on.conf;|" \
            /etc/nginx/nginx.conf >"$TMP/nginx-debian.conf"
        if out=$(nginx_t "$TMP/nginx-debian.conf"); then
            ok "nginx -t inside Debian's /etc/nginx/nginx.conf"
        else
            not_ok "nginx -t inside Debian's /etc/nginx/nginx.conf: $out"
        fi
    else
        echo "# not root or no /etc/nginx/nginx.conf: Debian nginx.conf check skipped"
    fi

    # Negative controls: bad input stops render-nginx; nginx -t really checks.
    local bad
    for bad in "SERVER_NAME=x;include /etc/passwd" "IPN_ALLOWLIST=maybe" "TRUSTED_PROXY=evil.example" \
        "METRICS_ALLOW=evil.example" "METRICS_ALLOW=10.0.0.1;deny" \
        "TLS_CERT=" "RATE_CREATE=1000" "RATE_STATUS=1r/h" "BURST_STATUS=-1" "RUN_DIR=/run/x;y"; do
        if render "$TMP/bad.conf" "$bad" 2>/dev/null; then
            not_ok "render-nginx accepted $bad"
        else
            ok "render-nginx refuses $bad"
        fi
    done
    render "$TMP/nocert.conf" "${listen[@]}" TLS_CERT="$TMP/tls/missing.pem"
    main_conf "$TMP/nocert.conf" "$TMP/nginx-nocert.conf"
    if nginx_t "$TMP/nginx-nocert.conf" >/dev/null; then
        not_ok "nginx -t passes with a missing certificate (the check would be worthless)"
    else
        ok "nginx -t fails with a missing certificate"
    fi

    test_nginx_live
    finish
}

free_port() {
    node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# curl_to URL [ARGS...] - "STATUS<TAB>BODY" through the live nginx, headers
# into $TMP/headers.
curl_to() {
    local url=$1
    shift
    rm -f "$TMP/body" "$TMP/headers"
    curl -sS --max-time 10 --cacert "$TMP/tls/cert.pem" --resolve "$SERVER:$HTTPS_PORT:127.0.0.1" \
        --resolve "$SERVER:$HTTP_PORT:127.0.0.1" -D "$TMP/headers" -o "$TMP/body" \
        -w '%{http_code}' "$@" "$url" || true
    printf '\t%s' "$(cat "$TMP/body" 2>/dev/null)"
}

# raw_tls REQUEST - the request written as it is over TLS to the live nginx; the answer's status
# line and body (no headers) on stdout, headers into $TMP/headers.
raw_tls() {
    local out
    out=$(printf '%b' "$1" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$HTTPS_PORT" \
        -servername "$SERVER" -CAfile "$TMP/tls/cert.pem" 2>/dev/null | tr -d '\r')
    sed -n '2,/^$/p' <<<"$out" >"$TMP/headers"
    printf '%s\t%s' "$(head -1 <<<"$out" | cut -d' ' -f2)" "$(sed '1,/^$/d' <<<"$out")"
}

matches() { [[ $1 =~ $2 ]]; }

# json_error_checks WHERE STATUS MESSAGE RESULT - RESULT ("STATUS<TAB>BODY", headers in
# $TMP/headers) is nginx's JSON error with CORS and a request id.
json_error_checks() {
    local where=$1 status=$2 message=$3 r=$4
    check "$where: $status JSON ($message)" test "$r" = "$status"$'\t'"{\"success\":false,\"error\":\"$message\"}"
    check "$where: Content-Type, CORS and X-Request-Id" bash -c \
        "grep -qi '^Content-Type: application/json' '$TMP/headers' &&
         grep -qi '^Access-Control-Allow-Origin: \*' '$TMP/headers' &&
         grep -qiE '^X-Request-Id: [0-9a-f]{32}' '$TMP/headers'"
}

test_nginx_live() {
    if [ -z "${FFX_FUNCTIONS_DATABASE_URL:-}" ]; then
        echo "# FFX_FUNCTIONS_DATABASE_URL unset: live nginx check skipped"
        return 0
    fi
    need systemd-socket-activate
    HTTP_PORT=$(free_port)
    HTTPS_PORT=$(free_port)
    local site="$TMP/site-live.conf" conf="$TMP/nginx-live.conf" user_line="" r i got429=0 https
    https="https://$SERVER:$HTTPS_PORT"
    render "$site" ENABLE_WEBHOOK_DEBUG=on IPN_ALLOWLIST=on TRUSTED_PROXY=127.0.0.1 IPV6=off \
        LISTEN_ADDR=127.0.0.1 HTTP_PORT="$HTTP_PORT" HTTPS_PORT="$HTTPS_PORT" METRICS_ALLOW=198.51.100.7
    # As root the workers would drop to nobody and lose the root-owned test
    # socket (in production systemd gives it to www-data, mode 0660).
    [ "$(id -u)" -eq 0 ] && user_line="user root;"
    main_conf "$site" "$conf" "$user_line"
    start_function webhook-debug "$TMP/run/webhook-debug.sock" "$TMP/logs/webhook-debug.log" \
        FFX_ENV=production FFX_ENABLE_WEBHOOK_DEBUG=1 FFX_WORKERS=1 \
        "DATABASE_URL=$FFX_FUNCTIONS_DATABASE_URL"
    local fn_pid=$LAST_PID
    nginx -e "$TMP/logs/nginx-error.log" -c "$conf" || {
        not_ok "live nginx did not start"
        return 0
    }
    for _ in $(seq 50); do [ -s "$TMP/nginx.pid" ] && break; sleep 0.1; done
    ok "live nginx on 127.0.0.1:$HTTP_PORT (http) and :$HTTPS_PORT (https)"

    r=$(curl_to "http://$SERVER:$HTTP_PORT/functions/v1/create-order?x=1")
    check "http: 301 to https" test "${r%%$'\t'*}" = 301
    check "http: Location is https://$SERVER/..." \
        grep -qi "^Location: https://$SERVER/functions/v1/create-order?x=1" "$TMP/headers"
    mkdir -p "$TMP/acme/.well-known/acme-challenge" && echo token-ok >"$TMP/acme/.well-known/acme-challenge/t1"
    r=$(curl_to "http://$SERVER:$HTTP_PORT/.well-known/acme-challenge/t1")
    check "http: ACME challenge served, not redirected" test "$r" = $'200\ttoken-ok'

    r=$(curl_to "$https/functions/v1/webhook-debug?orderId=FFX1&userId=secret-user" -H 'Content-Type: application/json' \
        -d '{"test":"live"}')
    check "https: webhook-debug through nginx and the socket: 200 JSON ($r)" \
        grep -q $'^200\t{"success":true,"message":"Webhook debug received"' <<<"$r"
    check "https: HSTS on a function's answer" grep -qi '^Strict-Transport-Security: max-age=' "$TMP/headers"
    check "https: X-Request-Id from nginx" grep -qiE '^X-Request-Id: [0-9a-f]{32}' "$TMP/headers"
    check "https: TLS 1.2 accepted" curl -sS -o /dev/null --tlsv1.2 --tls-max 1.2 --cacert "$TMP/tls/cert.pem" \
        --resolve "$SERVER:$HTTPS_PORT:127.0.0.1" "$https/"

    r=$(curl_to "$https/functions/v1/no-such-function")
    check "https: unknown function: 404 JSON" test "$r" = $'404\t{"success":false,"error":"Function not found"}'
    check "https: HSTS and CORS on nginx's own answers" bash -c \
        "grep -qi '^Strict-Transport-Security:' '$TMP/headers' && grep -qi '^Access-Control-Allow-Origin: \*' '$TMP/headers'"
    r=$(curl_to "$https/elsewhere")
    check "https: other paths: 404 JSON" test "$r" = $'404\t{"success":false,"error":"Not found"}'

    # nginx's own errors, JSON on both servers (nginx/error-bodies.conf)
    local long_query pad
    long_query="orderId=$(head -c 10240 /dev/zero | tr '\0' a)"
    pad="X-Pad: $(head -c 9216 /dev/zero | tr '\0' a)"
    # (HTTP/1.1: over HTTP/2, which curl speaks here by default, nginx takes a 10 KiB path and
    # refuses larger fields with a stream reset, see below)
    r=$(curl_to "$https/functions/v1/check-payment-status?$long_query" --http1.1)
    json_error_checks "https: request line over 8 KiB" 414 "URI too long" "$r"
    check "https: HSTS on nginx's error answers" grep -qi '^Strict-Transport-Security: max-age=' "$TMP/headers"
    check "https: no Retry-After but on 429" bash -c "! grep -qi '^Retry-After:' '$TMP/headers'"
    r=$(curl_to "$https/functions/v1/create-order" -H "$pad" -d '{}' --http1.1)
    json_error_checks "https: header over 8 KiB" 431 "Request header fields too large" "$r"
    r=$(curl_to "$https/functions/v1/create-order" -H "X-Pad: $(head -c 40960 /dev/zero | tr '\0' a)" --http2)
    check "https, HTTP/2: a 40 KiB header is refused with a stream reset, no answer to shape ($r)" \
        test "${r%%$'\t'*}:${r#*$'\t'}" = "000:"
    head -c 200000 /dev/zero | tr '\0' a >"$TMP/mid"
    mv "$TMP/ngx/body" "$TMP/ngx/body.hidden"
    r=$(curl_to "$https/functions/v1/create-order" --data-binary "@$TMP/mid" --http2)
    mv "$TMP/ngx/body.hidden" "$TMP/ngx/body"
    check "https, HTTP/2: nginx unable to buffer the body: 500 JSON with the request id ($r)" matches "$r" \
        $'^500\t\\{"success":false,"error":"Internal server error","request_id":"[0-9a-f]{32}"\\}$'
    r=$(curl_to "$https/functions/v1/create-order" -X TRACE)
    json_error_checks "https: TRACE" 405 "Method not allowed" "$r"
    r=$(raw_tls "POST /functions/v1/create-order HTTP/2.0\r\nHost: $SERVER\r\nConnection: close\r\n\r\n")
    json_error_checks "https: HTTP/2.0 in an HTTP/1 request line" 505 "HTTP version not supported" "$r"
    r=$(raw_tls "POST /functions/v1/create-order HTTP/1.1x\r\nHost: $SERVER\r\nConnection: close\r\n\r\n")
    json_error_checks "https: a request line nginx cannot parse" 400 "Bad request" "$r"
    r=$(raw_tls "POST /functions/v1/create-order HTTP/1.1\r\nHost: $SERVER\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n")
    json_error_checks "https: unknown Transfer-Encoding" 501 "Not implemented" "$r"
    r=$(curl_to "$https/.ffx-error")
    json_error_checks "https: the internal error location from outside" 404 "Not found" "$r"
    r=$(curl_to "http://$SERVER:$HTTPS_PORT/functions/v1/create-order")
    json_error_checks "https port, plain HTTP (nginx's 497)" 400 "Bad request" "$r"
    r=$(curl_to "http://$SERVER:$HTTP_PORT/functions/v1/create-order?$long_query")
    json_error_checks "http: request line over 8 KiB" 414 "URI too long" "$r"
    r=$(curl_to "http://$SERVER:$HTTP_PORT/functions/v1/create-order" -H "$pad")
    json_error_checks "http: header over 8 KiB" 431 "Request header fields too large" "$r"
    r=$(curl_to "http://$SERVER:$HTTP_PORT/.ffx-error")
    json_error_checks "http: the internal error location from outside" 404 "Not found" "$r"

    r=$(curl_to "$https/functions/v1/payment-webhook" -d '{}')
    check "allow-list: a stranger gets 403 JSON" test "$r" = $'403\t{"success":false,"error":"Forbidden"}'
    r=$(curl_to "$https/functions/v1/payment-webhook" -d '{}' -H 'X-Forwarded-For: 203.0.113.9')
    check "allow-list: a stranger behind the trusted proxy gets 403" test "${r%%$'\t'*}" = 403
    r=$(curl_to "$https/functions/v1/payment-webhook" -d '{}' -H 'X-Forwarded-For: 51.89.194.21')
    check "allow-list: NOWPayments behind the trusted proxy passes (no function here: 503 JSON)" \
        test "$r" = $'503\t{"success":false,"error":"Service unavailable"}'

    r=$(curl_to "$https/functions/v1/metrics" -H 'X-Forwarded-For: 203.0.113.9')
    check "metrics: a stranger gets 403 JSON" test "$r" = $'403\t{"success":false,"error":"Forbidden"}'
    r=$(curl_to "$https/functions/v1/metrics" -H 'X-Forwarded-For: 198.51.100.7')
    check "metrics: a METRICS_ALLOW address passes (no function here: 503 JSON)" \
        test "$r" = $'503\t{"success":false,"error":"Service unavailable"}'
    r=$(curl_to "$https/functions/v1/metrics")
    check "metrics: this host passes" test "${r%%$'\t'*}" = 503

    head -c 1100000 /dev/zero | tr '\0' a >"$TMP/big"
    r=$(curl_to "$https/functions/v1/create-order" --data-binary "@$TMP/big" --http2)
    check "body over 1 MiB, HTTP/2: 413 JSON" test "$r" = $'413\t{"success":false,"error":"Payload too large"}'
    r=$(curl_to "$https/functions/v1/create-order" --data-binary "@$TMP/big" --http1.1)
    check "body over 1 MiB, HTTP/1.1: 413 JSON" test "$r" = $'413\t{"success":false,"error":"Payload too large"}'
    head -c 16385 /dev/zero | tr '\0' a >"$TMP/ipn-big"
    r=$(curl_to "$https/functions/v1/payment-webhook" --data-binary "@$TMP/ipn-big" -H 'X-Forwarded-For: 51.89.194.21')
    check "payment-webhook: a body over 16 KiB is 413 JSON from nginx" \
        test "$r" = $'413\t{"success":false,"error":"Payload too large"}'

    for i in $(seq 15); do
        r=$(curl_to "$https/functions/v1/create-crypto-payment" -d '{}')
        if [ "${r%%$'\t'*}" = 429 ]; then
            got429=1
            break
        fi
    done
    check "rate limit: a burst of order/payment creation meets 429 JSON (after $i requests)" \
        test "$got429:$r" = $'1:429\t{"success":false,"error":"Too many requests"}'
    check "rate limit: Retry-After" grep -qi '^Retry-After:' "$TMP/headers"
    r=$(curl_to "$https/functions/v1/payment-webhook" -d '{}' -H 'X-Forwarded-For: 51.89.194.21')
    check "rate limit: zones are separate (the webhook still passes)" test "${r%%$'\t'*}" = 503
    # customers poll check-payment-status: a zone of its own (RATE_STATUS, BURST_STATUS)
    got429=0
    for i in $(seq 40); do
        r=$(curl_to "$https/functions/v1/check-payment-status?orderId=FFX1&userId=u")
        if [ "${r%%$'\t'*}" = 429 ]; then
            got429=1
            break
        fi
    done
    check "rate limit: a burst of status checks meets 429 JSON (after $i requests)" \
        test "$got429:$r" = $'1:429\t{"success":false,"error":"Too many requests"}'
    check "rate limit: Retry-After on the status check's 429" grep -qi '^Retry-After:' "$TMP/headers"

    kill -QUIT "$(cat "$TMP/nginx.pid")"
    for _ in $(seq 50); do [ -s "$TMP/nginx.pid" ] || break; sleep 0.1; done
    stop_function "$fn_pid"
    check "function behind nginx: SIGTERM exit 0 (got $STOP_RC)" test "$STOP_RC" = 0

    # The access log: one JSON object per line, no query strings.
    local log="$TMP/logs/flashfundx-access.log"
    check "access log written" test -s "$log"
    check "access log: every line is JSON with the agreed fields" node -e '
        const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
        const keys = ["time","request_id","remote_addr","method","uri","status","bytes",
                      "request_time","upstream_response_time","user_agent"];
        for (const l of lines) {
            const o = JSON.parse(l);
            for (const k of keys) if (!(k in o)) throw new Error("no " + k + ": " + l);
            if (typeof o.status !== "number" || typeof o.request_time !== "number") throw new Error(l);
        }' "$log"
    check "access log: no query strings (user ids stay out)" bash -c "! grep -q -e 'secret-user' -e '?' '$log'"
    check "access log: the real client address behind the proxy" grep -q '"remote_addr":"51.89.194.21"' "$log"
}

case $MODE in
units) test_units ;;
env) test_env ;;
socket) test_socket ;;
nginx) test_nginx ;;
*)
    echo "unknown mode $MODE" >&2
    exit 2
    ;;
esac
