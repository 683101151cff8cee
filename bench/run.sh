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
# the steady state of a stream: 10 MB of other text checked first (bench_check.c)
if [ -x "$1/bench_check" ] && [ -f .cache/text/general.train.txt ] && [ -f .cache/text/technical.train.txt ]; then
    warm=$(mktemp "${TMPDIR:-/tmp}/unspin-warm.XXXXXX")
    head -c 5000000 .cache/text/general.train.txt >"$warm"
    head -c 5000000 .cache/text/technical.train.txt >>"$warm"
    echo "== bench_check -w (after 10 MB of training text)"
    "$1/bench_check" -w "$warm" || { rm -f "$warm"; exit 1; }
    rm -f "$warm"
fi
