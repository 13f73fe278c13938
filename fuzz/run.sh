#!/usr/bin/env bash
# Runs one fuzz target on stable Rust: fuzz/run.sh TARGET [SECONDS] [extra libFuzzer args...]
# Targets: segment normalize ocr scan. SECONDS defaults to 60.
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept the -Z flags cargo-fuzz
# passes (sanitizer, coverage instrumentation); see README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
target="${1:?usage: run.sh TARGET [SECONDS] [libFuzzer args...]}"
seconds="${2:-60}"
shift $(( $# >= 2 ? 2 : 1 ))
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# New inputs go to corpus/TARGET (git-ignored); seeds are read, never written.
mkdir -p "corpus/$target"
seeds=()
[ -d "seeds/$target" ] && seeds+=("seeds/$target")
args=()
case "$target" in
    ocr)
        seeds+=("../tests/fixtures/ocr")
        args+=("-dict=ocr.dict" "-max_len=20000")
        ;;
    scan)
        # rayon: one worker thread, so one fuzz job takes one core.
        export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"
        ;;
esac

RUSTC_BOOTSTRAP=1 exec cargo fuzz run "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -print_final_stats=1 "${args[@]}" "$@"
