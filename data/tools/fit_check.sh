#!/bin/sh
# data/tools/fit_check.sh - fit the weights of `unspin check` (models/default.uscheck)
# on simulated spinning of held-out text. Called by data/build-models.sh:
#
#   sh data/tools/fit_check.sh [MODELS_DIR [CACHE_DIR]]
#
# Needs models/default.uslm, models/default.uslex, build/tools/spinsim and
# build/tools/fit_check (`make tools`), MyThes, Aiksaurus and WordNet from
# data/fetch.sh. Fitting text: the first half of the pseudo-paragraphs
# (consecutive lines joined to >= 25 words) of general.heldout.txt and of
# technical.heldout.txt; the second half of general.heldout.txt is left for
# tests/eval/eval_check.sh. Deterministic (fixed seeds). Two steps: the
# paragraph and word models, then the pooling model on simulated documents.
set -eu
cd "$(dirname "$0")/../.."
M=${1:-models}
CACHE=${2:-${UNSPIN_CACHE:-.cache}}
T=$CACHE/text
D=$CACHE/deb
W=$(mktemp -d "${TMPDIR:-/tmp}/fitcheck.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM

SPIN="build/tools/spinsim --mythes $D/mythes-en-us/usr/share/mythes/th_en_US_v2.dat
      --aiksaurus $D/libaiksaurus-1.2-data/usr/share/aiksaurus --wordnet $D/wordnet-base/usr/share/wordnet"

# paragraphs FILE: consecutive lines joined until they hold >= 25 words
paragraphs() { awk '{b = b (b == "" ? "" : " ") $0; n += NF; if (n >= 25) { print b; b = ""; n = 0 } } END { if (b != "") print b }' "$1"; }
# first_half / second_half of a file's lines
first_half() { n=$(wc -l <"$1"); head -n $((n / 2)) "$1"; }

: >"$W/clean"
for dom in general technical; do
    paragraphs "$T/$dom.heldout.txt" >"$W/$dom.para"
    first_half "$W/$dom.para" >>"$W/clean"
done
# two spinnings of the same paragraphs: sense-blind uniform choice among all
# synonyms (rate 0.3; its short phrase fragments teach the short-text model),
# and a spinner that prefers common synonyms (rate 0.4, half of the choices
# weighted by frequency)
$SPIN --rate 0.3 --seed 101 --fragments "$W/frag" --log "$W/log1" <"$W/clean" >"$W/spun1"
$SPIN --rate 0.4 --seed 202 --lm "$M/default.uslm" --common 0.5 --log "$W/log2" <"$W/clean" >"$W/spun2"
# tortured phrases have every word replaced: a dense spinning (rate 0.9) of
# the technical paragraphs adds the fragments in which every word was
# replaced (held-out fragment AUC 0.871 -> 0.911; the tortured-phrase figures
# of tests/eval/eval_check.sh do not change)
first_half "$W/technical.para" >"$W/tech"
$SPIN --rate 0.9 --seed 303 --fragments "$W/frag3" <"$W/tech" >/dev/null
awk -F '\t' '{ n = split($1, a, " "); m = split($2, b, " "); if (n != m) next;
               for (i = 1; i <= n; i++) if (a[i] == b[i]) next; print }' "$W/frag3" >>"$W/frag"
cat "$W/spun1" "$W/spun2" >"$W/spun"
cat "$W/clean" "$W/clean" >"$W/clean2"
# the change logs, with the second run's line numbers after the first run's
n1=$(wc -l <"$W/spun1")
{ cat "$W/log1"; awk -F '\t' -v n="$n1" 'BEGIN { OFS = "\t" } { $1 = $1 + n; print }' "$W/log2"; } >"$W/log"
build/tools/fit_check -m "$M/default.uslm" -l "$M/default.uslex" -o "$W/local.uscheck" \
    --spun "$W/spun" --clean "$W/clean2" --log "$W/log" --fragments "$W/frag"
# the pooling model (a paragraph's probability with its document's
# evidence): simulated documents of the same paragraphs (data/tools/
# spin_docs.sh: a third clean, a third fully spun, a third mixed; one table
# per document), from four spinnings: uniform at rates 0.3 and 0.2, common
# synonyms at rate 0.4 twice
sh data/tools/spin_docs.sh "$W/clean" 11 "$W/docs1" $SPIN --rate 0.3
sh data/tools/spin_docs.sh "$W/clean" 22 "$W/docs2" $SPIN --rate 0.4 --lm "$M/default.uslm" --common 0.5
sh data/tools/spin_docs.sh "$W/clean" 34 "$W/docs3" $SPIN --rate 0.2
sh data/tools/spin_docs.sh "$W/clean" 46 "$W/docs4" $SPIN --rate 0.4 --lm "$M/default.uslm" --common 0.5
cat "$W/docs1" "$W/docs2" "$W/docs3" "$W/docs4" >"$W/docs"
build/tools/fit_check -m "$M/default.uslm" -l "$M/default.uslex" -w "$W/local.uscheck" -o "$W/pooled.uscheck" \
    --pool "$W/docs"
mv "$W/pooled.uscheck" "$M/default.uscheck"
