#!/bin/sh
# tests/eval/run.sh - `make eval`: the other modules' evaluations
# (tests/eval/eval_*.sh), then restoration measured on the evaluation sets in
# ../shared/eval (relative to the repository), when they exist.
# The evaluation files are for measuring only: nothing from them goes into
# the code, tables or fitted data.
#   UNSPIN=path/to/unspin (default ./unspin), EVAL_OUT=folder for the outputs.
set -u
cd "$(dirname "$0")/../.."
E=../shared/eval
U=${UNSPIN:-./unspin}
OUT=${EVAL_OUT:-build/eval}
status=0
# other modules' evaluations: tests/eval/eval_*.sh (each handles a missing $E)
for sh in tests/eval/eval_*.sh; do
    [ -f "$sh" ] || continue
    echo "== $sh"
    UNSPIN=$U sh "$sh" || status=1
done
if [ ! -d "$E" ]; then
    echo "eval: restore: skipped ($E not found)"
    exit $status
fi
mkdir -p "$OUT"
run() { # run NAME INPUT: restore INPUT into $OUT/NAME.txt, timing it
    t0=$(date +%s.%N)
    if ! "$U" restore "$2" >"$OUT/$1.txt" 2>"$OUT/$1.err"; then
        echo "eval: unspin restore failed on $2: $(head -n 3 "$OUT/$1.err")"
        status=1
        return 1
    fi
    t1=$(date +%s.%N)
    bytes=$(wc -c <"$2")
    echo "eval: $1: $bytes bytes in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
}
echo "== spun news (running example): restore"
run news "$E/news-spun-1.dev.txt" && python3 "$E/score.py" restore "$E/news-spun-1.dev.txt" "$OUT/news.txt" "$E/news-spun-1.dev.orig.txt"
echo "== clean text (the originals): false changes are wer_out"
run clean "$E/news-spun-1.dev.orig.txt" && python3 "$E/score.py" restore "$E/news-spun-1.dev.orig.txt" "$OUT/clean.txt" "$E/news-spun-1.dev.orig.txt"
echo "== tortured phrases: exact matches"
run tortured "$E/tortured-dev.in.txt" && python3 "$E/score.py" lines "$OUT/tortured.txt" "$E/tortured-dev.expected.txt"
echo "== lexicon coverage of the news edits (tests/eval/coverage.py)"
if [ -f tests/eval/coverage.py ]; then
    python3 tests/eval/coverage.py --unspin "$U" "$E/news-spun-1.dev.txt" "$E/news-spun-1.dev.orig.txt" || status=1
fi
exit $status
