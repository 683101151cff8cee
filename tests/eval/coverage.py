#!/usr/bin/env python3
"""coverage.py - how often the lexicon proposes the right original.

Aligns a spun text with its original word by word (difflib on the word
tokens of each line, tokenised by `unspin tokens`), extracts the substituted
spans, asks `unspin lexicon --json` for the candidates of each spun span and
prints the share whose original is among them (single words and multi-word
spans separately), plus the number of candidates per word token of the spun
text (mean, p95).

usage: coverage.py [--unspin BIN] [--model FILE] [-v] SPUN.txt ORIG.txt

The evaluation files are for measuring only: nothing learned from them goes
into the code or the data of the lexicon.
"""
import argparse
import difflib
import json
import subprocess
import sys

PUNCT_STOP = set('.,;:!?()[]{}"\u201c\u201d\u2018\u2019')


def tokens(unspin, path):
    """Per line: list of (norm, kind) of the non-space tokens."""
    out = subprocess.run([unspin, 'tokens', '--json', path], check=True,
                         capture_output=True, text=True).stdout
    lines, cur = [], []
    for ln in out.splitlines():
        t = json.loads(ln)
        if t['kind'] == 'space':
            if '\n' in t['text']:
                for _ in range(t['text'].count('\n')):
                    lines.append(cur)
                    cur = []
            continue
        cur.append((t['norm'], t['kind']))
    if cur:
        lines.append(cur)
    return lines


def lookup(unspin, model, queries):
    """Candidates of each query: list of (text, span)."""
    res = []
    for i in range(0, len(queries), 500):
        chunk = queries[i:i + 500]
        cmd = [unspin, 'lexicon', '--json'] + (['--model', model] if model else []) + ['--'] + chunk
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        for ln in out.splitlines():
            d = json.loads(ln)
            res.append([(c['text'], c['span']) for c in d['candidates']])
    assert len(res) == len(queries), (len(res), len(queries))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--unspin', default='./unspin')
    ap.add_argument('--model', default=None)
    ap.add_argument('-v', '--verbose', action='store_true')
    ap.add_argument('spun')
    ap.add_argument('orig')
    a = ap.parse_args()
    spun_lines = tokens(a.unspin, a.spun)
    orig_lines = tokens(a.unspin, a.orig)
    if len(spun_lines) != len(orig_lines):
        sys.exit('coverage.py: the files have different numbers of lines')
    singles, multis = [], []
    windows = []
    for sl, ol in zip(spun_lines, orig_lines):
        sw = [n for n, k in sl if k in ('word', 'number')]
        ow = [n for n, k in ol if k in ('word', 'number')]
        sm = difflib.SequenceMatcher(a=sw, b=ow, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op != 'replace':
                continue
            pair = (sw[i1:i2], ow[j1:j2])
            (singles if i2 - i1 == 1 and j2 - j1 == 1 else multis).append(pair)
        # lookup windows at every word token: up to 4 words, stopping at punctuation
        for i, (n, k) in enumerate(sl):
            if k != 'word':
                continue
            win = []
            for n2, k2 in sl[i:]:
                if k2 in ('word', 'number'):
                    win.append(n2)
                    if len(win) == 4:
                        break
                elif n2 in PUNCT_STOP or k2 == 'punct':
                    break
            windows.append(' '.join(win))

    q_single = [s[0] for s, _ in singles]
    r_single = lookup(a.unspin, a.model, q_single) if q_single else []
    hit1 = 0
    for (s, o), cands in zip(singles, r_single):
        ok = any(t == o[0] and sp == 1 for t, sp in cands)
        hit1 += ok
        if a.verbose and not ok:
            print('miss1\t%s\t%s\t%d cands' % (s[0], o[0], len([c for c in cands if c[1] == 1])))

    # multi-word: strict (the whole original is a candidate of the whole spun
    # span) or by segments (the span splits into pieces of 1-4 words, each kept
    # or replaced by one of its candidates, that together give the original:
    # what a decoder can produce from the lexicon)
    q_multi = [' '.join(s[:4]) for s, _ in multis]
    r_multi = lookup(a.unspin, a.model, q_multi) if q_multi else []
    q_win = sorted({' '.join(s[i:i + 4]) for s, _ in multis for i in range(len(s))})
    r_win = dict(zip(q_win, lookup(a.unspin, a.model, q_win))) if q_win else {}
    strict = compo = 0
    for (s, o), cands in zip(multis, r_multi):
        whole = ' '.join(o)
        ok_strict = len(s) <= 4 and any(t == whole and sp == len(s) for t, sp in cands)
        reach = {(0, 0)}
        for i in range(len(s)):
            for (ri, rj) in sorted(x for x in reach if x[0] == i):
                if rj < len(o) and s[i] == o[rj]:
                    reach.add((i + 1, rj + 1))
                for t, sp in r_win[' '.join(s[i:i + 4])]:
                    tt = t.split(' ')
                    if i + sp <= len(s) and o[rj:rj + len(tt)] == tt:
                        reach.add((i + sp, rj + len(tt)))
        ok_comp = ok_strict or (len(s), len(o)) in reach
        strict += ok_strict
        compo += ok_comp
        if a.verbose and not ok_comp:
            print('missN\t%s\t%s' % (' '.join(s), whole))

    counts = [len(c) for c in lookup(a.unspin, a.model, windows)] if windows else []
    counts.sort()
    mean = sum(counts) / len(counts) if counts else 0.0
    p95 = counts[min(len(counts) - 1, int(0.95 * len(counts)))] if counts else 0
    pct = lambda x, n: 100.0 * x / n if n else 0.0
    print('single-word spans: %d, covered %d (%.1f%%)' % (len(singles), hit1, pct(hit1, len(singles))))
    print('multi-word spans: %d, covered as a phrase %d (%.1f%%), phrase or by segments %d (%.1f%%)' % (
        len(multis), strict, pct(strict, len(multis)), compo, pct(compo, len(multis))))
    print('candidates per word token: mean %.1f, p95 %d (%d tokens)' % (mean, p95, len(counts)))


if __name__ == '__main__':
    main()
