#!/usr/bin/env python3
"""check_auc.py - figures for `unspin check` output (JSON Lines).

  check_auc.py auc SPUN.json CLEAN.json          paragraph AUC (line records only)
  check_auc.py reliability SPUN.json CLEAN.json  predicted-probability bins vs observed spun rate
  check_auc.py scores FILE.json                  one p_spun per line (for score.py auc)
  check_auc.py docs DOCS OUT.json                simulated documents (data/tools/spin_docs.sh
                                                 format) against `unspin check --per-file --json`
                                                 output on them, one file per document: AUCs
                                                 of p_spun and p_local over all documents, over
                                                 the mixed ones, within each mixed document
                                                 (mean), and reliability tables
Records with "document" are skipped; so are lines with no words when --skip-empty is given.
--key K reads field K instead of p_spun (e.g. --key p_local).
"""
import json
import sys


KEY = "p_spun"


def load(path, skip_empty=False):
    out = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            r = json.loads(line)
            if r.get("document"):
                continue
            if skip_empty and r.get("words", 1) == 0:
                continue
            out.append(r[KEY])
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


def docs(docs_path, json_path):
    """Paragraph labels and kinds from DOCS, aligned with the JSON records."""
    items = []  # (doc, kind, label)
    doc = -1
    kind = ""
    with open(docs_path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            k, _, rest = line.rstrip("\n").partition("\t")
            if k == "D":
                doc += 1
                kind = rest
            else:
                items.append((doc, kind, int(k)))
    recs = []
    with open(json_path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            r = json.loads(line)
            if not r.get("document"):
                recs.append(r)
    if len(recs) != len(items):
        sys.exit("check_auc: %d records for %d paragraphs" % (len(recs), len(items)))
    for key in ("p_local", "p_spun"):
        for sel, name in ((lambda it: True, "all documents"), (lambda it: it[1] == "mixed", "mixed documents")):
            pos = [r[key] for r, it in zip(recs, items) if sel(it) and it[2] == 1 and r["words"] > 0]
            neg = [r[key] for r, it in zip(recs, items) if sel(it) and it[2] == 0 and r["words"] > 0]
            print("%s, %s (%d spun, %d clean): AUC %.4f" % (key, name, len(pos), len(neg), auc(pos, neg)))
        within = []
        for d in sorted(set(it[0] for it in items if it[1] == "mixed")):
            pos = [r[key] for r, it in zip(recs, items) if it[0] == d and it[2] == 1]
            neg = [r[key] for r, it in zip(recs, items) if it[0] == d and it[2] == 0]
            if pos and neg:
                within.append(auc(pos, neg))
        print("%s, within each mixed document: mean AUC %.4f over %d documents" %
              (key, sum(within) / max(1, len(within)), len(within)))
    for key in ("p_local", "p_spun"):
        pos = [r[key] for r, it in zip(recs, items) if it[2] == 1 and r["words"] > 0]
        neg = [r[key] for r, it in zip(recs, items) if it[2] == 0 and r["words"] > 0]
        print("reliability of %s, all documents (bin, n, predicted, observed):" % key)
        for lo, hi, n, mp, obs in reliability(pos, neg):
            print("  %.1f-%.1f\t%d\t%.3f\t%.3f" % (lo, hi, n, mp, obs))
        data = [(p, 1) for p in pos] + [(p, 0) for p in neg]
        print("  brier\t%.4f" % (sum((p - y) ** 2 for p, y in data) / max(1, len(data))))


def main():
    global KEY
    a = sys.argv[1:]
    skip = "--skip-empty" in a
    a = [x for x in a if x != "--skip-empty"]
    if len(a) >= 2 and a[0] == "--key":
        KEY = a[1]
        a = a[2:]
    if len(a) == 3 and a[0] == "docs":
        docs(a[1], a[2])
        return
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
