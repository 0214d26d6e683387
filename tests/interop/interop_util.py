"""Shared helpers of the interop tests (standard library only; both venvs).

The CTest wrapper (run.sh) sets:
  CKPTCONV_BIN            the ckptconv binary under test (build/test/src/cli/ckptconv)
  CKPT_SOURCE_DIR         the repository
  CKPT_INTEROP_HF_PYTHON  the hf venv's interpreter (the TF-side tests call it for fixtures)
"""
import json
import os
import subprocess
import sys
import tempfile

SOURCE_DIR = os.environ.get("CKPT_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))


def ckptconv_bin():
    b = os.environ.get("CKPTCONV_BIN")
    assert b and os.access(b, os.X_OK), "CKPTCONV_BIN is not set to an executable: %r" % b
    return b


class Run:
    def __init__(self, proc):
        self.code, self.out, self.err = proc.returncode, proc.stdout, proc.stderr

    def __repr__(self):
        return "exit %d\nstdout:\n%s\nstderr:\n%s" % (self.code, self.out, self.err)


def ckptconv(*args, env=None, expect=0):
    """Runs ckptconv ARGS; asserts the exit code (unless expect is None)."""
    e = dict(os.environ)
    e.update(env or {})
    proc = subprocess.run([ckptconv_bin(), *args], capture_output=True, text=True, env=e,
                          timeout=300)
    r = Run(proc)
    if expect is not None:
        assert r.code == expect, "ckptconv %s: expected exit %d, got %r" % (
            " ".join(args), expect, r)
    return r


def make_hf_fixtures(out_root, specs):
    """Writes transformers fixtures by running hf_fixtures.py in the hf venv (any venv)."""
    py = os.environ.get("CKPT_INTEROP_HF_PYTHON") or sys.executable
    subprocess.run([py, os.path.join(HERE, "hf_fixtures.py"), out_root,
                    *[json.dumps(s) for s in specs]], check=True, timeout=600)


class FakeHub:
    """tests/hub/fake_hub.py on 127.0.0.1, serving every ORG/NAME folder under `root`."""

    def __init__(self, root):
        self.state = tempfile.mkdtemp(prefix="fakehub-state-")
        self.control = os.path.join(self.state, "control.json")
        self.log_path = os.path.join(self.state, "log.jsonl")
        with open(self.control, "w") as f:
            f.write("{}")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(SOURCE_DIR, "tests", "hub", "fake_hub.py"),
             "--root", root, "--control", self.control, "--log", self.log_path],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("PORTS "), "fake hub did not start: %r" % line
        self.port = int(line.split()[1])
        self.endpoint = "http://127.0.0.1:%d" % self.port

    def log(self):
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(l) for l in f if l.strip()]

    def clear_log(self):
        open(self.log_path, "w").close()

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
