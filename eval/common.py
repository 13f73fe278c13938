"""Definitions shared by the evaluation scripts (imported by make_corpus.py, score.py, peers.py).

* normalize(text): NFKC, casefold, then every character of Unicode category P* (punctuation),
  Z* (separators), Cc, Cf, or white space removed. So re-wrapped lines, "exam-\\nple"
  hyphenation, quote styles and full-width vs ASCII forms all normalize alike.
* shingles(norm): the set of character 5-grams of a normalized text (a text shorter than 5
  characters is its own single shingle; the empty text has none).
* word_shingles(raw, k): the set of word k-grams of a raw text, for measuring word against
  character shingles: NFKC + casefold, words are runs of letters and digits, every CJK
  ideograph, kana or hangul syllable is a word of its own (a text of fewer than k words is its
  own single shingle).
* jaccard(a, b), containment(a, b) of two raw texts on those sets.
* paragraphs(data): the paragraphs of a file's bytes, as doublet cuts them: a paragraph is a
  run of non-blank lines, a blank line holds only white space; each span is trimmed of its
  surrounding white space; byte offsets are into the raw bytes.
"""
import unicodedata

NGRAM = 5


class _DropTable(dict):
    """str.translate table that deletes P*, Z*, Cc, Cf and white space, filled on demand."""

    def __missing__(self, cp):
        c = chr(cp)
        cat = unicodedata.category(c)
        drop = cat[0] in "PZ" or cat in ("Cc", "Cf") or c.isspace()
        self[cp] = None if drop else cp
        return self[cp]


_DROP = _DropTable()


def normalize(text):
    return unicodedata.normalize("NFKC", text).casefold().translate(_DROP)


def shingles(norm, n=NGRAM):
    if len(norm) <= n:
        return {norm} if norm else set()
    return {norm[i:i + n] for i in range(len(norm) - n + 1)}


def _is_cjk(c):
    cp = ord(c)
    return (0x3040 <= cp <= 0x30FF or 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF
            or 0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3134F)


def words(raw):
    out, cur = [], []
    for c in unicodedata.normalize("NFKC", raw).casefold():
        if _is_cjk(c):
            if cur:
                out.append("".join(cur))
                cur = []
            out.append(c)
        elif c.isalnum():
            cur.append(c)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def word_shingles(raw, k):
    w = words(raw)
    if len(w) <= k:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i:i + k]) for i in range(len(w) - k + 1)}


def set_jaccard(a, b):
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def set_containment(a, b):
    """Share of the smaller set's shingles found in the other set."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def jaccard(a, b):
    return set_jaccard(shingles(normalize(a)), shingles(normalize(b)))


def containment(a, b):
    return set_containment(shingles(normalize(a)), shingles(normalize(b)))


def _blank(line):
    return not line or line.isspace()


def paragraphs(data):
    """[(byte_start, byte_end, line_start)] of the paragraphs of data (bytes), end exclusive,
    line_start 1-based. Lines end at b"\\n"; a line of only white space (any Unicode white
    space, so U+3000 and a lone "\\r") is blank."""
    out = []
    pos = 0
    line_no = 1
    cur = None  # [start, end, line] of the paragraph being read
    for raw in data.split(b"\n"):
        text = raw.decode("utf-8", "replace")
        if _blank(text):
            if cur:
                out.append(tuple(cur))
                cur = None
        else:
            lead = len(text) - len(text.lstrip())
            start = pos + len(text[:lead].encode("utf-8")) if lead else pos
            trail = len(text) - len(text.rstrip())
            end = pos + len(raw) - (len(text[len(text) - trail:].encode("utf-8")) if trail else 0)
            if cur is None:
                cur = [start, end, line_no]
            else:
                cur[1] = end
        pos += len(raw) + 1
        line_no += 1
    if cur:
        out.append(tuple(cur))
    return out
