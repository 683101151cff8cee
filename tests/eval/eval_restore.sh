#!/bin/sh
# tests/eval/eval_restore.sh - simulated-spin benchmark of `unspin restore`
# (called by `make eval`; needs the packaged text and build/tools/spinsim).
#
# Clean text that no model was trained on: the first 1000 lines of
# .cache/text/general.heldout.txt (data/build-models.sh fits the channel on
# the lines after them and on the technical held-out text; only the LM
# mixture's weights and the check weights are fitted on them), joined into
# pseudo-paragraphs of >= 25 words. It is spun by
# build/tools/spinsim the way the real spun article was (rate 0.4, half of
# the synonym choices weighted by frequency, inflected, one table per
# document of 25 paragraphs: --doc-lines 25), every document is restored as
# one file (so the document pass sees it whole), and
# tests/eval/restore_score.py prints the word error rate before/after, the
# edit recall and precision; the clean paragraphs are restored too
# (wer_out there = the share of clean words changed).
# Environment: UNSPIN (binary, default ./unspin), EVAL_OUT (default
# build/eval/restore), EVAL_PARAGRAPHS (default 500), UNSPIN_CACHE.
set -eu
cd "$(dirname "$0")/../.."
U=${UNSPIN:-./unspin}
OUT=${EVAL_OUT:-build/eval/restore}
NPARA=${EVAL_PARAGRAPHS:-500}
CACHE=${UNSPIN_CACHE:-.cache}
D=$CACHE/deb
T=$CACHE/text
LMFILE=${UNSPIN_MODELS:-models}/default.uslm
echo "== unspin restore, simulated spinning =="
if [ ! -x build/tools/spinsim ] || [ ! -f "$T/general.heldout.txt" ] || [ ! -f "$LMFILE" ] ||
   [ ! -f "$D/mythes-en-us/usr/share/mythes/th_en_US_v2.dat" ]; then
    echo "skipped (needs build/tools/spinsim, $T/*.heldout.txt, $LMFILE and MyThes: make tools models)"
    exit 0
fi
mkdir -p "$OUT"
paragraphs() { # lines joined to >= 25 words
    awk '{b = b (b == "" ? "" : " ") $0; n += NF; if (n >= 25) { print b; b = ""; n = 0 } }' | head -n "$NPARA"
}
head -n 1000 "$T/general.heldout.txt" | paragraphs >"$OUT/general.clean"
dom=general
build/tools/spinsim --mythes "$D/mythes-en-us/usr/share/mythes/th_en_US_v2.dat" \
    --aiksaurus "$D/libaiksaurus-1.2-data/usr/share/aiksaurus" --wordnet "$D/wordnet-base/usr/share/wordnet" \
    --rate 0.4 --seed 4243 --lm "$LMFILE" --common 0.5 --doc-lines 25 \
    <"$OUT/$dom.clean" >"$OUT/$dom.spun" 2>"$OUT/$dom.spinsim.log"
for side in spun clean; do
    rm -rf "$OUT/doc" && mkdir "$OUT/doc"
    split -l 25 -d -a 4 "$OUT/$dom.$side" "$OUT/doc/d"
    : >"$OUT/$dom.$side.out"
    t0=$(date +%s.%N)
    for f in "$OUT"/doc/d*; do
        "$U" restore "$f" >>"$OUT/$dom.$side.out"
    done
    t1=$(date +%s.%N)
    eval "time_$side=\$(awk -v a=\"\$t0\" -v b=\"\$t1\" 'BEGIN { printf \"%.1f\", b - a }')"
done
echo "$dom: $(sed 's/^spinsim: //' "$OUT/$dom.spinsim.log")"
printf '  spun:  %s (%s s)\n' "$(python3 tests/eval/restore_score.py "$OUT/$dom.spun" "$OUT/$dom.spun.out" "$OUT/$dom.clean")" "$time_spun"
printf '  clean: %s (%s s)\n' "$(python3 tests/eval/restore_score.py "$OUT/$dom.clean" "$OUT/$dom.clean.out" "$OUT/$dom.clean")" "$time_clean"
rm -rf "$OUT/doc"
