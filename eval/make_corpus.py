#!/usr/bin/env python3
"""Build an evaluation corpus: real paragraphs with planted duplicates, and where every copy is.

    python3 eval/make_corpus.py --sources SRC_DIR --lang zh --out /tmp/c-zh \\
        --files 200 --size-mb 20 --seed 1

SRC_DIR is the output of sources.py (zh.txt and en.txt: paragraphs separated by blank lines).
--lang zh or en takes that language's paragraphs, --lang mixed both, interleaved at random.
The paragraphs are shuffled with --seed and used at most once each, as "originals"; between
them a share --dup-rate of the emitted items are planted events. The result is deterministic
for a given seed, source text and set of options.

Writes OUT/docs/dNNNNN.txt (UTF-8; paragraphs separated by a blank line, now and then by two or
by a line of spaces; a final newline) and OUT/truth.json:
  files[]   {path, bytes, paragraphs: [[byte_start, byte_end, [origin ids]], ...]}: every
            paragraph of every file (as split on blank lines; spans exclude the separators), with
            the ids of the originals its text comes from. An original has its own id; a copy
            carries the ids of what it copies, a merged paragraph two, a quoting paragraph its
            own and the quoted one's.
  events[]  one per planted event: {id, kind, same_file, noise, src: [[path, start, end]...],
            dst: [[path, start, end]...], pairs: [...]}. Every pair links source paragraph(s)
            to the copy paragraph(s) that derive from them: {src: [[path,s,e]...], dst: [...],
            jaccard, containment}. jaccard is the exact Jaccard index of the normalized
            character 5-gram sets (common.py: NFKC, casefold, P*/Z*/Cc/Cf/white space removed)
            of the best-matching source and copy paragraph, that is what a paragraph-level
            detector can see; containment is the share of the smaller one's 5-grams found in
            the other (it matters for containment events).
  counts of events, pairs, files, bytes, and the options.

Event kinds (weights: --weights):
  exact_para     a verbatim copy of one earlier original
  exact_block    a verbatim copy of a run of 2..6 consecutive originals
  near_para      a copy of one original with noise: 1 to 3 of the operations below, at least one
                 of edit/ocr, at a rate drawn from --noise-rates
  near_block     a run of 2..6 originals copied, each paragraph with noise (same ops and rate)
  split_para     a copy cut in two by a stray blank line mid-sentence (half of them also with
                 light edits at the lowest noise rate): one paragraph becomes two
  resplit_block  a run of 3 originals copied as 2 paragraphs (two of them merged into one) or as
                 4 (one of them split mid-sentence)
  rewrap         a copy with hard line breaks only (latin words hyphenated across breaks)
  containment    a short original (at most 1/3 the length of the other) quoted inside a longer,
                 otherwise new paragraph
Noise operations (rate r per character):
  edit    substitution, deletion or insertion of a character of the same script
  ocr     OCR confusions: zh visually similar glyphs (己/已/巳, 未/末, 日/曰, 人/入, 土/士, 天/夭, ...);
          latin rn<->m, cl<->d, l<->1, O<->0, e<->c, li<->h, vv<->w, ...; a misread character
          without a look-alike is dropped (half of the time)
  punct   ASCII <-> full-width punctuation swaps, dropped and stray marks
  width   letters, digits and spaces swapped between ASCII and full-width forms
  wrap    hard line breaks every 12-40 (zh) or 40-80 (latin) columns, latin words hyphenated
Copies come from another, earlier file with probability --cross-file, else from earlier in the
same file. An original can be copied several times (then all its copies share its id).
"""
import argparse
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import normalize, set_containment, set_jaccard, shingles  # noqa: E402

KINDS = ["exact_para", "exact_block", "near_para", "near_block", "split_para", "resplit_block",
         "rewrap", "containment"]
DEFAULT_WEIGHTS = ("exact_para=0.15,exact_block=0.12,near_para=0.25,near_block=0.12,split_para=0.08,"
                   "resplit_block=0.08,rewrap=0.08,containment=0.12")
