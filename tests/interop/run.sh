#!/usr/bin/env bash
# CTest driver of one interop test file: `run.sh tf|hf test_FILE.py` runs it with pytest in the
# tf or hf venv made by scripts/setup-interop.sh. When a venv is missing or does not match the
# pinned requirements this FAILS (exit 1) with a message naming the setup script: the interop
# suite never skips. Needs CKPTCONV_BIN (set by CTest to the build's ckptconv).
set -euo pipefail
side=$1
file=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
if ! "$src/scripts/setup-interop.sh" --check; then
  echo "interop: cannot run $file: the venvs are missing, run scripts/setup-interop.sh first" >&2
  exit 1
fi
: "${CKPTCONV_BIN:?CKPTCONV_BIN must name the ckptconv binary under test}"
root=${CKPT_INTEROP_HOME:-$HOME/.cache/ckptconv-interop}
export CKPT_SOURCE_DIR=$src
export CKPT_INTEROP_HF_PYTHON=$root/hf/bin/python
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1
work=$PWD/pytest-${file%.py}  # CTest runs this in build/test/tests/interop
cd "$here"
exec "$root/$side/bin/python" -m pytest -p no:cacheprovider -q --basetemp "$work" "$file"
