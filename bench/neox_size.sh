#!/usr/bin/env bash
# GPT-NeoX benchmark: convert and verify of a Pythia-1.4B-shaped float32 safetensors checkpoint
# (hidden 2048, 16 heads, vocab 50304, intermediate 8192) at two layer counts, to show time and
# CPU per GB against the plain cost of moving the bytes, and that peak RSS does not grow with
# the model:
#   convert : cp of the input + sync
#   verify  : cat of both checkpoints to /dev/null
# Warm page cache (what the previous command left). Everything under WORKDIR is deleted at
# the end.
#
#   bench/neox_size.sh [WORKDIR=/work/benchdata/neox] [LAYER_COUNTS="6 24"]
set -euo pipefail
WORK=${1:-/work/benchdata/neox}
COUNTS=${2:-6 24}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bench/src/cli/ckptconv

cmake --preset bench >/dev/null && cmake --build --preset bench >/dev/null
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

# measure CMD...: sets WALL CPU RSS_MB.
measure() {
  local t; t=$(mktemp)
  /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" > /dev/null
  read -r WALL user sys rss < "$t"
  CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  RSS_MB=$((rss / 1024))
  rm -f "$t"
}
gb() { awk -v b="$(du -cb "$@" | tail -1 | cut -f1)" 'BEGIN { printf "%.2f", b / 1e9 }'; }
row() {  # layers command gb wall baseline cpu rss
  awk -v l="$1" -v n="$2" -v g="$3" -v w="$4" -v b="$5" -v c="$6" -v r="$7" \
    'BEGIN { printf "%-7s %-8s %7s %8.1f %8.1f %6.2f %8s %8.2f %8s\n", l, n, g, w, b, w / b, c, c / g, r }'
}

printf '%-7s %-8s %7s %8s %8s %6s %8s %8s %8s\n' \
  layers command GB wall baseline ratio "CPU s" "CPU/GB" "RSS MiB"
for layers in $COUNTS; do
  hf=$WORK/hf-$layers cs=$WORK/cs-$layers
  /usr/bin/python3 "$ROOT/bench/make_neox_checkpoint.py" "$hf" "$layers" > /dev/null
  in_gb=$(gb "$hf/model.safetensors")
  measure sh -c "cp '$hf/model.safetensors' '$WORK/copy' && sync"
  base=$WALL
  rm -f "$WORK/copy"
  measure "$BIN" convert --input_dir "$hf" --output_dir "$cs" --no_progress --threads 2
  row "$layers" convert "$in_gb" "$WALL" "$base" "$CPU" "$RSS_MB"
  measure sh -c "cat '$hf/model.safetensors' '$cs'/tf_model.ckpt.data-* > /dev/null"
  base=$WALL
  measure "$BIN" verify --input_dir "$hf" --output_dir "$cs" --no_progress --threads 2
  row "$layers" verify "$in_gb" "$WALL" "$base" "$CPU" "$RSS_MB"
  rm -rf "$hf" "$cs"
done
