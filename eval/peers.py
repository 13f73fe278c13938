#!/usr/bin/env python3
"""Run peer MinHash libraries (datasketch, rensa, gaoya) on a corpus, the way doublet works,
and write their findings in doublet's JSON Lines format, so that score.py scores them alike.

    python3 eval/peers.py CORPUS --out DIR --doublet target/release/doublet  # doublet too, same way
    python3 eval/peers.py CORPUS --out DIR --doublet-report REPORT.jsonl   # banding from doublet
    python3 eval/peers.py CORPUS --out DIR --banding 16x8 [--threshold 0.6]
    python3 eval/peers.py CORPUS --out DIR --peers rensa,gaoya --venv /tmp/v

CORPUS is a make_corpus.py output (its docs/ is scanned, as doublet scans it) or any directory.
The peers run in a virtual environment (--venv, default /tmp/doublet-peers-venv) that this
script creates with `python3 -m venv` when missing and into which it `pip install`s each peer
(datasketch, rensa, gaoya) on its own: a peer that does not install is reported with pip's
reason, not run. Writes DIR/PEER.jsonl for every peer that ran and DIR/peers.json: for each
tool its version or why it is missing, wall time, peak RSS (the child's ru_maxrss, from
wait4), and the counts of its run. With --doublet BIN, doublet itself runs first, measured the
same way (`BIN scan --format json --quiet DOCS` > DIR/doublet.jsonl), and its begin line gives
the banding.

Every peer gets the same input and the same pipeline as doublet:
  1. files walked in sorted order; paragraphs = runs of non-blank lines (common.paragraphs);
  2. normalization NFKC + casefold, P*/Z*/Cc/Cf/white space removed (common.normalize);
     paragraphs with fewer than min_chars normalized characters are not matched;
  3. paragraphs with the same normalized text form one exact group; one representative each
     goes on (as doublet does; it spares every peer the pairs of verbatim boilerplate);
  4. character 5-gram sets; MinHash with 128 permutations (rensa: bands x rows, since its LSH
     needs num_perm divisible by the band count; with 42 x 3 that is 126, the same slots
     doublet's banding reads); LSH with doublet's banding (bands, rows, threshold, min_chars and
     ngram read from the "begin" line of --doublet-report) or --banding BxR;
       datasketch: MinHash.bulk (sha1 of the UTF-8 shingle) + MinHashLSH(params=(b, r)), query
       rensa:      RMinHash.from_token_sets + RMinHashLSH(threshold, num_perm, b).query_all
       gaoya:      MinHashStringIndex(32-bit, b, r) with the shingle list as analyzer and
                   jaccard_threshold 0, so that its query returns every LSH candidate
                   (gaoya otherwise filters candidates by its estimate first);
     (--shingles words:K: word K-grams instead, common.word_shingles, to measure that choice);
  5. every candidate pair verified by the exact Jaccard of the two shingle sets >= threshold;
  6. groups = connected components of the verified pairs, exact groups included; one finding
     per group with one paragraph-level occurrence per member (path, byte_start, byte_end,
     line_start, col_start, line_end, col_end, para_start, para_end), kind "exact" when all
     members have the same normalized text, else "near" with the lowest verified Jaccard.
The time and memory are those of the whole child process (reading, normalizing, shingling in
Python, the library's sketch and LSH, verification, report), measured per peer.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
PEERS = ["datasketch", "rensa", "gaoya"]
NUM_PERM = 128
SEED = 1


def log(msg):
    print("peers: " + msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the parent: venv and runs
def ensure_venv(venv, peers):
    """Create the venv if needed and install every peer; {peer: (version or None, reason)}."""
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        log("python3 -m venv " + venv)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    status = {}
    for peer in peers:
        v = installed_version(py, peer)
        if v is None:
            log("pip install %s (into %s)" % (peer, venv))
            r = subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", peer],
                               capture_output=True, text=True)
            v = installed_version(py, peer)
            if v is None:
                lines = [l for l in (r.stderr + r.stdout).strip().split("\n") if l.strip()]
                status[peer] = (None, "pip install %s failed: %s" % (peer, " / ".join(lines[-3:])[-400:]))
                continue
        r = subprocess.run([py, "-c", "import " + peer], capture_output=True, text=True)
        if r.returncode != 0:
            status[peer] = (None, "import %s failed: %s" % (peer, r.stderr.strip().split("\n")[-1]))
        else:
            status[peer] = (v, "")
    return py, status


def installed_version(py, pkg):
    r = subprocess.run([py, "-c", "import importlib.metadata as m; print(m.version(%r))" % pkg],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def run_child(cmd, log_path, out_path=None):
    """Run cmd (stdout to out_path); returns (exit status, wall seconds, peak RSS in MB) of that
    child alone, from wait4."""
    t0 = time.time()
    with open(log_path, "w") as lf, open(out_path or os.devnull, "w") as of:
        p = subprocess.Popen(cmd, stdout=of, stderr=lf)
        _, status, ru = os.wait4(p.pid, 0)
    return os.waitstatus_to_exitcode(status), time.time() - t0, ru.ru_maxrss / 1024.0


def last_line(path):
    line = "{}"
    with open(path, encoding="utf-8") as f:
        for line in f:
            pass
    return json.loads(line)


def run_doublet(binary, docs, out_dir):
    """doublet scan --format json DOCS, measured like the peers; its entry for peers.json."""
    out = os.path.join(out_dir, "doublet.jsonl")
    cmd = [binary, "scan", "--format", "json", "--quiet", docs]
    code, wall, rss = run_child(cmd, os.path.join(out_dir, "doublet.log"), out)
    entry = {"command": " ".join(cmd), "report": out, "exit": code, "seconds": round(wall, 2),
             "peak_rss_mb": round(rss, 1)}
    if code not in (0, 1):  # 1 = duplicates found
        with open(os.path.join(out_dir, "doublet.log")) as lf:
            entry["error"] = "exit %d: %s" % (code, lf.read().strip()[-300:])
        raise SystemExit("peers: doublet failed: " + entry["error"])
    with open(out, encoding="utf-8") as f:
        entry["version"] = json.loads(f.readline()).get("version")
    entry["summary"] = last_line(out)
    log("doublet %s: %d findings, %.2f s, %.0f MB" % (entry["version"], entry["summary"]["findings"], wall, rss))
    return entry


def banding_from_report(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "begin":
                p = r["params"]
                return {k: p[k] for k in ("bands", "rows", "threshold", "min_chars", "ngram")}
    raise SystemExit("peers: no begin line in " + path)


def parent(a):
    os.makedirs(a.out, exist_ok=True)
    docs = os.path.join(a.corpus, "docs") if os.path.isdir(os.path.join(a.corpus, "docs")) else a.corpus
    tools = {}
    if a.doublet:
        tools["doublet"] = run_doublet(a.doublet, docs, a.out)
        a.doublet_report = a.doublet_report or tools["doublet"]["report"]
    if a.doublet_report:
        params = banding_from_report(a.doublet_report)
    else:
        b, r = (int(x) for x in a.banding.lower().split("x"))
        params = {"bands": b, "rows": r, "threshold": 0.6, "min_chars": 20, "ngram": 5}
    if a.threshold is not None:
        params["threshold"] = a.threshold
    if a.banding:
        params["bands"], params["rows"] = (int(x) for x in a.banding.lower().split("x"))
    params["shingles"] = a.shingles
    if params["bands"] * params["rows"] > NUM_PERM:
        raise SystemExit("peers: %d x %d bands need more than %d permutations" % (params["bands"], params["rows"], NUM_PERM))
    peers = [p for p in a.peers.split(",") if p]
    py, status = ensure_venv(a.venv, peers)
    result = {"corpus": a.corpus, "params": params, "num_perm": NUM_PERM, "tools": tools}
    for peer in peers:
        version, reason = status[peer]
        entry = {"version": version}
        if version is None:
            entry["error"] = reason
            log("%s: NOT RUN: %s" % (peer, reason))
        else:
            out = os.path.join(a.out, peer + ".jsonl")
            cmd = [py, os.path.abspath(__file__), "--worker", peer, docs, "--out", out,
                   "--params", json.dumps(params)]
            code, wall, rss = run_child(cmd, os.path.join(a.out, peer + ".log"))
            entry.update({"report": out, "exit": code, "seconds": round(wall, 2), "peak_rss_mb": round(rss, 1)})
            if code != 0:
                with open(os.path.join(a.out, peer + ".log")) as lf:
                    entry["error"] = "exit %d: %s" % (code, lf.read().strip().split("\n")[-1][-300:])
                log("%s: FAILED: %s" % (peer, entry["error"]))
            else:
                entry["summary"] = last_line(out)
                log("%s %s: %d findings, %.1f s, %.0f MB" % (peer, version, entry["summary"]["findings"], wall, rss))
        tools[peer] = entry
    with open(os.path.join(a.out, "peers.json"), "w") as f:
        json.dump(result, f, indent=1)
    return 0


# ------------------------------------------------------------------ the child: one peer
def walk(root):
    """Files under root in sorted order, hidden names skipped (as doublet walks a directory)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [os.path.join(dirpath, f) for f in sorted(filenames) if not f.startswith(".")]
    return out


