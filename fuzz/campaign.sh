#!/usr/bin/env bash
# Coverage-guided libFuzzer campaign: runs each target until it has used CPU_SECONDS of CPU
# (user + sys, read from /proc, so a busy machine stretches the wall time, not the budget),
# JOBS targets at a time, and prints one table row per target.
#
#   fuzz/campaign.sh BUILD_DIR WORK_DIR TARGET...
#   CPU_SECONDS=600 JOBS=2 fuzz/campaign.sh build/fuzz /tmp/campaign strict_json http_head
#
# BUILD_DIR is a -DCKPT_LIBFUZZER=ON build (README "Fuzzing"). Seeds are copied from
# fuzz/corpus/<target> into WORK_DIR/corpus/<target>, so the committed corpus stays clean;
# findings land in WORK_DIR/artifacts/<target>/ and logs in WORK_DIR/<target>.log. Do not
# SIGSTOP a running target: libFuzzer's timeout is wall-clock (the paused unit is reported).
set -euo pipefail

if [[ $# -lt 3 || $1 == -h || $1 == --help ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
build=$(realpath "$1")
work=$2
shift 2
cpu_budget=${CPU_SECONDS:-600}
jobs=${JOBS:-2}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
work=$(realpath "$work")
ticks=$(getconf CLK_TCK)

# cpu_seconds PID: user + sys of PID (children included once they are reaped).
cpu_seconds() {
  # Fields 14-17 of /proc/PID/stat: utime stime cutime cstime, in clock ticks. The command
  # name (field 2) may hold spaces, so cut after its closing parenthesis.
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -1; return; }
  stat=${stat##*) }
  read -r -a f <<<"$stat"
  echo $(((f[11] + f[12] + f[13] + f[14]) / ticks))
}

run_one() {
  local target=$1
  local binary="$build/fuzz/${target}_libfuzzer"
  local corpus="$work/corpus/$target" artifacts="$work/artifacts/$target/"
  local log="$work/$target.log"
  [[ -x $binary ]] || { echo "$target: no $binary (build it first)" >&2; return 1; }
  mkdir -p "$corpus" "$artifacts"
  cp -n "$source_dir/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  nice -n 19 "$binary" -max_total_time=864000 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" >"$log" 2>&1 &
  local pid=$! used=0
  while kill -0 "$pid" 2>/dev/null; do
    used=$(cpu_seconds "$pid")
    if ((used >= cpu_budget)); then
      kill -INT "$pid"
      break
    fi
    sleep 5
  done
  wait "$pid" || true
  local findings runs cov
  findings=$(find "$artifacts" -type f | wc -l)
  runs=$(awk '/number_of_executed_units/ { print $2 }' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '| `%s` | %s | %s | %s | %s | %s |\n' "$target" "$used" "${runs:-?}" "${cov:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$findings"
}

export -f run_one cpu_seconds
export build work cpu_budget source_dir ticks
echo "| target | CPU s | executions | coverage (edges) | final corpus | findings |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
