#!/bin/sh
# tests/eval/eval_check.sh - evaluation of `unspin check` (called by `make eval`).
#
# (a) When ../shared/eval exists (next to the repository): ROC AUC of the
#     tortured phrases (tortured-dev.in.txt, one phrase a line) against their
#     expected originals, and of the spun news paragraphs
#     (news-spun-1.dev.txt) against the original ones (.dev.orig.txt),
#     computed by that folder's score.py, for the pooled p_spun and for
#     p_local (the paragraph alone). Each file is one document, and each is
#     homogeneous (all spun or all original), so the pooled figure mostly
#     measures how well the two files are told apart. Measuring only:
#     nothing learned from these files goes into code or fitted data.
# (b) Always: a simulated benchmark. The second half of the pseudo-paragraphs
#     of .cache/text/general.heldout.txt (lines joined to >= 25 words; the
#     first half is used by data/tools/fit_check.sh for fitting) is spun by
#     build/tools/spinsim twice (seed 4242): uniform sense-blind synonym choice
#     at rate 0.2 (about 9 % of words changed), and a spinner preferring common
#     synonyms at rate 0.4 (about 18 %, like the real spun article); for each,
#     the paragraph AUC of the changed paragraphs against the clean ones and
#     the reliability table (predicted probability bins against the observed
#     share of spun paragraphs); and the speed in MB/s.
# (c) Always: simulated tortured phrases (spun WordNet terms, see below).
# (d) Always: simulated documents (data/tools/spin_docs.sh) from the same
#     evaluation paragraphs: clean, fully spun and mixed (spun paragraphs
#     pasted into original text), one table per document; AUCs of p_spun
#     and p_local over all documents, over the mixed ones and within each
#     mixed document, where the document's evidence cannot help.
# Environment: UNSPIN (binary, default ./unspin), EVAL_OUT (default
# build/eval/check), EVAL_PARAGRAPHS (default 1000), UNSPIN_CACHE.
set -eu
cd "$(dirname "$0")/../.."
U=${UNSPIN:-./unspin}
OUT=${EVAL_OUT:-build/eval/check}
NPARA=${EVAL_PARAGRAPHS:-1000}
CACHE=${UNSPIN_CACHE:-.cache}
SHARED=../shared/eval
PY=tests/eval/check_auc.py
mkdir -p "$OUT"

# check_json IN OUT: run check, accept exit 0 (spun) and 1 (not spun)
check_json() {
    rc=0
    $U check --json "$1" >"$2" || rc=$?
    if [ "$rc" -gt 1 ]; then echo "eval_check: unspin check failed on $1 (exit $rc)" >&2; exit 1; fi
}

echo "== unspin check =="
if [ -d "$SHARED" ]; then
    check_json "$SHARED/tortured-dev.in.txt" "$OUT/tortured.json"
    check_json "$SHARED/tortured-dev.expected.txt" "$OUT/expected.json"
    python3 "$PY" scores "$OUT/tortured.json" >"$OUT/tortured.scores"
    python3 "$PY" scores "$OUT/expected.json" >"$OUT/expected.scores"
    printf 'tortured phrases vs expected, AUC: '
    python3 "$SHARED/score.py" auc "$OUT/tortured.scores" "$OUT/expected.scores" | tail -n 1
    check_json "$SHARED/news-spun-1.dev.txt" "$OUT/news-spun.json"
    check_json "$SHARED/news-spun-1.dev.orig.txt" "$OUT/news-orig.json"
    python3 "$PY" scores "$OUT/news-spun.json" >"$OUT/news-spun.scores"
    python3 "$PY" scores "$OUT/news-orig.json" >"$OUT/news-orig.scores"
    printf 'news paragraphs spun vs original, AUC (p_spun, pooled over each file): '
    python3 "$SHARED/score.py" auc "$OUT/news-spun.scores" "$OUT/news-orig.scores" | tail -n 1
    python3 "$PY" --key p_local scores "$OUT/news-spun.json" >"$OUT/news-spun.local"
    python3 "$PY" --key p_local scores "$OUT/news-orig.json" >"$OUT/news-orig.local"
    printf 'news paragraphs spun vs original, AUC (p_local, each paragraph alone): '
    python3 "$SHARED/score.py" auc "$OUT/news-spun.local" "$OUT/news-orig.local" | tail -n 1
    printf 'news document p_spun: spun %s, original %s\n' \
        "$(grep '"document"' "$OUT/news-spun.json" | sed 's/.*"p_spun":\([0-9.]*\).*/\1/')" \
        "$(grep '"document"' "$OUT/news-orig.json" | sed 's/.*"p_spun":\([0-9.]*\).*/\1/')"
