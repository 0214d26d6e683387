#!/usr/bin/env bash
# Installs everything ckptconv needs to build and test on Debian 12 (bookworm).
# Idempotent: packages already present are left alone. Runs apt-get as root (sudo if needed).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libleveldb-dev libsnappy-dev          # TF bundle .index (LevelDB table format)
  libprotobuf-dev protobuf-compiler     # BundleHeaderProto / BundleEntryProto
  libcurl4-openssl-dev libssl-dev       # Hub downloads, sha256
  libisal-dev                           # CRC-32 of the PyTorch zip writer's entries
  zlib1g-dev                            # the tests' reference CRC-32
  nlohmann-json3-dev                    # config.json, safetensors headers, index.json
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format clang-tidy               # style and static-analysis checks in the test suite
  python3                               # the fake Hub server used by the tests
  python3-numpy                         # model-equivalence, fixture and TF-reader tests (tests/*.py)
  python3-torch                         # torch.load of the .bin files ckptconv writes
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
