#!/usr/bin/env python3
"""check_auc.py - figures for `unspin check` output (JSON Lines).

  check_auc.py auc SPUN.json CLEAN.json          paragraph AUC (line records only)
  check_auc.py reliability SPUN.json CLEAN.json  predicted-probability bins vs observed spun rate
  check_auc.py scores FILE.json                  one p_spun per line (for score.py auc)
Records with "document" are skipped; so are lines with no words when --skip-empty is given.
"""
import json
import sys


def load(path, skip_empty=False):
    out = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            r = json.loads(line)
            if r.get("document"):
                continue
            if skip_empty and r.get("words", 1) == 0:
                continue
            out.append(r["p_spun"])
    return out


def auc(pos, neg):
    # Mann-Whitney U with ties counted half
    allv = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    rank_sum = 0.0
    i = 0
    n = len(allv)
    while i < n:
        j = i
        while j < n and allv[j][0] == allv[i][0]:
            j += 1
        r = (i + 1 + j) / 2.0
        rank_sum += r * sum(1 for k in range(i, j) if allv[k][1] == 1)
        i = j
    npos, nneg = len(pos), len(neg)
    if not npos or not nneg:
        return float("nan")
    return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg)


def reliability(pos, neg, bins=10):
    rows = []
    data = [(p, 1) for p in pos] + [(p, 0) for p in neg]
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [y for p, y in data if (lo <= p < hi) or (b == bins - 1 and p == 1.0)]
        preds = [p for p, y in data if (lo <= p < hi) or (b == bins - 1 and p == 1.0)]
        if sel:
            rows.append((lo, hi, len(sel), sum(preds) / len(preds), sum(sel) / len(sel)))
    return rows


def main():
    a = sys.argv[1:]
    skip = "--skip-empty" in a
    a = [x for x in a if x != "--skip-empty"]
    if len(a) == 3 and a[0] == "auc":
        print("%.4f" % auc(load(a[1], skip), load(a[2], skip)))
    elif len(a) == 3 and a[0] == "reliability":
        pos, neg = load(a[1], skip), load(a[2], skip)
        print("bin\tn\tmean_predicted\tobserved_spun")
        for lo, hi, n, mp, obs in reliability(pos, neg):
            print("%.1f-%.1f\t%d\t%.3f\t%.3f" % (lo, hi, n, mp, obs))
        data = [(p, 1) for p in pos] + [(p, 0) for p in neg]
        brier = sum((p - y) ** 2 for p, y in data) / max(1, len(data))
        print("brier\t%.4f" % brier)
    elif len(a) == 2 and a[0] == "scores":
        for v in load(a[1], skip):
            print(v)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