def candidates_datasketch(sets, b, r, threshold):
    from datasketch import MinHash, MinHashLSH
    mhs = []
    for k in range(0, len(sets), 4096):  # a batch at a time: bytes tokens are not kept
        mhs += MinHash.bulk([[g.encode("utf-8") for g in s] for s in sets[k:k + 4096]],
                            num_perm=NUM_PERM, seed=SEED)
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=(b, r))
    with lsh.insertion_session() as session:
        for i, m in enumerate(mhs):
            session.insert(i, m, check_duplication=False)
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            if j > i:
                yield i, j


def candidates_rensa(sets, b, r, threshold):
    from rensa import RMinHash, RMinHashLSH
    num_perm = b * r if NUM_PERM % b else NUM_PERM
    mhs = RMinHash.from_token_sets([list(s) for s in sets], num_perm, SEED)
    lsh = RMinHashLSH(threshold, num_perm, b)
    lsh.insert_many(mhs)
    for i, cands in enumerate(lsh.query_all(mhs)):
        for j in cands:
            if j > i:
                yield i, j


def candidates_gaoya(sets, b, r, threshold):
    from gaoya.minhash import MinHashStringIndex
    index = MinHashStringIndex(hash_size=32, jaccard_threshold=0.0, num_bands=b, band_size=r,
                               analyzer=lambda doc: doc, id_container="vec")
    token_lists = [list(s) for s in sets]
    index.minhash_index.par_bulk_insert_tokens(list(range(len(sets))), token_lists)
    for i, cands in enumerate(index.minhash_index.par_bulk_query_tokens(token_lists)):
        for j in cands:
            if j > i:
                yield i, j


