#!/usr/bin/env bash
# tests/lint/self-contained.sh - the repository stands alone: no file refers to documents a
# fresh clone does not have (the design notes and references the project was started from,
# kept beside the repository, never in it). Cite this repository's own docs instead, by file
# and section heading: docs/NOWPAYMENTS.md, "Signatures".
#
#   tests/lint/self-contained.sh [ROOT]      exit 0 clean, 1 with every offending line listed
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$root"
self=tests/lint/self-contained.sh

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
    mapfile -t files < <(git ls-files --cached --others --exclude-standard | grep -vx -e "$self")
else
    mapfile -t files < <(find . -type f -not -path './.git/*' -not -path '*/node_modules/*' \
        -not -path './build*' -not -path './.local/*' | sed 's|^\./||' | grep -vx -e "$self")
fi
existing=()
for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done

hits=$(grep -I -n -P -- "$regex" "${existing[@]}" || true)
rc=0
while IFS= read -r line; do
    [ -n "$line" ] || continue
    printf 'refers outside the repository: %s\n' "$line"
    rc=1
done <<<"$hits"

if [ $rc -eq 0 ]; then
    printf "%d files checked: none refers outside the repository\n" "${#existing[@]}"
fi
exit $rc
