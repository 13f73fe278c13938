#!/usr/bin/env python3
"""Score a duplicate report (doublet's JSON Lines format) against a corpus from make_corpus.py.

    python3 eval/score.py CORPUS REPORT.jsonl           # readable summary
    python3 eval/score.py CORPUS REPORT.jsonl --json    # one JSON object
    python3 eval/score.py CORPUS REPORT.jsonl --missed 20 [--kind near_para]   # + what was missed
    python3 eval/score.py CORPUS REPORT.jsonl --false 20     # + links judged false

CORPUS holds docs/*.txt and truth.json. In REPORT every line of "type": "finding" counts; each
has "occurrences": [{"path", "byte_start", "byte_end", "line_start", ...}]. Other lines are
ignored. A path is matched to the corpus on its part from the last "docs/" on.

Definitions
* An occurrence COVERS a paragraph of the corpus when it overlaps at least half of the
  paragraph's bytes, or when it is marked "partial" (a passage inside a longer paragraph, as
  doublet reports the place of a quoted paragraph) and lies inside the paragraph (at least 90%
  of its bytes). Its origins are the origin ids (truth.json) of the paragraphs it covers.
* RECALL. Every planted pair (truth.json events[].pairs: source paragraph(s) -> copy
  paragraph(s)) is FOUND when a finding has one occurrence covering a source paragraph and
  another occurrence covering a copy paragraph of the pair. Findings chain: when one finding
  links paragraphs x and y of a common origin (covered by two different occurrences) and
  another finding links y and z, x and z are linked too; so n copies of one original may come
  as one finding of n occurrences or as several findings. A split copy (two paragraphs) is
  found when either part is linked to the source.
  Reported: recall per event kind; recall of the near_para/near_block pairs per bucket of
  their 5-gram Jaccard (<0.4, 0.4-0.5, 0.5-0.6, 0.6-0.8, 0.8-0.9, >=0.9); recall of all pairs
  of any kind per bucket; "recall_by_kind_j05": recall per kind of the pairs with Jaccard >= 0.5
  (a near copy that noise took below 0.5 is not a duplicate at the bar near pairs are held to;
  containment pairs have low Jaccard by nature and count only under recall_by_kind); "near_j05": recall of near pairs with Jaccard >= 0.5;
  "all_j05": recall of all pairs of any kind with Jaccard >= 0.5.
* PRECISION. Every two occurrences of one finding are a reported LINK. A link is TRUE when the
  two occurrences share an origin. Otherwise its texts are compared (normalized as in
  common.py, character 5-grams): Jaccard >= 0.5, or >= 80 % of the smaller text's 5-grams in
  the other, makes it NATURAL (a repeat already in the source prose, neither right nor wrong:
  counted apart); anything else is FALSE. precision = true / (true + false).
  A finding of n > 300 occurrences has n(n-1)/2 links: 50,000 of them, drawn at random (seed
  0), are judged and the counts scaled up.
* LOCATION. For every occurrence: 0 <= byte_start < byte_end <= file size; line_start = 1 +
  the newlines before byte_start; and, when present, col_start (characters from the line's
  start, 1-based), line_end and col_end (of the last character, inclusive), para_start and
  para_end (0-based indices of the paragraphs, as split on blank lines, holding the first and
  the last byte). Any mismatch is one location error of that field.
* SELF-OVERLAP: two occurrences of one finding whose byte ranges in one file intersect.
"""
import argparse
import bisect
import json
import os
import random
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import normalize, paragraphs, set_containment, set_jaccard, shingles  # noqa: E402

BUCKETS = [("<0.4", 0.0), ("0.4-0.5", 0.4), ("0.5-0.6", 0.5), ("0.6-0.8", 0.6), ("0.8-0.9", 0.8), (">=0.9", 0.9)]
MAX_EXACT_OCC = 300
SAMPLE_LINKS = 50000


def bucket(j):
    name = BUCKETS[0][0]
    for n, lo in BUCKETS:
        if j >= lo:
            name = n
    return name


def rel(path):
    i = path.rfind("docs/")
    return path[i:] if i >= 0 else path


