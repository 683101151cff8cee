#!/bin/sh
# fuzz/run.sh BINDIR SECONDS - run every libFuzzer target for SECONDS each,
# starting from its committed seed corpus (fuzz/corpus/TARGET). New inputs go
# to build/fuzz/corpus/TARGET; crashes to fuzz/artifacts/.
set -eu
bindir=$1; secs=$2
mkdir -p fuzz/artifacts
status=0
for bin in "$bindir"/fuzz_*; do
    t=$(basename "$bin")
    work=build/fuzz/corpus/$t
    mkdir -p "$work" "fuzz/corpus/$t"
    echo "fuzz: $t for ${secs}s"
    if ! "$bin" -max_total_time="$secs" -artifact_prefix=fuzz/artifacts/ -print_final_stats=1 \
            -rss_limit_mb=2048 "$work" "fuzz/corpus/$t" >"build/fuzz/$t.log" 2>&1; then
        echo "fuzz: $t FAILED (see build/fuzz/$t.log and fuzz/artifacts/)"
        tail -n 30 "build/fuzz/$t.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|cov:" "build/fuzz/$t.log" | tail -n 2
    fi
done
exit $status