else
    echo "($SHARED not found: skipping the tortured-phrase and news figures)"
fi

# (b) simulated benchmark
D=$CACHE/deb
HELD=$CACHE/text/general.heldout.txt
if [ ! -x build/tools/spinsim ] || [ ! -f "$HELD" ] || [ ! -f "$D/mythes-en-us/usr/share/mythes/th_en_US_v2.dat" ]; then
    echo "simulated benchmark skipped (needs build/tools/spinsim, $HELD and MyThes: make tools; sh data/fetch.sh)"
    exit 0
fi
awk '{b = b (b == "" ? "" : " ") $0; n += NF; if (n >= 25) { print b; b = ""; n = 0 } } END { if (b != "") print b }' \
    "$HELD" >"$OUT/para.all"
n=$(wc -l <"$OUT/para.all")
tail -n $((n - n / 2)) "$OUT/para.all" | head -n "$NPARA" >"$OUT/sim.clean"
start=$(date +%s.%N)
check_json "$OUT/sim.clean" "$OUT/sim-clean.json"
end=$(date +%s.%N)
bytes=$(wc -c <"$OUT/sim.clean")
LMFILE=${UNSPIN_MODELS:-models}/default.uslm
for cfg in "uniform 0.2" "common 0.4"; do
    set -- $cfg
    kind=$1 rate=$2
    extra=""
    if [ "$kind" = common ]; then
        [ -f "$LMFILE" ] || { echo "  ($kind $rate skipped: no $LMFILE)"; continue; }
        extra="--lm $LMFILE --common 0.5"
    fi
    build/tools/spinsim --mythes "$D/mythes-en-us/usr/share/mythes/th_en_US_v2.dat" \
        --aiksaurus "$D/libaiksaurus-1.2-data/usr/share/aiksaurus" --wordnet "$D/wordnet-base/usr/share/wordnet" \
        --rate "$rate" --seed 4242 $extra <"$OUT/sim.clean" >"$OUT/sim.spun.all" 2>"$OUT/spinsim.log"
    # spun side: only the paragraphs the spinner changed
    awk 'NR == FNR { c[FNR] = $0; next } $0 != c[FNR]' "$OUT/sim.clean" "$OUT/sim.spun.all" >"$OUT/sim.spun"
    check_json "$OUT/sim.spun" "$OUT/sim-spun-$kind.json"
    echo "simulated, $kind synonym choice, rate $rate ($(sed 's/^spinsim: //' "$OUT/spinsim.log")):"
    printf '  paragraphs spun vs clean (%s vs %s), AUC of p_local: ' "$(wc -l <"$OUT/sim.spun")" "$(wc -l <"$OUT/sim.clean")"
    python3 "$PY" --key p_local auc "$OUT/sim-spun-$kind.json" "$OUT/sim-clean.json"
    printf '  (p_spun, pooled over the spun file and over the clean file: %s)\n' \
        "$(python3 "$PY" auc "$OUT/sim-spun-$kind.json" "$OUT/sim-clean.json")"
    echo "  reliability of p_local (predicted bins vs observed share of spun paragraphs):"
    python3 "$PY" --key p_local reliability "$OUT/sim-spun-$kind.json" "$OUT/sim-clean.json" | sed 's/^/    /'