NOISE_OPS = ["edit", "ocr", "punct", "width", "wrap"]

# visually similar glyphs, each group interchangeable
ZH_LOOKALIKES = [
    "己已巳", "未末", "日曰", "人入", "土士", "天夭", "戊戌戍", "大太犬", "王玉主", "木本术", "今令",
    "贝见", "免兔", "鸟乌", "刀力", "白自", "目且", "田由甲申", "午牛", "折拆析", "准淮", "候侯",
    "千干于", "问间", "休体", "住往佳", "苦若", "晴睛", "拨拔", "辩辨辫", "壁璧", "撤撒", "茶荼",
    "幕墓暮慕", "历厉", "东车", "又叉", "二三", "夫失", "母毋", "治冶", "汩汨", "市币", "刺剌", "古吉",
    "予矛", "旦但", "元无", "各名", "会合", "兵丘", "亳毫", "籍藉", "清情请", "密蜜", "采彩", "仑仓",
]
ZH_LOOK = {c: [o for o in g if o != c] for g in ZH_LOOKALIKES for c in g}
LATIN_LOOKALIKES = [("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("l", "1"), ("1", "l"),
                    ("O", "0"), ("0", "O"), ("e", "c"), ("c", "e"), ("li", "h"), ("h", "li"),
                    ("vv", "w"), ("w", "vv"), ("I", "l"), ("l", "I"), ("S", "5"), ("B", "8"),
                    ("ri", "n"), ("u", "ii"), ("fi", "\ufb01"), ("t", "f")]
PUNCT_SWAP = {}
for _a, _b in [("，", ","), ("。", "."), ("；", ";"), ("：", ":"), ("！", "!"), ("？", "?"), ("（", "("),
               ("）", ")"), ("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("、", ","), ("—", "-"),
               ("《", "<"), ("》", ">"), ("…", "...")]:
    PUNCT_SWAP.setdefault(_a, _b)
    PUNCT_SWAP.setdefault(_b, _a)
SENTENCE_END = set("。！？.!?")


def is_han(c):
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


def script(text):
    """'zh' when Han characters are at least 30 % of the letters, else 'latin'."""
    han = sum(1 for c in text if is_han(c))
    letters = sum(1 for c in text if c.isalpha())
    return "zh" if han and han >= 0.3 * letters else "latin"


class Noise:
    """The noise operations; each returns (new text, {what: count})."""

    def __init__(self, rng, han_chars):
        self.rng = rng
        self.han_chars = han_chars

    def _char_like(self, c):
        if is_han(c):
            return self.rng.choice(self.han_chars)
        if c.isdigit():
            return self.rng.choice("0123456789")
        return self.rng.choice("etaoinshrdlucmfwypvbgk")

    def edit(self, s, rate, lang):
        rng, out, n = self.rng, [], {"sub": 0, "del": 0, "ins": 0}
        for c in s:
            if c.isspace() or rng.random() >= rate:
                out.append(c)
                continue
            op = rng.choice(("sub", "del", "ins"))
            n[op] += 1
            if op == "sub":
                out.append(self._char_like(c))
            elif op == "ins":
                out += [c, self._char_like(c)]
        return "".join(out), n

    def ocr(self, s, rate, lang):
        rng, out, n = self.rng, [], {"lookalike": 0, "dropped": 0}
        i = 0
        while i < len(s):
            c = s[i]
            if c.isspace() or rng.random() >= rate:
                out.append(c)
                i += 1
                continue
            if lang == "zh" and c in ZH_LOOK:
                out.append(rng.choice(ZH_LOOK[c]))
                n["lookalike"] += 1
                i += 1
                continue
            if lang != "zh":
                hits = [(a, b) for a, b in LATIN_LOOKALIKES if s.startswith(a, i)]
                if hits:
                    a, b = rng.choice(hits)
                    out.append(b)
                    n["lookalike"] += 1
                    i += len(a)
                    continue
            if rng.random() < 0.5:
                n["dropped"] += 1  # an unreadable character left out
            else:
                out.append(c)
            i += 1
        return "".join(out), n

    def punct(self, s, rate, lang):
        rng, out, n = self.rng, [], {"swapped": 0, "dropped": 0, "added": 0}
        p = max(0.3, 5 * rate)
        marks = "，。、；：" if lang == "zh" else ",.;:"
        for c in s:
            if c in PUNCT_SWAP and rng.random() < p:
                if rng.random() < 0.75:
                    out.append(PUNCT_SWAP[c])
                    n["swapped"] += 1
                else:
                    n["dropped"] += 1
                continue
            out.append(c)
            if not c.isspace() and rng.random() < rate / 2:
                out.append(rng.choice(marks))
                n["added"] += 1
        return "".join(out), n

    def width(self, s, rate, lang):
        rng, out, n = self.rng, [], {"to_full": 0, "to_half": 0}
        p = max(0.3, 10 * rate)
        for c in s:
            o = ord(c)
            if (c.isalnum() and o < 0x7F or c == " ") and rng.random() < p:
                out.append("\u3000" if c == " " else chr(o + 0xFEE0))
                n["to_full"] += 1
            elif (0xFF10 <= o <= 0xFF5A and chr(o - 0xFEE0).isalnum() or c == "\u3000") and rng.random() < p:
                out.append(" " if c == "\u3000" else chr(o - 0xFEE0))
                n["to_half"] += 1
            else:
                out.append(c)
        return "".join(out), n

    def wrap(self, s, rate, lang):
        rng, n = self.rng, {"breaks": 0, "hyphenated": 0}
        if lang == "zh":
            w = rng.randint(12, 40)
            lines = [s[i:i + w].strip() for i in range(0, len(s), w)]
            lines = [l for l in lines if l]
            n["breaks"] = len(lines) - 1
            return "\n".join(lines), n
        w = rng.randint(40, 80)
        lines, cur = [], ""
        for word in s.split():
            if cur and len(cur) + 1 + len(word) > w:
                room = w - len(cur) - 2
                if len(word) >= 6 and word.isalpha() and room >= 2 and rng.random() < 0.5:
                    k = rng.randint(2, min(room, len(word) - 2))
                    lines.append(cur + " " + word[:k] + "-")
                    word = word[k:]
                    n["hyphenated"] += 1
                else:
                    lines.append(cur)
                cur = word
                n["breaks"] += 1
            else:
                cur = cur + " " + word if cur else word
        lines.append(cur)
        return "\n".join(l for l in lines if l), n

    def apply(self, s, ops, rate):
        lang = script(s)
        detail = {}
        for op in NOISE_OPS:  # fixed order, wrap last
            if op in ops:
                s, detail[op] = getattr(self, op)(s, rate, lang)
        s = "\n".join(l.strip() for l in s.split("\n") if l.strip())  # no blank line inside
        return s, detail

    def split_point(self, s):
        """A cut near the middle, not after a sentence end; at a space for latin text."""
        lang = script(s)
        lo, hi = max(1, int(len(s) * 0.3)), max(2, int(len(s) * 0.7))
        cands = [i for i in range(lo, hi) if s[i - 1] not in SENTENCE_END
                 and (s[i] == " " if lang != "zh" else not s[i].isspace())]
        return self.rng.choice(cands) if cands else len(s) // 2


def read_pool(src_dir, lang, min_chars, max_chars, rng):
    langs = ["zh", "en"] if lang == "mixed" else [lang]
    pool = []
    for l in langs:
        with open(os.path.join(src_dir, l + ".txt"), encoding="utf-8") as f:
            text = f.read()
        for p in re.split(r"\n\s*\n", text):
            p = " ".join(p.split())
            if p and min_chars <= len(normalize(p)) and len(p) <= max_chars:
                pool.append(p)
    rng.shuffle(pool)
    return pool


class Corpus:
    """The files being written: text pieces, byte sizes and the truth of every paragraph."""

    def __init__(self, rng):
        self.rng = rng
        self.files = []  # {"path", "parts": [str], "size": int, "paras": [[start, end, origins]]}

    def new_file(self):
        self.files.append({"path": "docs/d%05d.txt" % len(self.files), "parts": [], "size": 0,
                           "paras": [], "plain": []})
        return len(self.files) - 1

    def _write(self, fi, s):
        f = self.files[fi]
        f["parts"].append(s)
        f["size"] += len(s.encode("utf-8"))

    def add(self, fi, text, origins, stray_break=False, plain=False):
        """Append a paragraph; returns its index in the file. stray_break: exactly one blank
        line before it (a paragraph cut in two), else a random ordinary separator. plain: an
        original (block copies take runs of those)."""
        f = self.files[fi]
        if f["paras"]:
            if stray_break:
                sep = "\n\n"
            else:
                r = self.rng.random()
                sep = "\n\n\n" if r < 0.03 else "\n \n" if r < 0.05 else "\n\u3000\n" if r < 0.06 else "\n\n"
            self._write(fi, sep)
        start = f["size"]
        self._write(fi, text)
        f["paras"].append([start, f["size"], sorted(set(origins)), text])
        f["plain"].append(plain)
        return len(f["paras"]) - 1

    def span(self, fi, pi):
        p = self.files[fi]["paras"][pi]
        return [self.files[fi]["path"], p[0], p[1]]

    def text(self, fi, pi):
        return self.files[fi]["paras"][pi][3]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", required=True, help="directory with zh.txt and en.txt (sources.py)")
    ap.add_argument("--lang", choices=["zh", "en", "mixed"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--size-mb", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dup-rate", type=float, default=0.15, help="share of emitted items that are planted events")
    ap.add_argument("--noise-rates", default="0.005,0.01,0.02,0.05,0.1")
    ap.add_argument("--weights", default=DEFAULT_WEIGHTS, help="relative frequency of each event kind")
    ap.add_argument("--cross-file", type=float, default=0.5, help="probability that a copy's source is in another file")
    ap.add_argument("--min-chars", type=int, default=30, help="least normalized characters of an original")
    ap.add_argument("--max-chars", type=int, default=4000, help="most characters of an original")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    pool = read_pool(a.sources, a.lang, a.min_chars, a.max_chars, rng)
    han_chars = [c for p in pool[:3000] for c in p if is_han(c)] or list("的一是在不了有人这中大为上个国我")
    noise = Noise(rng, han_chars)
    rates = [float(x) for x in a.noise_rates.split(",")]
    weights = dict((k, float(v)) for k, v in (kv.split("=") for kv in a.weights.split(",")))
    kinds = [k for k in KINDS if weights.get(k, 0) > 0]
    corpus = Corpus(rng)
    originals = []       # (file, paragraph index) of every plain original, in emission order
    first_orig = []      # file -> index in originals of the first original of that file
    events = []
    next_id = 0          # the next origin id (originals and the new text of quoting paragraphs)
    pool_i = 0
    target = a.size_mb * 1e6
    per_file = target / a.files

    def take_new(min_len=0):
        """Next unused pool paragraph (the first of the next 200 at least min_len long)."""
        nonlocal pool_i
        for j in range(pool_i, min(pool_i + 200, len(pool))):
            if len(pool[j]) >= min_len:
                pool[pool_i], pool[j] = pool[j], pool[pool_i]
                pool_i += 1
                return pool[pool_i - 1]
        return None

    def pick_source(fi):
        """An earlier original: from an earlier file with probability cross_file."""
        lo = first_orig[fi]
        if (rng.random() < a.cross_file and lo > 0) or lo == len(originals):
            return rng.randrange(lo) if lo else None
        return rng.randrange(lo, len(originals))

    def pick_run(fi, k):
        """k consecutive plain originals in one file (nothing planted between them)."""
        for _ in range(30):
            o = pick_source(fi)
            if o is None:
                return None
            sf, si = originals[o]
            plain = corpus.files[sf]["plain"]
            if si + k <= len(plain) and all(plain[si:si + k]):
                return sf, list(range(si, si + k))
        return None

    def pair(srcs, dsts, sf, fi):
        """Truth pair from source paragraph indices (file sf) to copy paragraph indices (file fi)."""
        best_j = best_c = 0.0
        for s in srcs:
            A = shingles(normalize(corpus.text(sf, s)))
            for d in dsts:
                B = shingles(normalize(corpus.text(fi, d)))
                best_j = max(best_j, set_jaccard(A, B))
                best_c = max(best_c, set_containment(A, B))
        return {"src": [corpus.span(sf, s) for s in srcs], "dst": [corpus.span(fi, d) for d in dsts],
                "jaccard": round(best_j, 4), "containment": round(best_c, 4)}

    size = 0
    while size < target and pool_i < len(pool):
        fi = corpus.new_file()
        first_orig.append(len(originals))
        while corpus.files[fi]["size"] < per_file and pool_i < len(pool):
            if not originals or rng.random() >= a.dup_rate:
                originals.append((fi, corpus.add(fi, take_new(), [next_id], plain=True)))
                next_id += 1
                continue
            kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
            ev = {"id": len(events), "kind": kind, "noise": None}
            if kind in ("exact_block", "near_block", "resplit_block"):
                got = pick_run(fi, 3 if kind == "resplit_block" else rng.randint(2, 6))
                if got is None:
                    continue
                sf, srcs = got
            else:
                o = pick_source(fi)
                if o is None:
                    continue
                sf, s0 = originals[o]
                srcs = [s0]
            origin = lambda s: corpus.files[sf]["paras"][s][2]  # noqa: E731
            pairs, dst = [], []
            if kind in ("exact_para", "exact_block"):
                for s in srcs:
                    d = corpus.add(fi, corpus.text(sf, s), origin(s))
                    dst.append(d)
                    pairs.append(pair([s], [d], sf, fi))
            elif kind in ("near_para", "near_block"):
                ops = rng.sample(NOISE_OPS, rng.randint(1, 3))
                if "edit" not in ops and "ocr" not in ops:
                    ops.append(rng.choice(["edit", "ocr"]))
                rate = rng.choice(rates)
                ev["noise"] = {"ops": [op for op in NOISE_OPS if op in ops], "rate": rate, "per_paragraph": []}
                for s in srcs:
                    text, detail = noise.apply(corpus.text(sf, s), ops, rate)
                    d = corpus.add(fi, text or corpus.text(sf, s), origin(s))
                    ev["noise"]["per_paragraph"].append(detail)
                    dst.append(d)
                    pairs.append(pair([s], [d], sf, fi))
            elif kind == "split_para":
                text = corpus.text(sf, srcs[0])
                ev["noise"] = {"ops": ["split"], "rate": None}
                if rng.random() < 0.5:
                    text, detail = noise.apply(text, ["edit"], rates[0])
                    ev["noise"] = {"ops": ["split", "edit"], "rate": rates[0], "per_paragraph": [detail]}
                cut = noise.split_point(text)
                p1, p2 = text[:cut].strip(), text[cut:].strip()
                if not p1 or not p2:
                    continue
                d1 = corpus.add(fi, p1, origin(srcs[0]))
                d2 = corpus.add(fi, p2, origin(srcs[0]), stray_break=True)
                dst = [d1, d2]
                pairs.append(pair(srcs, dst, sf, fi))
            elif kind == "resplit_block":
                texts = [corpus.text(sf, s) for s in srcs]
                if rng.random() < 0.5:  # 3 -> 2: two neighbours merged
                    m = rng.randint(0, 1)
                    glue = "" if script(texts[m]) == "zh" else " "
                    ev["noise"] = {"ops": ["merge"], "merged": [m, m + 1]}
                    for j in range(3):
                        if j == m + 1:
                            continue
                        t = texts[j] + glue + texts[j + 1] if j == m else texts[j]
                        origins = origin(srcs[j]) + (origin(srcs[j + 1]) if j == m else [])
                        dst.append(corpus.add(fi, t, origins))
                    pairs = [pair([srcs[j]], [dst[j if j <= m else j - 1]], sf, fi) for j in range(3)]
                else:  # 3 -> 4: one of them split mid-sentence
                    m = rng.randint(0, 2)
                    ev["noise"] = {"ops": ["split"], "split": m}
                    for j in range(3):
                        if j == m:
                            cut = noise.split_point(texts[j])
                            d1 = corpus.add(fi, texts[j][:cut].strip(), origin(srcs[j]))
                            d2 = corpus.add(fi, texts[j][cut:].strip(), origin(srcs[j]), stray_break=True)
                            dst += [d1, d2]
                            pairs.append(pair([srcs[j]], [d1, d2], sf, fi))
                        else:
                            dst.append(corpus.add(fi, texts[j], origin(srcs[j])))
                            pairs.append(pair([srcs[j]], [dst[-1]], sf, fi))
            elif kind == "rewrap":
                text, detail = noise.apply(corpus.text(sf, srcs[0]), ["wrap"], 0)
                ev["noise"] = {"ops": ["wrap"], "rate": None, "per_paragraph": [detail]}
                dst = [corpus.add(fi, text, origin(srcs[0]))]
                pairs.append(pair(srcs, dst, sf, fi))
            elif kind == "containment":
                quote = corpus.text(sf, srcs[0])
                host = take_new(min_len=3 * len(quote))
                if host is None:
                    continue
                lang = script(host)
                cuts = [i for i in range(1, len(host)) if host[i - 1] in SENTENCE_END
                        and (lang == "zh" or host[i] == " ")]
                cut = rng.choice(cuts) if cuts else len(host) // 2
                glue = "" if lang == "zh" else " "
                text = host[:cut].rstrip() + glue + quote + glue + host[cut:].lstrip()
                ev["noise"] = {"ops": ["quoted"], "host_origin": next_id}
                dst = [corpus.add(fi, text, origin(srcs[0]) + [next_id])]
                next_id += 1
                pairs.append(pair(srcs, dst, sf, fi))
            ev["same_file"] = sf == fi
            ev["src"] = [corpus.span(sf, s) for s in srcs]
            ev["dst"] = [corpus.span(fi, d) for d in dst]
            ev["pairs"] = pairs
            events.append(ev)
        size += corpus.files[fi]["size"] + 1

    os.makedirs(os.path.join(a.out, "docs"), exist_ok=True)
    for name in os.listdir(os.path.join(a.out, "docs")):
        os.remove(os.path.join(a.out, "docs", name))
    files_out = []
    for f in corpus.files:
        data = ("".join(f["parts"]) + "\n").encode("utf-8")
        assert len(data) == f["size"] + 1
        with open(os.path.join(a.out, f["path"]), "wb") as fo:
            fo.write(data)
        files_out.append({"path": f["path"], "bytes": len(data), "paragraphs": [p[:3] for p in f["paras"]]})
    counts, pair_counts = {}, {}
    for e in events:
        counts[e["kind"]] = counts.get(e["kind"], 0) + 1
        pair_counts[e["kind"]] = pair_counts.get(e["kind"], 0) + len(e["pairs"])
    options = {k: v for k, v in vars(a).items() if k != "out"}  # the same corpus wherever it is
    truth = {"format": "doublet eval truth 1", "options": options, "files": files_out,
             "bytes": sum(f["bytes"] for f in files_out), "paragraphs": sum(len(f["paras"]) for f in corpus.files),
             "originals": len(originals), "pool": len(pool),
             "event_counts": counts, "pair_counts": pair_counts, "events": events}
    with open(os.path.join(a.out, "truth.json"), "w", encoding="utf-8") as fo:
        json.dump(truth, fo, ensure_ascii=False)
    print("make_corpus: %s: %d files, %.2f MB, %d paragraphs, %d originals (of %d in the pool), events %s"
          % (a.out, len(files_out), truth["bytes"] / 1e6, truth["paragraphs"], truth["originals"], len(pool),
             json.dumps(counts)), file=sys.stderr)
    if size < target:
        print("make_corpus: WARNING: the pool ran out at %.2f MB of %.2f" % (size / 1e6, target / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
