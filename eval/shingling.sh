#!/usr/bin/env bash
# Words against characters as shingles, measured alone: the same pipeline (gaoya MinHash LSH,
# exact Jaccard verification, connected components; eval/peers.py) on one corpus, with only
# the shingling and the threshold changed, scored by eval/score.py.
#
#   eval/shingling.sh [CORPUS]   # default: $DOUBLET_EVAL_CACHE/corpus-en-full (from eval/run.sh)
#
# Prints one row per setting: recall of near pairs with 5-gram Jaccard >= 0.5 (and in two
# buckets), of re-wrapped and split copies, and precision.
set -euo pipefail
EVAL="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DOUBLET_EVAL_CACHE:-/tmp/doublet-eval}"
CORPUS="${1:-$CACHE/corpus-en-full}"
OUT="$CACHE/shingling/$(basename "$CORPUS")"
PY="${PYTHON:-python3}"
[ -f "$CORPUS/truth.json" ] || { echo "no corpus at $CORPUS: run eval/run.sh first" >&2; exit 2; }
mkdir -p "$OUT"
printf '%-9s %-5s %-9s %-8s %-8s %-8s %-7s %-6s %s\n' shingles t banding near_j05 j0.5-0.6 j0.6-0.8 rewrap split precision
# shingles:threshold:banding; lower thresholds get more, shorter bands so that LSH still finds them.
for cfg in chars:0.6:42x3 chars:0.5:42x3 words:1:0.6:42x3 words:1:0.5:42x3 words:2:0.5:42x3 \
           words:2:0.4:42x3 words:2:0.3:64x2 words:3:0.3:64x2 words:3:0.2:64x2; do
  IFS=: read -r kind a b c <<<"$cfg"
  if [ "$kind" = chars ]; then sh=chars t=$a band=$b; else sh=words:$a t=$b band=$c; fi
  dir="$OUT/$sh-$t"
  "$PY" "$EVAL/peers.py" "$CORPUS" --out "$dir" --peers gaoya --banding "$band" --threshold "$t" \
    --shingles "$sh" >"$dir.log" 2>&1 || { echo "$sh $t: failed, see $dir.log" >&2; continue; }
  "$PY" "$EVAL/score.py" "$CORPUS" "$dir/gaoya.jsonl" --json | "$PY" -c '
import json, sys
r = json.load(sys.stdin); k = r["recall_by_kind"]; n = r["near_recall_by_jaccard"]
print("%-9s %-5s %-9s %-8.3f %-8.3f %-8.3f %-7.3f %-6.3f %.4f" % (sys.argv[1], sys.argv[2], sys.argv[3],
      r["near_j05"], n["0.5-0.6"][0], n["0.6-0.8"][0], k["rewrap"], k["split_para"], r["precision"]))' "$sh" "$t" "$band"
done
