"""restore_score.py - word error rate and edit precision/recall of a restoration.

usage: restore_score.py SPUN HYP ORIG

The three files are line-aligned. Words are lower-cased runs of letters and
digits (apostrophes dropped). Edits are the non-matching blocks of a
longest-common-subsequence alignment (difflib) of a line against the
original; an edit of the hypothesis is correct when the same block of the
spun line (same word positions) is rewritten to the same words as in the
original. Prints one line:
  wer_in=..% wer_out=..% edits_ref=N edits_out=N correct=N recall=.. precision=..
"""
import difflib
import re
import sys

WORD = re.compile(r"[0-9a-z]+")


def words(line):
    return WORD.findall(line.lower().replace("'", "").replace("\u2019", ""))


def distance(a, b):
    """Word-level Levenshtein distance."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def edits(src, dst):
    """Set of (i1, i2, replacement words) turning src into dst."""
    sm = difflib.SequenceMatcher(a=src, b=dst, autojunk=False)
    return {(i1, i2, tuple(dst[j1:j2])) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != 'equal'}


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__.strip().split('\n')[2])
    spun, hyp, ref = ([words(l) for l in open(p, encoding='utf-8', errors='replace')] for p in argv[1:])
    if not len(spun) == len(hyp) == len(ref):
        sys.exit('restore_score.py: line counts differ: %d %d %d' % (len(spun), len(hyp), len(ref)))
    n = d_in = d_out = n_ref = n_out = ok = 0
    for s, h, r in zip(spun, hyp, ref):
        n += len(r)
        d_in += distance(s, r)
        d_out += distance(h, r)
        er, eh = edits(s, r), edits(s, h)
        n_ref += len(er)
        n_out += len(eh)
        ok += len(er & eh)
    pct = lambda x: 100.0 * x / n if n else 0.0
    print('wer_in=%.2f%% wer_out=%.2f%% edits_ref=%d edits_out=%d correct=%d recall=%.3f precision=%.3f' % (
        pct(d_in), pct(d_out), n_ref, n_out, ok, ok / n_ref if n_ref else 0.0, ok / n_out if n_out else 1.0))


if __name__ == '__main__':
    main(sys.argv)
