#!/usr/bin/env bash
# What O_DIRECT costs this machine in CPU by request size (bench/direct_pieces.cc): reads of the
# first MIB MiB of a cold FILE, then writes of as many bytes into a scratch file next to it,
# in 16, 32 and 64 KiB pieces (the most a transposed walk gets under the 256 MiB bound), 1 MiB
# and 64 MiB. Each read runs after `sync; echo 3 > /proc/sys/vm/drop_caches` (needs root).
# Prints wall, user + sys CPU (of the transfers alone), CPU per GB and CPU per request.
#
#   bench/direct_io_floor.sh FILE [MIB=2048] [THREADS=8]
set -euo pipefail
FILE=$1
MIB=${2:-2048}
THREADS=${3:-8}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bench/bench/direct_pieces
cmake --preset bench >/dev/null && cmake --build --preset bench --target direct_pieces >/dev/null
SCRATCH=$(dirname "$FILE")/direct_io_floor.$$
trap 'rm -f "$SCRATCH"' EXIT
printf '%-6s %9s %9s %7s %7s %7s %7s %10s\n' mode piece requests wall user sys CPU/GB us/request
for mode in read write; do
  for kib in 16 32 64 1024 65536; do
    target=$FILE
    if [ "$mode" = write ]; then target=$SCRATCH; rm -f "$SCRATCH"; fi
    sync; echo 3 > /proc/sys/vm/drop_caches; sleep 2
    read -r requests wall user sys < <("$BIN" "$mode" "$target" "$kib" "$THREADS" "$MIB")
    awk -v m="$mode" -v k="$kib" -v n="$requests" -v w="$wall" -v u="$user" -v s="$sys" \
        -v gb="$(awk -v m="$MIB" 'BEGIN { print m * 1048576 / 1e9 }')" \
      'BEGIN { printf "%-6s %6d KiB %9d %6.1fs %6.2fs %6.2fs %7.2f %10.1f\n",
               m, k, n, w, u, s, (u + s) / gb, (u + s) / n * 1e6 }'
  done
done
