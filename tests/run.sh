#!/bin/sh
# tests/run.sh BUILDDIR UNSPIN-BINARY - the whole suite: unit tests, CLI tests
# and the replay of the fuzz corpora. The last line is "N passed, N failed".
set -u
B=$1
UNSPIN=$2
case $UNSPIN in /*) ;; *) UNSPIN=$(pwd)/$UNSPIN ;; esac
export UNSPIN
total_pass=0; total_fail=0

add() { # add PASSED FAILED
    total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2))
}

# 1. unit tests
out=$("$B/tests/unit-tests" 2>&1); rc=$?
printf '%s\n' "$out" | grep -v '^unit:' | sed 's/^/    /'
line=$(printf '%s\n' "$out" | grep '^unit:' | tail -n 1)
if [ -n "$line" ]; then
    echo "$line"
    p=$(echo "$line" | sed 's/unit: \([0-9]*\) passed.*/\1/')
    f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
    add "$p" "$f"
    [ $rc -ne 0 ] && [ "$f" = 0 ] && add 0 1
else
    echo "unit: runner crashed (exit $rc)"; add 0 1
fi

# 2. CLI tests
out=$(sh tests/cli/run.sh 2>&1)
printf '%s\n' "$out"
line=$(printf '%s\n' "$out" | grep '^cli:' | tail -n 1)
if [ -n "$line" ]; then
    p=$(echo "$line" | sed 's/cli: \([0-9]*\) passed.*/\1/')
    f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
    add "$p" "$f"
else
    echo "cli: runner crashed"; add 0 1
fi

# 3. fuzz corpus replay (each target over its committed seeds)
p=0; f=0
for bin in "$B"/replay/fuzz_*; do
    [ -x "$bin" ] || continue
    t=$(basename "$bin")
    if "$bin" "fuzz/corpus/$t" >/dev/null 2>"$B/replay/$t.err"; then
        p=$((p + 1))
    else
        f=$((f + 1)); echo "FAIL replay $t"; tail -n 20 "$B/replay/$t.err"
    fi
done
echo "replay: $p passed, $f failed"
add $p $f

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