class Corpus:
    """truth.json plus lazy access to the files' bytes, lines and paragraphs."""

    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, "truth.json"), encoding="utf-8") as f:
            self.truth = json.load(f)
        self.paras = {}    # path -> [(start, end, origins, global id)]
        self.starts = {}   # path -> [start]
        gid = 0
        for f in self.truth["files"]:
            lst = []
            for s, e, o in f["paragraphs"]:
                lst.append((s, e, frozenset(o), gid))
                gid += 1
            self.paras[f["path"]] = lst
            self.starts[f["path"]] = [p[0] for p in lst]
        self.by_span = {(path, p[0], p[1]): p for path, lst in self.paras.items() for p in lst}
        self._data = {}
        self._lines = {}
        self._split = {}

    def data(self, path):
        if path not in self._data:
            try:
                with open(os.path.join(self.root, path), "rb") as f:
                    self._data[path] = f.read()
            except OSError:
                self._data[path] = None
        return self._data[path]

    def line_starts(self, path):
        if path not in self._lines:
            d = self.data(path)
            starts, i = [0], d.find(b"\n")
            while i >= 0:
                starts.append(i + 1)
                i = d.find(b"\n", i + 1)
            self._lines[path] = starts
        return self._lines[path]

    def split(self, path):
        if path not in self._split:
            self._split[path] = [p[0] for p in paragraphs(self.data(path))]
        return self._split[path]

    def covered(self, path, s, e, partial=False):
        """Truth paragraphs of path overlapped by [s, e) over at least half their bytes, or,
        for a partial occurrence, holding at least 90% of [s, e)."""
        lst = self.paras.get(path)
        if not lst:
            return []
        i = max(0, bisect.bisect_right(self.starts[path], s) - 1)
        out = []
        while i < len(lst) and lst[i][0] < e:
            ps, pe = lst[i][0], lst[i][1]
            overlap = min(e, pe) - max(s, ps)
            if 2 * overlap >= pe - ps or (partial and 10 * overlap >= 9 * (e - s)):
                out.append(lst[i])
            i += 1
        return out


class UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        p = self.parent
        p.setdefault(x, x)
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def check_location(corpus, path, o, errors):
    """Count location errors of occurrence o (a dict from the report) in errors[field]."""
    d = corpus.data(path)
    s, e = o["byte_start"], o["byte_end"]
    if d is None or not (0 <= s < e <= len(d)):
        errors["range"] += 1
        return
    ls = corpus.line_starts(path)
    line_s = bisect.bisect_right(ls, s)
    line_e = bisect.bisect_right(ls, e - 1)
    if o.get("line_start") != line_s:
        errors["line_start"] += 1
    if "col_start" in o and o["col_start"] != len(d[ls[line_s - 1]:s].decode("utf-8", "replace")) + 1:
        errors["col_start"] += 1
    if "line_end" in o and o["line_end"] != line_e:
        errors["line_end"] += 1
    if "col_end" in o and o["col_end"] != len(d[ls[line_e - 1]:e].decode("utf-8", "replace")):
        errors["col_end"] += 1
    if "para_start" in o or "para_end" in o:
        ps = corpus.split(path)
        if o.get("para_start") != bisect.bisect_right(ps, s) - 1:
            errors["para_start"] += 1
        if o.get("para_end") != bisect.bisect_right(ps, e - 1) - 1:
            errors["para_end"] += 1


