# tests/cli/lib.sh - helpers for CLI tests. Each tests/cli/t_*.sh is sourced
# by tests/cli/run.sh with $UNSPIN set to the binary and $T to a scratch dir.
#
#   expect NAME EXIT [STDERR-REGEX] -- COMMAND...   run COMMAND, check its exit
#       status and (if given) that stderr matches the regex (grep -E) and has
#       exactly one line.
#   expect_out NAME EXPECTED-STDOUT-FILE -- COMMAND...
#   ok NAME / fail NAME MESSAGE                       record a result directly

ok() { PASS=$((PASS + 1)); }
fail() { FAIL=$((FAIL + 1)); echo "FAIL cli $1: $2"; }

expect() {
    name=$1; want=$2; shift 2
    pat=""
    if [ "$1" != "--" ]; then pat=$1; shift; fi
    shift # --
    "$@" >"$T/out" 2>"$T/err" </dev/null
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name" "exit $got, want $want; stderr: $(head -c 300 "$T/err")"; return
    fi
    if [ -n "$pat" ]; then
        if ! grep -Eq -- "$pat" "$T/err"; then
            fail "$name" "stderr does not match /$pat/: $(head -c 300 "$T/err")"; return
        fi
        if [ "$(wc -l <"$T/err")" -ne 1 ]; then
            fail "$name" "stderr is not one line: $(head -c 300 "$T/err")"; return
        fi
    fi
    ok "$name"
}

expect_out() {
    name=$1; file=$2; shift 3
    "$@" >"$T/out" 2>"$T/err" </dev/null
    got=$?
    if [ "$got" -ne 0 ]; then fail "$name" "exit $got: $(head -c 300 "$T/err")"; return; fi
    if ! cmp -s "$T/out" "$file"; then
        fail "$name" "stdout differs from $file"; diff "$T/out" "$file" | head -n 10; return
    fi
    ok "$name"
}
