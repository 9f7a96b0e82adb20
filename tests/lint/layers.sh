#!/usr/bin/env bash
# tests/lint/layers.sh - the layers of docs/CONTRIBUTING.md, "Layers", as the includes say them:
#   - the HTTP frame is common/{server,request,response,auth,body}; every other module of common/
#     is below it and includes none of the frame's headers (it takes a struct call, call.h);
#   - common/ includes nothing but its own headers (nothing from functions/ or tools/);
#   - the daemons tools/ffx-mailer and tools/ffx-reconcile include no frame header: they call
#     the modules below the frame with a call context of their own, never a request.
#
#   tests/lint/layers.sh [ROOT]      exit 0 clean, 1 with every offending include listed
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$root"

frame_modules=(server request response auth body)
frame_headers=$(printf '%s.h|' "${frame_modules[@]}")
frame_include="^[[:space:]]*#[[:space:]]*include[[:space:]]*\"(${frame_headers%|})\""
rc=0

offend() {
    printf '%s: %s\n' "$1" "$2"
    rc=1
}

is_frame() {
    local name
    name=$(basename "$1")
    name=${name%.*}
    for m in "${frame_modules[@]}"; do
        [ "$name" = "$m" ] && return 0
    done
    return 1
}

# quoted_includes FILE - "line:name" for each #include "name" in FILE
quoted_includes() {
    grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$1" |
        sed -E 's/^([0-9]+):[^"]*"([^"]*)".*/\1:\2/' || true
}

for f in common/*.c common/*.h; do
    if ! is_frame "$f"; then
        while IFS= read -r hit; do
            [ -n "$hit" ] && offend "$f:${hit%%:*}" "below the frame, includes a frame header: ${hit#*:}"
        done < <(grep -n -E "$frame_include" "$f" | sed -E 's/^([0-9]+):.*"([^"]*)".*/\1:\2/' || true)
    fi
    while IFS= read -r hit; do
        [ -n "$hit" ] || continue
        name=${hit#*:}
        [ -f "common/$name" ] && [ "$name" = "$(basename "$name")" ] && continue
        offend "$f:${hit%%:*}" "common/ includes what is not its own header: $name"
    done < <(quoted_includes "$f")
done

for f in tools/ffx-mailer/*.[ch] tools/ffx-reconcile/*.[ch]; do
    [ -f "$f" ] || continue
    while IFS= read -r hit; do
        [ -n "$hit" ] && offend "$f:${hit%%:*}" "a daemon includes a frame header: ${hit#*:}"
    done < <(grep -n -E "$frame_include" "$f" | sed -E 's/^([0-9]+):.*"([^"]*)".*/\1:\2/' || true)
done

[ "$rc" = 0 ] && echo "layers: clean (frame: ${frame_modules[*]})"
exit "$rc"
