#!/bin/sh
# bench/run.sh BINDIR - run every benchmark program. Results are described in BENCHMARKS.md.
set -eu
for b in "$1"/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b"
done
# the models shared by two threads (bench_check.c)
if [ -x "$1/bench_check" ]; then
    echo "== bench_check -t 2"
    "$1/bench_check" -t 2
fi
