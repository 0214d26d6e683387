#!/usr/bin/env bash
# Creates (or reuses) the two Python virtual environments the interop suite runs in
# (tests/interop, `cmake --workflow --preset interop`). Not needed for the core build/tests.
#
#   scripts/setup-interop.sh            create or update both venvs
#   scripts/setup-interop.sh --check    exit 1 (with a message) unless both are present and
#                                       match the committed pins; changes nothing
#
# Where: ${CKPT_INTEROP_HOME:-$HOME/.cache/ckptconv-interop}/{tf,hf}, outside the clone, so
# every clone and CI run on a machine shares them. A venv is reused while its stamp (the
# sha256 of its requirements file and of the interpreter/torch versions) matches; any pin
# change rebuilds it from scratch.
#   tf: plain venv from Debian's /usr/bin/python3, tests/interop/requirements-tf.txt
#   hf: venv WITH --system-site-packages (Debian's python3-torch 1.13 and python3-numpy),
#       tests/interop/requirements-hf.txt
set -euo pipefail
cd "$(dirname "$0")/.."
root=${CKPT_INTEROP_HOME:-$HOME/.cache/ckptconv-interop}
python=/usr/bin/python3
check_only=0
[ "${1:-}" = "--check" ] && check_only=1

stamp_of() {  # side -> the stamp text a venv built from the current pins must carry
  local side=$1 extra=""
  [ "$side" = hf ] && extra=$(dpkg-query -W -f='${Package}=${Version} ' python3-torch python3-numpy 2>/dev/null || echo "no-torch")
  printf '%s %s %s\n' "$(sha256sum "tests/interop/requirements-$side.txt" | cut -d' ' -f1)" \
    "$("$python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo none)" "$extra"
}

if [ "$check_only" = 1 ]; then
  status=0
  for side in tf hf; do
    if [ ! -x "$root/$side/bin/python" ] || [ "$(cat "$root/$side/.ckptconv-stamp" 2>/dev/null)" != "$(stamp_of "$side")" ]; then
      echo "setup-interop: the '$side' venv at $root/$side is missing or does not match" \
           "tests/interop/requirements-$side.txt: run scripts/setup-interop.sh" >&2
      status=1
    fi
  done
  exit $status
fi

# Debian packages: the interpreter and venv module, and (for the hf venv) torch, numpy and
# the pure-Python libraries transformers uses from the system.
packages=(python3 python3-venv python3-pip-whl python3-torch python3-numpy python3-yaml python3-requests)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "setup-interop: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

mkdir -p "$root"
for side in tf hf; do
  dir=$root/$side
  want=$(stamp_of "$side")
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.ckptconv-stamp" 2>/dev/null)" = "$want" ]; then
    echo "setup-interop: reusing $dir"
    continue
  fi
  echo "setup-interop: building $dir from tests/interop/requirements-$side.txt"
  start=$(date +%s)
  rm -rf "$dir" "$dir.new"
  if [ "$side" = hf ]; then
    "$python" -m venv --system-site-packages "$dir.new"
  else
    "$python" -m venv "$dir.new"
  fi
  "$dir.new/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "tests/interop/requirements-$side.txt"
  if [ "$side" = hf ]; then
    # torch and numpy must be Debian's (never a PyPI wheel pulled in by a dependency).
    "$dir.new/bin/python" - <<'PY'
import numpy, torch, transformers, huggingface_hub, safetensors
assert torch.__file__.startswith("/usr/lib/python3/dist-packages/"), torch.__file__
assert numpy.__file__.startswith("/usr/lib/python3/dist-packages/"), numpy.__file__
print("setup-interop: hf venv: torch", torch.__version__, "numpy", numpy.__version__,
      "transformers", transformers.__version__, "huggingface_hub", huggingface_hub.__version__)
PY
  else
    "$dir.new/bin/python" -c 'import tensorflow as tf, numpy, safetensors; print("setup-interop: tf venv: tensorflow", tf.__version__, "numpy", numpy.__version__)' 2>&1 | grep '^setup-interop'
  fi
  # Built under a temporary name so an interrupted build never looks complete (the suite only
  # runs bin/python -m ..., which finds its venv from pyvenv.cfg wherever the folder is).
  mv "$dir.new" "$dir"
  echo "$want" > "$dir/.ckptconv-stamp"
  echo "setup-interop: $dir ready in $(( $(date +%s) - start )) s"
done
