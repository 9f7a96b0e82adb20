#!/usr/bin/env bash
# tests/lint/self-contained.sh - the repository stands alone: no file refers to documents a
# fresh clone does not have (the design notes and references the project was started from,
# kept beside the repository, never in it). Cite this repository's own docs instead, by file
# and section heading: docs/NOWPAYMENTS.md, "Signatures".
#
#   tests/lint/self-contained.sh [ROOT]      exit 0 clean, 1 with every offending line listed
#
# tests/lint/self-contained.pending lists files that still refer outside and belong to a
# change in flight; each is reported, not failed. An entry that no longer refers outside (or
# no longer exists) fails the check until it is removed from the list, so the list can only
# shrink.
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$root"
self=tests/lint/self-contained.sh
pending_file=tests/lint/self-contained.pending

# What a reference outside looks like: a path into the sibling folder, or a citation of one
# of its documents by name (its design notes' ARCHITECTURE.md is any one not under docs/, and
# not a Markdown link from inside docs/).
patterns=(
    '\.\./shared\b' '/work/shared\b' '\bshared/(reference|design|seed|hooks)\b'
    '(?<![/\w`])(?<!\]\()ARCHITECTURE\.md'
    '\bnowpayments\.md\b' '\bc-style\.md\b' '\bpayments-practice(\.md)?\b'
    '\bsupabase\.md\b' '\bsql-layout(\.md)?\b' '\bflashfundx-backend\.md\b'
    '\breference §'
)
regex=$(IFS='|'; printf '%s' "${patterns[*]}")

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files --cached --others --exclude-standard | grep -vx -e "$self" -e "$pending_file")
else
    mapfile -t files < <(find . -type f -not -path './.git/*' -not -path '*/node_modules/*' \
        -not -path './build*' -not -path './.local/*' | sed 's|^\./||' | grep -vx -e "$self" -e "$pending_file")
fi
existing=()
for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done

mapfile -t pending < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$pending_file" 2>/dev/null | grep . || true)
is_pending() {
    local p
    for p in "${pending[@]}"; do [ "$p" = "$1" ] && return 0; done
    return 1
}

hits=$(grep -I -n -P -- "$regex" "${existing[@]}" || true)
rc=0
declare -A offending=()
while IFS= read -r line; do
    [ -n "$line" ] || continue
    f=${line%%:*}
    offending[$f]=1
    if is_pending "$f"; then
        printf 'pending: %s\n' "$line"
    else
        printf 'refers outside the repository: %s\n' "$line"
        rc=1
    fi
done <<<"$hits"

for p in "${pending[@]}"; do
    if [ -z "${offending[$p]:-}" ]; then
        printf '%s: listed in %s but refers to nothing outside any more (or is gone): remove it from the list\n' "$p" "$pending_file"
        rc=1
    fi
done

if [ $rc -eq 0 ]; then
    printf "%d files checked: none refers outside the repository but the %d pending\n" "${#existing[@]}" "${#pending[@]}"
fi
exit $rc