def worker(a):
    from common import normalize, paragraphs, set_jaccard, shingles, word_shingles
    params = json.loads(a.params)
    b, r, threshold = params["bands"], params["rows"], params["threshold"]
    t = {"start": time.time()}
    root = a.corpus.rstrip("/")
    paras = []  # (file index, para index, start, end)
    files = []
    groups = {}  # normalized text -> [paragraph ids]
    raw_of = {}  # normalized text -> raw text of its first paragraph
    for path in walk(root):
        with open(path, "rb") as f:
            data = f.read()
        fi = len(files)
        files.append((path, data))
        for k, (s, e, _) in enumerate(paragraphs(data)):
            norm = normalize(data[s:e].decode("utf-8", "replace"))
            if len(norm) >= params["min_chars"]:
                groups.setdefault(norm, []).append(len(paras))
                raw_of.setdefault(norm, data[s:e].decode("utf-8", "replace"))
            paras.append((fi, k, s, e))
    reps = list(groups)
    t["read"] = time.time()
    if params.get("shingles", "chars") == "chars":
        sets = [shingles(n, params["ngram"]) for n in reps]
    else:
        k = int(params["shingles"].split(":")[1])
        sets = [word_shingles(raw_of[n], k) for n in reps]
    t["shingle"] = time.time()
    gen = {"datasketch": candidates_datasketch, "rensa": candidates_rensa, "gaoya": candidates_gaoya}[a.worker]
    cands = set(gen(sets, b, r, threshold))
    t["candidates"] = time.time()
    parent_of = list(range(len(reps)))

    def find(x):
        while parent_of[x] != x:
            parent_of[x] = parent_of[parent_of[x]]
            x = parent_of[x]
        return x

    low = {}
    verified = 0
    for i, j in cands:
        jac = set_jaccard(sets[i], sets[j])
        if jac >= threshold:
            verified += 1
            ri, rj = find(i), find(j)
            if ri != rj:
                parent_of[ri] = rj
            low[i] = min(low.get(i, 1.0), jac)
            low[j] = min(low.get(j, 1.0), jac)
    t["verify"] = time.time()
    comps = {}
    for i in range(len(reps)):
        comps.setdefault(find(i), []).append(i)
    findings = []
    for members in comps.values():
        ids = sorted(p for i in members for p in groups[reps[i]])
        if len(ids) < 2:
            continue
        sim = 1.0 if len(members) == 1 else round(min(low[i] for i in members), 4)
        findings.append((ids, "exact" if len(members) == 1 else "near", sim))
    findings.sort(key=lambda f: f[0][0])
    line_cache = {}

    def position(fi, off):
        """(line, column) of byte off in file fi, 1-based, columns in characters."""
        data = files[fi][1]
        if fi not in line_cache:
            line_cache[fi] = [0] + [i + 1 for i, c in enumerate(data) if c == 10]
        ls = line_cache[fi]
        lo, hi = 0, len(ls)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ls[mid] <= off:
                lo = mid
            else:
                hi = mid
        return lo + 1, len(data[ls[lo]:off].decode("utf-8", "replace")) + 1

    with open(a.out, "w", encoding="utf-8") as out:
        out.write(json.dumps({"type": "begin", "tool": a.worker, "params": dict(params, num_perm=NUM_PERM,
                              method="minhash", segment="paragraphs", normalization="nfkc-casefold-strip")}) + "\n")
        for n, (ids, kind, sim) in enumerate(findings, 1):
            occ = []
            for pid in ids:
                fi, k, s, e = paras[pid]
                ls, cs = position(fi, s)
                le, ce = position(fi, e)  # e follows the last character, on its line
                occ.append({"path": files[fi][0], "byte_start": s, "byte_end": e, "line_start": ls, "col_start": cs,
                            "line_end": le, "col_end": ce - 1, "para_start": k, "para_end": k})
            out.write(json.dumps({"type": "finding", "id": n, "kind": kind, "similarity": sim, "paragraphs": 1,
                                  "occurrences": occ}, ensure_ascii=False) + "\n")
        t["end"] = time.time()
        stages = ["start", "read", "shingle", "candidates", "verify", "end"]
        out.write(json.dumps({"type": "summary", "files": len(files), "paragraphs": len(paras),
                              "matchable_items": sum(len(g) for g in groups.values()),
                              "exact_groups": len(reps), "candidate_pairs": len(cands), "verified_pairs": verified,
                              "findings": len(findings),
                              "timings": {stages[i + 1]: round(t[stages[i + 1]] - t[stages[i]], 3) for i in range(5)},
                              "elapsed": round(t["end"] - t["start"], 3)}) + "\n")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--out", required=True, help="output directory (with --worker: the report file)")
    ap.add_argument("--doublet", metavar="BIN", help="run BIN scan --format json on the corpus first "
                    "(measured like the peers; its report gives the banding)")
    ap.add_argument("--doublet-report", help="take bands, rows, threshold, min_chars, ngram from its begin line")
    ap.add_argument("--banding", help="BxR, e.g. 16x8 (overrides the report's)")
    ap.add_argument("--threshold", type=float, help="Jaccard threshold (default: the report's, else 0.6)")
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--shingles", default="chars", help="chars (character NGRAM-grams, as doublet) or words:K "
                    "(word K-grams, common.word_shingles), to measure the shingling alone")
    ap.add_argument("--venv", default="/tmp/doublet-peers-venv")
    ap.add_argument("--worker", choices=PEERS, help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker(a)
    if not a.doublet and not a.doublet_report and not a.banding:
        ap.error("give --doublet BIN, --doublet-report REPORT.jsonl or --banding BxR")
    return parent(a)


if __name__ == "__main__":
    sys.exit(main())
