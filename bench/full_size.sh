#!/usr/bin/env bash
# Full-size benchmark: convert, verify and to-hf of a GPT-J-shaped checkpoint (E=4096,
# I=16384, V=50400, float32) of LAYERS layers - 28 is GPT-J 6B, 24.2 GB - each against the
# plain cost of moving the same bytes on the same disk in the same run:
#   convert, to-hf : cp of its input + sync
#   verify         : cat of both checkpoints to /dev/null
# first with a safetensors input, then with a PyTorch zip (pytorch_model.bin, written by
# to-hf --format bin), each with a warm and a cold page cache; to-hf of the converted
# checkpoint back to safetensors in between.
#
#   bench/full_size.sh [LAYERS=28] [WORKDIR=/work/benchdata/full] [MODES="warm cold"]
#
# Per command it prints wall seconds, the ratio to its baseline, CPU seconds (user + sys)
# and CPU seconds per GB of input (for verify: of the HF input), the baseline's own CPU per GB
# of the same input (cp + sync, or cat of both files: what merely moving the bytes costs this
# machine), peak RSS, read syscalls
# (read, pread64, readv, preadv, preadv2, copy_file_range, io_uring_enter: strace -c -f
# with a seccomp filter, so untraced calls cost nothing) and minor page faults. The first and
# last lines give the host's speed at that moment (host_speed, below).
# warm: the page cache is left as the previous command left it (at full size a checkpoint is
# about as large as RAM, so "warm" means: most of the most recently read 20 GB). cold: `sync;
# echo 3 > /proc/sys/vm/drop_caches` before each timed command (needs root).
# Disk: at most two checkpoints exist at once (the cp copy is deleted right after timing it),
# i.e. 2 x 24.2 GB at full size. Everything under WORKDIR is deleted at the end.
set -euo pipefail
LAYERS=${1:-28}
WORK=${2:-/work/benchdata/full}
MODES=${3:-warm cold}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bench/src/cli/ckptconv
GEN=$ROOT/build/bench/bench/make_gptj_checkpoint
READS=read,pread64,readv,preadv,preadv2,copy_file_range,io_uring_enter

cmake --preset bench >/dev/null && cmake --build --preset bench >/dev/null
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

prepare() {  # mode: cold drops the page cache; warm leaves whatever the last command cached
  if [ "$1" = cold ]; then
    sync; echo 3 > /proc/sys/vm/drop_caches
  fi
}

# measure LABEL CMD...: runs CMD under /usr/bin/time (and strace for ckptconv), sets
# WALL CPU RSS_MB READS FAULTS.
measure() {
  local t s; t=$(mktemp); s=$(mktemp)
  if [ "$(basename "$1")" = ckptconv ]; then
    /usr/bin/time -f "%e %U %S %M %R" -o "$t" \
      strace --seccomp-bpf -f -c -o "$s" -e trace=$READS "$@" > /dev/null
    READS_N=$(awk '/total$/ { n = ($4 ~ /^[0-9]+$/) ? $4 : $3 } END { print n + 0 }' "$s")
  else
    /usr/bin/time -f "%e %U %S %M %R" -o "$t" "$@" > /dev/null
    READS_N=-
  fi
  read -r WALL user sys rss FAULTS < "$t"
  CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  RSS_MB=$((rss / 1024))
  rm -f "$t" "$s"
}

# host_speed: convert's transpose alone, from anonymous memory (no I/O, no page cache), in GB/s
# of input: how fast this host runs the same instructions right now. On this VM it has varied
# by a third from one hour to the next, and every CPU/GB above moves with it.
host_speed() {
  "$ROOT/build/bench/bench/transpose_bench" --benchmark_filter='BM_TransposePanel/4096/16384$' \
    --benchmark_min_time=2 2> /dev/null | sed -n 's/.*GB\/s=\([0-9.]*\).*/\1/p' |
    awk '{ printf "%.1f GB/s", $1 }'
}

