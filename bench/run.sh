#!/bin/sh
# bench/run.sh BINDIR - run every benchmark program. Results are described in BENCHMARKS.md.
set -eu
for b in "$1"/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b"
done
