#!/usr/bin/env bash
# What reading a cold file costs this machine, three ways (bench/read_cold.cc), each after
# `sync; echo 3 > /proc/sys/vm/drop_caches` (needs root): through the mapping with the pages
# left in the page cache (what `cat` and `cp` do), the same with each 64 MiB dropped from the
# cache once read (MappedFile::drop_cached: later reads reuse its page frames), and O_DIRECT
# into one reused buffer; and `panels`: convert's walk of a transposed matrix (256 MiB matrices
# of 16384 rows, 4 panels of 4 KiB of every row) without the transpose, each matrix dropped
# once walked. Every byte is touched each way. Prints wall, user + sys CPU and CPU per GB,
# ROUNDS times each.
#
#   bench/page_cache_floor.sh FILE [ROUNDS=2]
#
# On the development VM (Firecracker) a page frame the guest has not used lately costs a
# host fault on first touch, so `keep` costs several times `drop`; on bare metal the three
# should cost about the same CPU.
set -euo pipefail
FILE=$1
ROUNDS=${2:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bench/bench/read_cold
cmake --preset bench >/dev/null && cmake --build --preset bench --target read_cold >/dev/null
GB=$(awk -v b="$(stat -c %s "$FILE")" 'BEGIN { printf "%.2f", b / 1e9 }')
echo "file $FILE, $GB GB"
printf '%-7s %8s %8s %8s %8s\n' mode wall user sys CPU/GB
for round in $(seq "$ROUNDS"); do
  for mode in keep drop direct panels; do
    sync; echo 3 > /proc/sys/vm/drop_caches; sleep 2
    t=$(mktemp)
    /usr/bin/time -f "%e %U %S" -o "$t" "$BIN" "$FILE" "$mode" > /dev/null
    read -r wall user sys < "$t"
    rm -f "$t"
    awk -v m="$mode" -v w="$wall" -v u="$user" -v s="$sys" -v g="$GB" \
      'BEGIN { printf "%-7s %7.1fs %7.1fs %7.1fs %8.2f\n", m, w, u, s, (u + s) / g }'
  done
done