done
# (c) simulated tortured phrases: WordNet's two- and three-word nouns and
# adjectives (established terms) whose words the training text uses in lower
# case 20 times or more, every fourth one (none of them is in the fit), spun
# by spinsim at rate 0.8, against themselves
WN=$D/wordnet-base/usr/share/wordnet
if [ -f "$CACHE/text/technical.train.txt" ] && [ -f "$WN/index.noun" ]; then
    cat "$CACHE/text/technical.train.txt" "$CACHE/text/general.train.txt" | tr -s ' \t' '\n\n' |
        grep -x '[a-z]*' | LC_ALL=C sort | uniq -c | awk '$1 >= 20 { print $2 }' >"$OUT/words"
    grep -h '^[a-z]*_[a-z]*\(_[a-z]*\)\? ' "$WN/index.noun" "$WN/index.adj" | awk '{ print $1 }' | tr _ ' ' |
        awk 'NR == FNR { k[$1] = 1; next } { for (i = 1; i <= NF; i++) if (!($i in k)) next; print }' "$OUT/words" - |
        LC_ALL=C sort -u | awk 'NR % 4 == 0' >"$OUT/terms"
    build/tools/spinsim --mythes "$D/mythes-en-us/usr/share/mythes/th_en_US_v2.dat" \
        --aiksaurus "$D/libaiksaurus-1.2-data/usr/share/aiksaurus" --wordnet "$WN" \
        --rate 0.8 --seed 505 <"$OUT/terms" 2>/dev/null | paste - "$OUT/terms" | awk -F '\t' '$1 != $2' >"$OUT/terms.pairs"
    cut -f 1 "$OUT/terms.pairs" >"$OUT/terms.spun"
    cut -f 2 "$OUT/terms.pairs" >"$OUT/terms.orig"
    check_json "$OUT/terms.spun" "$OUT/terms-spun.json"
    check_json "$OUT/terms.orig" "$OUT/terms-orig.json"
    printf 'simulated tortured phrases (spun WordNet terms, %s pairs), AUC: ' "$(wc -l <"$OUT/terms.pairs")"
    python3 "$PY" auc "$OUT/terms-spun.json" "$OUT/terms-orig.json"
fi
# (d) simulated documents: clean, fully spun, mixed; one file per document
rm -rf "$OUT/docs" && mkdir -p "$OUT/docs"
SPIN="build/tools/spinsim --mythes $D/mythes-en-us/usr/share/mythes/th_en_US_v2.dat
      --aiksaurus $D/libaiksaurus-1.2-data/usr/share/aiksaurus --wordnet $D/wordnet-base/usr/share/wordnet"
sh data/tools/spin_docs.sh "$OUT/sim.clean" 4243 "$OUT/docs.a" $SPIN --rate 0.2
if [ -f "$LMFILE" ]; then
    sh data/tools/spin_docs.sh "$OUT/sim.clean" 4244 "$OUT/docs.b" $SPIN --rate 0.4 --lm "$LMFILE" --common 0.5
else
    : >"$OUT/docs.b"
fi
cat "$OUT/docs.a" "$OUT/docs.b" >"$OUT/docs.txt"
awk -v d="$OUT/docs" '/^D\t/ { if (f != "") close(f); n++; f = sprintf("%s/%04d.txt", d, n); printf "" >f; next }
    { sub(/^[01]\t/, ""); print >f }' "$OUT/docs.txt"
rc=0
$U check --json --per-file "$OUT"/docs/*.txt >"$OUT/docs.json" || rc=$?
if [ "$rc" -gt 1 ]; then echo "eval_check: unspin check failed on the simulated documents (exit $rc)" >&2; exit 1; fi
echo "simulated documents ($(grep -c '^D' "$OUT/docs.txt"): clean, fully spun, mixed; uniform 0.2 and common 0.4):"
python3 "$PY" docs "$OUT/docs.txt" "$OUT/docs.json" | sed 's/^/  /'
awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN { printf "wall time of the clean run: %.2f s for %d bytes (model loading included)\n", e - s, b }'
if [ -x build/bench/bench_check ]; then build/bench/bench_check; fi