gb() { awk -v b="$(du -cb "$@" | tail -1 | cut -f1)" 'BEGIN { printf "%.2f", b / 1e9 }'; }
row() {  # mode input command baseline_label baseline_wall input_gb baseline_cpu
  printf "| %s | %s | %s | %.1f s | %s %.1f s | %.2f | %s s | %.2f | %.2f | %d MiB | %s | %s |\n" \
    "$1" "$2" "$3" "$WALL" "$4" "$5" "$(awk -v a="$WALL" -v b="$5" 'BEGIN { print a / b }')" \
    "$CPU" "$(awk -v c="$CPU" -v g="$6" 'BEGIN { print c / g }')" \
    "$(awk -v c="$7" -v g="$6" 'BEGIN { print c / g }')" "$RSS_MB" "$READS_N" "$FAULTS"
}

baseline_cp() {  # mode, files: cp + sync of the files into a scratch dir, then deleted
  local mode=$1; shift
  rm -rf "$WORK/copy"; mkdir -p "$WORK/copy"
  prepare "$mode" "$@"
  /usr/bin/time -f "%e %U %S" -o "$WORK/t" sh -c "cp $* '$WORK/copy/' && sync"
  read -r CP user sys < "$WORK/t"; rm -rf "$WORK/copy" "$WORK/t"
  CP_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
}

baseline_cat() {  # mode, files
  local mode=$1; shift
  prepare "$mode" "$@"
  /usr/bin/time -f "%e %U %S" -o "$WORK/t" sh -c "cat $* > /dev/null"
  read -r CAT user sys < "$WORK/t"; rm -f "$WORK/t"
  CAT_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
}

convert_and_verify() {  # input label, HF dir, weights file
  local label=$1 hf=$2 weights=$3 cs=$WORK/cs size
  size=$(gb "$weights")
  for mode in $MODES; do
    rm -rf "$cs"
    baseline_cp "$mode" "$weights"
    prepare "$mode" "$weights"
    measure "$BIN" convert --input_dir "$hf" --output_dir "$cs" --no-progress
    row "$mode" "$label $size GB" convert "cp+sync" "$CP" "$size" "$CP_CPU"
    sync
    baseline_cat "$mode" "$weights" "$cs/tf_model.ckpt.data-00000-of-00001"
    prepare "$mode" "$weights" "$cs/tf_model.ckpt.data-00000-of-00001"
    measure "$BIN" verify --input_dir "$hf" --output_dir "$cs" --no-progress
    row "$mode" "$label $size GB" verify "cat both" "$CAT" "$size" "$CAT_CPU"
  done
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(df -h "$WORK" | awk 'NR==2{print $1}'), load average: $(cut -d' ' -f1-3 /proc/loadavg), host speed (transpose alone): $(host_speed)"
echo "| mode | input | command | wall | baseline | ratio | CPU | CPU/GB | baseline CPU/GB | peak RSS | read syscalls | minor faults |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
"$GEN" "$WORK/hf-st" "$LAYERS" > /dev/null
convert_and_verify safetensors "$WORK/hf-st" "$WORK/hf-st/model.safetensors"
rm -rf "$WORK/hf-st"

# to-hf of the last converted checkpoint (safetensors, the default); then its torch zip
# output (to-hf --format bin) is the next input.
data=$WORK/cs/tf_model.ckpt.data-00000-of-00001
size=$(gb "$data")
for mode in $MODES; do
  rm -rf "$WORK/hf-back"
  baseline_cp "$mode" "$data"
  prepare "$mode" "$data"
  measure "$BIN" to-hf --input_dir "$WORK/cs" --output_dir "$WORK/hf-back" --no-progress
  row "$mode" "TF bundle $size GB" "to-hf" "cp+sync" "$CP" "$size" "$CP_CPU"
done
rm -rf "$WORK/hf-back"
prepare warm "$data"
measure "$BIN" to-hf --input_dir "$WORK/cs" --output_dir "$WORK/hf-bin" --format bin --no-progress
row warm "TF bundle $size GB" "to-hf --format bin" "cp+sync" "$CP" "$size" "$CP_CPU"
rm -rf "$WORK/cs"
convert_and_verify "torch zip" "$WORK/hf-bin" "$WORK/hf-bin/pytorch_model.bin"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg), host speed after: $(host_speed)"
