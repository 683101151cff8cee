#!/bin/sh
# tests/cli/run.sh - run every tests/cli/t_*.sh; last line "cli: N passed, N failed".
set -u
: "${UNSPIN:?set UNSPIN to the unspin binary}"
PASS=0; FAIL=0
T=$(mktemp -d "${TMPDIR:-/tmp}/unspin-cli.XXXXXX")
. tests/cli/lib.sh
for f in tests/cli/t_*.sh; do
    [ -f "$f" ] || continue
    . "$f"
done
rm -rf "$T"
echo "cli: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
