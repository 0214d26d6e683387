#!/usr/bin/env bash
# Measures convert and verify against the plain cost of moving the same bytes, on one disk:
#   convert time / cp time of the input       (goal <= 1.25)
#   verify time  / time to read both files    (goal <= 1.5)
#   peak RSS of convert and verify            (goal <= 256 MiB + buffers, flat in model size)
# on a GPT-J-shaped checkpoint (E=4096, I=16384, V=50400) of LAYERS layers, then of 2*LAYERS
# layers to show the peak RSS does not grow with the model.
#
#   bench/convert_vs_cp.sh [LAYERS=4] [WORKDIR=/tmp/ckptconv-bench] [cold|warm]
#
# warm: every input is in the page cache (run once before timing) - measures CPU cost.
# cold: `sync; echo 3 > /proc/sys/vm/drop_caches` before every timed command (needs root) -
#       measures what a user converting a freshly downloaded model sees.
set -euo pipefail
LAYERS=${1:-4}
WORK=${2:-/tmp/ckptconv-bench}
MODE=${3:-warm}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bench/src/cli/ckptconv
GEN=$ROOT/build/bench/bench/make_gptj_checkpoint

cmake --preset bench >/dev/null && cmake --build --preset bench >/dev/null
mkdir -p "$WORK"

drop() {
  if [ "$MODE" = cold ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
}

# Runs a command, prints "<seconds> <peak RSS KiB>".
measure() {
  drop
  local t; t=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null
  cat "$t"; rm -f "$t"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

run_size() {
  local layers=$1 in=$WORK/hf-$1 out=$WORK/cs-$1 copy=$WORK/cp-$1
  [ -f "$in/model.safetensors" ] || "$GEN" "$in" "$layers"
  local bytes; bytes=$(stat -c %s "$in/model.safetensors")
  rm -rf "$out" "$copy"; mkdir -p "$copy"
  if [ "$MODE" = warm ]; then cat "$in/model.safetensors" >/dev/null; fi

  read -r cp_s _ < <(measure sh -c "cp '$in/model.safetensors' '$copy/' && sync")
  rm -rf "$copy"
  read -r conv_s conv_kb < <(measure "$BIN" convert --input_dir "$in" --output_dir "$out" --no-progress)
  sync
  read -r read_s _ < <(measure sh -c "cat '$in/model.safetensors' '$out/tf_model.ckpt.data-00000-of-00001' > /dev/null")
  read -r ver_s ver_kb < <(measure "$BIN" verify --input_dir "$in" --output_dir "$out" --no-progress)

  printf "%-8s %2d layers %6.2f GB | cp+sync %6.2fs  convert %6.2fs  ratio %s | read both %6.2fs  verify %6.2fs  ratio %s | peak RSS convert %4d MiB  verify %4d MiB\n" \
    "$MODE" "$layers" "$(awk -v b="$bytes" 'BEGIN{print b/1e9}')" "$cp_s" "$conv_s" "$(ratio "$conv_s" "$cp_s")" \
    "$read_s" "$ver_s" "$(ratio "$ver_s" "$read_s")" $((conv_kb / 1024)) $((ver_kb / 1024))
  rm -rf "$out"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, disk $(df -h "$WORK" | awk 'NR==2{print $1}')"
run_size "$LAYERS"
run_size $((LAYERS * 2))
