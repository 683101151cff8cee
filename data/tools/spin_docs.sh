#!/bin/sh
# data/tools/spin_docs.sh - simulated documents for the pooling model of
# `unspin check` (data/tools/fit_check.sh, tests/eval/eval_check.sh):
#
#   sh data/tools/spin_docs.sh CLEAN SEED OUT SPINSIM [SPINSIM ARGS...]
#
# CLEAN holds one paragraph a line. It is cut into documents of 20
# consecutive paragraphs and spun by SPINSIM with --doc-lines 20 (one table
# per document) and --seed SEED. Each document is then kept at a random
# length of 2 to 20 paragraphs and is, in turn, clean (the original
# paragraphs), fully spun (the spun ones) or mixed (each paragraph spun or
# original with probability 1/2: spun paragraphs pasted into original
# text). OUT gets "D<TAB>KIND" (clean, full, mixed) before each document and
# "LABEL<TAB>PARAGRAPH" lines (LABEL 1: the paragraph differs from the
# original). Deterministic for a given SEED.
set -eu
clean=$1 seed=$2 out=$3
shift 3
"$@" --doc-lines 20 --seed "$seed" <"$clean" >"$out.spun" 2>/dev/null
awk -v seed="$seed" 'BEGIN { srand(seed); FS = "\n" }
    NR == FNR { c[FNR] = $0; n = FNR; next }
    { s[FNR] = $0 }
    END {
        for (d = 0; d * 20 < n; d++) {
            kind = (d + seed) % 3
            len = 2 + int(rand() * 19)
            print "D\t" (kind == 0 ? "clean" : kind == 1 ? "full" : "mixed")
            for (i = d * 20 + 1; i <= d * 20 + len && i <= n; i++) {
                spun = kind == 1 || (kind == 2 && rand() < 0.5)
                t = spun ? s[i] : c[i]
                print (t != c[i]) "\t" t
            }
        }
    }' "$clean" "$out.spun" >"$out"
rm -f "$out.spun"