def score(corpus_dir, report_path, missed_out=None, false_out=None):
    """The scores of one report (a dict); missed_out, a list, receives the pairs not found."""
    corpus = Corpus(corpus_dir)
    uf = UnionFind()
    links = defaultdict(float)
    errors = defaultdict(int)
    occ_checked = findings = self_overlap = 0
    grams_cache = {}
    rng = random.Random(0)

    def grams(path, s, e):
        key = (path, s, e)
        if key not in grams_cache:
            d = corpus.data(path)
            grams_cache[key] = shingles(normalize(d[s:e].decode("utf-8", "replace"))) if d else set()
        return grams_cache[key]

    with open(report_path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            if r.get("type") != "finding":
                continue
            findings += 1
            occ = []
            for o in r["occurrences"]:
                path = rel(o["path"])
                occ_checked += 1
                check_location(corpus, path, o, errors)
                cov = corpus.covered(path, o["byte_start"], o["byte_end"], o.get("partial", False))
                origins = frozenset().union(*(p[2] for p in cov)) if cov else frozenset()
                occ.append((path, o["byte_start"], o["byte_end"], cov, origins))
            # recall: union the covered paragraphs of one origin found in two occurrences
            by_origin = defaultdict(list)
            for k, (_, _, _, cov, _) in enumerate(occ):
                for p in cov:
                    for og in p[2]:
                        by_origin[og].append((k, p[3]))
            for members in by_origin.values():
                if len({k for k, _ in members}) > 1:
                    for _, g in members[1:]:
                        uf.union(members[0][1], g)
            # precision: the links between occurrences
            n = len(occ)
            total = n * (n - 1) // 2
            if n <= MAX_EXACT_OCC:
                pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
                weight = 1.0
            else:
                pairs = set()
                while len(pairs) < SAMPLE_LINKS:
                    i, j = rng.randrange(n), rng.randrange(n)
                    if i != j:
                        pairs.add((min(i, j), max(i, j)))
                pairs = sorted(pairs)
                weight = total / len(pairs)
            for i, j in pairs:
                pi, si, ei, _, oi = occ[i]
                pj, sj, ej, _, oj = occ[j]
                if pi == pj and si < ej and sj < ei:
                    self_overlap += weight
                if oi & oj:
                    links["true"] += weight
                    continue
                A, B = grams(pi, si, ei), grams(pj, sj, ej)
                if A and B and (set_jaccard(A, B) >= 0.5 or set_containment(A, B) >= 0.8):
                    links["natural"] += weight
                else:
                    links["false"] += weight
                    if false_out is not None:
                        false_out.append((r.get("id"), set_jaccard(A, B) if A and B else 0.0, (pi, si, ei), (pj, sj, ej)))
                    if not oi and not oj:
                        links["false_outside_truth"] += weight

    found = defaultdict(lambda: [0, 0])
    found05 = defaultdict(lambda: [0, 0])
    near_b = defaultdict(lambda: [0, 0])
    all_b = defaultdict(lambda: [0, 0])
    j05 = {"near": [0, 0], "all": [0, 0]}
    missed = []
    for ev in corpus.truth["events"]:
        for p in ev["pairs"]:
            src = [corpus.by_span[tuple(x)][3] for x in p["src"]]
            dst = [corpus.by_span[tuple(x)][3] for x in p["dst"]]
            ok = any(uf.find(a) == uf.find(b) for a in src for b in dst)
            found[ev["kind"]][0] += ok
            if not ok:
                missed.append((p["jaccard"], ev["kind"], ev["id"], p["src"], p["dst"]))
            found[ev["kind"]][1] += 1
            b = bucket(p["jaccard"])
            all_b[b][0] += ok
            all_b[b][1] += 1
            near = ev["kind"] in ("near_para", "near_block")
            if near:
                near_b[b][0] += ok
                near_b[b][1] += 1
            if p["jaccard"] >= 0.5:
                found05[ev["kind"]][0] += ok
                found05[ev["kind"]][1] += 1
                for key in ("all",) + (("near",) if near else ()):
                    j05[key][0] += ok
                    j05[key][1] += 1

    if missed_out is not None:
        missed_out += sorted(missed, key=lambda m: -m[0])

    def ratio(v):
        return round(v[0] / v[1], 4) if v[1] else None

    tot = [sum(v[0] for v in found.values()), sum(v[1] for v in found.values())]
    t, f = links["true"], links["false"]
    return {
        "report": report_path,
        "findings": findings,
        "occurrences": occ_checked,
        "recall": ratio(tot),
        "recall_by_kind": {k: ratio(v) for k, v in sorted(found.items())},
        "pairs_by_kind": {k: v[1] for k, v in sorted(found.items())},
        "recall_by_kind_j05": {k: ratio(v) for k, v in sorted(found05.items())},
        "near_recall_by_jaccard": {n: [ratio(near_b[n]), near_b[n][1]] for n, _ in BUCKETS if near_b[n][1]},
        "all_recall_by_jaccard": {n: [ratio(all_b[n]), all_b[n][1]] for n, _ in BUCKETS if all_b[n][1]},
        "near_j05": ratio(j05["near"]),
        "all_j05": ratio(j05["all"]),
        "links": {k: round(v) for k, v in sorted(links.items())},
        "precision": round(t / (t + f), 4) if t + f else None,
        "self_overlapping_links": round(self_overlap),
        "location_errors": {"total": sum(errors.values()), "checked": occ_checked, **dict(sorted(errors.items()))},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("report")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--missed", type=int, metavar="N", help="also list N planted pairs not found, most similar first")
    ap.add_argument("--kind", help="with --missed: only pairs of this event kind")
    ap.add_argument("--false", type=int, metavar="N", help="also list N false links, in report order")
    a = ap.parse_args()
    missed, false = [], []
    res = score(a.corpus, a.report, missed, false)
    if a.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        for k, v in res.items():
            print("%s: %s" % (k, json.dumps(v, ensure_ascii=False)))
    if a.missed:
        missed = [m for m in missed if not a.kind or m[1] == a.kind][:a.missed]
        print("missed pairs (%d shown):" % len(missed))
        for j, kind, ev, src, dst in missed:
            print("  event %d %s, jaccard %.3f" % (ev, kind, j))
            for path, s, e in src + dst:
                with open(os.path.join(a.corpus, path), "rb") as f:
                    text = f.read()[s:e].decode("utf-8", "replace")
                print("    %s:%d-%d  %s" % (path, s, e, text[:90].replace("\n", "⏎")))
    if a.false:
        print("false links (%d of %d shown):" % (min(a.false, len(false)), len(false)))
        for fid, j, *spans in false[:a.false]:
            print("  finding %s, jaccard %.3f" % (fid, j))
            for path, s, e in spans:
                with open(os.path.join(a.corpus, path), "rb") as f:
                    text = f.read()[s:e].decode("utf-8", "replace")
                print("    %s:%d-%d  %s" % (path, s, e, text[:90].replace("\n", "⏎")))


if __name__ == "__main__":
    main()
