#!/usr/bin/env python3
"""Print the side-by-side tables of one corpus's results (used by run.sh).

    python3 eval/table.py RESULTS_DIR [--title TEXT]

RESULTS_DIR holds peers.json (written by peers.py: every tool's version, wall time, peak RSS,
or why it did not run) and TOOL.score.json for each tool that ran (score.py --json).
Prints two tables: recall per event kind, recall of the near pairs with Jaccard >= 0.5,
precision, time and peak RSS; then recall of near pairs per Jaccard bucket, the links and the
location errors and self-overlaps. A tool that could not run has a row saying why.
"""
import argparse
import json
import os

KINDS = [("exact_para", "ex.para"), ("exact_block", "ex.block"), ("near_para", "near.p"),
         ("near_block", "near.b"), ("split_para", "split"), ("resplit_block", "resplit"),
         ("rewrap", "rewrap"), ("containment", "contain")]
BUCKETS = ["<0.4", "0.4-0.5", "0.5-0.6", "0.6-0.8", "0.8-0.9", ">=0.9"]


def fmt(x, nd=3):
    return "-" if x is None else ("%.*f" % (nd, x))


def render(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    out = []
    for k, r in enumerate(rows):
        out.append("  ".join(str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(r)))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--title", default="")
    a = ap.parse_args()
    with open(os.path.join(a.results, "peers.json")) as f:
        run = json.load(f)
    scores, pairs = {}, {}
    for tool in run["tools"]:
        p = os.path.join(a.results, tool + ".score.json")
        if os.path.exists(p):
            with open(p) as f:
                scores[tool] = json.load(f)
                pairs = scores[tool]["pairs_by_kind"]
    p = run["params"]
    print("== %s  (threshold %.2f, %d bands x %d rows, %d-grams, min %d chars)" % (
        a.title or run["corpus"], p["threshold"], p["bands"], p["rows"], p["ngram"], p["min_chars"]))
    head = ["tool"] + [short for _, short in KINDS] + ["near J>=.5", "precision", "time s", "RSS MB"]
    rows = [head, ["(pairs)"] + [pairs.get(k, 0) for k, _ in KINDS] + ["", "", "", ""]]
    notes = []
    for tool, t in run["tools"].items():
        name = "%s %s" % (tool, t.get("version") or "")
        s = scores.get(tool)
        if s is None:
            rows.append([name] + ["n/a"] * (len(head) - 1))
            notes.append("%s: not run: %s" % (tool, t.get("error", "no score")))
            continue
        rows.append([name] + [fmt(s["recall_by_kind"].get(k)) for k, _ in KINDS]
                    + [fmt(s["near_j05"]), fmt(s["precision"]), fmt(t["seconds"], 2), fmt(t["peak_rss_mb"], 0)])
    print(render(rows))
    rows = [["tool"] + ["J " + b for b in BUCKETS] + ["links true/natural/false", "loc.err", "self-ovl"]]
    any_s = next(iter(scores.values()), None)
    if any_s:
        rows.append(["(near pairs)"] + [any_s["near_recall_by_jaccard"].get(b, [None, 0])[1] for b in BUCKETS]
                    + ["", "", ""])
    for tool, s in scores.items():
        l = s["links"]
        rows.append([tool] + [fmt(s["near_recall_by_jaccard"].get(b, [None])[0]) for b in BUCKETS]
                    + ["%d/%d/%d" % (l.get("true", 0), l.get("natural", 0), l.get("false", 0)),
                       "%d/%d" % (s["location_errors"]["total"], s["location_errors"]["checked"]),
                       s["self_overlapping_links"]])
    print(render(rows))
    for n in notes:
        print("  " + n)
    print()


if __name__ == "__main__":
    main()
